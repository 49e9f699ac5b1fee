"""(b) The random profile in real PostgreSQL sources, built into DuckDB and
into PostgreSQL warehouses on the oldest (15) and the newest (18) supported
PostgreSQL, sources on the same version: every warehouse holds identical rows
in every mart, those rows are what docs/metrics.md gives when read directly
on the sources, whatever time zone the machine and the database sessions are
in, and every mart carries its definitions where BI tools read them."""

from __future__ import annotations

import pytest

from scripts.bench.live_metrics import METRIC_SOURCES, live_metric
from tests.conftest import NEWEST_POSTGRES, OLDEST_POSTGRES
from tests.helpers import AS_OF, MART_MODELS, in_order, mart, rows, source_rows

POSTGRES_WAREHOUSES = [f"postgres {OLDEST_POSTGRES}", f"postgres {NEWEST_POSTGRES}"]


@pytest.mark.parametrize("target", POSTGRES_WAREHOUSES)
def test_each_postgres_is_the_version_it_claims(random_warehouses, target):
    warehouse, sources = random_warehouses[target]
    version = target.split()[1]
    assert rows(warehouse, "show server_version")[0][0].startswith(f"{version}.")
    assert source_rows(sources.chemlink, "show server_version")[0][0].startswith(f"{version}.")


@pytest.mark.parametrize("target", POSTGRES_WAREHOUSES)
@pytest.mark.parametrize("model", MART_MODELS)
def test_duckdb_and_postgres_marts_are_identical(random_warehouses, target, model):
    duckdb_rows = in_order(mart(random_warehouses["duckdb"][0], model))
    assert duckdb_rows == in_order(mart(random_warehouses[target][0], model))
    assert any(any(value for value in row[1:]) for row in duckdb_rows), "a mart of zeros"


@pytest.mark.parametrize("target", ["duckdb", *POSTGRES_WAREHOUSES])
@pytest.mark.parametrize("model", list(METRIC_SOURCES))
def test_marts_equal_a_direct_reading_of_the_sources(random_warehouses, target, model):
    warehouse, sources = random_warehouses[target]
    assert in_order(mart(warehouse, model)) == in_order(live_metric(model, sources, AS_OF))


# How BI tools find definitions: Metabase and Superset read the database's
# comments (PostgreSQL's pg_description through JDBC and SQLAlchemy; DuckDB's
# catalog, which information_schema exposes).
POSTGRES_COMMENTS = """
select c.relname, a.attname,
       obj_description(c.oid, 'pg_class'), col_description(c.oid, a.attnum)
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join pg_catalog.pg_attribute a
    on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
where n.nspname = 'marts'
order by c.relname, a.attnum
"""
DUCKDB_COMMENTS = """
select t.table_name, c.column_name, t.table_comment, c.column_comment
from information_schema.tables t
join information_schema.columns c using (table_schema, table_name)
where t.table_schema = 'marts'
order by t.table_name, c.ordinal_position
"""


@pytest.mark.parametrize("target", ["duckdb", *POSTGRES_WAREHOUSES])
def test_every_mart_and_column_carries_its_description(random_warehouses, target):
    warehouse, _ = random_warehouses[target]
    comments = rows(warehouse, DUCKDB_COMMENTS if target == "duckdb" else POSTGRES_COMMENTS)
    assert {view for view, *_ in comments} == set(MART_MODELS)
    assert [(view, column) for view, column, table, text in comments if not table or not text] == []
    described = {(view, column): text for view, column, _, text in comments}
    assert described["dau", "comments"] == "Live comments made that day (also on deleted posts)."
    dau = next(table for view, _, table, _ in comments if view == "dau")
    assert dau.startswith("Engagement activity by UTC day for the 30 days ending with the as-of")
