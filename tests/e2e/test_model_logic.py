"""Tests of the models' code rather than of the data: dbt's unit tests pin
each metric's edge cases and the intermediate models' rules with rows given
in YAML, and the code invariants (a zero-filled window's row count, the
accepted values of derived columns) hold whatever the data. `make test`
runs them on each engine instead of every scheduled run doing so. And the
tag that says which models read the as-of date is exact."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest

from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from dlt_pipelines.run.builds import CODE_INVARIANTS, is_code_invariant
from dlt_pipelines.run.dbt import run_dbt
from tests.conftest import NEWEST_POSTGRES
from tests.helpers import AS_OF

# one dbt command per engine: dbt's start and parse cost more than the tests
CODE_TESTS = ["test", "--select", "test_type:unit", *CODE_INVARIANTS]


@pytest.fixture(params=["duckdb", f"postgres {NEWEST_POSTGRES}"])
def warehouse(request, random_warehouses):
    """A built warehouse of each engine (unit tests read their inputs' column types)."""
    return random_warehouses[request.param][0]


def test_every_unit_test_and_code_invariant_passes(warehouse, dbt_artifacts):
    outcome = run_dbt(CODE_TESTS, warehouse, AS_OF)
    assert outcome.exit_code == 0, outcome.cause()
    assert outcome.statuses["pass"] == len(outcome.nodes)
    kinds = Counter(node.split(".")[0] for node in outcome.nodes)
    assert kinds["unit_test"] >= 27  # each metric's edge cases, the intermediate rules
    assert kinds["test"] >= 30  # zero-filled windows' row counts, derived columns' values
    # the Dagster code location leaves the same tests out of its asset checks
    manifest = json.loads((dbt_artifacts / "manifest.json").read_text())
    invariants = {key for key, node in manifest["nodes"].items() if is_code_invariant(node)}
    assert invariants == {node for node in outcome.nodes if node.startswith("test.")}


def test_the_as_of_tag_marks_exactly_the_models_a_new_date_changes(tmp_path):
    """A run for a new as-of date and nothing else rebuilds `tag:as_of+`
    (builds.MODELS_NEW_DATE): every model whose SQL reads the date must
    carry the tag, and only those."""
    empty = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    compiled = {}
    for day in (AS_OF, AS_OF + timedelta(days=31)):
        target = tmp_path / day.isoformat()
        outcome = run_dbt(
            ["compile", "--select", "resource_type:model"], empty, day, target_dir=target
        )
        assert outcome.exit_code == 0, outcome.cause()
        compiled[day] = {
            path.stem: path.read_text() for path in (target / "compiled").rglob("*.sql")
        }
        manifest = json.loads((target / "manifest.json").read_text())
    first, later = compiled.values()
    changed = {model for model in first if first[model] != later[model]}
    tagged = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "as_of" in node["tags"]
    }
    assert changed == tagged
    assert len(tagged) == 22  # the 20 marts and two intermediate models
