"""One way to read a connection URL: what every component gets from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlt_pipelines.exceptions import UrlError
from dlt_pipelines.postgres_url import PostgresUrl, mask_credentials, unreachable

RESERVED = ":/?#[]@!$&'()*+,;=% "
ENCODED = "%3A%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25%20"


def test_every_reserved_character_of_a_password_survives_the_round_trip():
    url = PostgresUrl.parse(f"postgresql://etl:{ENCODED}@db.internal:6432/ana%2Blytics")
    assert (url.user, url.password, url.host, url.port, url.dbname) == (
        "etl",
        RESERVED,
        "db.internal",
        6432,
        "ana+lytics",
    )
    assert PostgresUrl.parse(url.uri()) == url
    assert url.dbt_env("W")["DBT_ENV_SECRET_W_PASSWORD"] == RESERVED


def test_a_plus_stays_a_plus_as_libpq_reads_it():
    url = PostgresUrl.parse("postgres://u:a+b@h/d?application_name=etl+hourly")
    assert (url.password, url.options) == ("a+b", {"application_name": "etl+hourly"})


def test_tls_options_reach_dbt_and_every_libpq_client():
    url = PostgresUrl.parse(
        "postgresql://u:p@db:5432/wh?sslmode=verify-full&sslrootcert=%2Fetc%2Fca%20root.crt"
        "&connect_timeout=5&options=-c%20statement_timeout%3D60s"
    )
    assert url.options == {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/ca root.crt",
        "connect_timeout": "5",
        "options": "-c statement_timeout=60s",
    }
    env = url.dbt_env("WAREHOUSE_POSTGRES")
    assert env["WAREHOUSE_POSTGRES_SSLMODE"] == "verify-full"
    assert env["WAREHOUSE_POSTGRES_SSLROOTCERT"] == "/etc/ca root.crt"
    assert env["WAREHOUSE_POSTGRES_CONNECT_TIMEOUT"] == "5"
    assert env["PGOPTIONS"] == "-c statement_timeout=60s"  # dbt has no setting of its own
    assert "sslrootcert=%2Fetc%2Fca%20root.crt" in url.uri()


def test_a_socket_directory_goes_in_the_query_behind_localhost():
    url = PostgresUrl.parse("postgresql://postgres:pw@localhost/demo?host=/run/postgresql")
    assert (url.host, url.socket_dir, url.port) == ("/run/postgresql", "/run/postgresql", 5432)
    assert url.uri() == "postgresql://postgres:pw@localhost:5432/demo?host=%2Frun%2Fpostgresql"
    assert url.describe() == "database demo on socket /run/postgresql"


def test_an_option_not_every_component_honours_is_refused_by_name():
    with pytest.raises(UrlError, match="option 'target_session_attrs'"):
        PostgresUrl.parse("postgresql://u:p@h/d?target_session_attrs=read-write", "THE_URL")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u:p@h/d", "must start with postgresql://"),
        ("postgresql://u:p@h:port/d", "port that is not a number"),
        ("postgresql://u:p@h:5432/", "names no database"),
    ],
)
def test_malformed_urls_say_what_is_wrong(url, message):
    with pytest.raises(UrlError, match=message):
        PostgresUrl.parse(url)


def test_describe_and_a_masked_message_never_show_the_password():
    url = PostgresUrl.parse(f"postgresql://etl:{ENCODED}@db:5432/wh")
    assert url.describe() == "database wh on db:5432"
    message = f"cannot connect to {url.uri()}"
    assert mask_credentials(message) == "cannot connect to postgresql://etl:***@db:5432/wh"


def test_a_key_passphrase_reaches_dbt_through_a_private_service_file():
    url = PostgresUrl.parse("postgresql://etl@db/wh?sslkey=%2Fkeys%2Fetl.key&sslpassword=s3cr%20t")
    assert url.password == "" and url.options["sslpassword"] == "s3cr t"
    assert "s3cr t" not in str(url.dbt_env("WAREHOUSE_POSTGRES"))  # dbt has no setting for it
    with url.service_file() as env:
        service = Path(env["PGSERVICEFILE"])
        assert env["PGSERVICE"] == "warehouse"
        assert service.read_text() == "[warehouse]\nsslpassword=s3cr t\n"
        assert (service.stat().st_mode & 0o777, service.parent.stat().st_mode & 0o777) == (
            0o600,
            0o700,
        )
    assert not service.parent.exists()  # gone with the block
    with PostgresUrl.parse("postgresql://etl@db/wh").service_file() as env:
        assert env == {}
    assert mask_credentials(url.uri()) == (
        "postgresql://etl@db:5432/wh?sslkey=%2Fkeys%2Fetl.key&sslpassword=***"
    )


def test_a_refused_tls_login_says_what_to_fix():
    url = PostgresUrl.parse("postgresql://etl@db/wh?sslmode=verify-full")
    refused = "connection to server failed: SSL error: tlsv1 alert unknown ca"
    assert unreachable("the warehouse", url, refused, "WAREHOUSE_POSTGRES_URL") == (
        "cannot reach the warehouse (database wh on db:5432): connection to server failed: SSL "
        "error: tlsv1 alert unknown ca (the server does not trust the client certificate "
        "(sslcert): have it signed by a CA of the server's ssl_ca_file). Check the server, or "
        "set WAREHOUSE_POSTGRES_URL."
    )
