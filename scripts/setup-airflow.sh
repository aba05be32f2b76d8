#!/usr/bin/env bash
# Installs Airflow for the DAG and its tests, idempotently: a project venv built from the committed
# lock (airflow/requirements.lock) with uv, itself pinned and installed from PyPI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.venv/tools"
venv="$root/.venv/airflow"
lock="$root/airflow/requirements.lock"
stamp="$venv/.lock-sha256"

if [ ! -x "$tools/bin/uv" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet --disable-pip-version-check "uv==0.13.8"
fi
want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup-airflow: installing the locked Airflow into $venv" >&2
  rm -rf "$venv"
  "$tools/bin/uv" venv --quiet --python "$(command -v python3)" "$venv"
  "$tools/bin/uv" pip install --quiet --python "$venv/bin/python" -r "$lock"
  echo "$want" > "$stamp"
fi
echo "$venv"
