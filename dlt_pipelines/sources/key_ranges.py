"""Ranges of primary keys, the same on the source and in the warehouse.

The key comparison (key_findings.py) would read every key of both sides
each run. Instead it counts keys per range on each side: the source with
one index-only scan of its primary key, range by range; the warehouse with
one aggregate. A range whose counts tell that no key can have gone is not
read; the others are read key by key. A uuid's range is its first two hex
digits (uuids are spread evenly); an integer's is its share of 0 to the
warehouse's largest key, in RANGES equal parts, the last open-ended.
Other key types have no ranges: their keys are compared in full.
"""

from __future__ import annotations

from dataclasses import dataclass

RANGES = 256
INTEGER_TYPES = ("smallint", "integer", "bigint")
LOWEST, HIGHEST = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class KeyRanges:
    """How one table's keys fall into RANGES ranges."""

    key: str
    uuid: bool
    width: int = 1  # integer keys per range

    @classmethod
    def of(cls, key: str, data_type: str, largest_loaded) -> KeyRanges | None:
        """The ranges of a key of that source type (None: no ranges for it),
        sized by the warehouse's largest key."""
        if data_type == "uuid":
            return cls(key, uuid=True)
        if data_type in INTEGER_TYPES:
            largest = max(int(largest_loaded or 0), 0)
            return cls(key, uuid=False, width=largest // RANGES + 1)
        return None

    def index(self, key: str) -> int:
        """The range of one key, given as text."""
        if self.uuid:
            return int(key[:2], 16)
        return min(max(int(key) // self.width, 0), RANGES - 1)

    def bounds(self, number: int) -> tuple[str, str]:
        """The range's first and last key, as SQL literals of the source's type."""
        if self.uuid:
            return f"'{number:02x}000000-0000-0000-0000-000000000000'::uuid", (
                f"'{number:02x}ffffff-ffff-ffff-ffff-ffffffffffff'::uuid"
            )
        first = LOWEST if number == 0 else number * self.width
        last = HIGHEST if number == RANGES - 1 else (number + 1) * self.width - 1
        return f"'{first}'::bigint", f"'{last}'::bigint"  # typed: the key's index applies

    def source_counts(self, table: str) -> str:
        """The source's count of keys per range: (range, count) rows."""
        ranges = ", ".join(f"({n}, {', '.join(self.bounds(n))})" for n in range(RANGES))
        return (
            f'select ranges.number, (select count(*) from "{table}"'
            f' where "{self.key}" between ranges.first and ranges.last)'
            f" from (values {ranges}) as ranges (number, first, last)"
        )

    def source_keys(self, table: str, numbers: list[int]) -> str:
        """Every key of the source in those ranges, as text."""
        within = " or ".join(
            f'"{self.key}" between {first} and {last}' for first, last in map(self.bounds, numbers)
        )
        return f'select "{self.key}"::text from "{table}" where {within}'

    def warehouse_range(self) -> str:
        """SQL (DuckDB's and PostgreSQL's) for a warehouse row's range: its
        number, or a uuid's two hex digits (see `label_index`)."""
        if self.uuid:
            return f"substr(cast({self.key} as varchar), 1, 2)"
        return f"least(greatest(cast(floor({self.key} / {self.width}) as bigint), 0), {RANGES - 1})"

    def warehouse_literal(self, key: str) -> str:
        """One key (as text) as SQL that compares with the warehouse's column
        as it is: text for a uuid, a number for an integer (a cast of the
        column would cost DuckDB a scan of every row per key)."""
        return "'" + key.replace("'", "''") + "'" if self.uuid else str(int(key))

    def label_index(self, label) -> int:
        """The range a `warehouse_range` value names."""
        return int(label, 16) if self.uuid else int(label)

    def labels(self, numbers: list[int]) -> str:
        """The ranges as `warehouse_range` values, for SQL (`label_index` reversed)."""
        return ", ".join(f"'{n:02x}'" if self.uuid else str(n) for n in numbers)
