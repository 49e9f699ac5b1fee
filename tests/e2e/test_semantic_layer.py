"""Metrics by name (warehouse/models/semantic/, scripts/tools/metrics.py):
every metric agrees row by row with the marts its meta.agrees_with names, on
the seed profile and on the random profile in DuckDB and in PostgreSQL 15
and 18; a mart that drifts from its metric is caught; the queries of
docs/bi-and-metrics.md print the numbers it documents."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dlt_pipelines import REPO_ROOT
from tests.conftest import NEWEST_POSTGRES, OLDEST_POSTGRES
from tests.helpers import copy_warehouse

COMPARISONS = 38  # entries of meta.agrees_with in warehouse/models/semantic/_metrics.yml


def metrics_tool(warehouse, *arguments: str) -> subprocess.CompletedProcess:
    """scripts/tools/metrics.py on the warehouse, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "scripts.tools.metrics", *arguments],
        cwd=REPO_ROOT,
        env=os.environ | warehouse.env(),
        capture_output=True,
        text=True,
    )


def assert_every_metric_agrees(warehouse) -> None:
    checked = metrics_tool(warehouse, "check")
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-4000:]
    lines = checked.stdout.splitlines()
    assert sum(line.startswith("ok: ") for line in lines) == COMPARISONS
    assert lines[-1].endswith("every metric agrees with its mart")


def test_every_metric_agrees_with_its_marts_on_the_seed_profile(seed_warehouse):
    assert_every_metric_agrees(seed_warehouse)


@pytest.mark.parametrize(
    "target", ["duckdb", f"postgres {OLDEST_POSTGRES}", f"postgres {NEWEST_POSTGRES}"]
)
def test_every_metric_agrees_with_its_marts_on_the_random_profile(random_warehouses, target):
    assert_every_metric_agrees(random_warehouses[target][0])


def test_a_mart_that_drifts_from_its_metric_is_caught(seed_warehouse, tmp_path):
    drifted = copy_warehouse(seed_warehouse, tmp_path)
    drifted.execute(
        [
            "update mart_tables.mau set active_users = active_users + 1"
            " where activity_month = '2025-10-01'"
        ]
    )
    checked = metrics_tool(drifted, "check")
    assert checked.returncode == 1
    assert "mau vs mau at 2025-10-01: 2 != 3" in checked.stdout
    assert checked.stdout.splitlines()[-1].endswith(": 1 rows differ")


def test_the_queries_of_the_docs_print_the_numbers_they_show(seed_warehouse):
    by_type = metrics_tool(
        seed_warehouse, "query", "--metrics", "new_users",
        "--group-by", "metric_time__month,person__account_type", "--start-time", "2025-10-01",
    )  # fmt: skip
    assert by_type.returncode == 0, by_type.stderr[-3000:]
    lines = [line.split() for line in by_type.stdout.splitlines()]
    assert ["2025-10-01", "finder", "4"] in lines
    assert ["2025-10-01", "standard", "95"] in lines
    table = [line for line in lines[2:-1]]  # under the header and its rule, above the count
    assert table == sorted(table)  # by month, then account type
    assert "Initiating query" not in by_type.stdout + by_type.stderr  # no spinner
    real_people = metrics_tool(
        seed_warehouse, "query", "--metrics", "mau,platform_active_users",
        "--group-by", "metric_time__month", "--start-time", "2025-10-01",
    )  # fmt: skip
    assert ["2025-10-01", "2", "2088"] in [line.split() for line in real_people.stdout.splitlines()]


def test_an_unknown_metric_or_dimension_ends_in_one_line_with_the_closest_names(seed_warehouse):
    for arguments, said in (
        (["--metrics", "mua"], "'mua' does not exactly match any known metrics; the closest: mau"),
        (
            ["--metrics", "mau", "--group-by", "person__contry_code"],
            "'person__contry_code' does not match any of the available group-by-items",
        ),
    ):
        done = metrics_tool(seed_warehouse, "query", *arguments)
        assert done.returncode == 1
        assert done.stderr.startswith(f"error: {said}")
        assert len(done.stderr.splitlines()) == 1
    assert "the closest: person__country_code" in done.stderr
