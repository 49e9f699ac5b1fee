"""Where a Spark warehouse's lake is, as dlt and as Spark name it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.spark import SparkWarehouse
from dlt_pipelines.exceptions import QueryError, WarehouseError
from scripts.tools.dev_dbt import dev_dbt
from scripts.tools.metrics import SemanticLayer


def test_a_relative_lake_folder_is_the_repositorys_and_spark_reads_it_as_a_file_path():
    lake = SparkWarehouse.at("data/lake", "127.0.0.1", "10000", Path("/srv/warehouse"))
    assert lake.lake_url == "file:///srv/warehouse/data/lake"
    assert lake.spark_location("raw_chemlink", "persons") == (
        "file:/srv/warehouse/data/lake/raw_chemlink/persons"
    )


def test_spark_reads_an_s3_lake_through_s3a_and_other_stores_by_their_own_scheme():
    s3 = SparkWarehouse.at("s3://analytics-lake/chemlink/", "thrift", "443", Path("/"))
    assert (s3.lake_url, s3.port) == ("s3://analytics-lake/chemlink", 443)
    assert s3.spark_location("raw_engagement", "posts") == (
        "s3a://analytics-lake/chemlink/raw_engagement/posts"
    )
    gcs = SparkWarehouse.at("gs://lake", "thrift", "10000", Path("/"))
    assert gcs.spark_location("raw_chemlink") == "gs://lake/raw_chemlink"


def test_a_port_or_lease_that_is_no_number_is_named():
    no_port = "WAREHOUSE_SPARK_PORT must be a whole number, not 'ten'"
    with pytest.raises(WarehouseError, match=no_port):
        SparkWarehouse.at("data/lake", "127.0.0.1", "ten", Path("/"))
    no_lease = "WAREHOUSE_SPARK_LEASE_SECONDS must be a whole number, not '2m'"
    with pytest.raises(WarehouseError, match=no_lease):
        SparkWarehouse.at("data/lake", "127.0.0.1", "10000", Path("/"), "2m")


def test_the_spark_target_reads_its_variables_and_hands_them_to_dbt():
    warehouse = Warehouse.from_env(
        {
            "WAREHOUSE_TARGET": "spark",
            "WAREHOUSE_LAKE_URL": "s3://lake/x",
            "WAREHOUSE_SPARK_HOST": "spark-thrift.internal",
        }
    )
    assert (
        warehouse.describe() == "Spark Thrift server spark-thrift.internal:10000, lake s3://lake/x"
    )
    assert warehouse.dbt_env() == {
        "WAREHOUSE_TARGET": "spark",
        "WAREHOUSE_LAKE_URL": "s3://lake/x",
        "WAREHOUSE_SPARK_HOST": "spark-thrift.internal",
        "WAREHOUSE_SPARK_PORT": "10000",
        "WAREHOUSE_SPARK_LEASE_SECONDS": "120",
    }


def test_a_duckdb_run_imports_neither_the_spark_backend_nor_pyhive():
    probe = (
        "import sys; from dlt_pipelines.backends import Warehouse; "
        "Warehouse.from_env({}).describe(); "
        "print(*sorted(m for m in sys.modules if m.startswith(('pyhive', 'dlt_pipelines.back'))))"
    )
    imported = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert imported.stdout.split() == [
        "dlt_pipelines.backends",
        "dlt_pipelines.backends.base",
        "dlt_pipelines.backends.duckdb",
        "dlt_pipelines.backends.state_store",
    ]


def test_make_dbt_make_changed_and_make_metric_refuse_spark_naming_what_to_use(tmp_path):
    spark = SparkWarehouse.at("data/lake", "127.0.0.1", "1", tmp_path)  # nobody listens
    with pytest.raises(WarehouseError, match="no development copy: run `make dbt` and `make"):
        dev_dbt(spark, ["build"])  # make dbt, and make changed through it
    with pytest.raises(WarehouseError, match=r"no adapter for a Spark .*: read the marts with"):
        SemanticLayer.prepare(spark)  # make metric


def test_make_query_on_spark_parses_every_statement_before_sending_any():
    spark = SparkWarehouse.at("data/lake", "127.0.0.1", "10000", Path("/"))
    for reading in ("select 1", "(select 1)", "show views in marts", "describe marts.dau"):
        spark.refuse_writes(reading)  # nothing refused, nothing sent (no server here)
    with pytest.raises(QueryError, match=r"make query is read-only.*DELETE is no query"):
        spark.refuse_writes("select 1; delete from marts.dau")
    with pytest.raises(QueryError, match=r"^syntax error at line 1, column 7"):
        spark.refuse_writes("selec 1")
