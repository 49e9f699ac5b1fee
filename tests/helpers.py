"""Helpers for the end-to-end tests: build a warehouse, read it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import psycopg2

from dlt_pipelines.warehouse import REPO_ROOT, Warehouse
from scripts import embedded_postgres
from scripts.live_metrics import METRIC_SOURCES
from scripts.query import query
from scripts.source_databases import SourceUrls

AS_OF = date(2025, 11, 3)
CROSS_SOURCE_MODELS = (
    "cross_source_orphans",
    "platform_dau",
    "platform_mau",
    "activation_funnel",
    "retention_cohorts",
    "engagement_activity_types_monthly",
    "data_quality_summary",
    "person_features",
)
MART_MODELS = (*METRIC_SOURCES, *CROSS_SOURCE_MODELS)


def postgres_warehouse(server_url: str, name: str) -> Warehouse:
    """An empty PostgreSQL warehouse: database `name` on the server, recreated."""
    conn = psycopg2.connect(embedded_postgres.database_url(server_url, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'drop database if exists "{name}" with (force)')
        cursor.execute(f'create database "{name}"')
    conn.close()
    url = embedded_postgres.database_url(server_url, name)
    return Warehouse("postgres", REPO_ROOT / "data" / "unused.duckdb", url)


def run_build(
    warehouse: Warehouse, sources: SourceUrls, as_of: date = AS_OF, **environment: str
) -> subprocess.CompletedProcess:
    """`make build`'s command in a fresh process, pointed at the sources."""
    env = os.environ | warehouse.env() | sources.as_env() | environment
    return subprocess.run(
        [sys.executable, "-m", "scripts.build", "--as-of", as_of.isoformat()],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def assert_built(result: subprocess.CompletedProcess) -> None:
    """Fail with the build's output unless it succeeded."""
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]


def rows(warehouse: Warehouse, sql: str) -> list[tuple]:
    """Rows of a query on the warehouse."""
    return query(warehouse, sql)[1]


def mart(warehouse: Warehouse, model: str) -> list[tuple]:
    """Every row of a mart view, in the view's own order (load times left out:
    they differ between warehouses by nature)."""
    columns, result = query(warehouse, f"select * from marts.{model}")
    keep = [i for i, name in enumerate(columns) if name != "newest_load_at"]
    return [tuple(row[i] for i in keep) for row in result]
