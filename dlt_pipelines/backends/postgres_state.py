"""PostgreSQL: what the runs remember lives in the warehouse database,
schema `ops`, for every runner that reaches it (state_store.py says what a
store holds).

- **The lock** is a session-level advisory lock (`pg_try_advisory_lock`)
  held for the whole run by a connection of its own, with TCP keepalives on
  both sides: a runner whose process ends frees it at once (its socket
  closes); one whose host or network dies, within about a minute and a half
  (30 s idle, then 3 probes 10 s apart). Its holder is the row of
  `ops.run_lock` (run id, host, pid, since), which any role that reads
  `ops` can see; `pg_stat_activity` hides other roles' sessions. The row's
  `token` grows with every holder. A pooler in transaction mode (PgBouncer's
  `pool_mode = transaction`) hands a session's statements to several server
  sessions, which breaks a session lock: connect runs directly or through
  session mode.
- **The journal** is `ops.run_history`, one row per run, updated in place.
- **Documents** are rows of `ops.run_state` (name, gzip'd value).

The publish checks its fence inside its own transaction: the holder row,
read `for update`, still carries this run's token, and the advisory lock is
still granted to this run's lock session. A run that takes the lock next
updates that row first, so it waits until such a publish has committed.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import psycopg2

from dlt_pipelines.backends.state_store import (
    JOURNAL_COLUMNS,
    JSON_COLUMNS,
    Fence,
    StateStore,
    busy,
    holder_text,
)
from dlt_pipelines.exceptions import LockLost

if TYPE_CHECKING:
    from dlt_pipelines.backends.postgres import PostgresWarehouse

LOCK_KEYS = (1128811595, 1)  # pg_try_advisory_lock(int, int): 'CHLK', 1: the run lock
HOLDER_WAIT = 5  # seconds a refused run waits for a new holder's row, to name it
CLIENT_KEEPALIVES = {
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
}
# the server's side: it notices a runner whose host died, and never ends the
# lock's idle session on its own
SESSION_SETTINGS = (
    "tcp_keepalives_idle = 30",
    "tcp_keepalives_interval = 10",
    "tcp_keepalives_count = 3",
    "idle_session_timeout = 0",
)
# pg_locks shows every database's locks: an advisory lock is one database's
LOCK_GRANTED = (
    "select pid from pg_locks where locktype = 'advisory'"
    " and database = (select oid from pg_database where datname = current_database())"
    " and classid = %s and objid = %s and objsubid = 2 and granted"
)
# made under the lock, the holder's first: a refused run waits for its row (HOLDER_WAIT)
HOLDER_TABLES = (
    "create schema if not exists ops",
    "create table if not exists ops.run_lock (id integer primary key, token bigint not null,"
    " run_id varchar, host varchar, pid integer, since timestamp with time zone)",
)
STATE_TABLES = (
    "create table if not exists ops.run_history ("
    + ", ".join(f"{name} {kind}" for name, kind in JOURNAL_COLUMNS.items())
    + ")",
    # a warehouse of an earlier version has the table without the newer columns
    *(
        f"alter table ops.run_history add column if not exists {name} {kind}"
        for name, kind in JOURNAL_COLUMNS.items()
        if "primary key" not in kind
    ),
    "create table if not exists ops.run_state (name varchar primary key, value bytea not null,"
    " updated_at timestamp with time zone not null default now())",
)


class SessionFence(Fence):
    """This run's token and the backend pid of its lock session."""

    def __init__(self, store: PostgresStore, token: int, session: int) -> None:
        self.store, self.token, self.session = store, token, session

    def check(self, cursor: Any = None) -> None:
        """In the publish's transaction: the holder row still has this run's
        token (its row lock holds off the next holder until commit), and the
        advisory lock is still this run's session's."""
        if cursor is None:
            with self.store.warehouse.cursor() as own:
                return self.check(own)
        cursor.execute("select token from ops.run_lock where id = 1 for update")
        row = cursor.fetchone()
        cursor.execute(LOCK_GRANTED, LOCK_KEYS)
        holders = {pid for (pid,) in cursor.fetchall()}
        if row is None or row[0] != self.token or self.session not in holders:
            raise LockLost(
                f"this run lost the warehouse lock ({self.store.describe()}): its lock session "
                "ended (a network failure, or the server ended it). Nothing was published; "
                "the next run builds again."
            )
        return None


class PostgresStore(StateStore):
    """The run lock, journal and documents of a PostgreSQL warehouse, in `ops`."""

    def __init__(self, warehouse: PostgresWarehouse) -> None:
        self.warehouse = warehouse

    def describe(self) -> str:
        """The schema and the database."""
        return f"schema ops of {self.warehouse.describe()}"

    @contextmanager
    def lock(self, run_id: str) -> Iterator[Fence]:
        """Take the advisory lock on a connection of its own, kept for the block."""
        connection = self.warehouse.connect(**CLIENT_KEEPALIVES)
        connection.autocommit = True
        taken = False
        try:
            with connection.cursor() as cursor:
                for setting in SESSION_SETTINGS:
                    cursor.execute(f"set {setting}")
                cursor.execute("select pg_try_advisory_lock(%s, %s), pg_backend_pid()", LOCK_KEYS)
                taken, session = cursor.fetchone()
                if not taken:
                    raise busy(f"ops.run_lock of {self.warehouse.describe()}", self.holder())
                # under the lock: no two runs race to make the tables
                for statement in HOLDER_TABLES:
                    cursor.execute(statement)
                cursor.execute(
                    "insert into ops.run_lock values (1, 1, %s, %s, %s, now())"
                    " on conflict (id) do update set token = ops.run_lock.token + 1,"
                    " run_id = excluded.run_id, host = excluded.host, pid = excluded.pid,"
                    " since = excluded.since returning token",
                    (run_id, socket.gethostname(), os.getpid()),
                )
                (token,) = cursor.fetchone()
                for statement in STATE_TABLES:
                    cursor.execute(statement)
            yield SessionFence(self, token, session)
        finally:
            if taken:
                _release(connection)
            connection.close()

    def holder(self) -> str | None:
        """The holder row, when the advisory lock is granted to someone (a run
        that has just taken it gets HOLDER_WAIT to write its row)."""
        deadline = time.monotonic() + HOLDER_WAIT
        while True:
            with self.warehouse.cursor(read_only=True) as cursor:
                cursor.execute(LOCK_GRANTED, LOCK_KEYS)
                if cursor.fetchone() is None:
                    return None
                row = None
                if _exists(cursor, "ops.run_lock"):
                    cursor.execute("select run_id, pid, host, since from ops.run_lock where id = 1")
                    row = cursor.fetchone()
            if row is not None and row[0] is not None:
                run_id, pid, host, since = row
                since = since.astimezone(UTC).isoformat(timespec="seconds")
                return holder_text(run_id, pid, host, since)
            if time.monotonic() > deadline:
                return ""
            time.sleep(0.1)

    def records(self) -> list[dict]:
        """ops.run_history's rows, oldest first, as the records were saved."""
        with self.warehouse.cursor(read_only=True) as cursor:
            if not _exists(cursor, "ops.run_history"):
                return []
            cursor.execute("select * from ops.run_history order by started_at, run_id")
            names = [column[0] for column in cursor.description]
            return [_record(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]

    def save_record(self, record: dict) -> None:
        """One row per run id, replaced."""
        names = list(JOURNAL_COLUMNS)
        values = [
            json.dumps(record[name], sort_keys=True) if name in JSON_COLUMNS else record[name]
            for name in names
        ]
        updates = ", ".join(f"{name} = excluded.{name}" for name in names[1:])
        with self.warehouse.cursor() as cursor:
            cursor.execute(
                f"insert into ops.run_history ({', '.join(names)})"
                f" values ({', '.join(['%s'] * len(names))})"
                f" on conflict (run_id) do update set {updates}",
                values,
            )

    def read(self, name: str) -> bytes | None:
        with self.warehouse.cursor(read_only=True) as cursor:
            if not _exists(cursor, "ops.run_state"):
                return None
            cursor.execute("select value from ops.run_state where name = %s", (name,))
            row = cursor.fetchone()
        return gzip.decompress(bytes(row[0])) if row else None

    def write(self, changes: Mapping[str, bytes | None], cursor: Any = None) -> None:
        """Upserts and deletes in one transaction (the publish's, when given)."""
        if cursor is None:
            with self.warehouse.cursor() as own:
                return self.write(changes, own)
        for name, value in changes.items():
            if value is None:
                cursor.execute("delete from ops.run_state where name = %s", (name,))
            else:
                cursor.execute(
                    "insert into ops.run_state (name, value) values (%s, %s)"
                    " on conflict (name) do update set value = excluded.value, updated_at = now()",
                    (name, psycopg2.Binary(gzip.compress(value, compresslevel=1))),
                )
        return None


def _release(connection) -> None:
    """Clear the holder row and free the lock; a session already gone has
    freed it (the server ends a dead client's locks with its session)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "update ops.run_lock set run_id = null, host = null, pid = null, since = null"
                " where id = 1"
            )
            cursor.execute("select pg_advisory_unlock(%s, %s)", LOCK_KEYS)
    except psycopg2.Error:
        pass


def _exists(cursor, table: str) -> bool:
    """Tell whether the table exists (a warehouse no run of this version has locked)."""
    cursor.execute("select to_regclass(%s) is not null", (table,))
    return cursor.fetchone()[0]


def _record(row: dict) -> dict:
    """A journal row as the record was saved: instants and dates as ISO text
    (UTC), the JSON columns parsed."""
    for name, value in row.items():
        if isinstance(value, datetime):
            row[name] = value.astimezone(UTC).isoformat()
        elif isinstance(value, date):
            row[name] = value.isoformat()
        elif name in JSON_COLUMNS:
            row[name] = json.loads(value) if value else {}
    return row
