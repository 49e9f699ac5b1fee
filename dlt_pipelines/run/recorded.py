"""What every command that changes the warehouse shares (a run, a rollback,
a release): the warehouse's lock, the journal and ops.run_history, one
last line.

Any error ends the command as a failure: an expected one (PipelineError)
with its one-line cause, an unexpected one with its traceback too (on
stderr and in the record). A command that finds the lock held does not
start (busy).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from traceback import format_exc

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.exceptions import PipelineError, RunLockBusy, WarehouseError
from dlt_pipelines.logs import run_context
from dlt_pipelines.postgres_url import mask_credentials
from dlt_pipelines.run.alerts import send_failure_alert
from dlt_pipelines.run.history import RunHistory, RunRecord, RunStatus
from dlt_pipelines.run.lock import run_lock

logger = logging.getLogger(__name__)
LAST_LINE_LEVELS = {
    RunStatus.SUCCESS: logging.INFO,
    RunStatus.WARNING: logging.WARNING,
    RunStatus.FAILURE: logging.ERROR,
    RunStatus.BUSY: logging.WARNING,
}


def recorded(
    warehouse: Warehouse, record: RunRecord, body: Callable[[RunHistory], None]
) -> RunRecord:
    """Do `body` under the warehouse's lock, recorded; alert on a failure;
    end with the last line (`finished: <status>: <detail>`)."""
    with run_context(record.run_id):
        _locked(warehouse, record, body)
        if record.status is RunStatus.FAILURE:
            logger.info(send_failure_alert(record))
        logger.log(LAST_LINE_LEVELS[record.status], last_line(record))
    return record


def last_line(record: RunRecord) -> str:
    """How the command ended, in one line: `finished: <status>: <detail>`
    (its error, the problems its checks found, its note)."""
    warnings = [p for results in record.dbt_results.values() for p in results["problems"]]
    detail = "; ".join(filter(None, [record.error, *warnings, record.note]))
    return f"finished: {record.status}" + (f": {detail}" if detail else "")


def _locked(warehouse: Warehouse, record: RunRecord, body: Callable[[RunHistory], None]) -> None:
    """`body` under the lock, its record saved before and after."""
    history = RunHistory(warehouse.run_file(".runs.jsonl"))
    try:
        with run_lock(warehouse.run_file(".run.lock"), record.run_id):
            for abandoned in history.close_abandoned():
                logger.warning(f"run {abandoned.run_id} had died; its lock is reclaimed")
            history.save(record)
            try:
                body(history)
            except PipelineError as error:
                record.finish(RunStatus.FAILURE, mask_credentials(str(error)))
            except Exception as error:
                logger.exception(f"the {record.action} stopped on an unexpected error")
                cause = mask_credentials(f"{type(error).__name__}: {error}")
                record.finish(RunStatus.FAILURE, cause, mask_credentials(format_exc()))
            history.save(record)
            if warehouse.keeps_run_history and not warehouse.run_history_in_build:
                write_history(history, warehouse)
    except RunLockBusy as busy:
        record.finish(RunStatus.BUSY, str(busy))


def write_history(history: RunHistory, warehouse: Warehouse) -> None:
    """Copy the journal into ops.run_history, unless the warehouse is unreachable
    (the failure is then the command's own; the journal keeps the record)."""
    try:
        history.write_to(warehouse)
    except WarehouseError:
        logger.warning(f"ops.run_history not updated; the record is in {history.journal}")
