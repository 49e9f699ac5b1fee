"""How each source table is extracted and loaded."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceTable:
    """One table of a source database and its loading strategy.

    A row's change time is the latest of its `cursor_columns`: each run reads
    the rows whose change time is at or after the high-water mark (minus the
    lag) and merges them on the primary key. Insert-only tables never update
    a loaded row; re-read rows are skipped by key.
    """

    name: str
    cursor_columns: tuple[str, ...]
    insert_only: bool = False
    excluded_columns: tuple[str, ...] = ()
    primary_key: str = "id"

    @property
    def write_disposition(self) -> dict[str, str]:
        """dlt's write disposition for this table."""
        strategy = "insert-only" if self.insert_only else "delete-insert"
        return {"disposition": "merge", "strategy": strategy}

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns the pipeline cannot work without."""
        return (self.primary_key, *self.cursor_columns)
