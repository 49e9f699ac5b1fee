"""The run's bookkeeping: one run at a time, what each run did, no secret in
what it writes, where the warehouse is."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.exceptions import PipelineError, RunLockBusy, WarehouseError
from dlt_pipelines.postgres_url import PostgresUrl, mask_credentials
from dlt_pipelines.run.builds import (
    EVERY_TABLE_AND_MART,
    MODELS_EVERY_BUILD,
    BuildMarker,
    Builds,
    dbt_selection,
    full_check_interval,
    rows_to_test_since,
)
from dlt_pipelines.run.history import RunHistory, RunRecord
from dlt_pipelines.run.lock import run_lock
from dlt_pipelines.sources import TABLES

WAREHOUSE_URL = "postgresql://writer:W%40rehouse-pw@wh.internal:5432/analytics?sslmode=require"


def test_a_second_run_is_refused_naming_the_holder(tmp_path):
    lock = tmp_path / "warehouse.duckdb.run.lock"
    refused = pytest.raises(RunLockBusy, match=r"another run holds .* \(run first, pid \d+ on ")
    with run_lock(lock, "first"), refused, run_lock(lock, "second"):
        pass
    with run_lock(lock, "third") as previous:  # freed when the holder ended
        assert previous == ""


def test_a_run_that_died_is_closed_as_abandoned(tmp_path):
    history = RunHistory(tmp_path / "runs.jsonl")
    done, died = RunRecord("DuckDB file w"), RunRecord("DuckDB file w")
    done.finish("success")
    for record in (done, died):
        history.save(record)
    (abandoned,) = history.close_abandoned()
    assert abandoned.run_id == died.run_id
    assert [(r.run_id, r.status) for r in history.records()] == [
        (done.run_id, "success"),
        (died.run_id, "abandoned"),
    ]


def test_credentials_are_masked_where_they_stand_and_nowhere_else():
    error = (
        "could not connect: postgresql://reader:S0urce%2Bpw@db:5432/chemlink, "
        "host=db password=p dbname=postgres sslpassword='k ey'"
    )
    assert mask_credentials(error) == (
        "could not connect: postgresql://reader:***@db:5432/chemlink, "
        "host=db password=*** dbname=postgres sslpassword=***"
    )
    # a password that is also a word (p, postgres) leaves the message alone
    unreachable = "IO: [libpq] connection to server at 127.0.0.1, port 1 failed: database postgres"
    assert mask_credentials(unreachable) == unreachable


def test_the_warehouse_comes_from_the_environment():
    warehouse = Warehouse.from_env(
        {"WAREHOUSE_TARGET": "postgres", "WAREHOUSE_POSTGRES_URL": WAREHOUSE_URL}
    )
    assert warehouse.url == PostgresUrl.parse(WAREHOUSE_URL)
    assert warehouse.describe() == "PostgreSQL database analytics on wh.internal:5432"
    env = warehouse.dbt_env()
    assert (env["WAREHOUSE_POSTGRES_SSLMODE"], env["WAREHOUSE_POSTGRES_HOST"]) == (
        "require",
        "wh.internal",
    )
    with pytest.raises(WarehouseError, match="WAREHOUSE_TARGET must be one of"):
        Warehouse.from_env({"WAREHOUSE_TARGET": "snowflake"})
    with pytest.raises(WarehouseError, match="needs WAREHOUSE_POSTGRES_URL"):
        Warehouse.from_env({"WAREHOUSE_TARGET": "postgres"})
    with pytest.raises(WarehouseError, match="WAREHOUSE_POSTGRES_URL has the option 'sslcrl'"):
        Warehouse.from_env(
            {"WAREHOUSE_TARGET": "postgres", "WAREHOUSE_POSTGRES_URL": WAREHOUSE_URL + "&sslcrl=x"}
        )


def selection_after(tmp_path, loaded: dict[str, int], as_of="2025-11-03", unsynced=0) -> list:
    """What dbt_selection picks for a build made by run `built` (as of
    2025-11-03, no vars, `unsynced` persons waiting) after one more run that
    loaded `loaded` into it."""
    builds, history = Builds(tmp_path / "builds"), RunHistory(tmp_path / "runs.jsonl")
    built, then = RunRecord("w", loaded_into="a"), RunRecord("w", loaded_into="a")
    then.rows_loaded = loaded
    for record in (built, then):
        history.save(record)
    builds.save("a", BuildMarker(built.run_id, "1", "2025-11-03", {}, "success", [], unsynced))
    builds.state_dir("a").mkdir(parents=True)
    (builds.state_dir("a") / "manifest.json").write_text("{}")
    selection = dbt_selection(builds, "a", history, as_of, {}, shared_raw=False)
    assert selection[-2:] == ["--state", str(builds.state_dir("a"))]
    return selection[1:-2]


def test_a_build_selects_what_depends_on_what_changed(tmp_path):
    # one table: what depends on it, and the loads
    one = selection_after(tmp_path / "1", {"chemlink.query_embeddings": 3, "chemlink.persons": 0})
    assert one == ["stg_chemlink__query_embeddings+", *MODELS_EVERY_BUILD]
    # a new date alone: what reads the date
    new_date = selection_after(tmp_path / "2", {}, as_of="2025-11-04")
    assert new_date == ["tag:as_of+", *MODELS_EVERY_BUILD]
    # a key finding changes every staging model of its source
    findings = selection_after(tmp_path / "3", {"engagement.source_key_findings": 1})
    staging = [f"stg_engagement__{table.name}+" for table in TABLES["engagement"]]
    assert findings == [*staging, *MODELS_EVERY_BUILD]
    assert len(staging) == 6
    # persons waiting for ChemLink: every table and mart, the changed views' tests
    waiting = selection_after(tmp_path / "4", {"engagement.posts": 2}, unsynced=1)
    assert waiting == [
        *EVERY_TABLE_AND_MART,
        "stg_engagement__posts,resource_type:test",
        *MODELS_EVERY_BUILD,
    ]


def test_a_build_tests_the_rows_changed_since_it_last_tested_and_daily_every_row():
    now, daily = datetime(2026, 12, 2, 12, tzinfo=UTC), full_check_interval({})
    built = BuildMarker("r1", "1764720000.5", "2026-12-02", {}, "success", [], 0)

    def since(tested_hours_ago: float, every: timedelta = daily) -> str:
        tested = (now - timedelta(hours=tested_hours_ago)).isoformat()
        return rows_to_test_since(replace(built, tested_everything_at=tested), now, every)

    assert since(23.9) == "1764720000.5"  # the rows its last build did not hold
    assert since(24) == ""  # a day since its tests read every row: every row
    half_hourly = full_check_interval({"TEST_EVERYTHING_EVERY_HOURS": "0.5"})
    assert since(1, half_hourly) == ""
    assert rows_to_test_since(built, now, daily) == ""  # never read every row (an older marker)
    assert rows_to_test_since(None, now, daily) == ""  # no build yet
    with pytest.raises(PipelineError, match="must be a number of hours, not 'daily'"):
        full_check_interval({"TEST_EVERYTHING_EVERY_HOURS": "daily"})
