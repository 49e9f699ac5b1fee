"""Spark: what the runs remember lives in the lake, under `_run_state/`,
for every runner that reaches the lake (state_store.py says what a store
holds). Files are written through fsspec with dlt's filesystem credentials,
as dlt writes the raw tables.

- **The lock is a lease**: `lease/<generation>.json`, made by an exclusive
  create (`open(..., "xb")`: O_EXCL on a folder; on an object store, a
  conditional write, S3's `If-None-Match: *`, which s3fs, gcsfs and adlfs
  send for that mode: documented, not tested here). A run takes the lease
  by creating the generation after the newest one, which only one runner
  can do; the generation is its fencing token. The holder renews it six
  times per lease length (WAREHOUSE_SPARK_LEASE_SECONDS, default 120: every
  20 s; rewriting the file moves its modification time, as the store's
  clock gives it); a lease not renewed for its length has expired, and the
  next run takes the following generation. A holder that cannot renew for
  the lease's length, or finds a newer generation, has lost it and stops at
  once (its dbt with it): it must not go on building a standby that another
  run now builds. Before publishing, a run checks that its generation is
  still the newest and that it renewed it in time.
- **The journal**: `runs/<started>_<run id>.json`, one file per run, replaced.
- **Documents**: files under the same folder.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from dlt_pipelines.backends.state_store import Fence, StateStore, busy, holder_text, now_text
from dlt_pipelines.exceptions import LockLost

RENEWALS_PER_LEASE = 6
FOLDER = "_run_state"
logger = logging.getLogger(__name__)


class Lease(Fence):
    """A generation of the lease, renewed by a thread while the run holds it."""

    def __init__(self, store: LakeStore, generation: int, holder: dict) -> None:
        self.store, self.generation, self.holder = store, generation, holder
        self.renewed = time.monotonic()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._renew, name="lease", daemon=True)

    def check(self, cursor: Any = None) -> None:
        """Still the newest generation, renewed within LEASE_SECONDS."""
        late = time.monotonic() - self.renewed > self.store.lease_seconds
        if late or self.store.generations()[-1:] != [self.generation]:
            raise LockLost(
                f"this run lost the warehouse's lease ({self.store.describe()}): another run "
                "took it over after it went unrenewed. Nothing was published."
            )

    def _renew(self) -> None:
        """Rewrite the lease RENEWALS_PER_LEASE times per its length; stop the
        process once it is lost."""
        lease = self.store.lease_seconds
        while not self.stopped.wait(lease / RENEWALS_PER_LEASE):
            try:
                if self.store.generations()[-1:] != [self.generation]:
                    return _stop(f"the lease {self.generation} was taken over by a newer one")
                self.store.put(self.store.lease_path(self.generation), self.holder)
                self.renewed = time.monotonic()
            except OSError as error:
                logger.warning(f"the lease could not be renewed ({error}); trying again")
            if time.monotonic() - self.renewed > lease:
                return _stop(f"the lease went unrenewed for over {lease} s")
        return None

    def release(self) -> None:
        """Stop renewing; mark the generation released for the next run."""
        self.stopped.set()
        self.thread.join()
        self.store.put(self.store.lease_path(self.generation), self.holder | {"released": True})


def _stop(why: str) -> None:
    """End this process, and so its dbt (run_dbt's children die with it)."""
    logger.error(f"{why}: this run stops, publishing nothing (another run holds the warehouse)")
    os.kill(os.getpid(), signal.SIGTERM)


class LakeStore(StateStore):
    """The run state under `<lake>/_run_state/`, on an fsspec file system."""

    def __init__(self, filesystem, lake: str, url: str, lease_seconds: float) -> None:
        self.fs, self.root, self.url = filesystem, f"{lake.rstrip('/')}/{FOLDER}", url
        self.lease_seconds = lease_seconds

    def describe(self) -> str:
        """The folder, as the lake's URL names it."""
        return f"{self.url}/{FOLDER}"

    def lease_path(self, generation: int) -> str:
        return f"{self.root}/lease/{generation:012d}.json"

    def generations(self) -> list[int]:
        """The lease generations present, oldest first."""
        folder = f"{self.root}/lease"
        if not self.fs.exists(folder):
            return []
        names = (path.rsplit("/", 1)[-1] for path in self.fs.ls(folder, detail=False))
        return sorted(int(name.split(".")[0]) for name in names if name.endswith(".json"))

    @contextmanager
    def lock(self, run_id: str) -> Iterator[Fence]:
        """Take the next generation of the lease, if the newest has ended."""
        generations = self.generations()
        newest = generations[-1] if generations else 0
        if newest and (holder := self._live_holder(newest)) is not None:
            raise busy(self.describe(), holder)
        holder = {"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname()}
        holder["since"] = now_text()
        path = self.lease_path(newest + 1)
        self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        try:
            with self.fs.open(path, "xb") as file:
                file.write(json.dumps(holder).encode())
        except FileExistsError:  # another runner took the same generation first
            raise busy(self.describe(), self._live_holder(newest + 1)) from None
        for older in generations[:-1]:  # the newest ended one stays, for its successor's view
            self.fs.rm(self.lease_path(older))
        lease = Lease(self, newest + 1, holder)
        lease.thread.start()
        try:
            yield lease
        finally:
            lease.release()

    def holder(self) -> str | None:
        generations = self.generations()
        return self._live_holder(generations[-1]) if generations else None

    def _live_holder(self, generation: int) -> str | None:
        """Who holds that generation, None if it was released or has expired."""
        path = self.lease_path(generation)
        try:
            holder = json.loads(self.fs.cat_file(path))
            age = datetime.now(UTC) - self.fs.modified(path).astimezone(UTC)
        except FileNotFoundError:
            return None
        if holder.get("released") or age.total_seconds() > self.lease_seconds:
            return None
        return holder_text(holder["run_id"], holder["pid"], holder["host"], holder["since"])

    def put(self, path: str, value: dict) -> None:
        """Replace a JSON file whole (a reader sees it old or new)."""
        self.write_path(path, json.dumps(value).encode())

    def write_path(self, path: str, data: bytes) -> None:
        self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        temporary = f"{path}.writing"
        self.fs.pipe_file(temporary, data)
        self.fs.mv(temporary, path)

    def records(self) -> list[dict]:
        """Every record file, in the order the runs started."""
        folder = f"{self.root}/runs"
        if not self.fs.exists(folder):
            return []
        paths = sorted(p for p in self.fs.ls(folder, detail=False) if p.endswith(".json"))
        return [json.loads(data) for data in self.fs.cat(paths).values()] if paths else []

    def save_record(self, record: dict) -> None:
        started = record["started_at"].replace("-", "").replace(":", "").replace("+0000", "Z")
        self.put(f"{self.root}/runs/{started}_{record['run_id']}.json", record)

    def read(self, name: str) -> bytes | None:
        try:
            return self.fs.cat_file(f"{self.root}/{name}")
        except FileNotFoundError:
            return None

    def write(self, changes: Mapping[str, bytes | None], cursor: Any = None) -> None:
        """File by file: an object store has no transaction over several."""
        for name, value in changes.items():
            if value is None:
                if self.fs.exists(f"{self.root}/{name}"):
                    self.fs.rm(f"{self.root}/{name}")
            else:
                self.write_path(f"{self.root}/{name}", value)
