"""Deletes at the source, sync-aware orphan checks, freshness: end to end on
real PostgreSQL sources and a DuckDB warehouse."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import duckdb

from dlt_pipelines.run.dbt import run_dbt
from dlt_pipelines.run.load import load_sources
from tests.helpers import (
    copy_warehouse,
    execute,
    mart,
    raw_counts,
    rows,
    scheduled_run,
    source_rows,
)

TODAY = datetime.now(UTC).date()


def test_hard_deleted_person_turns_their_posts_into_orphans(sources, published):
    # a live person with posts whom no other ChemLink row refers to, so that
    # deleting them cascades to nothing else at the source
    untouched = source_rows(
        sources.chemlink,
        "select id, person_id::text from persons p where deleted_at is null"
        " and not exists (select 1 from view_access v"
        "                 where p.id in (v.person_id, v.viewed_person_id))"
        " and not exists (select 1 from query_votes q where q.voter_id = p.id)"
        " and not exists (select 1 from collections c where c.person_id = p.id)"
        " order by id",
    )
    authors = {
        row[0] for row in source_rows(sources.engagement, "select person_id::text from posts")
    }
    person_id, uuid_ = next((id_, uuid_) for id_, uuid_ in untouched if uuid_ in authors)
    their_posts = source_rows(
        sources.engagement, f"select count(*) from posts where person_id = '{uuid_}'"
    )[0][0]
    assert their_posts > 0
    orphans_before = set(mart(published, "cross_source_orphans"))
    features_before = set(mart(published, "person_features"))
    counts_before = raw_counts(published)

    execute(sources.chemlink, f"delete from persons where id = {person_id}")
    run = scheduled_run(published, sources, LOG_FORMAT="json")  # for a log shipper
    assert run.returncode == 1, run.stdout[-3000:]  # published; the profile has ghosts
    lines = [json.loads(line) for line in run.stdout.splitlines()]  # each one JSON object
    assert sum("info" in line for line in lines) > 100  # dbt's own, --log-format json
    assert {line["run_id"] for line in lines if "run_id" in line} == {lines[-1]["run_id"]}
    assert lines[-1]["level"] == "WARNING"
    assert lines[-1]["message"].startswith("finished: warning: warn: has_live_chemlink_person")

    new_orphans = set(mart(published, "cross_source_orphans")) - orphans_before
    assert orphans_before <= set(mart(published, "cross_source_orphans"))
    assert {(row[0], row[1], row[2], row[3]) for row in new_orphans} >= {
        ("posts", "person_id", uuid_, "missing_in_chemlink")
    }
    assert {row[2] for row in new_orphans} == {uuid_}  # nobody else became an orphan
    posts_row = next(row for row in new_orphans if row[0] == "posts")
    assert posts_row[4] == their_posts
    # nothing is lost from raw: the row is kept and marked, not dropped
    assert raw_counts(published) == counts_before | {"raw_chemlink.source_key_findings": 1}
    assert rows(
        published,
        "select source_table, removed_at_source_rows from marts.data_quality_summary"
        " where removed_at_source_rows > 0",
    ) == [("persons", 1)]
    assert rows(
        published,
        "select is_removed from staging.stg_chemlink__persons"
        f" where chemlink_person_id = {person_id}",
    ) == [(True,)]
    # the person left the training set; every other person's features stay
    features_after = set(mart(published, "person_features"))
    assert {row[0] for row in features_before - features_after} == {uuid_}
    assert features_after < features_before


def test_post_by_a_person_not_loaded_yet_is_not_an_orphan(sources, published):
    newcomer = str(uuid.uuid4())
    now = datetime.now(UTC).isoformat()
    execute(
        sources.chemlink,
        "insert into persons (person_id, email, account_type, created_at, updated_at)"
        f" values ('{newcomer}', 'new@example.com', 'standard', '{now}', '{now}')",
    )
    execute(
        sources.engagement,
        "insert into posts (id, person_id, type, status, created_at, updated_at)"
        f" values (gen_random_uuid(), '{newcomer}', 'text', 'approved', '{now}', '{now}')",
    )

    def newcomer_state() -> tuple:
        built = run_dbt(
            ["build", "--select", "+cross_source_orphans"],
            published,
            TODAY,
        )
        assert built.exit_code == 0  # the orphan check and what it reads, with their tests
        status = rows(
            published,
            "select person_status from intermediate.int_persons_unioned"
            f" where person_id = '{newcomer}'",
        )
        in_orphans = [row for row in mart(published, "cross_source_orphans")
                      if row[2] == newcomer]  # fmt: skip
        stored = rows(
            published,
            "select count(*) from"
            " test_failures.has_live_chemlink_person_stg_engagement__posts_person_id"
            f" where person_id = '{newcomer}'",
        )[0][0]
        return status, in_orphans, stored

    load_sources(published, sources.by_source(), only=("engagement",))
    assert newcomer_state() == ([("unsynced",)], [], 0)  # ChemLink not loaded since
    load_sources(published, sources.by_source(), only=("chemlink",))
    assert newcomer_state() == ([("live",)], [], 0)


def test_source_freshness_fails_when_a_load_is_too_old(published):
    assert run_dbt(["source", "freshness"], published).exit_code == 0
    with duckdb.connect(str(published.path)) as conn:  # the load, 30 hours ago
        conn.execute("update raw_chemlink._dlt_loads set inserted_at = now() - interval 30 hour")
    stale = run_dbt(["source", "freshness"], published)
    assert stale.exit_code == 1
    assert stale.problems == ["error: chemlink._dlt_loads"]
    # 30 hours is over the default error threshold (24) but not a team's 48
    relaxed = run_dbt(
        ["source", "freshness"],
        published,
        variables={"freshness_error_after_hours": 48},
    )
    assert (relaxed.exit_code, relaxed.problems) == (0, ["warn: chemlink._dlt_loads"])


def test_orphan_severity_and_threshold_are_settings(seed_warehouse, tmp_path):
    warehouse = copy_warehouse(seed_warehouse, tmp_path)  # the tests store their failures
    test = ["test", "--select", "test_name:has_live_chemlink_person"]
    default = run_dbt(test, warehouse)
    assert (default.exit_code, default.statuses["warn"]) == (0, 2)  # 10 + 1 orphan rows: warnings
    strict = {"orphan_test_severity": "error", "orphan_error_threshold": 5}
    failed = run_dbt(test, warehouse, variables=strict)
    assert failed.exit_code == 1
    assert "fail: has_live_chemlink_person_stg_engagement__posts_person_id (10 rows)" in (
        failed.problems
    )  # 10 > 5; the mention's 1 stays a warning
    tolerant = {"orphan_test_severity": "error", "orphan_error_threshold": 10}
    assert run_dbt(test, warehouse, variables=tolerant).exit_code == 0
