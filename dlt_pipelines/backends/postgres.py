"""PostgreSQL: the warehouse is a database (WAREHOUSE_POSTGRES_URL, decoded
once by postgres_url.py).

Two sets of schemas take turns (blue/green): `staging`, `intermediate`,
`mart_tables`, `marts`, `test_failures` (published) and the same with
`__standby`. dlt loads raw_* in place, for both (readers are not given
raw). dbt builds the standby set; publishing renames the two sets into each
other's places in one transaction and grants the BI role
(WAREHOUSE_BI_ROLE, default bi_reader) read access to `marts`. A query sees
the old or the new marts, never a mix. What the runs remember is in the
database too, schema `ops` (postgres_state.py), written in the publish's
transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import dlt
import psycopg2
from dlt.common.configuration import configspec
from dlt.common.destination import Destination
from dlt.destinations.impl.postgres.configuration import PostgresCredentials
from psycopg2 import sql

from dlt_pipelines.backends.base import READ_ONLY, Slot, Warehouse, one_line
from dlt_pipelines.backends.postgres_state import PostgresStore
from dlt_pipelines.backends.state_store import StateStore
from dlt_pipelines.exceptions import UrlError, WarehouseError
from dlt_pipelines.postgres_url import PostgresUrl, unreachable

DBT_SCHEMAS = ("staging", "intermediate", "mart_tables", "marts", "test_failures")
PUBLISHED, STANDBY = "published", "standby"
STANDBY_SUFFIX, SWAP_SUFFIX, DEVELOPMENT_SUFFIX = "__standby", "__swap", "__dev"


@configspec(init=False)
class LibpqCredentials(PostgresCredentials):
    """dlt's postgres credentials, given to psycopg2 as PostgresUrl writes
    them. dlt's own URL writes a space in an option as `+`, which libpq
    reads as it is (a key's passphrase, `options=-c ...` would break), and
    dlt requires a password, which a login by client certificate (pg_hba
    `cert`) has not; resolved here, these credentials are taken as they are."""

    def to_native_representation(self) -> str:
        options = {name: str(value) for name, value in self.get_query().items()}
        login = (self.host, self.port, self.username, self.password or "", self.database)
        return PostgresUrl(*login, options).uri()


@dataclass(frozen=True)
class PostgresWarehouse(Warehouse):
    """A PostgreSQL database."""

    url: PostgresUrl
    schema_suffix: str = ""

    name = "postgres"
    development_defers = True
    builds = (PUBLISHED, STANDBY)

    @classmethod
    def from_settings(cls, env: Mapping[str, str]) -> PostgresWarehouse:
        """From WAREHOUSE_POSTGRES_URL."""
        url = env.get("WAREHOUSE_POSTGRES_URL")
        if not url:
            raise WarehouseError(
                "WAREHOUSE_TARGET=postgres needs WAREHOUSE_POSTGRES_URL "
                "(postgresql://user:password@host:port/database)"
            )
        try:
            return cls(PostgresUrl.parse(url, "WAREHOUSE_POSTGRES_URL"))
        except UrlError as error:
            raise WarehouseError(str(error)) from None

    def env(self) -> dict[str, str]:
        """WAREHOUSE_TARGET and WAREHOUSE_POSTGRES_URL."""
        return {"WAREHOUSE_TARGET": self.name, "WAREHOUSE_POSTGRES_URL": self.url.uri()}

    def describe(self) -> str:
        """'PostgreSQL database x on host:port', and the schemas if not the published."""
        where = f"PostgreSQL {self.url.describe()}"
        return f"{where} (schemas *{self.schema_suffix})" if self.schema_suffix else where

    def state_store(self) -> StateStore:
        """The schema ops of the warehouse database."""
        return PostgresStore(self)

    def cache_file(self, suffix: str) -> Path:
        """In WAREHOUSE_RUN_FILES_DIR, named after the server and database."""
        return self._server_cache_file(f"{self.url.host}:{self.url.port}/{self.url.dbname}", suffix)

    def connect(self, read_only: bool = False, **libpq: str):
        """A psycopg2 connection (with these libpq parameters too); a clear
        error if the server, the login or TLS fails."""
        try:
            connection = self.url.connect(**libpq)
        except psycopg2.OperationalError as error:
            raise WarehouseError(
                unreachable(
                    "the PostgreSQL warehouse", self.url, str(error), "WAREHOUSE_POSTGRES_URL"
                )
            ) from None
        if read_only:
            connection.set_session(readonly=True)
        return connection

    @contextmanager
    def cursor(self, read_only: bool = False) -> Iterator:
        """A cursor in one transaction, committed at the end of the block."""
        connection = self.connect(read_only)
        try:
            with connection, connection.cursor() as cursor:
                yield cursor
        finally:
            connection.close()

    def statement_errors(self) -> tuple[type[Exception], ...]:
        """psycopg2's errors."""
        return (psycopg2.Error,)

    def refusal(self, error: Exception) -> str:
        """The engine's message; a write in the read-only session (the check
        of every statement, by the server) as the read-only message."""
        if isinstance(error, psycopg2.errors.ReadOnlySqlTransaction):
            return f"{READ_ONLY}; {one_line(error)}"
        return one_line(error)

    @contextmanager
    def destination(self, read_only: bool = False) -> Iterator[Destination]:
        """dlt's postgres destination, connecting with the URL as libpq reads it."""
        credentials = LibpqCredentials()
        credentials.parse_native_representation(self.url.uri())
        yield dlt.destinations.postgres(credentials.resolve())

    def dbt_env(self) -> dict[str, str]:
        """env() and the URL's parts (WAREHOUSE_POSTGRES_HOST, ...)."""
        return self.env() | self.url.dbt_env("WAREHOUSE_POSTGRES")

    @contextmanager
    def dbt_secrets(self) -> Iterator[dict[str, str]]:
        """A client key's passphrase, which dbt's profile has no setting for:
        a libpq service file holds it while the block runs (PostgresUrl.service_file)."""
        with self.url.service_file() as service:
            yield service

    def built_as(self, build: str) -> PostgresWarehouse:
        """The schemas *__standby: every build is built there, then renamed."""
        return replace(self, schema_suffix=STANDBY_SUFFIX)

    def published_slot(self) -> str:
        """The unsuffixed schemas."""
        return PUBLISHED

    def published_name(self, slot: Slot) -> str:
        """The published schemas' (the builds swap names)."""
        return PUBLISHED

    def publish(self, slot: Slot, commit: Callable[[Any], None]) -> None:
        """Rename the standby schemas over the published ones and back, grant
        the BI role, with the builds' records (`commit`): one transaction,
        nothing dropped, nothing rebuilt."""
        with self.cursor() as cursor:
            cursor.execute("set lock_timeout = '60s'")
            commit(cursor)
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

    def as_published(self, manifest: dict) -> dict:
        """The standby's relations renamed as publishing renamed them."""
        for node in manifest["nodes"].values():
            node["schema"] = node["schema"].removesuffix(STANDBY_SUFFIX)
            if node.get("relation_name"):
                node["relation_name"] = node["relation_name"].replace(f'{STANDBY_SUFFIX}"', '"')
        return manifest

    def development_copy(self) -> PostgresWarehouse:
        """The schemas *__dev of the same database; dbt reads what it does not
        build from the published schemas (--defer)."""
        return replace(self, schema_suffix=DEVELOPMENT_SUFFIX)

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        """Column names and rows; on the development copy, `<schema>.<name>`
        of a dbt schema reads `<schema>__dev.<name>` where the copy built it,
        else the published relation, as dbt's --defer resolves it."""
        if self.schema_suffix == DEVELOPMENT_SUFFIX:
            sql = self._deferred(sql)
        return super().query(sql)

    def _deferred(self, sql: str) -> str:
        """`sql` with its relations resolved as on the development copy (a
        statement sqlglot cannot parse goes as it is: the server names the error)."""
        import sqlglot
        from sqlglot import exp

        published = replace(self, schema_suffix="")
        _, built = published.query(
            "select table_schema, table_name from information_schema.tables"
            f" where table_schema like '%{DEVELOPMENT_SUFFIX}'"
        )
        try:
            statements = [s for s in sqlglot.parse(sql, read="postgres") if s]
        except sqlglot.ParseError:
            return sql
        for statement in statements:
            for table in statement.find_all(exp.Table):
                development = f"{table.db}{DEVELOPMENT_SUFFIX}"
                if table.db in DBT_SCHEMAS and (development, table.name) in built:
                    table.set("db", exp.to_identifier(development))
        return ";\n".join(statement.sql(dialect="postgres") for statement in statements)


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
