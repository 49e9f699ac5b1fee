"""One run at a time per warehouse.

The lock is an exclusive `flock` on a file beside the warehouse. The kernel
releases it when the holding process exits or dies, so a crashed run's lock
is reclaimed by the next run without anyone cleaning up; the file tells who
holds it, for the message a refused run prints.
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from dlt_pipelines.exceptions import RunLockBusy


@contextmanager
def run_lock(path: Path, run_id: str) -> Iterator[str]:
    """Hold the run lock for the block; yield who held it last ('' if nobody).

    Raises RunLockBusy, naming the holder, if another live run holds it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read(descriptor)
        os.close(descriptor)
        raise RunLockBusy(
            f"another run holds the warehouse lock {path} ({holder or 'holder unknown'}); "
            "nothing was started. Wait for it to finish; a run that died frees the lock."
        ) from None
    previous = _read(descriptor)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    _write(
        descriptor, f"run {run_id}, pid {os.getpid()} on {socket.gethostname()}, since {started}"
    )
    try:
        yield previous
    finally:
        _write(descriptor, "")
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


def lock_holder(path: Path) -> str | None:
    """Who holds the lock now ('' if unknown), or None when nobody does
    (the lock is free at this instant; nothing is taken or written)."""
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


def _read(descriptor: int) -> str:
    """The lock file's text."""
    os.lseek(descriptor, 0, os.SEEK_SET)
    return os.read(descriptor, 4096).decode().strip()


def _write(descriptor: int, text: str) -> None:
    """Replace the lock file's text."""
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, text.encode(), 0)
