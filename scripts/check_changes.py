"""Before pushing: build and test only what you changed, and what depends on it.

    python -m scripts.check_changes            (or: make changed)

dbt's state selection (`state:modified+`) compares the project with the
manifest of the last published build, and this builds the changed models and
their descendants, with their tests, in a scratch copy of the DuckDB
warehouse (data/dev/): the published file is not touched. It lists what it
built and which tests it ran, and exits non-zero if any of them failed.
"""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import date
from pathlib import Path

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.dbt_runner import PROJECT_DIR, DbtOutcome, run_dbt
from dlt_pipelines.run_history import RunHistory
from dlt_pipelines.warehouse import Warehouse

SCRATCH_DIR = REPO_ROOT / "data" / "dev"


def check_changes(warehouse: Warehouse, project_dir: Path = PROJECT_DIR) -> DbtOutcome:
    """Build and test the changed models and their descendants in a scratch copy."""
    state = warehouse.run_file(".dbt-state")
    if warehouse.target != "duckdb":
        raise SystemExit("make changed works on a DuckDB warehouse (WAREHOUSE_TARGET=duckdb)")
    if not (state / "manifest.json").exists():
        raise SystemExit(f"no published build to compare with ({state}): run `make build` first")
    scratch = SCRATCH_DIR / warehouse.duckdb_path.name  # same name: same catalog in views
    scratch.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(warehouse.duckdb_path, scratch)
    return run_dbt(
        ["build", "--select", "state:modified+", "--state", str(state)],
        Warehouse("duckdb", scratch),
        _last_as_of(warehouse),
        project_dir=project_dir,
    )


def _last_as_of(warehouse: Warehouse) -> date | None:
    """The as-of date of the last successful run, so numbers compare."""
    runs = RunHistory(warehouse.run_file(".runs.jsonl")).records()
    published = [run for run in runs if run.status in ("success", "warning")]
    as_of = published[-1].as_of_date if published else None
    return date.fromisoformat(as_of) if as_of else None


def summary(outcome: DbtOutcome) -> str:
    """What was built and tested, one line each."""
    built = sorted(uid.split(".")[-1] for uid in outcome.nodes if uid.startswith("model."))
    tests = sorted(uid for uid in outcome.nodes if uid.startswith(("test.", "unit_test.")))
    lines = [f"Built {len(built)} models: {', '.join(built) or 'none (nothing changed)'}"]
    lines.append(f"Ran {len(tests)} tests:")
    lines += [f"  {outcome.nodes[test]:>7}  {_test_name(test)}" for test in tests]
    return "\n".join(lines)


def _test_name(unique_id: str) -> str:
    """A test's readable name."""
    kind, _project, *rest = unique_id.split(".")
    return ".".join(rest) if kind == "unit_test" else rest[0]


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="the dbt project")
    args = parser.parse_args()
    outcome = check_changes(Warehouse.from_env(), args.project_dir)
    print(summary(outcome))
    print(json.dumps(dict(outcome.statuses)))
    raise SystemExit(outcome.exit_code)


if __name__ == "__main__":
    main()
