"""The warehouse, one backend per engine: DuckDB (duckdb.py, the default),
PostgreSQL (postgres.py) and Spark (spark.py), each a `Warehouse` (base.py).
`Warehouse.from_env()` picks one from WAREHOUSE_TARGET."""

from dlt_pipelines.backends.base import BACKENDS, Slot, Warehouse

__all__ = ["BACKENDS", "Slot", "Warehouse"]
