"""Where the warehouse is: a DuckDB file (default) or a PostgreSQL database.

Configured by the environment, the same variables dbt's profiles.yml reads:
WAREHOUSE_TARGET (`duckdb` or `postgres`), WAREHOUSE_DUCKDB_PATH (default
`data/warehouse.duckdb`), WAREHOUSE_POSTGRES_URL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import dlt
import duckdb
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.postgres_tables import describe_url

DEFAULT_DUCKDB_PATH = "data/warehouse.duckdb"
TARGETS = ("duckdb", "postgres")
# Loading: rows need no insertion order (DuckDB may then write in parallel),
# and a bounded memory for a process that also extracts.
DUCKDB_SETTINGS = {"preserve_insertion_order": False, "memory_limit": "256MB"}


class WarehouseError(Exception):
    """The warehouse is misconfigured or cannot be written."""


@dataclass(frozen=True)
class Warehouse:
    """The warehouse one run loads and builds."""

    target: str
    duckdb_path: Path
    postgres_url: str | None = None
    schema_suffix: str = ""  # dbt builds into <schema><suffix> (PostgreSQL, before a swap)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Warehouse:
        """Read the WAREHOUSE_* variables; relative paths are relative to the repo."""
        target = env.get("WAREHOUSE_TARGET", "duckdb")
        if target not in TARGETS:
            raise WarehouseError(f"WAREHOUSE_TARGET must be one of {TARGETS}, not {target!r}")
        path = REPO_ROOT / env.get("WAREHOUSE_DUCKDB_PATH", DEFAULT_DUCKDB_PATH)
        url = env.get("WAREHOUSE_POSTGRES_URL")
        if target == "postgres" and not url:
            raise WarehouseError(
                "WAREHOUSE_TARGET=postgres needs WAREHOUSE_POSTGRES_URL "
                "(postgresql://user:password@host:port/database)"
            )
        return cls(target, path.resolve(), url)

    def env(self) -> dict[str, str]:
        """The WAREHOUSE_* variables that describe this warehouse (for dbt)."""
        variables = {
            "WAREHOUSE_TARGET": self.target,
            "WAREHOUSE_DUCKDB_PATH": str(self.duckdb_path),
        }
        if self.postgres_url:
            variables["WAREHOUSE_POSTGRES_URL"] = self.postgres_url
        return variables

    def dbt_vars(self) -> dict[str, str]:
        """dbt vars that point dbt at this warehouse's schemas."""
        return {"schema_suffix": self.schema_suffix} if self.schema_suffix else {}

    def destination(self):
        """The dlt destination that loads into this warehouse."""
        if self.target == "duckdb":
            self.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
            return dlt.destinations.duckdb(
                DuckDbCredentials(str(self.duckdb_path), global_config=DUCKDB_SETTINGS)
            )
        return dlt.destinations.postgres(self.postgres_url)

    def describe(self) -> str:
        """Where the warehouse is, without credentials."""
        if self.target == "duckdb":
            return f"DuckDB file {self.duckdb_path}"
        return f"PostgreSQL {describe_url(self.postgres_url)}"

    def run_file(self, suffix: str) -> Path:
        """A file the scheduled runs keep for this warehouse (lock, journal):
        beside the DuckDB file, or under data/ for a PostgreSQL warehouse."""
        if self.target == "duckdb":
            return self.duckdb_path.with_name(self.duckdb_path.name + suffix)
        parts = urlsplit(self.postgres_url)
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{parts.hostname}{parts.path}")
        return REPO_ROOT / "data" / f"postgres-{slug}{suffix}"

    def check_writable(self) -> None:
        """Fail clearly if another process holds the DuckDB file."""
        if self.target != "duckdb" or not self.duckdb_path.exists():
            return
        try:
            duckdb.connect(str(self.duckdb_path)).close()
        except duckdb.IOException as error:
            raise WarehouseError(
                f"the DuckDB warehouse {self.duckdb_path} is in use by another process "
                f"({str(error).splitlines()[0]}). Close the program holding it "
                "(a BI tool, a duckdb shell, another run) and run again; nothing was changed."
            ) from None
