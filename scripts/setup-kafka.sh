#!/usr/bin/env bash
# Installs what the Kafka tests' broker needs, idempotently: the jars of Apache Kafka (pinned in
# kafka/pom.xml) from Maven Central into .venv/kafka/lib. Java 17 and Maven come from the system.
# Prints the lib folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lib="$root/.venv/kafka/lib"
pom="$root/kafka/pom.xml"
want="$(sha256sum "$pom" | cut -d' ' -f1)"
if [ ! -f "$lib/.pom-sha256" ] || [ "$(cat "$lib/.pom-sha256")" != "$want" ]; then
  if ! command -v mvn >/dev/null 2>&1; then
    echo "setup-kafka: Maven is needed (apt-get install maven)" >&2
    exit 1
  fi
  echo "setup-kafka: fetching the Kafka broker's jars into $lib" >&2
  rm -rf "$lib"
  mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$lib" >&2
  echo "$want" > "$lib/.pom-sha256"
fi
if ! command -v java >/dev/null 2>&1; then
  echo "setup-kafka: Java 17 is needed (apt-get install openjdk-17-jre-headless)" >&2
  exit 1
fi
echo "$lib"
