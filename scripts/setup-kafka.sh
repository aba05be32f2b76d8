#!/usr/bin/env bash
# Installs what the Kafka tests' broker needs, idempotently: the jars of Apache Kafka (pinned in
# kafka/pom.xml) from Maven Central into .venv/kafka/lib. Java 17 and Maven come from the system.
# Prints the lib folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lib="$root/.venv/kafka/lib"
bash "$root/scripts/maven-jars.sh" setup-kafka "$root/kafka/pom.xml" "$lib"
if ! command -v java >/dev/null 2>&1; then
  echo "setup-kafka: Java 17 is needed (apt-get install openjdk-17-jre-headless)" >&2
  exit 1
fi
echo "$lib"
