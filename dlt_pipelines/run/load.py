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

import dlt
from dlt.common.configuration.exceptions import ConfigFieldMissingException
from dlt.common.destination import Destination
from dlt.extract import DltSource
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_pipelines.exceptions import SourceError, WarehouseError
from dlt_pipelines.sources import SOURCES
from dlt_pipelines.spark_lake import SparkLake
from dlt_pipelines.warehouse import Warehouse


def load_sources(
    warehouse: Warehouse,
    credentials: dict[str, str] | None = None,
    only: tuple[str, ...] = tuple(SOURCES),
    progress: bool = False,
) -> dict[str, int]:
    """Load the sources (both, or `only` some); return the rows loaded per table
    ('chemlink.persons': 3). `credentials` ({source: URL}) overrides the
    configured ones (the demo uses it). The sources load side by side, each in
    its own pipeline and thread (the machine's cores work on both at once)."""
    add_missing_load_ids(warehouse)
    with (
        tempfile.TemporaryDirectory(prefix="dlt-pipelines-") as pipelines_dir,
        warehouse.destination() as destination,
        ThreadPoolExecutor(max_workers=len(only)) as pool,
    ):
        runs = {
            name: pool.submit(
                _load_source,
                name,
                destination,
                warehouse.spark,
                pipelines_dir,
                credentials,
                progress,
            )
            for name in only
        }
        loaded: dict[str, int] = {}
        for name, run in runs.items():
            loaded |= {f"{name}.{table}": rows for table, rows in run.result().items()}
    return loaded


def add_missing_load_ids(warehouse: Warehouse) -> None:
    """Give `_dlt_load_id` to raw tables loaded before every row carried it
    (warehouses made before incremental builds): the newest completed load
    of their source, as if all their rows had come in it. dlt cannot add a
    NOT NULL column to a table that has rows (nor to its merge staging
    table), and the staging models read it. A no-op on every later run, and
    on Spark, whose lake has always had them."""
    if warehouse.target == "spark":
        return
    if warehouse.target == "duckdb" and not warehouse.duckdb_path.exists():
        return
    _, tables = warehouse.query(
        "select table_schema, table_name from information_schema.tables as tables"
        " where table_schema in ('raw_chemlink', 'raw_engagement',"
        " 'raw_chemlink_staging', 'raw_engagement_staging')"
        " and table_name not like '!_dlt!_%' escape '!'"
        " and table_type = 'BASE TABLE'"
        " and table_name not in (select table_name from information_schema.columns"
        "   where table_schema = tables.table_schema and column_name = '_dlt_load_id')"
    )
    warehouse.execute(
        [
            statement
            for schema, table in tables
            for statement in (
                f'alter table {schema}."{table}" add column _dlt_load_id varchar',
                f'update {schema}."{table}" set _dlt_load_id = (select max(load_id)'
                f" from {schema.removesuffix('_staging')}._dlt_loads where status = 0)",
            )
        ]
    )


def _load_source(
    name: str,
    destination: Destination,
    lake: SparkLake | None,
    pipelines_dir: str,
    credentials: dict[str, str] | None,
    progress: bool,
) -> dict[str, int]:
    """Extract and load one source; return the rows loaded per table. Into a
    lake, the source's tables are then declared to Spark."""
    pipeline = dlt.pipeline(
        pipeline_name=name,
        destination=destination,
        dataset_name=f"raw_{name}",
        pipelines_dir=pipelines_dir,
        progress="tqdm" if progress else None,
    )
    try:
        source = SOURCES[name](**({"credentials": credentials[name]} if credentials else {}))
        pipeline.run(_appending(source) if lake else source)
    except PipelineStepFailed as failure:
        raise _root_cause(failure) from None
    except ConfigFieldMissingException:
        raise SourceError(
            f"no credentials for the {name} source: set "
            f"SOURCES__{name.upper()}__CREDENTIALS=postgresql://user:password@host:port/db "
            f"(or [sources.{name}] credentials in dlt_pipelines/.dlt/secrets.toml)"
        ) from None
    if lake:
        lake.declare_raw_tables(pipeline.dataset_name, _lake_tables(pipeline))
    counts = pipeline.last_trace.last_normalize_info.row_counts
    return {table: rows for table, rows in counts.items() if not table.startswith("_dlt")}


def _appending(source: DltSource) -> DltSource:
    """The source with every merge made an append: a lake of plain parquet
    files cannot merge, so it keeps each version (staging takes the newest)."""
    for resource in source.resources.values():
        disposition = resource.write_disposition  # "merge", or a dict with its strategy
        if isinstance(disposition, dict):
            disposition = disposition["disposition"]
        if disposition == "merge":  # the tables' and the key findings' (dlt would warn)
            resource.apply_hints(write_disposition="append")
    return source


def _lake_tables(pipeline: dlt.Pipeline) -> list[str]:
    """The source's tables that have files in the lake, and dlt's loads."""
    names = [*pipeline.default_schema.data_table_names(), "_dlt_loads"]
    with pipeline.destination_client() as lake:
        return [name for name in names if lake.list_table_files(name)]


def _root_cause(failure: PipelineStepFailed) -> Exception:
    """The SourceError behind a failed step, or the failure itself."""
    error: BaseException | None = failure
    while error is not None:
        if isinstance(error, SourceError):
            return error
        error = error.__cause__ or error.__context__
    return failure


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=list(SOURCES), help="load this source only")
    args = parser.parse_args()
    try:
        warehouse = Warehouse.from_env()
        loaded = load_sources(warehouse, only=(args.only,) if args.only else tuple(SOURCES))
    except (SourceError, WarehouseError) as error:
        raise SystemExit(f"error: {error}") from None
    for table, rows in loaded.items():
        print(f"{table}: {rows} rows")
    print(f"Loaded into {warehouse.describe()}")


if __name__ == "__main__":
    main()
