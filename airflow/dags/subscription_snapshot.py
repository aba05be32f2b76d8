"""Fold the subscription journal into the snapshot every 10 minutes, each run simulating one day.

Each run maps its logical date to one business day (see ``business_day_for``): the run whose logical
date is ``subsnap_sim_anchor`` (default: the DAG's start date) is day ``subsnap_sim_start`` (default
2024-01-01), each 10-minute slot after it the next day, each slot before it the day before.
The mapping depends only on the logical date, so clearing and re-running a run redoes the same
day: the journal file it writes has the same bytes, and ``subsnap run --until DAY`` folds nothing
that is already folded.

Configuration (Airflow Variables, or AIRFLOW_VAR_* environment variables):
  subsnap_lake      the lake folder (default: lake/ beside this repository's airflow/ folder)
  subsnap_command   how to call the CLI (default: node <repo>/bin/subsnap.js)
  subsnap_sim_start the business day of the anchor slot (default 2024-01-01)
  subsnap_sim_anchor the logical date (ISO) of that slot (default: the DAG's start date)
  subsnap_kafka_brokers when set (host:port[,...]), each run first archives the Kafka topic
                    into the journal (``subsnap archive``); unset, that task is skipped
  subsnap_kafka_topic the topic (default subscriptions)
DAG params: engine (duckdb | spark), simulate_arrival (false for real journals).
The Spark Connect URL comes from the Airflow connection ``spark_connect_default``.

Nothing heavy happens at import time: the file only declares tasks.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param, task

REPO = Path(__file__).resolve().parents[2]
START = pendulum.datetime(2026, 1, 1, tz="UTC")
INTERVAL = timedelta(minutes=10)
SUBSNAP = "{{ var.value.get('subsnap_command', '" + f"node {REPO / 'bin' / 'subsnap.js'}" + "') }}"
LAKE = "{{ var.value.get('subsnap_lake', '" + str(REPO / "lake") + "') }}"
DAY = "{{ ti.xcom_pull(task_ids='business_day') }}"


def business_day_for(logical_date: pendulum.DateTime, sim_start: str, anchor: str | None = None) -> str:
    """The simulated business day of a run: one day per 10-minute slot since the anchor slot."""
    origin = pendulum.parse(anchor) if anchor else START
    slots = (logical_date - origin).total_seconds() // INTERVAL.total_seconds()
    return pendulum.parse(sim_start).add(days=int(slots)).to_date_string()


with DAG(
    dag_id="subscription_snapshot",
    description="Journal -> enriched, versioned Parquet snapshot (subsnap), one simulated day per run",
    schedule="*/10 * * * *",
    start_date=START,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=30),
    default_args={
        "retries": 2,
        "retry_delay": timedelta(seconds=30),
        "execution_timeout": timedelta(minutes=15),
    },
    params={
        "engine": Param("duckdb", enum=["duckdb", "spark"], description="execution engine of subsnap run"),
        "simulate_arrival": Param(True, type="boolean", description="write the day's journal with the generator"),
    },
    tags=["subsnap"],
) as dag:

    @task
    def business_day(logical_date=None, var=None) -> str:
        sim_start = var["value"].get("subsnap_sim_start", "2024-01-01")
        return business_day_for(logical_date, sim_start, var["value"].get("subsnap_sim_anchor", None))

    @task
    def spark_remote(params=None) -> str:
        """The sc:// URL of the connection spark_connect_default, when the engine is Spark."""
        if params["engine"] != "spark":
            return ""
        from airflow.providers.apache.spark.hooks.spark_connect import SparkConnectHook

        return SparkConnectHook(conn_id="spark_connect_default").get_connection_url()

    simulate_arrival = BashOperator(
        task_id="simulate_arrival",
        # Exit 99 marks the task skipped when real journals arrive by other means.
        bash_command=(
            "{% if not params.simulate_arrival %}exit 99{% endif %}\n"
            f"{SUBSNAP} generate --lake {LAKE} --day {DAY}"
        ),
    )

    archive_from_kafka = BashOperator(
        task_id="archive_from_kafka",
        # Archived segments are durable before their offsets are committed, so a retried or
        # re-run archive writes nothing twice. Exit 99 (skipped) when no brokers are configured.
        bash_command=(
            "{% set brokers = var.value.get('subsnap_kafka_brokers', '') %}"
            "{% if not brokers %}exit 99{% endif %}\n"
            f"{SUBSNAP} archive --lake {LAKE} --brokers '{{{{ brokers }}}}'"
            " --topic \"{{ var.value.get('subsnap_kafka_topic', 'subscriptions') }}\" --until-idle 10 --json"
        ),
    )

    build_snapshot = BashOperator(
        task_id="build_snapshot",
        bash_command=(
            f"{SUBSNAP} run --lake {LAKE} --until {DAY} --engine {{{{ params.engine }}}} --json"
            "{% set remote = ti.xcom_pull(task_ids='spark_remote') %}"
            "{% if remote %} --spark-remote '{{ remote }}'{% endif %}"
        ),
        # The last stdout line, the run report, goes to XCom.
        do_xcom_push=True,
        trigger_rule="none_failed",
    )

    validate = BashOperator(
        task_id="validate",
        bash_command=f"{SUBSNAP} validate --lake {LAKE}",
    )

    @task
    def publish_summary(ti=None) -> dict:
        report = json.loads(ti.xcom_pull(task_ids="build_snapshot"))
        summary = {
            key: report[key]
            for key in (
                "committed", "version", "snapshotPath", "inputRecords", "acceptedRecords",
                "rejectedRecords", "inserted", "updated", "unchanged", "totalKeys",
                "unmatchedSubscriptions", "durationMs",
            )
        }
        print("subsnap run summary: " + json.dumps(summary))
        return summary

    day = business_day()
    remote = spark_remote()
    day >> simulate_arrival >> build_snapshot
    archive_from_kafka >> build_snapshot
    remote >> build_snapshot
    build_snapshot >> validate >> publish_summary()
