"""The `random` profile: seeded rows with production's shape, linear in scale.

Scale 1 is about 10k rows; every table grows linearly (`ROWS_PER_SCALE`).
The shape follows what the audit found: a long tail of activity (a few
people do most of it), soft deletes everywhere, persons removed outright
whose uuids live on in Engagement (ghosts), collections with NULL privacy
from before the setting shipped, pending group invites, reports resolved
later. Rows span the year before `end`, so an as-of date before `end` also
sees events after it. The same scale and seed always give the same rows.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pyarrow as pa

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
DEFAULT_END = date(2025, 11, 10)
SPAN = np.timedelta64(365, "D")
NAT = np.datetime64("NaT", "us")
POST_TYPES = np.array(["text", "link", "image", "file"])
LINK_DOMAINS = np.array(
    ["pubs.acs.org", "www.nature.com", "chemrxiv.org", "pubchem.ncbi.nlm.nih.gov", "example.com"]
)
POST_METADATA = np.array(
    [
        None,
        json.dumps({"url": "https://example.com/articles/42"}),
        json.dumps({"width": 1200, "height": 800}),
        json.dumps({"filename": "datasheet.pdf", "size_bytes": 48213}),
    ]
)
HARD_DELETED_SHARE = 0.01
EMBEDDING_DIMENSIONS = 32
WORDS = [
    *("solvent", "catalyst", "yield", "assay", "polymer", "reagent", "batch", "purity"),
    *("chromatography", "synthesis", "scale-up", "supplier", "spectrum", "titration"),
    *("distillation", "crystal", "lab", "safety", "datasheet", "protocol", "sample"),
    *("enzyme", "ligand", "buffer", "reactor"),
]


class RandomProfile:
    """Builds the random rows; `tables()` returns them per source database."""

    def __init__(self, scale: int, seed: int, end: date = DEFAULT_END) -> None:
        if scale < 1:
            raise ValueError("scale must be a positive integer")
        self.rows = {table: per_scale * scale for table, per_scale in ROWS_PER_SCALE.items()}
        self.end = np.datetime64(end, "us")
        self.start = self.end - SPAN
        streams = np.random.SeedSequence(seed).spawn(len(ROWS_PER_SCALE))
        self.streams = dict(zip(ROWS_PER_SCALE, streams, strict=True))
        self.text_pool = self._sentences(np.random.default_rng(seed), 1000)

    def tables(self) -> dict[str, dict[str, pa.Table]]:
        """All rows of both databases: {source: {table: rows}}, in load order."""
        persons = self._persons()
        chemlink_persons = _rows_where(persons, ~persons.pop("_hard_deleted"))
        groups = self._groups(persons)
        posts = self._posts(persons, groups)
        comments = self._comments(persons, posts)
        return {
            "chemlink": {
                "persons": _table(chemlink_persons),
                "view_access": _table(self._view_access(chemlink_persons)),
                "query_votes": _table(self._query_votes(chemlink_persons)),
                "collections": _table(self._collections(chemlink_persons)),
                "query_embeddings": _table(self._query_embeddings()),
            },
            "engagement": {
                "groups": _table(groups),
                "posts": _table(posts),
                "comments": _table(comments),
                "mentions": _table(self._mentions(persons, posts, comments)),
                "reports": _table(self._reports(persons, posts, comments)),
                "group_members": _table(self._group_members(persons, groups)),
            },
        }

    # ChemLink ---------------------------------------------------------------

    def _persons(self) -> dict[str, np.ndarray]:
        """Signups that grow over the year; edits, soft and hard deletes."""
        rng, n = self._rng("persons"), self.rows["persons"]
        created_at = np.sort(self.start + (SPAN * rng.random(n) ** 0.7).astype("m8[us]"))
        edited = rng.random(n) < 0.6
        updated_at = np.where(edited, self._later(rng, created_at, 1.5), created_at)
        deleted = rng.random(n) < 0.03
        deleted_at = self._later(rng, updated_at, 1.0)
        names = np.array(["Ada", "Ben", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana"])
        ids = np.arange(1, n + 1)
        return {
            "id": ids,
            "person_id": _uuids(rng, n),
            "email": np.char.add(np.char.add("person", ids.astype(str)), "@example.com"),
            "first_name": names[rng.integers(0, len(names), n)],
            "last_name": _nullable(names[rng.integers(0, 8, n)], rng.random(n) < 0.1),
            "headline": _nullable(np.full(n, "Process chemist"), rng.random(n) < 0.5),
            "company": _nullable(np.full(n, "Acme Chemicals"), rng.random(n) < 0.3),
            "country_code": _nullable(
                np.array(["DE", "US", "GB", "IN"])[rng.integers(0, 4, n)], rng.random(n) < 0.2
            ),
            "account_type": np.where(rng.random(n) < 0.03, "finder", "standard"),
            "created_at": created_at,
            "updated_at": np.where(deleted, deleted_at, updated_at),
            "deleted_at": np.where(deleted, deleted_at, NAT),
            "_hard_deleted": rng.random(n) < HARD_DELETED_SHARE,
        }

    def _view_access(self, persons: dict) -> dict[str, np.ndarray]:
        """Profile unlocks: a few heavy viewers, anyone can be viewed."""
        rng, n = self._rng("view_access"), self.rows["view_access"]
        viewer = _long_tail(rng, len(persons["id"]), n)
        created_at = self._later(rng, persons["created_at"][viewer], 2.0)
        return {
            "id": np.arange(1, n + 1),
            "person_id": persons["id"][viewer],
            "viewed_person_id": persons["id"][rng.integers(0, len(persons["id"]), n)],
            "created_at": created_at,
            "updated_at": created_at,
            "deleted_at": self._sometimes_later(rng, created_at, 0.05),
        }

    def _query_votes(self, persons: dict) -> dict[str, np.ndarray]:
        """Votes on saved queries; some are changed later (updated_at moves)."""
        rng, n = self._rng("query_votes"), self.rows["query_votes"]
        voter = _long_tail(rng, len(persons["id"]), n)
        created_at = self._later(rng, persons["created_at"][voter], 2.0)
        changed = rng.random(n) < 0.15
        return {
            "id": np.arange(1, n + 1),
            "voter_id": persons["id"][voter],
            "query_id": rng.integers(1, max(50, n // 20), n),
            "vote": np.where(rng.random(n) < 0.8, 1, -1).astype(np.int16),
            "created_at": created_at,
            "updated_at": np.where(changed, self._later(rng, created_at, 1.0), created_at),
        }

    def _collections(self, persons: dict) -> dict[str, np.ndarray]:
        """Saved lists; NULL privacy before the setting shipped."""
        rng, n = self._rng("collections"), self.rows["collections"]
        owner = _long_tail(rng, len(persons["id"]), n)
        created_at = self._later(rng, persons["created_at"][owner], 2.0)
        privacy_shipped = self.start + (SPAN * 0.4).astype("m8[us]")
        privacy = np.where(rng.random(n) < 0.6, "PUBLIC", "PRIVATE")
        return {
            "id": np.arange(1, n + 1),
            "person_id": persons["id"][owner],
            "name": np.char.add("Shortlist ", np.arange(1, n + 1).astype(str)),
            "privacy": _nullable(privacy, created_at < privacy_shipped),
            "created_at": created_at,
            "updated_at": created_at,
            "deleted_at": self._sometimes_later(rng, created_at, 0.08),
        }

    def _query_embeddings(self) -> dict[str, np.ndarray]:
        """System rows with a vector each; no person column."""
        rng, n = self._rng("query_embeddings"), self.rows["query_embeddings"]
        vectors = np.round(rng.uniform(-1, 1, (n, EMBEDDING_DIMENSIONS)), 4)
        return {
            "id": np.arange(1, n + 1),
            "query_text": self.text_pool[rng.integers(0, len(self.text_pool), n)],
            "model": np.full(n, "text-embedding-3-small"),
            "embedding": np.array(["{" + ",".join(map(str, v)) + "}" for v in vectors]),
            "created_at": self.start + (SPAN * rng.random(n)).astype("m8[us]"),
        }

    # Engagement -------------------------------------------------------------

    def _groups(self, persons: dict) -> dict[str, np.ndarray]:
        """Groups made by active people; a few deleted."""
        rng, n = self._rng("groups"), self.rows["groups"]
        creator = _long_tail(rng, len(persons["id"]), n)
        created_at = self._later(rng, persons["created_at"][creator], 2.0)
        return {
            "id": np.arange(1, n + 1),
            "name": np.char.add("Group ", np.arange(1, n + 1).astype(str)),
            "created_by": persons["person_id"][creator],
            "visibility": np.where(rng.random(n) < 0.7, "public", "private"),
            "created_at": created_at,
            "updated_at": created_at,
            "deleted_at": self._sometimes_later(rng, created_at, 0.05),
        }

    def _posts(self, persons: dict, groups: dict) -> dict[str, np.ndarray]:
        """Posts by a long tail of authors (ghosts included), some in groups."""
        rng, n = self._rng("posts"), self.rows["posts"]
        author = _long_tail(rng, len(persons["id"]), n)
        in_group = rng.random(n) < 0.2
        group = rng.integers(0, len(groups["id"]), n)
        earliest = np.where(
            in_group,
            np.maximum(persons["created_at"][author], groups["created_at"][group]),
            persons["created_at"][author],
        )
        created_at = self._later(rng, earliest, 2.0)
        post_type = rng.choice(len(POST_TYPES), n, p=[0.5, 0.2, 0.2, 0.1])
        deleted_at = self._sometimes_later(rng, created_at, 0.15)
        edited_at = self._sometimes_later(rng, created_at, 0.2)
        return {
            "id": _uuids(rng, n),
            "person_id": persons["person_id"][author],
            "type": POST_TYPES[post_type],
            "status": np.array(["approved", "pending", "rejected"])[
                rng.choice(3, n, p=[0.85, 0.1, 0.05])
            ],
            "content": self.text_pool[rng.integers(0, len(self.text_pool), n)],
            "metadata": np.where(
                post_type == 1, self._link_metadata(rng, n), POST_METADATA[post_type]
            ),
            "group_id": _nullable(groups["id"][group], ~in_group),
            "created_at": created_at,
            "updated_at": _coalesce(deleted_at, edited_at, created_at),
            "deleted_at": deleted_at,
        }

    def _comments(self, persons: dict, posts: dict) -> dict[str, np.ndarray]:
        """Comments, mostly soon after their post; popular posts get more."""
        rng, n = self._rng("comments"), self.rows["comments"]
        post = _long_tail(rng, len(posts["id"]), n)
        author = _long_tail(rng, len(persons["id"]), n)
        created_at = self._later(rng, posts["created_at"][post], 3.0)
        deleted_at = self._sometimes_later(rng, created_at, 0.1)
        return {
            "id": _uuids(rng, n),
            "post_id": posts["id"][post],
            "person_id": persons["person_id"][author],
            "content": self.text_pool[rng.integers(0, len(self.text_pool), n)],
            "created_at": created_at,
            "updated_at": _coalesce(deleted_at, created_at),
            "deleted_at": deleted_at,
        }

    def _mentions(self, persons: dict, posts: dict, comments: dict) -> dict[str, np.ndarray]:
        """Mentions made in a post or a comment, by its author, when it was written."""
        rng, n = self._rng("mentions"), self.rows["mentions"]
        on_post = rng.random(n) < 0.5
        post = rng.integers(0, len(posts["id"]), n)
        comment = rng.integers(0, len(comments["id"]), n)
        return {
            "id": np.arange(1, n + 1),
            "post_id": _nullable(posts["id"][post], ~on_post),
            "comment_id": _nullable(comments["id"][comment], on_post),
            "mentioned_person_id": persons["person_id"][rng.integers(0, len(persons["id"]), n)],
            "mentioned_by_person_id": np.where(
                on_post, posts["person_id"][post], comments["person_id"][comment]
            ),
            "created_at": np.where(
                on_post, posts["created_at"][post], comments["created_at"][comment]
            ),
        }

    def _reports(self, persons: dict, posts: dict, comments: dict) -> dict[str, np.ndarray]:
        """Moderation reports; most are resolved or dismissed some days later."""
        rng, n = self._rng("reports"), self.rows["reports"]
        on_post = rng.random(n) < 0.7
        post = rng.integers(0, len(posts["id"]), n)
        comment = rng.integers(0, len(comments["id"]), n)
        reported_at = np.where(on_post, posts["created_at"][post], comments["created_at"][comment])
        created_at = self._later(rng, reported_at, 3.0)
        resolved_at = self._sometimes_later(rng, created_at, 0.7)
        status = np.where(rng.random(n) < 0.7, "resolved", "dismissed")
        return {
            "id": np.arange(1, n + 1),
            "reporter_id": persons["person_id"][rng.integers(0, len(persons["id"]), n)],
            "post_id": _nullable(posts["id"][post], ~on_post),
            "comment_id": _nullable(comments["id"][comment], on_post),
            "reason": np.array(["spam", "abuse", "off-topic", "copyright"])[rng.integers(0, 4, n)],
            "status": np.where(np.isnat(resolved_at), "open", status),
            "created_at": created_at,
            "resolved_at": resolved_at,
        }

    def _group_members(self, persons: dict, groups: dict) -> dict[str, np.ndarray]:
        """Invites and requests; most confirmed, some pending, some left."""
        rng, n = self._rng("group_members"), self.rows["group_members"]
        group = rng.integers(0, len(groups["id"]), n)
        member = _long_tail(rng, len(persons["id"]), n)
        created_at = self._later(rng, groups["created_at"][group], 2.0)
        confirmed_at = self._sometimes_later(rng, created_at, 0.8)
        left_at = self._sometimes_later(rng, _coalesce(confirmed_at, created_at), 0.1)
        return {
            "id": np.arange(1, n + 1),
            "group_id": groups["id"][group],
            "person_id": persons["person_id"][member],
            "role": np.array(["owner", "admin", "member"])[rng.choice(3, n, p=[0.05, 0.1, 0.85])],
            "created_at": created_at,
            "updated_at": _coalesce(left_at, confirmed_at, created_at),
            "confirmed_at": confirmed_at,
            "deleted_at": left_at,
        }

    # helpers ----------------------------------------------------------------

    def _rng(self, table: str) -> np.random.Generator:
        """An independent stream per table: changing one table leaves the rest."""
        return np.random.default_rng(self.streams[table])

    def _later(self, rng: np.random.Generator, after: np.ndarray, skew: float) -> np.ndarray:
        """An instant between `after` and the end, near `after` for larger `skew`."""
        room = (self.end - after).astype(np.int64)
        return after + (room * rng.random(len(after)) ** skew).astype("m8[us]")

    def _sometimes_later(self, rng: np.random.Generator, after: np.ndarray, share: float):
        """`_later` for a `share` of the rows, NaT (NULL) for the others."""
        happened = rng.random(len(after)) < share
        return np.where(happened, self._later(rng, after, 1.5), NAT)

    @staticmethod
    def _link_metadata(rng: np.random.Generator, n: int) -> np.ndarray:
        """A link post's metadata: a URL on a few sites, some far more shared."""
        domains = LINK_DOMAINS[_long_tail(rng, len(LINK_DOMAINS), n)]
        return np.char.add(np.char.add('{"url": "https://', domains), '/article/1"}')

    @staticmethod
    def _sentences(rng: np.random.Generator, count: int) -> np.ndarray:
        """A pool of short texts to draw contents from."""
        lengths = rng.integers(3, 25, count)
        return np.array([" ".join(rng.choice(WORDS, size)) for size in lengths])


def _long_tail(rng: np.random.Generator, population: int, size: int) -> np.ndarray:
    """Indices into `population` where a few are drawn very often (Zipf-like)."""
    ranks = rng.permutation(population)
    weights = 1.0 / np.arange(1, population + 1) ** 1.1
    return ranks[rng.choice(population, size, p=weights / weights.sum())]


def _uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` random uuids, as 32 hex digits (PostgreSQL accepts them without dashes)."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    return np.frombuffer(raw.tobytes().hex().encode(), dtype="S32").astype("U32")


def _rows_where(columns: dict[str, np.ndarray | pa.Array], keep: np.ndarray) -> dict:
    """The rows of `columns` where `keep` is true. (Arrow returns a large
    string column built from NumPy in chunks: a ChunkedArray.)"""
    arrow = (pa.Array, pa.ChunkedArray)
    return {
        name: values.filter(pa.array(keep)) if isinstance(values, arrow) else values[keep]
        for name, values in columns.items()
    }


def _nullable(values: np.ndarray, is_null: np.ndarray) -> pa.Array:
    """`values` as an arrow array, NULL where `is_null`."""
    return pa.array(values, mask=is_null)


def _coalesce(*columns: np.ndarray) -> np.ndarray:
    """Element-wise first non-NULL (non-NaT) timestamp."""
    result = columns[-1]
    for column in reversed(columns[:-1]):
        result = np.where(np.isnat(column), result, column)
    return result


def _table(columns: dict[str, np.ndarray | pa.Array]) -> pa.Table:
    """The columns as an arrow table; timestamps become UTC instants, NaT NULL."""
    arrays = {}
    for name, values in columns.items():
        if isinstance(values, np.ndarray) and values.dtype.kind == "M":
            arrays[name] = pa.array(
                values, type=pa.timestamp("us", tz="UTC"), mask=np.isnat(values)
            )
        else:
            arrays[name] = pa.array(values)
    return pa.table(arrays)


def random_tables(scale: int, seed: int, end: date = DEFAULT_END) -> dict[str, dict[str, pa.Table]]:
    """The random profile's rows: {source: {table: arrow table}}."""
    return RandomProfile(scale, seed, end).tables()
