"""What each run did: a journal beside the warehouse and ops.run_history in it.

Every run appends its record to a JSON-lines journal when it starts and when
it ends (the last line per run id wins). The table `ops.run_history` in the
warehouse holds the journal: written directly on PostgreSQL, and on DuckDB
into the build before it is published, so a failed run's record reaches the
published file with the next successful run (and is in the journal at once).
A record still `running` when the next run takes the lock belongs to a run
that died: it is closed as `abandoned`.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.exceptions import WarehouseError

# ops.run_history's columns, in the order of RunRecord.row()
COLUMNS = {
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
}


class RunStatus(StrEnum):
    """How a run stands, or ended."""

    RUNNING = "running"
    SUCCESS = "success"  # published
    WARNING = "warning"  # published, with warnings (tests or freshness warned)
    FAILURE = "failure"  # nothing new published
    BUSY = "busy"  # not started: another run holds the lock
    ABANDONED = "abandoned"  # its process ended before the run did

    @property
    def exit_code(self) -> int:
        """The scheduled run's exit code for a run that ended so."""
        return EXIT_CODES[self]


EXIT_CODES = {RunStatus.SUCCESS: 0, RunStatus.WARNING: 1, RunStatus.FAILURE: 2, RunStatus.BUSY: 3}


class Action(StrEnum):
    """What a record is of."""

    RUN = "run"  # a scheduled run: load, build, publish
    ROLLBACK = "rollback"  # the previous build published again, and pinned
    RELEASE = "release"  # the pin lifted: the next run publishes


@dataclass
class RunRecord:
    """One run (or rollback, or release): when, how it ended, whether it
    built and published (or found nothing changed), rows loaded per table,
    dbt's results, the error, a note for its last line."""

    warehouse: str
    as_of_date: str | None = None
    action: Action = Action.RUN
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started_at: str = field(default_factory=lambda: _now())
    ended_at: str | None = None
    status: RunStatus = RunStatus.RUNNING
    built: bool = False
    rows_loaded: dict[str, int] = field(default_factory=dict)
    loaded_into: str | None = None  # the build whose raw tables it loaded
    dbt_results: dict[str, dict] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # per step: load, checks, dbt, publish
    error: str | None = None
    traceback: str | None = None  # of an unexpected error
    note: str | None = None  # what else its last line says (a pin, a rollback)
    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=socket.gethostname)

    def __post_init__(self) -> None:
        self.status = RunStatus(self.status)  # as read back from the journal
        self.action = Action(self.action)

    def finish(
        self, status: RunStatus, error: str | None = None, traceback: str | None = None
    ) -> None:
        """Close the record with its outcome."""
        self.status, self.error, self.traceback = status, error, traceback
        self.ended_at = _now()

    def row(self) -> tuple:
        """The record as a row of ops.run_history."""
        values = asdict(self)
        values["rows_loaded"] = json.dumps(self.rows_loaded, sort_keys=True)
        values["dbt_results"] = json.dumps(self.dbt_results, sort_keys=True)
        values["seconds"] = json.dumps(self.seconds)
        return tuple(values[column] for column in COLUMNS)


class RunHistory:
    """The journal of runs for one warehouse, and its copy in the warehouse."""

    def __init__(self, journal: Path) -> None:
        self.journal = journal

    def save(self, record: RunRecord) -> None:
        """Append the record's current state to the journal."""
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        with self.journal.open("a") as lines:
            lines.write(json.dumps(asdict(record)) + "\n")

    def records(self) -> list[RunRecord]:
        """Every run's latest state, oldest first."""
        if not self.journal.exists():
            return []
        latest = {}
        for line in self.journal.read_text().splitlines():
            record = RunRecord(**json.loads(line))
            latest[record.run_id] = record
        return list(latest.values())

    def close_abandoned(self) -> list[RunRecord]:
        """Mark runs still `running` as abandoned (the caller holds the lock)."""
        abandoned = [r for r in self.records() if r.status is RunStatus.RUNNING]
        for record in abandoned:
            record.finish(RunStatus.ABANDONED, "the run's process ended before the run did")
            self.save(record)
        return abandoned

    def write_to(self, warehouse: Warehouse) -> None:
        """Make ops.run_history in the warehouse hold the journal."""
        if not warehouse.keeps_run_history:
            raise WarehouseError(
                f"a {warehouse.describe()} keeps no ops.run_history: "
                f"the runs' record is the journal {self.journal}"
            )
        rows = [record.row() for record in self.records()]
        warehouse.replace_table("ops.run_history", COLUMNS, rows)


def _now() -> str:
    """The current UTC time, ISO 8601."""
    return datetime.now(UTC).isoformat()
