"""The DAG imports cleanly and has the shape the scheduler and the README promise."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pendulum
import pytest
from airflow.dag_processing.dagbag import DagBag

DAGS = Path(__file__).resolve().parents[1] / "dags"


def dag_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("dagmod", DAGS / "subscription_snapshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
        "business_day", "simulate_arrival", "archive_from_kafka", "build_snapshot", "validate", "publish_summary",
        "publish_report",
    }
    downstream = {t.task_id: set(t.downstream_task_ids) for t in dag.tasks}
    assert downstream["business_day"] == {"simulate_arrival", "build_snapshot"}
    assert downstream["simulate_arrival"] == {"build_snapshot"}
    assert downstream["archive_from_kafka"] == {"build_snapshot"}
    assert downstream["build_snapshot"] == {"validate", "publish_summary"}
    assert downstream["validate"] == {"publish_summary", "publish_report"}
    assert downstream["publish_summary"] == set()
    assert downstream["publish_report"] == set()
    # The report is written after validate whatever its outcome (a failed check is in the report).
    assert dag.get_task("publish_report").trigger_rule == "all_done"
    # build_snapshot runs when the day arrived by Kafka only (simulate_arrival skipped), or the reverse.
    assert dag.get_task("build_snapshot").trigger_rule == "none_failed"


def test_no_task_runs_a_shell_or_renders_a_template_of_its_own(dagbag: DagBag) -> None:
    """Values reach the CLI as arguments: no BashOperator, no template text; a task's arguments are XCom only."""
    from airflow.sdk import XComArg

    dag = dagbag.dags["subscription_snapshot"]
    for t in dag.tasks:
        assert type(t).__name__ == "_PythonDecoratedOperator", t.task_id
        assert not t.templates_dict, t.task_id
        assert all(isinstance(a, XComArg) for a in [*t.op_args, *t.op_kwargs.values()]), t.task_id


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
    assert dag_module().business_day_for(pendulum.parse(logical), "2024-01-01") == day


def test_anchor_moves_the_first_day() -> None:
    module = dag_module()
    anchor = "2026-11-26T01:20:00+00:00"
    assert module.business_day_for(pendulum.parse(anchor), "2024-01-01", anchor) == "2024-01-01"
    assert module.business_day_for(pendulum.parse("2026-11-26T01:30:00+00:00"), "2024-01-01", anchor) == "2024-01-02"
    assert module.business_day_for(pendulum.parse("2026-11-26T01:10:00+00:00"), "2024-01-01", anchor) == "2023-12-31"


def test_subsnap_command_is_split_into_words_not_run_by_a_shell() -> None:
    module = dag_module()
    repo = DAGS.parents[1]
    assert module.command_argv(None) == ["node", str(repo / "bin" / "subsnap.js")]
    assert module.command_argv("node '/opt/my tools/subsnap.js'") == ["node", "/opt/my tools/subsnap.js"]
    assert module.command_argv("/usr/bin/env FOO=$(id) subsnap; rm -rf x") == [
        "/usr/bin/env", "FOO=$(id)", "subsnap;", "rm", "-rf", "x"]
    with pytest.raises(ValueError, match="subsnap_command is empty"):
        module.command_argv("  ")
