"""Every engine's backend keeps one contract: connect (writing and
read-only), query, tell a table exists, publish a build, make a development
copy (or refuse, naming what to use), keep the run history (or refuse,
naming the journal), prepare the standby (seeded from the published build
where a build is a whole warehouse), publish the previous build again (a
rollback). On DuckDB, PostgreSQL and a real Spark cluster."""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass

import pytest

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from dlt_pipelines.backends.spark import SparkWarehouse
from dlt_pipelines.exceptions import QueryError, WarehouseError
from dlt_pipelines.run.history import RunHistory, RunRecord, RunStatus
from tests.conftest import WORKER
from tests.helpers import postgres_warehouse


@dataclass(frozen=True)
class Expected:
    """What an engine offers beyond the common contract."""

    development_copy: bool
    run_history: bool
    seeds_standby: bool  # a missing standby starts as a copy of the published build


ENGINES = {
    "duckdb": Expected(development_copy=True, run_history=True, seeds_standby=True),
    "postgres": Expected(development_copy=True, run_history=True, seeds_standby=False),
    "spark": Expected(development_copy=False, run_history=False, seeds_standby=False),
}


@pytest.fixture(
    params=["duckdb", "postgres", pytest.param("spark", marks=pytest.mark.spark)],
)
def engine(request, tmp_path) -> tuple[Warehouse, Expected]:
    """An empty warehouse of the engine, and what it is expected to offer."""
    if request.param == "duckdb":
        warehouse = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    elif request.param == "postgres":
        warehouse = postgres_warehouse(
            request.getfixturevalue("postgres_server"), f"{WORKER}contract"
        )
    else:
        cluster = request.getfixturevalue("cluster")
        warehouse = SparkWarehouse((tmp_path / "lake").as_uri(), "127.0.0.1", cluster.thrift_port)
    yield warehouse, ENGINES[request.param]
    if request.param == "spark":  # the session's metastore is shared with the Spark tests
        with suppress(WarehouseError):
            warehouse.execute(
                [f"drop database if exists {name} cascade" for name in DATABASES_MADE]
            )


DATABASES_MADE = ("contract", "marts", "marts__a", "marts__b", "contract__dev")


def test_every_engine_keeps_the_backend_contract(engine, tmp_path):
    warehouse, expected = engine
    warehouse.execute(
        ["create schema if not exists contract", "create table contract.numbers as select 1 as n"]
    )
    assert warehouse.query("select n from contract.numbers") == (["n"], [(1,)])
    assert warehouse.query("-- a note\n(select n from contract.numbers)")[1] == [(1,)]
    assert warehouse.has_table("contract", "numbers")
    assert not warehouse.has_table("contract", "nope")
    assert not warehouse.has_table("nowhere", "numbers")
    warehouse.connect(read_only=True).close()
    with pytest.raises(QueryError, match=r"make query is read-only.*DROP is no query"):
        warehouse.query("drop table contract.numbers")
    with pytest.raises(QueryError, match="nope"):
        warehouse.query("select * from contract.nope")
    assert warehouse.has_table("contract", "numbers")  # the refused statement changed nothing

    # publishing: what the standby holds is what readers see next
    slot = warehouse.standby()
    assert warehouse.prepare_standby(slot) == expected.seeds_standby
    assert not warehouse.prepare_standby(slot)  # once: then it is the standby's own
    marts = f"marts{slot.warehouse.schema_suffix}"
    slot.warehouse.execute(
        [f"create schema if not exists {marts}", f"create view {marts}.answer as select 42 as n"]
    )
    published = warehouse.publish(slot)
    assert warehouse.published_slot() == published
    assert warehouse.query("select n from marts.answer") == (["n"], [(42,)])
    following = warehouse.standby()
    assert following.name != published  # the next run builds the other one
    warehouse.prepare_standby(following)
    marts = f"marts{following.warehouse.schema_suffix}"
    following.warehouse.execute(
        [
            f"create schema if not exists {marts}",
            f"create or replace view {marts}.answer as select 43 as n",
        ]
    )
    warehouse.publish(following)
    assert warehouse.query("select n from marts.answer")[1] == [(43,)]
    # a rollback: the standby holds the previous build, published again
    warehouse.publish(warehouse.standby())
    assert warehouse.query("select n from marts.answer")[1] == [(42,)]

    record = RunRecord(warehouse.describe(), "2025-11-03")
    record.finish(RunStatus.SUCCESS)
    history = RunHistory(tmp_path / "runs.jsonl")
    history.save(record)
    if expected.run_history:
        history.write_to(warehouse)
        assert warehouse.query("select run_id, status from ops.run_history")[1] == [
            (record.run_id, "success")
        ]
    else:
        with pytest.raises(
            WarehouseError, match=re.escape(f"the runs' record is the journal {history.journal}")
        ):
            history.write_to(warehouse)

    if expected.development_copy:
        development = warehouse.development_copy()
        schema = f"contract{development.schema_suffix}"
        development.execute(
            [
                f"create schema if not exists {schema}",
                f"create table {schema}.draft as select 2 as n",
            ]
        )
        assert development.query(f"select n from {schema}.draft")[1] == [(2,)]
        assert not warehouse.has_table("contract", "draft")  # the published one is untouched
    else:
        with pytest.raises(WarehouseError, match=r"make dbt.*on a DuckDB warehouse"):
            warehouse.development_copy()
