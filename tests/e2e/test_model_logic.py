"""Tests of the models' code rather than of the data: dbt's unit tests pin
each metric's edge cases and the intermediate models' rules with rows given
in YAML, and the code invariants (a zero-filled window's row count, the
accepted values of derived columns) hold whatever the data. `make test`
runs them on each engine instead of every scheduled run doing so."""

from __future__ import annotations

import pytest

from dlt_pipelines.run.builds import CODE_INVARIANTS
from dlt_pipelines.run.dbt import run_dbt
from tests.conftest import NEWEST_POSTGRES
from tests.helpers import AS_OF

UNIT_TESTS = ["test", "--select", "test_type:unit"]


@pytest.fixture(params=["duckdb", f"postgres {NEWEST_POSTGRES}"])
def warehouse(request, random_warehouses):
    """A built warehouse of each engine (unit tests read their inputs' column types)."""
    return random_warehouses[request.param][0]


def test_every_unit_test_passes(warehouse):
    outcome = run_dbt(UNIT_TESTS, warehouse)
    assert outcome.exit_code == 0, outcome.cause()
    assert outcome.statuses["pass"] == len(outcome.nodes) >= 27
    assert all(node.startswith("unit_test.") for node in outcome.nodes)


def test_every_code_invariant_holds(warehouse):
    outcome = run_dbt(["test", "--select", *CODE_INVARIANTS], warehouse, AS_OF)
    assert outcome.exit_code == 0, outcome.cause()
    assert outcome.statuses["pass"] == len(outcome.nodes) >= 30
