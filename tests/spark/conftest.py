"""One Spark cluster for the session's Spark tests, on free ports (they run
on one worker: tests/conftest.py's WORKER_GROUPS). Each module skips
itself, saying why, where Spark's extras or Java are missing (spark_ready)."""

from __future__ import annotations

import socket

import pytest

from scripts.demo.spark_cluster import ClusterError, SparkCluster, java_home


def spark_ready() -> None:
    """Skip the calling module unless Spark's extras and Java are installed."""
    pytest.importorskip("pyhive.hive", reason="Spark's extras: `make install-spark`")
    try:
        java_home()
    except ClusterError as missing:
        pytest.skip(str(missing), allow_module_level=True)


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening(port: int) -> bool:
    """Tell whether something listens on 127.0.0.1:`port`."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    """The session's cluster: master, two workers, Thrift server. The test
    that stops it is marked `stops_the_cluster`, and runs after the others."""
    started = SparkCluster(
        tmp_path_factory.mktemp("spark"),
        master_port=free_port(),
        master_ui_port=free_port(),
        thrift_port=free_port(),
    )
    started.up()
    yield started
    started.down()
