"""dbt for the Spark backend, its connections closed as the backend's
cursors are (spark.ignoring_missing_llap): dbt closes its connection after
every node, and the Spark 4 wheel's Thrift server can fail such a close for
want of a jar it lacks (SPARK-51041), which turned a node into an error at
random (1 run in 5 of the Spark parity test on 2026-12-02).

    python -m dlt_pipelines.backends.spark_dbt <dbt arguments>
"""

from __future__ import annotations

import sys

from dbt.cli.main import cli
from pyhive import hive

from dlt_pipelines.backends.spark import ignoring_missing_llap

if __name__ == "__main__":
    hive.Connection.close = ignoring_missing_llap(hive.Connection.close)
    sys.exit(cli())
