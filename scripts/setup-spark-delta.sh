#!/usr/bin/env bash
# Installs Delta Lake for `subsnap spark start --delta`, idempotently: the jars pinned in
# spark/delta/pom.xml, from Maven Central, into .venv/spark-delta. Maven comes from the system.
# Prints the jar folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lib="$root/.venv/spark-delta"
bash "$root/scripts/maven-jars.sh" setup-spark-delta "$root/spark/delta/pom.xml" "$lib"
echo "$lib"
