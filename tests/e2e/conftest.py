"""The end-to-end tests' dbt starts from one parse of the project.

dbt parses the whole project (several seconds) unless it finds a parse of
the same project, vars and connection to reuse. Each test writes dbt's
artifacts to folders of its own (tests/conftest.py), so each would parse
anew; instead a folder without a parse starts from the one made once for
all workers (DBT_PARTIAL_PARSE_FILE_PATH, which run_dbt copies there). It
was made on DuckDB without vars; the as-of date is none (run_dbt passes it
as DBT_AS_OF_DATE, which no parse reads), so a dbt of any date reuses it.
A dbt on PostgreSQL (another database is another connection), or with
vars, sees that and parses in full once, then reuses its own folder's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from dlt_pipelines.run.dbt import run_dbt
from tests.conftest import shared
from tests.helpers import AS_OF


def _parse(folder: Path) -> str:
    """`dbt parse` as the tests' DuckDB runs start it; the parse's path."""
    folder.mkdir(parents=True, exist_ok=True)
    warehouse = DuckDBWarehouse(folder / "warehouse.duckdb")
    parsed = run_dbt(["parse"], warehouse, AS_OF, target_dir=folder / "target")
    assert not parsed.failed, parsed.cause()
    return str(folder / "target" / "partial_parse.msgpack")


@pytest.fixture(scope="session")
def project_parse(shared_folder: Path) -> str:
    """The project parsed once for every worker of the session."""
    return shared(shared_folder, "project_parse", lambda: _parse(shared_folder / "parse"))


@pytest.fixture(autouse=True)
def reuse_project_parse(project_parse: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every dbt this test starts may reuse the session's parse."""
    monkeypatch.setenv("DBT_PARTIAL_PARSE_FILE_PATH", project_parse)
