"""The run's bookkeeping: one run at a time, what each run did, no secret in
what it writes, where the warehouse is."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from dlt_pipelines.backends.state_store import FolderStore
from dlt_pipelines.exceptions import RunLockBusy, WarehouseError
from dlt_pipelines.postgres_url import PostgresUrl, mask_credentials
from dlt_pipelines.run.builds import (
    EVERY_TABLE_AND_MART,
    MODELS_EVERY_BUILD,
    code_digest,
    dbt_selection,
)
from dlt_pipelines.run.dbt import PROJECT_DIR
from dlt_pipelines.run.history import RunRecord
from dlt_pipelines.run.state import BuildMarker, RunState
from dlt_pipelines.sources import TABLES

WAREHOUSE_URL = "postgresql://writer:W%40rehouse-pw@wh.internal:5432/analytics?sslmode=require"


def test_a_second_run_is_refused_naming_the_holder(tmp_path):
    store = FolderStore(tmp_path / "warehouse.duckdb")
    refused = pytest.raises(RunLockBusy, match=r"another run holds .* \(run first, pid \d+ on ")
    with store.lock("first"), refused, store.lock("second"):
        pass
    assert store.holder() is None  # freed when the holder ended
    with store.lock("third"):
        assert store.holder().startswith("run third, pid ")


def test_a_run_that_died_is_closed_as_abandoned(tmp_path):
    state = RunState(DuckDBWarehouse(tmp_path / "warehouse.duckdb"))
    done, died = RunRecord("DuckDB file w"), RunRecord("DuckDB file w")
    done.finish("success")
    for record in (done, died):
        state.save(record)
    (abandoned,) = state.close_abandoned()
    assert abandoned.run_id == died.run_id
    assert [(r.run_id, r.status) for r in state.records()] == [
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


def selection_after(
    loaded: dict[str, int], as_of="2025-11-03", unsynced=0, failing: tuple[str, ...] = ()
) -> list:
    """What dbt_selection picks for a build made by run `built` (as of
    2025-11-03, no vars, `unsynced` persons waiting, the `failing` tests not
    passing) after one more run that loaded `loaded` into it."""
    built, then = RunRecord("w", loaded_into="a"), RunRecord("w", loaded_into="a")
    then.rows_loaded = loaded
    marker = BuildMarker(
        built.run_id, "1", "2025-11-03", {}, "success", [], unsynced, failing_tests=list(failing)
    )
    state = Path("state")
    selection = dbt_selection(marker, state, [built, then], "a", as_of, {}, shared_raw=False)
    assert selection[-2:] == ["--state", "state"]
    return selection[1:-2]


def test_a_build_selects_what_depends_on_what_changed():
    # one table: what depends on it, and the loads
    one = selection_after({"chemlink.query_embeddings": 3, "chemlink.persons": 0})
    assert one == ["stg_chemlink__query_embeddings+", *MODELS_EVERY_BUILD]
    # a new date alone: what reads the date
    new_date = selection_after({}, as_of="2025-11-04")
    assert new_date == ["tag:as_of+", *MODELS_EVERY_BUILD]
    # a key finding changes every staging model of its source
    findings = selection_after({"engagement.source_key_findings": 1})
    staging = [f"stg_engagement__{table.name}+" for table in TABLES["engagement"]]
    assert findings == [*staging, *MODELS_EVERY_BUILD]
    assert len(staging) == 6
    # persons waiting for ChemLink: every table and mart, the changed views' tests
    waiting = selection_after({"engagement.posts": 2}, unsynced=1)
    assert waiting == [
        *EVERY_TABLE_AND_MART,
        "stg_engagement__posts,resource_type:test",
        *MODELS_EVERY_BUILD,
    ]
    # the tests that did not pass in the build are tested again, by name
    ghosts = "test.chemlink_warehouse.has_live_chemlink_person_stg_engagement__posts_person_id.1"
    again = selection_after({}, failing=(ghosts,))
    assert again == [*MODELS_EVERY_BUILD, ghosts.split(".")[2]]


def test_a_build_without_a_known_past_selects_everything():
    built = RunRecord("w")
    marker = BuildMarker(built.run_id, "1", "2025-11-03", {}, "success", [], 0)
    assert dbt_selection(marker, None, [built], "a", "2025-11-03", {}, True) == []  # no manifest
    assert dbt_selection(None, Path("state"), [built], "a", "2025-11-03", {}, True) == []
    other = RunRecord("w")  # the journal no longer has the run that built it
    assert dbt_selection(marker, Path("state"), [other], "a", "2025-11-03", {}, True) == []


def test_the_code_digest_follows_what_dbt_reads_wherever_the_project_is(tmp_path):
    copy = tmp_path / "warehouse"
    shutil.copytree(PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs"))
    shipped = code_digest(PROJECT_DIR)
    assert code_digest(copy) == shipped  # the same project elsewhere
    (copy / "README.txt").write_text("notes")  # a file dbt does not read
    assert code_digest(copy) == shipped
    for change in (
        copy / "models" / "marts" / "dashboard" / "new_mart.sql",  # a new model
        copy / "macros" / "percentage.sql",  # a changed macro
        copy / "dbt_project.yml",  # a changed var
    ):
        before = code_digest(copy)
        comment = "# changed" if change.suffix == ".yml" else "-- changed"
        change.write_text((change.read_text() if change.exists() else "") + f"\n{comment}\n")
        assert code_digest(copy) != before
    (copy / "models" / "marts" / "dashboard" / "dau.sql").unlink()  # a removed model
    assert code_digest(copy) not in (shipped, before)
