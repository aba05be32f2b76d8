#!/usr/bin/env bash
# Installs the Delta Lake readers of the tests (delta-rs as `deltalake`, with pandas and pyarrow),
# idempotently: a project venv built from the committed lock (delta/requirements.lock); prints its path.
set -euo pipefail
exec "$(dirname "$0")/locked-venv.sh" delta delta/requirements.lock
