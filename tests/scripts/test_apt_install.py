"""scripts/apt-install.sh: nothing to do when the command is there, a clear command when not
root, and a wait (not a failure) while another apt holds its lock.

Nothing is installed: `id`, `apt-get` and `sleep` are stand-ins put first on PATH."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from bot.settings import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "apt-install.sh"
ABSENT = ("cim-absent-browser", "cim-absent-proxy")
# Says it is busy the first time it is asked to update, as apt does while another apt runs.
BUSY_ONCE_APT_GET = """#!/usr/bin/env bash
echo "$*" >> "{log}"
if [[ " $* " == *" update "* ]] && [ ! -e "{log}.busy" ]; then
  touch "{log}.busy"
  echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)"
  exit 100
fi
"""


def stand_in(directory: Path, name: str, body: str) -> None:
    path = directory / name
    path.write_text(body)
    path.chmod(0o755)


def run(bin_dir: Path, *commands: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return subprocess.run(
        [str(SCRIPT), *commands], env=env, capture_output=True, text=True, timeout=30
    )


def test_commands_already_installed_need_nothing_and_not_root(tmp_path: Path) -> None:
    stand_in(tmp_path, "id", "#!/bin/sh\necho 1000\n")
    stand_in(tmp_path, "apt-get", "#!/bin/sh\nexit 99\n")
    for name in ABSENT:
        stand_in(tmp_path, name, "#!/bin/sh\n")
    done = run(tmp_path, *ABSENT)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_without_root_it_says_exactly_what_to_install_and_fails(tmp_path: Path) -> None:
    stand_in(tmp_path, "id", "#!/bin/sh\necho 1000\n")
    stand_in(tmp_path, "apt-get", f"#!/bin/sh\ntouch {tmp_path}/apt-ran\n")
    stand_in(tmp_path, "cim-absent-proxy", "#!/bin/sh\n")
    refused = run(tmp_path, *ABSENT)
    assert refused.returncode == 1
    assert "  sudo apt-get install -y cim-absent-browser\n" in refused.stderr
    assert not (tmp_path / "apt-ran").exists()


def test_as_root_it_waits_for_another_apts_lock_then_installs(tmp_path: Path) -> None:
    log = tmp_path / "apt.log"
    stand_in(tmp_path, "id", "#!/bin/sh\necho 0\n")
    stand_in(tmp_path, "sleep", "#!/bin/sh\n")
    stand_in(tmp_path, "apt-get", BUSY_ONCE_APT_GET.format(log=log))
    installed = run(tmp_path, *ABSENT)
    assert installed.returncode == 0, installed.stderr
    assert "waiting" in installed.stderr
    calls = log.read_text().splitlines()
    assert [call.split()[-1] for call in calls[:2]] == ["update", "update"]
    assert calls[2].endswith("install " + " ".join(ABSENT))
    assert all("DPkg::Lock::Timeout=600" in call for call in calls)


def test_as_root_a_failure_other_than_the_lock_is_not_retried(tmp_path: Path) -> None:
    stand_in(tmp_path, "id", "#!/bin/sh\necho 0\n")
    stand_in(tmp_path, "apt-get", "#!/bin/sh\necho 'E: Unable to locate package'\nexit 100\n")
    failed = run(tmp_path, *ABSENT)
    assert failed.returncode == 1
    assert "Unable to locate package" in failed.stderr and "waiting" not in failed.stderr
