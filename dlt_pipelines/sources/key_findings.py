"""Compare primary keys with the source: rows removed there, keys duplicated.

A cursor-based load never sees a row that is gone, and a merge on the
primary key silently keeps one of two rows that share a key. So each run
(or, for a table listed in `reconcile_every_hours`, once per that many
hours) reads the table's primary keys at the source and compares them with
the warehouse's, without logical replication:

- a key in the warehouse and no longer at the source: `removed_at_source`;
- a key that several source rows share: `duplicate_at_source`.

A table whose source statistics count no delete since its last comparison
is not compared (`_deletes_counted`). Where the run read a table's changes
(not the whole table), only the key
ranges whose counts differ are read key by key (key_ranges.py): a range
holds at the source the warehouse's keys there, less those on record as
removed, plus the keys this run extracted that the warehouse lacked, or
a key has gone from it (or come back, or been duplicated). The ranges of
keys on record as duplicated are always read, so that a fix clears them.

Findings go to `source_key_findings` (table_name, row_id, finding, copies,
detected_at, is_cleared) and are marked cleared when they no longer hold (a
removed key comes back, a duplicate is fixed): the row stays, so the load
that cleared it marks the source row as changed for the incremental models.
Only keys travel, so the cost follows the size of the key set, not of the
rows, and most runs read no key at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta

import adbc_driver_postgresql.dbapi as adbc
import dlt
import pyarrow as pa
import pyarrow.compute as pc
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.sources import DltResource

from dlt_pipelines.sources.key_ranges import RANGES, KeyRanges
from dlt_pipelines.sources.tables import SourceTable

FINDINGS = "source_key_findings"
REMOVED, DUPLICATE = "removed_at_source", "duplicate_at_source"
NEW_KEYS_PER_QUERY = 10_000  # keys looked up in the warehouse per query
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
    key_types: dict[str, str],
    unique_key_tables: frozenset[str],
    reconcile_every_hours: dict[str, float],
    extracted: dict[str, list[pa.Array]],
) -> DltResource:
    """A dlt resource that records (and clears) what the key comparison finds.
    `key_types` are the source's types of each table's key. `unique_key_tables`
    are kept unique by the source: on their first load there is nothing to
    compare (no key loaded yet, no duplicate possible). `extracted` holds the
    keys this run read of each table that it read changes of (not whole).
    The source's last resource: it closes the source's connection."""

    @dlt.resource(
        name=FINDINGS,
        primary_key=("table_name", "row_id", "finding"),
        write_disposition="merge",
    )
    def source_key_findings() -> Iterator[pa.Table]:
        state = dlt.current.resource_state()
        reconciled_at = state.setdefault("reconciled_at", {})
        compared_after = state.setdefault("compared_after_deletes", {})
        now = datetime.now(UTC)
        deletes = _deletes_counted(connection)  # before the comparison: a later one counts next run
        with closing(connection), dlt.current.pipeline().sql_client() as warehouse:
            for table in tables:
                last = reconciled_at.get(table.name)
                every = timedelta(hours=reconcile_every_hours.get(table.name, 0))
                if last and datetime.fromisoformat(last) + every > now:
                    continue
                counted = deletes.get(table.name)
                findings = _compare_keys(
                    connection,
                    warehouse,
                    table,
                    key_types[table.name],
                    table.name in unique_key_tables,
                    now,
                    extracted.get(table.name),
                    no_delete_since=counted is not None
                    and compared_after.get(table.name) == counted,
                )
                reconciled_at[table.name] = now.isoformat()
                compared_after[table.name] = counted
                if findings is not None:
                    yield findings
        yield SCHEMA.empty_table()  # the table exists from the first run on

    return source_key_findings


def _compare_keys(
    connection: adbc.Connection,
    warehouse,
    table: SourceTable,
    key_type: str,
    unique_key: bool,
    now: datetime,
    extracted: list[pa.Array] | None,
    no_delete_since: bool,
) -> pa.Table | None:
    """New findings for one table, and the recorded ones that no longer hold;
    None where there is nothing to compare: on the first load of a table
    with a unique key; when the source deleted no row of it since the last
    comparison (`no_delete_since`), it keeps its keys unique, no duplicate is
    on record and no key on record as removed came back; when no key range
    differs."""
    largest = _warehouse_rows(warehouse, f"select max({table.primary_key}) from {table.name}")
    if largest is None and unique_key:
        return None
    recorded = {finding: _recorded(warehouse, table, finding) for finding in (REMOVED, DUPLICATE)}
    if no_delete_since and unique_key and _nothing_to_clear(recorded, extracted):
        return None
    ranges = (
        KeyRanges.of(table.primary_key, key_type, largest[0][0])
        if largest is not None and extracted is not None
        else None
    )
    if ranges is None:  # every key: a first load, a whole table read, a key without ranges
        loaded = _all_loaded_keys(warehouse, table) if largest is not None else None
        at_source = _source_keys(
            connection, f'select "{table.primary_key}"::text from "{table.name}"'
        )
    else:
        differing = _differing_ranges(
            connection, warehouse, table.name, ranges, extracted, recorded
        )
        if not differing:
            return None
        loaded = _warehouse_column(
            warehouse,
            f"select distinct cast({table.primary_key} as varchar) from {table.name}"
            f" where {ranges.warehouse_range()} in ({ranges.labels(differing)})",
        )
        at_source = _source_keys(connection, ranges.source_keys(table.name, differing))
    if loaded is None:  # first load: only duplicates can be found
        loaded = pa.array([], pa.string())
    counts = pc.value_counts(at_source)
    present = counts.field("values")
    duplicated = counts.filter(pc.greater(counts.field("counts"), 1))
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


def _nothing_to_clear(recorded: dict[str, pa.Array], extracted: list[pa.Array] | None) -> bool:
    """Tell whether no recorded finding can have stopped holding: none is on
    record as duplicated, and no key on record as removed was read again
    (this run read the table's changes, not the whole table)."""
    if extracted is None or len(recorded[DUPLICATE]):
        return False
    read = pa.chunked_array(extracted, pa.string()).combine_chunks()
    return not len(_in(recorded[REMOVED], read))


def _deletes_counted(connection: adbc.Connection) -> dict[str, str]:
    """What the source's statistics say of each table's deletes: the rows
    deleted, the table's file (a TRUNCATE makes a new one) and when the
    statistics began; nothing on a standby, whose statistics do not see the
    primary's deletes. A table whose value has not changed since its last
    comparison lost no row (the statistics of a delete committed in the last
    seconds may not be counted yet: the next run sees it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "select s.relname, concat_ws('/', s.n_tup_del, pg_relation_filenode(s.relid),"
            " d.stats_reset) from pg_stat_user_tables s join pg_stat_database d"
            " on d.datname = current_database()"
            " where s.schemaname = current_schema() and not pg_is_in_recovery()"
        )
        return dict(cursor.fetchall())


def _differing_ranges(
    connection: adbc.Connection,
    warehouse,
    table: str,
    ranges: KeyRanges,
    extracted: list[pa.Array],
    recorded: dict[str, pa.Array],
) -> list[int]:
    """The ranges to read key by key: where the source's count is not the
    warehouse's, less its keys on record as removed, plus the keys this run
    extracted new; and those of the keys on record as duplicated."""
    with connection.cursor() as cursor:
        cursor.execute(ranges.source_counts(table))
        at_source = dict(cursor.fetchall())
    expected = Counter(
        {
            ranges.label_index(label): count
            for label, count in _warehouse_rows(
                warehouse,
                f"select {ranges.warehouse_range()}, count(distinct {ranges.key})"
                f" from {table} group by 1",
            )
        }
    )
    expected.subtract(map(ranges.index, recorded[REMOVED].to_pylist()))
    expected.update(map(ranges.index, _new_keys(warehouse, table, ranges, extracted)))
    duplicated = set(map(ranges.index, recorded[DUPLICATE].to_pylist()))
    return sorted(
        number
        for number in range(RANGES)
        if at_source.get(number, 0) != expected[number] or number in duplicated
    )


def _new_keys(warehouse, table: str, ranges: KeyRanges, extracted: list[pa.Array]) -> list[str]:
    """The extracted keys that the warehouse does not hold yet."""
    keys = pc.unique(pa.chunked_array(extracted, pa.string())).to_pylist()
    held: set[str] = set()
    for start in range(0, len(keys), NEW_KEYS_PER_QUERY):
        chunk = keys[start : start + NEW_KEYS_PER_QUERY]
        found = _warehouse_column(
            warehouse,
            f"select cast({ranges.key} as varchar) from {table}"
            f" where {ranges.key} in ({', '.join(map(ranges.warehouse_literal, chunk))})",
        )
        held.update(found.to_pylist())
    return [k for k in keys if k not in held]


def _all_loaded_keys(warehouse, table: SourceTable) -> pa.Array:
    """Every key the warehouse holds of the table, as text."""
    return _warehouse_column(
        warehouse, f"select distinct cast({table.primary_key} as varchar) from {table.name}"
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


def _warehouse_rows(warehouse, sql: str) -> list[tuple] | None:
    """The query's rows; None if its table is not in the warehouse yet."""
    try:
        with warehouse.execute_query(sql) as cursor:
            return cursor.fetchall()
    except DatabaseUndefinedRelation:
        return None


def _warehouse_column(warehouse, sql: str) -> pa.Array | None:
    """The query's one text column; None if its table is not in the warehouse yet."""
    try:
        with warehouse.execute_query(sql) as cursor:
            result = cursor.arrow()
    except DatabaseUndefinedRelation:
        return None
    return result.column(0).combine_chunks() if result.num_rows else pa.array([], pa.string())


def _source_keys(connection: adbc.Connection, sql: str) -> pa.Array:
    """The keys a query of the source gives, as text, duplicates included."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetch_arrow_table().column(0).combine_chunks()
