"""Publishing a build, and the dashboard rendered after it.

A run publishes the build it made; a rollback publishes again the previous
build, which the standby holds until a run builds into it. Either way the
warehouse's backend publishes (atomically on DuckDB and PostgreSQL; on
Spark each mart is old or new), and the builds' records follow in the
same step (run/state.py). After each publish the dashboard is rendered
again (refresh_dashboard).
"""

from __future__ import annotations

import logging

from dlt_pipelines.backends import Slot, Warehouse
from dlt_pipelines.dashboard.render import dashboard_path, write_dashboard
from dlt_pipelines.run.history import RunRecord, RunStatus
from dlt_pipelines.run.state import BuildMarker, RunState

logger = logging.getLogger(__name__)


def publish_build(
    state: RunState, slot: Slot, marker: BuildMarker, record: RunRecord, built: bool = True
) -> None:
    """Publish the slot's build, which `marker` describes (`built` by this
    run, else an earlier build: a rollback), with its records; render the
    dashboard."""
    state.publish(slot, marker, built)
    logger.info(f"published {state.warehouse.describe()}")
    refresh_dashboard(state.warehouse, marker.run_id, record)


def refresh_dashboard(warehouse: Warehouse, build: str, record: RunRecord) -> None:
    """Render the dashboard of the build now published, where DASHBOARD_PATH
    says; a failure is a warning (exit 1) and leaves the publish as it is."""
    output = dashboard_path()
    if output is None:
        return
    try:
        write_dashboard(warehouse, build, output)
    except Exception as error:  # any: the publish has happened and stands
        logger.warning(f"the dashboard was not rendered: {type(error).__name__}: {error}")
        record.note = "; ".join(filter(None, [record.note, f"dashboard not rendered: {error}"]))
        if record.status is RunStatus.SUCCESS:
            record.status = RunStatus.WARNING
        return
    logger.info(f"dashboard rendered: {output}")
