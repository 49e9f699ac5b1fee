"""Real-world connection URLs: a TLS-only server reached with
sslmode=verify-full by every component (dlt, ADBC, psycopg2, dbt), a password
made of every character a URL reserves, a wrong CA refused with a clear
error, and no password printed anywhere."""

from __future__ import annotations

import os
import socket
import subprocess
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest

from dlt_pipelines.backends import Warehouse
from dlt_pipelines.backends.postgres import PostgresWarehouse
from dlt_pipelines.postgres_url import PostgresUrl
from dlt_pipelines.run.dbt import run_dbt
from dlt_pipelines.run.load import load_sources
from scripts.demo.generate import generate
from scripts.demo.postgres_server import LocalPostgres
from scripts.demo.random_profile import random_tables
from scripts.demo.source_databases import SourceUrls
from tests.conftest import OLDEST_POSTGRES
from tests.helpers import execute, rows, scheduled_run

WARNING, FAILURE = 1, 2
# RFC 3986's reserved characters, the percent sign and a space
ODD_PASSWORD = ":/?#[]@!$&'()*+,;=% pw"
HOSTSSL_ONLY = "hostssl all all 127.0.0.1/32 scram-sha-256\n"


def openssl(*arguments: str, cwd: Path) -> None:
    """Run the openssl command line."""
    subprocess.run(["openssl", *arguments], cwd=cwd, check=True, capture_output=True)


def make_ca(folder: Path, name: str) -> None:
    """A self-signed certificate authority: name.crt, name.key."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.crt", cwd=folder)  # fmt: skip


def make_server_certificate(folder: Path, ca: str) -> None:
    """server.crt and server.key for localhost and 127.0.0.1, signed by the CA."""
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", "server.key", "-out", "server.csr", cwd=folder)  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt",
            cwd=folder)  # fmt: skip


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def with_options(url: str, **options: str) -> str:
    """The URL with these libpq options set."""
    parsed = PostgresUrl.parse(url)
    return replace(parsed, options=parsed.options | options).uri()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """A PostgreSQL server that accepts TLS connections only (hostssl), whose
    postgres role has ODD_PASSWORD; yields (its URL for database `postgres`
    with verify-full, the folder with the CAs)."""
    folder = tmp_path_factory.mktemp("tls")
    make_ca(folder, "ca")
    make_ca(folder, "other_ca")
    make_server_certificate(folder, "ca")
    server = LocalPostgres(folder / "server", OLDEST_POSTGRES)  # the wheel's builds lack TLS
    server.start()  # initialised: the key goes where the server's user alone reads it
    owner = server.pgdata.stat()
    for name in ("server.crt", "server.key"):
        (server.pgdata / name).write_bytes((folder / name).read_bytes())
        os.chown(server.pgdata / name, owner.st_uid, owner.st_gid)
        (server.pgdata / name).chmod(0o600)
    settings = {"ssl": "on", "ssl_cert_file": "server.crt", "ssl_key_file": "server.key"}
    started = server.start(free_port(), settings, hba=HOSTSSL_ONLY)
    verified = {"sslmode": "verify-full", "sslrootcert": str(folder / "ca.crt")}
    admin = replace(started, host="localhost", options=verified)
    execute(
        admin.uri(), f"alter role postgres password '{ODD_PASSWORD.replace(chr(39), chr(39) * 2)}'"
    )
    yield replace(admin, password=ODD_PASSWORD), folder
    server.stop()


def test_the_server_refuses_anything_but_tls(tls_server):
    url, _ = tls_server
    with pytest.raises(Exception, match=r"no pg_hba\.conf entry"):
        PostgresUrl.parse(url.uri().replace("verify-full", "disable")).connect()


def tls_urls(url: PostgresUrl) -> tuple[SourceUrls, str]:
    """Sources made on the TLS server, and a fresh warehouse database's URL."""
    sources = generate(url.uri(), random_tables(1, 31), prefix="tls_")
    execute(url.uri(), "drop database if exists tls_warehouse with (force)")
    execute(url.uri(), "create database tls_warehouse")
    return sources, url.with_database("tls_warehouse").uri()


def test_every_component_connects_with_verify_full_and_an_odd_password(tls_server, tmp_path):
    url, _ = tls_server
    sources, warehouse_url = tls_urls(url)
    assert "%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25%20pw" in warehouse_url
    warehouse = Warehouse.from_env(
        {"WAREHOUSE_TARGET": "postgres", "WAREHOUSE_POSTGRES_URL": warehouse_url}
    )
    run = scheduled_run(warehouse, sources)
    assert run.returncode == WARNING, run.stdout[-3000:]  # the random profile has ghosts
    assert "published PostgreSQL database tls_warehouse on localhost" in run.stdout
    assert rows(warehouse, "select count(*) from marts.dau") == [(30,)]
    # every session of the run's database was encrypted: the server allows no other
    assert rows(warehouse, "select ssl from pg_stat_ssl where pid = pg_backend_pid()") == [(True,)]
    for secret in (ODD_PASSWORD, quote(ODD_PASSWORD, safe="")):
        assert secret not in run.stdout + run.stderr


def test_a_wrong_certificate_authority_is_refused_naming_the_cause(tls_server):
    url, folder = tls_server
    sources, warehouse_url = tls_urls(url)
    wrong_ca = str(folder / "other_ca.crt")  # a CA that did not sign the server's certificate
    untrusted = Warehouse.from_env(
        {
            "WAREHOUSE_TARGET": "postgres",
            "WAREHOUSE_POSTGRES_URL": with_options(warehouse_url, sslrootcert=wrong_ca),
        }
    )
    run = scheduled_run(untrusted, sources)
    assert run.returncode == FAILURE
    last_line = run.stdout.strip().splitlines()[-1]
    assert "finished: failure: cannot reach the PostgreSQL warehouse" in last_line
    assert "(database tls_warehouse on localhost:" in last_line
    assert "certificate verify failed" in last_line
    assert "WAREHOUSE_POSTGRES_URL" in last_line
    # each component on its own refuses it too: dlt's loader, dbt
    with pytest.raises(Exception, match="certificate verify failed"):
        load_sources(untrusted, sources.by_source())
    dbt = run_dbt(["run", "--select", "new_users_monthly"], untrusted)
    assert dbt.failed
    assert "certificate verify failed" in dbt.cause()

    trusted = Warehouse.from_env(
        {"WAREHOUSE_TARGET": "postgres", "WAREHOUSE_POSTGRES_URL": warehouse_url}
    )
    untrusted_source = with_options(sources.chemlink, sslrootcert=wrong_ca)
    run = scheduled_run(trusted, sources, SOURCES__CHEMLINK__CREDENTIALS=untrusted_source)
    assert run.returncode == FAILURE
    last_line = run.stdout.strip().splitlines()[-1]
    assert "cannot reach the ChemLink database (database tls_chemlink on localhost:" in last_line
    assert "certificate verify failed" in last_line
    assert ODD_PASSWORD not in run.stdout + run.stderr


def test_dbt_says_why_it_could_not_connect():
    nobody = PostgresUrl("127.0.0.1", free_port(), "reader", ODD_PASSWORD, "analytics")
    outcome = run_dbt(["build"], PostgresWarehouse(nobody))
    assert outcome.failed
    assert outcome.problems == []
    assert 'connection to server at "127.0.0.1"' in outcome.cause()
    assert "Connection refused" in outcome.cause()
