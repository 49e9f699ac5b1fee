"""Build the warehouse: load both sources, `dbt build` (models and tests), and
report each source's freshness.

    python -m scripts.build [--as-of 2025-11-03]      (or: make build AS_OF=...)

With SOURCES__CHEMLINK__CREDENTIALS and SOURCES__ENGAGEMENT__CREDENTIALS set
(or dlt_pipelines/.dlt/secrets.toml), it extracts those databases. With
neither, it builds the demo: the seed profile in the embedded PostgreSQL
under data/, reported as of 2025-11-03, the day the profile was observed.
The warehouse is WAREHOUSE_TARGET / WAREHOUSE_DUCKDB_PATH / WAREHOUSE_POSTGRES_URL.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from dlt_pipelines.load import load_sources, sources_configured
from dlt_pipelines.postgres_tables import SourceError
from dlt_pipelines.warehouse import REPO_ROOT, Warehouse, WarehouseError
from scripts import embedded_postgres
from scripts.generate_sources import generate
from scripts.seed_profile import OBSERVED_AT, seed_tables
from scripts.source_databases import source_urls, sources_exist

DBT = str(Path(sys.executable).parent / "dbt")
DEMO_AS_OF = OBSERVED_AT.date()


def run_dbt(arguments: list[str], warehouse: Warehouse, as_of: date | None) -> int:
    """Run a dbt command on the warehouse project; return its exit code."""
    variables = ["--vars", json.dumps({"as_of_date": as_of.isoformat()})] if as_of else []
    command = [DBT, *arguments, "--project-dir", "warehouse", "--profiles-dir", "warehouse"]
    environment = os.environ | warehouse.env()
    return subprocess.run([*command, *variables], cwd=REPO_ROOT, env=environment).returncode


def load_demo(warehouse: Warehouse) -> dict[str, int]:
    """Load the seed profile from the embedded PostgreSQL (made on first use)."""
    with embedded_postgres.running() as server_url:
        if not sources_exist(server_url):
            print("Generating the demo source databases (seed profile)...")
            generate(server_url, seed_tables())
        urls = source_urls(server_url)
        return load_sources(warehouse, {"chemlink": urls.chemlink, "engagement": urls.engagement})


def build(warehouse: Warehouse, as_of: date | None) -> int:
    """Load (the configured sources or the demo) and dbt build; return the exit code."""
    if sources_configured():
        print("Extracting the configured source databases...")
        loaded = load_sources(warehouse)
    else:
        print("No sources configured (SOURCES__CHEMLINK__CREDENTIALS, ...): building the demo.")
        loaded = load_demo(warehouse)
        as_of = as_of or DEMO_AS_OF
    print(f"Loaded {sum(loaded.values())} rows into {warehouse.describe()}")
    built = run_dbt(["build"], warehouse, as_of)
    print("\nHow fresh each source is (dbt source freshness, from dlt's load records):")
    fresh = run_dbt(["source", "freshness"], warehouse, as_of)
    return built or fresh


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--as-of", type=date.fromisoformat, help="report date (YYYY-MM-DD)")
    args = parser.parse_args()
    try:
        warehouse = Warehouse.from_env()
        exit_code = build(warehouse, args.as_of)
    except (SourceError, WarehouseError) as error:
        raise SystemExit(f"error: {error}") from None
    if exit_code != 0:
        raise SystemExit(
            f"dbt build or source freshness failed (exit code {exit_code}); see the output above."
        )
    print(f"\nWarehouse ready: {warehouse.describe()}")
    print('Query it:  make query SQL="select * from marts.growth_rate_monthly"')


if __name__ == "__main__":
    main()
