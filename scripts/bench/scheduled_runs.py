"""The scheduled run, timed as users run it: `python -m dlt_pipelines.run`
in its own process, end to end, on a DuckDB warehouse of the benchmark.

The configuration is the shipped one: keys are compared every run, range
by range (dlt_pipelines/sources/key_ranges.py). Every run of a kind counts
(a goal holds for the slowest), and the changed runs come after
EARLIER_RUNS runs in the warehouse's history. Each timing comes with where
its seconds went: the run's steps (its record in the journal) and, when it
built, dbt's start (launch to the first node) and the models' and tests'
share of the rest (dbt's run_results.json).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.backends import Warehouse
from dlt_pipelines.run.state import RunState
from scripts.demo.source_databases import SourceUrls

# the runs with nothing changed before the changed ones: a history this long
# must not slow a run down
EARLIER_RUNS = 50
# the first change's run, which makes the standby: new rows, as the next line
FIRST_CHANGE = "the first change (the standby made)"
Change = Callable[[SourceUrls, int], int]


@dataclass(frozen=True)
class ScheduledRun:
    """One scheduled run: its seconds, end to end, where they went, and its
    peak memory (the run's process and dbt's, the larger)."""

    seconds: float
    split: dict[str, float]  # load, checks, dbt start, models, tests, publish, the rest
    rows_loaded: int
    peak_mb: float

    def where(self) -> str:
        """Where the seconds went, in a few words, and the peak memory."""
        parts = ", ".join(f"{part} {seconds:.1f} s" for part, seconds in self.split.items())
        return f"{parts}; peak {self.peak_mb:,.0f} MB"


@dataclass(frozen=True)
class RunsOfAKind:
    """Every run of one kind; a goal holds for the slowest."""

    runs: list[ScheduledRun]

    @property
    def slowest(self) -> ScheduledRun:
        return max(self.runs, key=lambda run: run.seconds)

    def longest(self, part: str) -> float:
        """The most seconds one of the runs spent in `part` of its split."""
        return max(run.split.get(part, 0.0) for run in self.runs)

    def note(self) -> str:
        """How many runs, their median, and where the slowest one's seconds went."""
        median = statistics.median(run.seconds for run in self.runs)
        return f"slowest of {len(self.runs)} (median {median:.2f} s): {self.slowest.where()}"


def scheduled_run(warehouse: Warehouse, urls: SourceUrls, as_of: date) -> ScheduledRun:
    """Start one scheduled run and wait for it; stop the benchmark if it fails."""
    started = time.perf_counter()
    run = subprocess.Popen(
        [sys.executable, "-m", "dlt_pipelines.run", "--as-of", as_of.isoformat()],
        cwd=REPO_ROOT,
        env=os.environ | warehouse.env() | urls.as_env(),
        stdout=subprocess.DEVNULL,
    )
    exit_code, peak_mb = waited(run)
    seconds = time.perf_counter() - started
    if exit_code not in (0, 1):
        raise SystemExit(f"a scheduled run of the benchmark failed (exit {exit_code})")
    record = RunState(warehouse).records()[-1]
    split: dict[str, float] = {}
    for step, step_seconds in record.seconds.items():
        built = step == "dbt" and record.built
        split |= _dbt_split(warehouse, step_seconds) if built else {step: step_seconds}
    split["the rest"] = seconds - sum(split.values())  # Python's start, the lock, the journal
    return ScheduledRun(seconds, split, sum(record.rows_loaded.values()), peak_mb)


def waited(process: subprocess.Popen) -> tuple[int, float]:
    """Wait for the process; its exit code and peak memory in MB (its own
    and that of the children it waited for, such as dbt: the larger)."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024


def _dbt_split(warehouse: Warehouse, dbt_seconds: float) -> dict[str, float]:
    """The dbt step of the build just published: its start (launch to the
    first node: import, parse, connect; and its exit after the results are
    written) and the time from the first node on, split between models and
    tests by their node time."""
    target = RunState(warehouse).target_dir(warehouse.published_slot())
    results = json.loads((target / "run_results.json").read_text())
    nodes = {"models": 0.0, "tests": 0.0}
    for result in results["results"]:
        kind = result["unique_id"].split(".")[0]
        nodes["models" if kind == "model" else "tests"] += result["execution_time"]
    first_node = min(
        timing["started_at"] for result in results["results"] for timing in result["timing"]
    )
    running = (_instant(results["metadata"]["generated_at"]) - _instant(first_node)).total_seconds()
    share = running / (sum(nodes.values()) or 1)
    return {"dbt start": dbt_seconds - running} | {k: v * share for k, v in nodes.items()}


def _instant(text: str) -> datetime:
    """A time as dbt writes it (ISO 8601, Z for UTC)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def measure(
    warehouse: Warehouse,
    urls: SourceUrls,
    as_of: date,
    repeat: int,
    change_one_percent: Change,
    add_new_rows: Change,
) -> dict[str, RunsOfAKind]:
    """Every scheduled-run line on a fresh warehouse: full; the run right
    after it; EARLIER_RUNS with nothing changed; the first change, which
    makes the standby (a copy of the published build, once in a
    warehouse's life); `repeat` times each of new rows only, a new as-of
    day and 1 % changed; each change followed by the run that finds the
    other build caught up ("after a change"). The two builds take turns,
    and a build takes every change since it was last built: the small
    changes come first, so that none of their builds takes the 1 % of an
    earlier run."""
    runs: dict[str, list[ScheduledRun]] = {}

    def timed(kind: str, day: date) -> None:
        run = scheduled_run(warehouse, urls, day)
        runs.setdefault(kind, []).append(run)
        print(f"    {kind}: {run.seconds:.1f} s ({run.where()})", flush=True)

    timed("full", as_of)
    timed("the run right after the first", as_of)
    for _ in range(EARLIER_RUNS):
        timed("nothing changed", as_of)
    add_new_rows(urls, 999)
    timed(FIRST_CHANGE, as_of)
    timed("after a change", as_of)
    for round_number in range(repeat):
        add_new_rows(urls, 1000 + round_number)
        timed("new rows only", as_of)
        timed("after a change", as_of)
    day = as_of
    for _ in range(repeat):
        day += timedelta(days=1)
        timed("new as-of day", day)
        timed("after a change", day)  # the other build takes the day
    for round_number in range(repeat):
        change_one_percent(urls, 1000 + round_number)
        timed("1 % changed", day)
        timed("after a change", day)
    return {kind: RunsOfAKind(timings) for kind, timings in runs.items()}
