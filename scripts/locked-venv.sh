#!/usr/bin/env bash
# A project venv built from a committed lock, idempotently: `locked-venv.sh NAME LOCK` installs
# LOCK (a uv/pip requirements lock, relative to the repository) into .venv/NAME with uv, itself pinned
# and installed from PyPI, again only when the lock changed; prints the venv's path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
name="$1"
tools="$root/.venv/tools"
venv="$root/.venv/$name"
lock="$root/$2"
stamp="$venv/.lock-sha256"

if [ ! -x "$tools/bin/uv" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet --disable-pip-version-check "uv==0.13.8"
fi
want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "locked-venv: installing $2 into $venv" >&2
  rm -rf "$venv"
  "$tools/bin/uv" venv --quiet --python "$(command -v python3)" "$venv"
  "$tools/bin/uv" pip install --quiet --python "$venv/bin/python" -r "$lock"
  echo "$want" > "$stamp"
fi
echo "$venv"
