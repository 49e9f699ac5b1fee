"""Every engine's backend keeps one contract: connect (writing and
read-only), query, tell a table exists, list and drop a schema's
relations, publish a build (checking the run's lock in the publish's own
transaction where the engine has one), make a development copy (or refuse,
naming what to use), prepare the standby (seeded from the published build
where a build is a whole warehouse), publish the previous build again (a
rollback), and store what the runs remember with the warehouse: a lock
naming its holder, the journal (ops.run_history where the engine keeps
one), documents. On DuckDB, PostgreSQL and a real Spark cluster."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import asdict, dataclass

import pytest

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from dlt_pipelines.backends.spark import SparkWarehouse
from dlt_pipelines.exceptions import QueryError, RunLockBusy, WarehouseError
from dlt_pipelines.run.history import RunRecord, RunStatus
from dlt_pipelines.run.state import RunState
from tests.conftest import WORKER
from tests.helpers import postgres_warehouse


@dataclass(frozen=True)
class Expected:
    """What an engine offers beyond the common contract."""

    development_copy: bool
    seeds_standby: bool  # a missing standby starts as a copy of the published build
    transactions: bool  # the publish commits the builds' records in its transaction
    run_history: str  # where ops.run_history comes from: the journal, a copy, none


ENGINES = {
    "duckdb": Expected(True, seeds_standby=True, transactions=False, run_history="a copy"),
    "postgres": Expected(True, seeds_standby=False, transactions=True, run_history="the journal"),
    "spark": Expected(False, seeds_standby=False, transactions=False, run_history="none"),
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
    with pytest.raises(QueryError, match=r"make query is read-only.*DROP"):
        warehouse.query("drop table contract.numbers")
    with pytest.raises(QueryError, match=r"make query is read-only.*DELETE"):
        warehouse.query("select n from contract.numbers; delete from contract.numbers")
    with pytest.raises(QueryError, match="syntax error") as typo:
        warehouse.query("selec 1")
    assert "read-only" not in str(typo.value)
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
    commits = []
    warehouse.publish(slot, commits.append)
    assert warehouse.published_slot() == warehouse.published_name(slot)
    assert warehouse.query("select n from marts.answer") == (["n"], [(42,)])
    assert [cursor is not None for cursor in commits] == [expected.transactions]
    published = warehouse.published_slot()
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
    following.warehouse.execute([f"create table {marts}.removed as select 1 as n"])
    found = following.warehouse.relations(marts)
    assert (found["answer"], found["removed"]) == ("view", "table")
    following.warehouse.drop_relations(marts, {"removed": "table"})
    del found["removed"]
    assert following.warehouse.relations(marts) == found
    warehouse.publish(following, lambda cursor: None)
    assert warehouse.query("select n from marts.answer")[1] == [(43,)]
    # a rollback: the standby holds the previous build, published again
    warehouse.publish(warehouse.standby(), lambda cursor: None)
    assert warehouse.query("select n from marts.answer")[1] == [(42,)]

    # what the runs remember, with the warehouse
    store = warehouse.state_store()
    with store.lock("first"):
        assert store.holder().startswith("run first, pid ")
        refused = pytest.raises(RunLockBusy, match=r"another run holds .* \(run first, pid \d+ on ")
        with refused, store.lock("second"):
            pass
    assert store.holder() is None
    record = RunRecord(warehouse.describe(), "2025-11-03", rows_loaded={"chemlink.persons": 2})
    record.finish(RunStatus.SUCCESS)
    store.save_record(asdict(record))
    assert store.records() == [asdict(record)]  # as it was saved, whatever the engine stores
    store.write({"builds/a/marker.json": b'{"run_id": "x"}', "pin.json": b"{}"})
    store.write({"pin.json": None})
    assert (store.read("builds/a/marker.json"), store.read("pin.json")) == (
        b'{"run_id": "x"}',
        None,
    )
    if expected.run_history == "a copy":
        RunState(warehouse).write_history_into(warehouse)
    if expected.run_history == "none":
        assert not warehouse.has_table("ops", "run_history")
    else:
        assert warehouse.query("select run_id, status from ops.run_history")[1] == [
            (record.run_id, "success")
        ]

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
