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
from pathlib import Path

import pytest

from dlt_pipelines import DBT, REPO_ROOT
from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.duckdb import DuckDBWarehouse
from dlt_pipelines.dashboard.render import CHARTS
from dlt_pipelines.run.dbt import PROJECT_DIR
from tests.conftest import NEWEST_POSTGRES
from tests.helpers import copy_warehouse, rows


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


def test_each_mart_belongs_to_its_audience_folder_and_its_owner(manifest):
    groups = {group["name"]: group for group in manifest["groups"].values()}
    assert set(groups) == {"dashboard", "cross_source", "engagement", "training"}
    assert all(group["owner"]["name"] and group["owner"]["email"] for group in groups.values())
    marts = [m for m in models(manifest).values() if m["schema"] == "marts"]
    assert {(m["name"], m["group"]) for m in marts} == {(m["name"], m["fqn"][2]) for m in marts}


def test_every_part_of_a_composite_key_cannot_be_null(manifest):
    nodes = manifest["nodes"]
    tested_not_null = {
        (test["attached_node"], test["column_name"])
        for test in nodes.values()
        if (test.get("test_metadata") or {}).get("name") == "not_null"
    }
    nullable = []
    for test in nodes.values():
        if (test.get("test_metadata") or {}).get("name") != "unique_combination":
            continue
        model = nodes[test["attached_node"]]
        for column in test["test_metadata"]["kwargs"]["columns"]:
            constraints = model["columns"].get(column, {}).get("constraints", [])
            constrained = any(constraint["type"] == "not_null" for constraint in constraints)
            # a mart's contract says it, another model's test
            tested = (model["unique_id"], column) in tested_not_null
            if not (constrained if model["schema"] == "marts" else tested):
                nullable.append(f"{model['name']}.{column}")
    assert nullable == []


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


# a fenced block of docs/adding-a-model.md whose first line names a file
DOC_FILE = re.compile(r"^```\w+\n(?:--|#) (warehouse/\S+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
DOC_COMMANDS = re.compile(r"^```sh\n(make dbt ARGS=.*?)^```", re.MULTILINE | re.DOTALL)


def repository_copy(folder) -> Path:
    """The working tree, copied (times kept, so make finds nothing to
    install), on the environment's .venv, as a git repository with every
    file committed."""
    ignored = shutil.ignore_patterns(".git", ".venv", "data", "artifacts", "target", "logs")
    shutil.copytree(REPO_ROOT, folder, ignore=ignored)
    (folder / ".venv").symlink_to(REPO_ROOT / ".venv")
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the working tree"]):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@x", *command],
                       cwd=folder, check=True)  # fmt: skip
    return folder


def test_the_path_from_a_new_model_to_a_published_mart_as_the_doc_walks_it(
    seed_warehouse, seed_sources, tmp_path
):
    doc = (REPO_ROOT / "docs" / "adding-a-model.md").read_text()
    repository = repository_copy(tmp_path / "repository")
    for path, text in DOC_FILE.findall(doc):
        (repository / path).write_text(text)
    steps = [line for line in DOC_COMMANDS.search(doc)[1].splitlines() if line.startswith("make ")]
    published = copy_warehouse(seed_warehouse, tmp_path / "published")
    # as a user's shell runs them: not inside `make test`'s make
    shell = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    environment = shell | published.env() | seed_sources.as_env() | {"AS_OF": "2025-11-03"}
    said = []
    for step in steps:
        done = subprocess.run(
            step, shell=True, cwd=repository, env=environment, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{step}\n{done.stdout[-4000:]}{done.stderr[-2000:]}"
        said.append(done.stdout)
    built, on_copy, linted, changed, publish, on_published = said

    development = DuckDBWarehouse(published.path.parent / "dev" / "warehouse.duckdb")
    assert f"dbt worked on the development copy: {development.describe()}" in built
    unit_test = "live_persons_by_country::live_persons_by_country_counts_live_signups"
    assert f"PASS {unit_test}" in built  # the unit test ran
    assert "PASS unique_live_persons_by_country_country_code" in built  # and the data test
    assert "0 SQL violations left in 1 changed SQL files" in linted
    assert "Built 1 models: live_persons_by_country" in changed
    assert "(on the development copy: " in changed
    assert f"published {published.describe()}" in publish
    people = rows(
        published,
        "select coalesce(country_code, 'none given'), count(*)"
        " from intermediate.int_persons_unioned where is_live group by 1 order by 1",
    )
    mart = "select * from marts.live_persons_by_country order by country_code"
    assert rows(development, mart) == rows(published, mart) == people
    assert on_copy.splitlines()[-1] == (
        f"({len(people)} rows, from the development copy: {development.describe()})"
    )
    assert on_published.splitlines()[-1] == (
        f"({len(people)} rows, from the published warehouse: {published.describe()})"
    )


def changed(warehouse: Warehouse, project: Path) -> subprocess.CompletedProcess:
    """`make changed` on the warehouse, for the project `project`."""
    return subprocess.run(
        [sys.executable, "-m", "scripts.tools.check_changes", "--project-dir", str(project)],
        cwd=REPO_ROOT,
        env=os.environ | warehouse.env(),
        capture_output=True,
        text=True,
    )


def test_the_analyst_tools_say_what_went_wrong(seed_warehouse, tmp_path):
    project = tmp_path / "warehouse"
    shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    nothing = changed(seed_warehouse, project)
    assert nothing.returncode == 0, nothing.stdout[-3000:]
    assert "Nothing changed since the published build: nothing to build or test." in nothing.stdout

    model = project / "models" / "marts" / "dashboard" / "user_type.sql"
    shipped = model.read_text()
    model.write_text(shipped.replace("ref('int_persons_unioned')", "ref('int_persons_unionned')"))
    typo = changed(seed_warehouse, project)
    assert typo.returncode != 0
    assert "dbt stopped before building anything: Compilation Error" in typo.stdout
    assert "depends on a node named 'int_persons_unionned' which was not found" in typo.stdout
    assert "Nothing changed" not in typo.stdout and "{}" not in typo.stdout

    broken = shipped.replace("group by", "grop by", 1)
    model.write_text(broken)
    source_line = broken.splitlines().index(next(line for line in broken.splitlines()
                                                 if "grop by" in line)) + 1  # fmt: skip
    syntax = changed(seed_warehouse, project)
    assert syntax.returncode != 0
    report = syntax.stdout.split("error in model user_type: ", 1)[1]
    assert 'syntax error at or near "grop"' in report.splitlines()[0]
    assert f"  source: {model}:{source_line}" in report
    assert "/compiled/chemlink_warehouse/models/marts/dashboard/user_type.sql:" in report
    assert "unit test" not in report  # the model's own error, before its unit tests

    model.write_text(shipped)
    mart = project / "models" / "marts" / "dashboard" / "user_type.yml"
    mart.write_text(mart.read_text().replace("values: [Finder, Standard]", "values: [Finder]"))
    failing = changed(seed_warehouse, project)
    assert failing.returncode != 0
    assert "Built 0 models: none" in failing.stdout
    assert "fail  accepted_values_user_type_user_type__Finder" in failing.stdout

    empty = dev_dbt(seed_warehouse, "build", "--select", "growth_rate_montly")
    unknown = dev_dbt(seed_warehouse, "biuld")
    for done, said in (
        (empty, "The selection criterion 'growth_rate_montly' does not match any enabled nodes"),
        (unknown, "No such command 'biuld'. Did you mean 'build'?"),
    ):
        assert done.returncode != 0
        assert "dbt worked" not in done.stdout
        assert "dbt failed on the development copy (DuckDB file " in done.stderr
        assert said in done.stderr
