"""Bad input gets a clear error that says what to do, and loses nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pytest

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.backends import Warehouse
from dlt_pipelines.exceptions import SourceError
from dlt_pipelines.run.load import load_sources
from tests.helpers import execute, rows, scheduled_run

JSON_ERROR = "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"


@pytest.fixture
def loaded(sources, duckdb_warehouse):
    """Small random sources, loaded once into a DuckDB warehouse."""
    load_sources(duckdb_warehouse, sources.by_source())
    return sources, duckdb_warehouse


def persons_in(warehouse: Warehouse) -> int:
    """Rows in raw_chemlink.persons."""
    return rows(warehouse, "select count(*) from raw_chemlink.persons")[0][0]


def test_unreachable_source_names_it_and_what_to_set(loaded):
    sources, warehouse = loaded
    before = persons_in(warehouse)
    unreachable = {
        "chemlink": "postgresql://reader:secret@127.0.0.1:9/chemlink",
        "engagement": sources.engagement,
    }
    with pytest.raises(SourceError) as error:
        load_sources(warehouse, unreachable)
    message = str(error.value)
    assert "cannot reach the ChemLink database (database chemlink on 127.0.0.1:9)" in message
    assert "SOURCES__CHEMLINK__CREDENTIALS" in message
    assert "secret" not in message
    assert persons_in(warehouse) == before


def test_missing_table_is_named_before_anything_loads(loaded):
    sources, warehouse = loaded
    execute(sources.engagement, "drop table group_members")
    with pytest.raises(SourceError, match="table group_members is missing"):
        load_sources(warehouse, sources.by_source())


def test_renamed_cursor_column_is_named(loaded):
    sources, warehouse = loaded
    before = persons_in(warehouse)
    execute(sources.chemlink, "alter table persons rename column updated_at to modified_at")
    with pytest.raises(SourceError, match=r"column persons\.updated_at is missing"):
        load_sources(warehouse, sources.by_source())
    assert persons_in(warehouse) == before


def test_locked_duckdb_file_is_reported(loaded):
    sources, warehouse = loaded
    with duckdb.connect(str(warehouse.path)):  # another program holds the file
        result = subprocess.run(
            [sys.executable, "-m", "dlt_pipelines.run.load"],
            env=os.environ | warehouse.env() | sources.as_env(),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        )
    assert result.returncode == 1
    assert f"the DuckDB warehouse {warehouse.path} is in use" in result.stderr
    assert "nothing was changed" in result.stderr


def query_command(warehouse: Warehouse, sql: str) -> subprocess.CompletedProcess:
    """`make query SQL=...`'s command."""
    return subprocess.run(
        [sys.executable, "-m", "scripts.tools.query", sql],
        env=os.environ | warehouse.env(),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )


def test_an_analysts_mistakes_in_make_query_read_as_one_line(published):
    typo = query_command(published, "select * from marts.nope")
    assert (typo.returncode, typo.stdout) == (1, "")
    assert typo.stderr.startswith("error: Catalog Error: Table with name nope does not exist!")
    assert len(typo.stderr.splitlines()) == 1
    write = query_command(published, "delete from marts.dau")
    assert write.returncode == 1
    assert write.stderr.splitlines() == [
        'error: make query is read-only: build models with make dbt ARGS="build --select '
        '<model>" (on a development copy), load with make run; DELETE is no query'
    ]
    assert rows(published, "select count(*) from marts.dau") == [(30,)]


def test_an_unexpected_error_leaves_its_traceback_on_stderr_and_in_the_journal(published, sources):
    for marker in published.cache_file(".builds").glob("*/marker.json"):
        marker.write_text("{")  # half written: no expected error covers it
    run = scheduled_run(published, sources)
    assert run.returncode == 2
    assert "Traceback (most recent call last):" in run.stderr
    assert run.stderr.strip().endswith("json.decoder.JSONDecodeError: " + JSON_ERROR)
    last = run.stdout.strip().splitlines()[-1]
    assert last.endswith(f"ERROR: finished: failure: JSONDecodeError: {JSON_ERROR}")
    record = json.loads(published.cache_file(".runs.jsonl").read_text().splitlines()[-1])
    assert record["status"] == "failure"
    assert record["traceback"].startswith("Traceback (most recent call last):")
    assert "in marker" in record["traceback"]  # where it was raised: state.py's RunState.marker


def test_a_test_session_without_room_for_its_warehouses_refuses_to_start(tmp_path):
    small_disk = tmp_path / "small_disk"  # 64 MB, where a session writes about 2 GB
    small_disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", small_disk], check=True)
    try:
        session = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/e2e/test_seed_profile.py"],
            cwd=REPO_ROOT,
            env=os.environ | {"TMPDIR": str(small_disk)},
            capture_output=True,
            text=True,
        )
    finally:
        subprocess.run(["umount", small_disk], check=True)
    assert session.returncode == pytest.ExitCode.USAGE_ERROR
    assert session.stderr.strip() == (
        f"ERROR: the tests need 3 GB free in {small_disk} for their servers and warehouses,"
        " and 0.1 GB are free: free some space there, or set TMPDIR to a folder on a larger disk"
    )
