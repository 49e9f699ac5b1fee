"""DuckDB: the warehouse is one file (default data/warehouse.duckdb,
WAREHOUSE_DUCKDB_PATH; a relative path is relative to the repository).

What the runs remember (state_store.py's FolderStore) sits beside the file:
`<name>.run.lock`, `<name>.runs.jsonl` (the journal), `<name>.builds/`
(each build's marker and manifest, and dbt's target folders), `<name>.pin.json`.

Two builds take turns (blue/green): `.slots/a/<name>.duckdb` and
`.slots/b/<name>.duckdb` beside the published file, which is a hard link to
one of them. Each slot is a whole warehouse, raw tables and dlt's state
included. Publishing links the standby over the published path (a rename):
a reader holding the previous file keeps reading it and never blocks the
run; the next connection opens the new one. The standby keeps the previous
build until a run has something to build; only when it is missing (the
second run ever, or an older layout) or still held by a reader is it
replaced by a copy of the published file (seeded from it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dlt.common.destination import Destination

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.backends.base import READ_ONLY, Slot, Warehouse, one_line
from dlt_pipelines.backends.state_store import FolderStore, StateStore
from dlt_pipelines.exceptions import QueryError, WarehouseError

DEFAULT_PATH = "data/warehouse.duckdb"
READING_STATEMENTS = (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN)
SLOTS = ("a", "b")
# Loading: rows need no insertion order (DuckDB may then write in parallel).
# Its memory is DuckDB's default (80 % of the machine's), as dbt's: the two
# never run at once, and a merge into a large table needs it (at scale
# 4,000, merging 1 % of 10 million comments failed under a 256 MB limit).
LOAD_SETTINGS = {"preserve_insertion_order": False}


@dataclass(frozen=True)
class DuckDBWarehouse(Warehouse):
    """A DuckDB file."""

    path: Path
    schema_suffix: str = ""

    name = "duckdb"
    shares_raw_tables = False
    run_history_in_build = True
    builds = SLOTS
    placeholder = "?"

    @classmethod
    def from_settings(cls, env: Mapping[str, str]) -> DuckDBWarehouse:
        """From WAREHOUSE_DUCKDB_PATH."""
        return cls((REPO_ROOT / env.get("WAREHOUSE_DUCKDB_PATH", DEFAULT_PATH)).resolve())

    def env(self) -> dict[str, str]:
        """WAREHOUSE_TARGET and WAREHOUSE_DUCKDB_PATH."""
        return {"WAREHOUSE_TARGET": self.name, "WAREHOUSE_DUCKDB_PATH": str(self.path)}

    def describe(self) -> str:
        """'DuckDB file <path>'."""
        return f"DuckDB file {self.path}"

    def state_store(self) -> StateStore:
        """Files beside the warehouse file (one host by nature)."""
        return FolderStore(self.path)

    def cache_file(self, suffix: str) -> Path:
        """Beside the file: warehouse.duckdb.builds/a/target, ..."""
        return Path(f"{self.path}{suffix}")

    def local_files(self) -> None:
        """None: the files beside the warehouse are its store."""
        return None

    def connect(self, read_only: bool = False, config: dict | None = None):
        """A connection to the file; a clear error when another process holds it."""
        try:
            return duckdb.connect(str(self.path), read_only=read_only, config=config or {})
        except duckdb.IOException as error:
            raise WarehouseError(
                f"the DuckDB warehouse {self.path} is in use by another process "
                f"({str(error).splitlines()[0]}). Close the program holding it "
                "(a BI tool, a duckdb shell, another run) and run again; nothing was changed."
            ) from None

    @contextmanager
    def cursor(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """The connection itself (DuckDB's connections are cursors)."""
        with self.connect(read_only) as connection:
            if read_only:
                yield connection
                return
            connection.execute("begin")
            yield connection
            connection.execute("commit")

    def statement_errors(self) -> tuple[type[Exception], ...]:
        """DuckDB's errors."""
        return (duckdb.Error,)

    def refuse_writes(self, sql: str) -> None:
        """Each statement as DuckDB's own parser splits and types it: a
        query or an EXPLAIN, nothing else (a read-only connection refuses a
        write to the file, not a COPY, an ATTACH or an INSTALL)."""
        try:
            statements = duckdb.extract_statements(sql)
        except duckdb.Error as error:
            raise QueryError(one_line(error)) from None
        for statement in statements:
            if statement.type not in READING_STATEMENTS:
                raise QueryError(f"{READ_ONLY}; {statement.type.name} is no query")

    def has_table(self, schema: str, table: str) -> bool:
        """False for a file not made yet."""
        return self.path.exists() and super().has_table(schema, table)

    @contextmanager
    def destination(self, read_only: bool = False) -> Iterator[Destination]:
        """One connection serves every pipeline of the process, each thread
        with a cursor of its own: two connections opening one file at the
        same moment can collide ("Unique file handle conflict"). Read-only,
        a reader of the file does not block it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = self.connect(read_only, config=LOAD_SETTINGS)
        try:
            yield dlt.destinations.duckdb(connection)
        finally:
            connection.close()

    def prepare_load(self) -> None:
        """Nothing to prepare in a file not made yet."""
        if self.path.exists():
            super().prepare_load()

    def dbt_process(self) -> tuple[dict[str, str], Path]:
        """dbt runs in the file's folder and names the file from there: dbt
        parses the whole project anew when a connection detail changes, and
        this one then stays the same for both builds and for a copy elsewhere."""
        return self.dbt_env() | {"WAREHOUSE_DUCKDB_PATH": self.path.name}, self.path.parent

    def built_as(self, build: str) -> DuckDBWarehouse:
        """The slot's file."""
        return DuckDBWarehouse(self._slot_path(build))

    def prepare_standby(self, slot: Slot) -> bool:
        """Replace the slot's file with a copy of the published one if it is
        missing or a reader holds it (True: it was seeded)."""
        path = slot.warehouse.path
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists() or _writable(path):
            return False
        _replace_with_copy(self.path, path)
        return True

    def published_slot(self) -> str | None:
        """The slot whose file the published path links to."""
        if not self.path.exists():
            return None
        published = self.path.stat().st_ino
        for name in SLOTS:
            path = self._slot_path(name)
            if path.exists() and path.stat().st_ino == published:
                return name
        return None  # an older layout: the published file is no slot

    def publish(self, slot: Slot, commit: Callable[[Any], None]) -> None:
        """Record the slot's build, then link its file over the published
        path, in one rename."""
        with slot.warehouse.connect() as connection:
            connection.execute("checkpoint")  # everything in the file, nothing in a WAL
        commit(None)
        link = self.path.with_name(f".{self.path.name}.publishing")
        link.unlink(missing_ok=True)
        os.link(slot.warehouse.path, link)
        os.replace(link, self.path)

    def development_copy(self) -> DuckDBWarehouse:
        """dev/<file name> beside the published file, a copy of it, refreshed
        whenever a newer one has been published (so successive commands build
        on each other until the next run publishes)."""
        copy = self.path.parent / "dev" / self.path.name  # the same catalog name
        if self.path.exists() and (
            not copy.exists() or copy.stat().st_mtime < self.path.stat().st_mtime
        ):
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.with_name(copy.name + ".wal").unlink(missing_ok=True)
            shutil.copyfile(self.path, copy)
        return DuckDBWarehouse(copy)

    def _slot_path(self, name: str) -> Path:
        """Where a slot's file is; its file name is the published one's, so
        that views, which name their catalog after the file, read the same."""
        return self.path.parent / ".slots" / name / self.path.name


def _writable(path: Path) -> bool:
    """Tell whether the slot file exists and no reader holds it."""
    if not path.exists():
        return False
    try:
        duckdb.connect(str(path)).close()
    except duckdb.IOException:
        return False
    return True


def _replace_with_copy(published: Path, path: Path) -> None:
    """Put a copy of the published file where the slot is, as a new file: a
    reader still holding the slot's old file keeps it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    copy = path.with_name(f".{path.name}.copying")
    shutil.copyfile(published, copy)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    os.replace(copy, path)
