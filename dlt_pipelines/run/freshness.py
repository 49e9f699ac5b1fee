"""Is each source's newest successful load recent enough?

The run checks what `dbt source freshness` checks (warehouse/models/staging/
<source>/_<source>__sources.yml: `inserted_at` of dlt's `_dlt_loads`, the
thresholds freshness_warn_after_hours / freshness_error_after_hours of the
project's dbt_project.yml or the run's --vars), without starting dbt: a run
that finds nothing changed must stay cheap.
"""

from __future__ import annotations

from datetime import UTC, datetime

import yaml

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.run.dbt import project_dir
from dlt_pipelines.sources import SOURCES


def thresholds(dbt_vars: dict) -> tuple[float, float]:
    """Hours after which a source warns and fails: the project's vars, or the run's."""
    project = yaml.safe_load((project_dir() / "dbt_project.yml").read_text())["vars"] | dbt_vars
    return (
        float(project["freshness_warn_after_hours"]),
        float(project["freshness_error_after_hours"]),
    )


def stale_sources(warehouse: Warehouse, dbt_vars: dict) -> list[str]:
    """One problem per source whose newest load is too old, as dbt names them
    ('warn: chemlink._dlt_loads (loaded 3.1 hours ago)'); [] when all are fresh."""
    warn, error = thresholds(dbt_vars)
    now = datetime.now(UTC).replace(tzinfo=None)
    problems = []
    for source in SOURCES:
        ((loaded_at,),) = warehouse.query(
            f"select max(inserted_at) from raw_{source}._dlt_loads where status = 0"
        )[1]
        hours = (now - _naive_utc(loaded_at)).total_seconds() / 3600
        if hours > warn:
            level = "error" if hours > error else "warn"
            problems.append(f"{level}: {source}._dlt_loads (loaded {hours:.1f} hours ago)")
    return problems


def _naive_utc(moment: datetime) -> datetime:
    """A UTC instant without its zone (DuckDB gives zoned values, psycopg2 too)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
