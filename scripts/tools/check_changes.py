"""Before pushing: build and test only what you changed, and what depends on it.

    python -m scripts.tools.check_changes            (or: make changed)

dbt's state selection (`state:modified+`) compares the project with the
manifest of the last published build, and this builds the changed models and
their descendants, with their tests, in the development copy of the
warehouse (dev_dbt.py; the published warehouse is not touched). It
lists what it built and which tests it ran, and exits non-zero if any of
them failed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.logs import command_line
from dlt_pipelines.run.dbt import DbtOutcome, project_dir
from dlt_pipelines.run.state import RunState
from scripts.tools.dev_dbt import dev_dbt


def check_changes(warehouse: Warehouse, project: Path | None = None) -> DbtOutcome:
    """Build and test the changed models and their descendants in the development copy."""
    state = RunState(warehouse).published_state_dir()
    if state is None:
        raise SystemExit(
            f"no published build to compare with in {warehouse.describe()}: run `make build` first"
        )
    selection = ["build", "--select", "state:modified+", "--state", str(state)]
    return dev_dbt(warehouse, selection, project=project)[1]


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
    parser.add_argument("--project-dir", type=Path, default=project_dir(), help="the dbt project")
    args = parser.parse_args()
    with command_line():
        outcome = check_changes(Warehouse.from_env(), args.project_dir)
    print(summary(outcome))
    print(json.dumps(dict(outcome.statuses)))
    raise SystemExit(outcome.exit_code)


if __name__ == "__main__":
    main()
