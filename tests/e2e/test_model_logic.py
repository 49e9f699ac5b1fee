"""Tests of the models' code rather than of the data: dbt's unit tests pin
each metric's edge cases and the intermediate models' rules with rows given
in YAML, and the code invariants (a zero-filled window's row count, the
accepted values of derived columns) hold whatever the data. `make test`
runs them on each engine instead of every scheduled run doing so."""

from __future__ import annotations

from collections import Counter

import pytest

from dlt_pipelines.run.builds import CODE_INVARIANTS
from dlt_pipelines.run.dbt import run_dbt
from tests.conftest import NEWEST_POSTGRES
from tests.helpers import AS_OF

# one dbt command per engine: dbt's start and parse cost more than the tests
CODE_TESTS = ["test", "--select", "test_type:unit", *CODE_INVARIANTS]


@pytest.fixture(params=["duckdb", f"postgres {NEWEST_POSTGRES}"])
def warehouse(request, random_warehouses):
    """A built warehouse of each engine (unit tests read their inputs' column types)."""
    return random_warehouses[request.param][0]


def test_every_unit_test_and_code_invariant_passes(warehouse):
    outcome = run_dbt(CODE_TESTS, warehouse, AS_OF)
    assert outcome.exit_code == 0, outcome.cause()
    assert outcome.statuses["pass"] == len(outcome.nodes)
    kinds = Counter(node.split(".")[0] for node in outcome.nodes)
    assert kinds["unit_test"] >= 27  # each metric's edge cases, the intermediate rules
    assert kinds["test"] >= 30  # zero-filled windows' row counts, derived columns' values
