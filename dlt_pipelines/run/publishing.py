"""Publishing a build, and the pin that stops runs from publishing.

A run publishes the build it made; a rollback publishes again the previous
build, which the standby holds until a run builds into it. Either way the
warehouse's backend publishes (atomically on DuckDB and PostgreSQL; on
Spark each mart is old or new), the builds' records follow their places,
and the published build's dbt manifest is kept for `make changed` and
`make dbt`.

After each publish the dashboard is rendered again (refresh_dashboard).

A rollback pins what it published: `<warehouse>.pin.json` says so, and
runs load and build but publish nothing while it is there. `make release`
turns the pin into a release, which makes the next run publish (even if
nothing changed since its build) and then goes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum

from dlt_pipelines.backends import Slot, Warehouse
from dlt_pipelines.dashboard.render import dashboard_path, write_dashboard
from dlt_pipelines.run.builds import BuildMarker, Builds
from dlt_pipelines.run.history import RunHistory, RunRecord, RunStatus

logger = logging.getLogger(__name__)


class PinState(StrEnum):
    """What a pin does to the next runs."""

    PINNED = "pinned"  # they build but publish nothing
    RELEASED = "released"  # the next one publishes, even if nothing changed


def publish_build(
    warehouse: Warehouse,
    builds: Builds,
    slot: Slot,
    marker: BuildMarker,
    history: RunHistory,
    record: RunRecord,
) -> str:
    """Publish the slot's build, which `marker` describes, with the run
    history; its records follow it, its dbt manifest is kept, the dashboard
    is rendered. Returns the name the published build has from now on."""
    if warehouse.run_history_in_build:
        history.write_to(slot.warehouse)  # published with the build
    published = warehouse.publish(slot)
    if published != slot.name:  # the builds' names follow their places
        builds.swap(slot.name, published)
    builds.save_built(published, replace(marker, published_at=datetime.now(UTC).isoformat()))
    _keep_dbt_state(warehouse, builds, published)
    logger.info(f"published {warehouse.describe()}")
    refresh_dashboard(warehouse, marker.run_id, record)
    return published


def _keep_dbt_state(warehouse: Warehouse, builds: Builds, published: str) -> None:
    """Keep the published build's dbt manifest, naming the relations as
    published (without the standby's schema suffix): `make changed` compares
    the project with it, and `make dbt` on PostgreSQL defers to it."""
    state = warehouse.run_file(".dbt-state")
    state.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((builds.state_dir(published) / "manifest.json").read_text())
    (state / "manifest.json").write_text(json.dumps(warehouse.as_published(manifest)))


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


@dataclass(frozen=True)
class Pin:
    """A rollback's pin (or, once released, the release waiting for a run)."""

    state: PinState
    build: str  # the run id of the build the rollback published
    by: str  # the run id of the rollback (then of the release)
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())  # when

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", PinState(self.state))  # as read back from JSON

    @staticmethod
    def read(warehouse: Warehouse) -> Pin | None:
        """The warehouse's pin, if any."""
        path = warehouse.run_file(".pin.json")
        return Pin(**json.loads(path.read_text())) if path.exists() else None

    def write(self, warehouse: Warehouse) -> None:
        """Record it beside the warehouse."""
        warehouse.run_file(".pin.json").write_text(json.dumps(asdict(self)))

    @staticmethod
    def remove(warehouse: Warehouse) -> None:
        """A run published: no pin, no release waits."""
        warehouse.run_file(".pin.json").unlink(missing_ok=True)
