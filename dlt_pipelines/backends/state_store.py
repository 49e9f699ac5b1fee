"""Where a warehouse keeps what its runs remember, readable by any runner
that reaches the warehouse.

A store holds three things (dlt_pipelines/run/state.py decides what goes
in them; the backends give the storage):

- the run lock: one holder at a time, named for the message of a refused
  run; holding it gives a `Fence` whose `check()` the publish calls at the
  moment it swaps, so a run that lost the lock (a dropped connection, an
  expired lease) publishes nothing;
- the journal: every run's record, its latest state per run id;
- documents: named values (a build's marker, its dbt manifest, the pin),
  written several at once, in one transaction where the engine has them.

`FolderStore` keeps them as files beside a path: DuckDB's store (one host
by nature), and the files runs of an earlier version kept for a server's
warehouse, which its first run of this version takes over.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dlt_pipelines.exceptions import RunLockBusy

# The journal's fields, as columns of ops.run_history (in this order).
JOURNAL_COLUMNS = {
    "run_id": "varchar primary key",
    "action": "varchar",
    "started_at": "timestamp with time zone",
    "ended_at": "timestamp with time zone",
    "status": "varchar",
    "built": "boolean",
    "as_of_date": "date",
    "warehouse": "varchar",
    "rows_loaded": "varchar",
    "dbt_results": "varchar",
    "seconds": "varchar",
    "error": "varchar",
    "traceback": "varchar",
    "note": "varchar",
    "pid": "integer",
    "host": "varchar",
    "loaded_into": "varchar",
}
JSON_COLUMNS = ("rows_loaded", "dbt_results", "seconds")


class Fence:
    """Proof that a run still holds the lock, checked as it publishes."""

    def check(self, cursor: Any = None) -> None:
        """Raise LockLost unless the lock is still this run's. `cursor` is the
        publish's own transaction, where the engine checks in it. A lock the
        kernel holds for this process (an flock) cannot be lost: no check."""


def holder_text(run_id: str, pid: int, host: str, since: str) -> str:
    """How a refused run names the holder."""
    return f"run {run_id}, pid {pid} on {host}, since {since}"


def now_text() -> str:
    """The current UTC time to the second, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def busy(where: str, holder: str | None) -> RunLockBusy:
    """The error of a run that finds the lock held."""
    return RunLockBusy(
        f"another run holds the warehouse lock {where} ({holder or 'holder unknown'}); "
        "nothing was started. Wait for it to finish; a run that died frees the lock."
    )


class StateStore(ABC):
    """The run lock, the journal and named documents of one warehouse."""

    @abstractmethod
    def describe(self) -> str:
        """Where the state is, for messages (no credentials)."""

    @abstractmethod
    def lock(self, run_id: str) -> Any:
        """A context manager holding the lock for its block and yielding its
        Fence; RunLockBusy, naming the holder, when another run holds it."""

    @abstractmethod
    def holder(self) -> str | None:
        """Who holds the lock now ('' if unknown), None when nobody does;
        takes nothing."""

    @abstractmethod
    def records(self) -> list[dict]:
        """Every run's latest record, oldest first."""

    @abstractmethod
    def save_record(self, record: dict) -> None:
        """Record a run's current state (the last one saved per run id wins)."""

    @abstractmethod
    def read(self, name: str) -> bytes | None:
        """A document, or None."""

    @abstractmethod
    def write(self, changes: Mapping[str, bytes | None], cursor: Any = None) -> None:
        """Write documents (None removes one), all or none where the engine
        can; in `cursor`'s transaction when given (a publish's)."""


class FolderStore(StateStore):
    """Files named after a path: `<path>.run.lock` (an flock), `<path>.runs.jsonl`
    (the journal, one JSON line per save), `<path>.<document name>`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self) -> str:
        """The files' common prefix."""
        return f"{self.path}.*"

    def _file(self, name: str) -> Path:
        return Path(f"{self.path}.{name}")

    @contextmanager
    def lock(self, run_id: str) -> Iterator[Fence]:
        """An exclusive flock on `<path>.run.lock`, which the kernel frees when
        the process ends however it ends; the file names the holder."""
        path = self._file("run.lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(descriptor)
            os.close(descriptor)
            raise busy(str(path), holder) from None
        _write(descriptor, holder_text(run_id, os.getpid(), socket.gethostname(), now_text()))
        try:
            yield Fence()
        finally:
            _write(descriptor, "")
            fcntl.flock(descriptor, fcntl.LOCK_UN)
            os.close(descriptor)

    def holder(self) -> str | None:
        """Tries a shared lock, which a held exclusive one refuses."""
        path = self._file("run.lock")
        if not path.exists():
            return None
        descriptor = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read(descriptor)
        else:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
            return None
        finally:
            os.close(descriptor)

    def records(self) -> list[dict]:
        """The journal's lines, the last per run id."""
        journal = self._file("runs.jsonl")
        if not journal.exists():
            return []
        latest: dict[str, dict] = {}
        for line in journal.read_text().splitlines():
            record = json.loads(line)
            latest[record["run_id"]] = record
        return list(latest.values())

    def save_record(self, record: dict) -> None:
        """One line appended."""
        journal = self._file("runs.jsonl")
        journal.parent.mkdir(parents=True, exist_ok=True)
        with journal.open("a") as lines:
            lines.write(json.dumps(record) + "\n")

    def read(self, name: str) -> bytes | None:
        path = self._file(name)
        return path.read_bytes() if path.exists() else None

    def write(self, changes: Mapping[str, bytes | None], cursor: Any = None) -> None:
        """Each file replaced by a rename (a reader sees it old or new)."""
        for name, value in changes.items():
            path = self._file(name)
            if value is None:
                path.unlink(missing_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.writing")
            temporary.write_bytes(value)
            os.replace(temporary, path)


def _read(descriptor: int) -> str:
    """The lock file's text."""
    os.lseek(descriptor, 0, os.SEEK_SET)
    return os.read(descriptor, 4096).decode().strip()


def _write(descriptor: int, text: str) -> None:
    """Replace the lock file's text."""
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, text.encode(), 0)
