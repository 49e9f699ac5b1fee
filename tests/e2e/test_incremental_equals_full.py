"""Incremental runs always equal a full rebuild. A seeded random sequence of
changes to the sources (inserts, updates, soft and hard deletes, late
commits, a person leaving, a report resolved) with a scheduled run after
each step; after every run, each mart equals what `dbt run --full-refresh`
makes from the same raw tables, on DuckDB and on PostgreSQL.

PROPERTY_SEED picks another sequence (the default keeps CI reproducible),
PROPERTY_STEPS a longer one (two in `make test`: the second run loads the
late commit of the first)."""

from __future__ import annotations

import os
import random
import shutil

import pytest

from dlt_pipelines.postgres_url import PostgresUrl
from dlt_pipelines.run.dbt import run_dbt
from dlt_pipelines.run.publish import published_slot
from dlt_pipelines.warehouse import Warehouse
from scripts.demo.source_databases import SourceUrls
from tests.helpers import (
    AS_OF,
    MART_MODELS,
    copy_postgres_warehouse,
    execute,
    mart,
    rows,
    scheduled_run,
)

SEED = int(os.environ.get("PROPERTY_SEED", "20251103"))
STEPS = int(os.environ.get("PROPERTY_STEPS", "2"))
CHANGES_PER_STEP = 4
# a moment inside the reports' windows: changed rows keep counting in the marts
IN_WINDOW = "'2025-10-20 12:00:00+00'"


def sample(table: str, n: int, where: str = "true") -> str:
    """A subquery of n ids of the table, chosen by the session's seeded random()."""
    return f"(select id from {table} where {where} order by random() limit {n})"


# Each change: (source, SQL). now() stamps updated_at, so the cursor sees the change.
CHANGES: dict[str, tuple[str, str]] = {
    "insert posts": (
        "engagement",
        "insert into posts (id, person_id, type, status, content, metadata, created_at, updated_at)"
        f" select gen_random_uuid(), person_id, type, status, 'new', metadata, {IN_WINDOW}, now()"
        f" from posts where id in {sample('posts', 5)}",
    ),
    "update comments": (
        "engagement",
        "update comments set content = 'edited', updated_at = now()"
        f" where id in {sample('comments', 5)}",
    ),
    "soft-delete posts": (
        "engagement",
        "update posts set deleted_at = now(), updated_at = now()"
        f" where id in {sample('posts', 5, 'deleted_at is null')}",
    ),
    "hard-delete posts": (
        "engagement",
        "delete from posts where id in "
        + sample(
            "posts",
            3,
            "not exists (select 1 from comments where post_id = posts.id)"
            " and not exists (select 1 from mentions where post_id = posts.id)"
            " and not exists (select 1 from reports where post_id = posts.id)",
        ),
    ),
    "resolve reports": (
        "engagement",
        "update reports set status = 'resolved', resolved_at = now()"
        f" where id in {sample('reports', 2, 'resolved_at is null')}",
    ),
    "soft-delete collections": (
        "chemlink",
        "update collections set deleted_at = now(), updated_at = now()"
        f" where id in {sample('collections', 5, 'deleted_at is null')}",
    ),
    "insert views": (
        "chemlink",
        "insert into view_access (person_id, viewed_person_id, created_at, updated_at)"
        f" select person_id, viewed_person_id, {IN_WINDOW}, now() from view_access"
        f" where id in {sample('view_access', 5)}",
    ),
    "a person leaves": (
        "chemlink",
        "update persons set deleted_at = now(), updated_at = now()"
        f" where id in {sample('persons', 2, 'deleted_at is null')}",
    ),
    "a person is removed": (
        "chemlink",
        f"delete from persons where id in {sample('persons', 1)}",
    ),
    "profiles edited": (
        "chemlink",
        "update persons set headline = 'new', updated_at = now()"
        f" where id in {sample('persons', 5)}",
    ),
}


def change(sources: SourceUrls, name: str, seed: float) -> None:
    """Apply one change with the session's random() seeded, so it repeats."""
    database, statement = CHANGES[name]
    execute(getattr(sources, database), f"select setseed({seed}); {statement}")


def late_comment(sources: SourceUrls):
    """A transaction that stamps a new comment now and commits later (the
    caller commits it after the next run): a late commit."""
    connection = PostgresUrl.parse(sources.engagement).connect()
    connection.cursor().execute(
        "insert into comments (id, post_id, person_id, content, created_at, updated_at)"
        f" select gen_random_uuid(), id, person_id, 'late', {IN_WINDOW}, now()"
        " from posts order by id limit 1"
    )
    return connection


def full_rebuild_of(warehouse: Warehouse, tmp_path) -> Warehouse:
    """What --full-refresh makes of the published warehouse's raw tables."""
    if warehouse.target == "postgres":
        copy = copy_postgres_warehouse(warehouse, f"full_rebuild_{os.getpid()}")
    else:
        slot = published_slot(warehouse)
        copy = Warehouse("duckdb", tmp_path / "full" / warehouse.duckdb_path.name)
        copy.duckdb_path.parent.mkdir(parents=True)
        published = warehouse.duckdb_path.parent / ".slots" / slot / warehouse.duckdb_path.name
        shutil.copyfile(published, copy.duckdb_path)
    built = run_dbt(["run", "--full-refresh"], copy, AS_OF)
    # (the run tested the data)
    assert not built.failed, built.cause()
    return copy


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_incremental_runs_equal_a_full_rebuild(target, sources, request, tmp_path):
    warehouse = request.getfixturevalue("published" if target == "duckdb" else "published_postgres")
    generator = random.Random(SEED)
    first = {model: mart(warehouse, model) for model in MART_MODELS}
    for step in range(STEPS):
        for name in generator.sample(sorted(CHANGES), CHANGES_PER_STEP):
            change(sources, name, generator.random())
        pending = late_comment(sources) if step == 0 else None  # stamped before the run...
        run = scheduled_run(warehouse, sources)
        assert run.returncode == 1, run.stdout[-3000:]  # published; the profile has ghosts
        assert "dbt build: what changed" in run.stdout  # incremental, not everything
        if pending:
            pending.commit()  # ...committed after it: the next run must load it
            pending.close()
        full = full_rebuild_of(warehouse, tmp_path / str(step))
        differing = [m for m in MART_MODELS if mart(warehouse, m) != mart(full, m)]
        assert differing == [], f"seed {SEED}, step {step}"
    assert {model: mart(warehouse, model) for model in MART_MODELS} != first
    late = "select count(*) from raw_engagement.comments where content = 'late'"
    assert rows(warehouse, late) == [(1,)]
