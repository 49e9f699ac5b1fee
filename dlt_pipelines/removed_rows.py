"""Detect rows removed at the source (hard deletes) without logical replication.

A cursor-based load never sees a row that is gone. So each run (or, for a
table listed in `reconcile_every_hours`, once per that many hours) compares
the table's primary keys at the source with the keys in the warehouse: keys
that vanished are recorded in `rows_removed_at_source` (table_name, row_id,
detected_at), keys that came back are taken off it. Only keys travel, so the
cost follows the size of the key set, not of the rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import adbc_driver_postgresql.dbapi as adbc
import dlt
import pyarrow as pa
import pyarrow.compute as pc
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.sources import DltResource

from dlt_pipelines.tables import SourceTable

REMOVED_ROWS = "rows_removed_at_source"
SCHEMA = pa.schema(
    [
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("row_id", pa.string(), nullable=False),
        pa.field("detected_at", pa.timestamp("us", tz="UTC")),
        pa.field("is_restored", pa.bool_()),
    ]
)


def removed_rows_resource(
    url: str, tables: tuple[SourceTable, ...], reconcile_every_hours: dict[str, float]
) -> DltResource:
    """A dlt resource that records (and un-records) rows removed at the source."""

    @dlt.resource(
        name=REMOVED_ROWS,
        primary_key=("table_name", "row_id"),
        write_disposition="merge",
        columns={"is_restored": {"data_type": "bool", "hard_delete": True}},
    )
    def rows_removed_at_source() -> Iterator[pa.Table]:
        reconciled_at = dlt.current.resource_state().setdefault("reconciled_at", {})
        now = datetime.now(UTC)
        with dlt.current.pipeline().sql_client() as warehouse:
            for table in tables:
                last = reconciled_at.get(table.name)
                every = timedelta(hours=reconcile_every_hours.get(table.name, 0))
                if last and datetime.fromisoformat(last) + every > now:
                    continue
                changes = _reconcile(url, warehouse, table, now)
                if changes is not None:
                    reconciled_at[table.name] = now.isoformat()
                    yield changes
        yield SCHEMA.empty_table()  # the table exists from the first run on

    return rows_removed_at_source


def _reconcile(url: str, warehouse, table: SourceTable, now: datetime) -> pa.Table | None:
    """Marker rows for keys newly gone and keys back; None if nothing is loaded yet."""
    key = table.primary_key
    loaded = _warehouse_column(warehouse, f"select cast({key} as varchar) from {table.name}")
    if loaded is None:
        return None
    marked = _warehouse_column(
        warehouse, f"select row_id from {REMOVED_ROWS} where table_name = '{table.name}'"
    )
    marked = marked if marked is not None else pa.array([], pa.string())
    present = _source_keys(url, table)
    gone = loaded.filter(pc.invert(pc.is_in(loaded, value_set=present)))
    newly_gone = gone.filter(pc.invert(pc.is_in(gone, value_set=marked)))
    back = marked.filter(pc.is_in(marked, value_set=present))
    return pa.concat_tables(
        [_markers(table, newly_gone, now, False), _markers(table, back, None, True)]
    )


def _markers(table: SourceTable, keys: pa.Array, detected_at, restored: bool) -> pa.Table:
    """Rows of `rows_removed_at_source` for `keys`."""
    n = len(keys)
    return pa.table(
        [
            pa.array([table.name] * n, pa.string()),
            keys,
            pa.array([detected_at] * n, SCHEMA.field("detected_at").type),
            pa.array([restored] * n, pa.bool_()),
        ],
        schema=SCHEMA,
    )


def _warehouse_column(warehouse, sql: str) -> pa.Array | None:
    """The query's one text column; None if its table is not in the warehouse yet."""
    try:
        with warehouse.execute_query(sql) as cursor:
            result = cursor.arrow()
    except DatabaseUndefinedRelation:
        return None
    return result.column(0).combine_chunks() if result.num_rows else pa.array([], pa.string())


def _source_keys(url: str, table: SourceTable) -> pa.Array:
    """Every primary key of the source table, as text."""
    with adbc.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(f'select "{table.primary_key}"::text from "{table.name}"')
        return cursor.fetch_arrow_table().column(0).combine_chunks()
