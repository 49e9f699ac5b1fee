"""The warehouse as Dagster assets: one multi-asset over the whole graph,
whose materialization is the scheduled run itself.

The graph: the raw tables per source (group raw_<source>, from dbt's
sources), every dbt model (groups staging, intermediate, marts, from
dagster-dbt and the project's manifest) and the published marts (group
published: what readers query), with lineage from source table to mart.
dbt's tests are asset checks on the models they test (the orphan checks
among them), and each source has a `freshness` check on its `_dlt_loads`.

Materializing runs `scripts.demo.build.build`: the scheduled run
(dlt_pipelines/run/) on the configured sources, or on the demo's when none
are configured, as `make build` does. The run keeps its lock, its source
contract check, its change window, its standby build and atomic publish
and its history; this module only reads back what it did. It reports as
materialized what the run changed: the raw tables that received rows, the
models dbt built, the published marts when it published; a run with
nothing changed materializes nothing. A selection of some of the assets is
refused, saying so: the run always does the whole path.
"""

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

import dagster as dg
from dagster_dbt import DagsterDbtTranslator
from dagster_dbt.asset_utils import build_dbt_specs, get_asset_check_key_for_test

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.exceptions import PipelineError
from dlt_pipelines.logs import PROJECT_LOGGERS, configure
from dlt_pipelines.postgres_url import mask_credentials
from dlt_pipelines.run.builds import is_code_invariant
from dlt_pipelines.run.dbt import default_target_dir, project_dir, run_dbt
from dlt_pipelines.run.history import RunRecord, RunStatus
from dlt_pipelines.run.recorded import last_line
from dlt_pipelines.run.scheduled_run import RunOptions
from dlt_pipelines.run.state import RunState
from dlt_pipelines.sources import SOURCES
from scripts.demo.build import build

PUBLISHED = "published"
PROJECT_FOLDERS = ("models", "macros", "tests")  # what dbt parses, with dbt_project.yml
# dbt's statuses of a test that did not pass (an error is a failure to run it)
CHECK_SEVERITIES = {"warn": dg.AssetCheckSeverity.WARN, "fail": dg.AssetCheckSeverity.ERROR}


class WarehouseTranslator(DagsterDbtTranslator):
    """Asset keys and groups: raw/<source>/<table> for dbt's sources,
    <folder>/<model> (staging, intermediate, marts) for its models."""

    def get_asset_key(self, dbt_resource_props: dict) -> dg.AssetKey:
        node = dbt_resource_props
        if node["resource_type"] == "source":
            return dg.AssetKey(["raw", node["source_name"], node["name"]])
        return dg.AssetKey([node["fqn"][1], node["name"]])

    def get_group_name(self, dbt_resource_props: dict) -> str:
        node = dbt_resource_props
        return f"raw_{node['source_name']}" if node["resource_type"] == "source" else node["fqn"][1]


def dbt_manifest(warehouse: Warehouse) -> dict:
    """The project's manifest, parsed again (partially) when a file of the
    project is newer, where run_dbt has dbt write."""
    manifest = default_target_dir() / "manifest.json"
    project = project_dir()
    sources = [project / "dbt_project.yml"]
    sources += [path for folder in PROJECT_FOLDERS for path in (project / folder).rglob("*")]
    if not manifest.exists() or manifest.stat().st_mtime < max(p.stat().st_mtime for p in sources):
        parsed = run_dbt(["parse", "--quiet"], warehouse)
        if parsed.failed:
            raise PipelineError(f"dbt could not parse the project: {parsed.cause()}")
    return json.loads(manifest.read_text())


class RunConfig(dg.Config):
    """What a materialization may ask of the run (the launchpad's config)."""

    as_of: str = ""  # the report date, YYYY-MM-DD; default today (UTC), the demo's day on the demo
    full_refresh: bool = False  # rebuild every model from the raw tables


def warehouse_assets(manifest: dict) -> dg.AssetsDefinition:
    """The multi-asset over the whole graph: materializing it is one run."""
    graph = AssetGraph(manifest)

    @dg.multi_asset(
        name="scheduled_run",
        specs=graph.specs,
        check_specs=graph.check_specs,
        can_subset=True,  # so that a run materializes only what changed; a subset is refused
        description=__doc__.split("\n\n")[1],
    )
    def scheduled_run(context: dg.AssetExecutionContext, config: RunConfig) -> Iterator:
        left_out = len(graph.specs) - len(context.selected_asset_keys)
        if left_out:
            raise dg.Failure(
                description=f"refused: {left_out} of the warehouse's assets were left out of the "
                "selection; a run loads, builds and publishes the whole graph "
                "(materialize all of it, or the job scheduled_run_job)"
            )
        try:
            configure()
            warehouse = Warehouse.from_env()
        except PipelineError as error:
            raise dg.Failure(description=f"error: {mask_credentials(str(error))}") from None
        as_of = date.fromisoformat(config.as_of) if config.as_of else None
        with _logged_to(context.log):
            record = build(warehouse, RunOptions(as_of, full_refresh=config.full_refresh))
        if record.status is RunStatus.BUSY:
            context.log.warning(f"skipped, nothing materialized: {record.error}")
            return
        yield from graph.results(warehouse, record)
        if record.status is RunStatus.FAILURE:
            raise dg.Failure(description=last_line(record))

    return scheduled_run


class AssetGraph:
    """The assets and checks of the manifest, and what a run materialized of them."""

    def __init__(self, manifest: dict) -> None:
        self.manifest = manifest
        self.translator = WarehouseTranslator()
        models, tests = build_dbt_specs(
            translator=self.translator,
            manifest=manifest,
            select="fqn:*",
            exclude="",
            selector="",
            io_manager_key=None,
            project=None,
        )
        raw = [self._spec(unique_id) for unique_id in manifest["sources"]]
        published = [
            dg.AssetSpec(
                [PUBLISHED, spec.key.path[-1]],
                deps=[spec.key],
                description=f"marts.{spec.key.path[-1]} as readers see it: the build published",
                group_name=PUBLISHED,
            )
            for spec in models
            if spec.key.path[0] == "marts"
        ]
        self.specs = [spec.replace_attributes(skippable=True) for spec in raw + models + published]
        freshness = [
            dg.AssetCheckSpec(
                "freshness",
                asset=["raw", source, "_dlt_loads"],
                description="the newest load is recent enough (freshness_warn/error_after_hours)",
            )
            for source in SOURCES
        ]
        # the tests of the models' code: make test runs them, a scheduled run never
        invariants = {
            get_asset_check_key_for_test(manifest, self.translator, unique_id, None)
            for unique_id, node in manifest["nodes"].items()
            if is_code_invariant(node)
        }
        self.check_specs = [spec for spec in tests if spec.key not in invariants] + freshness

    def _spec(self, unique_id: str) -> dg.AssetSpec:
        return self.translator.get_asset_spec(self.manifest, unique_id, None)

    def results(self, warehouse: Warehouse, record: RunRecord) -> Iterator:
        """What the run materialized, in lineage order, and its checks' outcomes."""
        loaded = {table: rows for table, rows in record.rows_loaded.items() if rows}
        for table, rows in loaded.items():
            yield dg.MaterializeResult(
                asset_key=["raw", *table.split(".", 1)], metadata={"rows_loaded": rows}
            )
        for source in {table.split(".", 1)[0] for table in loaded}:  # a load of its own
            yield dg.MaterializeResult(asset_key=["raw", source, "_dlt_loads"])
        dbt_results = self._dbt_results(warehouse, record)
        for result in dbt_results:
            if result["unique_id"].startswith("model.") and result["status"] == "success":
                yield dg.MaterializeResult(
                    asset_key=self._spec(result["unique_id"]).key,
                    metadata={"run_id": record.run_id, "seconds": result["execution_time"]},
                )
        published = RunState(warehouse).published()
        if record.built and published is not None and published.run_id == record.run_id:
            for spec in self.specs:
                if spec.key.path[0] == PUBLISHED:
                    yield dg.MaterializeResult(spec.key, metadata={"run_id": record.run_id})
        for result in dbt_results:
            yield from self._check(result)
        yield from _freshness(record)

    def _dbt_results(self, warehouse: Warehouse, record: RunRecord) -> list[dict]:
        """The nodes this run's dbt build ran ([] if it ran none): the
        run_results.json of either build that dbt wrote after the run began
        (run_dbt removes the old one first)."""
        state = RunState(warehouse)
        started = datetime.fromisoformat(record.started_at)
        for name in filter(None, (warehouse.standby().name, warehouse.published_slot())):
            path = state.target_dir(name) / "run_results.json"
            if path.exists():
                results = json.loads(path.read_text())
                if datetime.fromisoformat(results["metadata"]["generated_at"]) >= started:
                    return results["results"]
        return []

    def _check(self, result: dict) -> Iterator[dg.AssetCheckResult]:
        """A dbt test's outcome as its asset check's."""
        if not result["unique_id"].startswith("test."):
            return
        key = get_asset_check_key_for_test(
            self.manifest, self.translator, result["unique_id"], None
        )
        if key is None:  # a test of several models, attached to none
            return
        yield dg.AssetCheckResult(
            asset_key=key.asset_key,
            check_name=key.name,
            passed=result["status"] == "pass",
            severity=CHECK_SEVERITIES.get(result["status"], dg.AssetCheckSeverity.ERROR),
            metadata={"status": result["status"], "failing_rows": result.get("failures") or 0},
        )


def _freshness(record: RunRecord) -> Iterator[dg.AssetCheckResult]:
    """Each source's freshness, as the run checked it (if it got that far)."""
    if "freshness" not in record.dbt_results:
        return
    problems = record.dbt_results["freshness"]["problems"]
    for source in SOURCES:
        found = [p for p in problems if f" {source}._dlt_loads " in p]
        yield dg.AssetCheckResult(
            asset_key=["raw", source, "_dlt_loads"],
            check_name="freshness",
            passed=not found,
            severity=dg.AssetCheckSeverity.ERROR
            if any(p.startswith("error") for p in found)
            else dg.AssetCheckSeverity.WARN,
            description="; ".join(found) or "fresh",
        )


class _ToDagsterLog(logging.Handler):
    """Forwards the project's log lines to the run's Dagster log."""

    def __init__(self, log: logging.Logger) -> None:
        super().__init__()
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        self.log.log(record.levelno, record.getMessage())


@contextmanager
def _logged_to(log: logging.Logger) -> Iterator[None]:
    """The project's log lines go to Dagster's log too, during the block."""
    handler = _ToDagsterLog(log)
    loggers = [logging.getLogger(name) for name in PROJECT_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
