"""What each run did: its record, as the journal keeps it (run/state.py;
on PostgreSQL, ops.run_history is the journal; on DuckDB, ops.run_history
is written from it into each build before it is published).

Every command saves its record when it starts and when it ends (the last
save per run id wins). A record still `running` when the next run takes
the lock belongs to a run that died: it is closed as `abandoned`.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from dlt_pipelines.backends.state_store import JOURNAL_COLUMNS, JSON_COLUMNS


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
        for column in JSON_COLUMNS:
            values[column] = json.dumps(values[column], sort_keys=True)
        return tuple(values[column] for column in JOURNAL_COLUMNS)


def _now() -> str:
    """The current UTC time, ISO 8601."""
    return datetime.now(UTC).isoformat()
