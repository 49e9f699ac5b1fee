"""The Dagster code location: the warehouse's assets (assets.py), the job
that materializes them, and its hourly schedule.

    make dagster    (dagster dev -m orchestration.dagster.definitions, on 127.0.0.1:3000)

The warehouse and the sources are configured as for `make run`
(WAREHOUSE_TARGET, SOURCES__…__CREDENTIALS; with no sources, the demo's).
A tick that finds a run holding the warehouse's lock is skipped, saying
which run holds it; the run would not have started (exit 3).
"""

from __future__ import annotations

import dagster as dg

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.run.state import RunState
from orchestration.dagster.assets import dbt_manifest, warehouse_assets

HOURLY = "0 * * * *"

warehouse = warehouse_assets(dbt_manifest(Warehouse.from_env()))
scheduled_run_job = dg.define_asset_job(
    "scheduled_run_job",
    selection=dg.AssetSelection.assets(warehouse),
    description="The scheduled run: load, build, test, publish (python -m dlt_pipelines.run).",
)


@dg.schedule(
    job=scheduled_run_job,
    cron_schedule=HOURLY,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def hourly_run(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """Every hour, unless a run holds the warehouse's lock."""
    holder = RunState(Warehouse.from_env()).lock_holder()
    if holder is not None:
        return dg.SkipReason(f"another run holds the warehouse lock: {holder or 'holder unknown'}")
    return dg.RunRequest()


defs = dg.Definitions(assets=[warehouse], jobs=[scheduled_run_job], schedules=[hourly_run])
