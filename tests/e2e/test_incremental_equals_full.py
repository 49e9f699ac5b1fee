"""Incremental runs always equal a full rebuild. A seeded random sequence of
changes to the sources (inserts, updates, soft and hard deletes, late
commits, a person leaving, a report resolved) with a scheduled run after
each step; after every run, each mart equals what `dbt build
--full-refresh` makes from the same raw tables, and the run ends as that
full build does: its status, the tests that did not pass and their
failing rows. The sequence has a failure that persists (the template's
ghosts, then a post from the future found in the first step and still
there in the second), a new one and a fixed one (the ghosts come back to
ChemLink in the second step). On DuckDB and on PostgreSQL.

Besides its random changes, each of the first steps makes changes that
move what a mart counts between days, months, persons and cohorts: the
first moves comments a month back and a person leaves for good (a new
ghost), the second brings old posts that no change window covers and
moves signups a month back. PROPERTY_SEED picks another sequence (the
default keeps CI reproducible), PROPERTY_STEPS a longer one (two in `make
test`: the second run loads the late commit of the first). On DuckDB the
first run is the one right after the warehouse's first (its standby
seeded from it). Then a run with nothing changed builds nothing, and new
as-of days, the second in another month (the first with one table
changed), rebuild only what reads the date or that table (once the
standby has caught up), the marts rebuilt by period only the periods that
changed, and still equal a full rebuild."""

from __future__ import annotations

import os
import random
import re
import shutil
from datetime import date

import pytest

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from dlt_pipelines.backends.postgres import PostgresWarehouse
from dlt_pipelines.run.builds import CODE_INVARIANTS
from dlt_pipelines.run.dbt import DbtOutcome, run_dbt
from tests.helpers import (
    AS_OF,
    WITHOUT_DATA_TESTS,
    copy_postgres_warehouse,
    mart,
    marts,
    rows,
    run_history,
    scheduled_run,
)
from tests.source_changes import (
    CHANGES,
    change,
    ghosts,
    ghosts_return,
    late_comment,
    post_from_the_future,
    recent_signup_moved,
)

SEED = int(os.environ.get("PROPERTY_SEED", "20251103"))
STEPS = int(os.environ.get("PROPERTY_STEPS", "2"))
CHANGES_PER_STEP = 4
# in every run, these move events, persons and cohorts between days and months
MOVES = {
    0: ("comments moved a month back", "comments moved to another person", "a person is removed"),
    1: ("old posts arrive late", "signups moved a month back"),
}


FULL_BUILD = ["build", "--full-refresh", "--exclude-resource-type", "unit_test"]
FUTURE = "warn: is_not_in_the_future_stg_engagement__posts_created_at (1 rows)"


def full_rebuild_of(
    warehouse: Warehouse, tmp_path, as_of: date = AS_OF, tests: bool = True
) -> tuple[Warehouse, DbtOutcome]:
    """What --full-refresh makes of the published warehouse's raw tables,
    with every data test (as the runs, not the tests of the code)."""
    if isinstance(warehouse, PostgresWarehouse):
        copy = copy_postgres_warehouse(warehouse, f"full_rebuild_{os.getpid()}")
    else:
        slot = warehouse.published_slot()
        copy = DuckDBWarehouse(tmp_path / "full" / warehouse.path.name)
        copy.path.parent.mkdir(parents=True)
        published = warehouse.path.parent / ".slots" / slot / warehouse.path.name
        shutil.copyfile(published, copy.path)
    arguments = [*FULL_BUILD, "--exclude", *CODE_INVARIANTS] if tests else ["run", "--full-refresh"]
    built = run_dbt(arguments, copy, as_of)
    assert not built.failed, built.cause()
    return copy, built


def ended_as(full: DbtOutcome) -> tuple[str, list[str]]:
    """The status and problems a run ends with after a build like `full`."""
    return ("warning" if full.problems else "success", sorted(full.problems))


def run_ended(warehouse: Warehouse) -> tuple[str, list[str]]:
    """The status and the build's problems of the warehouse's last run (its
    sources are fresh: freshness adds none)."""
    last = run_history(warehouse)[-1]
    assert last["dbt_results"]["freshness"]["problems"] == []
    return last["status"], sorted(last["dbt_results"]["build"]["problems"])


def differing(warehouse: Warehouse, full: Warehouse) -> list[str]:
    """The marts whose rows differ between the two warehouses."""
    ours, theirs = marts(warehouse), marts(full)
    return [model for model in ours if ours[model] != theirs[model]]


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_incremental_runs_equal_a_full_rebuild(target, sources, request, tmp_path):
    warehouse = request.getfixturevalue("published" if target == "duckdb" else "published_postgres")
    generator = random.Random(SEED)
    first, ended, template_ghosts = marts(warehouse), [], ghosts(sources)
    assert template_ghosts  # they warn in every run, until they come back
    for step in range(STEPS):
        for name in [*generator.sample(sorted(CHANGES), CHANGES_PER_STEP), *MOVES.get(step, ())]:
            change(sources, name, generator.random())
        if step == 0:
            post_from_the_future(sources, generator.random())  # a new failure
        if step == 1:
            ghosts_return(sources, template_ghosts)  # a failure fixed
        pending = late_comment(sources) if step == 0 else None  # stamped before the run...
        run = scheduled_run(warehouse, sources)
        assert run.returncode == 1, run.stdout[-3000:]  # published, with warnings
        assert "dbt build: what changed" in run.stdout  # incremental, not everything
        if step == 0:  # the persons whose events or rows changed, of the template's 933
            assert re.search(r"person_features: rebuilt [1-9][0-9]* of 933 persons", run.stdout)
        if pending:
            pending.commit()  # ...committed after it: the next run must load it
            pending.close()
        full, outcome = full_rebuild_of(warehouse, tmp_path / str(step))
        assert differing(warehouse, full) == [], f"seed {SEED}, step {step}"
        assert run_ended(warehouse) == ended_as(outcome), f"seed {SEED}, step {step}"
        ended.append(run_ended(warehouse)[1])
    assert marts(warehouse) != first
    if STEPS >= 2:  # the future post stays reported; the ghosts' warnings went
        assert FUTURE in ended[0] and FUTURE in ended[1]
        assert ended[0] != ended[1]

    unchanged = scheduled_run(warehouse, sources)  # nothing changed
    assert "nothing changed since run" in unchanged.stdout
    assert run_ended(warehouse)[1] == ended[-1]  # as the build it found current
    # new as-of days: the first catches the standby up (it is one build
    # behind); the second, with one table changed, rebuilds what reads the
    # date and what depends on that table, nothing else; the third catches
    # the other build up; the fourth, with a signup moved from November to
    # October and no activity, rebuilds of the marts rebuilt by period the
    # days that entered the window and those of the old and new as-of date
    # (3 of 30), the as-of month, and of the cohorts every month from October
    runs = {}
    for day in (date(2025, 11, 30), date(2025, 12, 1), date(2025, 12, 2), date(2025, 12, 3)):
        if day == date(2025, 12, 1):  # it crosses a month
            change(sources, "soft-delete collections", generator.random())
        if day == date(2025, 12, 3):
            recent_signup_moved(sources, generator.random())
        run = scheduled_run(warehouse, sources, "--as-of", day.isoformat(), **WITHOUT_DATA_TESTS)
        assert run.returncode == 0, run.stdout[-3000:]
        runs[day] = run.stdout
    one_table = runs[date(2025, 12, 1)]
    assert "dbt build: what changed" in one_table
    assert "int_activity_events_tracked" in one_table  # it reads the collections
    assert "int_persons_unioned" not in one_table  # it reads neither them nor the date
    assert "dau: rebuilt 3 of 30 periods" in run.stdout
    assert "mau: rebuilt 1 of 12 periods" in run.stdout
    assert "retention_cohorts: rebuilt 3 of 12 periods" in run.stdout
    full, _ = full_rebuild_of(warehouse, tmp_path / "new_day", day, tests=False)
    assert differing(warehouse, full) == []
    late = "select count(*) from raw_engagement.comments where content = 'late'"
    assert rows(warehouse, late) == [(1,)]


def table_comment(warehouse: Warehouse, table: str) -> str:
    """A mart's table's comment: its contract's fingerprint and what it was
    built from (DuckDB)."""
    [(comment,)] = rows(
        warehouse,
        "select comment from duckdb_tables()"
        f" where schema_name = 'mart_tables' and table_name = '{table}'",
    )
    return comment


def test_a_build_by_another_command_forgets_what_a_mart_was_built_from(published):
    """A mart rebuilt by period keeps what its table was built from in the
    table's comment; a dbt build by another command than the scheduled run
    (no code digest), here for another as-of date, clears it: the next
    scheduled run rebuilds that mart whole, not the periods it would
    think changed."""
    built_by_the_run = table_comment(published, "dau")
    assert f"; as of {AS_OF.isoformat()} through " in built_by_the_run
    built = run_dbt(["run", "--select", "dau"], published, date(2025, 11, 20))
    assert not built.failed, built.cause()
    assert table_comment(published, "dau") == built_by_the_run.split("; ")[0]


def test_a_mart_made_anew_gets_every_period(published):
    """Where a mart rebuilt by period is made anew (here its view was
    dropped), its SQL computes every period, even under the code its table
    was built with and with nothing changed since."""
    code = table_comment(published, "dau").rsplit(" code ", 1)[1]
    with published.cursor() as cursor:
        cursor.execute("drop view marts.dau")
    built = run_dbt(
        ["run", "--select", "dau"], published, AS_OF, environment={"DBT_CODE_DIGEST": code}
    )
    assert not built.failed, built.cause()
    assert rows(published, "select count(*) from marts.dau") == [(30,)]


def test_a_mart_of_cohorts_that_missed_a_build_of_them_is_rebuilt_whole(published):
    """retention_cohorts rebuilds the months from the oldest cohort a person
    joined or left since its table was built. Here a June signup moves to
    September in a build of the cohorts the mart missed, then to October:
    the cohort it left first, June, is of a state that build never told
    the mart of, so the mart is rebuilt whole (a part, September on, would
    still count the person in June) and equals a build by another command."""
    built_by_the_run = table_comment(published, "retention_cohorts")
    through, code = re.search(r" through (\S+) code (\S+)$", built_by_the_run).groups()
    june = (
        "select min(id) from raw_chemlink.persons where deleted_at is null"
        " and created_at >= '2025-06-01' and created_at < '2025-07-01'"
    )
    [(person,)] = rows(published, june)
    scheduled = {"DBT_CODE_DIGEST": code}
    for months, load, models in ((3, 1, []), (1, 2, ["int_persons_unioned", "retention_cohorts"])):
        with published.cursor() as cursor:
            cursor.execute(
                "update raw_chemlink.persons set"
                f" created_at = created_at + interval {months} month,"
                f" _dlt_load_id = '{float(through) + load}' where id = {person}"
            )
        arguments = ["run", "--select", "int_signup_cohorts_tracked", *models]
        built = run_dbt(arguments, published, AS_OF, environment=scheduled)
        assert not built.failed, built.cause()
    assert not any("retention_cohorts: rebuilt" in line for line in built.output)
    assert rows(published, "select count(*) from mart_tables.retention_cohorts") == [(78,)]
    rebuilt_in_parts = mart(published, "retention_cohorts")
    whole = run_dbt(["run", "--select", "retention_cohorts"], published, AS_OF)
    assert not whole.failed, whole.cause()
    assert mart(published, "retention_cohorts") == rebuilt_in_parts
