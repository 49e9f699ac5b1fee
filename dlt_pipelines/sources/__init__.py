"""The source databases, one dlt source each; `SOURCES` names them as dlt,
the raw datasets (`raw_<name>`), dbt and the staging folders do."""

from __future__ import annotations

import dlt

from dlt_pipelines.exceptions import SourceError
from dlt_pipelines.sources import chemlink, engagement

SOURCES = {"chemlink": chemlink.chemlink, "engagement": engagement.engagement}
TABLES = {"chemlink": chemlink.TABLES, "engagement": engagement.TABLES}


def sources_configured() -> bool:
    """Tell whether credentials for both sources are set; fail if only one is."""
    configured = {name: dlt.secrets.get(f"sources.{name}.credentials") for name in SOURCES}
    if all(configured.values()):
        return True
    if any(configured.values()):
        missing = [name for name, value in configured.items() if not value]
        raise SourceError(
            f"credentials are set for one source but not for {missing[0]}: set "
            f"SOURCES__{missing[0].upper()}__CREDENTIALS too (or neither, for the demo)"
        )
    return False
