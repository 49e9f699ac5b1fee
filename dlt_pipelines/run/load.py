"""Extract both source databases and load them into the warehouse.

    python -m dlt_pipelines.run.load       (the load step alone; the run does more)

Source credentials come from SOURCES__CHEMLINK__CREDENTIALS and
SOURCES__ENGAGEMENT__CREDENTIALS (or dlt_pipelines/.dlt/secrets.toml); the
warehouse from WAREHOUSE_TARGET / WAREHOUSE_DUCKDB_PATH / WAREHOUSE_POSTGRES_URL.
The warehouse keeps dlt's state (cursors, schemas), so each run works in a
fresh local folder and resumes exactly where the last successful load ended.
"""

from __future__ import annotations

import argparse
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

import dlt
from dlt.common.configuration.exceptions import ConfigFieldMissingException
from dlt.common.destination import Destination
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.exceptions import SourceError
from dlt_pipelines.logs import command_line
from dlt_pipelines.sources import SOURCES

E = TypeVar("E", bound=BaseException)


def load_sources(
    warehouse: Warehouse,
    credentials: dict[str, str] | None = None,
    only: tuple[str, ...] = tuple(SOURCES),
    progress: bool = False,
    dry_run: bool = False,
) -> dict[str, int]:
    """Load the sources (both, or `only` some); return the rows loaded per table
    ('chemlink.persons': 3). `credentials` ({source: URL}) overrides the
    configured ones (the demo uses it). The sources load side by side, each in
    its own pipeline and thread (the machine's cores work on both at once).
    A `dry_run` tells whether a load would bring anything, reading the
    warehouse only: it extracts each changed row's key and change times
    until the first new version and returns that table's rows ({} when
    nothing would come), loading nothing."""
    if not dry_run:
        warehouse.prepare_load()
    with (
        tempfile.TemporaryDirectory(prefix="dlt-pipelines-") as pipelines_dir,
        warehouse.destination(read_only=dry_run) as destination,
        ThreadPoolExecutor(max_workers=len(only)) as pool,
    ):
        runs = {
            name: pool.submit(
                _load_source,
                name,
                destination,
                warehouse,
                pipelines_dir,
                credentials,
                progress,
                dry_run,
            )
            for name in only
        }
        loaded: dict[str, int] = {}
        for name, run in runs.items():
            loaded |= {f"{name}.{table}": rows for table, rows in run.result().items()}
    return loaded


def _load_source(
    name: str,
    destination: Destination,
    warehouse: Warehouse,
    pipelines_dir: str,
    credentials: dict[str, str] | None,
    progress: bool,
    dry_run: bool,
) -> dict[str, int]:
    """Extract and load one source, as the warehouse takes it (only extract
    it, for a dry run); return the rows loaded per table."""
    pipeline = dlt.pipeline(
        pipeline_name=name,
        destination=destination,
        dataset_name=f"raw_{name}",
        pipelines_dir=pipelines_dir,
        progress="tqdm" if progress else None,
    )
    try:
        given = {"credentials": credentials[name]} if credentials else {}
        source = warehouse.prepare_source(SOURCES[name](**given, versions_only=dry_run))
        if dry_run:  # dlt's state from the warehouse, then its extraction, to the first change
            pipeline.sync_destination()
            for resource in source.resources.values():
                resource.add_map(partial(_stop_at_a_change, resource.name))
            pipeline.extract(source)
            return {}
        pipeline.run(source)
        warehouse.after_load(pipeline)
    except PipelineStepFailed as failure:
        found = _cause(failure, ChangeFound)
        if found is not None:
            return {found.table: found.rows}
        raise _cause(failure, SourceError) or failure from None
    except ConfigFieldMissingException:
        raise SourceError(
            f"no credentials for the {name} source: set "
            f"SOURCES__{name.upper()}__CREDENTIALS=postgresql://user:password@host:port/db "
            f"(or [sources.{name}] credentials in dlt_pipelines/.dlt/secrets.toml)"
        ) from None
    counts = pipeline.last_trace.last_normalize_info.row_counts
    return {table: rows for table, rows in counts.items() if not table.startswith("_dlt")}


class ChangeFound(Exception):
    """What stops a dry run: a table would receive rows."""

    def __init__(self, table: str, rows: int) -> None:
        super().__init__(f"{table}: {rows} rows")
        self.table, self.rows = table, rows


def _stop_at_a_change(table: str, rows):
    """A dry run's map of a table's items: the first rows found end it."""
    if len(rows):
        raise ChangeFound(table, len(rows))
    return rows


def _cause(failure: PipelineStepFailed, kind: type[E]) -> E | None:
    """The exception of that kind behind a failed step, if any."""
    error: BaseException | None = failure
    while error is not None:
        if isinstance(error, kind):
            return error
        error = error.__cause__ or error.__context__
    return None


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=list(SOURCES), help="load this source only")
    args = parser.parse_args()
    with command_line():
        warehouse = Warehouse.from_env()
        loaded = load_sources(warehouse, only=(args.only,) if args.only else tuple(SOURCES))
    for table, rows in loaded.items():
        print(f"{table}: {rows} rows")
    print(f"Loaded into {warehouse.describe()}")


if __name__ == "__main__":
    main()
