#!/usr/bin/env bash
# Installs what the Spark engine needs, idempotently: a project venv with the pinned pyspark (the
# whole Spark runtime, Spark Connect server included) and the Spark Connect .proto definitions
# taken from that distribution's spark-connect jar. Java 17 comes from the system.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(cat "$root/spark/PYSPARK_VERSION")"
venv="$root/.venv/spark"
protos="$root/.venv/spark-protos"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pyspark, sys; sys.exit(pyspark.__version__ != '$version')" 2>/dev/null; then
  echo "setup-spark: installing pyspark $version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pyspark==$version"
fi

spark_home="$("$venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
jar="$(ls "$spark_home"/jars/spark-connect_*.jar | head -n 1)"
if [ ! -f "$protos/.from" ] || [ "$(cat "$protos/.from")" != "$jar" ]; then
  rm -rf "$protos"
  mkdir -p "$protos"
  "$venv/bin/python" - "$jar" "$protos" <<'PY'
import sys, zipfile
jar, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(jar) as z:
    for name in z.namelist():
        if name.endswith('.proto') and (name.startswith('spark/connect/') or name.startswith('google/protobuf/')):
            z.extract(name, out)
PY
  echo "$jar" > "$protos/.from"
fi

if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
  echo "setup-spark: Java 17 is needed (apt-get install openjdk-17-jdk-headless)" >&2
  exit 1
fi

# The record probe the Spark engine registers as a UDF (spark/udf/): compiled against this Spark's
# own jars (Jackson, the UDF interfaces), rebuilt when its source changes.
udf_src="$root/spark/udf"
udf_out="$root/.venv/spark-udf"
udf_hash="$(cd "$udf_src" && find . -name '*.java' -type f | sort | xargs sha256sum | sha256sum | cut -d' ' -f1)-$version"
if [ ! -f "$udf_out/subsnap-spark.jar" ] || [ "$(cat "$udf_out/.source-sha256" 2>/dev/null)" != "$udf_hash" ]; then
  if ! command -v javac >/dev/null 2>&1; then
    echo "setup-spark: a Java 17 JDK is needed to build the Spark engine's record probe (apt-get install openjdk-17-jdk-headless)" >&2
    exit 1
  fi
  rm -rf "$udf_out"
  mkdir -p "$udf_out/classes"
  javac --release 17 -nowarn -cp "$spark_home/jars/*" -d "$udf_out/classes" $(find "$udf_src" -name '*.java' -type f)
  (cd "$udf_out/classes" && jar cf ../subsnap-spark.jar .)
  echo "$udf_hash" > "$udf_out/.source-sha256"
fi
echo "$spark_home"
