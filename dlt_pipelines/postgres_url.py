"""One way to read a PostgreSQL connection URL, for every component.

    postgresql://user:password@host:port/dbname?sslmode=verify-full&sslrootcert=/etc/ca.crt

Reserved characters in the user, password or database name are
percent-encoded (`p%40ss` for `p@ss`). A Unix socket directory goes in the
query (`...@localhost/dbname?host=/run/postgresql`). The libpq options in
LIBPQ_OPTIONS may follow in the query; any other is refused, naming it,
because some component would silently ignore it.

The URL is parsed once into a PostgresUrl, and every client gets its
parameters from that: ADBC, psycopg2 and dlt a normalised libpq URI
(`uri()`), dbt the environment variables its profile reads (`dbt_env()`).
Nothing here prints a password: `describe()` names host and database only,
and `mask_credentials()` masks any URL's password in a message.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import psycopg2

from dlt_pipelines.exceptions import UrlError

# libpq's own names; `host` and `port` may also come in the query (a socket)
LIBPQ_OPTIONS = (
    "host",
    "port",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslpassword",
    "connect_timeout",
    "application_name",
    "options",
)
SCHEMES = ("postgresql", "postgres")
URL_PASSWORD = re.compile(r"(?P<login>\b[a-z][a-z0-9+.-]*://[^:@/\s]*:)[^@\s]*@", re.IGNORECASE)
PASSWORD_PAIR = re.compile(
    r"""(?P<key>\b(?:ssl)?password['"]?\s*[=:]\s*)(?:'[^']*'|"[^"]*"|[^\s&,;)]+)""",
    re.IGNORECASE,
)
DEFAULT_PORT = 5432
SERVICE = "warehouse"  # the section of service_file()
# what libpq's refusals of a TLS login mean, and what to do
TLS_REFUSALS = {
    "alert unknown ca": "the server does not trust the client certificate (sslcert): "
    "have it signed by a CA of the server's ssl_ca_file",
    "certificate verify failed": "the server's certificate is not signed by the CA in sslrootcert",
    "has group or world access": "the key file (sslkey) must be its owner's alone: chmod 600 it",
    "certificate authentication failed": "the client certificate's common name (CN) "
    "must be the URL's user",
    "bad decrypt": "sslpassword is not the passphrase of the key file (sslkey)",
    "requires a valid client certificate": "the server admits client certificates only: "
    "set sslcert and sslkey to files that exist",
}


@dataclass(frozen=True)
class PostgresUrl:
    """A decoded PostgreSQL URL: where, who, which database, which options."""

    host: str
    port: int
    user: str
    password: str
    dbname: str
    options: dict[str, str] = field(default_factory=dict)  # libpq options, decoded

    @classmethod
    def parse(cls, url: str, setting: str = "the URL") -> PostgresUrl:
        """Decode a URL; `setting` names where it came from, for errors."""
        parts = urlsplit(str(url).strip())
        if parts.scheme not in SCHEMES:
            raise UrlError(
                f"{setting} must start with postgresql://, e.g. "
                "postgresql://user:password@host:5432/database"
            )
        options = _query_options(parts.query, setting)
        try:
            port = int(options.pop("port", None) or parts.port or DEFAULT_PORT)
        except ValueError:
            raise UrlError(f"{setting} has a port that is not a number") from None
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname:
            raise UrlError(f"{setting} names no database (…@host:port/DATABASE)")
        return cls(
            host=options.pop("host", None) or parts.hostname or "localhost",
            port=port,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            dbname=dbname,
            options=options,
        )

    @property
    def socket_dir(self) -> str | None:
        """The Unix socket directory, if the host is one."""
        return self.host if self.host.startswith("/") else None

    def with_database(self, dbname: str) -> PostgresUrl:
        """The same server and login, another database."""
        return replace(self, dbname=dbname)

    def with_login(self, user: str, password: str) -> PostgresUrl:
        """The same database, another role."""
        return replace(self, user=user, password=password)

    def uri(self) -> str:
        """The URL for libpq-based clients (ADBC, psycopg2, dlt), every part
        percent-encoded; a socket directory goes in the query, behind a
        `localhost` that clients which insist on a host can see."""
        host = "localhost" if self.socket_dir else self.host
        if ":" in host:  # an IPv6 address
            host = f"[{host}]"
        query = dict(self.options) | ({"host": self.socket_dir} if self.socket_dir else {})
        encoded = "&".join(f"{key}={quote(value, safe='')}" for key, value in query.items())
        login = quote(self.user, safe="")
        if self.password:
            login += ":" + quote(self.password, safe="")
        uri = f"postgresql://{login}@{host}:{self.port}/{quote(self.dbname, safe='')}"
        return f"{uri}?{encoded}" if encoded else uri

    def connect(self, **libpq: str):
        """A psycopg2 connection, with these libpq parameters besides the URL's."""
        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=self.dbname,
            **self.options,
            **libpq,
        )

    def dbt_env(self, prefix: str) -> dict[str, str]:
        """The variables dbt's profile reads (`<prefix>_HOST`, ..., the password
        as DBT_ENV_SECRET_<prefix>_PASSWORD). libpq's
        `options` has no dbt setting: it travels as PGOPTIONS, which libpq
        reads for every connection that sets none."""
        variables = {
            "HOST": self.host,
            "PORT": str(self.port),
            "USER": self.user,
            "DBNAME": self.dbname,
            "SSLMODE": self.options.get("sslmode", ""),
            "SSLROOTCERT": self.options.get("sslrootcert", ""),
            "SSLCERT": self.options.get("sslcert", ""),
            "SSLKEY": self.options.get("sslkey", ""),
            "CONNECT_TIMEOUT": self.options.get("connect_timeout", "10"),
            "APPLICATION_NAME": self.options.get("application_name", "dbt"),
        }
        env = {f"{prefix}_{name}": value for name, value in variables.items()}
        # dbt keeps variables named DBT_ENV_SECRET_* out of its logs
        env[f"DBT_ENV_SECRET_{prefix}_PASSWORD"] = self.password
        if "options" in self.options:
            env["PGOPTIONS"] = self.options["options"]
        return env

    @contextmanager
    def service_file(self) -> Iterator[dict[str, str]]:
        """For a client key with a passphrase (`sslpassword`), which dbt's
        profile cannot pass to libpq: a libpq service file holding it, in a
        folder only this user reads, removed after the block; yields the
        variables that make libpq read it (PGSERVICEFILE, PGSERVICE), or
        none without a passphrase."""
        if "sslpassword" not in self.options:
            yield {}
            return
        with tempfile.TemporaryDirectory(prefix="libpq-") as folder:
            service = Path(folder) / "pg_service.conf"
            service.touch(mode=0o600)
            service.write_text(f"[{SERVICE}]\nsslpassword={self.options['sslpassword']}\n")
            yield {"PGSERVICEFILE": str(service), "PGSERVICE": SERVICE}

    def describe(self) -> str:
        """Where it points, without credentials: 'database x on host:port'."""
        where = f"socket {self.host}" if self.socket_dir else f"{self.host}:{self.port}"
        return f"database {self.dbname} on {where}"


def unreachable(what: str, url: PostgresUrl, reason: str, setting: str) -> str:
    """Why `what` at `url` could not be reached, in one line, credentials
    masked, with what a TLS refusal means, and the setting to check."""
    reason = mask_credentials(" ".join(reason.split()))
    hint = next((f" ({hint})" for cause, hint in TLS_REFUSALS.items() if cause in reason), "")
    where = f"cannot reach {what} ({url.describe()})"
    return f"{where}: {reason}{hint}. Check the server, or set {setting}."


def mask_credentials(text: str) -> str:
    """The text with every credential masked where it stands: the password
    of a URL (`scheme://user:***@host`) and the value of a `password=` or
    `sslpassword=` pair. Nothing else: a password that is also a word of
    the text (`p`, `postgres`) leaves the rest of the text alone."""
    text = URL_PASSWORD.sub(r"\g<login>***@", text)
    return PASSWORD_PAIR.sub(r"\g<key>***", text)


def _query_options(query: str, setting: str) -> dict[str, str]:
    """The query's options, percent-decoded as libpq decodes them ('+' is
    a plus); an option this project does not honour is refused by name."""
    options = {}
    for pair in filter(None, query.split("&")):
        key, _, value = pair.partition("=")
        key = unquote(key)
        if key not in LIBPQ_OPTIONS:
            raise UrlError(
                f"{setting} has the option {key!r}, which this project does not pass to every "
                f"component; the options it honours are {', '.join(LIBPQ_OPTIONS)}"
            )
        options[key] = unquote(value)
    return options
