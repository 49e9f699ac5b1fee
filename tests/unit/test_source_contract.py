"""The source contract is checked before anything is read, naming every gap."""

from __future__ import annotations

import pytest

from dlt_pipelines.exceptions import SourceError
from dlt_pipelines.sources import chemlink, engagement, sources_configured
from dlt_pipelines.sources.contract import (
    check_configured_tables,
    check_contract,
    columns_models_read,
)

WHERE = "database engagement on db:5432"


def full_catalog() -> dict[str, dict[str, str]]:
    """A catalog with every column the pipeline and the models read."""
    read = columns_models_read("engagement")
    return {
        table.name: dict.fromkeys({*table.required_columns, *read.get(table.name, [])}, "text")
        for table in engagement.TABLES
    }


def test_a_complete_catalog_passes():
    check_contract(full_catalog(), engagement.TABLES, "Engagement", WHERE, "engagement")


def test_every_missing_table_and_column_is_named_with_who_needs_it():
    catalog = full_catalog()
    del catalog["group_members"]
    del catalog["reports"]["resolved_at"]  # a cursor: the pipeline needs it
    del catalog["posts"]["status"]  # read by the staging model
    with pytest.raises(SourceError) as error:
        check_contract(catalog, engagement.TABLES, "Engagement", WHERE, "engagement")
    message = str(error.value)
    assert message.startswith(
        "the Engagement database (database engagement on db:5432) does not match the contract"
        " (docs/sources.md): "
    )
    assert "column posts.status is missing (stg_engagement__posts reads it)" in message
    assert "column reports.resolved_at is missing (the pipeline needs it)" in message
    assert "table group_members is missing" in message
    assert "Nothing was loaded or published" in message


def test_configured_table_names_must_be_tables_of_the_source():
    check_configured_tables({"persons": 24}, chemlink.TABLES, "ChemLink")
    with pytest.raises(SourceError, match="reconcile_every_hours names posts; drop, which"):
        check_configured_tables({"posts; drop": 1}, chemlink.TABLES, "ChemLink")


def test_one_source_configured_without_the_other_is_refused(monkeypatch):
    monkeypatch.setenv("SOURCES__CHEMLINK__CREDENTIALS", "postgresql://u:p@localhost/chemlink")
    monkeypatch.delenv("SOURCES__ENGAGEMENT__CREDENTIALS", raising=False)
    with pytest.raises(SourceError, match="SOURCES__ENGAGEMENT__CREDENTIALS"):
        sources_configured()
