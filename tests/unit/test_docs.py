"""The docs cannot drift silently: every repository path and every `make`
target that README.md and docs/ name exists, and the configuration
reference lists exactly the environment variables the project reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.sources import SOURCES

DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]
# made by a run, a build or an install, or ignored by git: named, never committed
GENERATED = (
    "data/",
    ".venv/",
    "artifacts/",
    "warehouse/target",
    "warehouse/logs",
    *(".slots/", ".builds/", ".dbt-state/", "warehouse.duckdb"),  # beside a DuckDB file
    "_run_state/",  # in a Spark lake
)
IGNORED_NAMES = ("secrets.toml",)
SKIPPED_FOLDERS = {".git", ".venv", "data", "artifacts", "target", "logs", "__pycache__"}
PATH_LIKE = re.compile(r"^[\w.][\w./-]*(\.(py|sql|yml|yaml|md|toml|lock|in|j2|cfg)|/)$")
CODE_SPAN = re.compile(r"`([^`]+)`")  # a span may break across lines
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
MAKE = re.compile(r"\bmake ([a-z][a-z0-9-]*)")
FENCED = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
# what reads the environment: os.environ / env mappings, dbt's env_var()
ENV_READ = re.compile(
    r"""(?:environ(?:\.get)?|env\.get|getenv|setenv|env_var)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|env(?:iron)?\[["']([A-Z][A-Z0-9_]+)["']\]"""
)


def repository_files() -> list[str]:
    """Every file of the repository, as a path relative to it."""
    files = []
    for path in REPO_ROOT.rglob("*"):
        parts = path.relative_to(REPO_ROOT).parts
        if path.is_file() and not SKIPPED_FOLDERS & set(parts[:-1]):
            files.append("/".join(parts))
    return files


FILES = repository_files()
FOLDERS = {"/".join(f.split("/")[:i]) + "/" for f in FILES for i in range(1, f.count("/") + 1)}


def exists(name: str, doc: Path) -> bool:
    """A path names something of the repository: from its root, from the
    doc's folder, or as the tail of a repository path (`macros/x.sql`)."""
    name = name.removeprefix("./")
    relative = (doc.parent / name).resolve()
    if relative.exists() and REPO_ROOT in relative.parents:
        return True
    return any(known == name or known.endswith("/" + name) for known in (*FILES, *FOLDERS))


def named_paths(doc: Path) -> set[str]:
    """The repository paths a doc names: in code spans and link targets."""
    text = doc.read_text()
    prose = FENCED.sub("", text)  # a fence's backticks pair with no span
    candidates = {*CODE_SPAN.findall(prose), *LINK.findall(prose)}
    return {
        name
        for name in candidates
        if PATH_LIKE.match(name)
        and "://" not in name
        and not name.startswith(("/", "~", *GENERATED, "../data/"))
        and not name.endswith(IGNORED_NAMES)
    }


def make_targets() -> set[str]:
    """The Makefile's targets."""
    makefile = (REPO_ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z0-9-]*):", makefile, re.MULTILINE))


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(REPO_ROOT)))
def test_every_path_a_doc_names_exists(doc):
    missing = sorted(name for name in named_paths(doc) if not exists(name, doc))
    assert missing == [], f"{doc.name} names what the repository does not have"


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(REPO_ROOT)))
def test_every_make_target_a_doc_names_exists(doc):
    text = doc.read_text()
    code = [*CODE_SPAN.findall(FENCED.sub("", text)), *FENCED.findall(text)]  # not prose
    named = {target for snippet in code for target in MAKE.findall(snippet)}
    assert sorted(named - make_targets()) == []


def variables_read() -> set[str]:
    """The environment variables the project's code, dbt profile and macros
    read, and those dlt reads for its configured secrets."""
    code = [REPO_ROOT / f for f in FILES if f.endswith((".py", ".yml", ".sql"))]
    found = {
        name for path in code for match in ENV_READ.findall(path.read_text()) for name in match
    }
    found.discard("")
    found.discard("PYTEST_XDIST_WORKER")  # pytest-xdist's own
    dlt_secrets = {f"SOURCES__{name.upper()}__CREDENTIALS" for name in SOURCES}
    return found | dlt_secrets | {"ALERTS__WEBHOOK_URL"}


def variables_documented() -> set[str]:
    """The environment variables the configuration reference's tables list."""
    text = (REPO_ROOT / "docs" / "configuration.md").read_text()
    section = text.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    first_cells = re.findall(r"^\| ([^|]+) \|", section, re.MULTILINE)
    return {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}


def test_the_configuration_reference_lists_exactly_the_variables_read():
    assert variables_documented() == variables_read()
