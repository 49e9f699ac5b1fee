"""What each of the two builds (the backends' standby and published ones)
was built from, and so what a run must build.

Beside the warehouse, `<warehouse>.builds/<build>/` keeps, per build:
`marker.json` (the newest dlt load it includes, its as-of date and dbt vars,
its tests' outcome), `state/manifest.json` (the dbt project it was built
with) and `target/` (dbt's artifacts and logs, and its partial parse, which
saves a run the parse while the project and the vars stay the same).

A run that loaded no rows, for the same as-of date and vars, into a
warehouse whose published build already includes every load, has nothing
to build. Where a build is a whole warehouse (DuckDB's slots), a standby
that holds an older build than the published one would load the rows it
lacks: the run then first asks what a load into the published build would
bring (a dry run, reading it only), and stops if nothing.
Otherwise it builds, and tests, what depends on the tables that changed
since the build it replaces (a table with no change rebuilds nothing), on
a new as-of date (the models that read it, and what depends on them) and
on changed code, and the loads; a table nothing changed in stays as it is.
Every table and mart is rebuilt when the dbt vars changed, or when persons
wait for ChemLink (their standing can change with any load). Without a
marker, a state or the runs since (a first build, a --full-refresh, a lost
folder), it builds everything. The data tests of a build of what changed
read the rows changed since the build was last built, where a test of one
row or of a key can (macros/tests_of_changes.sql); every row, in a build
of everything and once TEST_EVERYTHING_EVERY_HOURS (24) have passed since
the build's tests last read them all. Tests of the code
rather than the data (CODE_INVARIANTS, and dbt's unit tests) are for
`make test`, not for scheduled runs.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.base import RAW_SCHEMAS
from dlt_pipelines.exceptions import PipelineError
from dlt_pipelines.run.history import RunHistory
from dlt_pipelines.sources import TABLES
from dlt_pipelines.sources.key_findings import FINDINGS

# What a build rebuilds when the vars changed, or when persons wait for
# ChemLink (their standing can change with any load), instead of what
# depends on the changed tables.
EVERY_TABLE_AND_MART = [
    "path:models/intermediate,config.materialized:table",
    "path:models/intermediate,config.materialized:incremental",
    "path:models/marts",
]
# What every build rebuilds and tests besides: the models whose code
# changed and what depends on them, the loads (a run always adds one) and
# the mart that shows them, the checks across the sources.
MODELS_EVERY_BUILD = [
    "state:modified+",
    "int_source_loads_unioned",
    "data_quality_summary",
    "no_duplicate_keys_at_source",
    *(f"stg_{source}__loads,resource_type:test" for source in TABLES),
]
# A new as-of date: the models that read the date (tag as_of,
# tests/e2e/test_model_logic.py keeps the tag exact) and what depends on them.
MODELS_NEW_DATE = ["tag:as_of+"]
# Tests of the models' code rather than of the data: zero-filled windows have
# their row counts, derived columns their accepted values whatever the data.
# `make test` runs them (tests/e2e/test_model_logic.py), as it runs dbt's
# unit tests; the scheduled runs do not.
CODE_INVARIANT_TESTS = {  # the test's name: the folders where it tests the code
    "row_count": ("models",),
    "accepted_values": ("models/intermediate", "models/marts"),
}
CODE_INVARIANTS = [  # as dbt selects them
    f"test_name:{name},path:{folder}"
    for name, folders in CODE_INVARIANT_TESTS.items()
    for folder in folders
]


def is_code_invariant(test: dict) -> bool:
    """Tell whether a test node of dbt's manifest is one of CODE_INVARIANTS."""
    if test["resource_type"] != "test":
        return False
    name = (test.get("test_metadata") or {}).get("name")
    folders = CODE_INVARIANT_TESTS.get(name, ())
    return any(test["original_file_path"].startswith(f"{folder}/") for folder in folders)


@dataclass(frozen=True)
class BuildMarker:
    """What a build includes, and how its tests went."""

    run_id: str
    built_through: str  # the newest dlt load it includes ('' for none)
    as_of_date: str
    dbt_vars: dict
    status: str  # success or warning
    problems: list[str]
    unsynced_persons: int  # uuids not yet known to ChemLink: their status can change
    published_at: str = ""  # when it was last published ('' for never)
    tested_everything_at: str = ""  # when its tests last read every row ('' for never)

    def includes(self, newest_load: str, as_of_date: str, dbt_vars: dict) -> bool:
        """Tell whether this build already is what a build now would give, if
        no rows have come since `newest_load`."""
        return (
            self.built_through == newest_load
            and self.as_of_date == as_of_date
            and self.dbt_vars == dbt_vars
            and self.unsynced_persons == 0
        )


class Builds:
    """The records of both builds of one warehouse."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def marker(self, build: str | None) -> BuildMarker | None:
        """The build's marker, if it has one (None for no build: none published yet)."""
        if build is None:
            return None
        path = self.folder / build / "marker.json"
        return BuildMarker(**json.loads(path.read_text())) if path.exists() else None

    def save(self, build: str, marker: BuildMarker) -> None:
        """Record what the build now includes (whole again, if it was touched)."""
        (self.folder / build).mkdir(parents=True, exist_ok=True)
        (self.folder / build / "marker.json").write_text(json.dumps(asdict(marker)))
        (self.folder / build / "touched").unlink(missing_ok=True)

    def touch(self, build: str) -> None:
        """Record that a run began to change the build: until its next
        marker, it is no longer the build its marker names (a rollback
        cannot publish it)."""
        (self.folder / build).mkdir(parents=True, exist_ok=True)
        (self.folder / build / "touched").touch()

    def intact(self, build: str | None) -> BuildMarker | None:
        """The build's marker, if the build is still what it names."""
        if build is None or (self.folder / build / "touched").exists():
            return None
        return self.marker(build)

    def target_dir(self, build: str) -> Path:
        """Where dbt writes when building it."""
        return self.folder / build / "target"

    def state_dir(self, build: str) -> Path:
        """The dbt project the build was last built with."""
        return self.folder / build / "state"

    def save_built(self, build: str, marker: BuildMarker) -> None:
        """After a successful build: its marker, and its project as the state
        the next build compares with."""
        self.state_dir(build).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(
            self.target_dir(build) / "manifest.json", self.state_dir(build) / "manifest.json"
        )
        self.save(build, marker)

    def seed(self, build: str, published: str | None) -> None:
        """Give a build seeded from the published one (a copy of it) the
        published one's records: it is now that build, and a later run
        builds on it."""
        shutil.rmtree(self.folder / build, ignore_errors=True)
        if published is not None and (self.folder / published).exists():
            shutil.copytree(self.folder / published, self.folder / build)

    def swap(self, first: str, second: str) -> None:
        """Exchange two builds' records (PostgreSQL swaps the builds' names)."""
        swap = self.folder / f"{first}.swap"
        for old, new in ((first, swap.name), (second, first), (swap.name, second)):
            if (self.folder / old).exists():
                (self.folder / old).rename(self.folder / new)


def dbt_selection(
    builds: Builds, build: str, history: RunHistory, as_of: str, dbt_vars: dict, shared_raw: bool
) -> list[str]:
    """The dbt arguments that select what a build must rebuild and test ([]
    for everything): see the module's docstring. The journal, this run last,
    says which tables changed since the build was last built: the loads of
    every run since, or where each build has raw tables of its own
    (`shared_raw` false), the loads into it."""
    marker = builds.marker(build)
    runs = history.records()
    run_ids = [run.run_id for run in runs]
    state = builds.state_dir(build)
    if marker is None or marker.run_id not in run_ids or not (state / "manifest.json").exists():
        return []
    since = [
        run
        for run in runs[run_ids.index(marker.run_id) + 1 :]
        if shared_raw or run.loaded_into == build
    ]
    changed = {table for run in since for table, rows in run.rows_loaded.items() if rows}
    changed_staging = [
        f"stg_{source}__{table.name}"
        for source, tables in TABLES.items()
        for table in tables
        # a key finding changes every staging model of its source
        if f"{source}.{table.name}" in changed or f"{source}.{FINDINGS}" in changed
    ]
    if marker.dbt_vars != dbt_vars or marker.unsynced_persons:
        # every table and mart, and the tests of the changed tables' views
        models = [*EVERY_TABLE_AND_MART, *(f"{m},resource_type:test" for m in changed_staging)]
    else:  # what depends on a changed table, and on a new date
        models = [f"{model}+" for model in changed_staging]
        models += MODELS_NEW_DATE if marker.as_of_date != as_of else []
    return ["--select", *models, *MODELS_EVERY_BUILD, "--state", str(state)]


def full_check_interval(env: Mapping[str, str] = os.environ) -> timedelta:
    """How often each build's tests read every row: TEST_EVERYTHING_EVERY_HOURS
    (default 24)."""
    setting = env.get("TEST_EVERYTHING_EVERY_HOURS", "24")
    try:
        return timedelta(hours=float(setting))
    except ValueError:
        raise PipelineError(
            f"TEST_EVERYTHING_EVERY_HOURS must be a number of hours, not '{setting}'"
        ) from None


def rows_to_test_since(marker: BuildMarker | None, now: datetime, every: timedelta) -> str:
    """For a build of what changed: the newest load whose rows the build's
    tests already read (its marker's), so that they read only the rows
    changed since; '' (every row) when its tests never read every row, or
    last did `every` or longer ago."""
    if marker is None or not marker.tested_everything_at:
        return ""
    if now - datetime.fromisoformat(marker.tested_everything_at) >= every:
        return ""
    return marker.built_through


def newest_load(warehouse: Warehouse) -> str:
    """The newest dlt load of either source in the warehouse ('' for none)."""
    newest = [
        warehouse.query(f"select max(load_id) from {schema}._dlt_loads")[1][0][0]
        for schema in RAW_SCHEMAS
        if warehouse.has_table(schema, "_dlt_loads")
    ]
    return max(filter(None, newest), default="")
