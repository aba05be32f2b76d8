#!/usr/bin/env bash
# Copies the runtime jars of a pom's dependencies from Maven Central into a folder, once per pom
# content (the folder records the pom's sha256). Usage: maven-jars.sh NAME POM LIB_DIR
set -euo pipefail
name="$1"; pom="$2"; lib="$3"
want="$(sha256sum "$pom" | cut -d' ' -f1)"
if [ ! -f "$lib/.pom-sha256" ] || [ "$(cat "$lib/.pom-sha256")" != "$want" ]; then
  if ! command -v mvn >/dev/null 2>&1; then
    echo "$name: Maven is needed (apt-get install maven)" >&2
    exit 1
  fi
  echo "$name: fetching jars into $lib" >&2
  rm -rf "$lib"
  mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib" >&2
  echo "$want" > "$lib/.pom-sha256"
fi
