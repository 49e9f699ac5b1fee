"""Shared fixtures: real PostgreSQL sources and real warehouses.

The source databases live on real PostgreSQL servers: TEST_POSTGRES_URL if
set, otherwise the wheel's PostgreSQL 18 (the newest supported); and
Debian's PostgreSQL 15 (the oldest, `make postgres15`) for the version
tests. Warehouses that tests only read are built once per session.

`make test` runs the tests on two pytest-xdist workers, one per core. The
servers and the templates are made once for all workers (`shared`), in a
folder of the session; a test that uses the random or the seed warehouse
runs on the worker that built it (WORKER_GROUPS). Every database and role
a worker makes carries the worker's name, and every test gets a folder of
its own for dbt's artifacts.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from _pytest.nodeid import coerce_node_id

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from scripts.demo.generate import generate
from scripts.demo.postgres_server import start, stop
from scripts.demo.random_profile import random_tables
from scripts.demo.seed_profile import seed_tables
from scripts.demo.source_databases import SourceUrls
from scripts.demo.spark_cluster import SparkCluster
from tests.helpers import (
    WITHOUT_DATA_TESTS,
    assert_built,
    clone_sources,
    copy_postgres_warehouse,
    copy_warehouse,
    postgres_warehouse,
    run_build,
    scheduled_run,
)
from tests.spark.conftest import free_port, spark_ready

# the workers share the servers: the databases and roles a worker makes carry its name
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
RANDOM_SCALE = 2
RANDOM_SEED = 7
OLDEST_POSTGRES, NEWEST_POSTGRES = 15, 18
# Tokyo is ahead of UTC and Los Angeles behind it: a 23:30 UTC event falls on
# another local day in either, so any local-time arithmetic would show.
FOREIGN_TIME_ZONES = {"TZ": "Asia/Tokyo", "PGTZ": "America/Los_Angeles"}
# the tests that use the fixture run on one worker, which builds it once;
# the groups go to the workers in this order, the longest first
WORKER_GROUPS = (
    ("cluster", "spark"),  # the Spark tests: one Spark cluster (about half the suite's time)
    ("random_warehouses", "random"),
    ("seed_sources", "seed"),
    ("manifest", "seed"),  # dbt's parse, of tests/e2e/test_analyst_workflow.py
)
# the modules whose tests take half a minute or more each (make test's --durations)
LONGEST_FIRST = ("test_incremental_equals_full.py", "test_production_runs.py")
# what a session writes to the temporary folder at its peak (its servers,
# warehouses and dbt's artifacts: 2.0 GB on 2026-12-03), with room to spare
FREE_SPACE_NEEDED_GB = 3


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the tests that use one session-built warehouse (or the Spark
    cluster) on one worker, so that it is built once: pytest-xdist's
    `loadgroup` sends the tests whose id ends in the same `@group` to one
    worker. Its own `xdist_group` marker does this by setting
    `item._nodeid`, which pytest 9 no longer reads (ids live in `item._id`),
    so the suffix is set here.

    pytest-xdist (with --no-loadscope-reorder) hands out the work in the
    order of the items: the groups first (WORKER_GROUPS), then the modules
    of the longest tests (LONGEST_FIRST), so that the last test a worker
    takes is a short one. A test marked `stops_the_cluster` runs last."""
    groups = {item: _group(item) for item in items}
    order = [group for _, group in WORKER_GROUPS]
    items.sort(
        key=lambda item: (
            order.index(groups[item]) if groups[item] else len(order),
            item.path.name not in LONGEST_FIRST,
            item.get_closest_marker("stops_the_cluster") is not None,
        )
    )
    if hasattr(config, "workerinput"):
        for item in items:
            if groups[item]:
                item._id = coerce_node_id(f"{item.nodeid}@{groups[item]}")


def _group(item: pytest.Item) -> str | None:
    """The worker group of the first fixture in WORKER_GROUPS the test uses
    (a test marked `spark` uses the cluster, if only through a parameter)."""
    if item.get_closest_marker("spark"):
        return "spark"
    uses = set(item.fixturenames)
    return next((group for fixture, group in WORKER_GROUPS if fixture in uses), None)


SHARED_FOLDER = pytest.StashKey[Path]()
T = TypeVar("T")


def pytest_configure(config: pytest.Config) -> None:
    """The session's shared folder, made by the process that starts the
    workers (each worker is told it); the server warehouses' run files go
    there, not under data/, and no run renders data/dashboard.html."""
    if hasattr(config, "workerinput"):
        folder = Path(config.workerinput["shared_folder"])
    else:
        if not _fast_tier_only(config):
            _check_free_space(Path(tempfile.gettempdir()))
        folder = Path(tempfile.mkdtemp(prefix="warehouse-tests-"))
    config.stash[SHARED_FOLDER] = folder
    os.environ["WAREHOUSE_RUN_FILES_DIR"] = str(folder / "run_files")
    os.environ["DASHBOARD_PATH"] = ""  # runs render no dashboard unless a test asks


def _fast_tier_only(config: pytest.Config) -> bool:
    """Whether the session runs tests/unit/ alone (`make test-fast`), which writes nothing."""
    unit = Path(__file__).parent / "unit"
    return all(
        Path(config.invocation_params.dir, arg.split("::")[0]).resolve().is_relative_to(unit)
        for arg in config.args
    )


def _check_free_space(folder: Path) -> None:
    """Refuse to start where the session would run out of disk halfway (a
    full disk fails every test that follows, each with its own traceback)."""
    free_gb = shutil.disk_usage(folder).free / 1024**3
    if free_gb < FREE_SPACE_NEEDED_GB:
        raise pytest.UsageError(
            f"the tests need {FREE_SPACE_NEEDED_GB} GB free in {folder} for their servers and"
            f" warehouses, and {free_gb:.1f} GB are free: free some space there, or set"
            " TMPDIR to a folder on a larger disk"
        )


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """Tell each pytest-xdist worker where the shared folder is."""
    node.workerinput["shared_folder"] = str(node.config.stash[SHARED_FOLDER])


def pytest_unconfigure(config: pytest.Config) -> None:
    """After the last worker: stop the shared servers, remove the folder."""
    folder = config.stash.get(SHARED_FOLDER, None)  # none if the session was refused
    if folder and not hasattr(config, "workerinput"):
        for server in folder.glob("postgres*/"):
            stop(server)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def shared_folder(request: pytest.FixtureRequest) -> Path:
    """The folder every worker of this session sees."""
    return request.config.stash[SHARED_FOLDER]


def shared(folder: Path, name: str, make: Callable[[], T]) -> T:
    """`make()` once for all workers: the first to ask makes it (the others
    wait) and leaves its result in the shared folder for the others."""
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        made = folder / f"{name}.pickle"
        if made.exists():
            return pickle.loads(made.read_bytes())
        result = make()
        made.write_bytes(pickle.dumps(result))
        return result


@pytest.fixture(scope="session")
def postgres_server(shared_folder: Path) -> str:
    """URL of a PostgreSQL server the tests may create databases on."""
    if url := os.environ.get("TEST_POSTGRES_URL"):
        return url
    root = shared_folder / "postgres"
    return shared(shared_folder, "postgres", lambda: start(root, NEWEST_POSTGRES))


@pytest.fixture(scope="session")
def oldest_postgres_server(shared_folder: Path) -> str:
    """URL of a PostgreSQL 15 server (Debian's), the oldest version supported."""
    root = shared_folder / "postgres15"
    return shared(shared_folder, "postgres15", lambda: start(root, OLDEST_POSTGRES))


@pytest.fixture(scope="session")
def seed_sources(postgres_server: str) -> SourceUrls:
    """Both source databases with the seed profile (do not modify them)."""
    return generate(postgres_server, seed_tables(), prefix=f"{WORKER}seed_")


@pytest.fixture(scope="session")
def random_sources(postgres_server: str) -> SourceUrls:
    """Both source databases with the random profile (do not modify them)."""
    return generate(
        postgres_server, random_tables(RANDOM_SCALE, RANDOM_SEED), prefix=f"{WORKER}random_"
    )


@pytest.fixture
def duckdb_warehouse(tmp_path: Path) -> Warehouse:
    """An empty DuckDB warehouse file."""
    return DuckDBWarehouse(tmp_path / "warehouse.duckdb")


@pytest.fixture(scope="session")
def seed_warehouse(seed_sources, tmp_path_factory) -> Warehouse:
    """The seed profile built into a fresh DuckDB file, as of 2025-11-03 (read it only)."""
    built = DuckDBWarehouse(tmp_path_factory.mktemp("seed") / "warehouse.duckdb")
    assert_built(run_build(built, seed_sources))
    return built


@pytest.fixture(scope="session")
def random_warehouses(
    random_sources, postgres_server, oldest_postgres_server, tmp_path_factory
) -> dict[str, tuple[Warehouse, SourceUrls]]:
    """The random profile built under foreign time zones into DuckDB and into
    PostgreSQL warehouses of the oldest and the newest supported version, each
    from sources on a server of that version, without the data tests; with
    those sources (read only)."""
    duckdb = DuckDBWarehouse(tmp_path_factory.mktemp("random") / "warehouse.duckdb")
    oldest_sources = generate(
        oldest_postgres_server, random_tables(RANDOM_SCALE, RANDOM_SEED), prefix=f"{WORKER}random_"
    )
    built = {
        "duckdb": (duckdb, random_sources),
        f"postgres {OLDEST_POSTGRES}": (
            postgres_warehouse(oldest_postgres_server, f"{WORKER}random_warehouse"),
            oldest_sources,
        ),
        f"postgres {NEWEST_POSTGRES}": (
            postgres_warehouse(postgres_server, f"{WORKER}random_warehouse"),
            random_sources,
        ),
    }
    # their tests read marts, metrics and descriptions, not the data tests'
    # findings (PostgreSQL 15 runs those in test_connections.py)
    for warehouse, sources in built.values():
        assert_built(run_build(warehouse, sources, **FOREIGN_TIME_ZONES, **WITHOUT_DATA_TESTS))
    return built


@pytest.fixture(scope="session")
def template_sources(postgres_server, shared_folder) -> SourceUrls:
    """Small random sources: what the tests that change things copy."""
    return shared(
        shared_folder,
        "template_sources",
        lambda: generate(postgres_server, random_tables(1, 21), prefix="template_"),
    )


@pytest.fixture(scope="session")
def duckdb_template(template_sources, shared_folder) -> Warehouse:
    """A DuckDB warehouse after its first scheduled run on the template's
    sources (never change it: the tests copy it)."""
    warehouse = DuckDBWarehouse(shared_folder / "template" / "warehouse.duckdb")
    return shared(
        shared_folder, "duckdb_template", lambda: first_run_made(warehouse, template_sources)
    )


@pytest.fixture(scope="session")
def postgres_template(template_sources, postgres_server, shared_folder) -> Warehouse:
    """A PostgreSQL warehouse after two scheduled runs on the template's
    sources, the second --full-refresh: both builds made (its standby schemas
    start empty, where DuckDB's standby is seeded from the published file)."""
    return shared(
        shared_folder,
        "postgres_template",
        lambda: first_run_made(
            postgres_warehouse(postgres_server, "template_warehouse"),
            template_sources,
            "--full-refresh",
        ),
    )


def first_run_made(warehouse: Warehouse, sources: SourceUrls, *again: str) -> Warehouse:
    """The warehouse after its first scheduled run; with `again`, a second
    run with those arguments."""
    for arguments in ([], list(again)) if again else ([],):
        run = scheduled_run(warehouse, sources, *arguments)
        assert run.returncode == 1, run.stdout[-3000:]  # published; the profile has ghosts
    return warehouse


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    """The session's Spark cluster: master, two workers, Thrift server (its
    tests run on one worker: WORKER_GROUPS). The test that stops it is
    marked `stops_the_cluster`, and runs after the others. Skipped, saying
    why, without Spark's extras or Java."""
    spark_ready()
    started = SparkCluster(
        tmp_path_factory.mktemp("spark"),
        master_port=free_port(),
        master_ui_port=free_port(),
        thrift_port=free_port(),
    )
    started.up()
    yield started
    started.down()


@pytest.fixture(autouse=True)
def dbt_artifacts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """dbt's artifacts and logs, for this test alone (DBT_TARGET_PATH, which
    run_dbt and dbt read): two workers must not share warehouse/target."""
    folder = tmp_path / "dbt"
    monkeypatch.setenv("DBT_TARGET_PATH", str(folder))
    return folder


COPIES = itertools.count()


@pytest.fixture
def sources(template_sources) -> SourceUrls:
    """Copies of the template's sources, which the test may change."""
    return clone_sources(template_sources, prefix=f"{WORKER}copy{next(COPIES)}_")


@pytest.fixture
def published(duckdb_template, tmp_path) -> Warehouse:
    """A copy of the template's DuckDB warehouse: one run on `sources` published."""
    return copy_warehouse(duckdb_template, tmp_path / "published")


@pytest.fixture
def published_postgres(postgres_template) -> Warehouse:
    """A copy of the template's PostgreSQL warehouse, both builds made."""
    return copy_postgres_warehouse(postgres_template, f"{WORKER}published{next(COPIES)}")
