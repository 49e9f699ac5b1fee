"""Read PostgreSQL tables incrementally as Arrow batches, as dlt resources.

Rows travel through ADBC's PostgreSQL driver, which reads them with binary
COPY straight into Arrow: no per-row Python work. Each table's catalog is
read first, so a missing table or column fails with a message that names it
before any data moves, and columns added at the source flow through.

All of a source's reads share one connection (opening one costs more than
an hour's changes of a table: the password is hashed for each): dlt
extracts the resources one after another (`next_item_mode = "fifo"` in
.dlt/config.toml), and the last one, the key comparison, closes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import adbc_driver_postgresql.dbapi as adbc
import dlt
import pyarrow as pa
import pyarrow.compute as pc
from dlt.sources import DltResource

from dlt_pipelines.exceptions import SourceError, UrlError
from dlt_pipelines.postgres_url import PostgresUrl, unreachable
from dlt_pipelines.sources.contract import check_configured_tables, check_contract
from dlt_pipelines.sources.key_findings import key_findings_resource
from dlt_pipelines.sources.tables import SourceTable

# Types Arrow cannot carry as dlt loads them: read and loaded as text (JSON
# stays its exact text; staging parses it where a model needs it).
AS_TEXT = ("uuid", "json", "jsonb", "USER-DEFINED")
HIGH_WATER_MARK = "high_water_mark"
EXTRACTED_AT = "extracted_at"
MERGE_ON_PRIMARY_KEY = {"disposition": "merge", "strategy": "delete-insert"}
FULL_COPY = {"disposition": "replace", "strategy": "truncate-and-insert"}


def source_resources(
    label: str,
    section: str,
    credentials: str,
    tables: tuple[SourceTable, ...],
    lag_seconds: int,
    reconcile_every_hours: dict[str, float] | None,
    versions_only: bool = False,
) -> list[DltResource]:
    """One dlt resource per table, after checking the tables against the catalog,
    and one that compares their keys with the source (key_findings.py).
    With `versions_only` each changed row comes as its key and change times
    alone: enough to tell whether anything is new (a dry run), and narrow
    when the change window re-reads many rows."""
    check_configured_tables(reconcile_every_hours or {}, tables, label)
    try:
        source = PostgresUrl.parse(credentials, f"SOURCES__{section.upper()}__CREDENTIALS")
    except UrlError as error:
        raise SourceError(str(error)) from None
    connection = _connect(source, label, section)
    catalog = read_catalog(connection)
    check_contract(catalog, tables, label, source.describe(), section)
    lag = timedelta(seconds=lag_seconds)
    unique = unique_key_tables(connection, tables)
    extracted: dict[str, list[pa.Array]] = {}  # the keys of each table's changes read
    resources = [
        _table_resource(
            connection,
            table,
            _version_columns(table, catalog[table.name]) if versions_only else catalog[table.name],
            lag,
            table.name in unique,
            extracted,
        )
        for table in tables
    ]
    key_types = {table.name: catalog[table.name][table.primary_key] for table in tables}
    findings = key_findings_resource(
        connection, tables, key_types, unique, reconcile_every_hours or {}, extracted
    )
    return [*resources, findings]


def _version_columns(table: SourceTable, columns: dict[str, str]) -> dict[str, str]:
    """The columns that make a row's version: its key and its change times."""
    return {name: columns[name] for name in (table.primary_key, *table.cursor_columns)}


def _connect(source: PostgresUrl, label: str, section: str) -> adbc.Connection:
    """The source's connection; a clear error if it cannot be reached."""
    try:
        return adbc.connect(source.uri())
    except adbc.Error as error:
        setting = f"SOURCES__{section.upper()}__CREDENTIALS"
        reason = str(error).splitlines()[0]
        raise SourceError(unreachable(f"the {label} database", source, reason, setting)) from None


def read_catalog(connection: adbc.Connection) -> dict[str, dict[str, str]]:
    """{table: {column: data type}} of the tables the role can see."""
    with connection.cursor() as cursor:
        cursor.execute(
            "select table_name, column_name, data_type from information_schema.columns"
            " where table_schema = current_schema() order by table_name, ordinal_position"
        )
        rows = cursor.fetchall()
    catalog: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        catalog.setdefault(table, {})[column] = data_type
    return catalog


def unique_key_tables(
    connection: adbc.Connection, tables: tuple[SourceTable, ...]
) -> frozenset[str]:
    """The tables whose primary key column the source keeps unique (a primary
    key or unique index on exactly that column): they cannot hold duplicates."""
    with connection.cursor() as cursor:
        cursor.execute(
            "select c.relname, a.attname from pg_index i"
            " join pg_class c on c.oid = i.indrelid"
            " join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]"
            " where c.relnamespace = current_schema()::regnamespace"
            " and i.indisunique and i.indnkeyatts = 1 and i.indpred is null"
        )
        unique = set(cursor.fetchall())
    return frozenset(table.name for table in tables if (table.name, table.primary_key) in unique)


def select_statement(
    table: SourceTable, columns: dict[str, str], window: ChangeWindow | None
) -> tuple[str, tuple]:
    """The query for the rows the window covers (all rows when there is none)."""
    selected = [
        f'"{name}"::text as "{name}"' if data_type in AS_TEXT else f'"{name}"'
        for name, data_type in columns.items()
        if name not in table.excluded_columns
    ]
    sql = f'select {", ".join(selected)} from "{table.name}"'
    if window is None:
        return sql, ()
    changed = " or ".join(
        f'"{column}" > $1::timestamptz or "{column}" >= $2::timestamptz'
        for column in table.cursor_columns
    )
    return f"{sql} where {changed}", (window.after.isoformat(), window.since.isoformat())


@dataclass(frozen=True)
class ChangeWindow:
    """Which rows an incremental run reads: those changed after the newest
    change already loaded, and those changed since the previous extraction
    started, minus the lag: a transaction that began before it and committed
    after it stamped its rows then, and they were not visible yet."""

    after: datetime
    since: datetime

    @classmethod
    def from_state(cls, state: dict, lag: timedelta) -> ChangeWindow | None:
        """The window for this run; None before the first load (read everything)."""
        if HIGH_WATER_MARK not in state:
            return None
        newest = datetime.fromisoformat(state[HIGH_WATER_MARK])
        previous = datetime.fromisoformat(state.get(EXTRACTED_AT, state[HIGH_WATER_MARK]))
        return cls(after=newest, since=previous - lag)


def _table_resource(
    connection: adbc.Connection,
    table: SourceTable,
    columns: dict[str, str],
    lag: timedelta,
    unique_key: bool,
    extracted: dict[str, list[pa.Array]],
) -> DltResource:
    """A dlt resource that yields the table's changed rows as Arrow batches.
    A first load of a table whose key the source keeps unique replaces the
    (empty) table, which costs less than a merge; otherwise rows are merged
    on the key, so rows that share one are stored once. Where it reads the
    changes only, it leaves their keys in `extracted` (for key_findings.py)."""

    @dlt.resource(
        name=table.name, primary_key=table.primary_key, write_disposition=MERGE_ON_PRIMARY_KEY
    )
    def changed_rows() -> Iterator[pa.RecordBatch | pa.Table]:
        state = dlt.current.resource_state()
        window = ChangeWindow.from_state(state, lag)
        newest = window.after if window else None
        sql, parameters = select_statement(table, columns, window)
        loaded = _loaded_versions(table, window) if window else None
        keys = extracted.setdefault(table.name, []) if window else None
        with connection.cursor() as cursor:
            cursor.execute("select now()")  # the source's clock, not ours
            extraction_started = cursor.fetchone()[0]
            cursor.execute(sql, parameters=parameters)
            reader = cursor.fetch_record_batch()
            schema = _with_required_key(reader.schema, table.primary_key)
            first_batch = window is None  # a first load yields at least its columns
            for batch in filter(lambda batch: batch.num_rows, reader):
                newest = max(filter(None, [newest, _newest_change(batch, table)]))
                if loaded is not None:  # the lag re-reads rows: keep those not loaded yet
                    batch = batch.filter(pc.invert(pc.is_in(_versions(batch, table), loaded)))
                    if not batch.num_rows:
                        continue
                if keys is not None:  # a first load's keys are all the warehouse holds
                    keys.append(pc.cast(batch.column(table.primary_key), pa.string()))
                rows = pa.RecordBatch.from_arrays(batch.columns, schema=schema)
                yield _as_full_copy(rows) if first_batch and unique_key else rows
                first_batch = False
            if first_batch:  # an empty source table still gets its columns
                empty = schema.empty_table()
                yield _as_full_copy(empty) if unique_key else empty
        state[EXTRACTED_AT] = extraction_started.isoformat()
        if newest:
            state[HIGH_WATER_MARK] = newest.isoformat()

    return changed_rows


def _loaded_versions(table: SourceTable, window: ChangeWindow) -> pa.Array:
    """The versions (_versions) of the rows the warehouse holds that the
    window reads again: the lag makes each run re-read what changed shortly
    before the previous one, and a row read again unchanged is no change."""
    columns = ", ".join(f'"{name}"' for name in (table.primary_key, *table.cursor_columns))
    since = " or ".join(
        f"\"{name}\" >= '{window.since.isoformat()}'" for name in table.cursor_columns
    )
    with (
        dlt.current.pipeline().sql_client() as warehouse,
        warehouse.execute_query(f"select {columns} from {table.name} where {since}") as cursor,
    ):
        return _versions(cursor.arrow(), table)


def _versions(rows: pa.RecordBatch | pa.Table, table: SourceTable) -> pa.Array:
    """Each row's key and change times, as one text: a row is unchanged while
    its version is."""
    parts = [pc.cast(rows.column(table.primary_key), pa.string())]
    for name in table.cursor_columns:
        instant = pc.cast(rows.column(name), pa.timestamp("us", tz="UTC"))
        parts.append(pc.fill_null(pc.cast(pc.cast(instant, pa.int64()), pa.string()), ""))
    return pc.binary_join_element_wise(*parts, "|")


def _as_full_copy(rows: pa.RecordBatch | pa.Table):
    """Mark the rows of a first load: they replace the table (no merge needed)."""
    return dlt.mark.with_hints(rows, dlt.mark.make_hints(write_disposition=FULL_COPY))


def _with_required_key(schema: pa.Schema, key: str) -> pa.Schema:
    """The schema with the primary key marked NOT NULL, as dlt declares it."""
    index = schema.get_field_index(key)
    return schema.set(index, schema.field(index).with_nullable(False))


def _newest_change(batch: pa.RecordBatch, table: SourceTable) -> datetime | None:
    """The latest change time in the batch."""
    maxima = [pc.max(batch.column(column)).as_py() for column in table.cursor_columns]
    return max(filter(None, maxima), default=None)
