"""The source tables are listed once for Python (dlt_pipelines/sources/:
each source's TABLES) and once for dbt (each source's sources file); every
other place that names them must agree, or this fails naming the place.
docs/adding-a-source-table.md lists the places."""

from __future__ import annotations

import re

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.sources import SOURCES, TABLES
from dlt_pipelines.sources.contract import STAGING_DIR, columns_models_read
from dlt_pipelines.sources.key_findings import FINDINGS
from scripts.bench.benchmark import NEW_ROWS

DLT_TABLES = (FINDINGS, "_dlt_loads")  # dlt's own and the key comparison's, per source
SUMMARIZED = REPO_ROOT / "warehouse/models/intermediate/int_source_rows_summarized.sql"

PIPELINE = {(source, table.name) for source, tables in TABLES.items() for table in tables}


def test_the_pipeline_extracts_the_eleven_tables_of_the_contract():
    assert set(SOURCES) == {"chemlink", "engagement"}
    assert len(PIPELINE) == 11


def test_dbt_sources_list_the_tables_the_pipeline_extracts():
    in_dbt = {
        (source, table)
        for source in SOURCES
        for table in columns_models_read(source)
        if table not in DLT_TABLES
    }
    assert in_dbt == PIPELINE


def test_each_table_has_its_staging_model():
    staged = {
        (path.parent.name, path.stem.split("__", 1)[1])
        for path in STAGING_DIR.glob("*/stg_*__*.sql")
        if path.stem.split("__", 1)[1] != "loads"  # dlt's loads, not a source table
    }
    assert staged == PIPELINE


def test_the_row_summary_counts_every_table_and_its_soft_deletes():
    listed = re.findall(r"\('(\w+)', '(\w+)', '(\w+)'\)", SUMMARIZED.read_text())
    assert {(source, table) for source, table, _ in listed} == PIPELINE
    for source, table, soft_deleted in listed:
        has_deleted_at = "deleted_at" in columns_models_read(source)[table]
        assert (soft_deleted == "is_deleted") == has_deleted_at, table


def test_the_demo_databases_create_every_table():
    for source in SOURCES:
        schema = (REPO_ROOT / "scripts/demo/sql" / f"{source}.sql").read_text()
        created = set(re.findall(r"create table (\w+)", schema, re.IGNORECASE))
        assert {(source, table) for table in created} == {t for t in PIPELINE if t[0] == source}


def test_the_benchmark_knows_how_to_insert_into_every_table():
    assert set(NEW_ROWS) == {table for _, table in PIPELINE}
