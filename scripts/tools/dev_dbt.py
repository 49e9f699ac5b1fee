"""Ad-hoc dbt on a development copy of the warehouse, never on what BI tools read.

    python -m scripts.tools.dev_dbt [--as-of 2025-11-03] -- test --select dau
    (or: make dbt ARGS="test --select dau")

DuckDB: dbt works on dev/<file name> beside the published file (for the
demo, data/dev/warehouse.duckdb), a copy of it, refreshed whenever a newer
one has been published (so successive commands build on each other until
the next run publishes).
PostgreSQL: dbt builds into the schemas `staging__dev`, `intermediate__dev`,
`marts__dev`, ... of the same database, and reads the models it does not
build from the published schemas (dbt's --defer, with the manifest the last
run kept). Spark has none: it refuses, naming what to use instead. Either
way it says where it wrote. The as-of date defaults to the published
build's, so numbers compare. It exits with dbt's exit code, and says it
worked only when dbt did: a selection that matches nothing is an error
(dbt's NoNodesForSelectionCriteria), as is a command dbt does not know.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.logs import command_line
from dlt_pipelines.run.dbt import DbtOutcome, run_dbt
from dlt_pipelines.run.state import RunState

# a selection that matches no node fails (dbt would warn and do nothing)
EMPTY_SELECTION_FAILS = [
    "--warn-error-options",
    json.dumps({"error": ["NoNodesForSelectionCriteria"]}),
]


def dev_dbt(
    published: Warehouse,
    arguments: list[str],
    as_of: date | None = None,
    project: Path | None = None,
) -> tuple[Warehouse, DbtOutcome]:
    """Run `dbt <arguments>` on the development copy of `published`; return
    the copy and dbt's outcome."""
    development = published.development_copy()
    state = RunState(published)
    manifest = state.published_state_dir() if development.development_defers else None
    if manifest is not None:
        arguments = [*arguments, "--defer"]
        arguments += [] if "--state" in arguments else ["--state", str(manifest)]
    as_of = as_of or state.published_as_of()
    return development, run_dbt(arguments, development, as_of, project=project)


def main() -> None:
    """Command line entry point; exits with dbt's exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.tools.dev_dbt",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--as-of", type=date.fromisoformat, help="report date (YYYY-MM-DD)")
    parser.add_argument("dbt_arguments", nargs="+", help="what to pass to dbt, after --")
    args = parser.parse_args()
    with command_line():
        published = Warehouse.from_env()
        arguments = [*args.dbt_arguments, *EMPTY_SELECTION_FAILS]
        development, outcome = dev_dbt(published, arguments, args.as_of)
    if outcome.failed:
        print(
            f"\ndbt failed on the development copy ({development.describe()}): {outcome.cause()}",
            file=sys.stderr,
        )
    else:
        print(f"\ndbt worked on the development copy: {development.describe()}")
    print(f"(the published warehouse, {published.describe()}, is unchanged)")
    sys.exit(outcome.exit_code)


if __name__ == "__main__":
    main()
