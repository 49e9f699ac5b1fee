"""Shared fixtures: real PostgreSQL sources and real warehouses.

The source databases live on real PostgreSQL servers: TEST_POSTGRES_URL if
set, otherwise the wheel's PostgreSQL 18 (the newest supported), started
once for the session under pytest's temporary folder; and Debian's
PostgreSQL 15 (the oldest, `make postgres15`) for the version tests.
Warehouses that tests only read are built once per session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from dlt_pipelines.warehouse import Warehouse
from scripts.demo.generate import generate
from scripts.demo.postgres_server import running
from scripts.demo.random_profile import random_tables
from scripts.demo.seed_profile import seed_tables
from scripts.demo.source_databases import SourceUrls
from tests.helpers import assert_built, postgres_warehouse, run_build

RANDOM_SCALE = 2
RANDOM_SEED = 7
OLDEST_POSTGRES, NEWEST_POSTGRES = 15, 18
# Tokyo is ahead of UTC and Los Angeles behind it: a 23:30 UTC event falls on
# another local day in either, so any local-time arithmetic would show.
FOREIGN_TIME_ZONES = {"TZ": "Asia/Tokyo", "PGTZ": "America/Los_Angeles"}


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a PostgreSQL server the tests may create databases on."""
    if url := os.environ.get("TEST_POSTGRES_URL"):
        yield url
        return
    with running(tmp_path_factory.mktemp("postgres"), NEWEST_POSTGRES) as url:
        yield url


@pytest.fixture(scope="session")
def oldest_postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a PostgreSQL 15 server (Debian's), the oldest version supported."""
    root = tmp_path_factory.mktemp("postgres15")
    with running(root, OLDEST_POSTGRES) as url:
        yield url


@pytest.fixture(scope="session")
def seed_sources(postgres_server: str) -> SourceUrls:
    """Both source databases with the seed profile (do not modify them)."""
    return generate(postgres_server, seed_tables(), prefix="seed_")


@pytest.fixture(scope="session")
def random_sources(postgres_server: str) -> SourceUrls:
    """Both source databases with the random profile (do not modify them)."""
    return generate(postgres_server, random_tables(RANDOM_SCALE, RANDOM_SEED), prefix="random_")


@pytest.fixture
def duckdb_warehouse(tmp_path: Path) -> Warehouse:
    """An empty DuckDB warehouse file."""
    return Warehouse("duckdb", tmp_path / "warehouse.duckdb")


@pytest.fixture(scope="session")
def seed_warehouse(seed_sources, tmp_path_factory) -> Warehouse:
    """The seed profile built into a fresh DuckDB file, as of 2025-11-03 (read it only)."""
    built = Warehouse("duckdb", tmp_path_factory.mktemp("seed") / "warehouse.duckdb")
    assert_built(run_build(built, seed_sources))
    return built


@pytest.fixture(scope="session")
def random_warehouses(
    random_sources, postgres_server, oldest_postgres_server, tmp_path_factory
) -> dict[str, tuple[Warehouse, SourceUrls]]:
    """The random profile built under foreign time zones into DuckDB and into
    PostgreSQL warehouses of the oldest and the newest supported version, each
    from sources on a server of that version; with those sources (read only)."""
    duckdb = Warehouse("duckdb", tmp_path_factory.mktemp("random") / "warehouse.duckdb")
    oldest_sources = generate(
        oldest_postgres_server, random_tables(RANDOM_SCALE, RANDOM_SEED), prefix="random_"
    )
    built = {
        "duckdb": (duckdb, random_sources),
        f"postgres {OLDEST_POSTGRES}": (
            postgres_warehouse(oldest_postgres_server, "random_warehouse"),
            oldest_sources,
        ),
        f"postgres {NEWEST_POSTGRES}": (
            postgres_warehouse(postgres_server, "random_warehouse"),
            random_sources,
        ),
    }
    for warehouse, sources in built.values():
        assert_built(run_build(warehouse, sources, **FOREIGN_TIME_ZONES))
    return built
