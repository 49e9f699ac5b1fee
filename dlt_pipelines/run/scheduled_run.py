"""The scheduled run: extract both sources, build and test, publish, report.

    python -m dlt_pipelines.run [--as-of YYYY-MM-DD] [--vars '{orphan_test_severity: error}']

For cron, a systemd timer or CI (README, "Running in production"). One run
at a time per warehouse: a run that finds another one holding the lock does
not start, and says which run holds it. The run loads and builds apart from
what readers see and publishes only a build whose dbt tests passed (see
publish.py). Every run is recorded in ops.run_history (see history.py).

Exit codes: 0 success; 1 published, with warnings (tests or freshness
warned); 2 failed, nothing new published; 3 not started, another run holds
the lock.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime

import dlt
import yaml

from dlt_pipelines.exceptions import BuildFailed, RunLockBusy, UrlError, WarehouseError
from dlt_pipelines.postgres_url import PostgresUrl
from dlt_pipelines.run.alerts import send_failure_alert
from dlt_pipelines.run.dbt import run_dbt
from dlt_pipelines.run.history import RunHistory, RunRecord
from dlt_pipelines.run.load import load_sources
from dlt_pipelines.run.lock import run_lock
from dlt_pipelines.run.publish import build_area, publish
from dlt_pipelines.sources import SOURCES
from dlt_pipelines.warehouse import Warehouse

EXIT_CODES = {"success": 0, "warning": 1, "failure": 2, "busy": 3}
DBT_TARGET = ".dbt-target"  # the run's own dbt artifacts and logs, beside the warehouse
UNIT_TESTS_EXCLUDED = ["build", "--exclude-resource-type", "unit_test"]


def run(
    warehouse: Warehouse,
    as_of: date | None = None,
    credentials: dict[str, str] | None = None,
    dbt_vars: dict | None = None,
) -> RunRecord:
    """One complete run; returns its record (status: success, warning, failure, busy)."""
    record = RunRecord(warehouse.describe(), as_of.isoformat() if as_of else None)
    history = RunHistory(warehouse.run_file(".runs.jsonl"))
    try:
        with run_lock(warehouse.run_file(".run.lock"), record.run_id):
            for abandoned in history.close_abandoned():
                _log(record, f"run {abandoned.run_id} had died; its lock is reclaimed")
            history.save(record)
            try:
                _build_and_publish(warehouse, as_of, credentials, dbt_vars, record, history)
            except Exception as error:  # recorded, reported, and turned into exit code 2
                record.finish("failure", _redact(f"{error}", warehouse, credentials))
            history.save(record)
            if warehouse.target == "postgres":
                _write_history(history, warehouse, record)
    except RunLockBusy as busy:
        record.finish("busy", str(busy))
    if record.status == "failure":
        _log(record, send_failure_alert(record))
    warnings = [p for results in record.dbt_results.values() for p in results["problems"]]
    detail = record.error or "; ".join(warnings)
    _log(record, f"finished: {record.status}" + (f": {detail}" if detail else ""))  # the last line
    return record


def _build_and_publish(
    warehouse: Warehouse,
    as_of: date | None,
    credentials: dict[str, str] | None,
    dbt_vars: dict | None,
    record: RunRecord,
    history: RunHistory,
) -> None:
    """Load and build apart from the published warehouse; publish if dbt passed."""
    with build_area(warehouse) as build:
        _log(record, f"extract and load both sources into {warehouse.describe()}")
        record.rows_loaded = load_sources(build, credentials, progress=sys.stdout.isatty())
        _log(record, f"loaded {sum(record.rows_loaded.values())} rows")
        _log(record, "dbt build: models and tests")
        artifacts = warehouse.run_file(DBT_TARGET)
        # unit tests check the models' code, not the data: `make test` and CI run them
        built = run_dbt(UNIT_TESTS_EXCLUDED, build, as_of, dbt_vars, target_dir=artifacts)
        record.dbt_results["build"] = built.summary()
        if built.failed:
            raise BuildFailed(f"dbt build failed, nothing was published: {built.cause()}")
        _log(record, "dbt source freshness")
        fresh = run_dbt(["source", "freshness"], build, as_of, dbt_vars, target_dir=artifacts)
        record.dbt_results["freshness"] = fresh.summary()
        if fresh.failed:
            raise BuildFailed(f"source freshness failed, nothing was published: {fresh.cause()}")
        record.finish("warning" if built.warned or fresh.warned else "success")
        history.save(record)
        if warehouse.target == "duckdb":
            history.write_to(build)
        publish(warehouse, build)
        _keep_dbt_state(warehouse, build.schema_suffix)
        _log(record, f"published {warehouse.describe()}")


def _write_history(history: RunHistory, warehouse: Warehouse, record: RunRecord) -> None:
    """Copy the journal into ops.run_history, unless the warehouse is unreachable
    (the failure is then the run's own; the journal keeps the record)."""
    try:
        history.write_to(warehouse)
    except WarehouseError:
        _log(record, f"ops.run_history not updated; the record is in {history.journal}")


def _keep_dbt_state(warehouse: Warehouse, build_suffix: str) -> None:
    """Keep the published build's dbt manifest, naming the relations as
    published (without the build's schema suffix): `make changed` compares
    the project with it, and `make dbt` on PostgreSQL defers to it."""
    state = warehouse.run_file(".dbt-state")
    state.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((warehouse.run_file(DBT_TARGET) / "manifest.json").read_text())
    for node in manifest["nodes"].values() if build_suffix else ():
        node["schema"] = node["schema"].removesuffix(build_suffix)
        if node.get("relation_name"):
            node["relation_name"] = node["relation_name"].replace(f'{build_suffix}"', '"')
    (state / "manifest.json").write_text(json.dumps(manifest))


def _redact(text: str, warehouse: Warehouse, credentials: dict[str, str] | None) -> str:
    """The text with every configured password masked (belt and braces)."""
    if warehouse.postgres:
        text = warehouse.postgres.redact(text)
    urls = [*(credentials or {}).values()]
    urls += [dlt.secrets.get(f"sources.{name}.credentials") for name in SOURCES]
    for url in filter(None, urls):
        try:
            text = PostgresUrl.parse(url).redact(text)
        except UrlError:
            continue  # an unreadable URL was reported as such, without its parts
    return text


def _log(record: RunRecord, message: str) -> None:
    """One plain, timestamped line per step."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"{stamp} run {record.run_id}: {message}", flush=True)


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
    args = parser.parse_args()
    try:
        warehouse = Warehouse.from_env()
    except WarehouseError as error:
        raise SystemExit(f"error: {error}") from None
    record = run(warehouse, args.as_of, dbt_vars=args.vars)
    sys.exit(EXIT_CODES[record.status])


if __name__ == "__main__":
    main()
