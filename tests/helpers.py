"""Helpers for the end-to-end tests: build a warehouse, read it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from dlt_pipelines.backends.postgres import PostgresWarehouse
from dlt_pipelines.postgres_url import PostgresUrl
from dlt_pipelines.sources import TABLES
from scripts.bench.live_metrics import METRIC_SOURCES
from scripts.demo.source_databases import SourceUrls

AS_OF = date(2025, 11, 3)
MODELS_BEYOND_THE_DASHBOARD = (
    "cross_source_orphans",
    "platform_dau",
    "platform_mau",
    "activation_funnel",
    "retention_cohorts",
    "engagement_activity_types_monthly",
    "data_quality_summary",
    "person_features",
    "shared_link_domains_monthly",
)
MART_MODELS = (*METRIC_SOURCES, *MODELS_BEYOND_THE_DASHBOARD)


def postgres_warehouse(server_url: str, name: str) -> Warehouse:
    """An empty PostgreSQL warehouse: database `name` on the server, recreated."""
    server = PostgresUrl.parse(server_url)
    admin = server.with_database("postgres").uri()
    execute(admin, f'drop database if exists "{name}" with (force)')  # one statement a time:
    execute(admin, f'create database "{name}"')  # neither runs in a transaction
    return PostgresWarehouse(server.with_database(name))


def clone_database(url: str, name: str) -> str:
    """A copy of the database at `url` (its server copies the files), as
    database `name` on the same server, replacing one of that name; its URL."""
    database = PostgresUrl.parse(url)
    admin = database.with_database("postgres").uri()
    execute(admin, f'drop database if exists "{name}" with (force)')
    execute(admin, f'create database "{name}" template "{database.dbname}"')
    return database.with_database(name).uri()


def clone_sources(sources: SourceUrls, prefix: str) -> SourceUrls:
    """Copies of both source databases, named <prefix>chemlink and <prefix>engagement."""
    return SourceUrls(
        clone_database(sources.chemlink, f"{prefix}chemlink"),
        clone_database(sources.engagement, f"{prefix}engagement"),
    )


def copy_warehouse(warehouse: Warehouse, folder: Path) -> Warehouse:
    """A copy of a built DuckDB warehouse in `folder`, as it stands: both
    builds (the published file linked to its own), and the files its runs
    keep beside it (its state, and dbt's target folders)."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = DuckDBWarehouse(folder / warehouse.path.name)
    _copy_run_files(warehouse, copy)
    shutil.copytree(warehouse.path.parent / ".slots", folder / ".slots")
    slot = warehouse.published_slot()
    os.link(folder / ".slots" / slot / warehouse.path.name, copy.path)
    return copy


def copy_postgres_warehouse(warehouse: Warehouse, name: str) -> Warehouse:
    """A copy of a built PostgreSQL warehouse, as database `name` (its state
    included, in `ops`), with this runner's cache (dbt's parse). Its builds'
    manifests name `name`, as if built there: dbt's `state:modified` would
    find every source moved to another database."""
    copy = PostgresWarehouse(PostgresUrl.parse(clone_database(warehouse.url.uri(), name)))
    store = copy.state_store()
    manifests = [f"builds/{build}/state/manifest.json" for build in copy.builds]
    old, new = warehouse.url.dbname.encode(), name.encode()
    store.write({m: store.read(m).replace(old, new) for m in manifests if store.read(m)})
    _copy_run_files(warehouse, copy)
    return copy


def _copy_run_files(warehouse: Warehouse, copy: Warehouse) -> None:
    """The files its runs keep (DuckDB's state: the journal, the builds'
    records, the pin) and dbt's target folders, copied."""
    for kept in (".runs.jsonl", ".builds", ".pin.json"):
        source, target = warehouse.cache_file(kept), copy.cache_file(kept)
        shutil.rmtree(target, ignore_errors=True)
        target.unlink(missing_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        elif source.exists():
            shutil.copyfile(source, target)


def execute(url: str, sql: str) -> None:
    """Run statements on a PostgreSQL database, outside a transaction."""
    conn = PostgresUrl.parse(url).connect()
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def source_rows(url: str, sql: str) -> list[tuple]:
    """Rows of a query on a PostgreSQL database (a source, a server)."""
    conn = PostgresUrl.parse(url).connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        conn.close()


def run_build(
    warehouse: Warehouse, sources: SourceUrls, as_of: date = AS_OF, **environment: str
) -> subprocess.CompletedProcess:
    """`make build`'s command in a fresh process, pointed at the sources."""
    env = os.environ | warehouse.env() | sources.as_env() | environment
    return subprocess.run(
        [sys.executable, "-m", "scripts.demo.build", "--as-of", as_of.isoformat()],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def assert_built(result: subprocess.CompletedProcess) -> None:
    """Fail with the build's output unless it succeeded."""
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]


def rows(warehouse: Warehouse, sql: str) -> list[tuple]:
    """Rows of a query on the warehouse."""
    return warehouse.query(sql)[1]


def mart(warehouse: Warehouse, model: str) -> list[tuple]:
    """Every row of a mart view as the engine returns it (DuckDB: in the
    model's order), load times left out: they differ between warehouses by
    nature."""
    with warehouse.cursor(read_only=True) as cursor:
        return _mart_rows(cursor, model)


def marts(warehouse: Warehouse) -> dict[str, list[tuple]]:
    """Every mart's rows, as `mart` reads them but sorted (a view over a
    table promises no order: PostgreSQL's may differ from DuckDB's), through
    one connection (on Spark, each connection is a session of the Thrift
    server)."""
    with warehouse.cursor(read_only=True) as cursor:
        return {model: in_order(_mart_rows(cursor, model)) for model in MART_MODELS}


def _mart_rows(cursor, model: str) -> list[tuple]:
    cursor.execute(f"select * from marts.{model}")
    keep = [i for i, column in enumerate(cursor.description) if column[0] != "newest_load_at"]
    return [tuple(row[i] for i in keep) for row in cursor.fetchall()]


def in_order(rows: Iterable[tuple]) -> list[tuple]:
    """Rows sorted by every column in turn, NULL last: how rows of two engines compare."""
    return sorted(rows, key=lambda row: [(value is None, value) for value in row])


RUN = [sys.executable, "-m", "dlt_pipelines.run", "--as-of", AS_OF.isoformat()]
# for a run whose test compares marts only: the data tests would check nothing
# there. dbt's own setting, not a var: a var changed since a build's last run
# costs a parse of the whole project and a rebuild of every table and mart.
WITHOUT_DATA_TESTS = {"DBT_EXCLUDE_RESOURCE_TYPES": "test"}


def run_history(warehouse: Warehouse) -> list[dict]:
    """The journal of runs, oldest first."""
    return warehouse.state_store().records()


def run_environment(warehouse: Warehouse, sources: SourceUrls, **environment: str) -> dict:
    """The environment of a scheduled run on these sources and warehouse."""
    return os.environ | warehouse.env() | sources.as_env() | environment


def scheduled_run(
    warehouse: Warehouse, sources: SourceUrls, *arguments: str, **environment: str
) -> subprocess.CompletedProcess:
    """`python -m dlt_pipelines.run` to its end, as cron would start it."""
    return subprocess.run(
        [*RUN, *arguments],
        cwd=REPO_ROOT,
        env=run_environment(warehouse, sources, **environment),
        capture_output=True,
        text=True,
    )


def runner(tmp_path: Path, name: str) -> dict[str, str]:
    """The environment of a runner with an empty folder of its own (its cache,
    its temporary files): a container, a CI job, another host."""
    folder = tmp_path / f"runner-{name}"
    folder.mkdir()
    return {"WAREHOUSE_RUN_FILES_DIR": str(folder), "TMPDIR": str(folder)}


def last_line(done: subprocess.CompletedProcess) -> str:
    """The last line a command printed."""
    return done.stdout.strip().splitlines()[-1]


def start_scheduled_run(warehouse: Warehouse, sources: SourceUrls, tmp: Path) -> subprocess.Popen:
    """`python -m dlt_pipelines.run` started in the background, its temporary
    files in `tmp` (a run killed midway leaves its dlt working folder there)."""
    return subprocess.Popen(
        RUN,
        cwd=REPO_ROOT,
        env=run_environment(warehouse, sources, TMPDIR=str(tmp)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


# when a row was loaded or a finding made: different in every run by nature
RUN_DEPENDENT_COLUMNS = ("_dlt_load_id", "detected_at", "newest_load_at")


def contents(warehouse: Warehouse) -> dict[str, list[tuple]]:
    """Everything a reader could compare: every raw row, every mart row
    (RUN_DEPENDENT_COLUMNS left out)."""
    tables = rows(
        warehouse,
        "select table_schema, table_name from information_schema.tables"
        " where table_schema in ('raw_chemlink', 'raw_engagement', 'marts')"
        " and table_name not like '\\_dlt%' escape '\\' order by 1, 2",
    )
    snapshot = {}
    for schema, table in tables:
        columns, result = warehouse.query(f"select * from {schema}.{table}")
        keep = [i for i, c in enumerate(columns) if c not in RUN_DEPENDENT_COLUMNS]
        snapshot[f"{schema}.{table}"] = sorted(
            (tuple(row[i] for i in keep) for row in result), key=repr
        )
    return snapshot


def as_role(url: str, user: str, password: str) -> str:
    """The same database URL, logging in as another role."""
    return PostgresUrl.parse(url).with_login(user, password).uri()


def source_counts(sources: SourceUrls) -> dict[str, int]:
    """Rows per source table, named as their raw tables ('raw_chemlink.persons')."""
    return {
        f"raw_{source}.{table}": source_rows(
            getattr(sources, source), f"select count(*) from {table}"
        )[0][0]
        for source, tables in TABLES.items()
        for table in (table.name for table in tables)
    }


def raw_counts(warehouse: Warehouse, tables: dict[str, int] | None = None) -> dict[str, int]:
    """Rows per raw table: those named in `tables`, or every one but dlt's own."""
    names = tables or [
        f"{schema}.{name}"
        for schema, name in rows(
            warehouse,
            "select table_schema, table_name from information_schema.tables"
            " where table_schema in ('raw_chemlink', 'raw_engagement')"
            " and table_name not like '\\_dlt%' escape '\\'",
        )
    ]
    return {name: rows(warehouse, f"select count(*) from {name}")[0][0] for name in names}


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# as the machine's probe starts it: no sandbox as root, no background traffic
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium(playwright):
    """Debian's chromium, headless, started by playwright."""
    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing: run `make browser` (Debian's chromium)"
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
