"""The scheduled run under the faults production brings: each test injects one
and checks the outcome with exact row counts. Most start from `published`,
a copy of a warehouse where one run already published the `sources`
(conftest.py's runs template), as production would be.

Blocking is real, not simulated: a test holds a PostgreSQL lock on a source
table (the run then waits inside extraction) or on a warehouse table (it
waits inside the load), and kills the run there with SIGKILL.
"""

from __future__ import annotations

import http.server
import json
import shutil
import signal
import threading
import time
from collections.abc import Callable

import duckdb
import psycopg2
import pytest

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from dlt_pipelines.postgres_url import PostgresUrl
from dlt_pipelines.run.builds import newest_load
from dlt_pipelines.run.dbt import run_dbt
from scripts.demo.postgres_server import database_url
from tests.conftest import WORKER
from tests.helpers import (
    AS_OF,
    WITHOUT_DATA_TESTS,
    as_role,
    contents,
    execute,
    postgres_warehouse,
    raw_counts,
    rows,
    run_history,
    scheduled_run,
    source_counts,
    source_rows,
    start_scheduled_run,
)

SUCCESS, WARNING, FAILURE, BUSY = 0, 1, 2, 3


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    """Poll until the condition holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def waiting_on_a_lock(url: str) -> bool:
    """Tell whether some session of that database waits for a lock."""
    database = PostgresUrl.parse(url).dbname
    return (
        source_rows(
            url,
            "select count(*) from pg_stat_activity"
            f" where datname = '{database}' and wait_event_type = 'Lock'",
        )[0][0]
        > 0
    )


def holding_lock(url: str, table: str):
    """An open transaction holding an exclusive lock on the table."""
    conn = PostgresUrl.parse(url).connect()
    conn.cursor().execute(f"lock table {table} in access exclusive mode")
    return conn


def clean_build(tmp_path, sources) -> Warehouse:
    """What a single clean run of today's sources gives (its data tests
    left out: only what it built is compared)."""
    clean = DuckDBWarehouse(tmp_path / "clean" / "warehouse.duckdb")
    assert scheduled_run(clean, sources, **WITHOUT_DATA_TESTS).returncode == SUCCESS
    return clean


def test_killed_during_extract_holds_no_lock_and_loses_nothing(sources, published, tmp_path):
    before = contents(published)
    execute(sources.engagement, "update comments set content = 'edited', updated_at = now()")
    blocker = holding_lock(sources.engagement, "posts")
    killed = start_scheduled_run(published, sources, tmp_path)
    wait_for(lambda: waiting_on_a_lock(sources.engagement), "the run to wait inside extraction")

    refused = scheduled_run(published, sources)  # meanwhile, cron starts another
    assert refused.returncode == BUSY
    assert "another run holds the warehouse lock" in refused.stdout
    assert f"pid {killed.pid}" in refused.stdout

    killed.send_signal(signal.SIGKILL)
    killed.wait()
    blocker.rollback()
    assert contents(published) == before  # readers saw nothing of the killed run

    recovered = scheduled_run(published, sources)
    assert recovered.returncode == WARNING
    assert "had died; its lock is reclaimed" in recovered.stdout
    # the refused run never started; the killed one is closed as abandoned
    # (after the two runs that made the published warehouse)
    assert [r["status"] for r in run_history(published)][-2:] == ["abandoned", "warning"]
    assert rows(published, "select status from ops.run_history order by started_at")[-2:] == [
        ("abandoned",),
        ("warning",),
    ]
    assert contents(published) == contents(clean_build(tmp_path, sources))
    assert rows(
        published, "select count(*) from raw_engagement.comments where content = 'edited'"
    ) == [(source_rows(sources.engagement, "select count(*) from comments")[0][0],)]


def test_killed_during_load_into_postgres_recovers_exactly(
    sources, published_postgres, postgres_server, tmp_path
):
    warehouse = published_postgres
    execute(
        sources.engagement,
        "update posts set content = 'edited', updated_at = now() where deleted_at is null",
    )
    blocker = holding_lock(warehouse.url.uri(), "raw_engagement.posts")
    killed = start_scheduled_run(warehouse, sources, tmp_path)
    wait_for(lambda: waiting_on_a_lock(warehouse.url.uri()), "the run to wait inside the load")
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    # PostgreSQL ends a dead client's session when it notices; here, at once
    source_rows(
        warehouse.url.uri(),
        "select pg_terminate_backend(pid) from pg_stat_activity"
        f" where datname = '{warehouse.url.dbname}' and wait_event_type = 'Lock'",
    )
    blocker.rollback()
    blocker.close()

    assert scheduled_run(warehouse, sources).returncode == WARNING
    clean = postgres_warehouse(postgres_server, "killed_during_load_clean")
    assert scheduled_run(clean, sources, **WITHOUT_DATA_TESTS).returncode == SUCCESS
    assert contents(warehouse) == contents(clean)
    expected = source_counts(sources)
    assert raw_counts(warehouse, expected) == expected  # no duplicate, no lost row
    edited = source_rows(sources.engagement, "select count(*) from posts where content = 'edited'")[
        0
    ][0]
    assert rows(
        warehouse, "select count(*) from raw_engagement.posts where content = 'edited'"
    ) == [(edited,)]


def test_unreachable_source_damages_nothing_and_the_next_run_catches_up(sources, published):
    before = published.path.read_bytes()
    execute(
        sources.engagement,
        "insert into mentions (post_id, mentioned_person_id, mentioned_by_person_id, created_at)"
        " select id, person_id, person_id, now() from posts order by id limit 5",
    )
    unreachable = "postgresql://reader:pw@127.0.0.1:9/engagement"
    failed = scheduled_run(published, sources, SOURCES__ENGAGEMENT__CREDENTIALS=unreachable)
    assert failed.returncode == FAILURE
    assert "cannot reach the Engagement database (database engagement on 127.0.0.1:9)" in (
        failed.stdout
    )
    assert "SOURCES__ENGAGEMENT__CREDENTIALS" in failed.stdout
    assert published.path.read_bytes() == before

    execute(sources.engagement, "alter table reports rename to reports_moved")
    missing = scheduled_run(published, sources)
    assert missing.returncode == FAILURE
    assert "table reports is missing" in missing.stdout
    assert published.path.read_bytes() == before

    execute(sources.engagement, "alter table reports_moved rename to reports")
    assert scheduled_run(published, sources).returncode == WARNING
    expected = source_counts(sources)
    assert raw_counts(published, expected) == expected


def test_a_wiped_working_folder_costs_no_full_reload(sources, published):
    # every run works in a fresh temporary folder: state comes from the warehouse
    assert scheduled_run(published, sources).returncode == WARNING
    first, *_, last = run_history(published)
    assert first["rows_loaded"]["engagement.comments"] == 2500
    assert last["rows_loaded"].get("engagement.comments", 0) == 0  # nothing changed
    expected = source_counts(sources)
    assert raw_counts(published, expected) == expected


def test_a_warehouse_of_the_previous_version_upgrades_in_its_next_run(sources, published):
    # before incremental builds, raw rows had no _dlt_load_id, the first
    # actions no change_load_id, and no build was recorded beside the file
    before = contents(published)
    for slot in (published.path.parent / ".slots").iterdir():
        with duckdb.connect(str(slot / published.path.name)) as conn:
            tables = conn.execute(
                "select table_schema, table_name from information_schema.columns"
                " where column_name = '_dlt_load_id' and table_schema like 'raw%'"
                " and table_name not like '!_dlt!_%' escape '!'"
            ).fetchall()
            for schema, table in tables:
                conn.execute(f"alter table {schema}.{table} drop column _dlt_load_id")
            conn.execute(
                "alter table intermediate.int_first_actions_after_signup drop column change_load_id"
            )
    shutil.rmtree(published.cache_file(".builds"))
    run = scheduled_run(published, sources)
    assert run.returncode == WARNING, run.stdout[-3000:]
    unmarked = "select count(*) from raw_engagement.posts where _dlt_load_id is null"
    assert rows(published, unmarked) == [(0,)]
    assert contents(published) == before


def test_added_column_flows_through_to_raw(sources, published):
    marts_before = {k: v for k, v in contents(published).items() if k.startswith("marts")}
    execute(
        sources.engagement,
        "alter table posts add column language text;"
        " update posts set language = 'de', updated_at = now()"
        " where id in (select id from posts order by id limit 3)",
    )
    assert scheduled_run(published, sources).returncode == WARNING
    assert rows(
        published,
        "select language, count(*) from raw_engagement.posts group by 1 order by 1",
    ) == [("de", 3), (None, 1997)]
    marts_after = {k: v for k, v in contents(published).items() if k.startswith("marts")}
    assert marts_after == marts_before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            "alter table posts rename column status to moderation_status",
            "column posts.status is missing (stg_engagement__posts reads it)",
        ),
        (
            "alter table groups drop column visibility",
            "column groups.visibility is missing (stg_engagement__groups reads it)",
        ),
    ],
)
def test_renamed_or_dropped_column_stops_the_run(sources, published, change, message):
    before = published.path.read_bytes()
    execute(sources.engagement, change)
    failed = scheduled_run(published, sources)
    assert failed.returncode == FAILURE
    assert message in failed.stdout
    assert published.path.read_bytes() == before


def test_null_in_a_not_null_column_is_not_published(sources, published):
    before = published.path.read_bytes()
    execute(
        sources.chemlink,
        "alter table persons alter column account_type drop not null;"
        " update persons set account_type = null, updated_at = now()"
        " where id = (select min(id) from persons)",
    )
    failed = scheduled_run(published, sources)
    assert failed.returncode == FAILURE
    assert "not_null_stg_chemlink__persons_account_type (1 rows)" in failed.stdout
    assert published.path.read_bytes() == before
    # a team that accepts such rows says so, and the build is published
    tolerant = scheduled_run(published, sources, "--vars", "{source_contract_severity: warn}")
    assert tolerant.returncode == WARNING
    assert rows(
        published, "select count(*) from raw_chemlink.persons where account_type is null"
    ) == [(1,)]


def test_future_timestamp_warns_and_publishes(sources, published):
    execute(
        sources.engagement,
        "update posts set created_at = now() + interval '1 year', updated_at = now()"
        " where id = (select id from posts order by id limit 1)",
    )
    run = scheduled_run(published, sources)
    assert run.returncode == WARNING
    assert "warn: is_not_in_the_future_stg_engagement__posts_created_at (1 rows)" in run.stdout
    assert rows(
        published,
        "select count(*) from staging.stg_engagement__posts where created_at > now()",
    ) == [(1,)]
    # the run tested the rows changed since the build it replaced; past the
    # load that brought it, the row is read again by the check of every row
    assert "what changed, and its tests (of the rows changed since load " in run.stdout
    future = ["test", "--select", "stg_engagement__posts,test_name:is_not_in_the_future"]
    hourly = {"DBT_TESTS_CHANGED_SINCE": newest_load(published)}
    assert run_dbt(future, published, AS_OF, environment=hourly).statuses == {"pass": 1}
    assert run_dbt(future, published, AS_OF).statuses == {"warn": 1}


def test_duplicate_key_at_the_source_is_caught(sources, duckdb_warehouse):
    execute(
        sources.engagement,
        "alter table mentions drop constraint mentions_pkey;"
        " insert into mentions select * from mentions where id = 7",
    )
    failed = scheduled_run(duckdb_warehouse, sources)
    assert failed.returncode == FAILURE
    assert "no_duplicate_keys_at_source (1 rows)" in failed.stdout
    assert not duckdb_warehouse.path.exists()  # nothing was published
    tolerant = scheduled_run(
        duckdb_warehouse, sources, "--vars", "{source_contract_severity: warn}"
    )
    assert tolerant.returncode == WARNING
    # 501 source rows, 500 keys: the merge kept one row per key, the finding stays
    assert rows(duckdb_warehouse, "select count(*) from raw_engagement.mentions") == [(500,)]
    assert rows(
        duckdb_warehouse,
        "select table_name, row_id, copies from raw_engagement.source_key_findings"
        " where finding = 'duplicate_at_source'",
    ) == [("mentions", "7", 2)]


def test_a_duckdb_reader_never_blocks_the_run_nor_sees_it_half_done(sources, published):
    execute(sources.engagement, "delete from mentions where id > 100")
    with duckdb.connect(str(published.path), read_only=True) as bi_tool:
        count = "select count(*) from raw_engagement.mentions"
        assert bi_tool.execute(count).fetchall() == [(500,)]
        assert scheduled_run(published, sources).returncode == WARNING  # not blocked
        assert bi_tool.execute(count).fetchall() == [(500,)]  # still its consistent snapshot
        removed = "select count(*) from staging.stg_engagement__mentions where is_removed"
        assert bi_tool.execute(removed).fetchall() == [(0,)]
    assert rows(published, removed) == [(400,)]  # a new connection sees the new state


def test_a_postgres_reader_sees_old_or_new_marts_and_blocks_nothing(sources, published_postgres):
    warehouse = published_postgres
    before = rows(warehouse, "select * from marts.mau")
    execute(sources.engagement, "update posts set deleted_at = now(), updated_at = now()")
    reader = warehouse.connect()
    with reader.cursor() as cursor:  # a BI query in an open transaction holds its locks
        cursor.execute("select * from marts.mau")
        assert cursor.fetchall() == before
        assert scheduled_run(warehouse, sources).returncode == WARNING
    reader.close()
    after = rows(warehouse, "select * from marts.mau")
    assert all(row[4] == 0 for row in after)  # every post is deleted now
    assert after != before


# roles belong to the server, which both test workers share
EXTRACT_ROLE, BI_ROLE = f"{WORKER}prod_extract", f"{WORKER}bi_reader"


@pytest.fixture
def read_only_role(postgres_server, sources):
    """A source role that may only read, PII columns excluded; its URLs."""
    password = "Reader-Pw-9f2Kx7"
    admin = database_url(postgres_server, "postgres")
    execute(
        admin,
        f"drop role if exists {EXTRACT_ROLE};"
        f" create role {EXTRACT_ROLE} login password '{password}'",
    )
    for url in (sources.chemlink, sources.engagement):
        execute(
            url,
            f"grant usage on schema public to {EXTRACT_ROLE};"
            f" grant select on all tables in schema public to {EXTRACT_ROLE}",
        )
    execute(  # no emails or names: not even readable
        sources.chemlink,
        f"revoke select on persons from {EXTRACT_ROLE};"
        " grant select (id, person_id, headline, company, country_code, account_type,"
        f" created_at, updated_at, deleted_at) on persons to {EXTRACT_ROLE}",
    )
    as_reader = {
        name: as_role(getattr(sources, name), EXTRACT_ROLE, password)
        for name in ("chemlink", "engagement")
    }
    yield as_reader, password
    for url in (sources.chemlink, sources.engagement):
        execute(url, f"drop owned by {EXTRACT_ROLE}")
    execute(admin, f"drop role {EXTRACT_ROLE}")


def test_bi_reader_reads_marts_and_nothing_else_after_every_rebuild(
    sources, published_postgres, postgres_server
):
    warehouse = published_postgres
    admin = database_url(postgres_server, "postgres")
    execute(
        admin, f"drop role if exists {BI_ROLE}; create role {BI_ROLE} login password 'Bi-Pw-4471'"
    )
    bi = as_role(warehouse.url.uri(), BI_ROLE, "Bi-Pw-4471")
    try:
        for round_number in range(2):  # each run rebuilds: a post changed since the last
            execute(
                sources.engagement,
                f"update posts set content = 'round {round_number}', updated_at = now()"
                " where id = (select id from posts order by id limit 1)",
            )
            run = scheduled_run(warehouse, sources, WAREHOUSE_BI_ROLE=BI_ROLE)
            assert run.returncode == WARNING
            assert len(source_rows(bi, "select * from marts.dau")) == 30
            assert len(source_rows(bi, "select * from marts.person_features")) > 0
            for hidden in (
                "raw_engagement.posts",
                "raw_chemlink._dlt_loads",
                "staging.stg_chemlink__persons",
                "intermediate.int_persons_unioned",
                "mart_tables.dau",
                "test_failures.has_live_chemlink_person_stg_engagement__posts_person_id",
                "ops.run_history",
            ):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    source_rows(bi, f"select 1 from {hidden} limit 1")
    finally:
        execute(warehouse.url.uri(), f"drop owned by {BI_ROLE}")
        execute(admin, f"drop role {BI_ROLE}")


def test_no_email_or_name_reaches_the_warehouse(duckdb_template):
    assert (
        rows(
            duckdb_template,
            "select table_schema, table_name, column_name from information_schema.columns"
            " where column_name in ('email', 'first_name', 'last_name')",
        )
        == []
    )


def test_a_select_only_role_extracts_everything_and_no_credential_is_written(
    sources, read_only_role, postgres_server
):
    as_reader, password = read_only_role
    warehouse = postgres_warehouse(postgres_server, "no_secrets")
    secrets = {
        "SOURCES__CHEMLINK__CREDENTIALS": as_reader["chemlink"],
        "SOURCES__ENGAGEMENT__CREDENTIALS": as_reader["engagement"],
    }
    succeeded = scheduled_run(warehouse, sources, **secrets)
    assert succeeded.returncode == WARNING
    expected = source_counts(sources)
    assert raw_counts(warehouse, expected) == expected
    for statement, table in (
        ("insert into posts (id, person_id, type, status, created_at, updated_at) values"
         " (gen_random_uuid(), gen_random_uuid(), 'text', 'approved', now(), now())", "posts"),
        ("create table stolen (id int)", "schema public"),
        ("select email from persons", "persons"),
    ):  # fmt: skip
        url = as_reader["engagement" if table == "posts" else "chemlink"]
        with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied"):
            execute(url, statement)

    broken = as_reader["engagement"].replace("host=", "host=/nonexistent")
    failed = scheduled_run(
        warehouse, sources, **(secrets | {"SOURCES__ENGAGEMENT__CREDENTIALS": broken})
    )
    assert failed.returncode == FAILURE
    warehouse_password = warehouse.url.password
    written = [succeeded.stdout, succeeded.stderr, failed.stdout, failed.stderr]
    written += [str(rows(warehouse, "select * from ops.run_history"))]
    store = warehouse.state_store()  # the builds' records: markers, dbt's manifests
    kept = rows(warehouse, "select name from ops.run_state")
    written += [store.read(name).decode() for (name,) in kept]
    run_files = warehouse.cache_file("")  # this runner's cache: name + suffix
    for path in [*run_files.parent.glob(f"{run_files.name}*"),
                 REPO_ROOT / "warehouse" / "target", REPO_ROOT / "warehouse" / "logs"]:  # fmt: skip
        files = path.rglob("*") if path.is_dir() else [path]
        written += [file.read_text(errors="ignore") for file in files if file.is_file()]
    for secret in (password, warehouse_password):
        assert not [text for text in written if secret in text]


def test_configured_table_names_are_checked_before_any_sql(sources, duckdb_warehouse):
    failed = scheduled_run(
        duckdb_warehouse, sources, SOURCES__ENGAGEMENT__RECONCILE_EVERY_HOURS='{"posts; drop": 1}'
    )
    assert failed.returncode == FAILURE
    assert "reconcile_every_hours names posts; drop, which the Engagement source does not have" in (
        failed.stdout
    )
    assert not duckdb_warehouse.path.exists()


def test_a_failed_run_calls_the_alert_webhook(sources, duckdb_warehouse):
    received = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_port}/hooks/token-83jd9"
    try:
        failed = scheduled_run(
            duckdb_warehouse,
            sources,
            SOURCES__ENGAGEMENT__CREDENTIALS="postgresql://reader:pw@127.0.0.1:9/engagement",
            ALERTS__WEBHOOK_URL=hook,
        )
    finally:
        server.shutdown()
    assert failed.returncode == FAILURE
    assert "alert sent (HTTP 204)" in failed.stdout
    assert "token-83jd9" not in failed.stdout
    (alert,) = received
    assert alert["status"] == "failure"
    assert "cannot reach the Engagement database" in alert["error"]
