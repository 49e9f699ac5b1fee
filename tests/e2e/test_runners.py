"""Runners that keep no disk: a container started by cron, a CI job, Dagster
on one host and cron on another. Each runner here is a process with an
empty folder of its own (WAREHOUSE_RUN_FILES_DIR: its cache); what they
share is the warehouse, which keeps what the runs remember (run/state.py):
the lock, the journal, the builds' records, the pin. On PostgreSQL here;
on Spark in tests/spark/test_spark_runners.py."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from dlt_pipelines.backends.state_store import FolderStore
from tests.helpers import (
    RUN,
    execute,
    last_line,
    marts,
    raw_counts,
    run_environment,
    run_history,
    runner,
    scheduled_run,
    source_counts,
    source_rows,
)
from tests.source_changes import change

SUCCESS, WARNING, FAILURE, BUSY = 0, 1, 2, 3


def test_a_fresh_runner_sees_what_other_runners_published_pinned_and_ran(
    sources, published_postgres, tmp_path
):
    warehouse = published_postgres
    live = run_history(warehouse)[-1]["run_id"]
    fresh = scheduled_run(warehouse, sources, **runner(tmp_path, "a"))
    assert fresh.returncode == WARNING  # the template's ghosts, still reported
    assert f"nothing changed since run {live}: nothing to build or publish" in fresh.stdout
    assert "Running with dbt" not in fresh.stdout  # no dbt, so no model ran
    assert run_history(warehouse)[-1]["built"] is False

    rolled = scheduled_run(warehouse, sources, "--rollback", **runner(tmp_path, "b"))
    assert rolled.returncode == SUCCESS, rolled.stdout[-3000:]
    good = marts(warehouse)
    change(sources, "update comments", 0.5)
    pinned = scheduled_run(warehouse, sources, **runner(tmp_path, "c"))
    assert pinned.returncode == WARNING, pinned.stdout[-3000:]
    assert "built, published nothing (make release lifts it)" in last_line(pinned)
    assert marts(warehouse) == good

    status = scheduled_run(warehouse, sources, "--status", **runner(tmp_path, "d")).stdout
    assert "pinned: yes, by rollback" in status
    assert "running: no" in status
    assert "state: schema ops of PostgreSQL database" in status
    runs = run_history(warehouse)
    for run in runs[-3:]:  # the fresh runner's, the rollback, the pinned run
        assert f"{run['action']:<8} {run['run_id']}" in status


def test_of_two_runners_started_together_one_builds_the_other_names_it(
    sources, published_postgres, tmp_path
):
    change(sources, "update comments", 0.3)
    started = [
        subprocess.Popen(
            RUN,
            env=run_environment(published_postgres, sources, **runner(tmp_path, name)),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in ("a", "b")
    ]
    outputs = [process.communicate()[0] for process in started]
    codes = sorted(process.returncode for process in started)
    assert codes == [WARNING, BUSY], outputs
    built, refused = sorted(zip(started, outputs, strict=True), key=lambda p: p[0].returncode)
    builder = run_history(published_postgres)[-1]
    assert builder["built"] and builder["pid"] == built[0].pid
    assert "dbt build: what changed" in built[1]
    assert "another run holds the warehouse lock ops.run_lock of PostgreSQL" in refused[1]
    assert f"run {builder['run_id']}, pid {built[0].pid} on " in refused[1]


def dbt_sessions(url: str, database: str) -> int:
    """dbt's connections to the warehouse database (its profile names them)."""
    return source_rows(
        url,
        "select count(*) from pg_stat_activity"
        f" where datname = '{database}' and application_name = 'dbt'",
    )[0][0]


def running_dbt(folder: Path) -> list[int]:
    """The dbt processes writing under the runner's folder (their command lines name it)."""
    found = []
    for process in Path("/proc").iterdir():
        try:
            command = (process / "cmdline").read_bytes().decode(errors="ignore")
        except OSError:
            continue
        if process.name.isdigit() and str(folder) in command and "--target-path" in command:
            found.append(int(process.name))
    return found


def test_a_runner_killed_holding_the_lock_takes_its_dbt_along_and_loses_nothing(
    sources, published_postgres, tmp_path
):
    warehouse = published_postgres
    url, database = warehouse.url.uri(), warehouse.url.dbname
    change(sources, "insert views", 0.4)
    killed_runner = runner(tmp_path, "a")
    killed = subprocess.Popen(
        RUN,
        env=run_environment(warehouse, sources, **killed_runner),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while not dbt_sessions(url, database):  # dbt is building the standby
        assert time.monotonic() < deadline and killed.poll() is None, "dbt never started"
        time.sleep(0.2)
    folder = Path(killed_runner["WAREHOUSE_RUN_FILES_DIR"])
    assert running_dbt(folder)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    deadline = time.monotonic() + 30
    while running_dbt(folder) or dbt_sessions(url, database):
        assert time.monotonic() < deadline, "dbt outlived the runner that started it"
        time.sleep(0.2)

    following = scheduled_run(warehouse, sources, **runner(tmp_path, "b"))
    assert following.returncode == WARNING, following.stdout[-3000:]
    assert "had died; its lock is reclaimed" in following.stdout
    assert [run["status"] for run in run_history(warehouse)][-2:] == ["abandoned", "warning"]
    expected = source_counts(sources)
    assert raw_counts(warehouse, expected) == expected
    assert f"published {warehouse.describe()}" in following.stdout


def test_a_runner_of_the_previous_version_hands_its_files_to_the_warehouse(
    sources, published_postgres, tmp_path
):
    # before this version, a runner kept the lock, journal, builds' records
    # and pin in files of its own, and the markers had no code digest
    warehouse, environment = published_postgres, runner(tmp_path, "old")
    store = warehouse.state_store()
    names = [
        f"builds/{b}/{n}" for b in warehouse.builds for n in ("marker.json", "state/manifest.json")
    ]
    documents = {name: store.read(name) for name in names}
    for name in names[::2]:  # the markers
        documents[name] = json.dumps(
            {k: v for k, v in json.loads(documents[name]).items() if k != "code_digest"}
        ).encode()
    files = FolderStore(
        Path(environment["WAREHOUSE_RUN_FILES_DIR"]) / warehouse.cache_file("").name
    )
    files.write(documents)
    for record in store.records():
        files.save_record(record)
    execute(warehouse.url.uri(), "delete from ops.run_state")
    live = run_history(warehouse)[-1]["run_id"]

    upgraded = scheduled_run(warehouse, sources, **environment)
    assert upgraded.returncode == WARNING, upgraded.stdout[-3000:]
    assert f"took over the run state kept in {files.describe()}" in upgraded.stdout
    assert f"build {live} was made from the code of this version: it is kept" in upgraded.stdout
    assert f"nothing changed since run {live}" in upgraded.stdout
    assert not list(files.path.parent.glob(f"{files.path.name}.runs.jsonl"))
    fresh = scheduled_run(warehouse, sources, **runner(tmp_path, "new"))
    assert f"nothing changed since run {live}" in fresh.stdout
    assert "Running with dbt" not in fresh.stdout
