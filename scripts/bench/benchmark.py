"""Benchmark the warehouse against the limits of its sources.

    python -m scripts.bench.benchmark --scale 2500    (or: make bench SCALE=2500)

Generates the random profile at the scale (and at a half and a quarter of it,
for the scaling lines) into a real PostgreSQL reached over TCP, with primary
keys and the cursor indexes docs/sources.md asks for, and measures, each figure the median
of --repeat runs:

- the limit: COPY ... TO STDOUT (FORMAT binary) of every source table;
- DuckDB's postgres extension copying the same tables;
- stock dlt (sql_database, its default backend);
- this project's full extract and load, and separately dbt build;
- incremental runs after 1 % of rows changed, and after none (keys
  compared as shipped, range by range);
- the scheduled run as users run it (`python -m dlt_pipelines.run`, end to
  end), at every scale: a full first run, the run right after it, 50 runs
  with nothing changed, then 1 % changed, new rows only (an hour of
  activity) and a new as-of day, each followed by the run that finds the
  other build caught up; every run counted, each with where its seconds
  went (scheduled_runs.py);
- each of the 11 marts on the DuckDB warehouse, against the same metric
  queried live on the sources;
- peak memory of the extract-load process;
- with --spark HOST:PORT (a running cluster's Thrift server, `make
  spark-up`), the same scheduled runs into a lake built on that cluster,
  with the load into the lake and the dbt build on the cluster apart, and
  each mart read through Thrift, beside the DuckDB figures.

It prints a table (rows per second, every time also as a ratio to the COPY
limit) and writes it as JSON and Markdown under artifacts/bench/.

    python -m scripts.bench.benchmark --scale 4000 --scheduled-only --repeat 1
    (or: make bench SCALE=4000 BENCH_ARGS="--scheduled-only --repeat 1")

measures the scheduled runs alone, at that scale only: the generation of the
random profile (its seconds and peak memory), then the runs above, each line
with its split, its peak memory and its share of the full run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path

import dlt
import duckdb
import duckdb_extension_postgres_scanner
import psycopg2

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from dlt_pipelines.backends.spark import SparkWarehouse
from dlt_pipelines.postgres_url import PostgresUrl
from dlt_pipelines.run.dbt import run_dbt
from dlt_pipelines.sources import TABLES as SOURCE_TABLES
from scripts.bench.live_metrics import METRIC_SOURCES, live_metric
from scripts.bench.scheduled_runs import RunsOfAKind, waited
from scripts.bench.scheduled_runs import measure as measure_scheduled_runs
from scripts.demo import postgres_server
from scripts.demo.random_profile import PROFILE_VERSION
from scripts.demo.source_databases import SourceUrls, source_urls

BENCH_DIR = REPO_ROOT / "data" / "bench"
OUTPUT_DIR = REPO_ROOT / "artifacts" / "bench"
PORT = 54329
AS_OF = date(2025, 11, 3)
TABLES = {source: [table.name for table in tables] for source, tables in SOURCE_TABLES.items()}
# the bench server: durable enough for a benchmark, sized for this machine
SERVER_SETTINGS = {"shared_buffers": "1GB", "max_wal_size": "8GB", "synchronous_commit": "off"}
COPY_LIMIT = "COPY to stdout, binary (the limit)"
EXTENSION = "DuckDB postgres extension"
STOCK_DLT = "stock dlt sql_database (default backend)"
FULL_LOAD = "this project: full extract + load"
DBT_BUILD = "this project: dbt build"
NOTHING_CHANGED = "incremental, nothing changed"
ONE_PERCENT_CHANGED = "incremental, 1 % changed"
SCHEDULED = "scheduled run: "  # python -m dlt_pipelines.run, end to end
# the scheduled runs that find nothing changed: none may build
UNCHANGED_RUNS = ("the run right after the first", "nothing changed", "after a change")
# the changed scheduled runs' goals: at most this share of a full run
SHARE_GOALS = {"1 % changed": 0.10, "new rows only": 0.05, "new as-of day": 0.05}
GENERATE = "generate the random profile"
DBT_START = "dbt start, longest after the first run"
SPARK = "Spark, scheduled run: "  # the same, into a lake built on the cluster
SPARK_ONE_PERCENT_GOAL = 0.50  # its 1 % changed run: at most this share of its full run


@dataclass
class Figure:
    """One line of the table: `rows` is what the line moved (None for queries),
    `limit` the COPY limit at its scale in the same run."""

    name: str
    scale: int
    rows: int | None
    seconds: float
    limit: float
    note: str = ""
    peak_mb: float | None = None
    steps: dict[str, float] | None = None  # where a scheduled run's seconds went

    @property
    def ratio(self) -> float:
        """The time as a multiple of the COPY limit."""
        return self.seconds / self.limit


def median_seconds(measure: Callable[[], float], repeat: int) -> float:
    """The median of `repeat` timings."""
    return statistics.median(measure() for _ in range(repeat))


def timed(action: Callable[[], object]) -> float:
    """Seconds the action took."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def copy_limit(urls: SourceUrls) -> float:
    """Seconds to COPY every table out in binary, through psql to /dev/null."""
    psql = str(postgres_server.program("psql"))
    started = time.perf_counter()
    for source, tables in TABLES.items():
        for table in tables:
            copy = f"copy (select * from {table}) to stdout (format binary)"
            subprocess.run(
                [psql, getattr(urls, source), "-c", copy], stdout=subprocess.DEVNULL, check=True
            )
    return time.perf_counter() - started


def duckdb_postgres_extension(urls: SourceUrls, folder: Path) -> float:
    """Seconds for DuckDB's postgres extension to copy every table into a new file."""
    target = folder / "extension.duckdb"
    target.unlink(missing_ok=True)
    extension = (
        Path(duckdb_extension_postgres_scanner.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / "postgres_scanner.duckdb_extension"
    )
    with duckdb.connect(str(target)) as conn:
        conn.execute(f"load '{extension}'")
        started = time.perf_counter()
        for source, tables in TABLES.items():
            conn.execute(f"attach '{getattr(urls, source)}' as {source} (type postgres)")
            for table in tables:
                conn.execute(f"create table {source}_{table} as select * from {source}.{table}")
        return time.perf_counter() - started


def stock_dlt(urls: SourceUrls, folder: Path) -> float:
    """Seconds for dlt's sql_database source, default backend, into a new DuckDB file."""
    return _elt_process(folder / "stock.duckdb", urls, "stock")["seconds"]


def project_elt(urls: SourceUrls, warehouse: Path, environment: dict | None = None) -> dict:
    """This project's extract and load into `warehouse`: seconds and peak memory."""
    return _elt_process(warehouse, urls, "project", environment)


def _elt_process(target: Path, urls: SourceUrls, kind: str, environment: dict | None = None):
    """Run one extract-load in a fresh process; its timing and peak memory (MB)."""
    result = subprocess.run(
        [sys.executable, "-m", "scripts.bench.elt_process", kind, str(target)],
        cwd=REPO_ROOT,
        env=os.environ | urls.as_env() | (environment or {}),
        stdout=subprocess.PIPE,  # its errors go straight to the terminal
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def change_one_percent(urls: SourceUrls, round_number: int) -> int:
    """Change 1 % of the rows of every table, other rows each round; return
    how many rows changed."""
    return _execute_on_every_table(urls, lambda table: _changes(table, round_number))


def add_an_hour_of_activity(urls: SourceUrls, round_number: int) -> int:
    """New rows only, about 0.05 % of every table, stamped in the as-of day
    where the cursor is `updated_at` (a table whose cursor is the creation
    time gets now(): a row stamped a year back is a late commit no change
    window reads); return how many rows were added."""

    def insert(table: str) -> list[str]:
        in_the_day = "updated_at" in CURSORS[table]
        created = f"timestamptz '{AS_OF} 12:00:00+00'" if in_the_day else "now()"
        return [_insert(table, created, f"{_bucket(round_number, 2000)} = 0")]

    return _execute_on_every_table(urls, insert)


def _execute_on_every_table(urls: SourceUrls, statements: Callable[[str], list[str]]) -> int:
    """Run each table's statements; return how many rows they touched."""
    touched = 0
    for cursor, table in each_table(urls):
        for statement in statements(table):
            cursor.execute(statement)
            touched += cursor.rowcount
    return touched


def each_table(urls: SourceUrls) -> Iterator[tuple[psycopg2.extensions.cursor, str]]:
    """Every source table, with a cursor on its database (committed at the end)."""
    for source, tables in TABLES.items():
        conn = PostgresUrl.parse(getattr(urls, source)).connect()
        try:
            with conn, conn.cursor() as cursor:
                for table in tables:
                    yield cursor, table
        finally:
            conn.close()


def _changes(table: str, round_number: int) -> list[str]:
    """The statements that change 1 % of one table's rows: in insert-only
    tables, new rows; elsewhere 0.5 % updated, 0.25 % soft-deleted (resolved,
    for reports; updated again where there is no deleted_at) and 0.25 % new."""
    bucket = _bucket(round_number, 400)
    if table in INSERT_ONLY:
        return [_insert(table, "now()", f"{bucket} < 4")]
    update = (
        "resolved_at = now(), status = 'resolved'" if table == "reports" else "updated_at = now()"
    )
    soft_delete = update if table in ("reports", "query_votes") else f"deleted_at = now(), {update}"
    return [
        f"update {table} set {update} where {bucket} < 2",
        f"update {table} set {soft_delete} where {bucket} = 2",
        _insert(table, "now()", f"{bucket} = 3"),
    ]


def _bucket(round_number: int, buckets: int) -> str:
    """Which of `buckets` a row falls in, another each round."""
    return f"mod(abs(hashtext(id::text)::bigint) + {round_number}, {buckets})"


def _insert(table: str, created: str, where: str) -> str:
    """New rows copying the table's rows that match `where`, created at `created`."""
    columns, values = NEW_ROWS[table]
    copied = values.format(created=created)
    return f"insert into {table} ({columns}) select {copied} from {table} where {where}"


INSERT_ONLY = ("query_embeddings", "mentions")
CURSORS = {
    table.name: table.cursor_columns for tables in SOURCE_TABLES.values() for table in tables
}
# new rows copy old ones, with new keys, created at {created}, updated now()
NEW_ROWS = {
    "persons": (
        "person_id, email, account_type, created_at, updated_at",
        "gen_random_uuid(), email, account_type, {created}, now()",
    ),
    "view_access": (
        "person_id, viewed_person_id, created_at, updated_at",
        "person_id, viewed_person_id, {created}, now()",
    ),
    "query_votes": (
        "voter_id, query_id, vote, created_at, updated_at",
        "voter_id, query_id, vote, {created}, now()",
    ),
    "collections": (
        "person_id, name, privacy, created_at, updated_at",
        "person_id, name, privacy, {created}, now()",
    ),
    "query_embeddings": ("query_text, model, created_at", "query_text, model, {created}"),
    "posts": (
        "id, person_id, type, status, content, metadata, created_at, updated_at",
        "gen_random_uuid(), person_id, type, status, content, metadata, {created}, now()",
    ),
    "comments": (
        "id, post_id, person_id, content, created_at, updated_at",
        "gen_random_uuid(), post_id, person_id, content, {created}, now()",
    ),
    "mentions": (
        "post_id, comment_id, mentioned_person_id, mentioned_by_person_id, created_at",
        "post_id, comment_id, mentioned_person_id, mentioned_by_person_id, {created}",
    ),
    "reports": (
        "reporter_id, post_id, comment_id, reason, status, created_at",
        "reporter_id, post_id, comment_id, reason, 'open', {created}",
    ),
    "groups": (
        "name, created_by, visibility, created_at, updated_at",
        "name, created_by, visibility, {created}, now()",
    ),
    "group_members": (
        "group_id, person_id, role, created_at, updated_at",
        "group_id, person_id, role, {created}, now()",
    ),
}


def mart_seconds(warehouse: Warehouse, model: str, repeat: int) -> float:
    """Median seconds to read a whole mart view, warm, as a BI tool would:
    from the DuckDB file, or through Spark's Thrift server."""
    connection = warehouse.connect(read_only=True)
    try:
        cursor = connection.cursor()

        def read() -> None:
            cursor.execute(f"select * from marts.{model}")
            cursor.fetchall()

        read()  # warm
        return median_seconds(lambda: timed(read), repeat)
    finally:
        connection.close()


def source_rows(urls: SourceUrls) -> int:
    """Rows in every source table."""
    total = 0
    for cursor, table in each_table(urls):
        cursor.execute(f"select count(*) from {table}")
        total += cursor.fetchone()[0]
    return total


def dbt_build_seconds(warehouse: Warehouse) -> float:
    """Seconds of one dbt build of every model from the raw tables (what a
    first scheduled run does); stops the benchmark if it fails."""
    started = time.perf_counter()
    outcome = run_dbt(
        ["build", "--full-refresh", "--exclude-resource-type", "unit_test", "--quiet"],
        warehouse,
        AS_OF,
    )
    if outcome.failed:
        raise SystemExit(f"dbt build failed on the benchmark warehouse: {outcome.problems}")
    return time.perf_counter() - started


def incremental_seconds(
    urls: SourceUrls, warehouse: DuckDBWarehouse, repeat: int, touched: list[int] | None = None
) -> float:
    """Median seconds of incremental runs (keys compared as shipped: per range);
    with `touched`, 1 % of the rows change before each run (counts appended)."""
    timings = []
    for round_number in range(repeat):
        if touched is not None:
            touched.append(change_one_percent(urls, round_number))
        timings.append(project_elt(urls, warehouse.path)["seconds"])
    return statistics.median(timings)


def measure_scale(
    scale: int,
    urls: SourceUrls,
    repeat: int,
    stock_repeat: int,
    complete: bool,
    spark: SparkWarehouse | None = None,
) -> list[Figure]:
    """The figures at one scale: every line when `complete`, else the scaling
    lines (the limit, full load, dbt build, incremental with nothing changed)."""
    folder = BENCH_DIR / f"scale-{scale}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rows = source_rows(urls)
    limit = median_seconds(lambda: copy_limit(urls), repeat)
    figures: list[Figure] = []

    def add(name: str, seconds: float, note: str = "", count: int | None = rows, **more):
        figures.append(Figure(name, scale, count, seconds, limit, note, **more))
        print(f"  scale {scale}: {name}: {seconds:.3f} s {note}", flush=True)

    def add_scheduled(prefix: str, kinds: dict[str, RunsOfAKind]) -> None:
        for figure in scheduled_figures(prefix, kinds, scale, limit):
            figures.append(figure)
            print(f"  scale {scale}: {figure.name}: {figure.seconds:.3f} s {figure.note}")

    add(COPY_LIMIT, limit)
    if complete:
        add(EXTENSION, median_seconds(lambda: duckdb_postgres_extension(urls, folder), repeat))
        if stock_repeat:
            stock = median_seconds(lambda: stock_dlt(urls, folder), stock_repeat)
            add(STOCK_DLT, stock, f"median of {stock_repeat}")
    warehouse = DuckDBWarehouse(folder / "warehouse.duckdb")
    full_runs = []
    for _ in range(repeat):
        warehouse.path.unlink(missing_ok=True)
        full_runs.append(project_elt(urls, warehouse.path))
    peak = max(run["peak_mb"] for run in full_runs)
    full = statistics.median(run["seconds"] for run in full_runs)
    add(FULL_LOAD, full, f"peak memory {peak:.0f} MB", peak_mb=peak)
    add(DBT_BUILD, median_seconds(lambda: dbt_build_seconds(warehouse), repeat))
    add(NOTHING_CHANGED, incremental_seconds(urls, warehouse, repeat), count=0)
    scheduled = DuckDBWarehouse(folder / "scheduled" / "warehouse.duckdb")
    add_scheduled(SCHEDULED, measure_runs(scheduled, urls, repeat))
    if not complete:
        return figures
    touched: list[int] = []
    one_percent = incremental_seconds(urls, warehouse, repeat, touched)
    add(ONE_PERCENT_CHANGED, one_percent, count=int(statistics.median(touched)))
    for model in METRIC_SOURCES:
        add(mart_line(model), mart_seconds(warehouse, model, repeat), count=None)
        live = median_seconds(lambda m=model: timed(lambda: live_metric(m, urls, AS_OF)), repeat)
        add(live_line(model), live, count=None)
    if spark:  # its run state is in its lake, in the folder made anew above
        add_scheduled(SPARK, measure_runs(spark, urls, repeat))
        for model in METRIC_SOURCES:
            add(f"mart {model} (Spark, Thrift)", mart_seconds(spark, model, repeat), count=None)
    return figures


def scheduled_figures(
    prefix: str, kinds: dict[str, RunsOfAKind], scale: int, limit: float
) -> list[Figure]:
    """A line per kind of scheduled run (its slowest, with where its seconds
    went and its peak memory), and the longest start of dbt."""
    figures = [
        Figure(
            prefix + kind,
            scale,
            runs.slowest.rows_loaded,
            runs.slowest.seconds,
            limit,
            runs.note(),
            peak_mb=runs.slowest.peak_mb,
            steps=runs.slowest.split,
        )
        for kind, runs in kinds.items()
    ]
    # the first run parses the project from nothing; every other one may not
    start = max(runs.longest("dbt start") for kind, runs in kinds.items() if kind != "full")
    return [
        *figures,
        Figure(prefix + DBT_START, scale, None, start, limit, "launch to the first node"),
    ]


def generated(scale: int, server_url: str) -> tuple[SourceUrls, Figure]:
    """The random profile generated at `scale` as a user runs it
    (scripts.demo.generate, in its own process); its line, with its peak memory."""
    print(f"generating the random profile at scale {scale} ...", flush=True)
    prefix = f"bench{scale}_"
    started = time.perf_counter()
    generation = subprocess.Popen(
        [sys.executable, "-m", "scripts.demo.generate", "random", "--scale", str(scale),
         "--seed", "7", "--server", server_url, "--prefix", prefix],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    exit_code, peak = waited(generation)
    if exit_code:
        raise SystemExit(f"generating the random profile at scale {scale} failed")
    urls = source_urls(server_url, prefix)
    seconds, rows = time.perf_counter() - started, source_rows(urls)
    note = f"peak memory {peak:,.0f} MB, random profile version {PROFILE_VERSION}"
    print(f"  {seconds:.0f} s, {note}", flush=True)
    return urls, Figure(GENERATE, scale, rows, seconds, seconds, note, peak_mb=peak)


def scheduled_only(
    scale: int, repeat: int, server_url: str, spark: SparkWarehouse | None
) -> list[Figure]:
    """The scheduled runs at one scale, after generating its sources, on
    DuckDB and, given a cluster, on Spark; each line's ratio is its share of
    its engine's full run."""
    urls, generation = generated(scale, server_url)
    folder = BENCH_DIR / f"scale-{scale}"
    shutil.rmtree(folder, ignore_errors=True)
    kinds = measure_runs(DuckDBWarehouse(folder / "scheduled" / "warehouse.duckdb"), urls, repeat)
    full = kinds["full"].slowest.seconds
    figures = [replace(generation, limit=full), *scheduled_figures(SCHEDULED, kinds, scale, full)]
    if spark:  # its run state is in its lake, in the folder made anew above
        kinds = measure_runs(spark, urls, repeat)
        figures += scheduled_figures(SPARK, kinds, scale, kinds["full"].slowest.seconds)
    return figures


def measure_runs(warehouse: Warehouse, urls: SourceUrls, repeat: int) -> dict[str, RunsOfAKind]:
    """The scheduled runs on a new warehouse, with the benchmark's changes."""
    changes = (change_one_percent, add_an_hour_of_activity)
    return measure_scheduled_runs(warehouse, urls, AS_OF, repeat, *changes)


def mart_line(model: str) -> str:
    """The name of the line that reads a mart from the warehouse."""
    return f"mart {model} (DuckDB)"


def live_line(model: str) -> str:
    """The name of the line that computes a metric live on its source."""
    return f"live {model} (sources)"


def run_benchmark(
    scale: int, repeat: int, stock_repeat: int, server_url: str, spark: SparkWarehouse | None
) -> list[Figure]:
    """Every figure at `scale`, and the scaling lines at a quarter and a half of it."""
    figures: list[Figure] = []
    for each in sorted({max(1, scale // 4), max(1, scale // 2), scale}):
        urls, _ = generated(each, server_url)
        complete = each == scale
        lake = spark if complete else None
        figures += measure_scale(each, urls, repeat, stock_repeat, complete, lake)
    return figures


def goals(figures: list[Figure]) -> list[tuple[str, str, bool]]:
    """Each goal of the benchmark: what it asks, what was measured, whether it
    holds; the scheduled runs' at the largest scale, and with every line
    measured (not --scheduled-only) the others. The scaling goals compare
    the largest scale with the smallest (4x apart)."""
    large = max(f.scale for f in figures)
    run = {f.name.removeprefix(SCHEDULED): f for f in figures if f.scale == large}
    unchanged = max(run[name].seconds for name in UNCHANGED_RUNS)
    shares = {kind: run[kind].seconds / run["full"].seconds for kind in SHARE_GOALS}
    scheduled = [
        ("scheduled run, nothing changed (the run right after the first too): at most 3 s",
         f"{unchanged:.1f} s", unchanged <= 3),
        *((f"scheduled run, {kind}: at most {goal:.0%} of a full run (scale {large})",
           f"{shares[kind]:.1%}", shares[kind] <= goal) for kind, goal in SHARE_GOALS.items()),
    ]  # fmt: skip
    spark = {f.name.removeprefix(SPARK): f for f in figures if f.name.startswith(SPARK)}
    if spark:
        share, goal = spark["1 % changed"].seconds / spark["full"].seconds, SPARK_ONE_PERCENT_GOAL
        scheduled.append((f"Spark, 1 % changed: at most {goal:.0%} of a full run (scale {large})",
                          f"{share:.1%}", share <= goal))  # fmt: skip
    return scheduled + (
        every_line_goals(figures) if any(f.name == FULL_LOAD for f in figures) else []
    )


def every_line_goals(figures: list[Figure]) -> list[tuple[str, str, bool]]:
    """The goals of the lines beyond the scheduled runs, and of scaling."""
    at = {(figure.name, figure.scale): figure for figure in figures}
    small, large = min(f.scale for f in figures), max(f.scale for f in figures)
    full = at[FULL_LOAD, large]
    one_percent = at[ONE_PERCENT_CHANGED, large].seconds / full.seconds
    nothing = at[NOTHING_CHANGED, large].seconds / at[NOTHING_CHANGED, small].seconds
    mart = {model: at[mart_line(model), large].seconds for model in METRIC_SOURCES}
    slowest = max(mart, key=mart.get)
    speedup = {model: at[live_line(model), large].seconds / mart[model] for model in mart}
    least = min(speedup, key=speedup.get)
    peak, small_peak = full.peak_mb, at[FULL_LOAD, small].peak_mb
    rows_growth = full.rows / at[FULL_LOAD, small].rows
    dbt_growth = at[DBT_BUILD, large].seconds / at[DBT_BUILD, small].seconds
    run = {
        name: {f.scale: f for f in figures if f.name == SCHEDULED + name}
        for name in ("full", *UNCHANGED_RUNS, "1 % changed")
    }
    unchanged_growth = max(run[name][large].seconds for name in UNCHANGED_RUNS) / max(
        run[name][small].seconds for name in UNCHANGED_RUNS
    )
    publish = {x: f.steps["publish"] for x, f in run["1 % changed"].items()}
    dbt_start = max(f.seconds for f in figures if f.name == SCHEDULED + DBT_START)
    return [
        (f"scheduled run, nothing changed: same at scales {small} and {large} (within 1.25x)",
         f"{unchanged_growth:.2f}x", unchanged_growth <= 1.25),
        ("dbt's start, launch to the first node, after the first run: at most 4.5 s",
         f"{dbt_start:.1f} s", dbt_start <= 4.5),
        (f"publishing costs the same at scales {small} and {large} (within 1.25x)",
         f"{publish[small]:.2f} s -> {publish[large]:.2f} s",
         publish[large] <= 1.25 * max(publish[small], 0.1)),
        ("full extract + load within 2x the COPY limit",
         f"{full.ratio:.2f}x", full.ratio <= 2),
        ("incremental, 1 % changed: at most 15 % of the full load",
         f"{one_percent:.0%}", one_percent <= 0.15),
        (f"incremental, nothing changed: same at scales {small} and {large} (within 1.25x)",
         f"{nothing:.2f}x", nothing <= 1.25),
        ("every mart under 100 ms on DuckDB",
         f"slowest {mart[slowest] * 1000:.1f} ms ({slowest})", mart[slowest] < 0.1),
        ("every mart at least 10x faster than its live query",
         f"least {speedup[least]:,.0f}x ({least})", speedup[least] >= 10),
        ("peak memory of the load under 2 GB", f"{peak:.0f} MB", peak < 2048),
        (f"peak memory does not grow: scales {small} and {large} (within 1.25x)",
         f"{small_peak:.0f} MB -> {peak:.0f} MB", peak <= 1.25 * small_peak),
        (f"dbt build grows no faster than the data ({rows_growth:.1f}x the rows)",
         f"{dbt_growth:.1f}x the time", dbt_growth <= rows_growth),
    ]  # fmt: skip


def markdown(figures: list[Figure], server_version: str, ratio_to: str) -> str:
    """The figures and the goals as Markdown tables, with the machine."""
    lines = [
        f"Machine: {machine(server_version)}",
        "",
        f"| measurement | scale | rows | seconds | rows/s | ratio to {ratio_to} | peak MB | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in sorted(figures, key=lambda figure: -figure.scale):
        rows = f"{f.rows:,}" if f.rows is not None else ""
        rate = f"{f.rows / f.seconds:,.0f}" if f.rows else ""
        peak = f"{f.peak_mb:,.0f}" if f.peak_mb else ""
        cells = [f.name, f.scale, rows, f"{f.seconds:.4f}", rate, f"{f.ratio:.3f}", peak, f.note]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    lines += ["", "| goal | measured | met |", "|---|---|---|"]
    for goal, measured, met in goals(figures):
        lines.append(f"| {goal} | {measured} | {'yes' if met else '**no**'} |")
    return "\n".join(lines) + "\n"


def machine(server_version: str) -> str:
    """What the benchmark ran on."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GB RAM, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
        f"dlt {dlt.__version__}, PostgreSQL {server_version} over TCP on the same machine"
    )


def server_version(server_url: str) -> str:
    """The PostgreSQL version of the server."""
    conn = PostgresUrl.parse(server_url).connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute("show server_version")
            return cursor.fetchone()[0]
    finally:
        conn.close()


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--scale", type=int, required=True, help="random profile scale")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument(
        "--stock-repeat",
        type=int,
        default=3,
        help="runs of stock dlt (slow at large scales; 0 leaves it out)",
    )
    parser.add_argument(
        "--scheduled-only",
        action="store_true",
        help="generate the scale alone and measure only the scheduled runs (each line's ratio: "
        "its share of the full run); scale 4,000 in about an hour",
    )
    parser.add_argument(
        "--spark",
        metavar="HOST:PORT",
        help="also measure the Spark target on the cluster of this Thrift server",
    )
    args = parser.parse_args()
    spark = None
    if args.spark:
        host, _, port = args.spark.rpartition(":")
        lake = (BENCH_DIR / f"scale-{args.scale}" / "lake").as_posix()
        spark = SparkWarehouse.at(lake, host, port, REPO_ROOT)
    if args.scale < 4 and not args.scheduled_only:
        parser.error("--scale must be at least 4 (its quarter is the smallest scale measured)")
    server = postgres_server.LocalPostgres(BENCH_DIR / "postgres")
    server_url = server.start(PORT, SERVER_SETTINGS).uri()
    try:
        if args.scheduled_only:
            figures = scheduled_only(args.scale, args.repeat, server_url, spark)
        else:
            figures = run_benchmark(args.scale, args.repeat, args.stock_repeat, server_url, spark)
        ratio_to = "the full run" if args.scheduled_only else "the COPY limit"
        report = markdown(figures, server_version(server_url), ratio_to)
    finally:
        server.stop()
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUTPUT_DIR / f"bench-{args.scale}.md").write_text(report)
    results = {
        "machine": report.splitlines()[0].removeprefix("Machine: "),
        "figures": [asdict(f) for f in figures],
    }
    (OUTPUT_DIR / f"bench-{args.scale}.json").write_text(json.dumps(results, indent=2))
    print("\n" + report)
    print(f"written: {OUTPUT_DIR}/bench-{args.scale}.md and .json")


if __name__ == "__main__":
    main()
