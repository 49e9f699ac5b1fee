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
way it says where it wrote. The as-of date defaults to the last published
run's, so numbers compare.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.logs import command_line
from dlt_pipelines.run.dbt import PROJECT_DIR, DbtOutcome, run_dbt
from dlt_pipelines.run.history import RunHistory, RunStatus


def last_published_as_of(published: Warehouse) -> date | None:
    """The as-of date of the last successful run."""
    runs = RunHistory(published.run_file(".runs.jsonl")).records()
    published_runs = (RunStatus.SUCCESS, RunStatus.WARNING)
    done = [run for run in runs if run.status in published_runs and run.as_of_date]
    return date.fromisoformat(done[-1].as_of_date) if done else None


def dev_dbt(
    published: Warehouse,
    arguments: list[str],
    as_of: date | None = None,
    project_dir: Path = PROJECT_DIR,
) -> tuple[Warehouse, DbtOutcome]:
    """Run `dbt <arguments>` on the development copy of `published`; return
    the copy and dbt's outcome."""
    development = published.development_copy()
    state = published.run_file(".dbt-state")
    if development.development_defers and (state / "manifest.json").exists():
        arguments = [*arguments, "--defer"]
        arguments += [] if "--state" in arguments else ["--state", str(state)]
    as_of = as_of or last_published_as_of(published)
    return development, run_dbt(arguments, development, as_of, project_dir=project_dir)


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
        development, outcome = dev_dbt(published, args.dbt_arguments, args.as_of)
    print(f"\ndbt worked on the development copy: {development.describe()}")
    print(f"(the published warehouse, {published.describe()}, is unchanged)")
    sys.exit(outcome.exit_code)


if __name__ == "__main__":
    main()
