#!/usr/bin/env bash
# Usage: scripts/apt-install.sh COMMAND...   (each a Debian package named as its command)
#
# The Debian packages some make targets need (chromium for the browser tests, haproxy for the
# production profile), installed once: a command already there is left alone. Only the targets
# that run them call this; `make check` and `make test-unit` never do, so they need no root.
#
# Another apt running (unattended-upgrades, a second make) is a reason to wait, not to fail:
# dpkg's locks are waited for with DPkg::Lock::Timeout, and since `apt-get update` takes
# /var/lib/apt/lists/lock without a time-out, it is tried again while another apt holds it.
# CIM_APT_WAIT (seconds, default 600) bounds the wait. Not root: says what to run, and fails.
set -euo pipefail
wait_seconds=${CIM_APT_WAIT:-600}

installed() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

locked() { grep -qE "Could not get lock|Unable to lock|Unable to acquire" <<<"$1"; }

apt_get() {
  local deadline=$((SECONDS + wait_seconds)) output
  while true; do
    if output=$(apt-get -o DPkg::Lock::Timeout="$wait_seconds" "$@" 2>&1); then return 0; fi
    if ! locked "$output" || ((SECONDS >= deadline)); then
      printf '%s\n' "$output" >&2
      return 1
    fi
    echo "apt is busy (another apt-get or dpkg holds its lock); waiting" >&2
    sleep 5
  done
}

missing=()
for command in "$@"; do installed "$command" || missing+=("$command"); done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "error: ${missing[*]} not installed, and installing needs root. Run, then make again:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing Debian's ${missing[*]}"
apt_get -qq update || { echo "error: apt-get update failed" >&2; exit 1; }
apt_get -y -qq install "${missing[@]}" || {
  echo "error: could not install ${missing[*]} (apt-get install -y ${missing[*]})" >&2
  exit 1
}
