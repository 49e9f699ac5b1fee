"""The scheduled run: extract both sources, build and test, publish, report.

    python -m dlt_pipelines.run [--as-of YYYY-MM-DD] [--vars '{orphan_test_severity: error}']

For cron, a systemd timer or CI (docs/operations.md). One run
at a time per warehouse: a run that finds another one holding the lock does
not start, and says which run holds it. The run loads and builds apart from
what readers see and publishes only a build whose dbt tests passed (the
warehouse's backend publishes: dlt_pipelines/backends/). Every run is
recorded in its journal and ops.run_history (see history.py). Its log:
logs.py (LOG_LEVEL, LOG_FORMAT=json).

Exit codes: 0 success; 1 published, with warnings (tests or freshness
warned); 2 failed, nothing new published; 3 not started, another run holds
the lock. --rollback, --release and --status undo a bad publish
(rollback.py); they exit the same way.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

import yaml

from dlt_pipelines.backends import Slot, Warehouse
from dlt_pipelines.exceptions import BuildFailed
from dlt_pipelines.logs import command_line
from dlt_pipelines.run.builds import (
    CODE_INVARIANTS,
    code_digest,
    dbt_selection,
    newest_load,
    removed_relations,
)
from dlt_pipelines.run.dbt import PARSE_FILE, DbtOutcome, project_dir, run_dbt
from dlt_pipelines.run.freshness import stale_sources
from dlt_pipelines.run.history import RunRecord, RunStatus
from dlt_pipelines.run.load import load_sources
from dlt_pipelines.run.publishing import publish_build
from dlt_pipelines.run.recorded import recorded
from dlt_pipelines.run.rollback import release, rollback, status_lines
from dlt_pipelines.run.state import BuildMarker, PinState, RunState
from dlt_pipelines.sources import SOURCES

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOptions:
    """What a run is asked to do besides loading and building."""

    as_of: date | None = None  # the report date; today's UTC date by default
    dbt_vars: dict = field(default_factory=dict)  # dbt vars for this run
    full_refresh: bool = False  # rebuild every model from the raw tables
    credentials: dict[str, str] | None = None  # {source: URL}, instead of the configured

    @property
    def as_of_date(self) -> date:
        """The report date this run uses."""
        return self.as_of or datetime.now(UTC).date()


def run(warehouse: Warehouse, options: RunOptions = RunOptions()) -> RunRecord:
    """One complete run; returns its record (success, warning, failure, busy)."""
    record = RunRecord(warehouse.describe(), options.as_of_date.isoformat())
    return recorded(warehouse, record, lambda state: _load_build_publish(state, options, record))


def _load_build_publish(state: RunState, options: RunOptions, record: RunRecord) -> None:
    """Load into the standby build; unless nothing changed, build it, test it
    and publish it (the backend publishes; builds.py says what to build)."""
    warehouse = state.warehouse
    as_of = options.as_of_date.isoformat()
    code = code_digest(project_dir())
    pin = state.pin()
    pin_state = pin.state if pin else None
    # after a release, the run publishes the sources' state whatever changed
    must_build = options.full_refresh or pin_state is PinState.RELEASED
    with _timed(record, "load"):
        slot, published = warehouse.standby(), warehouse.published_slot()
        if not must_build and _published_is_current(state, slot, published, options, code, record):
            return
        if warehouse.prepare_standby(slot):
            state.seed(slot.name, published)
        # the build whose marker says what is already built from these raw tables
        reference = published if warehouse.shares_raw_tables else slot.name
        loaded_before = newest_load(slot.warehouse)
        if not warehouse.shares_raw_tables:  # the load writes into the standby build
            state.touch(slot.name)
        logger.info(f"extract and load {', '.join(SOURCES)} into {warehouse.describe()}")
        record.loaded_into = slot.name
        record.rows_loaded = load_sources(
            slot.warehouse, options.credentials, progress=sys.stdout.isatty()
        )
    logger.info(f"loaded {sum(record.rows_loaded.values())} rows")
    with _timed(record, "checks"):
        stale = _freshness(slot.warehouse, options, record)
        marker = _marker(state, reference, code)
        unchanged = (
            not must_build
            and not any(record.rows_loaded.values())
            and marker is not None
            and marker.includes(loaded_before, as_of, options.dbt_vars, code)
        )
        if unchanged:
            state.save_marker(reference, replace(marker, built_through=newest_load(slot.warehouse)))
    if unchanged:
        _nothing_to_build(marker, stale, record)
        return
    with _timed(record, "dbt"):
        state.touch(slot.name)
        built = _build(state, slot, options, record, code)
    with _timed(record, "publish"):
        marker = BuildMarker(
            record.run_id,
            newest_load(slot.warehouse),
            as_of,
            options.dbt_vars,
            record.status,
            record.dbt_results["build"]["problems"],
            _unsynced_persons(slot.warehouse),
            code_digest=code,
            failing_tests=built.failing_tests(),
        )
        record.built = True
        if pin_state is PinState.PINNED:
            state.save_built(slot.name, marker)  # the next run builds on it
            record.note = (
                f"pinned by rollback {pin.by}: built, published nothing (make release lifts it)"
            )
            return
        publish_build(state, slot, marker, record)
        state.set_pin(None)  # a release, if one waited, is done
    state.save(record)


def _published_is_current(
    state: RunState,
    slot: Slot,
    published: str | None,
    options: RunOptions,
    code: str,
    record: RunRecord,
) -> bool:
    """Where each build is a whole warehouse and the standby holds an older
    build than the published one (it would load the rows it lacks), ask what
    a load into the published build would bring, reading it only: with
    nothing, the run ends here (True), the standby untouched."""
    warehouse = state.warehouse
    if warehouse.shares_raw_tables:
        return False
    marker = _marker(state, published, code)
    standby = state.marker(slot.name)
    if (
        marker is None
        or (standby is not None and standby.run_id == marker.run_id)
        or not marker.includes(
            newest_load(warehouse), options.as_of_date.isoformat(), options.dbt_vars, code
        )
    ):
        return False
    logger.info(f"extract {', '.join(SOURCES)}: what is new for the published build?")
    record.rows_loaded = load_sources(warehouse, options.credentials, dry_run=True)
    if any(record.rows_loaded.values()):
        return False
    logger.info("loaded 0 rows")
    _nothing_to_build(marker, _freshness(warehouse, options, record), record)
    return True


def _marker(state: RunState, build: str | None, code: str) -> BuildMarker | None:
    """The build's marker. One an earlier version wrote has no code digest:
    where dbt finds no node modified since the build's manifest, it takes
    the current one (an upgrade rebuilds nothing); else it keeps none, and
    the build is made anew where the code changed."""
    marker = state.marker(build)
    manifest = state.state_dir(build) if marker and not marker.code_digest else None
    if manifest is None:
        return marker
    listed = run_dbt(
        ["ls", "--select", "state:modified", "--state", str(manifest), "--quiet"],
        state.warehouse.built_as(build),
        target_dir=state.target_dir(build),
    )
    if listed.failed or any(line.strip() for line in listed.output):
        return marker
    logger.info(f"build {marker.run_id} was made from the code of this version: it is kept")
    adopted = replace(marker, code_digest=code)
    state.save_marker(build, adopted)
    return adopted


def _freshness(build: Warehouse, options: RunOptions, record: RunRecord) -> list[str]:
    """The freshness checks' problems, recorded; the run fails if a source is
    stale beyond its error threshold."""
    stale = stale_sources(build, options.dbt_vars)
    record.dbt_results["freshness"] = {"problems": stale}
    if any(problem.startswith("error") for problem in stale):
        raise BuildFailed(f"a source is stale, nothing was published: {'; '.join(stale)}")
    return stale


def _nothing_to_build(marker: BuildMarker, stale: list[str], record: RunRecord) -> None:
    """End a run whose published build already is what a build would give."""
    record.dbt_results["build"] = {"problems": marker.problems}
    record.finish(RunStatus.WARNING if marker.problems or stale else RunStatus.SUCCESS)
    logger.info(f"nothing changed since run {marker.run_id}: nothing to build or publish")


@contextmanager
def _timed(record: RunRecord, step: str) -> Iterator[None]:
    """Record how long the block took as the run's `step`."""
    started = time.perf_counter()
    try:
        yield
    finally:
        record.seconds[step] = round(time.perf_counter() - started, 3)


def _build(
    state: RunState, slot: Slot, options: RunOptions, record: RunRecord, code: str
) -> DbtOutcome:
    """dbt build of what changed, in the standby; fails unless its tests pass.
    Its data tests read the rows changed since the build was last built,
    and every row of the tests that did not pass then (builds.py). Tests of
    the models' code (dbt's unit tests, builds.CODE_INVARIANTS) are for
    `make test` and CI, not for the scheduled runs. A model the project no
    longer has leaves the build. `code` is the build's code digest."""
    state.save(record)  # the selection reads what this run loaded from the journal
    warehouse = state.warehouse
    previous = state.marker(slot.name)
    selection = (
        []
        if options.full_refresh
        else dbt_selection(
            previous,
            state.state_dir(slot.name),
            state.records(),
            slot.name,
            options.as_of_date.isoformat(),
            options.dbt_vars,
            warehouse.shares_raw_tables,
        )
    )
    # dbt's own DBT_EXCLUDE_RESOURCE_TYPES still counts (the option would override it)
    excluded = {"unit_test", *os.environ.get("DBT_EXCLUDE_RESOURCE_TYPES", "").split()}
    arguments = ["build", *selection, "--exclude-resource-type", *sorted(excluded)]
    arguments += ["--exclude", *CODE_INVARIANTS]
    # everything is built from scratch: a build without a known past (its
    # first, a lost state, a warehouse of an older version) trusts no table
    arguments += [] if selection else ["--full-refresh"]
    since = previous.built_through if selection else ""
    failing = previous.failing_tests if selection else []
    scope = "every model" if not selection else "what changed"
    rows = f"the rows changed since load {since}" if since else "every row"
    rows += f", and every row of the {len(failing)} that did not pass" if failing else ""
    logger.info(f"dbt build: {scope}, and its tests (of {rows})")
    published = warehouse.published_slot()
    built = run_dbt(
        arguments,
        slot.warehouse,
        options.as_of_date,
        options.dbt_vars,
        target_dir=state.target_dir(slot.name),
        # a build's first dbt starts from the other's parse (the same project,
        # and the same connection but for the schemas' vars): dbt reuses it
        parse_from=state.target_dir(published) / PARSE_FILE if published else None,
        environment={
            # the marts rebuilt by period rebuild whole under other code
            # (macros/rebuilt_in_parts.sql)
            "DBT_CODE_DIGEST": code,
            "DBT_TESTS_CHANGED_SINCE": since,
            "DBT_TESTS_READ_EVERY_ROW": " ".join(failing),
        },
    )
    record.dbt_results["build"] = built.summary()
    if built.failed:
        raise BuildFailed(f"dbt build failed, nothing was published: {built.cause()}")
    _drop_removed_models(slot.warehouse, state.target_dir(slot.name))
    stale = record.dbt_results["freshness"]["problems"]
    record.finish(RunStatus.WARNING if built.warned or stale else RunStatus.SUCCESS)
    state.save(record)
    return built


def _drop_removed_models(build: Warehouse, target_dir) -> None:
    """Drop the build's tables and views that no model of the project makes."""
    manifest = json.loads((target_dir / "manifest.json").read_text())
    for schema, relations in removed_relations(manifest, build).items():
        build.drop_relations(schema, relations)
        logger.info(f"dropped {', '.join(sorted(relations))} from {schema}: no model makes them")


def _unsynced_persons(build: Warehouse) -> int:
    """Person uuids of the build not known to ChemLink yet (their standing can
    change with ChemLink's next load, whatever else changes)."""
    table = f"intermediate{build.schema_suffix}.int_persons_unioned"
    return build.query(f"select count(*) from {table} where person_status = 'unsynced'")[1][0][0]


def main() -> None:
    """Command line entry point; exits with the run's exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m dlt_pipelines.run",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument(
        "--as-of", type=date.fromisoformat, help="report date (default: today, UTC)"
    )
    parser.add_argument(
        "--vars", type=yaml.safe_load, default={}, help="dbt vars for this run, YAML (as dbt's)"
    )
    parser.add_argument(
        "--full-refresh", action="store_true", help="rebuild every model from the raw tables"
    )
    operator = parser.add_mutually_exclusive_group()
    operator.add_argument(
        "--rollback", action="store_true", help="publish the previous build again, and pin it"
    )
    operator.add_argument(
        "--release", action="store_true", help="lift the pin: the next run publishes"
    )
    operator.add_argument(
        "--status", action="store_true", help="what is live, whether pinned, the last runs"
    )
    args = parser.parse_args()
    with command_line():
        warehouse = Warehouse.from_env()
        if args.status:
            print("\n".join(status_lines(warehouse)))
            return
    if args.rollback or args.release:
        record = (rollback if args.rollback else release)(warehouse)
    else:
        record = run(warehouse, RunOptions(args.as_of, args.vars, args.full_refresh))
    sys.exit(record.status.exit_code)


if __name__ == "__main__":
    main()
