"""A bad publish is undone: `make rollback` publishes the previous build
again and pins it, runs while pinned publish nothing, `make release` lets
the next run publish the sources' state; each is in the run history. On
DuckDB and PostgreSQL here; on Spark in tests/spark/test_spark_target.py."""

from __future__ import annotations

import pytest

from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from dlt_pipelines.run.state import RunState
from tests.conftest import COPIES, WORKER
from tests.helpers import (
    WITHOUT_DATA_TESTS,
    execute,
    last_line,
    marts,
    postgres_warehouse,
    rows,
    run_history,
    scheduled_run,
)
from tests.source_changes import change

SUCCESS, WARNING, FAILURE, BUSY = 0, 1, 2, 3


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse_and_clean(request, tmp_path, postgres_server):
    """A published warehouse of the engine, and an empty one for a clean build."""
    if request.param == "duckdb":
        clean = DuckDBWarehouse(tmp_path / "clean" / "warehouse.duckdb")
        return request.getfixturevalue("published"), clean
    clean = postgres_warehouse(postgres_server, f"{WORKER}clean{next(COPIES)}")
    return request.getfixturevalue("published_postgres"), clean


def test_a_bad_publish_is_rolled_back_pinned_and_released(sources, warehouse_and_clean, tmp_path):
    published, clean = warehouse_and_clean
    good, live = marts(published), run_history(published)[-1]["run_id"]
    # a bad publish: the source soft-deleted every post by mistake
    execute(sources.engagement, "update posts set deleted_at = now(), updated_at = now()")
    bad = scheduled_run(published, sources)
    assert bad.returncode == WARNING, bad.stdout[-3000:]
    assert marts(published) != good
    bad_build = run_history(published)[-1]["run_id"]

    dashboard = tmp_path / "dashboard.html"
    rolled = scheduled_run(published, sources, "--rollback", DASHBOARD_PATH=str(dashboard))
    assert rolled.returncode == SUCCESS, rolled.stdout[-3000:]
    assert f"build {live} (as of 2025-11-03) is live again" in last_line(rolled)
    assert marts(published) == good
    assert f"build {live}" in dashboard.read_text()  # the page follows what is live

    change(sources, "insert posts", 0.3)  # the sources go on changing
    pinned = scheduled_run(published, sources)
    assert pinned.returncode == WARNING, pinned.stdout[-3000:]
    assert "built, published nothing (make release lifts it)" in last_line(pinned)
    assert marts(published) == good
    again = scheduled_run(published, sources, "--rollback")  # the bad build was built over
    assert again.returncode == FAILURE
    assert "no previous build to roll back to" in last_line(again)

    assert scheduled_run(published, sources, "--release").returncode == SUCCESS
    execute(  # a small change: a new embedding (two models read them)
        sources.chemlink,
        "insert into query_embeddings (query_text, model, embedding, created_at)"
        " select query_text, model, embedding, now() from query_embeddings limit 1",
    )
    released = scheduled_run(published, sources, DASHBOARD_PATH=str(dashboard))
    # the release's run rebuilds what the change and the loads reach, and
    # still reports the ghosts every earlier run warned about: they are
    # still in the data (their tests did not pass last time: every row again)
    assert released.returncode == WARNING, released.stdout[-3000:]
    assert "dbt build: what changed, and its tests" in released.stdout
    assert "int_persons_unioned" not in released.stdout
    assert "warn: has_live_chemlink_person_stg_engagement__posts_person_id (" in last_line(released)
    assert f"published {published.describe()}" in released.stdout
    assert f"build {run_history(published)[-1]['run_id']}" in dashboard.read_text()
    assert scheduled_run(clean, sources, **WITHOUT_DATA_TESTS).returncode == SUCCESS
    assert marts(published) == marts(clean)  # the sources' state, bad change and all

    status = scheduled_run(published, sources, "--status").stdout
    assert f"live: build {run_history(published)[-1]['run_id']}, as of 2025-11-03" in status
    assert "pinned: no" in status
    actions = "select action, status from ops.run_history order by started_at"
    assert rows(published, actions)[-6:] == [
        ("run", "warning"),  # the bad publish
        ("rollback", "success"),
        ("run", "warning"),  # pinned
        ("rollback", "failure"),
        ("release", "success"),
        ("run", "warning"),
    ]
    assert bad_build not in status.split("last runs:")[0]


def test_a_rollback_waits_for_no_run(sources, published):
    with RunState(published).lock("a running run"):
        refused = scheduled_run(published, sources, "--rollback")
    assert refused.returncode == BUSY
    assert "a running run" in last_line(refused)
