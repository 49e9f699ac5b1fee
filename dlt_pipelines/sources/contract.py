"""The source contract (docs/sources.md), checked before anything is read.

The pipeline needs each table's key and cursor columns (tables.py); dbt's
sources files (warehouse/models/staging/<source>/_<source>__sources.yml)
list, per table, the columns the staging models read. Both are checked
against the source's catalog before loading anything, so a table or column
renamed or dropped at the source stops the run with a message naming it and
who needs it, instead of loading NULLs the build would publish.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.exceptions import SourceError
from dlt_pipelines.sources.tables import SourceTable

STAGING_DIR = REPO_ROOT / "warehouse" / "models" / "staging"


def sources_file(source: str) -> Path:
    """The dbt sources file of a source."""
    return STAGING_DIR / source / f"_{source}__sources.yml"


def columns_models_read(source: str) -> dict[str, list[str]]:
    """{table: [columns]} that the staging models read from the source."""
    spec = yaml.safe_load(sources_file(source).read_text())
    (entry,) = [s for s in spec["sources"] if s["name"] == source]
    return {
        table["name"]: [column["name"] for column in table.get("columns", [])]
        for table in entry["tables"]
    }


def check_contract(
    catalog: dict[str, dict[str, str]],
    tables: tuple[SourceTable, ...],
    label: str,
    where: str,
    section: str,
) -> None:
    """Fail with every missing table and column named, before anything is read:
    the keys and cursors the pipeline needs, and the columns the models read."""
    read_by_models = columns_models_read(section)
    problems = []
    for table in tables:
        if table.name not in catalog:
            problems.append(f"table {table.name} is missing")
            continue
        present = catalog[table.name]
        problems += [
            f"column {table.name}.{column} is missing (the pipeline needs it)"
            for column in table.required_columns
            if column not in present
        ]
        problems += [
            f"column {table.name}.{column} is missing (stg_{section}__{table.name} reads it)"
            for column in read_by_models.get(table.name, [])
            if column not in present and column not in table.required_columns
        ]
    if problems:
        raise SourceError(
            f"the {label} database ({where}) does not match the contract "
            f"(docs/sources.md): {'; '.join(problems)}. Nothing was loaded or "
            f"published. Fix the source, or the models and {sources_file(section).name}."
        )


def check_configured_tables(
    configured: dict[str, float], tables: tuple[SourceTable, ...], label: str
) -> None:
    """Configured table names must be tables the source has; checked before any SQL."""
    known = {table.name for table in tables}
    unknown = sorted(set(configured) - known)
    if unknown:
        raise SourceError(
            f"reconcile_every_hours names {', '.join(unknown)}, which the {label} source "
            f"does not have (it has {', '.join(sorted(known))}); fix dlt_pipelines/.dlt/config.toml"
        )
