"""Undo a bad publish: rollback, release, status.

    python -m dlt_pipelines.run --rollback    (make rollback)
    python -m dlt_pipelines.run --release     (make release)
    python -m dlt_pipelines.run --status      (make status)

The standby holds the previous build until a run builds into it. A
rollback publishes it again, the way the engine publishes (publishing.py),
and pins it: scheduled runs go on loading and building, but publish nothing
until `make release`; the next run after the release publishes the
sources' current state. A rollback refuses when the previous build is gone
(a later run began to build into it, or built a build that was never
published) or when a run holds the lock. Each is recorded in the run
history, like a run.
"""

from __future__ import annotations

import logging

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.exceptions import PipelineError
from dlt_pipelines.run.history import Action, RunRecord, RunStatus
from dlt_pipelines.run.publishing import publish_build
from dlt_pipelines.run.recorded import recorded
from dlt_pipelines.run.state import Pin, PinState, RunState

logger = logging.getLogger(__name__)
RECENT_RUNS = 5


def rollback(warehouse: Warehouse) -> RunRecord:
    """Publish the previous build again and pin it; its record."""
    record = RunRecord(warehouse.describe(), action=Action.ROLLBACK)
    return recorded(warehouse, record, lambda state: _roll_back(state, record))


def _roll_back(state: RunState, record: RunRecord) -> None:
    slot = state.warehouse.standby()
    live, previous = state.published(), state.intact(slot.name)
    if (
        live is None
        or previous is None
        or not previous.published_at
        or previous.run_id == live.run_id
    ):
        raise PipelineError(
            "no previous build to roll back to: the standby holds no build that was "
            "published before this one (a run has since built into it, or none was); "
            "make status shows what is live"
        )
    record.as_of_date = previous.as_of_date
    record.note = f"build {previous.run_id} (as of {previous.as_of_date}) is live again"
    record.finish(RunStatus.SUCCESS)
    state.save(record)  # published with the build, where the build holds the history
    publish_build(state, slot, previous, record, built=False)
    state.set_pin(Pin(PinState.PINNED, previous.run_id, record.run_id))
    logger.info(f"pinned: runs build but publish nothing until make release ({record.note})")


def release(warehouse: Warehouse) -> RunRecord:
    """Lift the pin: the next run publishes the sources' current state."""
    record = RunRecord(warehouse.describe(), action=Action.RELEASE)

    def lift(state: RunState) -> None:
        pin = state.pin()
        if pin is None or pin.state is not PinState.PINNED:
            raise PipelineError("nothing to release: no rollback pins the warehouse")
        state.set_pin(Pin(PinState.RELEASED, pin.build, record.run_id))
        record.note = f"released build {pin.build}: the next run publishes"
        record.finish(RunStatus.SUCCESS)

    return recorded(warehouse, record, lift)


def status_lines(warehouse: Warehouse) -> list[str]:
    """What is live, whether it is pinned, who holds the lock, and the last runs."""
    state = RunState(warehouse)
    live = state.published()
    lines = [f"warehouse: {warehouse.describe()}"]
    if live is None:
        lines.append("live: nothing published yet (make run)")
    else:
        lines.append(
            f"live: build {live.run_id}, as of {live.as_of_date}, "
            f"published {live.published_at or 'before this was recorded'}"
        )
    pin = state.pin()
    lines.append(
        "pinned: no"
        if pin is None
        else f"pinned: yes, by rollback {pin.by} at {pin.at} (make release lifts it)"
        if pin.state is PinState.PINNED
        else f"pinned: released by {pin.by}; the next run publishes"
    )
    holder = state.lock_holder()
    lines.append("running: no" if holder is None else f"running: {holder or 'holder unknown'}")
    lines.append(f"state: {state.store.describe()}")
    lines.append("last runs:")
    for run in state.records()[-RECENT_RUNS:]:
        rows = sum(run.rows_loaded.values())
        what = "built" if run.built else "no build"
        detail = run.error or run.note or ""
        lines.append(
            f"  {run.started_at[:19]}  {run.action:<8} {run.run_id}  {run.status:<9}"
            f" {rows} rows, {what}" + (f": {detail}" if detail else "")
        )
    return lines
