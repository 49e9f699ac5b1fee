"""(c) Loading is incremental and idempotent: a second run with no change at
the source changes nothing; changes made between runs arrive exactly once."""

from __future__ import annotations

from datetime import UTC, datetime

from dlt_pipelines.postgres_url import PostgresUrl
from dlt_pipelines.run.load import load_sources
from dlt_pipelines.sources import key_findings
from tests.helpers import execute, rows, run_history, scheduled_run, source_rows
from tests.source_changes import change


def test_second_run_without_source_changes_changes_nothing(sources, published):
    before = published.path.read_bytes()
    [first] = run_history(published)
    run = scheduled_run(published, sources)  # the run right after the first
    assert run.returncode == 1  # the published build stands, with its warnings
    assert "loaded 0 rows" in run.stdout
    assert f"nothing changed since run {first['run_id']}" in run.stdout
    assert "dbt build" not in run.stdout
    assert published.path.read_bytes() == before  # nothing rebuilt, nothing published


def test_after_a_change_a_run_without_one_builds_nothing_and_keeps_the_previous_build(
    sources, published
):
    previous = published.published_slot()
    change(sources, "update comments", 0.5)
    changed = scheduled_run(published, sources)
    assert changed.returncode == 1, changed.stdout[-3000:]
    assert "dbt build: what changed" in changed.stdout  # the standby was seeded from the first
    standby = published.standby()
    assert standby.name == previous
    kept = standby.warehouse.path.read_bytes()
    last = run_history(published)[-1]
    run = scheduled_run(published, sources)
    assert run.returncode == 1, run.stdout[-3000:]
    assert f"nothing changed since run {last['run_id']}" in run.stdout
    assert "dbt build" not in run.stdout
    assert standby.warehouse.path.read_bytes() == kept  # the previous build, intact


def test_changes_between_runs_arrive_exactly_once(sources, duckdb_warehouse):
    load_sources(duckdb_warehouse, sources.by_source())
    now = datetime.now(UTC).isoformat()
    execute(
        sources.engagement,
        f"""
        update posts set deleted_at = '{now}', updated_at = '{now}'
        where id = (select id from posts where deleted_at is null order by id limit 1);
        -- a resolution moves resolved_at only: reports has no updated_at
        update reports set status = 'resolved', resolved_at = '{now}'
        where id = (select min(id) from reports where status = 'open');
        insert into mentions (post_id, mentioned_person_id, mentioned_by_person_id, created_at)
        select id, person_id, person_id, '{now}' from posts order by id limit 1;
        """,
    )
    execute(
        sources.chemlink,
        f"update persons set updated_at = '{now}', headline = 'Changed'"
        " where id = (select min(id) from persons)",
    )
    first_counts = {
        table: rows(duckdb_warehouse, f"select count(*) from raw_engagement.{table}")[0][0]
        for table in ("posts", "reports", "mentions")
    }

    loaded = load_sources(duckdb_warehouse, sources.by_source())

    count = lambda table: rows(duckdb_warehouse, f"select count(*) from {table}")[0][0]  # noqa: E731
    assert count("raw_engagement.posts") == first_counts["posts"]
    assert count("raw_engagement.reports") == first_counts["reports"]
    assert count("raw_engagement.mentions") == first_counts["mentions"] + 1
    assert count("raw_engagement.posts where deleted_at >= now() - interval 1 hour") == 1
    assert count("raw_engagement.reports where resolved_at >= now() - interval 1 hour") == 1
    assert count("raw_chemlink.persons where headline = 'Changed'") == 1
    # only the changed rows and the lag window's were read again
    assert loaded["engagement.posts"] < first_counts["posts"] / 10


def test_transaction_committing_after_a_run_passed_its_timestamp_is_loaded(
    sources, duckdb_warehouse
):
    load_sources(duckdb_warehouse, sources.by_source())
    insert = (
        "insert into comments (id, post_id, person_id, content, created_at, updated_at)"
        " select gen_random_uuid(), id, person_id, '{content}', now(), now()"
        " from posts order by id limit 1"
    )
    late = PostgresUrl.parse(sources.engagement).connect()  # stamps now() at its start...
    late.cursor().execute(insert.format(content="late"))
    execute(sources.engagement, insert.format(content="on time"))  # a later stamp
    load_sources(duckdb_warehouse, sources.by_source())  # passes both stamps
    late.commit()  # ...and commits only now, behind the run's high-water mark
    late.close()
    count = "select content, count(*) from raw_engagement.comments where content in"
    count += " ('late', 'on time') group by 1 order by 1"
    assert rows(duckdb_warehouse, count) == [("on time", 1)]
    load_sources(duckdb_warehouse, sources.by_source())
    assert rows(duckdb_warehouse, count) == [("late", 1), ("on time", 1)]


def test_a_removal_offset_by_an_insert_in_its_key_range_is_found(
    sources, duckdb_warehouse, monkeypatch
):
    # the key comparison counts keys per range (a uuid's first two hex
    # digits, an integer's share of the keys) and reads only the ranges
    # whose counts differ: here each range keeps its count (the new post
    # even backdated, as an import would be). A table whose statistics count
    # no delete since its last comparison is not counted at all.
    load_sources(duckdb_warehouse, sources.by_source())
    reads, counted = [], []  # the key reads and the tables counted, each still made
    read_keys, count = key_findings._source_keys, key_findings._differing_ranges
    monkeypatch.setattr(
        key_findings, "_source_keys", lambda conn, sql: reads.append(sql) or read_keys(conn, sql)
    )
    monkeypatch.setattr(
        key_findings, "_differing_ranges", lambda *args: counted.append(args[2]) or count(*args)
    )
    [(post,)] = source_rows(
        sources.engagement,
        "select id::text from posts p where not exists (select from comments where post_id = p.id)"
        " and not exists (select from mentions where post_id = p.id)"
        " and not exists (select from reports where post_id = p.id) order by id limit 1",
    )
    [(mention,)] = source_rows(sources.engagement, "select max(id)::text from mentions")
    execute(
        sources.engagement,
        "insert into posts (id, person_id, type, status, content, metadata, created_at, updated_at)"
        f" select (left(id::text, 2) || right(gen_random_uuid()::text, 34))::uuid, person_id,"
        f" type, status, 'new', metadata, created_at, now() from posts where id = '{post}';"
        f" delete from posts where id = '{post}';"
        " insert into mentions"
        " (post_id, comment_id, mentioned_person_id, mentioned_by_person_id, created_at)"
        " select post_id, comment_id, mentioned_person_id, mentioned_by_person_id, now()"
        " from mentions"
        f" where id = {mention}; delete from mentions where id = {mention}",
    )
    loaded = load_sources(duckdb_warehouse, sources.by_source())
    assert loaded["engagement.posts"] == loaded["engagement.mentions"] == 1
    assert rows(
        duckdb_warehouse,
        "select table_name, row_id from raw_engagement.source_key_findings"
        " where finding = 'removed_at_source' order by 1",
    ) == [("mentions", mention), ("posts", post)]
    # one range of each changed table, read key by key; no other key read
    assert [sql.split(" from ")[1].split()[0] for sql in reads] == ['"posts"', '"mentions"']
    assert all(sql.count(" between ") == 1 for sql in reads)
    assert counted == ["posts", "mentions"]  # no other table deleted a row
    change(sources, "update comments", 0.5)
    load_sources(duckdb_warehouse, sources.by_source())
    assert counted == ["posts", "mentions"]  # an update deletes nothing
