"""The usual hand-written PySpark job for the daily snapshot, as the comparison baseline.

Union of the previous snapshot and the new journal day, row_number over Id by date descending,
keep the first, join with the catalog, write Parquet. No quarantine, no commit log, no checks:
the way such jobs are commonly written.
"""

import argparse
import time

from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, DateType, DecimalType, LongType, StringType, StructField, StructType

JOURNAL_SCHEMA = StructType([
    StructField("Id", LongType()),
    StructField("active", BooleanType()),
    StructField("subscription", StringType()),
    StructField("customer_first_name", StringType()),
    StructField("customer_last_name", StringType()),
    StructField("cost", DecimalType(18, 2)),
    StructField("start_date", DateType()),
    StructField("end_date", DateType()),
])

parser = argparse.ArgumentParser()
parser.add_argument("--snapshot", required=True)
parser.add_argument("--journal", required=True, help="the new day's folder")
parser.add_argument("--date", required=True)
parser.add_argument("--catalog", required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--memory", default="4g")
args = parser.parse_args()

started = time.time()
spark = (
    SparkSession.builder.master("local[2]")
    .config("spark.driver.memory", args.memory)
    .config("spark.sql.shuffle.partitions", "4")
    .config("spark.ui.enabled", "false")
    .config("spark.driver.host", "127.0.0.1")
    .config("spark.driver.bindAddress", "127.0.0.1")
    .getOrCreate()
)
session_ready = time.time()

previous = spark.read.parquet(args.snapshot).select(
    "Id", "active", "subscription", "cost", "start_date", "end_date",
    F.col("_journal_date").alias("journal_date"),
)
day = (
    spark.read.schema(JOURNAL_SCHEMA).json(args.journal)
    .where(F.col("Id").isNotNull())
    .select(
        "Id", "active", "subscription", "cost", "start_date", "end_date",
        F.lit(args.date).cast("date").alias("journal_date"),
    )
)
latest = Window.partitionBy("Id").orderBy(F.col("journal_date").desc())
snapshot = (
    previous.unionByName(day)
    .withColumn("rn", F.row_number().over(latest))
    .where("rn = 1")
    .drop("rn")
)
catalog = spark.read.parquet(args.catalog)
snapshot.join(F.broadcast(catalog), "subscription", "left").write.mode("overwrite").parquet(args.out)
done = time.time()
print(f"session {session_ready - started:.2f}s job {done - session_ready:.2f}s")
spark.stop()
