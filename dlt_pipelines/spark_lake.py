"""A Spark warehouse: raw tables as parquet in a lake, read by a Spark cluster.

dlt's filesystem destination writes each load's rows as parquet files under
`<lake>/raw_<source>/<table>/` (append-only: plain parquet cannot merge, so
staging keeps the newest row per key). After each load the raw tables are
declared anew in Spark's metastore over those folders, so a column the
source added is seen. dbt reaches the cluster through its Thrift JDBC/ODBC
server (WAREHOUSE_SPARK_HOST, WAREHOUSE_SPARK_PORT), as BI tools do.

The lake is WAREHOUSE_LAKE_URL: a local folder (default data/lake), or an
object store URL dlt writes to (s3://, gs://, abfss://). Spark reads the
same files under its own name for the scheme (s3a:// for s3://).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from dlt_pipelines.exceptions import WarehouseError

# dlt's scheme -> the scheme Spark's Hadoop file systems read the same files by
SPARK_SCHEMES = {"s3": "s3a", "file": "file"}
# dlt's own table of loads (JSON lines), with the columns the run reads
LOADS_COLUMNS = (
    "load_id string, schema_name string, status bigint, inserted_at timestamp,"
    " schema_version_hash string"
)


@dataclass(frozen=True)
class SparkLake:
    """Where the lake is and how to reach the cluster that reads it."""

    lake_url: str
    host: str = "127.0.0.1"
    port: int = 10000

    @classmethod
    def from_settings(cls, lake: str, host: str, port: str, root: Path) -> SparkLake:
        """From the WAREHOUSE_* values; a relative lake folder is relative to `root`."""
        if "://" not in lake:
            lake = (root / lake).resolve().as_uri()
        try:
            return cls(lake.rstrip("/"), host, int(port))
        except ValueError:
            raise WarehouseError(f"WAREHOUSE_SPARK_PORT must be a number, not {port!r}") from None

    def spark_location(self, *parts: str) -> str:
        """The folder `parts` of the lake, as Spark names it."""
        scheme, rest = self.lake_url.split("://", 1)
        scheme = SPARK_SCHEMES.get(scheme, scheme)
        prefix = f"file:{rest}" if scheme == "file" else f"{scheme}://{rest}"
        return "/".join([prefix, *parts])

    def describe(self) -> str:
        """Where the marts are, without credentials."""
        return f"Spark Thrift server {self.host}:{self.port}, lake {self.lake_url}"

    def connect(self):
        """A PyHive connection to the Thrift server; a clear error if unreachable."""
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
    def session(self) -> Iterator:
        """A cursor of a new Thrift session, closed after the block. A failure
        to close it is not the block's: Spark's Thrift server can fail
        closing the first session of its life (a Hive class its jars lack,
        LlapSigner), after the session's work is done."""
        from pyhive.exc import Error

        connection = self.connect()
        try:
            yield connection.cursor()
        finally:
            with suppress(Error):
                connection.close()

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        """Column names and rows of `sql`."""
        with self.session() as cursor:
            cursor.execute(sql)
            rows = cursor.fetchall()
            return [d[0].split(".")[-1] for d in cursor.description or []], rows

    def has_table(self, database: str, table: str) -> bool:
        """Tell whether the database holds the table."""
        if not self.query(f"show databases like '{database}'")[1]:
            return False
        return bool(self.query(f"show tables in {database} like '{table}'")[1])

    def execute(self, statements: list[str]) -> None:
        """Run `statements` one after another (Spark has no transactions)."""
        with self.session() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def declare_raw_tables(self, dataset: str, tables: list[str]) -> None:
        """Declare the dataset's tables in the metastore over their folders,
        anew (dropping an external table keeps its files): columns a later
        load added are then part of the table."""
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
