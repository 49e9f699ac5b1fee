"""`make build`: the scheduled run, pointed at the demo sources when no
sources are configured.

    python -m scripts.demo.build [--as-of 2025-11-03]      (or: make build AS_OF=...)

With SOURCES__CHEMLINK__CREDENTIALS and SOURCES__ENGAGEMENT__CREDENTIALS set
(or dlt_pipelines/.dlt/secrets.toml), this is exactly the scheduled run
(dlt_pipelines/run/) on those databases. With neither, it is the same run on
the demo sources: the seed profile in the embedded PostgreSQL under data/
(made on first use), reported as of 2025-11-03, the day the profile was
observed. The warehouse is WAREHOUSE_TARGET / WAREHOUSE_DUCKDB_PATH /
WAREHOUSE_POSTGRES_URL. Warnings (the demo's two ghosts) do not fail it.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import replace
from datetime import date

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.logs import command_line
from dlt_pipelines.run.history import RunRecord, RunStatus
from dlt_pipelines.run.scheduled_run import RunOptions, run
from dlt_pipelines.sources import sources_configured
from scripts.demo import postgres_server
from scripts.demo.generate import generate
from scripts.demo.seed_profile import OBSERVED_AT, seed_tables
from scripts.demo.source_databases import source_urls, sources_exist

DEMO_AS_OF = OBSERVED_AT.date()
logger = logging.getLogger(__name__)


def build(warehouse: Warehouse, options: RunOptions) -> RunRecord:
    """One run on the configured sources, or on the demo sources if none are."""
    if sources_configured():
        logger.info("Extracting the configured source databases.")
        return run(warehouse, options)
    logger.info("No sources configured (SOURCES__CHEMLINK__CREDENTIALS, ...): building the demo.")
    with postgres_server.running() as server_url:
        if not sources_exist(server_url):
            logger.info("Generating the demo source databases (seed profile)...")
            generate(server_url, seed_tables())
        urls = source_urls(server_url)
        demo = replace(options, as_of=options.as_of or DEMO_AS_OF, credentials=urls.by_source())
        return run(warehouse, demo)


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--as-of", type=date.fromisoformat, help="report date (YYYY-MM-DD)")
    parser.add_argument(
        "--full-refresh", action="store_true", help="rebuild every model from the raw tables"
    )
    args = parser.parse_args()
    with command_line():
        warehouse = Warehouse.from_env()
        record = build(warehouse, RunOptions(args.as_of, full_refresh=args.full_refresh))
    if record.status in (RunStatus.FAILURE, RunStatus.BUSY):
        raise SystemExit(record.status.exit_code)
    logger.info(f"Warehouse ready ({record.status}): {warehouse.describe()}")
    logger.info('Query it:  make query SQL="select * from marts.growth_rate_monthly"')


if __name__ == "__main__":
    main()
