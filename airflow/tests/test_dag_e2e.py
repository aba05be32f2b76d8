"""End to end: `airflow dags test` runs the DAG for consecutive 10-minute slots against a temporary
lake, each run one simulated day; the last run uses the Spark engine through the connection
spark_connect_default (a local Spark Connect server this test starts and stops)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = ["node", str(REPO / "bin" / "subsnap.js")]
AIRFLOW = [str(Path(sys.executable).parent / "airflow")]
SLOTS = ["2026-01-01T00:00:00+00:00", "2026-01-01T00:10:00+00:00", "2026-01-01T00:20:00+00:00"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("airflow-home")
    lake = tmp_path_factory.mktemp("lake")
    e = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "airflow" / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW_VAR_SUBSNAP_LAKE": str(lake),
    }
    subprocess.run([*AIRFLOW, "db", "migrate"], env=e, check=True, capture_output=True)
    return e


@pytest.fixture(scope="module")
def spark_server(tmp_path_factory: pytest.TempPathFactory):
    port = free_port()
    state = tmp_path_factory.mktemp("spark-state")
    args = ["--port", str(port), "--state-dir", str(state)]
    subprocess.run([*CLI, "spark", "start", "--memory", "2g", *args], check=True, capture_output=True, timeout=600)
    yield port
    subprocess.run([*CLI, "spark", "stop", *args], check=False, capture_output=True)


@pytest.fixture(scope="module")
def kafka_brokers():
    """A real Kafka broker on loopback (test/support/kafka-broker.ts), stopped when the module ends."""
    broker = subprocess.Popen(
        ["node", "--import", "tsx", str(REPO / "test" / "support" / "kafka-broker-process.ts")],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    brokers = broker.stdout.readline().strip()
    assert brokers, "the Kafka broker did not start"
    yield brokers
    broker.stdin.close()
    broker.wait(timeout=60)


def dags_test(env: dict[str, str], slot: str, conf: dict | None = None) -> subprocess.CompletedProcess:
    args = [*AIRFLOW, "dags", "test", "subscription_snapshot", slot]
    if conf:
        args += ["--conf", json.dumps(conf)]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result


def subsnap(env: dict[str, str], *args: str) -> str:
    return subprocess.run([*CLI, *args, "--lake", env["AIRFLOW_VAR_SUBSNAP_LAKE"]], check=True, capture_output=True, text=True).stdout


def commits(env: dict[str, str]) -> list[dict]:
    return [json.loads(line) for line in subsnap(env, "log", "--json").splitlines()]


def test_three_simulated_days_build_the_snapshot(env: dict[str, str]) -> None:
    for slot in SLOTS:
        dags_test(env, slot)
    log = commits(env)
    assert [c["version"] for c in log] == [1, 2, 3]
    assert [c["consumed"][0]["date"] for c in log] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    rows = [json.loads(line) for line in subsnap(env, "show", "--limit", "100000", "--json").splitlines()]
    ids = [r["Id"] for r in rows]
    assert len(ids) == len(set(ids)) == log[-1]["counts"]["totalKeys"]
    assert all(1 <= int(i) <= 250 for i in ids)
    enriched = [r for r in rows if r["numberOfChannels"] is not None]
    assert len(enriched) == len(rows) - log[-1]["counts"]["unmatchedSubscriptions"]
    assert all(isinstance(r["extras"], dict) and r["extras"] for r in enriched)
    assert all("customer_first_name" not in r for r in rows)


def test_rerunning_a_day_is_idempotent(env: dict[str, str]) -> None:
    before = commits(env)
    result = dags_test(env, SLOTS[1])
    assert commits(env) == before
    assert "nothing new" in result.stdout + result.stderr


def test_a_day_on_the_spark_engine_from_the_airflow_connection(env: dict[str, str], spark_server: int) -> None:
    spark_env = {**env, "AIRFLOW_CONN_SPARK_CONNECT_DEFAULT": f"spark-connect://127.0.0.1:{spark_server}"}
    dags_test(spark_env, "2026-01-01T00:30:00+00:00", {"engine": "spark"})
    last = commits(env)[-1]
    assert last["engine"] == "spark"
    assert last["consumed"][0]["date"] == "2024-01-04"


def test_a_day_archived_from_kafka(env: dict[str, str], kafka_brokers: str) -> None:
    topic = "airflow-journal"
    subprocess.run(
        [*CLI, "generate", "--to-kafka", "--brokers", kafka_brokers, "--topic", topic, "--day", "2024-01-05", "--no-catalog",
         "--lake", env["AIRFLOW_VAR_SUBSNAP_LAKE"]],
        check=True, capture_output=True,
    )
    kafka_env = {**env, "AIRFLOW_VAR_SUBSNAP_KAFKA_BROKERS": kafka_brokers, "AIRFLOW_VAR_SUBSNAP_KAFKA_TOPIC": topic}
    dags_test(kafka_env, "2026-01-01T00:40:00+00:00", {"simulate_arrival": False})
    last = commits(env)[-1]
    consumed = [f["path"] for f in last["consumed"]]
    assert consumed and all(p.startswith(f"date=2024-01-05/{topic}+") for p in consumed), consumed
    assert last["counts"]["inputRecords"] == 100
