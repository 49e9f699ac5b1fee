"""The `random` profile, version 2: seeded rows with production's shape,
linear in scale, made chunk by chunk in a memory that does not grow with it.

Scale 1 is about 10k rows; every table grows linearly (`ROWS_PER_SCALE`).
The shape follows what the audit found: a long tail of activity (a few
people do most of it), soft deletes everywhere, persons removed outright
whose uuids live on in Engagement (ghosts), collections with NULL privacy
from before the setting shipped, pending group invites, reports resolved
later. Rows span the year before `end`, so an as-of date before `end` also
sees events after it. The same scale and seed always give the same rows.

Every value of a row is a pure function of the seed, its table, its column
and its row number (a counter-based hash, splitmix64): a table is written
`CHUNK_ROWS` rows at a time, and a child row finds what it needs of its
parent (a post's author and time, for a comment) by computing that parent
row, not by looking it up in a table held in memory. A long-tailed choice
(a few persons write most posts) draws a rank from a power law by its
inverse CDF and maps it to a row by an affine permutation (a golden-ratio
step), so no array the size of a table is ever made. Version 1 built every table whole in memory
(scale 4,000 was killed at 23 GB); version 2 is a new dataset of the same
shape, not the same rows.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterator
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute

PROFILE_VERSION = 2
ROWS_PER_SCALE = {
    "persons": 1000,
    "view_access": 2000,
    "query_votes": 800,
    "collections": 400,
    "query_embeddings": 100,
    "groups": 20,
    "posts": 2000,
    "comments": 2500,
    "mentions": 500,
    "reports": 100,
    "group_members": 400,
}
CHUNK_ROWS = 100_000  # rows made and written at a time
DEFAULT_END = date(2025, 11, 10)
SPAN = np.timedelta64(365, "D")
NAT = np.datetime64("NaT", "us")
POST_TYPES = ("text", "link", "image", "file")
POST_TYPE_SHARES = (0.5, 0.2, 0.2, 0.1)
LINK_DOMAINS = ("pubs.acs.org", "www.nature.com", "chemrxiv.org", "pubchem.ncbi.nlm.nih.gov",
                "example.com")  # fmt: skip
POST_METADATA = (
    None,
    None,  # a link's is its URL
    json.dumps({"width": 1200, "height": 800}),
    json.dumps({"filename": "datasheet.pdf", "size_bytes": 48213}),
)
NAMES = ("Ada", "Ben", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana")
HARD_DELETED_SHARE = 0.01
EMBEDDING_DIMENSIONS = 32
TEXTS = 1000  # the pool of short texts contents are drawn from
WORDS = [
    *("solvent", "catalyst", "yield", "assay", "polymer", "reagent", "batch", "purity"),
    *("chromatography", "synthesis", "scale-up", "supplier", "spectrum", "titration"),
    *("distillation", "crystal", "lab", "safety", "datasheet", "protocol", "sample"),
    *("enzyme", "ligand", "buffer", "reactor"),
]
TAIL_EXPONENT = 1.1  # a long tail: the k-th most active draws ~ 1 / k^1.1 of the choices
GOLDEN = (5**0.5 - 1) / 2
U64 = np.uint64


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of uint64 that scatters every bit."""
    with np.errstate(over="ignore"):
        values = values + U64(0x9E3779B97F4A7C15)
        values = (values ^ (values >> U64(30))) * U64(0xBF58476D1CE4E5B9)
        values = (values ^ (values >> U64(27))) * U64(0x94D049BB133111EB)
        return values ^ (values >> U64(31))


class Draws:
    """The random numbers of one table: each depends only on the seed, the
    table, the column and the row number."""

    def __init__(self, seed: int, table: str) -> None:
        self.key = _mix(np.array([seed ^ (zlib.crc32(table.encode()) << 32)], dtype=U64))[0]

    def _bits(self, column: str, rows: np.ndarray) -> np.ndarray:
        stream = _mix(np.array([self.key ^ U64(zlib.crc32(column.encode()))], dtype=U64))[0]
        with np.errstate(over="ignore"):
            return _mix(rows.astype(U64) * U64(0xD1B54A32D192ED03) ^ stream)

    def uniform(self, column: str, rows: np.ndarray) -> np.ndarray:
        """A number in [0, 1) per row."""
        return (self._bits(column, rows) >> U64(11)).astype(np.float64) * 2.0**-53

    def chance(self, column: str, rows: np.ndarray, share: float) -> np.ndarray:
        """True for about `share` of the rows."""
        return self.uniform(column, rows) < share

    def integers(self, column: str, rows: np.ndarray, count: int) -> np.ndarray:
        """A number in [0, count) per row, uniform."""
        return (self.uniform(column, rows) * count).astype(np.int64)

    def choice(self, column: str, rows: np.ndarray, shares: tuple[float, ...]) -> np.ndarray:
        """An index into `shares` per row, drawn with those shares."""
        return np.searchsorted(np.cumsum(shares), self.uniform(column, rows), side="right")

    def long_tail(self, column: str, rows: np.ndarray, population: int) -> np.ndarray:
        """A row of a population of `population` per row, a few drawn very
        often: a rank from a power law (by its inverse CDF), then the rank's
        row by an affine permutation of [0, population)."""
        top = 1.0 - (population + 1.0) ** (1.0 - TAIL_EXPONENT)
        draw = (1.0 - self.uniform(column, rows) * top) ** (1.0 / (1.0 - TAIL_EXPONENT))
        rank = np.minimum(draw.astype(np.int64) - 1, population - 1)
        # a golden-ratio step, coprime to the population: neighbouring ranks
        # land far apart (rows of a table are in time order)
        factor = max(1, round(population * GOLDEN))
        while math.gcd(factor, population) != 1:
            factor += 1
        offset = int(self.integers(f"{column}:offset", np.zeros(1, np.int64), population)[0])
        return (rank * factor + offset) % population

    def uuids(self, column: str, rows: np.ndarray) -> np.ndarray:
        """A version-4 uuid per row, as 32 hex digits (PostgreSQL takes them so)."""
        halves = np.stack([self._bits(column, rows), self._bits(f"{column}:2", rows)], axis=1)
        raw = halves.view(np.uint8).reshape(len(rows), 16).copy()
        raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
        raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
        return np.frombuffer(raw.tobytes().hex().encode(), dtype="S32").astype("U32")


class RandomProfile:
    """The random rows, table by table, chunk by chunk (`tables()`)."""

    def __init__(self, scale: int, seed: int, end: date = DEFAULT_END) -> None:
        if scale < 1:
            raise ValueError("scale must be a positive integer")
        self.rows = {table: per_scale * scale for table, per_scale in ROWS_PER_SCALE.items()}
        self.end = np.datetime64(end, "us")
        self.start = self.end - SPAN
        self.draws = {table: Draws(seed, table) for table in ROWS_PER_SCALE}
        self.texts = pa.array(_sentences(np.random.default_rng(seed), TEXTS))

    def tables(self) -> dict[str, dict[str, Iterator[pa.Table]]]:
        """Both databases' tables, each as chunks of rows made as they are read:
        {source: {table: chunks}}, in load order."""
        return {
            "chemlink": {
                name: self._chunks(name)
                for name in (
                    "persons",
                    "view_access",
                    "query_votes",
                    "collections",
                    "query_embeddings",
                )
            },
            "engagement": {
                name: self._chunks(name)
                for name in ("groups", "posts", "comments", "mentions", "reports", "group_members")
            },
        }

    def _chunks(self, table: str) -> Iterator[pa.Table]:
        """The table's rows, CHUNK_ROWS at a time."""
        make = getattr(self, f"_{table}")
        for first in range(0, self.rows[table], CHUNK_ROWS):
            rows = np.arange(first, min(first + CHUNK_ROWS, self.rows[table]), dtype=np.int64)
            columns = make(rows)
            if table == "persons":  # removed outright: ChemLink lacks them, Engagement not
                columns = _rows_where(columns, ~self.hard_deleted(rows))
            yield _table(columns)

    # what children need of their parents, by row number ---------------------

    def person_created_at(self, rows: np.ndarray) -> np.ndarray:
        """Signups that grow over the year, in row order (v1 sorted them)."""
        jitter = self.draws["persons"].uniform("created_at", rows)
        share = (rows + jitter) / self.rows["persons"]
        return self.start + (SPAN * share**0.7).astype("m8[us]")

    def person_uuid(self, rows: np.ndarray) -> np.ndarray:
        return self.draws["persons"].uuids("person_id", rows)

    def hard_deleted(self, rows: np.ndarray) -> np.ndarray:
        return self.draws["persons"].chance("hard_deleted", rows, HARD_DELETED_SHARE)

    def chemlink_person(self, table: str, column: str, rows: np.ndarray, tail: bool) -> np.ndarray:
        """A person ChemLink still has, per row: drawn from the long tail (or
        uniformly), moved to the next person while removed outright."""
        draws, population = self.draws[table], self.rows["persons"]
        if tail:
            person = draws.long_tail(column, rows, population)
        else:
            person = draws.integers(column, rows, population)
        while (removed := self.hard_deleted(person)).any():
            person = np.where(removed, (person + 1) % population, person)
        return person

    def group_created_at(self, rows: np.ndarray) -> np.ndarray:
        creator = self.draws["groups"].long_tail("creator", rows, self.rows["persons"])
        return self._later("groups", "created_at", rows, self.person_created_at(creator), 2.0)

    def post_author(self, rows: np.ndarray) -> np.ndarray:
        return self.draws["posts"].long_tail("author", rows, self.rows["persons"])

    def post_group(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether each post is in a group, and which."""
        draws = self.draws["posts"]
        return draws.chance("in_group", rows, 0.2), draws.integers(
            "group", rows, self.rows["groups"]
        )

    def post_created_at(self, rows: np.ndarray) -> np.ndarray:
        in_group, group = self.post_group(rows)
        earliest = self.person_created_at(self.post_author(rows))
        earliest = np.where(in_group, np.maximum(earliest, self.group_created_at(group)), earliest)
        return self._later("posts", "created_at", rows, earliest, 2.0)

    def post_uuid(self, rows: np.ndarray) -> np.ndarray:
        return self.draws["posts"].uuids("id", rows)

    def comment_post(self, rows: np.ndarray) -> np.ndarray:
        return self.draws["comments"].long_tail("post", rows, self.rows["posts"])

    def comment_author(self, rows: np.ndarray) -> np.ndarray:
        return self.draws["comments"].long_tail("author", rows, self.rows["persons"])

    def comment_created_at(self, rows: np.ndarray) -> np.ndarray:
        posted = self.post_created_at(self.comment_post(rows))
        return self._later("comments", "created_at", rows, posted, 3.0)

    def comment_uuid(self, rows: np.ndarray) -> np.ndarray:
        return self.draws["comments"].uuids("id", rows)

    # ChemLink ---------------------------------------------------------------

    def _persons(self, rows: np.ndarray) -> dict:
        """Signups that grow over the year; edits, soft and hard deletes."""
        draws, n = self.draws["persons"], len(rows)
        created_at = self.person_created_at(rows)
        edited = draws.chance("edited", rows, 0.6)
        later = self._later("persons", "updated_at", rows, created_at, 1.5)
        updated_at = np.where(edited, later, created_at)
        deleted = draws.chance("deleted", rows, 0.03)
        deleted_at = self._later("persons", "deleted_at", rows, updated_at, 1.0)
        ids = rows + 1
        names = pa.array(NAMES)
        return {
            "id": ids,
            "person_id": self.person_uuid(rows),
            "email": np.char.add(np.char.add("person", ids.astype(str)), "@example.com"),
            "first_name": names.take(draws.integers("first_name", rows, len(NAMES))),
            "last_name": _nullable(
                names.take(draws.integers("last_name", rows, len(NAMES))),
                draws.chance("no_last_name", rows, 0.1),
            ),
            "headline": _nullable(
                np.full(n, "Process chemist"), draws.chance("no_headline", rows, 0.5)
            ),
            "company": _nullable(
                np.full(n, "Acme Chemicals"), draws.chance("no_company", rows, 0.3)
            ),
            "country_code": _nullable(
                np.array(["DE", "US", "GB", "IN"])[draws.integers("country", rows, 4)],
                draws.chance("no_country", rows, 0.2),
            ),
            "account_type": np.where(draws.chance("finder", rows, 0.03), "finder", "standard"),
            "created_at": created_at,
            "updated_at": np.where(deleted, deleted_at, updated_at),
            "deleted_at": np.where(deleted, deleted_at, NAT),
        }

    def _view_access(self, rows: np.ndarray) -> dict:
        """Profile unlocks: a few heavy viewers, anyone can be viewed."""
        viewer = self.chemlink_person("view_access", "viewer", rows, tail=True)
        viewed = self.chemlink_person("view_access", "viewed", rows, tail=False)
        joined = self.person_created_at(viewer)
        created_at = self._later("view_access", "created_at", rows, joined, 2.0)
        return {
            "id": rows + 1,
            "person_id": viewer + 1,
            "viewed_person_id": viewed + 1,
            "created_at": created_at,
            "updated_at": created_at,
            "deleted_at": self._sometimes_later("view_access", rows, created_at, 0.05),
        }

    def _query_votes(self, rows: np.ndarray) -> dict:
        """Votes on saved queries; some are changed later (updated_at moves)."""
        draws = self.draws["query_votes"]
        voter = self.chemlink_person("query_votes", "voter", rows, tail=True)
        joined = self.person_created_at(voter)
        created_at = self._later("query_votes", "created_at", rows, joined, 2.0)
        changed = self._later("query_votes", "changed_at", rows, created_at, 1.0)
        return {
            "id": rows + 1,
            "voter_id": voter + 1,
            "query_id": draws.integers("query", rows, max(50, self.rows["query_votes"] // 20)) + 1,
            "vote": np.where(draws.chance("up", rows, 0.8), 1, -1).astype(np.int16),
            "created_at": created_at,
            "updated_at": np.where(draws.chance("changed", rows, 0.15), changed, created_at),
        }

    def _collections(self, rows: np.ndarray) -> dict:
        """Saved lists; NULL privacy before the setting shipped."""
        draws = self.draws["collections"]
        owner = self.chemlink_person("collections", "owner", rows, tail=True)
        joined = self.person_created_at(owner)
        created_at = self._later("collections", "created_at", rows, joined, 2.0)
        privacy_shipped = self.start + (SPAN * 0.4).astype("m8[us]")
        privacy = np.where(draws.chance("public", rows, 0.6), "PUBLIC", "PRIVATE")
        return {
            "id": rows + 1,
            "person_id": owner + 1,
            "name": np.char.add("Shortlist ", (rows + 1).astype(str)),
            "privacy": _nullable(privacy, created_at < privacy_shipped),
            "created_at": created_at,
            "updated_at": created_at,
            "deleted_at": self._sometimes_later("collections", rows, created_at, 0.08),
        }

    def _query_embeddings(self, rows: np.ndarray) -> dict:
        """System rows with a vector each; no person column."""
        draws = self.draws["query_embeddings"]
        vectors = np.round(
            np.stack(
                [draws.uniform(f"v{d}", rows) * 2 - 1 for d in range(EMBEDDING_DIMENSIONS)], axis=1
            ),
            4,
        )
        return {
            "id": rows + 1,
            "query_text": self.texts.take(draws.integers("text", rows, TEXTS)),
            "model": np.full(len(rows), "text-embedding-3-small"),
            "embedding": np.array(["{" + ",".join(map(str, v)) + "}" for v in vectors]),
            "created_at": self.start + (SPAN * draws.uniform("created_at", rows)).astype("m8[us]"),
        }

    # Engagement -------------------------------------------------------------

    def _groups(self, rows: np.ndarray) -> dict:
        """Groups made by active people; a few deleted."""
        draws = self.draws["groups"]
        creator = draws.long_tail("creator", rows, self.rows["persons"])
        created_at = self.group_created_at(rows)
        return {
            "id": rows + 1,
            "name": np.char.add("Group ", (rows + 1).astype(str)),
            "created_by": self.person_uuid(creator),
            "visibility": np.where(draws.chance("public", rows, 0.7), "public", "private"),
            "created_at": created_at,
            "updated_at": created_at,
            "deleted_at": self._sometimes_later("groups", rows, created_at, 0.05),
        }

    def _posts(self, rows: np.ndarray) -> dict:
        """Posts by a long tail of authors (ghosts included), some in groups."""
        draws = self.draws["posts"]
        in_group, group = self.post_group(rows)
        created_at = self.post_created_at(rows)
        post_type = draws.choice("type", rows, POST_TYPE_SHARES)
        deleted_at = self._sometimes_later("posts", rows, created_at, 0.15)
        edited_at = self._sometimes_later("posts", rows, created_at, 0.2, "edited")
        domains = np.array(LINK_DOMAINS)[draws.long_tail("domain", rows, len(LINK_DOMAINS))]
        link = np.char.add(np.char.add('{"url": "https://', domains), '/article/1"}')
        return {
            "id": self.post_uuid(rows),
            "person_id": self.person_uuid(self.post_author(rows)),
            "type": np.array(POST_TYPES)[post_type],
            "status": np.array(["approved", "pending", "rejected"])[
                draws.choice("status", rows, (0.85, 0.1, 0.05))
            ],
            "content": self.texts.take(draws.integers("content", rows, TEXTS)),
            "metadata": np.where(post_type == 1, link, np.array(POST_METADATA)[post_type]),
            "group_id": _nullable(group + 1, ~in_group),
            "created_at": created_at,
            "updated_at": _coalesce(deleted_at, edited_at, created_at),
            "deleted_at": deleted_at,
        }

    def _comments(self, rows: np.ndarray) -> dict:
        """Comments, mostly soon after their post; popular posts get more."""
        draws = self.draws["comments"]
        created_at = self.comment_created_at(rows)
        deleted_at = self._sometimes_later("comments", rows, created_at, 0.1)
        return {
            "id": self.comment_uuid(rows),
            "post_id": self.post_uuid(self.comment_post(rows)),
            "person_id": self.person_uuid(self.comment_author(rows)),
            "content": self.texts.take(draws.integers("content", rows, TEXTS)),
            "created_at": created_at,
            "updated_at": _coalesce(deleted_at, created_at),
            "deleted_at": deleted_at,
        }

    def _mentions(self, rows: np.ndarray) -> dict:
        """Mentions made in a post or a comment, by its author, when it was written."""
        draws = self.draws["mentions"]
        on_post = draws.chance("on_post", rows, 0.5)
        post = draws.integers("post", rows, self.rows["posts"])
        comment = draws.integers("comment", rows, self.rows["comments"])
        by = np.where(on_post, self.post_author(post), self.comment_author(comment))
        mentioned = draws.integers("mentioned", rows, self.rows["persons"])
        return {
            "id": rows + 1,
            "post_id": _nullable(self.post_uuid(post), ~on_post),
            "comment_id": _nullable(self.comment_uuid(comment), on_post),
            "mentioned_person_id": self.person_uuid(mentioned),
            "mentioned_by_person_id": self.person_uuid(by),
            "created_at": np.where(
                on_post, self.post_created_at(post), self.comment_created_at(comment)
            ),
        }

    def _reports(self, rows: np.ndarray) -> dict:
        """Moderation reports; most are resolved or dismissed some days later."""
        draws = self.draws["reports"]
        on_post = draws.chance("on_post", rows, 0.7)
        post = draws.integers("post", rows, self.rows["posts"])
        comment = draws.integers("comment", rows, self.rows["comments"])
        reported_at = np.where(
            on_post, self.post_created_at(post), self.comment_created_at(comment)
        )
        created_at = self._later("reports", "created_at", rows, reported_at, 3.0)
        resolved_at = self._sometimes_later("reports", rows, created_at, 0.7)
        status = np.where(draws.chance("resolved", rows, 0.7), "resolved", "dismissed")
        reasons = np.array(["spam", "abuse", "off-topic", "copyright"])
        return {
            "id": rows + 1,
            "reporter_id": self.person_uuid(draws.integers("reporter", rows, self.rows["persons"])),
            "post_id": _nullable(self.post_uuid(post), ~on_post),
            "comment_id": _nullable(self.comment_uuid(comment), on_post),
            "reason": reasons[draws.integers("reason", rows, len(reasons))],
            "status": np.where(np.isnat(resolved_at), "open", status),
            "created_at": created_at,
            "resolved_at": resolved_at,
        }

    def _group_members(self, rows: np.ndarray) -> dict:
        """Invites and requests; most confirmed, some pending, some left."""
        draws = self.draws["group_members"]
        group = draws.integers("group", rows, self.rows["groups"])
        member = draws.long_tail("member", rows, self.rows["persons"])
        created_at = self._later("group_members", "created_at", rows, self.group_created_at(group),
                                 2.0)  # fmt: skip
        confirmed_at = self._sometimes_later("group_members", rows, created_at, 0.8, "confirmed")
        left_at = self._sometimes_later(
            "group_members", rows, _coalesce(confirmed_at, created_at), 0.1
        )
        roles = np.array(["owner", "admin", "member"])
        return {
            "id": rows + 1,
            "group_id": group + 1,
            "person_id": self.person_uuid(member),
            "role": roles[draws.choice("role", rows, (0.05, 0.1, 0.85))],
            "created_at": created_at,
            "updated_at": _coalesce(left_at, confirmed_at, created_at),
            "confirmed_at": confirmed_at,
            "deleted_at": left_at,
        }

    # helpers ----------------------------------------------------------------

    def _later(
        self, table: str, column: str, rows: np.ndarray, after: np.ndarray, skew: float
    ) -> np.ndarray:
        """An instant between `after` and the end, near `after` for larger `skew`."""
        room = (self.end - after).astype(np.int64)
        share = self.draws[table].uniform(column, rows) ** skew
        return after + (room * share).astype("m8[us]")

    def _sometimes_later(
        self,
        table: str,
        rows: np.ndarray,
        after: np.ndarray,
        share: float,
        what: str = "deleted",
    ) -> np.ndarray:
        """`_later` for a `share` of the rows, NaT (NULL) for the others."""
        happened = self.draws[table].chance(f"{what}:happened", rows, share)
        return np.where(happened, self._later(table, f"{what}_at", rows, after, 1.5), NAT)


def _sentences(rng: np.random.Generator, count: int) -> list[str]:
    """A pool of short texts to draw contents from."""
    lengths = rng.integers(3, 25, count)
    return [" ".join(rng.choice(WORDS, size)) for size in lengths]


def _rows_where(columns: dict, keep: np.ndarray) -> dict:
    """The rows of `columns` where `keep` is true."""
    arrow = (pa.Array, pa.ChunkedArray)
    return {
        name: values.filter(pa.array(keep)) if isinstance(values, arrow) else values[keep]
        for name, values in columns.items()
    }


def _nullable(values: np.ndarray | pa.Array, is_null: np.ndarray) -> pa.Array:
    """`values` as an arrow array, NULL where `is_null`."""
    if isinstance(values, pa.Array):
        return pa.compute.if_else(pa.array(is_null), pa.nulls(len(values), values.type), values)
    return pa.array(values, mask=is_null)


def _coalesce(*columns: np.ndarray) -> np.ndarray:
    """Element-wise first non-NULL (non-NaT) timestamp."""
    result = columns[-1]
    for column in reversed(columns[:-1]):
        result = np.where(np.isnat(column), result, column)
    return result


def _table(columns: dict) -> pa.Table:
    """The columns as an arrow table; timestamps become UTC instants, NaT NULL."""
    arrays = {}
    for name, values in columns.items():
        if isinstance(values, np.ndarray) and values.dtype.kind == "M":
            arrays[name] = pa.array(
                values, type=pa.timestamp("us", tz="UTC"), mask=np.isnat(values)
            )
        elif isinstance(values, np.ndarray):  # text with NULLs is text in every chunk
            arrays[name] = pa.array(values, type=pa.string() if values.dtype == object else None)
        else:
            arrays[name] = values
    return pa.table(arrays)


def random_tables(
    scale: int, seed: int, end: date = DEFAULT_END
) -> dict[str, dict[str, Iterator[pa.Table]]]:
    """The random profile's rows: {source: {table: chunks of rows}}, made as read."""
    return RandomProfile(scale, seed, end).tables()
