#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter: $PYTHON, then python3.10 on PATH, then pyenv's 3.10.x.
# Rasa 3.6 supports Python 3.8-3.10 only; we pin 3.10.
set -u
is_310() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }

if [ -n "${PYTHON:-}" ]; then
  if is_310 "$PYTHON"; then command -v "$PYTHON" || echo "$PYTHON"; exit 0; fi
  echo "error: \$PYTHON=$PYTHON is not a Python 3.10 interpreter" >&2; exit 1
fi
for candidate in python3.10; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  # a pyenv shim answers only when 3.10 is selected; ask it directly with PYENV_VERSION below instead
  if is_310 "$path"; then echo "$path"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -t. -k3 -n -r); do
    prefix=$(pyenv prefix "$version" 2>/dev/null) || continue
    if is_310 "$prefix/bin/python3.10"; then echo "$prefix/bin/python3.10"; exit 0; fi
  done
fi
cat >&2 <<'MSG'
error: no Python 3.10 interpreter found (Rasa 3.6 needs Python 3.8-3.10; this project pins 3.10).
Install one, then run make again, for example:
  - pyenv:   pyenv install 3.10.13
  - Debian/Ubuntu: apt-get install python3.10 python3.10-venv   (deadsnakes PPA on Ubuntu)
  - or point PYTHON at one:  make run PYTHON=/path/to/python3.10
MSG
exit 1
