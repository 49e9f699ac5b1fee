"""For the people who read and extend the warehouse: documented marts,
conventions that hold without anyone remembering them, the docs site, and
the fast check an analyst runs before pushing."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date

import pytest

from dlt_pipelines import DBT, REPO_ROOT
from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from dlt_pipelines.dashboard.render import CHARTS
from dlt_pipelines.run.dbt import PROJECT_DIR
from tests.conftest import NEWEST_POSTGRES
from tests.helpers import rows


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    """dbt's parsed project (no warehouse needed)."""
    target = tmp_path_factory.mktemp("parse")
    subprocess.run(
        [DBT, "parse", "--project-dir", PROJECT_DIR, "--profiles-dir", PROJECT_DIR,
         "--target-path", target],
        cwd=REPO_ROOT,
        env=os.environ | {"WAREHOUSE_TARGET": "duckdb", "WAREHOUSE_DUCKDB_PATH": ":memory:"},
        check=True,
        capture_output=True,
    )  # fmt: skip
    return json.loads((target / "manifest.json").read_text())


def models(manifest: dict) -> dict[str, dict]:
    """The project's models by name."""
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def test_every_model_and_every_mart_column_is_described(manifest):
    undescribed = [name for name, model in models(manifest).items() if not model["description"]]
    assert undescribed == []
    marts = {name: m for name, m in models(manifest).items() if m["schema"] == "marts"}
    assert len(marts) == 20
    bare = [
        f"{name}.{column}"
        for name, mart in marts.items()
        for column, spec in mart["columns"].items()
        if not spec["description"]
    ]
    assert bare == []


def test_every_model_has_a_key_tested_unique_and_not_null(manifest):
    # not null: a data test, or a constraint the database enforces (marts)
    tests: dict[str, set[tuple[str, str | None]]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("attached_node"):
            test = (node["test_metadata"]["name"], node.get("column_name"))
            tests.setdefault(node["attached_node"].split(".")[-1], set()).add(test)
    for name, model in models(manifest).items():
        for column, spec in model["columns"].items():
            if any(c["type"] == "not_null" for c in spec.get("constraints", [])):
                tests.setdefault(name, set()).add(("not_null", column))

    def key_tested(name: str) -> bool:
        return any(kind == "unique_combination" for kind, _ in tests.get(name, ())) or any(
            ("not_null", column) in tests[name]
            for kind, column in tests.get(name, ())
            if kind == "unique"
        )

    # a view that only filters one model has that model's key, tested there
    inherited = {
        name: model["config"]["meta"]["key_tested_on"]
        for name, model in models(manifest).items()
        if "key_tested_on" in model["config"].get("meta", {})
    }
    for name, parent in inherited.items():
        model = models(manifest)[name]
        assert model["depends_on"]["nodes"] == [f"model.chemlink_warehouse.{parent}"], name
        assert model["config"]["materialized"] == "view", name
        assert not re.search(r"\b(join|union|unnest|lateral|explode)\b", model["raw_code"], re.I), (
            name
        )
        assert key_tested(parent), name
    untested = [name for name in models(manifest) if name not in inherited and not key_tested(name)]
    assert untested == []


def test_the_catalog_says_who_loads_what_and_what_each_macro_does(manifest):
    assert {s["source_name"]: s["loader"] for s in manifest["sources"].values()} == {
        "chemlink": "dlt",
        "engagement": "dlt",
    }
    own = [m for m in manifest["macros"].values() if m["package_name"] == "chemlink_warehouse"]
    assert len(own) > 20
    assert [m["name"] for m in own if not m["description"]] == []
    marts = [m for m in models(manifest).values() if m["schema"] == "marts"]
    assert {(m["access"], m["config"]["contract"]["enforced"]) for m in marts} == {("public", True)}


def test_exposures_declare_who_reads_what(manifest):
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    dashboard = exposures["analytics_dashboard"]
    assert dashboard["type"] == "dashboard"
    read = {uid.split(".")[-1] for uid in dashboard["depends_on"]["nodes"]}
    assert read == set(CHARTS) | {"cross_source_orphans"}  # what the dashboard reads
    assert exposures["person_features_training"]["type"] == "ml"


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_docs_site_is_generated_and_served(seed_warehouse, dbt_artifacts):
    env = os.environ | seed_warehouse.env()
    dirs = ["--project-dir", PROJECT_DIR, "--profiles-dir", PROJECT_DIR]
    subprocess.run([DBT, "docs", "generate", *dirs], cwd=REPO_ROOT, env=env, check=True)
    catalog = json.loads((dbt_artifacts / "catalog.json").read_text())
    assert "model.chemlink_warehouse.activation_funnel" in catalog["nodes"]
    port = free_port()
    server = subprocess.Popen(
        [DBT, "docs", "serve", *dirs, "--port", str(port), "--no-browser"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html") as page:
                    assert page.status == 200
                    assert "dbt" in page.read().decode().lower()
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("dbt docs serve did not answer")
    finally:
        server.terminate()
        server.wait()


def test_changed_check_builds_only_the_change_and_its_descendants(
    seed_warehouse, manifest, tmp_path
):
    project = tmp_path / "warehouse"
    shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    changed = project / "models" / "staging" / "chemlink" / "stg_chemlink__query_embeddings.sql"
    one_line = ("model as embedding_model,", "model as embedding_model,  -- who embedded it")
    changed.write_text(changed.read_text().replace(*one_line))
    check = subprocess.run(
        [sys.executable, "-m", "scripts.tools.check_changes", "--project-dir", str(project)],
        cwd=REPO_ROOT,
        env=os.environ | seed_warehouse.env(),
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    built = check.stdout.split("Built ")[1].split("\n")[0]
    # the changed model and every model downstream of it, nothing else
    expected, frontier = set(), ["model.chemlink_warehouse.stg_chemlink__query_embeddings"]
    while frontier:
        node = frontier.pop()
        expected.add(node.split(".")[-1])
        frontier += [c for c in manifest["child_map"][node] if c.startswith("model.")]
    assert built == f"{len(expected)} models: {', '.join(sorted(expected))}"
    assert expected == {
        "stg_chemlink__query_embeddings",
        "int_source_rows_summarized",
        "data_quality_summary",
    }
    assert "not_null_stg_chemlink__query_embeddings_query_embedding_id" in check.stdout
    assert "data_quality_summary.data_quality_summary_shares_orphans_and_loads" in check.stdout
    assert "stg_chemlink__persons" not in check.stdout


def test_unit_test_names_fit_postgresql_identifiers(manifest):
    # dbt names a unit test's temporary relation after it; PostgreSQL cuts at 63
    too_long = [t["name"] for t in manifest["unit_tests"].values() if len(t["name"]) > 63]
    assert too_long == []


def dev_dbt(warehouse: Warehouse, *arguments: str) -> subprocess.CompletedProcess:
    """`make dbt` on that warehouse, as of 2025-10-01 (the published: 2025-11-03)."""
    return subprocess.run(
        [sys.executable, "-m", "scripts.tools.dev_dbt", "--as-of", "2025-10-01", "--", *arguments],
        cwd=REPO_ROOT,
        env=os.environ | warehouse.env(),
        capture_output=True,
        text=True,
    )


LAST_MONTH = "select max(signup_month) from {schema}.new_users_monthly"


def test_ad_hoc_dbt_works_on_a_duckdb_copy_and_says_where(seed_warehouse):
    published = seed_warehouse.path.read_bytes()
    run = dev_dbt(seed_warehouse, "run", "--select", "new_users_monthly")
    assert run.returncode == 0, run.stdout[-3000:]
    copy = seed_warehouse.path.parent / "dev" / "warehouse.duckdb"
    assert f"dbt worked on the development copy: DuckDB file {copy}" in run.stdout
    assert seed_warehouse.path.read_bytes() == published  # what BI tools read
    last_month = LAST_MONTH.format(schema="marts")
    assert rows(DuckDBWarehouse(copy), last_month) == [(date(2025, 10, 1),)]
    assert rows(seed_warehouse, last_month) == [(date(2025, 11, 1),)]


def test_ad_hoc_dbt_on_postgres_builds_dev_schemas_over_the_published_ones(random_warehouses):
    warehouse, _ = random_warehouses[f"postgres {NEWEST_POSTGRES}"]
    run = dev_dbt(warehouse, "run", "--select", "new_users_monthly")
    assert run.returncode == 0, run.stdout[-3000:]
    assert "dbt worked on the development copy: PostgreSQL database" in run.stdout
    assert "(schemas *__dev)" in run.stdout
    # only the selected model was built; what it reads came from the published schemas
    assert rows(warehouse, LAST_MONTH.format(schema="marts__dev")) == [(date(2025, 10, 1),)]
    assert rows(warehouse, LAST_MONTH.format(schema="marts")) == [(date(2025, 11, 1),)]
    assert (
        rows(
            warehouse,
            "select table_schema from information_schema.tables where table_schema like '%__dev'"
            " and table_name not like 'new_users_monthly'",
        )
        == []
    )
