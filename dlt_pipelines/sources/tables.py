"""How each source table is extracted and loaded."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceTable:
    """One table of a source database and its loading strategy.

    A row's change time is the latest of its `cursor_columns` (`created_at`
    for an insert-only table): each run reads the rows changed after the
    newest change loaded, or since the previous extraction started minus the
    lag (postgres_reader.ChangeWindow), and merges them on the primary key,
    so a row read twice (the lag re-reads) is stored once, and rows the
    source wrongly gives one key are stored once too (the key comparison
    reports them, see key_findings.py).
    """

    name: str
    cursor_columns: tuple[str, ...]
    excluded_columns: tuple[str, ...] = ()
    primary_key: str = "id"

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns the pipeline cannot work without."""
        return (self.primary_key, *self.cursor_columns)
