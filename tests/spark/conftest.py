"""What the Spark tests share (the session's cluster is tests/conftest.py's
`cluster`, on free ports). Each module skips itself, saying why, where
Spark's extras or Java are missing (spark_ready)."""

from __future__ import annotations

import socket

import pytest

from scripts.demo.spark_cluster import ClusterError, java_home


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
