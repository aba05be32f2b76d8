"""Fold the subscription journal into the snapshot every 10 minutes, each run simulating one day.

Each run maps its logical date to one business day (see ``business_day_for``): the run whose logical
date is ``subsnap_sim_anchor`` (default: the DAG's start date) is day ``subsnap_sim_start`` (default
2024-01-01), each 10-minute slot after it the next day, each slot before it the day before.
The mapping depends only on the logical date, so clearing and re-running a run redoes the same
day: the journal file it writes has the same bytes, and ``subsnap run --until DAY`` folds nothing
that is already folded.

Configuration (Airflow Variables, or AIRFLOW_VAR_* environment variables):
  subsnap_lake      the lake: a folder (default: lake/ beside this repository's airflow/ folder) or
                    an HDFS folder, hdfs://HOST:PORT/path (then every run uses the Spark engine)
  subsnap_webhdfs   for an HDFS lake, its WebHDFS address http://HOST:PORT (default: the CLI's rule)
  subsnap_command   how to call the CLI, split into words like a POSIX shell does (``shlex.split``:
                    quote a word that holds spaces) but never run by one
                    (default: node <repo>/bin/subsnap.js)
  subsnap_sim_start the business day of the anchor slot (default 2024-01-01)
  subsnap_sim_anchor the logical date (ISO) of that slot (default: the DAG's start date)
  subsnap_kafka_brokers when set (host:port[,...]), each run first archives the Kafka topic
                    into the journal (``subsnap archive``); unset, that task is skipped
  subsnap_kafka_topic the topic (default subscriptions)
DAG params: engine (duckdb | spark; spark always for an HDFS lake), simulate_arrival (false for
real journals).

Every task makes one CLI call, as an argument list without a shell: a value reaches the CLI as one
argument, byte for byte, whatever characters it holds. The Spark Connect URL, token included, is
read from the Airflow connection ``spark_connect_default`` inside build_snapshot and handed to the
CLI in its environment (``SPARK_REMOTE``); it never goes through XCom or a templated field. XCom
carries the business day and the run summary only.

Nothing heavy happens at import time: the file only declares tasks.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.sdk import DAG, Param, task

REPO = Path(__file__).resolve().parents[2]
START = pendulum.datetime(2026, 1, 1, tz="UTC")
INTERVAL = timedelta(minutes=10)
SUMMARY_KEYS = (
    "committed", "version", "snapshotPath", "inputRecords", "acceptedRecords", "rejectedRecords", "inserted",
    "updated", "unchanged", "totalKeys", "unmatchedSubscriptions", "durationMs",
)
# CLI exit codes: 0 success, 1 a failed check, 2 any error.
CHECK_FAILED = 1

log = logging.getLogger("airflow.task")


def business_day_for(logical_date: pendulum.DateTime, sim_start: str, anchor: str | None = None) -> str:
    """The simulated business day of a run: one day per 10-minute slot since the anchor slot."""
    origin = pendulum.parse(anchor) if anchor else START
    slots = (logical_date - origin).total_seconds() // INTERVAL.total_seconds()
    return pendulum.parse(sim_start).add(days=int(slots)).to_date_string()


def command_argv(value: str | None) -> list[str]:
    """The CLI's argv prefix from the Variable subsnap_command: split into words, never run by a shell."""
    if value is None:
        return ["node", str(REPO / "bin" / "subsnap.js")]
    argv = shlex.split(value)
    if not argv:
        raise ValueError("the Variable subsnap_command is empty: set it to how the CLI is called, e.g. 'node /opt/subsnap/bin/subsnap.js'")
    return argv


def setting(name: str, default: str | None) -> str | None:
    from airflow.sdk import Variable

    return Variable.get(name, default=default)


def lake_setting() -> str:
    return setting("subsnap_lake", str(REPO / "lake"))


def on_hdfs() -> bool:
    """The lake lives on HDFS: only the Spark engine reads and writes it."""
    return lake_setting().lower().startswith("hdfs:")


def lake_args() -> list[str]:
    # `--opt=value` keeps a value that starts with '-' a value.
    args = ["--lake=" + lake_setting()]
    webhdfs = setting("subsnap_webhdfs", "")
    if webhdfs:
        args.append("--webhdfs=" + webhdfs)
    return args


def spark_env() -> dict[str, str]:
    """SPARK_REMOTE from the connection spark_connect_default (token included), masked in the logs."""
    from airflow.providers.apache.spark.hooks.spark_connect import SparkConnectHook
    from airflow.sdk.log import mask_secret

    remote = SparkConnectHook(conn_id="spark_connect_default").get_connection_url()
    mask_secret(remote)
    return {"SPARK_REMOTE": remote}


class SubsnapExit(Exception):
    """The CLI exited with a non-zero code."""

    def __init__(self, subcommand: str, code: int) -> None:
        super().__init__(f"subsnap {subcommand} exited with code {code}; its messages are in the lines above")
        self.code = code


def run_cli(subcommand: str, *args: str, env: dict[str, str] | None = None) -> list[str]:
    """Runs one CLI call as an argument list, its stdout and stderr streamed to the task log.

    Returns the stdout lines; raises SubsnapExit on a non-zero exit. ``env`` is added to the
    worker's environment and is not logged.
    """
    argv = [*command_argv(setting("subsnap_command", None)), subcommand, *args]
    log.info("running %s", shlex.join(argv))
    try:
        proc = subprocess.Popen(
            argv, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, encoding="utf-8", errors="replace", bufsize=1,
        )
    except OSError as e:
        raise RuntimeError(f"cannot start {argv[0]!r} ({e.strerror}): check the Variable subsnap_command") from e

    def relay_stderr() -> None:
        for line in proc.stderr:
            log.info("%s", line.rstrip("\n"))

    relay = threading.Thread(target=relay_stderr, daemon=True)
    relay.start()
    lines: list[str] = []
    try:
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            log.info("%s", lines[-1])
        code = proc.wait()
    finally:
        # A timeout or a kill of the task interrupts the loop above: stop the CLI too (it finishes
        # or abandons its work cleanly on SIGTERM).
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        relay.join(timeout=10)
    if code != 0:
        raise SubsnapExit(subcommand, code)
    return lines


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
    def business_day(logical_date=None) -> str:
        return business_day_for(logical_date, setting("subsnap_sim_start", "2024-01-01"), setting("subsnap_sim_anchor", None))

    @task
    def simulate_arrival(day: str, params=None) -> None:
        """`subsnap generate --day DAY`: the day's journal arrives."""
        from airflow.sdk.exceptions import AirflowSkipException

        if not params["simulate_arrival"]:
            raise AirflowSkipException("the param simulate_arrival is false: the journal arrives by other means")
        run_cli("generate", *lake_args(), f"--day={day}")

    @task
    def archive_from_kafka() -> None:
        """`subsnap archive`: the Kafka topic into the journal, when brokers are configured.

        Archived segments are durable before their offsets are committed, so a retried or re-run
        archive writes nothing twice.
        """
        from airflow.sdk.exceptions import AirflowSkipException

        brokers = setting("subsnap_kafka_brokers", "")
        if not brokers:
            raise AirflowSkipException("the Variable subsnap_kafka_brokers is not set: nothing to archive")
        topic = setting("subsnap_kafka_topic", "subscriptions")
        # The archive fills the journal of the configured lake; on a first run that folder is made here
        # (the CLI refuses a missing lake folder, so that a mistyped --lake never becomes a new lake).
        # An HDFS lake's folder must exist already (`hdfs dfs -mkdir -p`, or a first generate).
        if not on_hdfs():
            Path(lake_setting()).mkdir(parents=True, exist_ok=True)
        run_cli("archive", *lake_args(), f"--brokers={brokers}", f"--topic={topic}", "--until-idle=10", "--json")

    # One XCom of the summary (a dict return would otherwise push each key as well).
    @task(trigger_rule="none_failed", multiple_outputs=False)
    def build_snapshot(day: str, params=None) -> dict:
        """`subsnap run --until DAY`; returns the run summary (no secrets) for validate and publish_summary."""
        engine = "spark" if on_hdfs() else params["engine"]
        env = spark_env() if engine == "spark" else {}
        lines = run_cli("run", *lake_args(), f"--until={day}", f"--engine={engine}", "--json", env=env)
        printed = [line for line in lines if line.strip()]
        if not printed:
            raise RuntimeError("subsnap run --json printed no report: check that the Variable subsnap_command calls subsnap")
        report = json.loads(printed[-1])
        return {key: report[key] for key in SUMMARY_KEYS}

    @task
    def validate(summary: dict) -> None:
        """`subsnap validate --version N`: the version this run committed (or, when it committed
        nothing, the version it found current)."""
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        version = summary["version"]
        if version is None:
            raise AirflowSkipException("the lake has no committed version yet: nothing to validate")
        try:
            # An HDFS lake is read by Spark (the CLI's default for it); a local one by the embedded engine.
            run_cli("validate", *lake_args(), f"--version={version}", env=spark_env() if on_hdfs() else None)
        except SubsnapExit as e:
            if e.code != CHECK_FAILED:
                raise
            log.error("version %s of the snapshot failed its data-quality checks (the FAIL lines above)", version)
            # The data does not change on a retry.
            raise AirflowFailException(f"subsnap validate: version {version} failed its data-quality checks") from None

    @task(multiple_outputs=False)
    def publish_summary(summary: dict) -> dict:
        print("subsnap run summary: " + json.dumps(summary))
        return summary

    @task(trigger_rule="all_done")
    def publish_report() -> None:
        """`subsnap report`: the lake's HTML report, written next to the lake (report.html in its
        folder), once validate is done, whatever its outcome (a failed check is in the report)."""
        run_cli("report", *lake_args(), env=spark_env() if on_hdfs() else None)

    day = business_day()
    summary = build_snapshot(day)
    [simulate_arrival(day), archive_from_kafka()] >> summary
    checked = validate(summary)
    checked >> publish_summary(summary)
    checked >> publish_report()
