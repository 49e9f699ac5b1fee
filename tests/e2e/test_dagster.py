"""The warehouse under Dagster (orchestration/dagster/): the assets
materialize in-process through the scheduled run and give `make build`'s
marts; nothing changed materializes nothing; a held lock skips; a selection
of some assets and a failing run say why in one line; the hourly schedule
is registered; the UI, in headless chromium, draws the asset graph."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.run.state import RunState
from tests.helpers import AS_OF, MART_MODELS, chromium, contents, run_history
from tests.spark.conftest import free_port

SOURCE_GROUPS = ("raw_chemlink", "raw_engagement")
GROUPS = (*SOURCE_GROUPS, "staging", "intermediate", "marts", "published")
LOCATION = "orchestration.dagster.definitions"
WEBSERVER = [sys.executable, "-m", "dagster_webserver"]
# the Engagement columns checked for a live ChemLink person where the template
# profile (random, version 2, scale 1, seed 21) names a ghost: all but groups.created_by
ORPHANED_COLUMNS = (
    "posts_person_id",
    "comments_person_id",
    "mentions_mentioned_person_id",
    "mentions_mentioned_by_person_id",
    "reports_reporter_person_id",
    "group_members_person_id",
)


@pytest.fixture
def dagster(duckdb_warehouse, template_sources, monkeypatch):
    """The code location's definitions, its runs going to an empty DuckDB
    warehouse from the template's sources (the scheduled run's environment)."""
    for name, value in (duckdb_warehouse.env() | template_sources.as_env()).items():
        monkeypatch.setenv(name, value)
    import dagster

    from orchestration.dagster import definitions

    return dagster, definitions


def materialize(dagster, definitions, **selection):
    """One in-process materialization of the warehouse's assets, as of the tests' date."""
    config = {"ops": {"scheduled_run": {"config": {"as_of": AS_OF.isoformat()}}}}
    return dagster.materialize(
        [definitions.warehouse],
        instance=dagster.DagsterInstance.ephemeral(),
        run_config=config,
        raise_on_error=False,
        **selection,
    )


def materialized(result) -> set[str]:
    return {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}


def test_the_assets_materialize_the_scheduled_run(dagster, duckdb_warehouse, duckdb_template):
    dg, definitions = dagster
    first = materialize(dg, definitions)
    assert first.success
    keys = {key.to_user_string() for key in definitions.warehouse.keys}
    marts = {f"marts/{model}" for model in MART_MODELS}
    assert marts | {f"published/{model}" for model in MART_MODELS} <= materialized(first)
    assert {"raw/chemlink/persons", "raw/engagement/posts"} <= materialized(first)
    # every model was built, once: the first build of the warehouse
    assert {key for key in keys if key.split("/")[0] not in ("raw", "published")} <= materialized(
        first
    )
    # the marts equal those of a scheduled run (make build) on the same sources
    assert contents(duckdb_warehouse) == contents(duckdb_template)
    checks = {
        (e.asset_key.to_user_string(), e.check_name): e for e in first.get_asset_check_evaluations()
    }
    assert checks[("raw/chemlink/_dlt_loads", "freshness")].passed
    assert checks[("marts/dau", "unique_dau_activity_date")].passed
    failed = {key for key, evaluation in checks.items() if not evaluation.passed}
    # the template profile's orphans: their checks warn, as in the run's last line
    assert {check for _, check in failed} == {
        f"has_live_chemlink_person_stg_engagement__{column}" for column in ORPHANED_COLUMNS
    }
    assert {checks[key].severity for key in failed} == {dg.AssetCheckSeverity.WARN}
    run = run_history(duckdb_warehouse)[-1]
    assert sorted(run["dbt_results"]["build"]["problems"]) == sorted(
        f"warn: {key[1]} ({checks[key].metadata['failing_rows'].value} rows)" for key in failed
    )
    assert run["status"] == "warning"

    # the run right after the first: nothing changed, nothing materialized
    again = materialize(dg, definitions)
    assert again.success and materialized(again) == set()
    assert [run["built"] for run in run_history(duckdb_warehouse)] == [True, False]

    # a run holds the lock: the schedule skips its tick, a run started anyway does nothing
    schedule = definitions.hourly_run
    assert list(definitions.defs.schedules) == [schedule]  # registered
    assert schedule.cron_schedule == "0 * * * *"
    context = dg.build_schedule_context()
    assert isinstance(schedule.evaluate_tick(context).run_requests[0], dg.RunRequest)
    with RunState(duckdb_warehouse).lock("a running run"):
        tick = schedule.evaluate_tick(context)
        assert tick.run_requests == [] and "a running run" in tick.skip_message
        busy = materialize(dg, definitions)
    assert busy.success and materialized(busy) == set()
    assert len(run_history(duckdb_warehouse)) == 2  # the busy run did not start: no record

    # a selection of some assets is refused, saying why
    some = materialize(dg, definitions, selection=["published/dau"])
    assert not some.success
    left_out = len(definitions.warehouse.keys) - 1  # every asset but published/dau
    assert f"refused: {left_out} of the warehouse's assets were left out" in _failure(some)


def test_a_failing_run_fails_with_its_one_line_cause(dagster, duckdb_warehouse, monkeypatch):
    dg, definitions = dagster
    nobody_listens = f"postgresql://reader:secret@127.0.0.1:{free_port()}/chemlink"
    monkeypatch.setenv("SOURCES__CHEMLINK__CREDENTIALS", nobody_listens)
    failed = materialize(dg, definitions)
    assert not failed.success and materialized(failed) == set()
    record = run_history(duckdb_warehouse)[-1]
    assert record["status"] == "failure"
    assert record["error"].startswith("cannot reach the ChemLink database (database chemlink on")
    # the description is the CLI's last line
    assert _failure(failed) == f"finished: failure: {record['error']}"


def _failure(result) -> str:
    """The description of the failure that ended a run."""
    (step_failure,) = [event for event in result.all_events if event.is_step_failure]
    return step_failure.step_failure_data.user_failure_data.description


@pytest.fixture
def dagster_ui(tmp_path, duckdb_warehouse):
    """`dagster-webserver` on the code location, as `make dagster` serves it; its URL."""
    port = free_port()
    shutil.copy(REPO_ROOT / "orchestration" / "dagster" / "dagster.yaml", tmp_path)
    environment = os.environ | duckdb_warehouse.env() | {"DAGSTER_HOME": str(tmp_path)}
    server = subprocess.Popen(
        [*WEBSERVER, "-m", LOCATION, "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "webserver.log").open("w"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        assert server.poll() is None, (tmp_path / "webserver.log").read_text()[-2000:]
        assert time.monotonic() < deadline, "dagster-webserver did not answer in two minutes"
        try:
            urllib.request.urlopen(f"{url}/server_info", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    yield url
    server.terminate()
    server.wait(timeout=60)


def test_the_ui_draws_the_asset_graph_with_the_marts(dagster_ui):
    with sync_playwright() as playwright:
        browser = chromium(playwright)
        tab = browser.new_page(viewport={"width": 1400, "height": 900})
        # the global lineage: one node per group, raw tables to published marts
        tab.goto(f"{dagster_ui}/asset-groups")
        tab.get_by_text("Global asset lineage").wait_for()
        for group in GROUPS:
            tab.get_by_text(group, exact=True).first.wait_for()
        # a published mart, drawn with the mart it publishes (an edge into the marts group)
        tab.goto(f"{dagster_ui}/locations/{LOCATION}/asset-groups/published")
        mart = tab.get_by_text("growth_rate_monthly", exact=True)
        mart.first.wait_for()
        screenshot = REPO_ROOT / "artifacts" / "dagster.png"
        screenshot.parent.mkdir(exist_ok=True)
        tab.screenshot(path=screenshot)
        assert mart.count() == 2  # the published asset's node, and its upstream mart
        browser.close()
