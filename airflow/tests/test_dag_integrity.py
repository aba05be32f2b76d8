"""The DAG imports cleanly and has the shape the scheduler and the README promise."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pendulum
import pytest
from airflow.dag_processing.dagbag import DagBag

DAGS = Path(__file__).resolve().parents[1] / "dags"


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(DAGS))


def test_imports_without_errors(dagbag: DagBag) -> None:
    assert dagbag.import_errors == {}
    assert "subscription_snapshot" in dagbag.dags


def test_schedule_and_concurrency(dagbag: DagBag) -> None:
    dag = dagbag.dags["subscription_snapshot"]
    assert dag.schedule == "*/10 * * * *"
    assert type(dag.timetable).__name__ == "CronTriggerTimetable"
    assert dag.max_active_runs == 1
    assert dag.catchup is False


def test_tasks_and_dependencies(dagbag: DagBag) -> None:
    dag = dagbag.dags["subscription_snapshot"]
    assert set(dag.task_ids) == {
        "business_day", "spark_remote", "simulate_arrival", "archive_from_kafka", "build_snapshot", "validate",
        "publish_summary",
    }
    downstream = {t.task_id: set(t.downstream_task_ids) for t in dag.tasks}
    assert downstream["business_day"] == {"simulate_arrival"}
    assert downstream["simulate_arrival"] == {"build_snapshot"}
    assert downstream["spark_remote"] == {"build_snapshot"}
    assert downstream["archive_from_kafka"] == {"build_snapshot"}
    assert downstream["build_snapshot"] == {"validate"}
    assert downstream["validate"] == {"publish_summary"}
    assert downstream["publish_summary"] == set()


def test_retries_and_timeouts(dagbag: DagBag) -> None:
    dag = dagbag.dags["subscription_snapshot"]
    for t in dag.tasks:
        assert t.retries >= 1, t.task_id
        assert t.execution_timeout is not None and t.execution_timeout <= timedelta(minutes=30), t.task_id
    assert dag.dagrun_timeout is not None


@pytest.mark.parametrize(
    ("logical", "day"),
    [
        ("2026-01-01T00:00:00", "2024-01-01"),
        ("2026-01-01T00:10:00", "2024-01-02"),
        ("2026-01-01T00:19:59", "2024-01-02"),
        ("2026-01-01T01:00:00", "2024-01-07"),
        ("2026-01-02T00:00:00", "2024-05-24"),
    ],
)
def test_logical_date_to_business_day(logical: str, day: str) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("dagmod", DAGS / "subscription_snapshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.business_day_for(pendulum.parse(logical), "2024-01-01") == day


def test_anchor_moves_the_first_day() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("dagmod", DAGS / "subscription_snapshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    anchor = "2026-11-26T01:20:00+00:00"
    assert module.business_day_for(pendulum.parse(anchor), "2024-01-01", anchor) == "2024-01-01"
    assert module.business_day_for(pendulum.parse("2026-11-26T01:30:00+00:00"), "2024-01-01", anchor) == "2024-01-02"
    assert module.business_day_for(pendulum.parse("2026-11-26T01:10:00+00:00"), "2024-01-01", anchor) == "2023-12-31"
