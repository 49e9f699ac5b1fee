"""What the runs of one warehouse remember, and the one place that reads
and writes it: the run lock, the journal, each build's marker and dbt
manifest, the rollback's pin; and from them, what is published and as of
when. The backends give the storage (`Warehouse.state_store()`: files
beside a DuckDB file, the `ops` schema of a PostgreSQL warehouse, a folder
of a Spark lake), so every runner that reaches the warehouse sees the same
state, whatever its own disk holds.

The store's documents:

- `builds/<build>/marker.json`: what the build includes (BuildMarker);
- `builds/<build>/state/manifest.json`: the dbt project it was built with,
  which its next build's `state:modified` compares with;
- `builds/<build>/touched`: a run began to change the build since its
  marker was written (it is no longer the build the marker names);
- `pin.json`: a rollback's pin, or the release that waits for a run.

Beside them, a cache a runner may lose (`Warehouse.cache_file`): dbt's
target folders (artifacts, logs, its partial parse), the manifests written
out for dbt's `--state`, the published manifest for `make changed` and
`make dbt`, and `make metric`'s project shell.

A runner whose state an earlier version kept in local files
(WAREHOUSE_RUN_FILES_DIR) hands them to the store in its first run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from dlt_pipelines.backends import Slot, Warehouse
from dlt_pipelines.backends.state_store import JOURNAL_COLUMNS, Fence
from dlt_pipelines.run.history import RunRecord, RunStatus

logger = logging.getLogger(__name__)
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class BuildMarker:
    """What a build includes (the newest load, the as-of date, the vars, the
    code), and how its tests went."""

    run_id: str
    built_through: str  # the newest dlt load it includes ('' for none)
    as_of_date: str
    dbt_vars: dict
    status: str  # success or warning
    problems: list[str]
    unsynced_persons: int  # uuids not yet known to ChemLink: their status can change
    published_at: str = ""  # when it was last published ('' for never)
    code_digest: str = ""  # builds.code_digest() of the code it was built with
    failing_tests: list[str] = field(default_factory=list)  # unique ids that did not pass

    @classmethod
    def from_json(cls, text: bytes) -> BuildMarker:
        """A marker as saved (by this version or an earlier one)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in json.loads(text).items() if k in known})

    def includes(self, newest_load: str, as_of_date: str, dbt_vars: dict, code: str) -> bool:
        """Tell whether this build already is what a build now would give, if
        no rows have come since `newest_load` and the code's digest is `code`."""
        return (
            self.built_through == newest_load
            and self.as_of_date == as_of_date
            and self.dbt_vars == dbt_vars
            and self.code_digest == code
            and self.unsynced_persons == 0
        )


class PinState(StrEnum):
    """What a pin does to the next runs."""

    PINNED = "pinned"  # they build but publish nothing
    RELEASED = "released"  # the next one publishes, even if nothing changed


@dataclass(frozen=True)
class Pin:
    """A rollback's pin (or, once released, the release waiting for a run)."""

    state: PinState
    build: str  # the run id of the build the rollback published
    by: str  # the run id of the rollback (then of the release)
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())  # when

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", PinState(self.state))  # as read back from JSON


def _marker(build: str) -> str:
    return f"builds/{build}/marker.json"


def _manifest(build: str) -> str:
    return f"builds/{build}/state/{MANIFEST}"


def _touched(build: str) -> str:
    return f"builds/{build}/touched"


PIN = "pin.json"


class RunState:
    """What the runs of `warehouse` remember (see the module's docstring)."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self.store = warehouse.state_store()
        self.fence: Fence | None = None  # while this process holds the lock

    # the lock

    @contextmanager
    def lock(self, run_id: str) -> Iterator[None]:
        """Hold the warehouse's run lock for the block (RunLockBusy, naming
        the holder, if another run holds it); a runner's first run takes
        over the state an earlier version kept in its local files."""
        with self.store.lock(run_id) as fence:
            self.fence = fence
            try:
                self._take_over_local_files()
                yield
            finally:
                self.fence = None

    def lock_holder(self) -> str | None:
        """Who holds the lock now ('' if unknown), None when nobody does."""
        return self.store.holder()

    # the journal

    def save(self, record: RunRecord) -> None:
        """Record the run's current state."""
        self.store.save_record(asdict(record))

    def records(self) -> list[RunRecord]:
        """Every run's latest state, oldest first."""
        return [RunRecord(**record) for record in self.store.records()]

    def close_abandoned(self) -> list[RunRecord]:
        """Mark runs still `running` as abandoned (the caller holds the lock,
        so their processes have ended)."""
        abandoned = [r for r in self.records() if r.status is RunStatus.RUNNING]
        for record in abandoned:
            record.finish(RunStatus.ABANDONED, "the run's process ended before the run did")
            self.save(record)
        return abandoned

    def write_history_into(self, build: Warehouse) -> None:
        """Make ops.run_history of `build` hold the journal (a DuckDB build,
        published with it)."""
        rows = [record.row() for record in self.records()]
        build.replace_table("ops.run_history", JOURNAL_COLUMNS, rows)

    # the builds

    def marker(self, build: str | None) -> BuildMarker | None:
        """The build's marker, if it has one (None for no build: none published yet)."""
        if build is None:
            return None
        text = self.store.read(_marker(build))
        return BuildMarker.from_json(text) if text else None

    def intact(self, build: str | None) -> BuildMarker | None:
        """The build's marker, if the build is still what it names."""
        if build is None or self.store.read(_touched(build)) is not None:
            return None
        return self.marker(build)

    def touch(self, build: str) -> None:
        """Record that a run began to change the build: until its next
        marker, it is no longer the build its marker names (a rollback
        cannot publish it)."""
        self.store.write({_touched(build): b""})

    def save_marker(self, build: str, marker: BuildMarker) -> None:
        """Record what the build now includes (whole again, if it was touched)."""
        self.store.write(self._marker_changes(build, marker))

    def save_built(self, build: str, marker: BuildMarker) -> None:
        """After a build that is not published (pinned): its marker, and its
        project as the state its next build compares with."""
        manifest = {_manifest(build): self._target_manifest(build)}
        self.store.write(self._marker_changes(build, marker) | manifest)

    def seed(self, build: str, published: str | None) -> None:
        """Give a build seeded from the published one (a copy of it) the
        published one's records: it is now that build."""
        self.store.write(self._moved(published, build))

    def target_dir(self, build: str) -> Path:
        """Where dbt writes when building it (a cache)."""
        return self.warehouse.cache_file(f".builds/{build}/target")

    def state_dir(self, build: str) -> Path | None:
        """A folder holding the dbt manifest the build was last built with,
        for dbt's --state; None without one."""
        return self._written_out(self.store.read(_manifest(build)), f".builds/{build}/state")

    def publish(self, slot: Slot, marker: BuildMarker, built: bool = True) -> None:
        """Publish the slot's build, which `marker` describes (`built`: by this
        run, whose dbt manifest is in its target folder; else an earlier
        build, as a rollback does), with its records in the same step; where
        the engine has transactions, in the publish's own, after checking
        this run still holds the lock."""
        name = self.warehouse.published_name(slot)
        changes = {}
        if name != slot.name:  # the engine renames the builds: their records follow
            changes = self._moved(slot.name, name) | self._moved(name, slot.name)
        published = replace(marker, published_at=datetime.now(UTC).isoformat())
        changes |= self._marker_changes(name, published)
        if built:
            changes[_manifest(name)] = self._target_manifest(slot.name)
        if self.warehouse.run_history_in_build:
            self.write_history_into(slot.warehouse)

        def commit(cursor: Any) -> None:
            if self.fence is not None:
                self.fence.check(cursor)
            self.store.write(changes, cursor)

        self.warehouse.publish(slot, commit)

    def _marker_changes(self, build: str, marker: BuildMarker) -> dict[str, bytes | None]:
        return {_marker(build): json.dumps(asdict(marker)).encode(), _touched(build): None}

    def _target_manifest(self, build: str) -> bytes:
        return (self.target_dir(build) / MANIFEST).read_bytes()

    def _moved(self, source: str | None, target: str) -> dict[str, bytes | None]:
        """The changes that give `target` the records `source` has (no
        source: none)."""
        return {
            name(target): self.store.read(name(source)) if source else None
            for name in (_marker, _manifest, _touched)
        }

    # the pin

    def pin(self) -> Pin | None:
        """The warehouse's pin, if any."""
        text = self.store.read(PIN)
        return Pin(**json.loads(text)) if text else None

    def set_pin(self, pin: Pin | None) -> None:
        """Pin (or release); None: no pin, no release waits."""
        self.store.write({PIN: json.dumps(asdict(pin)).encode() if pin else None})

    # what is published

    def published(self) -> BuildMarker | None:
        """The marker of the build readers see (None before the first publish)."""
        return self.marker(self.warehouse.published_slot())

    def published_as_of(self) -> date | None:
        """The as-of date of the build readers see."""
        published = self.published()
        return date.fromisoformat(published.as_of_date) if published else None

    def published_state_dir(self) -> Path | None:
        """A folder holding the published build's dbt manifest, its relations
        named as published: `make changed` compares the project with it,
        `make dbt` on PostgreSQL defers to it. None before a publish."""
        published = self.warehouse.published_slot()
        manifest = self.store.read(_manifest(published)) if published else None
        if manifest is not None:
            as_published = self.warehouse.as_published(json.loads(manifest))
            manifest = json.dumps(as_published).encode()
        return self._written_out(manifest, ".dbt-state")

    def metrics_dir(self) -> Path:
        """`make metric`'s dbt project shell (a cache)."""
        return self.warehouse.cache_file(".metrics")

    def _written_out(self, manifest: bytes | None, folder: str) -> Path | None:
        """The cache folder `folder` holding `manifest`, written if it differs."""
        if manifest is None:
            return None
        path = self.warehouse.cache_file(folder)
        file = path / MANIFEST
        if not file.exists() or file.read_bytes() != manifest:
            path.mkdir(parents=True, exist_ok=True)
            file.write_bytes(manifest)
        return path

    # an earlier version's local files

    def _take_over_local_files(self) -> None:
        """Move the state an earlier version kept in this runner's local files
        (WAREHOUSE_RUN_FILES_DIR) into the store, where the store has no
        builds yet; the files then go (dbt's target folders stay, a cache)."""
        local = self.warehouse.local_files()
        if local is None or not local.records():
            return
        builds = self.warehouse.builds
        names = [PIN, *(name(b) for b in builds for name in (_marker, _manifest, _touched))]
        for record in local.records():
            self.store.save_record(record)
        if not any(self.store.read(_marker(build)) for build in builds):
            self.store.write({name: local.read(name) for name in names if local.read(name)})
        local.write(dict.fromkeys([*names, "runs.jsonl", "run.lock"]))
        logger.info(f"took over the run state kept in {local.describe()}: {self.store.describe()}")
