"""(a) The seed profile, extracted into a DuckDB warehouse, reproduces every
figure of "The production profile, as observed on 2025-11-03" (sources.md),
read through the marts wherever a mart holds the figure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from dlt_pipelines.warehouse import Warehouse
from tests.helpers import assert_built, mart, rows, run_build

OCTOBER, NOVEMBER = date(2025, 10, 1), date(2025, 11, 1)


@pytest.fixture(scope="module")
def warehouse(seed_sources, tmp_path_factory) -> Warehouse:
    """The seed profile built into a fresh DuckDB file, as of 2025-11-03."""
    built = Warehouse("duckdb", Path(tmp_path_factory.mktemp("seed")) / "warehouse.duckdb")
    assert_built(run_build(built, seed_sources))
    return built


def by_period(warehouse: Warehouse, model: str) -> dict:
    """A mart's rows keyed by their first column (the period)."""
    return {row[0]: row[1:] for row in mart(warehouse, model)}


def test_persons_rows_and_soft_deletes(warehouse):
    assert rows(
        warehouse,
        "select count(*), count(case when is_deleted then 1 end),"
        " count(case when is_deleted and account_type = 'standard' then 1 end)"
        " from staging.stg_chemlink__persons",
    ) == [(2105, 11, 11)]


def test_live_signups_by_month(warehouse):
    signups = {month: n for month, n in mart(warehouse, "new_users_monthly") if n}
    assert signups == {
        date(2025, 6, 1): 1084,
        date(2025, 7, 1): 175,
        date(2025, 8, 1): 596,
        date(2025, 9, 1): 137,
        date(2025, 10, 1): 99,
        date(2025, 11, 1): 3,
    }
    assert sum(signups.values()) == 2094  # live persons


def test_growth_rate(warehouse):
    growth = {month: row[2] for month, *row in mart(warehouse, "growth_rate_monthly")}
    assert growth[date(2025, 7, 1)] == Decimal("-83.86")
    assert growth[date(2025, 8, 1)] == Decimal("240.57")


def test_account_types(warehouse):
    november = [row[1:3] for row in mart(warehouse, "user_type") if row[0] == NOVEMBER]
    assert november == [("Finder", 19), ("Standard", 2075)]  # live persons of each type
    assert rows(
        warehouse,
        "select account_type, count(*) from staging.stg_chemlink__persons group by 1 order by 1",
    ) == [("finder", 19), ("standard", 2086)]


def test_posts_by_type_all_approved(warehouse):
    assert rows(
        warehouse,
        "select post_type, post_status, count(*), count(case when is_deleted then 1 end)"
        " from staging.stg_engagement__posts group by 1, 2 order by 1",
    ) == [
        ("file", "approved", 32, 31),
        ("image", "approved", 50, 49),
        ("link", "approved", 65, 63),
        ("text", "approved", 165, 159),
    ]  # 312 posts, 302 soft-deleted


def test_soft_deleted_posts_were_written_by_live_persons(warehouse):
    assert rows(
        warehouse,
        "select count(*) from staging.stg_engagement__posts as posts"
        " inner join staging.stg_chemlink__persons as persons"
        " on posts.person_id = persons.person_id and not persons.is_deleted"
        " where posts.is_deleted",
    ) == [(302,)]


def test_live_posts_are_the_two_ghosts(warehouse):
    orphans = mart(warehouse, "cross_source_orphans")
    post_orphans = sorted(
        (row[4], row[5]) for row in orphans if row[0] == "posts"
    )  # (row_count, live_row_count) per ghost
    assert post_orphans == [(1, 1), (9, 9)]
    assert {row[3] for row in orphans} == {"missing_in_chemlink"}
    assert mart(warehouse, "mau")[-2] == (OCTOBER, 2, 2, 0, 10, 0)


def test_comments_reports_groups_are_empty(warehouse):
    assert all(row[3] == 0 and row[5] == 0 for row in mart(warehouse, "mau"))
    assert rows(
        warehouse,
        "select (select count(*) from staging.stg_engagement__comments),"
        " (select count(*) from staging.stg_engagement__reports),"
        " (select count(*) from staging.stg_engagement__groups),"
        " (select count(*) from staging.stg_engagement__group_members)",
    ) == [(0, 0, 0, 0)]


def test_one_mention_by_a_ghost_naming_a_live_person(warehouse):
    mention_orphans = [
        row[:2] for row in mart(warehouse, "cross_source_orphans") if row[0] == "mentions"
    ]
    assert mention_orphans == [("mentions", "mentioned_by_person_id")]
    assert rows(warehouse, "select count(*) from staging.stg_engagement__mentions") == [(1,)]


def test_engagement_dau(warehouse):
    active = {day: row[0] for day, row in by_period(warehouse, "dau").items() if row[0]}
    assert active == {date(2025, 10, 28): 1, date(2025, 10, 29): 2, date(2025, 10, 30): 1}


def test_intensity_in_october(warehouse):
    october = [row[1:] for row in mart(warehouse, "activity_intensity_levels") if row[0] == OCTOBER]
    assert october == [
        ("Power User", 1, 0, 0),
        ("Active User", 2, 0, 0),
        ("Regular User", 3, 1, 9),
        ("Casual User", 4, 1, 1),
    ]


def test_chemlink_activity_in_the_last_30_days(warehouse):
    window = "created_at >= '2025-10-05' and created_at < '2025-11-04'"
    assert rows(
        warehouse,
        "select count(*), count(distinct chemlink_person_id) from staging.stg_chemlink__view_access"
        f" where not is_deleted and {window}",
    ) == [(44, 19)]
    assert rows(
        warehouse,
        "select count(*), count(distinct chemlink_person_id) from staging.stg_chemlink__query_votes"
        f" where {window}",
    ) == [(22, 8)]
    assert rows(
        warehouse,
        "select count(*), count(distinct chemlink_person_id) from staging.stg_chemlink__collections"
        f" where not is_deleted and {window}",
    ) == [(36, 10)]
    assert rows(
        warehouse,
        "select count(distinct person_id) from intermediate.int_activity_events_unioned"
        " where activity_type = 'profile_update'"
        " and occurred_at >= '2025-10-05' and occurred_at < '2025-11-04'",
    ) == [(34,)]


def test_dau_comprehensive(warehouse):
    active = [row[0] for row in by_period(warehouse, "dau_comprehensive").values()]
    assert len(active) == 30
    assert sum(1 for users in active if users) == 18
    assert max(active) == 9
    assert sum(active) == 65
    assert by_period(warehouse, "dau_comprehensive")[date(2025, 11, 3)][0] == 7


def test_mau_comprehensive(warehouse):
    months = by_period(warehouse, "mau_comprehensive")
    assert months[OCTOBER] == (2088, 14, 8, 10, 2084)
    assert months[NOVEMBER] == (7, 7, 0, 0, 0)


def test_october_profile_updates(warehouse):
    assert rows(
        warehouse,
        "select activity_date, count(*) from intermediate.int_activity_events_unioned"
        " where activity_type = 'profile_update' and activity_month = '2025-10-01'"
        " group by 1 order by 2 desc limit 1",
    ) == [(date(2025, 10, 2), 2050)]  # the bulk onboarding edit; 34 more follow


def test_user_type(warehouse):
    user_types = {(row[0], row[1]): row[2:4] for row in mart(warehouse, "user_type")}
    assert user_types[(OCTOBER, "Finder")] == (19, 14)
    assert user_types[(OCTOBER, "Standard")][1] == 10
    assert user_types[(NOVEMBER, "Standard")][1] == 7
    assert user_types[(NOVEMBER, "Finder")][1] == 0


def test_collections_privacy_in_october(warehouse):
    october = [row[1:] for row in mart(warehouse, "collections_privacy") if row[0] == OCTOBER]
    assert october == [("PUBLIC", 27, 8), ("PRIVATE", 9, 7)]
    assert rows(
        warehouse,
        "select count(*) from staging.stg_chemlink__collections"
        " where privacy is null and created_at >= '2025-10-01' and created_at < '2025-11-01'",
    ) == [(3,)]


def test_query_embeddings_are_never_activity(warehouse):
    assert rows(warehouse, "select count(*) from staging.stg_chemlink__query_embeddings") == [(25,)]
    assert rows(
        warehouse,
        "select count(*) from intermediate.int_activity_events_unioned"
        " where activity_type not in"
        " ('view_access', 'query_vote', 'collection', 'profile_update', 'post', 'comment')",
    ) == [(0,)]
