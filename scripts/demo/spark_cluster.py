"""A local Apache Spark cluster, run from the pyspark wheel with Java 17.

A standalone master, two workers and the Thrift JDBC/ODBC server (the
endpoint dbt-spark and BI tools connect to), all on 127.0.0.1, with the
metastore (embedded Derby, one JVM at a time: the Thrift server's) and the
warehouse folder under data/spark/. Nothing is fetched at run time: the
wheel carries Spark's jars. `make spark-up` / `make spark-down` call this.

    python -m scripts.demo.spark_cluster up      # prints the Thrift endpoint
    python -m scripts.demo.spark_cluster down
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from dlt_pipelines import REPO_ROOT

DEFAULT_ROOT = REPO_ROOT / "data" / "spark"
JAVA_17 = Path("/usr/lib/jvm/java-17-openjdk-amd64")
THRIFT_SERVER = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
START_TIMEOUT_SECONDS = 180
# A small local cluster runs many short queries on little data: the JIT's
# quick tier and the serial collector spare a cold JVM most of its warm-up
# (measured on the demo's first build: 184 s and 286 s of JVM CPU, against
# 251 s and 449 s with the JVM's defaults). The quick tier's code cache is
# 48 MB, which the Thrift server fills within one build: then the JVM spends
# its time evicting compiled code and compiling it again.
JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:ReservedCodeCacheSize=256m"


class ClusterError(Exception):
    """The cluster could not start; the message says why and what to do."""


@dataclass(frozen=True)
class SparkCluster:
    """One cluster: its folders under `root`, its ports on 127.0.0.1."""

    root: Path = DEFAULT_ROOT
    master_port: int = 7077
    master_ui_port: int = 8080  # /json tells the workers and applications
    thrift_port: int = 10000
    workers: int = 2
    worker_memory: str = "2g"

    @property
    def master_url(self) -> str:
        """Where workers and drivers reach the master."""
        return f"spark://127.0.0.1:{self.master_port}"

    def up(self) -> str:
        """Start what is not running yet; return the Thrift endpoint (host:port)."""
        for folder in ("run", "logs", "work", "tmp", "metastore", "warehouse"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        self._start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", str(self.master_port),
                    "--webui-port", str(self.master_ui_port))  # fmt: skip
        _wait_for_port(self.master_port, self._log("master"))
        for number in range(1, self.workers + 1):
            self._start(f"worker-{number}", "org.apache.spark.deploy.worker.Worker",
                        "--host", "127.0.0.1", "--cores", "1", "--memory", self.worker_memory,
                        "--webui-port", "0", "--work-dir", str(self.root / "work"),
                        self.master_url)  # fmt: skip
        self._start_thrift_server()
        _wait_for_port(self.thrift_port, self._log("thrift"))
        return f"127.0.0.1:{self.thrift_port}"

    def down(self) -> None:
        """Stop every process of the cluster, the Thrift server first."""
        for name in ("thrift", *(f"worker-{n}" for n in range(self.workers, 0, -1)), "master"):
            pid_file = self.root / "run" / f"{name}.pid"
            if pid := _alive(pid_file):
                os.killpg(pid, signal.SIGTERM)
                _wait_for_exit(pid)
            pid_file.unlink(missing_ok=True)

    def running(self) -> list[str]:
        """The names of the cluster's processes that are alive."""
        return [pid.stem for pid in sorted((self.root / "run").glob("*.pid")) if _alive(pid)]

    def _start_thrift_server(self) -> None:
        """The Thrift server: a Spark application on the cluster, with the metastore."""
        warehouse = self.root / "warehouse"
        # Hive's session folders and scratch files go to tmp/, not /tmp
        driver_options = f'{JVM_OPTIONS} -Djava.io.tmpdir="{self.root / "tmp"}"'
        settings = {
            "spark.master": self.master_url,
            "spark.sql.warehouse.dir": str(warehouse),
            "spark.cores.max": str(self.workers),
            "spark.executor.memory": "1g",
            "spark.driver.memory": "1g",
            "spark.local.dir": str(self.root / "tmp"),
            "spark.ui.enabled": "false",
            "spark.sql.session.timeZone": "UTC",
            "spark.driver.extraJavaOptions": driver_options,
            "spark.executor.extraJavaOptions": JVM_OPTIONS,
            # little data: one shuffle partition (the parity test used 447 s of
            # CPU with one, 500 s with two), no re-planning, no code generation
            "spark.sql.shuffle.partitions": "1",
            "spark.sql.adaptive.enabled": "false",
            "spark.sql.codegen.wholeStage": "false",
        }
        hive_settings = {
            "hive.server2.thrift.bind.host": "127.0.0.1",
            "hive.server2.thrift.port": str(self.thrift_port),
            # a statement runs on a pool thread, and each new thread opens its
            # own metastore store (a HiveConf parsed anew): with the default
            # 100 threads, each idle for 10 s at most, nearly every statement
            # got a new one (318 threads in one build of the demo)
            "hive.server2.async.exec.threads": "4",
            "hive.server2.async.exec.keepalive.time": "3600",
        }
        self._start("thrift", "org.apache.spark.deploy.SparkSubmit",
                    "--class", THRIFT_SERVER, "--name", "Thrift JDBC/ODBC Server",
                    *(f"--conf={key}={value}" for key, value in settings.items()),
                    "spark-internal",
                    *(part for key, value in hive_settings.items()
                      for part in ("--hiveconf", f"{key}={value}")),
                    cwd=self.root / "metastore")  # fmt: skip

    def _start(self, name: str, main_class: str, *arguments: str, cwd: Path | None = None) -> None:
        """Start one JVM in the background, unless it runs."""
        pid_file = self.root / "run" / f"{name}.pid"
        if _alive(pid_file):
            return
        for port in self._ports(name):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    raise ClusterError(
                        f"127.0.0.1:{port}, which the {name} needs, is taken by another program:"
                        " stop it, or choose other ports (--help)"
                    )
        with open(self._log(name), "ab") as log:
            process = subprocess.Popen(
                [str(_spark_home() / "bin" / "spark-class"), main_class, *arguments],
                cwd=cwd or self.root,
                env=_environment(self.root),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: down() stops it whole
            )
        pid_file.write_text(str(process.pid))

    def _ports(self, name: str) -> tuple[int, ...]:
        """The fixed ports a process listens on."""
        return {
            "master": (self.master_port, self.master_ui_port),
            "thrift": (self.thrift_port,),
        }.get(name, ())

    def _log(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"


def _spark_home() -> Path:
    """The pyspark wheel's folder: Spark's scripts and jars."""
    try:
        import pyspark
    except ModuleNotFoundError:
        raise ClusterError("pyspark is not installed: run `make install-spark`") from None
    return Path(pyspark.__file__).parent


def java_home() -> Path:
    """Java 17 (Debian's), else the `java` on PATH."""
    if (JAVA_17 / "bin" / "java").exists():
        return JAVA_17
    if java := shutil.which("java"):
        return Path(java).resolve().parent.parent
    raise ClusterError(
        "no Java found: install Java 17 (`make java`, Debian's openjdk-17-jre-headless)"
    )


def _environment(root: Path) -> dict[str, str]:
    """What Spark's launch scripts read."""
    return os.environ | {
        "SPARK_HOME": str(_spark_home()),
        "JAVA_HOME": str(java_home()),
        "SPARK_LOG_DIR": str(root / "logs"),
        "SPARK_PID_DIR": str(root / "run"),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_DAEMON_JAVA_OPTS": JVM_OPTIONS,  # the master's and the workers'
    }


def _alive(pid_file: Path) -> int | None:
    """The pid in the file, if that process lives."""
    try:
        pid = int(pid_file.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return None if _gone(pid) else pid


def _gone(pid: int) -> bool:
    """Whether the process has exited (reaped first, if it is our child)."""
    with contextlib.suppress(ChildProcessError):  # not ours: started by an earlier `up`
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _wait_for_port(port: int, log: Path) -> None:
    """Until something listens on 127.0.0.1:`port`; a clear error naming the log if not."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise ClusterError(
        f"nothing listens on 127.0.0.1:{port} after {START_TIMEOUT_SECONDS} s: see {log}"
    )


def _wait_for_exit(pid: int) -> None:
    """Until the process is gone (a JVM takes a few seconds to stop)."""
    for _ in range(120):
        if _gone(pid):
            return
        time.sleep(0.25)
    os.killpg(pid, signal.SIGKILL)


def main() -> None:
    """Command line: start or stop the cluster."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the cluster's folder")
    parser.add_argument("--master-port", type=int, default=7077)
    parser.add_argument("--master-ui-port", type=int, default=8080)
    parser.add_argument("--thrift-port", type=int, default=10000)
    args = parser.parse_args()
    cluster = SparkCluster(args.root, args.master_port, args.master_ui_port, args.thrift_port)
    if args.action == "down":
        cluster.down()
        print("The Spark cluster is stopped.")
        return
    try:
        endpoint = cluster.up()
    except ClusterError as error:
        raise SystemExit(f"error: {error}") from None
    print(f"Spark: master {cluster.master_url}, {cluster.workers} workers, "
          f"Thrift JDBC/ODBC server on {endpoint}; folders under {cluster.root}")  # fmt: skip


if __name__ == "__main__":
    main()
