"""(a) The seed profile, extracted into a DuckDB warehouse, reproduces every
figure of "The production profile the demo reproduces" (docs/sources.md),
read through the marts wherever a mart holds the figure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dlt_pipelines.backends import Warehouse
from tests.helpers import mart, rows

OCTOBER, NOVEMBER = date(2025, 10, 1), date(2025, 11, 1)


@pytest.fixture
def warehouse(seed_warehouse) -> Warehouse:
    """The seed profile's warehouse (conftest.py)."""
    return seed_warehouse


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
        "select activity_type, count(*) from intermediate.int_activity_events_unioned"
        " group by 1 order by 1",
    ) == [
        ("collection", 36),
        ("mention", 1),
        ("post", 10),
        ("profile_update", 2095),
        ("query_vote", 22),
        ("view_access", 49),
    ]  # the 11 soft-deleted persons' edits and 4 views are events too (of non-live persons)


# The cross-source models, derived by hand from the profile and the seed's
# plan (scripts/demo/seed_profile.py). Nobody but the 24 core persons and the 7
# November viewers acts; profile updates never activate anyone.


def test_activation_funnel(warehouse):
    """October: 99 signups (docs/sources.md). Of them, 10 are core persons who
    signed up on 10-01/10-02 and acted on their one October day: 6 on
    10-05..10-07 (under 7 days later), 4 on 10-13..10-17 (under 30). Every
    other signup's first action, if any, came months later (June core persons
    in October and November), or was a profile update, which does not count."""
    funnel = by_period(warehouse, "activation_funnel")
    assert funnel[OCTOBER] == (99, 6, 10, Decimal("6.06"), Decimal("10.10"))
    assert funnel[date(2025, 6, 1)] == (1084, 0, 0, Decimal("0.00"), Decimal("0.00"))
    assert funnel[NOVEMBER] == (3, 0, 0, Decimal("0.00"), Decimal("0.00"))
    assert funnel[date(2025, 1, 1)] == (0, 0, 0, None, None)


def test_retention_cohorts(warehouse):
    """The 24 persons with a view, vote or collection in October (docs/sources.md)
    are 14 June signups and 10 October ones; the 7 active in November are all
    June signups. So June: 14 of 1,084 in month 4 (1.29 %), 7 in month 5
    (0.65 %); October: 10 of 99 in month 0; nobody else, ever. Month 4 of
    June is the October counted."""
    active = {row[:3]: row[3:] for row in mart(warehouse, "retention_cohorts") if row[4]}
    assert active == {
        (date(2025, 6, 1), 4, OCTOBER): (1084, 14, Decimal("1.29")),
        (date(2025, 6, 1), 5, NOVEMBER): (1084, 7, Decimal("0.65")),
        (OCTOBER, 0, OCTOBER): (99, 10, Decimal("10.10")),
    }
    assert len(mart(warehouse, "retention_cohorts")) == 78


def test_engagement_activity_types(warehouse):
    """The only live Engagement rows are the ghosts' 10 October posts (one
    wrote 9, the other 1) and one mention by a ghost (docs/sources.md); by the
    seed's plan the 9 are 5 text, 2 link, 1 image, 1 file, the 1 is text."""
    nonzero = [row for row in mart(warehouse, "engagement_activity_types_monthly") if row[3]]
    assert nonzero == [
        (OCTOBER, "post_text", 2, 6),
        (OCTOBER, "post_link", 1, 2),
        (OCTOBER, "post_image", 1, 1),
        (OCTOBER, "post_file", 1, 1),
        (OCTOBER, "mention", 1, 1),
    ]


def test_data_quality_summary(warehouse):
    """302 of 312 posts soft-deleted is 96.79 % (the audit's 96.8 %); the 10
    live posts and the mention point at the ghosts; 11 of 2,105 persons are
    soft-deleted; nothing was removed at the source."""
    summary = {row[1]: row[2:] for row in mart(warehouse, "data_quality_summary")}
    assert summary["posts"] == (312, True, 302, Decimal("96.79"), 0, 10)
    assert summary["mentions"] == (1, False, 0, Decimal("0.00"), 0, 1)
    assert summary["persons"] == (2105, True, 11, Decimal("0.52"), 0, 0)
    assert summary["comments"] == (0, True, 0, None, 0, 0)
    assert len(summary) == 11
    newest = rows(warehouse, "select count(newest_load_at) from marts.data_quality_summary")
    assert newest == [(11,)]


def test_platform_activity_is_chemlink_only(warehouse):
    """Live persons did nothing in Engagement (their posts are all deleted;
    the live ones are the ghosts'), so the platform is ChemLink's activity."""
    months = by_period(warehouse, "platform_mau")
    assert months[OCTOBER] == (2088, 2088, 0, 0)
    assert months[NOVEMBER] == (7, 7, 0, 0)
    days = by_period(warehouse, "platform_dau")
    assert sum(row[0] for row in days.values()) == 65


def test_person_features(warehouse):
    """One row per live person; 10 activated (the October core signups)."""
    assert rows(
        warehouse,
        "select count(*), count(case when is_activated then 1 end),"
        " sum(view_access_30d) from marts.person_features",
    ) == [(2094, 10, 44)]


def test_orphan_test_failures_are_stored(warehouse):
    """The orphan checks warn and keep their failing rows for analysts."""
    stored = "test_failures.has_live_chemlink_person_stg_engagement__posts_person_id"
    assert rows(warehouse, f"select reason, count(*) from {stored} group by 1") == [
        ("missing_in_chemlink", 10)
    ]
