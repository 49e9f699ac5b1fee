"""The 11 dashboard metrics queried live on the source databases.

Each query in `live_metrics/` reads docs/metrics.md directly against one
source database, independently of the dbt models: the end-to-end tests
compare the marts with them, and the benchmark times them against the marts
(the old dashboard's way of answering).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dlt_pipelines.postgres_url import PostgresUrl
from scripts.demo.source_databases import SourceUrls

QUERY_DIR = Path(__file__).resolve().parent / "live_metrics"
METRIC_SOURCES = {
    "new_users_monthly": "chemlink",
    "growth_rate_monthly": "chemlink",
    "dau": "engagement",
    "mau": "engagement",
    "activity_by_type_monthly": "engagement",
    "activity_distribution_current": "engagement",
    "activity_intensity_levels": "engagement",
    "dau_comprehensive": "chemlink",
    "mau_comprehensive": "chemlink",
    "user_type": "chemlink",
    "collections_privacy": "chemlink",
}


def live_metric(name: str, urls: SourceUrls, as_of: date) -> list[tuple]:
    """Rows of metric `name` computed on its source database, in the view's order."""
    sql = (QUERY_DIR / f"{name}.sql").read_text()
    conn = PostgresUrl.parse(getattr(urls, METRIC_SOURCES[name])).connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, {"as_of": as_of})
            return cursor.fetchall()
    finally:
        conn.close()
