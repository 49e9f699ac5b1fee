"""The ChemLink source: profiles and the core product."""

from __future__ import annotations

import dlt
from dlt.sources import DltResource

from dlt_pipelines.sources.postgres_reader import source_resources
from dlt_pipelines.sources.tables import SourceTable

# Emails and names are not extracted: the warehouse never holds them.
PERSONAL_COLUMNS = ("email", "first_name", "last_name")

TABLES = (
    SourceTable("persons", ("updated_at",), excluded_columns=PERSONAL_COLUMNS),
    SourceTable("view_access", ("updated_at",)),
    SourceTable("query_votes", ("updated_at",)),
    SourceTable("collections", ("updated_at",)),
    SourceTable("query_embeddings", ("created_at",), excluded_columns=("embedding",)),
)


@dlt.source(name="chemlink")
def chemlink(
    credentials: str = dlt.secrets.value,
    lag_seconds: int = dlt.config.value,
    reconcile_every_hours: dict[str, float] | None = None,
    versions_only: bool = False,
) -> list[DltResource]:
    """Every ChemLink table of the spec, incrementally."""
    return source_resources(
        "ChemLink",
        "chemlink",
        credentials,
        TABLES,
        lag_seconds,
        reconcile_every_hours,
        versions_only,
    )
