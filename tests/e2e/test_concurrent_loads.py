"""Loads never collide: both sources load side by side, in one process, into
one DuckDB file (two threads that each opened the file could collide:
"Unique file handle conflict"), and that must hold on a busy machine."""

from __future__ import annotations

import os
import subprocess
import sys

from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from dlt_pipelines.run.load import load_sources
from tests.helpers import rows

ATTEMPTS = 5


def test_first_loads_never_collide_on_a_busy_machine(seed_sources, tmp_path):
    busy = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        for attempt in range(ATTEMPTS):
            warehouse = DuckDBWarehouse(tmp_path / str(attempt) / "warehouse.duckdb")
            loaded = load_sources(warehouse, seed_sources.by_source())  # into a fresh file
            assert (loaded["chemlink.persons"], loaded["engagement.posts"]) == (2105, 312)
        reloaded = load_sources(warehouse, seed_sources.by_source())  # into an existing one
    finally:
        for process in busy:
            process.kill()
            process.wait()
    assert reloaded.get("engagement.posts", 0) == 0  # nothing changed at the source
    assert rows(warehouse, "select count(*) from raw_engagement._dlt_loads") == [(2,)]
    assert rows(warehouse, "select count(*) from raw_chemlink.persons") == [(2105,)]
