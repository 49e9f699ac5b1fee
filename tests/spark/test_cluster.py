"""The local Spark cluster that `make spark-up` starts: a standalone master,
two workers and the Thrift JDBC/ODBC server, read through the Thrift
endpoint as dbt-spark and BI tools read it, and stopped whole."""

from __future__ import annotations

import json
import urllib.request

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.spark.conftest import listening, spark_ready

spark_ready()
from pyhive import hive  # noqa: E402 (after the skip)

pytestmark = pytest.mark.spark


def test_two_workers_serve_the_thrift_server(cluster):
    assert cluster.running() == ["master", "thrift", "worker-1", "worker-2"]
    with urllib.request.urlopen(f"http://127.0.0.1:{cluster.master_ui_port}/json") as page:
        master = json.load(page)
    assert master["aliveworkers"] == 2
    assert [app["name"] for app in master["activeapps"]] == ["Thrift JDBC/ODBC Server"]


def test_parquet_in_a_folder_is_read_through_thrift(cluster, tmp_path):
    lake = tmp_path / "lake" / "posts"
    lake.mkdir(parents=True)
    for part in range(3):  # three files, as three loads would write them
        rows = pa.table({"id": list(range(part * 10, part * 10 + 10)), "load": [str(part)] * 10})
        pq.write_table(rows, lake / f"{part}.parquet")
    with hive.connect(host="127.0.0.1", port=cluster.thrift_port, username="test") as conn:
        cursor = conn.cursor()
        cursor.execute(f"create table posts using parquet location '{lake}'")
        cursor.execute("select count(*), count(distinct load), max(id) from posts")
        assert cursor.fetchall() == [(30, 3, 29)]
        cursor.execute("set spark.master")
        assert cursor.fetchall() == [("spark.master", cluster.master_url)]


@pytest.mark.stops_the_cluster
def test_down_stops_every_process(cluster):
    cluster.down()
    assert cluster.running() == []
    assert not listening(cluster.thrift_port)
    assert not listening(cluster.master_port)
