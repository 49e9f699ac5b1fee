"""(b) The random profile in real PostgreSQL sources, built once into DuckDB
and once into PostgreSQL: both warehouses hold identical rows in every mart,
and those rows are what metrics.md gives when read directly on the sources,
whatever time zone the machine and the database sessions are in."""

from __future__ import annotations

import pytest

from dlt_pipelines.warehouse import Warehouse
from scripts.live_metrics import METRIC_SOURCES, live_metric
from tests.helpers import AS_OF, MART_MODELS, assert_built, mart, postgres_warehouse, run_build

# Tokyo is ahead of UTC and Los Angeles behind it: a 23:30 UTC event falls on
# another local day in either, so any local-time arithmetic would show.
FOREIGN_TIME_ZONES = {"TZ": "Asia/Tokyo", "PGTZ": "America/Los_Angeles"}


@pytest.fixture(scope="module")
def warehouses(random_sources, postgres_server, tmp_path_factory):
    """The random profile built into a DuckDB and a PostgreSQL warehouse."""
    duckdb = Warehouse("duckdb", tmp_path_factory.mktemp("random") / "warehouse.duckdb")
    postgres = postgres_warehouse(postgres_server, "random_warehouse")
    for warehouse in (duckdb, postgres):
        assert_built(run_build(warehouse, random_sources, **FOREIGN_TIME_ZONES))
    return duckdb, postgres


@pytest.mark.parametrize("model", MART_MODELS)
def test_duckdb_and_postgres_marts_are_identical(warehouses, model):
    duckdb, postgres = warehouses
    duckdb_rows = mart(duckdb, model)
    assert duckdb_rows == mart(postgres, model)
    assert any(any(value for value in row[1:]) for row in duckdb_rows), "a mart of zeros"


@pytest.mark.parametrize("model", list(METRIC_SOURCES))
def test_marts_equal_a_direct_reading_of_the_sources(warehouses, random_sources, model):
    duckdb, _ = warehouses
    assert mart(duckdb, model) == live_metric(model, random_sources, AS_OF)
