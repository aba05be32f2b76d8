#!/usr/bin/env bash
# Installs what `subsnap hdfs start` needs, idempotently: the jars of the HDFS daemons (pinned in
# hdfs/pom.xml) from Maven Central into .venv/hdfs/lib, and a class-path folder holding the two empty
# `webapps/` folders the daemons' HTTP servers look up (the Maven jars carry no web UI; WebHDFS needs
# none). Java 17 and Maven come from the system. Prints the install folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
home="$root/.venv/hdfs"
bash "$root/scripts/maven-jars.sh" setup-hdfs "$root/hdfs/pom.xml" "$home/lib"
mkdir -p "$home/webapps/webapps/hdfs" "$home/webapps/webapps/datanode"
if ! command -v java >/dev/null 2>&1; then
  echo "setup-hdfs: Java 17 is needed (apt-get install openjdk-17-jre-headless)" >&2
  exit 1
fi
echo "$home"
