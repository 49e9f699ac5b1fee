"""A build's identity includes its code: a deploy of a new, changed or
removed model, a changed macro or a changed var reaches the published
warehouse in the next scheduled run, with no new source row (the build's
marker records a digest of the code; builds.code_digest). Each run reads a
copy of the project (DBT_PROJECT_DIR), which the test changes as an
analyst would, on a copy of a published DuckDB warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dlt_pipelines.run.dbt import PROJECT_DIR
from tests.helpers import rows, run_history, scheduled_run

WARNING, FAILURE = 1, 2
NEW_MART = """\
with

persons as (
    select * from {{ ref('int_persons_unioned') }}
),

final as (
    select count(*) * FACTOR as live_persons
    from persons
    where is_live
)

select * from final
"""
NEW_MART_YML = """\
version: 2

models:
  - name: live_persons_total
    description: How many persons are live in ChemLink.
    columns:
      - name: live_persons
        data_type: bigint
        description: Live persons.
"""


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the dbt project, which the test changes."""
    copy = tmp_path / "warehouse"
    shutil.copytree(PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs"))
    return copy


def test_new_changed_and_removed_code_reaches_the_published_warehouse(project, published, sources):
    def run(expected: int):
        done = scheduled_run(published, sources, DBT_PROJECT_DIR=str(project))
        assert done.returncode == expected, done.stdout[-3000:]
        return done

    live = "select count(*) from intermediate.int_persons_unioned where is_live"
    (live_persons,) = rows(published, live)[0]
    mart = project / "models" / "marts" / "cross_source" / "live_persons_total"

    # a new mart, with its YAML: published by the next run
    mart.with_suffix(".sql").write_text(NEW_MART.replace("FACTOR", "1"))
    mart.with_suffix(".yml").write_text(NEW_MART_YML)
    new = run(WARNING)  # the template's ghosts warn, as in every run
    assert "dbt build: what changed" in new.stdout
    assert rows(published, "select live_persons from marts.live_persons_total") == [(live_persons,)]
    unchanged = run(WARNING)
    assert f"nothing changed since run {run_history(published)[-2]['run_id']}" in unchanged.stdout

    # a changed model, and a changed macro: the models that call it are built again
    mart.with_suffix(".sql").write_text(NEW_MART.replace("FACTOR", "2"))
    macro = project / "macros" / "percentage.sql"
    body = "{% macro percentage(part, whole) -%}\n"
    macro.write_text(macro.read_text().replace(body, body + "    {#- a note -#}\n"))
    changed = run(WARNING)
    assert rows(published, "select live_persons from marts.live_persons_total") == [
        (2 * live_persons,)
    ]
    assert "model marts.user_type" in changed.stdout  # it calls percentage()
    assert "model marts.dau " not in changed.stdout  # it does not

    # a removed model leaves the published warehouse
    mart.with_suffix(".sql").unlink()
    mart.with_suffix(".yml").unlink()
    removed = run(WARNING)
    assert "dropped live_persons_total from marts: no model makes them" in removed.stdout
    assert not published.has_table("marts", "live_persons_total")
    assert not published.has_table("mart_tables", "live_persons_total")

    # a changed var: the orphans are errors now, and nothing is published
    settings = project / "dbt_project.yml"
    settings.write_text(
        settings.read_text().replace("orphan_test_severity: warn", "orphan_test_severity: error")
    )
    before = run_history(published)[-1]["run_id"]
    failed = run(FAILURE)
    last = failed.stdout.strip().splitlines()[-1]
    assert "dbt build failed, nothing was published" in last
    assert "fail: has_live_chemlink_person_stg_engagement__posts_person_id (" in last
    assert f"live: build {before}" in scheduled_run(published, sources, "--status").stdout
