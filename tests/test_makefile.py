"""The Makefile's promises a developer relies on, read from `make -n` (nothing is run):
`make check` and `make test-unit` need no root and no Debian package; the targets that do
need one ask scripts/apt-install.sh for it; dependencies are installed by hash."""

from __future__ import annotations

import subprocess

from bot.settings import PROJECT_ROOT

ROOT_ONLY = ("scripts/apt-install.sh", "apt-get", "sudo")


def dry_run(*targets: str) -> str:
    planned = subprocess.run(
        ["make", "--no-print-directory", "-n", *targets],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return planned.stdout


def test_the_fast_loop_and_the_unit_layer_need_no_root() -> None:
    for target in ("check", "test-unit"):
        planned = dry_run(target)
        assert not [word for word in ROOT_ONLY if word in planned], target


def test_check_lints_then_runs_the_unit_tests_on_sqlite_only() -> None:
    planned = dry_run("check")
    lint = ("ruff check", "ruff format --check", "mypy bot actions tools tests", "lint-imports")
    assert all(step in planned for step in lint)
    assert '-m pytest -m "not e2e and not postgres and not apt"' in planned


def test_the_browser_and_proxy_tests_ask_for_their_packages() -> None:
    assert "scripts/apt-install.sh chromium haproxy" in dry_run("test-e2e")
    assert "scripts/apt-install.sh haproxy" in dry_run("run-prod")


def test_the_lock_is_installed_by_hash() -> None:
    planned = dry_run("-B", ".venv/.installed")
    assert "pip install --quiet --require-hashes -r requirements.lock" in planned
