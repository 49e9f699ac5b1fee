"""Metrics by name: dbt's semantic layer (MetricFlow) over the published warehouse.

    python -m scripts.tools.metrics list        (make metrics)
    python -m scripts.tools.metrics query --metrics mau --group-by metric_time__month
                                                (make metric ARGS="...")
    python -m scripts.tools.metrics check       (every metric against its marts)

The metrics are declared in warehouse/models/semantic/. A query reports as
the marts do: as of the published build's as-of date (or --as-of), nothing
after the end of that UTC day, over the marts' window (the 30 days or 12
months ending with it) unless --start-time says otherwise; its rows come
ordered by the time dimension, then the other group-bys (--order another
way), as a table (--csv FILE writes them; --explain prints the SQL). A
name MetricFlow does not know ends it in one line, with the closest names.
The project is parsed again only when its code changed since the last
parse (builds.code_digest).

`check` queries each metric the way its `meta.agrees_with` says (which mart,
which columns) and compares every row with the mart: a metric and its mart
cannot drift apart unnoticed. The warehouse is opened read-only.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.exceptions import WarehouseError
from dlt_pipelines.logs import command_line
from dlt_pipelines.run.builds import code_digest
from dlt_pipelines.run.dbt import project_dir, run_dbt
from dlt_pipelines.run.state import RunState
from scripts.tools.query import format_table

PARSED = "parsed-code-digest"  # beside the shell's target/: the code its manifest was parsed from
UNKNOWN = re.compile(  # MetricFlow's refusal of a name it does not know
    r"Message:\s*(?P<what>.+?)\s*Suggestions:\s*(?P<closest>\[.*?\])"
    r"\s*Query Input:\s*(?P<name>\S+)",
    re.DOTALL,
)
# the cut every query gets: nothing after the as-of date, as in the marts
AS_OF_CUT = "{{{{ TimeDimension('metric_time', 'day') }}}} <= '{as_of}'"


@dataclass(frozen=True)
class SemanticLayer:
    """The semantic layer of one warehouse as of its published date: a dbt
    project shell (in the runner's cache, RunState.metrics_dir) holding the
    profile and the semantic manifest that `mf` reads, and the environment it
    connects with."""

    warehouse: Warehouse
    as_of: date
    project: Path

    @classmethod
    def prepare(cls, warehouse: Warehouse, as_of: date | None = None) -> SemanticLayer:
        """Parse the project for this warehouse; the as-of date defaults to the
        published build's."""
        if not warehouse.has_semantic_layer:
            raise WarehouseError(
                f"make metric needs MetricFlow, which has no adapter for a {warehouse.describe()}: "
                "read the marts with make query, or the metrics of a DuckDB or PostgreSQL "
                "warehouse of the same sources"
            )
        state = RunState(warehouse)
        as_of = as_of or state.published_as_of()
        if as_of is None:
            raise SystemExit(
                f"no published build in {warehouse.describe()}: run `make build` first "
                "(or give --as-of)"
            )
        project, code = state.metrics_dir(), code_digest(project_dir())
        parsed_from = project / PARSED
        if not parsed_from.exists() or parsed_from.read_text() != code:
            project.mkdir(parents=True, exist_ok=True)
            for name in ("dbt_project.yml", "profiles.yml"):
                shutil.copy(project_dir() / name, project / name)
            parsed = run_dbt(["parse", "--quiet"], warehouse, as_of, target_dir=project / "target")
            if parsed.failed:
                raise SystemExit(f"dbt parse failed: {parsed.cause()}")
            parsed_from.write_text(code)
        return cls(warehouse, as_of, project)

    def env(self) -> dict[str, str]:
        """What MetricFlow runs with: the warehouse (read-only), the project shell."""
        return (
            os.environ
            | self.warehouse.dbt_env()
            | {
                "WAREHOUSE_DUCKDB_ACCESS_MODE": "read_only",
                "DBT_PROJECT_DIR": str(self.project),
                "DBT_PROFILES_DIR": str(self.project),
            }
        )

    def metrics(self) -> list[dict]:
        """Every metric of the semantic manifest, by name."""
        manifest = json.loads((self.project / "target" / "semantic_manifest.json").read_text())
        return sorted(manifest["metrics"], key=lambda metric: metric["name"])

    def window_start(self, group_by: list[str]) -> date:
        """The marts' window: 30 days when grouped by day, else 12 months."""
        if "metric_time__day" in group_by:
            return self.as_of - timedelta(days=29)
        months = self.as_of.year * 12 + self.as_of.month - 1 - 11
        return date(months // 12, months % 12 + 1, 1)


@contextmanager
def metricflow(layer: SemanticLayer) -> Iterator:
    """MetricFlow's configuration for the layer, in this process (its
    environment set for the block)."""
    from dbt_metricflow.cli.cli_configuration import CLIConfiguration

    with layer.warehouse.dbt_secrets() as secrets:
        saved = dict(os.environ)
        os.environ.update(layer.env() | secrets)
        try:
            configuration = CLIConfiguration()
            configuration.setup(configure_file_logging=False)
            yield configuration
        finally:
            os.environ.clear()
            os.environ.update(saved)


def query_options(arguments: list[str]) -> argparse.Namespace:
    """`make metric`'s options."""
    parser = argparse.ArgumentParser(prog="make metric ARGS=", add_help=False)
    parser.add_argument("--metrics", required=True, help="metric names, comma-separated")
    parser.add_argument("--group-by", default="", help="dimensions, comma-separated")
    parser.add_argument("--where", default=None, help="a MetricFlow filter")
    parser.add_argument("--start-time", default=None, help="default: the marts' window")
    parser.add_argument("--order", default=None, help="names, comma-separated; -name descends")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--csv", type=Path, default=None, help="write the rows to this file")
    parser.add_argument("--explain", action="store_true", help="print the SQL, not the rows")
    return parser.parse_args(arguments)


def names(text: str | None) -> list[str]:
    """A comma-separated list."""
    return [name for name in (text or "").split(",") if name]


def query(layer: SemanticLayer, arguments: list[str]) -> int:
    """Query the metrics; print the rows ordered by time, then the other
    group-bys (or the SQL); 1, in one line, for a name MetricFlow does not know."""
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest
    from metricflow_semantics.errors.error_classes import InvalidQueryException

    options = query_options(arguments)
    group_by = names(options.group_by)
    where = AS_OF_CUT.format(as_of=layer.as_of.isoformat())
    if options.where:
        where = f"({options.where}) and {where}"
    start = date.fromisoformat(options.start_time) if options.start_time else None
    timed = sorted(group_by, key=lambda name: not name.startswith("metric_time"))
    request = MetricFlowQueryRequest.create(
        metric_names=names(options.metrics),
        group_by_names=group_by,
        where_constraints=[where],
        time_constraint_start=datetime.combine(
            start or layer.window_start(group_by), datetime.min.time()
        ),
        time_constraint_end=datetime.combine(layer.as_of, datetime.min.time()),
        order_by_names=names(options.order) or timed,
        limit=options.limit,
    )
    with metricflow(layer) as configuration:
        try:
            if options.explain:
                print(configuration.mf.explain(request).sql_statement.sql)
                return 0
            result = configuration.mf.query(request).result_df
        except InvalidQueryException as error:
            print(f"error: {not_known(str(error))}", file=sys.stderr)
            return 1
    columns = list(result.column_names)
    rows = [tuple(map(shown, row)) for row in result.rows]
    if options.csv:
        with options.csv.open("w", newline="") as file:
            csv.writer(file).writerows([columns, *rows])
        print(f"{len(rows)} rows written to {options.csv}")
        return 0
    print(format_table(columns, rows))
    print(f"({len(rows)} rows, as of {layer.as_of}, from {layer.warehouse.describe()})")
    return 0


def shown(value):
    """A value as a table shows it: a day or month without a midnight time."""
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    return value


def not_known(error: str) -> str:
    """MetricFlow's refusal of a name, in one line with the closest names."""
    found = UNKNOWN.search(error)
    if found is None:
        return " ".join(error.split())
    closest = ", ".join(ast.literal_eval(found["closest"])[:5])
    what = " ".join(found["what"].split("Common issues")[0].split()).rstrip(".")
    return f"{what.replace('The given input', repr(found['name']))}; the closest: {closest}"


def list_metrics(layer: SemanticLayer) -> None:
    """Print every metric with its definition."""
    print(f"Metrics of {layer.warehouse.describe()}, as of {layer.as_of}:\n")
    for metric in layer.metrics():
        print(f"{metric['name']}  ({metric['type']}): {metric['label']}")
        print(f"    {metric['description']}\n")
    print('Query one: make metric ARGS="--metrics mau --group-by metric_time__month"')


# --- check: every metric against its marts ----------------------------------


@dataclass(frozen=True)
class Agreement:
    """One `meta.agrees_with` entry: a metric queried with `columns`' semantic
    names (and `where`, dimension: value) equals the mart's columns (SQL on
    the mart) row by row."""

    metric: str
    mart: str
    columns: dict[str, str]  # semantic name (the metric, its group-by) -> SQL on the mart
    where: dict[str, str]

    @property
    def filters(self) -> list[str]:
        """`where` as MetricFlow filters."""
        return [f"{{{{ Dimension('{name}') }}}} = '{value}'" for name, value in self.where.items()]

    @property
    def group_by(self) -> list[str]:
        """The dimensions of the query."""
        return [name for name in self.columns if name != self.metric]


def agreements(layer: SemanticLayer) -> list[Agreement]:
    """Every metric's `agrees_with`, in metric order."""
    return [
        Agreement(metric["name"], entry["mart"], entry["columns"], entry.get("where", {}))
        for metric in layer.metrics()
        for entry in metric["config"]["meta"].get("agrees_with", [])
    ]


def normalized(value):
    """A value as both sides compare it: periods as dates, numbers rounded."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, Decimal | float):
        return round(float(value), 2)
    return value


def compare(layer: SemanticLayer, configuration, agreement: Agreement) -> tuple[int, list[str]]:
    """How many mart rows were compared, and the rows where the metric and
    its mart differ (both read through MetricFlow's connection); the first
    column is the period. A key the metric has no row for must be 0 or NULL
    in the mart (nothing happened); a key the mart has no row for must be 0
    or NULL in the metric (outside its categories)."""
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    names = [*agreement.group_by, agreement.metric]
    rows = configuration.sql_client.query(
        f"select {', '.join(agreement.columns[name] for name in names)} from marts.{agreement.mart}"
    ).rows
    mart = {tuple(map(normalized, row[:-1])): normalized(row[-1]) for row in rows}
    start = min(key[0] for key in mart)
    where = [AS_OF_CUT.format(as_of=layer.as_of.isoformat())]
    result = configuration.mf.query(
        MetricFlowQueryRequest.create(
            metric_names=[agreement.metric],
            group_by_names=agreement.group_by,
            where_constraints=where + agreement.filters,
            time_constraint_start=datetime.combine(start, datetime.min.time()),
            time_constraint_end=datetime.combine(layer.as_of, datetime.min.time()),
        )
    ).result_df
    positions = [result.column_names.index(name) for name in names]
    metric = {
        key: value
        for key, value in (
            (tuple(normalized(row[i]) for i in positions[:-1]), normalized(row[positions[-1]]))
            for row in result.rows
        )
        if key[0] >= start
    }
    problems = [
        f"{agreement.metric} vs {agreement.mart} at {', '.join(map(str, key))}:"
        f" {metric.get(key)} != {mart.get(key)}"
        for key in sorted(mart.keys() | metric.keys(), key=str)
        if mart.get(key) != metric.get(key)
        and not (key not in metric and mart[key] in (0, None))
        and not (key not in mart and metric[key] in (0, None))
    ]
    return len(mart), problems


def check(layer: SemanticLayer) -> int:
    """Compare every metric with its marts; 0 when all agree."""
    compared, problems = 0, []
    with metricflow(layer) as configuration:
        for agreement in agreements(layer):
            rows, found = compare(layer, configuration, agreement)
            compared, problems = compared + rows, problems + found
            where = "".join(f" where {name} = {value}" for name, value in agreement.where.items())
            column = f"{agreement.mart}.{agreement.columns[agreement.metric]}"
            outcome = "FAIL" if found else "ok"
            print(f"{outcome}: {agreement.metric}{where} = {column} ({rows} rows)")
    print(*problems, sep="\n")
    verdict = "every metric agrees with its mart"
    if problems:
        verdict = f"{len(problems)} rows differ"
    print(f"{compared} mart rows compared as of {layer.as_of}: {verdict}")
    return 1 if problems else 0


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("command", choices=["list", "query", "check"])
    parser.add_argument("--as-of", type=date.fromisoformat, help="default: the published build's")
    args, rest = parser.parse_known_args()
    with command_line():
        layer = SemanticLayer.prepare(Warehouse.from_env(), args.as_of)
    if args.command == "list":
        list_metrics(layer)
    elif args.command == "query":
        sys.exit(query(layer, rest))
    else:
        sys.exit(check(layer))


if __name__ == "__main__":
    main()
