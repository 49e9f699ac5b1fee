"""Build beside what readers see, then publish in one step, copying nothing.

Two builds take turns (blue/green): the published one, which readers see,
and the standby, which a run loads and builds, then publishes. The standby
is one build behind; it catches up by itself, because dlt's state and the
incremental models' state live in it: a run reads what changed since the
standby's last load and rebuilds what changed since its last build.

DuckDB: two files, `.slots/a/<name>.duckdb` and `.slots/b/<name>.duckdb`
beside the published file, which is a hard link to one of them. Publishing
links the standby over the published path (a rename): a reader holding the
previous file keeps reading it and never blocks the run; the next
connection opens the new one. Only when the standby is missing (the second
run ever, or an older layout) or still held by a reader is it replaced by a
copy of the published file.

PostgreSQL: two sets of schemas, `staging`, `intermediate`, `mart_tables`,
`marts`, `test_failures` (published) and the same with `__standby`. dbt
builds the standby set; publishing renames the two sets into each other's
places in one transaction and grants the BI role (WAREHOUSE_BI_ROLE,
default bi_reader) read access to `marts`. A query sees the old or the new
marts, never a mix. dlt loads raw_* in place either way (readers are not
given raw).

Spark: two sets of databases, `staging__a`, `marts__a`, ... and the same
with `__b`; the lake's raw tables serve both. `marts` holds one view per
mart over the published set's; publishing re-points those views at the
standby's (one metastore statement each: Spark has no transaction over
several) and records the published set as a property of `marts`.
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import closing
from dataclasses import dataclass, replace

import duckdb
from psycopg2 import sql

from dlt_pipelines.warehouse import Warehouse

DBT_SCHEMAS = ("staging", "intermediate", "mart_tables", "marts", "test_failures")
STANDBY_SUFFIX = "__standby"
SWAP_SUFFIX = "__swap"
DUCKDB_SLOTS = ("a", "b")  # and Spark's
PUBLISHED, STANDBY = "published", "standby"  # PostgreSQL's two sets
SPARK_PUBLISHED = "published_build"  # the property of Spark's `marts` naming the set


@dataclass(frozen=True)
class Slot:
    """One of the two builds: its name and the warehouse it is."""

    name: str
    warehouse: Warehouse


def standby(warehouse: Warehouse) -> Slot:
    """The build a run loads and builds, ready to be written."""
    if warehouse.target == "postgres":
        return Slot(STANDBY, replace(warehouse, schema_suffix=STANDBY_SUFFIX))
    name = next(slot for slot in DUCKDB_SLOTS if slot != published_slot(warehouse))
    if warehouse.target == "spark":
        return Slot(name, replace(warehouse, schema_suffix=f"__{name}"))
    path = _slot_path(warehouse, name)
    if warehouse.duckdb_path.exists() and not _writable(path):
        _replace_with_copy(warehouse.duckdb_path, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return Slot(name, Warehouse("duckdb", path))


def published_slot(warehouse: Warehouse) -> str | None:
    """The name of the build readers see (None before the first publish)."""
    if warehouse.target == "postgres":
        return PUBLISHED
    if warehouse.target == "spark":
        return _spark_published(warehouse)
    if not warehouse.duckdb_path.exists():
        return None
    published = warehouse.duckdb_path.stat().st_ino
    for name in DUCKDB_SLOTS:
        path = _slot_path(warehouse, name)
        if path.exists() and path.stat().st_ino == published:
            return name
    return None  # an older layout: the published file is no slot


def publish(warehouse: Warehouse, slot: Slot) -> str:
    """Make the standby what readers see, in one step; return the name the
    published build has from now on."""
    if warehouse.target == "postgres":
        _swap_schemas(warehouse)
        return PUBLISHED
    if warehouse.target == "spark":
        _repoint_spark_views(warehouse, slot)
        return slot.name
    with duckdb.connect(str(slot.warehouse.duckdb_path)) as conn:
        conn.execute("checkpoint")  # everything in the file, nothing in a WAL
    link = warehouse.duckdb_path.with_name(f".{warehouse.duckdb_path.name}.publishing")
    link.unlink(missing_ok=True)
    os.link(slot.warehouse.duckdb_path, link)
    os.replace(link, warehouse.duckdb_path)
    return slot.name


def _slot_path(warehouse: Warehouse, name: str):
    """Where a DuckDB slot's file is; its file name is the published one's, so
    that views, which name their catalog after the file, read the same."""
    return warehouse.duckdb_path.parent / ".slots" / name / warehouse.duckdb_path.name


def _writable(path) -> bool:
    """Tell whether the slot file exists and no reader holds it."""
    if not path.exists():
        return False
    try:
        duckdb.connect(str(path)).close()
    except duckdb.IOException:
        return False
    return True


def _replace_with_copy(published, path) -> None:
    """Put a copy of the published file where the slot is, as a new file: a
    reader still holding the slot's old file keeps it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    copy = path.with_name(f".{path.name}.copying")
    shutil.copyfile(published, copy)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    os.replace(copy, path)


def _swap_schemas(warehouse: Warehouse) -> None:
    """Rename the standby schemas over the published ones and back, grant the
    BI role: one transaction, nothing dropped, nothing rebuilt."""
    connection = closing(warehouse.connect())
    with connection as conn, conn, conn.cursor() as cursor:  # one transaction
        cursor.execute("set lock_timeout = '60s'")
        for schema in DBT_SCHEMAS:
            names = [schema, schema + STANDBY_SUFFIX, schema + SWAP_SUFFIX]
            published, built, swap = map(sql.Identifier, names)
            rename = sql.SQL("alter schema {} rename to {}")
            if _schema_exists(cursor, schema):
                cursor.execute(rename.format(published, swap))
            if _schema_exists(cursor, schema + STANDBY_SUFFIX):
                cursor.execute(rename.format(built, published))
            if _schema_exists(cursor, schema + SWAP_SUFFIX):
                cursor.execute(rename.format(swap, built))
        _grant_marts_to_bi_role(cursor)


def _grant_marts_to_bi_role(cursor) -> None:
    """Let the BI role read marts, and nothing else (not the standby's), if
    the role exists."""
    role = os.environ.get("WAREHOUSE_BI_ROLE", "bi_reader")
    cursor.execute("select 1 from pg_roles where rolname = %s", (role,))
    if cursor.fetchone() is None:
        return
    marts, standby, bi = map(sql.Identifier, ["marts", "marts" + STANDBY_SUFFIX, role])
    cursor.execute(sql.SQL("grant usage on schema {} to {}").format(marts, bi))
    cursor.execute(sql.SQL("grant select on all tables in schema {} to {}").format(marts, bi))
    if _schema_exists(cursor, "marts" + STANDBY_SUFFIX):
        cursor.execute(sql.SQL("revoke usage on schema {} from {}").format(standby, bi))


def _schema_exists(cursor, name: str) -> bool:
    """Tell whether the schema exists."""
    cursor.execute("select 1 from information_schema.schemata where schema_name = %s", (name,))
    return cursor.fetchone() is not None


def _spark_published(warehouse: Warehouse) -> str | None:
    """The set Spark's `marts` views read (None before the first publish)."""
    _, databases = warehouse.query("show databases like 'marts'")
    if not databases:
        return None
    _, rows = warehouse.query("describe database extended marts")
    properties = " ".join(str(value) for name, value in rows if name == "Properties")
    found = re.search(rf"\b{SPARK_PUBLISHED},(\w+)", properties)
    return found.group(1) if found else None


def _repoint_spark_views(warehouse: Warehouse, slot: Slot) -> None:
    """Point every view of `marts` at the slot's marts, then record the slot."""
    built = f"marts{slot.warehouse.schema_suffix}"
    _, views = warehouse.query(f"show views in {built}")
    warehouse.execute(
        [
            "create database if not exists marts",
            *(
                f"create or replace view marts.{name} as select * from {built}.{name}"
                for _, name, *_ in views
            ),
            f"alter database marts set dbproperties ('{SPARK_PUBLISHED}' = '{slot.name}')",
        ]
    )
