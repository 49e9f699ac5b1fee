"""Before pushing: build and test only what you changed, and what depends on it.

    python -m scripts.tools.check_changes            (or: make changed)

dbt's state selection (`state:modified`) compares the project with the
manifest of the published build. First the changed models run on no rows
(dbt's --empty), so that an error in a model's SQL names the model, the
line of its compiled file and, where the line maps exactly, of its source
file, before its unit tests run. Then the changed models and their
descendants are built, with their tests, in the development copy of the
warehouse (dev_dbt.py; the published warehouse is not touched), and it
lists what was built, skipped and failed and which tests ran, from dbt's
results. It exits non-zero if anything failed, and 0, saying so, when
nothing changed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.logs import command_line
from dlt_pipelines.run.dbt import DbtOutcome, default_target_dir, project_dir
from dlt_pipelines.run.state import RunState
from scripts.tools.dev_dbt import dev_dbt

ERROR_LINE = re.compile(r"^\s*LINE (\d+): ?(.*)$", re.MULTILINE)  # DuckDB's and PostgreSQL's
BUILT, SKIPPED = ("success",), ("skipped",)


def check_changes(warehouse: Warehouse, project: Path) -> tuple[DbtOutcome, list[str]]:
    """Run the changed models on no rows, then, if their SQL runs, build and
    test them and their descendants in the development copy; dbt's outcome,
    and where each model's SQL failed (empty when it ran)."""
    state = RunState(warehouse).published_state_dir()
    if state is None:
        raise SystemExit(
            f"no published build to compare with in {warehouse.describe()}: run `make build` first"
        )
    changed = ["--select", "state:modified", "--state", str(state)]
    tried = dev_dbt(warehouse, ["run", "--empty", *changed], project=project)[1]
    if tried.failed:
        return tried, sql_errors(project, default_target_dir(project))
    selection = ["build", "--select", "state:modified+", "--state", str(state)]
    return dev_dbt(warehouse, selection, project=project)[1], []


def sql_errors(project: Path, target: Path) -> list[str]:
    """Each model that failed in dbt's last results: its error, and the line
    the engine quotes, in its compiled file and in its source file where the
    line's text is there exactly once."""
    results = target / "run_results.json"
    if not results.exists():
        return []
    manifest = json.loads((target / "manifest.json").read_text())
    errors = []
    for result in json.loads(results.read_text())["results"]:
        node = manifest["nodes"].get(result["unique_id"])
        if result["status"] != "error" or node is None or node["resource_type"] != "model":
            continue
        message = result.get("message") or ""
        # dbt's first line says "Runtime Error in model ..."; the engine's follows
        said = [line.strip() for line in message.splitlines() if line.strip()]
        lines = [f"error in model {node['name']}: {said[1] if len(said) > 1 else message}"]
        quoted = ERROR_LINE.search(message)
        compiled = target / "compiled" / node["package_name"] / node["original_file_path"]
        source = project / node["original_file_path"]
        for label, path in (("compiled", compiled), ("source", source)):
            line = _line_of(quoted.group(2), path) if quoted and path.exists() else None
            if line:
                lines.append(f"  {label}: {path}:{line}")
        errors.append("\n".join(lines))
    return errors


def _line_of(quoted: str, path: Path) -> int | None:
    """The line of `path` the engine quoted (it may cut a long line with
    '...', and a wrapper may add a parenthesis), if exactly one matches."""
    needle = max((piece.strip() for piece in quoted.split("...")), key=len)
    found = [
        number
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.strip() and (needle in line or line.strip() in needle)
    ]
    return found[0] if len(found) == 1 else None


def summary(outcome: DbtOutcome) -> str:
    """What dbt built, skipped and failed, and the tests it ran, from its
    results; dbt's own error when it stopped before any."""
    if not outcome.nodes:
        if outcome.failed:
            return f"dbt stopped before building anything: {outcome.cause()}"
        return "Nothing changed since the published build: nothing to build or test."
    models = {uid: status for uid, status in outcome.nodes.items() if uid.startswith("model.")}
    lines = []
    for label, wanted in (("Built", BUILT), ("Skipped", SKIPPED), ("Failed", None)):
        names = sorted(
            uid.split(".")[-1]
            for uid, status in models.items()
            if (status in wanted if wanted else status not in BUILT + SKIPPED)
        )
        if names or label == "Built":
            lines.append(f"{label} {len(names)} models: {', '.join(names) or 'none'}")
    tests = sorted(uid for uid in outcome.nodes if uid.startswith(("test.", "unit_test.")))
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
        warehouse = Warehouse.from_env()
        outcome, errors = check_changes(warehouse, args.project_dir)
    print("\n".join(errors) if errors else summary(outcome))
    where = warehouse.development_copy().describe()
    if outcome.failed:
        print(f"make changed failed, on the development copy: {where}", file=sys.stderr)
    else:
        print(f"(on the development copy: {where}; the published warehouse is unchanged)")
    raise SystemExit(outcome.exit_code)


if __name__ == "__main__":
    main()
