"""What every command that changes the warehouse shares (a run, a rollback,
a release): the warehouse's lock and journal (run/state.py), one last line.

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
from dlt_pipelines.exceptions import PipelineError, RunLockBusy
from dlt_pipelines.logs import run_context
from dlt_pipelines.postgres_url import mask_credentials
from dlt_pipelines.run.alerts import send_failure_alert
from dlt_pipelines.run.history import RunRecord, RunStatus
from dlt_pipelines.run.state import RunState

logger = logging.getLogger(__name__)
LAST_LINE_LEVELS = {
    RunStatus.SUCCESS: logging.INFO,
    RunStatus.WARNING: logging.WARNING,
    RunStatus.FAILURE: logging.ERROR,
    RunStatus.BUSY: logging.WARNING,
}


def recorded(
    warehouse: Warehouse, record: RunRecord, body: Callable[[RunState], None]
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


def _locked(warehouse: Warehouse, record: RunRecord, body: Callable[[RunState], None]) -> None:
    """`body` under the lock, its record saved before and after. A warehouse
    whose state cannot be reached fails the command, unrecorded."""
    state = RunState(warehouse)
    try:
        with state.lock(record.run_id):
            for abandoned in state.close_abandoned():
                logger.warning(f"run {abandoned.run_id} had died; its lock is reclaimed")
            state.save(record)
            try:
                body(state)
            except Exception as error:
                _failed(record, error)
            state.save(record)
    except RunLockBusy as busy:
        record.finish(RunStatus.BUSY, str(busy))
    except Exception as error:
        _failed(record, error)


def _failed(record: RunRecord, error: Exception) -> None:
    """End the record as a failure: an expected error (PipelineError) with its
    one-line cause, any other also with its traceback."""
    if isinstance(error, PipelineError):
        record.finish(RunStatus.FAILURE, mask_credentials(str(error)))
        return
    logger.exception(f"the {record.action} stopped on an unexpected error")
    cause = mask_credentials(f"{type(error).__name__}: {error}")
    record.finish(RunStatus.FAILURE, cause, mask_credentials(format_exc()))
