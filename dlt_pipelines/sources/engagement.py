"""The Engagement source: the social layer."""

from __future__ import annotations

import dlt
from dlt.sources import DltResource

from dlt_pipelines.sources.postgres_reader import source_resources
from dlt_pipelines.sources.tables import SourceTable

TABLES = (
    SourceTable("posts", ("updated_at",)),
    SourceTable("comments", ("updated_at",)),
    SourceTable("mentions", ("created_at",)),  # insert-only
    # no updated_at: a later resolution only moves resolved_at
    SourceTable("reports", ("created_at", "resolved_at")),
    SourceTable("groups", ("updated_at",)),
    SourceTable("group_members", ("updated_at",)),
)


@dlt.source(name="engagement")
def engagement(
    credentials: str = dlt.secrets.value,
    lag_seconds: int = dlt.config.value,
    reconcile_every_hours: dict[str, float] | None = None,
    versions_only: bool = False,
) -> list[DltResource]:
    """Every Engagement table of the spec, incrementally."""
    return source_resources(
        "Engagement",
        "engagement",
        credentials,
        TABLES,
        lag_seconds,
        reconcile_every_hours,
        versions_only,
    )
