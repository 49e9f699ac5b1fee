"""Spark: raw tables as parquet in a lake, read and built by a Spark cluster.

dlt's filesystem destination writes each load's rows as parquet files under
`<lake>/raw_<source>/<table>/` (append-only: plain parquet cannot merge, so
staging keeps the newest row per key). After each load the raw tables are
declared anew in Spark's metastore over those folders, so a column the
source added is seen. dbt reaches the cluster through its Thrift JDBC/ODBC
server (WAREHOUSE_SPARK_HOST, WAREHOUSE_SPARK_PORT), as BI tools do.

The lake is WAREHOUSE_LAKE_URL: a local folder (default data/lake, relative
to the repository), or an object store URL dlt writes to (s3://, gs://,
abfss://). Spark reads the same files under its own name for the scheme
(s3a:// for s3://).

Two sets of databases take turns (blue/green): `staging__a`, `marts__a`,
... and the same with `__b`; the lake's raw tables serve both. `marts`
holds one view per mart over the published set's; publishing re-points
those views at the standby's (one metastore statement each: Spark has no
transaction over several) and records the published set as a property of
`marts`. What the runs remember is in the lake, under `_run_state/`, with
a lease for the lock (lake_state.py).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import dlt
from dlt.common.destination import Destination
from dlt.extract import DltSource

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.backends.base import READ_ONLY, Slot, Warehouse
from dlt_pipelines.backends.lake_state import LakeStore
from dlt_pipelines.backends.state_store import StateStore
from dlt_pipelines.exceptions import QueryError, WarehouseError

DEFAULT_LAKE = "data/lake"
# the class a session's close may need and the Spark 4 wheel lacks (SPARK-51041)
MISSING_LLAP_CLASS = "org/apache/hadoop/hive/llap/security/LlapSigner$Signable"
SLOTS = ("a", "b")
PUBLISHED_PROPERTY = "published_build"  # the property of `marts` naming the set
# dlt's scheme -> the scheme Spark's Hadoop file systems read the same files by
SPARK_SCHEMES = {"s3": "s3a", "file": "file"}
# dlt's own table of loads (JSON lines), with the columns the run reads
LOADS_COLUMNS = (
    "load_id string, schema_name string, status bigint, inserted_at timestamp,"
    " schema_version_hash string"
)
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SparkWarehouse(Warehouse):
    """A lake, and the Thrift server of the cluster that reads it."""

    lake_url: str
    host: str = "127.0.0.1"
    port: int = 10000
    schema_suffix: str = ""
    lease_seconds: int = 120  # the run lock's lease (lake_state.py)

    name = "spark"
    builds = SLOTS
    has_semantic_layer = False  # MetricFlow has no Spark adapter

    @classmethod
    def from_settings(cls, env: Mapping[str, str]) -> SparkWarehouse:
        """From WAREHOUSE_LAKE_URL, WAREHOUSE_SPARK_HOST, WAREHOUSE_SPARK_PORT
        and WAREHOUSE_SPARK_LEASE_SECONDS."""
        return cls.at(
            env.get("WAREHOUSE_LAKE_URL", DEFAULT_LAKE),
            env.get("WAREHOUSE_SPARK_HOST", "127.0.0.1"),
            env.get("WAREHOUSE_SPARK_PORT", "10000"),
            REPO_ROOT,
            env.get("WAREHOUSE_SPARK_LEASE_SECONDS", "120"),
        )

    @classmethod
    def at(
        cls, lake: str, host: str, port: str, root: Path, lease_seconds: str = "120"
    ) -> SparkWarehouse:
        """From the settings' values; a relative lake folder is relative to `root`."""
        if "://" not in lake:
            lake = (root / lake).resolve().as_uri()
        numbers = {"WAREHOUSE_SPARK_PORT": port, "WAREHOUSE_SPARK_LEASE_SECONDS": lease_seconds}
        for setting, value in numbers.items():
            if not value.isdigit():
                raise WarehouseError(f"{setting} must be a whole number, not {value!r}")
        return cls(lake.rstrip("/"), host, int(port), lease_seconds=int(lease_seconds))

    def env(self) -> dict[str, str]:
        """WAREHOUSE_TARGET, WAREHOUSE_LAKE_URL, WAREHOUSE_SPARK_HOST and _PORT."""
        return {
            "WAREHOUSE_TARGET": self.name,
            "WAREHOUSE_LAKE_URL": self.lake_url,
            "WAREHOUSE_SPARK_HOST": self.host,
            "WAREHOUSE_SPARK_PORT": str(self.port),
            "WAREHOUSE_SPARK_LEASE_SECONDS": str(self.lease_seconds),
        }

    def describe(self) -> str:
        """Where the marts are, without credentials."""
        return f"Spark Thrift server {self.host}:{self.port}, lake {self.lake_url}"

    def state_store(self) -> StateStore:
        """A folder of the lake, written with dlt's filesystem credentials."""
        from dlt.common.configuration import resolve_configuration
        from dlt.common.storages.configuration import FilesystemConfiguration
        from dlt.common.storages.fsspec_filesystem import fsspec_from_config

        configuration = resolve_configuration(
            FilesystemConfiguration(),
            sections=("destination", "filesystem"),
            explicit_value={"bucket_url": self.lake_url},
        )
        filesystem, lake = fsspec_from_config(configuration)
        return LakeStore(filesystem, lake, self.lake_url, self.lease_seconds)

    def cache_file(self, suffix: str) -> Path:
        """In WAREHOUSE_RUN_FILES_DIR, named after the Thrift server."""
        return self._server_cache_file(f"{self.host}:{self.port}", suffix)

    def spark_location(self, *parts: str) -> str:
        """The folder `parts` of the lake, as Spark names it."""
        scheme, rest = self.lake_url.split("://", 1)
        scheme = SPARK_SCHEMES.get(scheme, scheme)
        prefix = f"file:{rest}" if scheme == "file" else f"{scheme}://{rest}"
        return "/".join([prefix, *parts])

    def connect(self, read_only: bool = False):
        """A PyHive connection to the Thrift server (Spark has no read-only
        session); a clear error if it is unreachable."""
        try:
            from pyhive import hive
        except ModuleNotFoundError:
            raise WarehouseError(
                "WAREHOUSE_TARGET=spark needs Spark's extras: run `make install-spark`"
            ) from None
        try:
            return hive.connect(host=self.host, port=self.port, username="warehouse")
        except Exception as error:  # thrift raises its own transport errors
            raise WarehouseError(
                f"cannot reach the Spark Thrift server at {self.host}:{self.port} ({error}). "
                "Start it (`make spark-up` for the local cluster), or set "
                "WAREHOUSE_SPARK_HOST and WAREHOUSE_SPARK_PORT."
            ) from None

    @contextmanager
    def cursor(self, read_only: bool = False) -> Iterator:
        """A cursor of a new Thrift session (no transaction), closed after the
        block (ignoring_missing_llap)."""
        connection = self.connect(read_only)
        try:
            yield connection.cursor()
        finally:
            ignoring_missing_llap(connection.close)()

    def statement_errors(self) -> tuple[type[Exception], ...]:
        """PyHive's errors."""
        from pyhive.exc import Error

        return (Error,)

    def refuse_writes(self, sql: str) -> None:
        """Each statement as sqlglot parses Spark SQL: a query, DESCRIBE, SHOW
        or EXPLAIN; Spark has no read-only session to refuse the others."""
        import sqlglot
        from sqlglot import exp

        logging.getLogger("sqlglot").setLevel(logging.ERROR)  # "falling back to a Command"
        try:
            statements = sqlglot.parse(sql, read="spark")
        except sqlglot.ParseError as error:
            where = error.errors[0]  # its message underlines the token with terminal codes
            raise QueryError(
                f"syntax error at line {where['line']}, column {where['col']}: "
                f"{where['description']}"
            ) from None
        for statement in filter(None, statements):
            verb = statement.name.upper() if isinstance(statement, exp.Command) else ""
            reading = isinstance(statement, exp.Query | exp.Values | exp.Describe)
            if not reading and verb not in ("SHOW", "EXPLAIN"):
                raise QueryError(f"{READ_ONLY}; {statement.key.upper()} is no query")

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        """Column names (without the table's prefix Thrift gives them) and rows."""
        columns, rows = super().query(sql)
        return [column.split(".")[-1] for column in columns], rows

    def has_table(self, schema: str, table: str) -> bool:
        """Tell whether the database holds the table."""
        if not self.query(f"show databases like '{schema}'")[1]:
            return False
        return bool(self.query(f"show tables in {schema} like '{table}'")[1])

    def relations(self, schema: str) -> dict[str, str]:
        """The database's tables and views (none for a database not made yet)."""
        if not self.query(f"show databases like '{schema}'")[1]:
            return {}
        views = {name for _, name, *_ in self.query(f"show views in {schema}")[1]}
        tables = [name for _, name, *_ in self.query(f"show tables in {schema}")[1]]
        return {name: "view" if name in views else "table" for name in tables}

    def drop_relations(self, schema: str, relations: dict[str, str]) -> None:
        """Drop these tables and views (Spark tracks no dependencies between them)."""
        self.execute(
            [f"drop {kind} if exists {schema}.`{name}`" for name, kind in relations.items()]
        )

    @contextmanager
    def destination(self, read_only: bool = False) -> Iterator[Destination]:
        """dlt's filesystem destination, writing parquet into the lake."""
        yield dlt.destinations.filesystem(self.lake_url)

    def prepare_load(self) -> None:
        """Nothing: every row in the lake has always carried its load id."""

    def prepare_source(self, source: DltSource) -> DltSource:
        """The source with every merge made an append: a lake of plain parquet
        files cannot merge, so it keeps each version (staging takes the newest)."""
        for resource in source.resources.values():
            disposition = resource.write_disposition  # "merge", or a dict with its strategy
            if isinstance(disposition, dict):
                disposition = disposition["disposition"]
            if disposition == "merge":  # the tables' and the key findings' (dlt would warn)
                resource.apply_hints(write_disposition="append")
        return source

    def after_load(self, pipeline: dlt.Pipeline) -> None:
        """Declare the tables the pipeline has files of (and dlt's loads) in
        the metastore over their folders, anew (dropping an external table
        keeps its files): columns a later load added are then part of the table."""
        names = [*pipeline.default_schema.data_table_names(), "_dlt_loads"]
        with pipeline.destination_client() as lake:
            tables = [name for name in names if lake.list_table_files(name)]
        dataset = pipeline.dataset_name
        statements = [f"create database if not exists {dataset}"]
        for table in tables:
            location = self.spark_location(dataset, table)
            if table == "_dlt_loads":
                using = f"({LOADS_COLUMNS}) using json"
            else:
                using = "using parquet options (mergeSchema 'true')"
            statements += [
                f"drop table if exists {dataset}.{table}",
                f"create table {dataset}.{table} {using} location '{location}'",
            ]
        self.execute(statements)

    def dbt_command(self) -> list[str]:
        """dbt through spark_dbt.py, which works around a bug of the Spark
        wheel's Thrift server (a session close that fails at random)."""
        return [sys.executable, "-m", "dlt_pipelines.backends.spark_dbt"]

    def built_as(self, build: str) -> SparkWarehouse:
        """The build's set of databases (`staging__a`, `marts__a`, ...)."""
        return replace(self, schema_suffix=f"__{build}")

    def published_slot(self) -> str | None:
        """The set `marts` reads, as its property records it."""
        if not self.query("show databases like 'marts'")[1]:
            return None
        _, rows = self.query("describe database extended marts")
        properties = " ".join(str(value) for name, value in rows if name == "Properties")
        found = re.search(rf"\b{PUBLISHED_PROPERTY},(\w+)", properties)
        return found.group(1) if found else None

    def publish(self, slot: Slot, commit: Callable[[Any], None]) -> None:
        """Record the slot's build, point every view of `marts` at the slot's
        marts (dropping those of marts it does not have), then record the slot."""
        built = f"marts{slot.warehouse.schema_suffix}"
        marts = [name for name, kind in self.relations(built).items() if kind == "view"]
        removed = {name: "view" for name in self.relations("marts") if name not in marts}
        commit(None)
        self.execute(
            [
                "create database if not exists marts",
                *(
                    f"create or replace view marts.{name} as select * from {built}.{name}"
                    for name in marts
                ),
                *(f"drop view if exists marts.`{name}`" for name in removed),
                f"alter database marts set dbproperties ('{PUBLISHED_PROPERTY}' = '{slot.name}')",
            ]
        )


def ignoring_missing_llap(close: Callable[[], None]) -> Callable[[], None]:
    """`close` of a Thrift session, except that a failure for want of the
    LLAP jars the Spark 4 wheel lacks is logged and ignored (SPARK-51041:
    closing a session may make Hive initialise its function registry, which
    needs LlapSigner$Signable, after the session's statements all
    succeeded); any other failure is raised. Cursors here close so, and dbt's
    connections (spark_dbt.py)."""

    def close_session(*connection) -> None:
        from pyhive.exc import OperationalError

        try:
            close(*connection)
        except OperationalError as error:
            if MISSING_LLAP_CLASS not in str(error):
                raise
            logger.warning("the Thrift server failed to close a session (SPARK-51041); ignored")

    return close_session
