"""WAREHOUSE_TARGET=spark: the same scheduled run, into a lake read by a
Spark cluster under foreign time zones, gives every mart DuckDB gives:
after a first load, and after every kind of change a source makes (updates,
soft and hard deletes, a person leaving, a late commit). The marts are
read through the Thrift endpoint, as a BI tool reads them; the project's
own data tests find on Spark what they find on DuckDB. A rollback
publishes the first build again.

Every run is a runner of its own (an empty folder, its own process): what
they share is the lake, which keeps what the runs remember (a lease for
the lock, lake_state.py). Of two runners started together one builds, the
other names it; a runner killed holding the lease stops the next one only
until the lease expires; a fresh runner sees the pin and the history."""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.spark import SparkWarehouse
from dlt_pipelines.run.builds import CODE_INVARIANTS
from dlt_pipelines.run.dbt import PROJECT_DIR, run_dbt
from tests.conftest import FOREIGN_TIME_ZONES
from tests.helpers import (
    AS_OF,
    MART_MODELS,
    RUN,
    WITHOUT_DATA_TESTS,
    marts,
    rows,
    run_environment,
    run_history,
    runner,
    scheduled_run,
)
from tests.source_changes import CHANGES, change, late_comment
from tests.spark.conftest import free_port, spark_ready

spark_ready()
from pyhive import hive  # noqa: E402 (after the skip)

pytestmark = pytest.mark.spark

SUCCESS, FAILURE, BUSY = 0, 2, 3  # published; failed; another run holds the lease
LEASE_SECONDS = 12  # the lock's lease in these runs (default 120): a dead holder's expires soon
# the project's generic tests (warehouse/tests/generic/), and its singular ones
OWN_GENERIC_TESTS = sorted(path.stem for path in (PROJECT_DIR / "tests" / "generic").glob("*.sql"))
OWN_DATA_TESTS = [
    "test",
    "--select",
    *(f"test_name:{name}" for name in OWN_GENERIC_TESTS),
    "test_type:singular",
    "--exclude",
    *CODE_INVARIANTS,
]
TIMESTAMP_TEXT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?")


def comparable(value):
    """One value as either engine's driver gives it: PyHive gives dates and
    timestamps as text, DuckDB as objects."""
    if isinstance(value, str) and TIMESTAMP_TEXT.fullmatch(value):
        return datetime.fromisoformat(value)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def comparable_marts(warehouse: Warehouse) -> dict[str, list[tuple]]:
    """Every mart's rows, comparable and sorted (a view promises no order)."""
    return {
        model: sorted((tuple(map(comparable, row)) for row in read), key=repr)
        for model, read in marts(warehouse).items()
    }


@pytest.fixture(scope="module")
def spark(cluster, tmp_path_factory) -> SparkWarehouse:
    """An empty lake on the session's cluster."""
    folder = tmp_path_factory.mktemp("spark_target")
    lake = (folder / "lake").as_uri()
    return SparkWarehouse(lake, "127.0.0.1", cluster.thrift_port, lease_seconds=LEASE_SECONDS)


def run(warehouse: Warehouse, sources, *arguments: str, exit_code: int, **environment) -> str:
    """A scheduled run, under foreign time zones; its output."""
    done = scheduled_run(warehouse, sources, *arguments, **FOREIGN_TIME_ZONES, **environment)
    assert done.returncode == exit_code, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def start(warehouse: Warehouse, sources, environment: dict) -> subprocess.Popen:
    """A scheduled run started in the background, under foreign time zones."""
    return subprocess.Popen(
        RUN,
        env=run_environment(warehouse, sources, **FOREIGN_TIME_ZONES, **environment),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_every_mart_equals_duckdb_after_a_load_and_after_changes(
    spark, published, sources, tmp_path
):
    # DuckDB: the template's warehouse, built from the same sources (in the
    # machine's time zone), one run published
    pending = late_comment(sources)  # stamped before Spark's first run...
    spark_output = run(
        spark, sources, exit_code=SUCCESS, **WITHOUT_DATA_TESTS, **runner(tmp_path, "a")
    )
    pending.commit()  # ...committed after it: the next run must load it
    pending.close()
    assert f"published {spark.describe()}" in spark_output
    first = comparable_marts(spark)
    assert first == comparable_marts(published)
    assert len(first["dau"]) == 30 and len(first["mau"]) == 12
    # the project's own data tests find what they find on DuckDB (dbt's
    # built-in ones, not_null and the like, are dbt-spark's: each would cost
    # a Thrift statement)
    live = replace(spark, schema_suffix=f"__{spark.published_slot()}")
    found = {engine: run_dbt(OWN_DATA_TESTS, engine, AS_OF) for engine in (live, published)}
    assert sorted(found[live].problems) == sorted(found[published].problems)
    # the template's ghosts, in 6 of the 7 checked columns: every check ran
    assert len(found[live].problems) == 6

    for number, name in enumerate(sorted(CHANGES)):
        change(sources, name, number / len(CHANGES))
    run(published, sources, exit_code=SUCCESS, **WITHOUT_DATA_TESTS)
    # two runners started together: one takes the lease and builds, the other names it
    together = [start(spark, sources, WITHOUT_DATA_TESTS | runner(tmp_path, n)) for n in "bc"]
    outputs = {process.pid: process.communicate()[0] for process in together}
    assert sorted(process.returncode for process in together) == [SUCCESS, BUSY], outputs
    builder = run_history(spark)[-1]
    assert builder["built"] and builder["pid"] in outputs
    refused = next(output for pid, output in outputs.items() if pid != builder["pid"])
    assert f"run {builder['run_id']}, pid {builder['pid']} on " in refused
    changed = comparable_marts(spark)
    assert changed == comparable_marts(published)
    assert changed != first
    late = "select count(distinct id) from raw_engagement.comments where content = 'late'"
    assert rows(spark, late) == rows(published, late) == [(1,)]

    # a runner killed holding the lease: the next waits for the lease to expire, loses nothing
    killed = start(spark, sources, runner(tmp_path, "d"))
    while not any(record["pid"] == killed.pid for record in run_history(spark)):
        assert killed.poll() is None, killed.communicate()[0]  # it holds the lease: recorded
        time.sleep(0.1)
    killed.kill()
    killed.wait()
    held = run(spark, sources, exit_code=BUSY, **runner(tmp_path, "e"))
    assert f"pid {killed.pid} on " in held  # the lease is still the dead run's
    time.sleep(LEASE_SECONDS)
    after = run(spark, sources, exit_code=SUCCESS, **WITHOUT_DATA_TESTS, **runner(tmp_path, "f"))
    assert "had died; its lock is reclaimed" in after
    assert f"nothing changed since run {builder['run_id']}" in after
    assert comparable_marts(spark) == changed

    rolled = run(spark, sources, "--rollback", exit_code=SUCCESS, **runner(tmp_path, "g"))
    assert "is live again" in rolled  # as after a bad publish
    assert comparable_marts(spark) == first  # the previous build, its views re-pointed
    status = run(spark, sources, "--status", exit_code=SUCCESS, **runner(tmp_path, "h"))
    assert "pinned: yes, by rollback" in status
    assert f"state: {spark.lake_url}/_run_state" in status
    for record in run_history(spark)[-4:]:  # the killed run, closed as abandoned, among them
        assert f"{record['run_id']}  {record['status']:<9}" in status
    assert "abandoned" in status


def test_a_bi_tool_reads_the_marts_through_thrift(spark):
    with hive.connect(host=spark.host, port=spark.port, username="bi") as conn:
        cursor = conn.cursor()
        cursor.execute("show views in marts")
        views = sorted(name for _, name, *_ in cursor.fetchall())
        cursor.execute("select count(*) from marts.dau")
        assert cursor.fetchall() == [(30,)]
    assert views == sorted(MART_MODELS)


def test_an_unreachable_thrift_server_stops_the_run_before_it_loads(template_sources, tmp_path):
    warehouse = SparkWarehouse((tmp_path / "lake").as_uri(), "127.0.0.1", free_port())
    run = scheduled_run(warehouse, template_sources)
    assert run.returncode == FAILURE
    last = run.stdout.strip().splitlines()[-1]
    assert f"cannot reach the Spark Thrift server at 127.0.0.1:{warehouse.port}" in last
    assert "make spark-up" in last
    # nothing was loaded: the lake holds the failed run's record alone
    assert [path.name for path in (tmp_path / "lake").iterdir()] == ["_run_state"]
    assert run_history(warehouse)[-1]["status"] == "failure"
