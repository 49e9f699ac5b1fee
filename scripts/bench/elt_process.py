"""One extract-load for the benchmark, in its own process: prints its seconds
and peak memory as JSON.

    python -m scripts.bench.elt_process project|stock WAREHOUSE.duckdb

`project` is this project's load (dlt_pipelines/run/load.py); `stock` is dlt's own
sql_database source with its default backend. Source credentials come from
SOURCES__CHEMLINK__CREDENTIALS and SOURCES__ENGAGEMENT__CREDENTIALS.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import dlt
from dlt.sources.sql_database import sql_database

from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from dlt_pipelines.run.load import load_sources
from scripts.bench.benchmark import TABLES


def stock_load(warehouse: DuckDBWarehouse) -> None:
    """dlt's sql_database source as it comes, default backend, into the warehouse."""
    with tempfile.TemporaryDirectory() as pipelines_dir, warehouse.destination() as destination:
        for source, tables in TABLES.items():
            pipeline = dlt.pipeline(
                pipeline_name=f"stock_{source}",
                destination=destination,
                dataset_name=f"stock_{source}",
                pipelines_dir=pipelines_dir,
            )
            url = dlt.secrets.get(f"sources.{source}.credentials")
            # SQLAlchemy's default PostgreSQL driver is psycopg 3; psycopg2 is installed
            url = url.replace("postgresql://", "postgresql+psycopg2://", 1)
            pipeline.run(sql_database(url, table_names=tables))


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["project", "stock"])
    parser.add_argument("warehouse", type=Path)
    args = parser.parse_args()
    warehouse = DuckDBWarehouse(args.warehouse.resolve())
    started = time.perf_counter()
    if args.kind == "stock":
        stock_load(warehouse)
    else:
        load_sources(warehouse)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_mb": peak_memory_mb()}))


def peak_memory_mb() -> float:
    """This process's peak resident memory. Not getrusage's ru_maxrss: Linux
    carries that across fork and exec, so it would include the benchmark's own
    memory (it generated the tables); VmHWM belongs to this program alone."""
    status = Path("/proc/self/status").read_text()
    (line,) = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


if __name__ == "__main__":
    main()
