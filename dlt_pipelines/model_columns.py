"""The source columns the warehouse's models read.

dbt's sources files (warehouse/models/staging/<source>/_<source>__sources.yml)
list, per table, the columns the staging models read. The pipeline checks
them against the source's catalog before loading anything, so a column
renamed or dropped at the source stops the run with a message naming the
column and the model, instead of loading NULLs the build would publish.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from dlt_pipelines import REPO_ROOT

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
