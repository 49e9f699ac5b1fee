"""What a build includes, and so what a run must build and test
(run/state.py keeps each build's record: its marker and dbt manifest).

A run that loaded no rows, for the same as-of date, vars and code, into a
warehouse whose published build already includes every load, has nothing
to build. The code is a digest of everything dbt reads and of the code
that shapes the raw tables (code_digest): a deploy of a new or changed
model is built and published by the next run, with no new source row.
Where a build is a whole warehouse (DuckDB's slots), a standby that holds
an older build than the published one would load the rows it lacks: the
run then first asks what a load into the published build would bring (a
dry run, reading it only), and stops if nothing.

Otherwise it builds, and tests, what depends on the tables that changed
since the build it replaces (a table with no change rebuilds nothing), on
a new as-of date (the models that read it, and what depends on them) and
on changed code, and the loads; a table nothing changed in stays as it is.
Every table and mart is rebuilt when the dbt vars changed, or when persons
wait for ChemLink (their standing can change with any load). Without a
marker, a manifest or the runs since (a first build, a --full-refresh, a
lost state), it builds everything. A model the project no longer has
leaves the build (removed_relations).

The data tests of a build of what changed read the rows changed since the
build was last built, where a test of one row or of a key can
(macros/tests_of_changes.sql), and every row of each test that did not pass
in that build: so a run ends with the status, problems and exit code a full
run of the same data and code would (a failure stays reported until its
rows, or its test, change; a fixed row clears it in the run that fixes it).
Tests of the code rather than the data (CODE_INVARIANTS, and dbt's unit
tests) are for `make test`, not for scheduled runs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.base import RAW_SCHEMAS
from dlt_pipelines.run.history import RunRecord
from dlt_pipelines.run.state import BuildMarker
from dlt_pipelines.sources import TABLES
from dlt_pipelines.sources.key_findings import FINDINGS

# The files and folders of a dbt project that dbt reads (dbt_project.yml's
# keys, with dbt's defaults), and the code that shapes the raw tables: the
# build's code digest.
PROJECT_FILES = ("dbt_project.yml", "selectors.yml", "packages.yml", "dependencies.yml")
PROJECT_FOLDERS = {
    "model-paths": "models",
    "macro-paths": "macros",
    "test-paths": "tests",
    "seed-paths": "seeds",
    "snapshot-paths": "snapshots",
    "analysis-paths": "analyses",
}
LOAD_CODE = REPO_ROOT / "dlt_pipelines" / "sources"
# The schemas where dbt builds models (test_failures holds the tests' rows).
MODEL_SCHEMAS = ("staging", "intermediate", "mart_tables", "marts")
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


def dbt_selection(
    marker: BuildMarker | None,
    state: Path | None,
    runs: list[RunRecord],
    build: str,
    as_of: str,
    dbt_vars: dict,
    shared_raw: bool,
) -> list[str]:
    """The dbt arguments that select what a build must rebuild and test ([]
    for everything): see the module's docstring. `marker` and `state` (the
    folder of its manifest) are the build's as it was last built; `runs`,
    this run last, say which tables changed since: the loads of every run
    since, or where each build has raw tables of its own (`shared_raw`
    false), the loads into it."""
    run_ids = [run.run_id for run in runs]
    if marker is None or state is None or marker.run_id not in run_ids:
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
    failing = [unique_id.split(".")[2] for unique_id in marker.failing_tests]
    return ["--select", *models, *MODELS_EVERY_BUILD, *failing, "--state", str(state)]


def code_digest(project_dir: Path) -> str:
    """A digest of the code a build is made from: every file dbt reads in
    the project (dbt_project.yml, selectors, packages, and the folders it
    names for models, macros, tests, seeds, snapshots and analyses, the
    semantic layer's files among the models) and the code that shapes the
    raw tables (dlt_pipelines/sources/)."""
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text())
    folders = [
        project_dir / folder
        for key, default in PROJECT_FOLDERS.items()
        for folder in project.get(key, [default])
    ]
    files = [project_dir / name for name in PROJECT_FILES if (project_dir / name).exists()]
    files += [path for folder in folders for path in folder.rglob("*") if path.is_file()]
    named = {str(path.relative_to(project_dir)): path for path in files}  # wherever it is
    named |= {f"load/{path.name}": path for path in LOAD_CODE.glob("*.py")}
    digest = hashlib.sha256()
    for name in sorted(named):
        digest.update(name.encode() + b"\0" + named[name].read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def removed_relations(manifest: dict, build: Warehouse) -> dict[str, dict[str, str]]:
    """The tables and views of the build's dbt schemas that no model of the
    project (`manifest`) makes: a model removed since they were built.
    {schema: {name: kind}}."""
    suffix = build.schema_suffix
    made = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] in ("model", "seed", "snapshot"):
            made.add((node["schema"], node["alias"]))
            if node["config"]["materialized"] == "precomputed_view":  # its table
                made.add((f"mart_tables{suffix}", node["alias"]))
    removed = {}
    for schema in (f"{name}{suffix}" for name in MODEL_SCHEMAS):
        gone = {n: kind for n, kind in build.relations(schema).items() if (schema, n) not in made}
        if gone:
            removed[schema] = gone
    return removed


def newest_load(warehouse: Warehouse) -> str:
    """The newest dlt load of either source in the warehouse ('' for none),
    in one query where both sources have loaded (each query opens the
    warehouse anew: on DuckDB 25 ms for a 3 GB file)."""
    loaded = [schema for schema in RAW_SCHEMAS if warehouse.has_table(schema, "_dlt_loads")]
    if not loaded:
        return ""
    union = " union all ".join(f"select max(load_id) as newest from {s}._dlt_loads" for s in loaded)
    return warehouse.query(f"select max(newest) from ({union}) as loads")[1][0][0] or ""
