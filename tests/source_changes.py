"""Changes to the template's sources that every kind of change a production
source makes is among: inserts, updates, soft and hard deletes, a person
leaving or removed, a report resolved, events moved to another day and
month or person, old events arriving late, signups moved to another month, and a
late commit. Each is SQL on one source, its rows chosen by the session's
seeded random(), so that a seed repeats the same changes. Two more make
and mend bad rows: a post from the future (a new warning), the ghosts
coming back (warnings fixed); one moves a recent signup to the month
before and nothing else."""

from __future__ import annotations

from dlt_pipelines.postgres_url import PostgresUrl
from scripts.demo.source_databases import SourceUrls
from tests.helpers import execute, source_rows

# a moment inside the reports' windows: changed rows keep counting in the marts
IN_WINDOW = "'2025-10-20 12:00:00+00'"
# a moment months before the as-of date: outside every change window
MONTHS_AGO = "'2025-07-15 09:00:00+00'"


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
    # an update that moves events to another day (and month)
    "comments moved a month back": (
        "engagement",
        "update comments set created_at = created_at - interval '31 days', updated_at = now()"
        f" where id in {sample('comments', 5, 'deleted_at is null')}",
    ),
    # an update that moves events to another person (they leave one person's
    # counts for another's)
    "comments moved to another person": (
        "engagement",
        "update comments set person_id = (select person_id from posts order by random() limit 1),"
        f" updated_at = now() where id in {sample('comments', 3, 'deleted_at is null')}",
    ),
    # rows whose event is older than any change window, committed now
    "old posts arrive late": (
        "engagement",
        "insert into posts (id, person_id, type, status, content, metadata, created_at, updated_at)"
        f" select gen_random_uuid(), person_id, type, status, 'late', metadata, {MONTHS_AGO}, now()"
        f" from posts where id in {sample('posts', 4)}",
    ),
    # a person's signup moves to the month before: their cohort changes
    "signups moved a month back": (
        "chemlink",
        "update persons set created_at = created_at - interval '1 month', updated_at = now()"
        f" where id in {sample('persons', 3, 'deleted_at is null')}",
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


def post_from_the_future(sources: SourceUrls, seed: float) -> None:
    """One live post stamped a year ahead: a warning of is_not_in_the_future."""
    execute(
        sources.engagement,
        f"select setseed({seed}); update posts set created_at = now() + interval '1 year',"
        f" updated_at = now() where id in {sample('posts', 1, 'deleted_at is null')}",
    )


def recent_signup_moved(sources: SourceUrls, seed: float) -> None:
    """One live person who signed up in November 2025 and never edited their
    profile signs up a month earlier: the October and November cohorts
    change, and no activity in the template's window (their profile update
    is stamped now)."""
    recent = "deleted_at is null and created_at >= '2025-11-01' and updated_at = created_at"
    execute(
        sources.chemlink,
        f"select setseed({seed}); update persons set created_at = created_at - interval '1 month',"
        f" updated_at = now() where id in {sample('persons', 1, recent)}",
    )


# the Engagement columns that name a ChemLink person, as the orphan checks read them
PERSON_COLUMNS = {
    "posts": "person_id",
    "comments": "person_id",
    "mentions": "mentioned_person_id",
    "reports": "reporter_id",
    "groups": "created_by",
    "group_members": "person_id",
}


def ghosts(sources: SourceUrls) -> list[str]:
    """The uuids Engagement names that ChemLink does not have."""
    named = " union ".join(f"select {c}::text from {t}" for t, c in PERSON_COLUMNS.items())
    named += " union select mentioned_by_person_id::text from mentions"
    known = {row[0] for row in source_rows(sources.chemlink, "select person_id::text from persons")}
    return sorted({row[0] for row in source_rows(sources.engagement, named)} - known)


def ghosts_return(sources: SourceUrls, uuids: list[str]) -> None:
    """These ghosts get a ChemLink profile (they never had one the warehouse
    saw): the orphan warnings they caused are fixed."""
    values = ", ".join(
        f"('{uuid}', 'back@example.com', 'standard', '2025-01-01', now())" for uuid in uuids
    )
    execute(
        sources.chemlink,
        "insert into persons (person_id, email, account_type, created_at, updated_at)"
        f" values {values}",
    )
