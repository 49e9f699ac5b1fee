"""Where the warehouse is: a DuckDB file (default), a PostgreSQL database,
or a lake read by a Spark cluster.

Configured by the environment: WAREHOUSE_TARGET (`duckdb`, `postgres` or
`spark`), WAREHOUSE_DUCKDB_PATH (default `data/warehouse.duckdb`),
WAREHOUSE_POSTGRES_URL, decoded once (postgres_url.py), and for Spark
WAREHOUSE_LAKE_URL (default `data/lake`), WAREHOUSE_SPARK_HOST and
WAREHOUSE_SPARK_PORT (default 127.0.0.1:10000; spark_lake.py). The runs
on a server's warehouse keep their files in WAREHOUSE_RUN_FILES_DIR
(default `data/`), a DuckDB file's beside it. dbt's
profile (warehouse/profiles.yml) reads the variables `dbt_env()` derives
from them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dlt
import duckdb
import psycopg2
from dlt.common.destination import Destination

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.exceptions import UrlError, WarehouseError
from dlt_pipelines.postgres_url import PostgresUrl
from dlt_pipelines.spark_lake import SparkLake

DEFAULT_DUCKDB_PATH = "data/warehouse.duckdb"
DEFAULT_LAKE = "data/lake"
TARGETS = ("duckdb", "postgres", "spark")
# Loading: rows need no insertion order (DuckDB may then write in parallel),
# and a bounded memory for a process that also extracts.
DUCKDB_SETTINGS = {"preserve_insertion_order": False, "memory_limit": "256MB"}


@dataclass(frozen=True)
class Warehouse:
    """The warehouse one run loads and builds."""

    target: str
    duckdb_path: Path
    postgres: PostgresUrl | None = None
    schema_suffix: str = ""  # dbt builds into <schema><suffix> (before it is published)
    spark: SparkLake | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Warehouse:
        """Read the WAREHOUSE_* variables; relative paths are relative to the repo."""
        target = env.get("WAREHOUSE_TARGET", "duckdb")
        if target not in TARGETS:
            raise WarehouseError(f"WAREHOUSE_TARGET must be one of {TARGETS}, not {target!r}")
        path = REPO_ROOT / env.get("WAREHOUSE_DUCKDB_PATH", DEFAULT_DUCKDB_PATH)
        url = env.get("WAREHOUSE_POSTGRES_URL")
        if target == "postgres" and not url:
            raise WarehouseError(
                "WAREHOUSE_TARGET=postgres needs WAREHOUSE_POSTGRES_URL "
                "(postgresql://user:password@host:port/database)"
            )
        try:
            postgres = PostgresUrl.parse(url, "WAREHOUSE_POSTGRES_URL") if url else None
        except UrlError as error:
            raise WarehouseError(str(error)) from None
        spark = None
        if target == "spark":
            spark = SparkLake.from_settings(
                env.get("WAREHOUSE_LAKE_URL", DEFAULT_LAKE),
                env.get("WAREHOUSE_SPARK_HOST", "127.0.0.1"),
                env.get("WAREHOUSE_SPARK_PORT", "10000"),
                REPO_ROOT,
            )
        return cls(target, path.resolve(), postgres, spark=spark)

    def env(self) -> dict[str, str]:
        """The WAREHOUSE_* variables that configure this warehouse in another process."""
        variables = {
            "WAREHOUSE_TARGET": self.target,
            "WAREHOUSE_DUCKDB_PATH": str(self.duckdb_path),
        }
        if self.postgres:
            variables["WAREHOUSE_POSTGRES_URL"] = self.postgres.uri()
        if self.spark:
            variables["WAREHOUSE_LAKE_URL"] = self.spark.lake_url
            variables["WAREHOUSE_SPARK_HOST"] = self.spark.host
            variables["WAREHOUSE_SPARK_PORT"] = str(self.spark.port)
        return variables

    def dbt_env(self) -> dict[str, str]:
        """What dbt's profile reads: env() and, for PostgreSQL, the URL's parts."""
        parts = self.postgres.dbt_env("WAREHOUSE_POSTGRES") if self.postgres else {}
        return self.env() | parts

    def dbt_vars(self) -> dict[str, str]:
        """dbt vars that point dbt at this warehouse's schemas."""
        return {"schema_suffix": self.schema_suffix} if self.schema_suffix else {}

    @contextmanager
    def destination(self) -> Iterator[Destination]:
        """The dlt destination that loads into this warehouse, for the block.
        On DuckDB, one connection serves every pipeline of the process, each
        thread with a cursor of its own: two connections opening one file at
        the same moment can collide ("Unique file handle conflict")."""
        if self.target == "postgres":
            yield dlt.destinations.postgres(self.postgres.uri())
            return
        if self.target == "spark":
            yield dlt.destinations.filesystem(self.spark.lake_url)
            return
        self.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        connection = self.connect_duckdb(config=DUCKDB_SETTINGS)
        try:
            yield dlt.destinations.duckdb(connection)
        finally:
            connection.close()

    def connect_duckdb(self, **options) -> duckdb.DuckDBPyConnection:
        """A connection to the DuckDB file; a clear error when another
        process holds it."""
        try:
            return duckdb.connect(str(self.duckdb_path), **options)
        except duckdb.IOException as error:
            raise WarehouseError(
                f"the DuckDB warehouse {self.duckdb_path} is in use by another process "
                f"({str(error).splitlines()[0]}). Close the program holding it "
                "(a BI tool, a duckdb shell, another run) and run again; nothing was changed."
            ) from None

    def connect(self):
        """A psycopg2 connection to the PostgreSQL warehouse; a clear error if
        it cannot be reached (the server, the login, TLS)."""
        try:
            return self.postgres.connect()
        except psycopg2.OperationalError as error:
            reason = self.postgres.redact(" ".join(str(error).split()))
            raise WarehouseError(
                f"cannot reach the PostgreSQL warehouse ({self.postgres.describe()}): {reason}. "
                "Check the server, or WAREHOUSE_POSTGRES_URL."
            ) from None

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        """Column names and rows of `sql`, read-only on either target."""
        if self.target == "duckdb":
            with self.connect_duckdb(read_only=True) as conn:
                result = conn.execute(sql)
                return [d[0] for d in result.description], result.fetchall()
        if self.target == "spark":
            return self.spark.query(sql)
        conn = self.connect()
        try:
            conn.set_session(readonly=True)
            with conn.cursor() as cursor:
                cursor.execute(sql)
                return [d[0] for d in cursor.description], cursor.fetchall()
        finally:
            conn.close()

    def has_table(self, schema: str, table: str) -> bool:
        """Tell whether the table exists (False for a DuckDB file not made yet)."""
        if self.target == "spark":
            return self.spark.has_table(schema, table)
        if self.target == "duckdb" and not self.duckdb_path.exists():
            return False
        _, found = self.query(
            "select 1 from information_schema.tables"
            f" where table_schema = '{schema}' and table_name = '{table}'"
        )
        return bool(found)

    def execute(self, statements: list[str]) -> None:
        """Run `statements` in one transaction, writing."""
        if self.target == "duckdb":
            with self.connect_duckdb() as conn:
                conn.execute("begin")
                for statement in statements:
                    conn.execute(statement)
                conn.execute("commit")
            return
        if self.target == "spark":
            self.spark.execute(statements)
            return
        conn = self.connect()
        try:
            with conn, conn.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            conn.close()

    def describe(self) -> str:
        """Where the warehouse is, without credentials."""
        if self.target == "duckdb":
            return f"DuckDB file {self.duckdb_path}"
        if self.target == "spark":
            return self.spark.describe()
        return f"PostgreSQL {self.postgres.describe()}"

    def run_file(self, suffix: str) -> Path:
        """A file the scheduled runs keep for this warehouse (lock, journal):
        beside the DuckDB file, or in WAREHOUSE_RUN_FILES_DIR (default
        data/) for a server's warehouse."""
        if self.target == "duckdb":
            return self.duckdb_path.with_name(self.duckdb_path.name + suffix)
        if self.target == "spark":
            where = f"{self.spark.host}:{self.spark.port}"
        else:
            where = f"{self.postgres.host}:{self.postgres.port}/{self.postgres.dbname}"
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", where)
        folder = Path(os.environ.get("WAREHOUSE_RUN_FILES_DIR", REPO_ROOT / "data"))
        return folder / f"{self.target}-{slug}{suffix}"
