"""Which rows an incremental extraction reads, and the query that reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dlt_pipelines.sources.postgres_reader import ChangeWindow, select_statement
from dlt_pipelines.sources.tables import SourceTable

HOUR = timedelta(hours=1)
NEWEST = datetime(2025, 11, 3, 9, 30, tzinfo=UTC)
STARTED = datetime(2025, 11, 3, 10, 0, tzinfo=UTC)
COLUMNS = {"id": "bigint", "person_id": "uuid", "metadata": "jsonb", "created_at": "timestamp"}


def test_a_first_load_reads_everything():
    assert ChangeWindow.from_state({}, HOUR) is None


def test_later_loads_read_after_the_newest_change_and_since_the_last_start_minus_the_lag():
    state = {"high_water_mark": NEWEST.isoformat(), "extracted_at": STARTED.isoformat()}
    assert ChangeWindow.from_state(state, HOUR) == ChangeWindow(after=NEWEST, since=STARTED - HOUR)


def test_state_from_before_the_start_was_kept_falls_back_to_the_newest_change():
    window = ChangeWindow.from_state({"high_water_mark": NEWEST.isoformat()}, HOUR)
    assert window == ChangeWindow(after=NEWEST, since=NEWEST - HOUR)


def test_the_first_query_selects_every_row_and_reads_uuid_and_json_as_text():
    table = SourceTable("posts", ("updated_at",), excluded_columns=("content",))
    sql, parameters = select_statement(table, COLUMNS | {"content": "text"}, None)
    assert sql == (
        'select "id", "person_id"::text as "person_id", "metadata"::text as "metadata",'
        ' "created_at" from "posts"'
    )
    assert parameters == ()


def test_every_cursor_column_of_a_table_opens_the_window():
    reports = SourceTable("reports", ("created_at", "resolved_at"))
    window = ChangeWindow(after=NEWEST, since=STARTED - HOUR)
    sql, parameters = select_statement(reports, {"id": "bigint"}, window)
    assert sql == (
        'select "id" from "reports" where'
        ' "created_at" > $1::timestamptz or "created_at" >= $2::timestamptz'
        ' or "resolved_at" > $1::timestamptz or "resolved_at" >= $2::timestamptz'
    )
    assert parameters == (NEWEST.isoformat(), (STARTED - HOUR).isoformat())
