"""Build beside what readers see, then publish in one step.

DuckDB: a run loads and builds a copy of the published file (same file name,
in a `.build` folder beside it, so views keep their catalog name), then
renames the copy over the published file. A BI tool holding the published
file keeps reading the file it opened, never blocks the run, and the next
connection opens the new one. A failed run leaves the published file as it
was.

PostgreSQL: dbt builds into `<schema>__build` schemas; publishing renames
them over `staging`, `intermediate`, `marts` and `test_failures` in one
transaction and grants the BI role (WAREHOUSE_BI_ROLE, default bi_reader)
read access to `marts` again. A query sees the old or the new marts, never
a mix. (dlt loads raw_* in place either way; readers are not given raw.)
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import replace

import duckdb
import psycopg2.errors
from psycopg2 import sql

from dlt_pipelines.warehouse import Warehouse

DBT_SCHEMAS = ("staging", "intermediate", "mart_tables", "marts", "test_failures")
BUILD_SUFFIX = "__build"
PREVIOUS_SUFFIX = "__previous"


@contextmanager
def build_area(warehouse: Warehouse) -> Iterator[Warehouse]:
    """The warehouse a run loads and builds, apart from the published one."""
    if warehouse.target == "postgres":
        _drop_schemas(warehouse, BUILD_SUFFIX)  # what a failed run left behind
        yield replace(warehouse, schema_suffix=BUILD_SUFFIX)
        return
    build = warehouse.duckdb_path.parent / ".build" / warehouse.duckdb_path.name
    build.parent.mkdir(parents=True, exist_ok=True)
    _remove_duckdb_file(build)
    if warehouse.duckdb_path.exists():
        shutil.copyfile(warehouse.duckdb_path, build)
    try:
        yield Warehouse("duckdb", build)
    finally:
        _remove_duckdb_file(build)  # published (renamed away) or failed


def publish(warehouse: Warehouse, build: Warehouse) -> None:
    """Make the build what readers see, in one step."""
    if warehouse.target == "postgres":
        _swap_schemas(warehouse)
        return
    with duckdb.connect(str(build.duckdb_path)) as conn:
        conn.execute("checkpoint")  # everything in the file, nothing in a WAL
    os.replace(build.duckdb_path, warehouse.duckdb_path)


def _swap_schemas(warehouse: Warehouse) -> None:
    """Rename the __build schemas over the published ones, grant the BI role."""
    connection = closing(warehouse.connect())
    with connection as conn, conn, conn.cursor() as cursor:  # one transaction
        for schema in DBT_SCHEMAS:
            built, previous = schema + BUILD_SUFFIX, schema + PREVIOUS_SUFFIX
            if not _schema_exists(cursor, built):
                continue
            cursor.execute(sql.SQL("drop schema if exists {} cascade").format(_id(previous)))
            if _schema_exists(cursor, schema):
                cursor.execute(
                    sql.SQL("alter schema {} rename to {}").format(_id(schema), _id(previous))
                )
            cursor.execute(sql.SQL("alter schema {} rename to {}").format(_id(built), _id(schema)))
        _grant_marts_to_bi_role(cursor)
    _drop_schemas(warehouse, PREVIOUS_SUFFIX)


def _grant_marts_to_bi_role(cursor) -> None:
    """Let the BI role read marts, and nothing else, if the role exists."""
    role = os.environ.get("WAREHOUSE_BI_ROLE", "bi_reader")
    cursor.execute("select 1 from pg_roles where rolname = %s", (role,))
    if cursor.fetchone() is None:
        return
    cursor.execute(sql.SQL("grant usage on schema marts to {}").format(_id(role)))
    cursor.execute(sql.SQL("grant select on all tables in schema marts to {}").format(_id(role)))


def _drop_schemas(warehouse: Warehouse, suffix: str) -> None:
    """Drop the dbt schemas with this suffix; a reader still on one is waited for
    at most 10 s, then it is left for the next run."""
    with closing(warehouse.connect()) as conn:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("set lock_timeout = '10s'")
            for schema in DBT_SCHEMAS:
                try:
                    cursor.execute(
                        sql.SQL("drop schema if exists {} cascade").format(_id(schema + suffix))
                    )
                except psycopg2.errors.LockNotAvailable:
                    continue


def _schema_exists(cursor, name: str) -> bool:
    """Tell whether the schema exists."""
    cursor.execute("select 1 from information_schema.schemata where schema_name = %s", (name,))
    return cursor.fetchone() is not None


def _id(name: str) -> sql.Identifier:
    """A quoted SQL identifier."""
    return sql.Identifier(name)


def _remove_duckdb_file(path) -> None:
    """Remove a DuckDB file and its write-ahead log."""
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
