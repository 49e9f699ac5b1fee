"""The scheduled run, timed as users run it: `python -m dlt_pipelines.run`
in its own process, end to end, on a DuckDB warehouse of the benchmark.

The configuration is the shipped one: keys are compared every run, range
by range (dlt_pipelines/sources/key_ranges.py).
Each timing comes with where its seconds went: the run's own steps (its
record in the journal) and, when it built, dbt's node time split between
models and tests (dbt's run_results.json).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.backends import Warehouse
from dlt_pipelines.run.builds import Builds
from dlt_pipelines.run.history import RunHistory
from scripts.demo.source_databases import SourceUrls


@dataclass(frozen=True)
class ScheduledRun:
    """One scheduled run: its seconds, end to end, and where they went."""

    seconds: float
    steps: dict[str, float]  # the run's record: load, checks, dbt, publish
    dbt_split: dict[str, float]  # node seconds of models and tests, when it built
    rows_loaded: int
    built: bool

    def where(self) -> str:
        """Where the seconds went, in a few words."""
        parts = [f"{step} {seconds:.1f} s" for step, seconds in self.steps.items()]
        if self.dbt_split:
            total = sum(self.dbt_split.values()) or 1
            split = ", ".join(f"{k} {v / total:.0%}" for k, v in self.dbt_split.items())
            parts.append(f"dbt node time: {split}")
        return "; ".join(parts)


def scheduled_run(warehouse: Warehouse, urls: SourceUrls, as_of: date) -> ScheduledRun:
    """Start one scheduled run and wait for it; stop the benchmark if it fails."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "dlt_pipelines.run", "--as-of", as_of.isoformat()],
        cwd=REPO_ROOT,
        env=os.environ | warehouse.env() | urls.as_env(),
        stdout=subprocess.DEVNULL,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"a scheduled run of the benchmark failed (exit {result.returncode})")
    record = RunHistory(warehouse.run_file(".runs.jsonl")).records()[-1]
    return ScheduledRun(
        seconds,
        record.seconds,
        _dbt_split(warehouse) if record.built else {},
        sum(record.rows_loaded.values()),
        record.built,
    )


def _dbt_split(warehouse: Warehouse) -> dict[str, float]:
    """Node seconds of models and of tests in the build just published."""
    target = Builds(warehouse.run_file(".builds")).target_dir(warehouse.published_slot())
    results = json.loads((target / "run_results.json").read_text())["results"]
    split = {"models": 0.0, "tests": 0.0}
    for result in results:
        kind = result["unique_id"].split(".")[0]
        split["models" if kind == "model" else "tests"] += result["execution_time"]
    return split


def median_run(runs: list[ScheduledRun]) -> ScheduledRun:
    """The run of median seconds."""
    return sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]


def measure(
    warehouse: Warehouse, urls: SourceUrls, as_of: date, repeat: int, change
) -> dict[str, ScheduledRun]:
    """Every scheduled-run line on a fresh warehouse: full; the other build's
    first; nothing changed; 1 % changed (`change(urls, round)` makes it) and
    the next run, when the other build catches up; a new as-of day."""
    runs: dict[str, list[ScheduledRun]] = {}
    runs["full"] = [scheduled_run(warehouse, urls, as_of)]
    runs["other build's first"] = [scheduled_run(warehouse, urls, as_of)]
    runs["nothing changed"] = [scheduled_run(warehouse, urls, as_of) for _ in range(repeat)]
    for round_number in range(repeat):
        change(urls, 1000 + round_number)
        runs.setdefault("1 % changed", []).append(scheduled_run(warehouse, urls, as_of))
        runs.setdefault("after 1 % changed", []).append(scheduled_run(warehouse, urls, as_of))
    for day in range(1, repeat + 1):
        next_day = as_of + timedelta(days=day)
        runs.setdefault("new as-of day", []).append(scheduled_run(warehouse, urls, next_day))
        scheduled_run(warehouse, urls, next_day)  # the other build takes the day too
    return {name: median_run(timings) for name, timings in runs.items()}
