"""What every warehouse engine offers the run, and the registry that picks one.

A backend is one engine's way of doing what the run and the tools ask of a
warehouse: connect (read-only or writing), query, load (dlt's
destination), build (dbt's environment), publish a build, store what the
runs remember (state_store(): the lock, the journal, the builds' records),
make a development copy. Callers ask the backend; none of them
compares an engine's name. Where engines differ in what they can do, a
capability (a class attribute below) says so.

BACKENDS maps WAREHOUSE_TARGET's values to their classes, imported on first
use: a DuckDB run never imports PyHive.
"""

from __future__ import annotations

import importlib
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import dlt
from dlt.common.destination import Destination
from dlt.extract import DltSource

from dlt_pipelines import DBT, REPO_ROOT
from dlt_pipelines.backends.state_store import FolderStore, StateStore
from dlt_pipelines.exceptions import QueryError, WarehouseError
from dlt_pipelines.sources import SOURCES

BACKENDS = {
    "duckdb": "dlt_pipelines.backends.duckdb:DuckDBWarehouse",
    "postgres": "dlt_pipelines.backends.postgres:PostgresWarehouse",
    "spark": "dlt_pipelines.backends.spark:SparkWarehouse",
}
RAW_SCHEMAS = tuple(f"raw_{name}" for name in SOURCES)
READ_ONLY = (
    "make query is read-only: build models with make dbt "
    'ARGS="build --select <model>" (on a development copy), load with make run'
)


class Warehouse(ABC):
    """One warehouse of one engine: where it is and how to work with it."""

    name: ClassVar[str]  # WAREHOUSE_TARGET's value
    # both builds read one set of raw tables, loaded in place (else each
    # build is a whole warehouse, raw tables and dlt's state included)
    shares_raw_tables: ClassVar[bool] = True
    # ops.run_history: a copy of the journal written into the standby build,
    # published with it (PostgreSQL's journal is the table itself; Spark has none)
    run_history_in_build: ClassVar[bool] = False
    builds: ClassVar[tuple[str, str]]  # the two builds' names
    # a development copy reads what it does not build from the published
    # build (dbt's --defer), instead of holding all of it
    development_defers: ClassVar[bool] = False
    # MetricFlow has an adapter for the engine (make metric)
    has_semantic_layer: ClassVar[bool] = True
    placeholder: ClassVar[str] = "%s"  # the DB-API driver's parameter marker
    schema_suffix: str  # dbt builds into <schema><suffix> (a standby, a development copy)

    @staticmethod
    def from_env(env: Mapping[str, str] = os.environ) -> Warehouse:
        """The warehouse WAREHOUSE_TARGET names (default duckdb), configured by
        its WAREHOUSE_* variables."""
        name = env.get("WAREHOUSE_TARGET", "duckdb")
        if name not in BACKENDS:
            raise WarehouseError(f"WAREHOUSE_TARGET must be one of {tuple(BACKENDS)}, not {name!r}")
        module, _, cls = BACKENDS[name].partition(":")
        return getattr(importlib.import_module(module), cls).from_settings(env)

    @classmethod
    @abstractmethod
    def from_settings(cls, env: Mapping[str, str]) -> Warehouse:
        """This engine's warehouse from its WAREHOUSE_* variables."""

    # where it is

    @abstractmethod
    def env(self) -> dict[str, str]:
        """The WAREHOUSE_* variables that configure this warehouse in another process."""

    @abstractmethod
    def describe(self) -> str:
        """Where the warehouse is, without credentials."""

    @abstractmethod
    def state_store(self) -> StateStore:
        """Where the runs keep what they remember, with the warehouse."""

    @abstractmethod
    def cache_file(self, suffix: str) -> Path:
        """A file or folder of this runner's cache for the warehouse (dbt's
        target folders, manifests written out for dbt): losing it costs time,
        never state."""

    def local_files(self) -> StateStore | None:
        """The run state an earlier version kept in this runner's files, which
        the first run of this one takes over (None where it still is the store)."""
        return FolderStore(self.cache_file(""))

    def _server_cache_file(self, where: str, suffix: str) -> Path:
        """A cache file of a server's warehouse: in WAREHOUSE_RUN_FILES_DIR
        (default data/), named after the engine and the server."""
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", where)
        folder = Path(os.environ.get("WAREHOUSE_RUN_FILES_DIR", REPO_ROOT / "data"))
        return Path(f"{folder / self.name}-{slug}{suffix}")

    # reading and writing

    @abstractmethod
    def connect(self, read_only: bool = False) -> Any:
        """A DB-API connection; a clear error when the warehouse cannot be reached."""

    @abstractmethod
    def cursor(self, read_only: bool = False) -> AbstractContextManager[Any]:
        """A cursor for the block; writing, in one transaction where the engine has them."""

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        """Column names and rows of `sql`, read-only; a QueryError with the
        engine's message, in one line, if the engine refuses it, and the
        read-only message for a statement that would write (refuse_writes)."""
        self.refuse_writes(sql)
        try:
            with self.cursor(read_only=True) as cursor:
                cursor.execute(sql)
                return [d[0] for d in cursor.description or []], cursor.fetchall()
        except self.statement_errors() as error:
            raise QueryError(self.refusal(error)) from error

    def refuse_writes(self, sql: str) -> None:
        """Raise a QueryError (READ_ONLY) before sending `sql` if one of its
        statements is no query, where the engine's read-only session would
        not refuse it itself; a syntax error as the engine's parser says it."""
        return None  # a read-only session refuses every write (PostgreSQL's)

    def refusal(self, error: Exception) -> str:
        """The one line that says why the engine refused a statement."""
        return one_line(error)

    @abstractmethod
    def statement_errors(self) -> tuple[type[Exception], ...]:
        """The driver's errors for a statement the engine refused."""

    def execute(self, statements: list[str]) -> None:
        """Run `statements`, writing, in one transaction where the engine has them."""
        with self.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def has_table(self, schema: str, table: str) -> bool:
        """Tell whether the table exists."""
        _, found = self.query(
            "select 1 from information_schema.tables"
            f" where table_schema = '{schema}' and table_name = '{table}'"
        )
        return bool(found)

    def relations(self, schema: str) -> dict[str, str]:
        """The schema's tables and views: {name: 'table' or 'view'}."""
        _, found = self.query(
            "select table_name, table_type from information_schema.tables"
            f" where table_schema = '{schema}'"
        )
        return {name: "view" if kind == "VIEW" else "table" for name, kind in found}

    def drop_relations(self, schema: str, relations: dict[str, str]) -> None:
        """Drop these tables and views of the schema ({name: kind}), with
        whatever depends on them."""
        self.execute(
            [f'drop {kind} if exists {schema}."{name}" cascade' for name, kind in relations.items()]
        )

    # loading

    @abstractmethod
    def destination(self, read_only: bool = False) -> AbstractContextManager[Destination]:
        """The dlt destination that loads into this warehouse, for the block;
        `read_only` for a dry run (load.py), which only reads dlt's state and
        the loaded rows: an engine that locks writers out opens it read-only."""

    def prepare_load(self) -> None:
        """Give `_dlt_load_id` to raw tables loaded before every row carried it
        (warehouses made before incremental builds): the newest completed load
        of their source, as if all their rows had come in it. dlt cannot add a
        NOT NULL column to a table that has rows, and the staging models read
        it. A no-op on every later run."""
        schemas = ", ".join(f"'{s}', '{s}_staging'" for s in RAW_SCHEMAS)
        _, tables = self.query(
            "select table_schema, table_name from information_schema.tables as tables"
            f" where table_schema in ({schemas})"
            " and table_name not like '!_dlt!_%' escape '!'"
            " and table_type = 'BASE TABLE'"
            " and table_name not in (select table_name from information_schema.columns"
            "   where table_schema = tables.table_schema and column_name = '_dlt_load_id')"
        )
        self.execute(
            [
                statement
                for schema, table in tables
                for statement in (
                    f'alter table {schema}."{table}" add column _dlt_load_id varchar',
                    f'update {schema}."{table}" set _dlt_load_id = (select max(load_id)'
                    f" from {schema.removesuffix('_staging')}._dlt_loads where status = 0)",
                )
            ]
        )

    def prepare_source(self, source: DltSource) -> DltSource:
        """The source as this warehouse can load it."""
        return source

    def after_load(self, pipeline: dlt.Pipeline) -> None:
        """What the warehouse needs once a source's pipeline has loaded: nothing,
        but where an engine must be told of the new tables."""
        return None

    # building

    def dbt_env(self) -> dict[str, str]:
        """What dbt's profile (warehouse/profiles.yml) reads."""
        return self.env()

    def dbt_command(self) -> list[str]:
        """How to start dbt for this engine: the environment's dbt."""
        return [DBT]

    def dbt_process(self) -> tuple[dict[str, str], Path]:
        """The environment (dbt_env()) and the folder a dbt process of the
        project runs with."""
        return self.dbt_env(), REPO_ROOT

    @contextmanager
    def dbt_secrets(self) -> Iterator[dict[str, str]]:
        """Variables a dbt (or mf) process needs, while the block runs it, for
        a secret its profile has no setting for (none by default)."""
        yield {}

    def dbt_vars(self) -> dict[str, str]:
        """dbt vars that point dbt at this warehouse's schemas."""
        return {"schema_suffix": self.schema_suffix} if self.schema_suffix else {}

    # publishing (blue/green: see docs/architecture.md)

    @abstractmethod
    def built_as(self, build: str) -> Warehouse:
        """The warehouse that dbt builds as the build of that name."""

    def standby(self) -> Slot:
        """The build a run loads and builds (prepare_standby makes it writable)."""
        name = next(build for build in self.builds if build != self.published_slot())
        return Slot(name, self.built_as(name))

    def prepare_standby(self, slot: Slot) -> bool:
        """Make the standby ready to be written; True when that made it a copy
        of the published build (seeded from it), False when it holds what it
        held."""
        return False

    @abstractmethod
    def published_slot(self) -> str | None:
        """The name of the build readers see (None before the first publish)."""

    def published_name(self, slot: Slot) -> str:
        """The name the slot's build has once published (where publishing
        renames the builds, the published one's)."""
        return slot.name

    @abstractmethod
    def publish(self, slot: Slot, commit: Callable[[Any], None]) -> None:
        """Make the standby what readers see. `commit(cursor)` checks that the
        run still holds the lock and records the builds' new state: in the
        publish's transaction where the engine has one (its cursor), else
        just before the switch (None)."""

    def as_published(self, manifest: dict) -> dict:
        """A standby build's dbt manifest, naming its relations as published."""
        return manifest

    # the run history and development

    def replace_table(self, table: str, columns: dict[str, str], rows: list[tuple]) -> None:
        """Make `table` (schema.name) hold `rows` and nothing else, with these
        columns ({name: type}), in one transaction."""
        schema = table.split(".")[0]
        definition = ", ".join(f"{name} {kind}" for name, kind in columns.items())
        marks = ", ".join([self.placeholder] * len(columns))
        with self.cursor() as cursor:
            cursor.execute(f"create schema if not exists {schema}")
            cursor.execute(f"drop table if exists {table}")
            cursor.execute(f"create table {table} ({definition})")
            if rows:
                cursor.executemany(f"insert into {table} values ({marks})", rows)

    def development_copy(self) -> Warehouse:
        """Where `make dbt` and `make changed` build, apart from what readers see."""
        raise WarehouseError(
            f"a {self.describe()} has no development copy: run `make dbt` and `make changed` "
            "on a DuckDB warehouse of the same sources (WAREHOUSE_TARGET=duckdb make build), "
            "where every model builds the same"
        )


@dataclass(frozen=True)
class Slot:
    """One of the two builds: its name and the warehouse it is."""

    name: str
    warehouse: Warehouse


def one_line(error: Exception) -> str:
    """An engine's message in one line: its text up to the SQL it quotes."""
    lines = []
    for line in str(error).strip().splitlines():
        if not line.strip() or line.startswith("LINE "):
            break
        lines.append(line.strip())
    return " ".join(lines) or type(error).__name__
