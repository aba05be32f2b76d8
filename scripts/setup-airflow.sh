#!/usr/bin/env bash
# Installs Airflow for the DAG and its tests, idempotently: a project venv built from the committed
# lock (airflow/requirements.lock); prints its path.
set -euo pipefail
exec "$(dirname "$0")/locked-venv.sh" airflow airflow/requirements.lock
