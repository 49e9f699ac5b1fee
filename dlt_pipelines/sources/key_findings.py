"""Compare primary keys with the source: rows removed there, keys duplicated.

A cursor-based load never sees a row that is gone, and a merge on the
primary key silently keeps one of two rows that share a key. So each run
(or, for a table listed in `reconcile_every_hours`, once per that many
hours) reads the table's primary keys at the source and compares them with
the warehouse's, without logical replication:

- a key in the warehouse and no longer at the source: `removed_at_source`;
- a key that several source rows share: `duplicate_at_source`.

Findings go to `source_key_findings` (table_name, row_id, finding, copies,
detected_at, is_cleared) and are marked cleared when they no longer hold (a
removed key comes back, a duplicate is fixed): the row stays, so the load
that cleared it marks the source row as changed for the incremental models.
Only keys travel, so the cost follows the size of the key set, not of the
rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta

import adbc_driver_postgresql.dbapi as adbc
import dlt
import pyarrow as pa
import pyarrow.compute as pc
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.sources import DltResource

from dlt_pipelines.sources.tables import SourceTable

FINDINGS = "source_key_findings"
REMOVED, DUPLICATE = "removed_at_source", "duplicate_at_source"
SCHEMA = pa.schema(
    [
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("row_id", pa.string(), nullable=False),
        pa.field("finding", pa.string(), nullable=False),
        pa.field("copies", pa.int64()),
        pa.field("detected_at", pa.timestamp("us", tz="UTC")),
        pa.field("is_cleared", pa.bool_()),
    ]
)


def key_findings_resource(
    connection: adbc.Connection,
    tables: tuple[SourceTable, ...],
    unique_key_tables: frozenset[str],
    reconcile_every_hours: dict[str, float],
) -> DltResource:
    """A dlt resource that records (and clears) what the key comparison finds.
    `unique_key_tables` are kept unique by the source: on their first load
    there is nothing to compare (no key loaded yet, no duplicate possible).
    The source's last resource: it closes the source's connection."""

    @dlt.resource(
        name=FINDINGS,
        primary_key=("table_name", "row_id", "finding"),
        write_disposition="merge",
    )
    def source_key_findings() -> Iterator[pa.Table]:
        reconciled_at = dlt.current.resource_state().setdefault("reconciled_at", {})
        now = datetime.now(UTC)
        with closing(connection), dlt.current.pipeline().sql_client() as warehouse:
            for table in tables:
                last = reconciled_at.get(table.name)
                every = timedelta(hours=reconcile_every_hours.get(table.name, 0))
                if last and datetime.fromisoformat(last) + every > now:
                    continue
                unique_key = table.name in unique_key_tables
                findings = _compare_keys(connection, warehouse, table, unique_key, now)
                reconciled_at[table.name] = now.isoformat()
                if findings is not None:
                    yield findings
        yield SCHEMA.empty_table()  # the table exists from the first run on

    return source_key_findings


def _compare_keys(
    connection: adbc.Connection, warehouse, table: SourceTable, unique_key: bool, now: datetime
) -> pa.Table | None:
    """New findings for one table, and the recorded ones that no longer hold;
    None on the first load of a table with a unique key (nothing to find)."""
    loaded = _warehouse_column(
        warehouse, f"select distinct cast({table.primary_key} as varchar) from {table.name}"
    )
    if loaded is None and unique_key:
        return None
    if loaded is None:  # first load: only duplicates can be found
        loaded = pa.array([], pa.string())
    at_source = _source_keys(connection, table)
    counts = pc.value_counts(at_source)
    present = counts.field("values")
    duplicated = counts.filter(pc.greater(counts.field("counts"), 1))
    recorded = {finding: _recorded(warehouse, table, finding) for finding in (REMOVED, DUPLICATE)}
    gone = _not_in(_not_in(loaded, present), recorded[REMOVED])
    return pa.concat_tables(
        [
            _findings(table, REMOVED, gone, None, now),
            _findings(table, REMOVED, _in(recorded[REMOVED], present), None, None),
            _findings(
                table, DUPLICATE, duplicated.field("values"), duplicated.field("counts"), now
            ),
            _findings(
                table,
                DUPLICATE,
                _not_in(recorded[DUPLICATE], duplicated.field("values")),
                None,
                None,
            ),
        ]
    )


def _findings(
    table: SourceTable,
    finding: str,
    keys: pa.Array,
    copies: pa.Array | None,
    detected_at: datetime | None,
) -> pa.Table:
    """Rows of source_key_findings; without detected_at they clear the finding."""
    n = len(keys)
    return pa.table(
        [
            pa.array([table.name] * n, pa.string()),
            keys.cast(pa.string()),
            pa.array([finding] * n, pa.string()),
            copies if copies is not None else pa.nulls(n, pa.int64()),
            pa.array([detected_at] * n, SCHEMA.field("detected_at").type),
            pa.array([detected_at is None] * n, pa.bool_()),
        ],
        schema=SCHEMA,
    )


def _recorded(warehouse, table: SourceTable, finding: str) -> pa.Array:
    """The keys of the table with that finding on record (and not cleared):
    in the newest version of each finding, as a lake keeps every version."""
    keys = _warehouse_column(
        warehouse,
        "select row_id from (select row_id, is_cleared, row_number() over"
        " (partition by row_id order by _dlt_load_id desc) as version_rank"
        f" from {FINDINGS} where table_name = '{table.name}' and finding = '{finding}')"
        " as findings where version_rank = 1 and not is_cleared",
    )
    return keys if keys is not None else pa.array([], pa.string())


def _in(keys: pa.Array, others: pa.Array) -> pa.Array:
    """The keys that are among the others."""
    return keys.filter(pc.is_in(keys, value_set=others))


def _not_in(keys: pa.Array, others: pa.Array) -> pa.Array:
    """The keys that are not among the others."""
    return keys.filter(pc.invert(pc.is_in(keys, value_set=others)))


def _warehouse_column(warehouse, sql: str) -> pa.Array | None:
    """The query's one text column; None if its table is not in the warehouse yet."""
    try:
        with warehouse.execute_query(sql) as cursor:
            result = cursor.arrow()
    except DatabaseUndefinedRelation:
        return None
    return result.column(0).combine_chunks() if result.num_rows else pa.array([], pa.string())


def _source_keys(connection: adbc.Connection, table: SourceTable) -> pa.Array:
    """Every primary key of the source table, as text, duplicates included."""
    with connection.cursor() as cursor:
        cursor.execute(f'select "{table.primary_key}"::text from "{table.name}"')
        return cursor.fetch_arrow_table().column(0).combine_chunks()
