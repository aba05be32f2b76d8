"""End to end: `airflow dags test` runs the DAG for consecutive 10-minute slots against a temporary
lake, each run one simulated day; one run uses the Spark engine through the connection
spark_connect_default (a local Spark Connect server this test starts, with a token, and stops), one
archives a day from a real Kafka broker.

The lake's folder name is hostile to a shell and a template (quotes, $(...), backticks, ;, &, glob
characters, Jinja braces, a backslash): the DAG must hand it to the CLI as it is. Most runs call the CLI
through fake_subsnap.py (as the Variable subsnap_command), which records each call's arguments and
SPARK_REMOTE before running the real CLI."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = ["node", str(REPO / "bin" / "subsnap.js")]
FAKE = str(Path(__file__).resolve().parent / "fake_subsnap.py")
AIRFLOW = [str(Path(sys.executable).parent / "airflow")]
SLOTS = ["2026-01-01T00:00:00+00:00", "2026-01-01T00:10:00+00:00", "2026-01-01T00:20:00+00:00"]
TOKEN = "subsnap-token-" + secrets.token_hex(8)


def hostile(markers: list[Path]) -> str:
    """A folder name (with folders in it: the markers are absolute paths) that a shell or Jinja would act on."""
    m1, m2, m3 = markers
    return f"lake 'sq' \"dq\" $(touch {m1}) `touch {m2}` ; echo x > {m3} & *?[l]* {{{{ 7*7 }}}} ~ \\ -end"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module")
def lake(base: Path) -> Path:
    path = base / hostile([base / f"marker-{n}" for n in (1, 2, 3)])
    path.mkdir(parents=True)
    return path


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, lake: Path) -> dict[str, str]:
    home = tmp_path_factory.mktemp("airflow-home")
    e = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "airflow" / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW_VAR_SUBSNAP_LAKE": str(lake),
        "AIRFLOW_VAR_SUBSNAP_COMMAND": shlex.join([sys.executable, FAKE, "record", str(home / "calls.jsonl"), *CLI, "--"]),
    }
    subprocess.run([*AIRFLOW, "db", "migrate"], env=e, check=True, capture_output=True)
    return e


@pytest.fixture(scope="module")
def spark_server(tmp_path_factory: pytest.TempPathFactory):
    """A local Spark Connect server that requires TOKEN."""
    port = free_port()
    state = tmp_path_factory.mktemp("spark-state")
    args = ["--port", str(port), "--state-dir", str(state)]
    token_env = {**os.environ, "SUBSNAP_SPARK_TOKEN": TOKEN}
    subprocess.run([*CLI, "spark", "start", "--memory", "2g", *args], env=token_env, check=True, capture_output=True, timeout=600)
    yield port
    subprocess.run([*CLI, "spark", "stop", *args], env=token_env, check=False, capture_output=True)


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


def dags_test(env: dict[str, str], slot: str, conf: dict | None = None, ok: bool = True) -> subprocess.CompletedProcess:
    args = [*AIRFLOW, "dags", "test", "subscription_snapshot", slot]
    if conf:
        args += ["--conf", json.dumps(conf)]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=900)
    assert (result.returncode == 0) == ok, result.stdout[-4000:] + result.stderr[-4000:]
    return result


def subsnap(lake: Path, *args: str) -> str:
    result = subprocess.run([*CLI, *args, f"--lake={lake}"], capture_output=True, text=True)
    assert result.returncode == 0, f"subsnap {args[0]} exited with {result.returncode}: {result.stderr}"
    return result.stdout


def commits(lake: Path) -> list[dict]:
    return [json.loads(line) for line in subsnap(lake, "log", "--json").splitlines()]


def calls(env: dict[str, str]) -> list[dict]:
    """The CLI calls fake_subsnap.py recorded so far."""
    path = Path(env["AIRFLOW_HOME"]) / "calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def query(env: dict[str, str], sql: str, *params: str) -> list[tuple]:
    """Rows of Airflow's database (the connection closed after the query)."""
    connection = sqlite3.connect(Path(env["AIRFLOW_HOME"]) / "airflow.db")
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def run_id(env: dict[str, str], slot: str) -> str:
    """The latest run of the logical date `slot` (the format of the DB's column: '2026-01-01 00:30:00.000000')."""
    stamp = slot.replace("T", " ").replace("+00:00", ".000000")
    return query(env, "SELECT run_id FROM dag_run WHERE logical_date = ? ORDER BY id DESC", stamp)[0][0]


def assert_nothing_executed_from(base: Path, lake: Path) -> None:
    """Nothing was created beside the lake: no marker file, no folder of a cut path."""
    outside = {p for p in base.rglob("*") if p != lake and lake not in p.parents}
    assert outside == {p for p in lake.parents if base in p.parents}, outside
    assert not any((base / f"marker-{n}").exists() for n in (1, 2, 3))


def test_three_simulated_days_build_the_snapshot(env: dict[str, str], base: Path, lake: Path) -> None:
    lake_arg = f"--lake={lake}"
    for i, slot in enumerate(SLOTS, start=1):
        before = len(calls(env))
        dags_test(env, slot)
        day = f"2024-01-0{i}"
        # One call per task, each value one argument; validate names the version this run committed.
        assert [c["argv"] for c in calls(env)[before:]] == [
            ["generate", lake_arg, f"--day={day}"],
            ["run", lake_arg, f"--until={day}", "--engine=duckdb", "--json"],
            ["validate", lake_arg, f"--version={i}"],
            ["report", lake_arg],
        ]
        assert (lake / "report.html").is_file()
    log = commits(lake)
    assert [c["version"] for c in log] == [1, 2, 3]
    assert [c["consumed"][0]["date"] for c in log] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    rows = [json.loads(line) for line in subsnap(lake, "show", "--limit", "100000", "--json").splitlines()]
    ids = [r["Id"] for r in rows]
    assert len(ids) == len(set(ids)) == log[-1]["counts"]["totalKeys"]
    assert all(1 <= int(i) <= 250 for i in ids)
    enriched = [r for r in rows if r["numberOfChannels"] is not None]
    assert len(enriched) == len(rows) - log[-1]["counts"]["unmatchedSubscriptions"]
    assert all(isinstance(r["extras"], dict) and r["extras"] for r in enriched)
    assert all("customer_first_name" not in r for r in rows)
    # The run happened in exactly that folder.
    assert (lake / "journal" / "date=2024-01-03").is_dir() and (lake / "snapshot").is_dir()
    assert_nothing_executed_from(base, lake)


def test_rerunning_a_day_is_idempotent(env: dict[str, str], lake: Path) -> None:
    before, seen = commits(lake), len(calls(env))
    result = dags_test(env, SLOTS[1])
    assert commits(lake) == before
    assert "nothing new" in result.stdout + result.stderr
    # Nothing committed: validate checks the version the run found current.
    assert calls(env)[-2]["argv"] == ["validate", f"--lake={lake}", "--version=3"]
    assert calls(env)[-1]["argv"] == ["report", f"--lake={lake}"]
    assert len(calls(env)) == seen + 4
    [(summary,)] = query(env, "SELECT value FROM xcom WHERE task_id = 'publish_summary' AND run_id = ?", run_id(env, SLOTS[1]))
    assert json.loads(summary)["committed"] is False and json.loads(summary)["version"] == 3


def test_a_day_on_the_spark_engine_with_the_token_of_the_airflow_connection(
    env: dict[str, str], lake: Path, spark_server: int,
) -> None:
    connection = {"conn_type": "spark_connect", "host": "127.0.0.1", "port": spark_server, "password": TOKEN}
    spark_env = {**env, "AIRFLOW_CONN_SPARK_CONNECT_DEFAULT": json.dumps(connection)}
    seen = len(calls(env))
    slot = "2026-01-01T00:30:00+00:00"
    result = dags_test(spark_env, slot, {"engine": "spark"})
    last = commits(lake)[-1]
    assert last["engine"] == "spark"
    assert last["consumed"][0]["date"] == "2024-01-04"
    # The CLI got the token in its environment only (the server refuses a call without it).
    runs = [c for c in calls(env)[seen:] if c["argv"][0] == "run"]
    assert [c["spark_remote"] for c in runs] == [f"sc://127.0.0.1:{spark_server}/;token={TOKEN}"]
    assert all(TOKEN not in json.dumps(c["argv"]) for c in calls(env))
    # Nowhere in what Airflow keeps of the run: XCom, rendered fields, the whole database, the logs.
    run = run_id(env, slot)
    xcoms = query(env, "SELECT task_id, value FROM xcom WHERE run_id = ?", run)
    rendered = query(env, "SELECT task_id, rendered_fields FROM rendered_task_instance_fields WHERE run_id = ?", run)
    assert {t for t, _ in xcoms} == {"business_day", "build_snapshot", "publish_summary"}
    assert {t for t, _ in rendered} >= {"build_snapshot", "validate", "publish_summary"}
    assert json.loads(dict(xcoms)["build_snapshot"])["version"] == last["version"]
    assert TOKEN not in repr(xcoms) + repr(rendered)
    home = Path(env["AIRFLOW_HOME"])
    for f in [p for p in home.rglob("*") if p.is_file() and p.name != "calls.jsonl"]:
        assert TOKEN.encode() not in f.read_bytes(), f
    assert TOKEN not in result.stdout + result.stderr


def test_a_day_archived_from_kafka_with_the_default_command(env: dict[str, str], base: Path, lake: Path, kafka_brokers: str) -> None:
    topic = "airflow-journal"
    subprocess.run(
        [*CLI, "generate", "--to-kafka", "--brokers", kafka_brokers, "--topic", topic, "--day", "2024-01-05", "--no-catalog",
         f"--lake={lake}"],
        check=True, capture_output=True,
    )
    kafka_env = {**env, "AIRFLOW_VAR_SUBSNAP_KAFKA_BROKERS": kafka_brokers, "AIRFLOW_VAR_SUBSNAP_KAFKA_TOPIC": topic}
    del kafka_env["AIRFLOW_VAR_SUBSNAP_COMMAND"]
    dags_test(kafka_env, "2026-01-01T00:40:00+00:00", {"simulate_arrival": False})
    last = commits(lake)[-1]
    consumed = [f["path"] for f in last["consumed"]]
    assert consumed and all(p.startswith(f"date=2024-01-05/{topic}+") for p in consumed), consumed
    assert last["counts"]["inputRecords"] == 100
    assert_nothing_executed_from(base, lake)


def test_hostile_kafka_settings_reach_the_cli_verbatim_and_a_failed_check_fails_validate(
    env: dict[str, str], lake: Path, tmp_path: Path,
) -> None:
    """A played CLI: archive gets the Variables as they are, run reports version 7, validate exits 1."""
    markers = [tmp_path / f"marker-{n}" for n in (1, 2, 3)]
    brokers = f"127.0.0.1:1,{hostile(markers)}"
    topic = f"topic {hostile(markers)}"
    calls_file = tmp_path / "calls.jsonl"
    played = {
        **env,
        "AIRFLOW_VAR_SUBSNAP_COMMAND": shlex.join([sys.executable, FAKE, "play", str(calls_file), "7", "1"]),
        "AIRFLOW_VAR_SUBSNAP_KAFKA_BROKERS": brokers,
        "AIRFLOW_VAR_SUBSNAP_KAFKA_TOPIC": topic,
    }
    slot = "2026-01-01T00:50:00+00:00"
    result = dags_test(played, slot, ok=False)
    lake_arg = f"--lake={lake}"
    argvs = [json.loads(line)["argv"] for line in calls_file.read_text().splitlines()]
    # archive and generate run in either order, both before run.
    assert sorted(argvs[:2]) == [
        ["archive", lake_arg, f"--brokers={brokers}", f"--topic={topic}", "--until-idle=10", "--json"],
        ["generate", lake_arg, "--day=2024-01-06"],
    ]
    assert argvs[2:] == [
        ["run", lake_arg, "--until=2024-01-06", "--engine=duckdb", "--json"],
        ["validate", lake_arg, "--version=7"],
        ["report", lake_arg],
    ]
    assert not any(m.exists() for m in markers)
    assert "version 7 of the snapshot failed its data-quality checks" in result.stdout + result.stderr
    states = dict(query(env, "SELECT task_id, state || ' ' || try_number FROM task_instance WHERE run_id = ?", run_id(env, slot)))
    # A failed check is not retried; the summary is not published.
    assert states["validate"] == "failed 1"
    assert states["publish_summary"] == "upstream_failed 0"
    assert states["publish_report"] == "success 1", "the report is written after a failed check"


@pytest.fixture(scope="module")
def hdfs_cluster(tmp_path_factory: pytest.TempPathFactory):
    """A real single-node HDFS from `subsnap hdfs start` on free loopback ports: its URI and WebHDFS address."""
    state = tmp_path_factory.mktemp("hdfs-state")
    args = ["--state-dir", str(state)]
    started = subprocess.run(
        [*CLI, "hdfs", "start", "--json", "--port", str(free_port()), "--http-port", str(free_port()), *args],
        check=True, capture_output=True, text=True, timeout=600,
    )
    cluster = json.loads(started.stdout)
    yield cluster["uri"], cluster["webhdfs"]
    subprocess.run([*CLI, "hdfs", "stop", *args], check=False, capture_output=True)


def test_two_days_on_an_hdfs_lake_use_the_spark_engine(env: dict[str, str], spark_server: int, hdfs_cluster: tuple[str, str]) -> None:
    """The Variable subsnap_lake names an HDFS folder: generate, run and validate reach it, on Spark."""
    uri, webhdfs = hdfs_cluster
    lake = f"{uri}/airflow/lake"
    connection = {"conn_type": "spark_connect", "host": "127.0.0.1", "port": spark_server, "password": TOKEN}
    hdfs_env = {
        **env,
        "AIRFLOW_VAR_SUBSNAP_LAKE": lake,
        "AIRFLOW_VAR_SUBSNAP_WEBHDFS": webhdfs,
        "AIRFLOW_CONN_SPARK_CONNECT_DEFAULT": json.dumps(connection),
    }
    seen = len(calls(env))
    for slot in ["2026-01-02T00:00:00+00:00", "2026-01-02T00:10:00+00:00"]:
        dags_test(hdfs_env, slot)  # the engine param stays its default, duckdb
    args = ["--lake=" + lake, "--webhdfs=" + webhdfs]
    log = subprocess.run([*CLI, "log", "--json", *args], capture_output=True, text=True, check=True)
    committed = [json.loads(line) for line in log.stdout.splitlines()]
    assert [c["engine"] for c in committed] == ["spark", "spark"]
    days = [c["consumed"][0]["date"] for c in committed]
    assert days[0] < days[1], days
    assert all(c["consumed"][0]["checksum"].startswith("hdfs-") for c in committed)
    made = [c for c in calls(env)[seen:]]
    assert [c["argv"][0] for c in made if c["argv"][0] in ("run", "validate", "report")] == ["run", "validate", "report"] * 2
    assert all(c["argv"][1:3] == args for c in made), [c["argv"] for c in made]
    assert all("--engine=spark" in c["argv"] for c in made if c["argv"][0] == "run")
    assert all(c["spark_remote"] == f"sc://127.0.0.1:{spark_server}/;token={TOKEN}" for c in made if c["argv"][0] in ("run", "validate", "report"))
    validated = subprocess.run([*CLI, "validate", "--json", *args], capture_output=True, text=True, env={**os.environ, "SPARK_REMOTE": f"sc://127.0.0.1:{spark_server}/;token={TOKEN}"})
    assert validated.returncode == 0, validated.stderr
    assert json.loads(validated.stdout)["ok"] is True
