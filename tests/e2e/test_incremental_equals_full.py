"""Incremental runs always equal a full rebuild. A seeded random sequence of
changes to the sources (inserts, updates, soft and hard deletes, late
commits, a person leaving, a report resolved) with a scheduled run after
each step; after every run, each mart equals what `dbt run --full-refresh`
makes from the same raw tables, on DuckDB and on PostgreSQL.

PROPERTY_SEED picks another sequence (the default keeps CI reproducible),
PROPERTY_STEPS a longer one (two in `make test`: the second run loads the
late commit of the first). On DuckDB the first run is the one right after
the warehouse's first (its standby seeded from it). Then a run with nothing
changed builds nothing, and new as-of days (the second with one table
changed) rebuild only what reads the date or that table (once the standby
has caught up) and still equal a full rebuild."""

from __future__ import annotations

import os
import random
import shutil
from datetime import date, timedelta

import pytest

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from dlt_pipelines.backends.postgres import PostgresWarehouse
from dlt_pipelines.run.dbt import run_dbt
from tests.helpers import (
    AS_OF,
    WITHOUT_DATA_TESTS,
    copy_postgres_warehouse,
    marts,
    rows,
    scheduled_run,
)
from tests.source_changes import CHANGES, change, late_comment

SEED = int(os.environ.get("PROPERTY_SEED", "20251103"))
STEPS = int(os.environ.get("PROPERTY_STEPS", "2"))
CHANGES_PER_STEP = 4


def full_rebuild_of(warehouse: Warehouse, tmp_path, as_of: date = AS_OF) -> Warehouse:
    """What --full-refresh makes of the published warehouse's raw tables."""
    if isinstance(warehouse, PostgresWarehouse):
        copy = copy_postgres_warehouse(warehouse, f"full_rebuild_{os.getpid()}")
    else:
        slot = warehouse.published_slot()
        copy = DuckDBWarehouse(tmp_path / "full" / warehouse.path.name)
        copy.path.parent.mkdir(parents=True)
        published = warehouse.path.parent / ".slots" / slot / warehouse.path.name
        shutil.copyfile(published, copy.path)
    built = run_dbt(["run", "--full-refresh"], copy, as_of)
    # (the run tested the data)
    assert not built.failed, built.cause()
    return copy


def differing(warehouse: Warehouse, full: Warehouse) -> list[str]:
    """The marts whose rows differ between the two warehouses."""
    ours, theirs = marts(warehouse), marts(full)
    return [model for model in ours if ours[model] != theirs[model]]


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_incremental_runs_equal_a_full_rebuild(target, sources, request, tmp_path):
    warehouse = request.getfixturevalue("published" if target == "duckdb" else "published_postgres")
    generator = random.Random(SEED)
    first = marts(warehouse)
    for step in range(STEPS):
        for name in generator.sample(sorted(CHANGES), CHANGES_PER_STEP):
            change(sources, name, generator.random())
        pending = late_comment(sources) if step == 0 else None  # stamped before the run...
        run = scheduled_run(warehouse, sources, **WITHOUT_DATA_TESTS)
        assert run.returncode == 0, run.stdout[-3000:]  # published
        assert "dbt build: what changed" in run.stdout  # incremental, not everything
        if pending:
            pending.commit()  # ...committed after it: the next run must load it
            pending.close()
        full = full_rebuild_of(warehouse, tmp_path / str(step))
        assert differing(warehouse, full) == [], f"seed {SEED}, step {step}"
    assert marts(warehouse) != first

    unchanged = scheduled_run(warehouse, sources, **WITHOUT_DATA_TESTS)  # nothing changed
    assert "nothing changed since run" in unchanged.stdout
    # new as-of days: the first catches the standby up (it is one build
    # behind); the second, with one table changed, rebuilds what reads the
    # date and what depends on that table, nothing else
    for days in (1, 2):
        if days == 2:
            change(sources, "soft-delete collections", generator.random())
        day = AS_OF + timedelta(days=days)
        run = scheduled_run(warehouse, sources, "--as-of", day.isoformat(), **WITHOUT_DATA_TESTS)
        assert run.returncode == 0, run.stdout[-3000:]
    assert "dbt build: what changed" in run.stdout
    assert "int_activity_events_tracked" in run.stdout  # it reads the collections
    assert "int_persons_unioned" not in run.stdout  # it reads neither them nor the date
    full = full_rebuild_of(warehouse, tmp_path / "new_day", day)
    assert differing(warehouse, full) == []
    late = "select count(*) from raw_engagement.comments where content = 'late'"
    assert rows(warehouse, late) == [(1,)]
