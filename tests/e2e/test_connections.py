"""Real-world connection URLs: a TLS-only server reached with
sslmode=verify-full by every component (dlt, ADBC, psycopg2, dbt), a password
made of every character a URL reserves, a wrong CA refused with a clear
error, and no password printed anywhere; a server that admits client
certificates alone, reached without a password (with a key passphrase too),
and its refusals explained."""

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
from dlt_pipelines.exceptions import SourceError
from dlt_pipelines.postgres_url import PostgresUrl
from dlt_pipelines.run.dbt import run_dbt
from dlt_pipelines.run.load import load_sources
from dlt_pipelines.sources import SOURCES
from scripts.demo.generate import generate
from scripts.demo.postgres_server import LocalPostgres
from scripts.demo.random_profile import random_tables
from scripts.demo.source_databases import SourceUrls
from tests.conftest import OLDEST_POSTGRES
from tests.helpers import AS_OF, execute, marts, rows, scheduled_run

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


def make_certificate(folder: Path, name: str, common_name: str, ca: str) -> None:
    """name.crt and name.key (for this machine's host names), signed by the CA."""
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={common_name}",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=folder)  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", f"{name}.crt",
            cwd=folder)  # fmt: skip
    (folder / f"{name}.key").chmod(0o600)  # libpq refuses a key others can read


def tls_only_server(folder: Path, hba: str, **settings: str) -> tuple[LocalPostgres, PostgresUrl]:
    """A PostgreSQL 15 server under `folder` with TLS on (server.crt, signed
    by ca.crt), `hba` its only pg_hba.conf rules; started, and its URL."""
    server = LocalPostgres(folder / "server", OLDEST_POSTGRES)  # the wheel's builds lack TLS
    server.start()  # initialised: the key goes where the server's user alone reads it
    owner = server.pgdata.stat()
    for name in ("server.crt", "server.key", "ca.crt"):
        (server.pgdata / name).write_bytes((folder / name).read_bytes())
        os.chown(server.pgdata / name, owner.st_uid, owner.st_gid)
        (server.pgdata / name).chmod(0o600)
    tls = {"ssl": "on", "ssl_cert_file": "server.crt", "ssl_key_file": "server.key"}
    return server, server.start(free_port(), tls | settings, hba=hba)


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
    make_certificate(folder, "server", "localhost", "ca")
    server, started = tls_only_server(folder, HOSTSSL_ONLY)
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


CERTIFICATE_ONLY = "hostssl all all 127.0.0.1/32 cert\n"
KEY_PASSPHRASE = "key passphrase"


@pytest.fixture(scope="module")
def certificate_server(tmp_path_factory):
    """A PostgreSQL 15 server that admits client certificates alone (pg_hba
    `cert`: no password is asked or set); yields (a URL for database
    `postgres` as role postgres with the client certificate, the folder:
    ca, other_ca, client (CN=postgres, signed by ca), stranger (CN=postgres,
    signed by other_ca), client_encrypted.key (client.key with KEY_PASSPHRASE))."""
    folder = tmp_path_factory.mktemp("certificates")
    make_ca(folder, "ca")
    make_ca(folder, "other_ca")
    make_certificate(folder, "server", "localhost", "ca")
    make_certificate(folder, "client", "postgres", "ca")
    make_certificate(folder, "stranger", "postgres", "other_ca")
    openssl("pkey", "-in", "client.key", "-aes256", "-passout", f"pass:{KEY_PASSPHRASE}",
            "-out", "client_encrypted.key", cwd=folder)  # fmt: skip
    (folder / "client_encrypted.key").chmod(0o600)
    server, started = tls_only_server(folder, CERTIFICATE_ONLY, ssl_ca_file="ca.crt")
    certificate = {
        "sslmode": "verify-full",
        "sslrootcert": str(folder / "ca.crt"),
        "sslcert": str(folder / "client.crt"),
        "sslkey": str(folder / "client.key"),
    }
    yield replace(started, host="localhost", password="", options=certificate), folder
    server.stop()


def with_key(url: PostgresUrl, folder: Path, name: str, **options: str) -> PostgresUrl:
    """The URL logging in with another client certificate and key (name.crt, name.key)."""
    key = {"sslcert": str(folder / f"{name}.crt"), "sslkey": str(folder / f"{name}.key")}
    return replace(url, options=url.options | key | options)


def test_a_certificate_only_warehouse_from_certificate_only_sources_equals_duckdb(
    certificate_server, duckdb_template, capfd
):
    url, folder = certificate_server
    sources = generate(url.uri(), random_tables(1, 21), prefix="cert_")  # the template's tables
    execute(url.uri(), "drop database if exists cert_warehouse with (force)")
    execute(url.uri(), "create database cert_warehouse")
    warehouse_url = url.with_database("cert_warehouse").uri()
    assert "@" in warehouse_url and ":@" not in warehouse_url and "sslcert=" in warehouse_url
    warehouse = Warehouse.from_env(
        {"WAREHOUSE_TARGET": "postgres", "WAREHOUSE_POSTGRES_URL": warehouse_url}
    )
    run = scheduled_run(warehouse, sources)
    assert run.returncode == WARNING, run.stdout[-3000:]  # the random profile has ghosts
    assert "published PostgreSQL database cert_warehouse on localhost" in run.stdout
    assert marts(warehouse) == marts(duckdb_template)
    assert rows(
        warehouse, "select ssl, client_dn from pg_stat_ssl where pid = pg_backend_pid()"
    ) == [(True, "/CN=postgres")]

    # the key with a passphrase: dlt, ADBC and psycopg2 pass sslpassword to
    # libpq; dbt, whose profile has no such setting, reads it from a service file
    key = {"sslkey": str(folder / "client_encrypted.key"), "sslpassword": KEY_PASSPHRASE}
    encrypted = replace(url, options=url.options | key)
    encrypted_warehouse = Warehouse.from_env(
        {
            "WAREHOUSE_TARGET": "postgres",
            "WAREHOUSE_POSTGRES_URL": encrypted.with_database("cert_warehouse").uri(),
        }
    )
    encrypted_sources = {
        source: replace(PostgresUrl.parse(source_url), options=encrypted.options).uri()
        for source, source_url in sources.by_source().items()
    }
    assert set(load_sources(encrypted_warehouse, encrypted_sources).values()) == {0}
    built = run_dbt(["run", "--select", "new_users_monthly"], encrypted_warehouse, AS_OF)
    assert built.exit_code == 0 and built.nodes == {
        "model.chemlink_warehouse.new_users_monthly": "success"
    }
    assert KEY_PASSPHRASE not in "".join(capfd.readouterr())


def test_certificate_refusals_say_what_to_fix(certificate_server, tmp_path):
    url, folder = certificate_server
    # a key file others can read: libpq refuses to use it
    readable = tmp_path / "readable.key"
    readable.write_bytes((folder / "client.key").read_bytes())
    readable.chmod(0o644)
    exposed = replace(url, options=url.options | {"sslkey": str(readable)})
    warehouse = Warehouse.from_env(
        {"WAREHOUSE_TARGET": "postgres", "WAREHOUSE_POSTGRES_URL": exposed.uri()}
    )
    sources = SourceUrls(url.with_database("chemlink").uri(), url.with_database("engagement").uri())
    run = scheduled_run(warehouse, sources)  # it stops at the warehouse, before the sources
    assert run.returncode == FAILURE
    last_line = run.stdout.strip().splitlines()[-1]
    assert last_line.endswith(
        f"finished: failure: cannot reach the PostgreSQL warehouse (database postgres on "
        f'localhost:{url.port}): connection to server at "localhost" (127.0.0.1), port '
        f'{url.port} failed: private key file "{readable}" has group or world access; file '
        "must have permissions u=rw (0600) or less if owned by the current user, or "
        "permissions u=rw,g=r (0640) or less if owned by root (the key file (sslkey) must be "
        "its owner's alone: chmod 600 it). Check the server, or set WAREHOUSE_POSTGRES_URL."
    )
    # a client certificate signed by a CA the server does not trust
    stranger = with_key(url.with_database("chemlink"), folder, "stranger").uri()
    with pytest.raises(SourceError) as refused:
        SOURCES["chemlink"](credentials=stranger)
    assert str(refused.value) == (
        f"cannot reach the ChemLink database (database chemlink on localhost:{url.port}): IO: "
        f'[libpq] Failed to connect: connection to server at "localhost" (127.0.0.1), port '
        f"{url.port} failed: SSL error: tlsv1 alert unknown ca (the server does not trust the "
        "client certificate (sslcert): have it signed by a CA of the server's ssl_ca_file). "
        "Check the server, or set SOURCES__CHEMLINK__CREDENTIALS."
    )
