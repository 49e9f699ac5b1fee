"""The `seed` profile: the production profile observed on 2025-11-03, exactly.

Every figure of "The production profile" in docs/sources.md holds
on these rows. The plan, so that each figure can be traced to a line here:

- Persons. Live signups per month as in `LIVE_SIGNUPS`; 11 more standard
  persons, made June to September, are soft-deleted before October. Two more
  (the ghosts) were hard-deleted: their ids are gaps, their uuids live on in
  Engagement. 19 finders, all live.
- Profile edits. A bulk onboarding edit at `BULK_EDIT_AT` touches every live
  person made before it (1,985 from June to September and the 65 October
  signups of 10-01 and 10-02) except 7 who never edit: 2,050 profiles. The
  other 34 October signups each edit once, on a day between 10-05 and 10-31.
  November's 3 signups never edit.
- The 24 "core" persons active in October (views, votes, collections), each
  on one day only: 4 never-edited, 20 bulk-edited; 14 finders, 10 standard.
  14 of them signed up in June, 10 on 10-01/10-02 (before the bulk edit);
  those 10 act within 30 days of signing up, 6 of them within 7
  (`OCTOBER_CORE_DAYS`). Core persons and the 34 later editors fill
  `DAY_SLOTS`: 58 person-days on 17 days (peak 9 on 10-15); with 7 viewers on
  11-03 (two June core persons and five other June signups) that is 65 over
  18 days. Nobody else does anything before October: rows that must never
  count (soft-deleted views and collections, views by persons soft-deleted
  since) are the only ChemLink activity rows before then.
- Engagement. 312 posts, 302 soft-deleted (by live persons); the 10 live
  ones by two ghosts on 10-28..10-30 (one wrote 9, the other 1), one mention.

Incidental values (names, times of day, who viewed whom) come from a seeded
random generator, so every run writes the same rows.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyarrow as pa

SEED = 20251103
NAMESPACE = uuid.UUID("6f1c2a57-30c5-4d07-9b8e-0c5a1f0e2b11")

LIVE_SIGNUPS = {6: 1084, 7: 175, 8: 596, 9: 137, 10: 99, 11: 3}
SOFT_DELETED_SIGNUPS = {6: 4, 7: 3, 8: 2, 9: 2}
OCTOBER_SIGNUPS_BEFORE_BULK_EDIT = 65
NEVER_EDITED_BEFORE_OCTOBER = 7
BULK_EDIT_AT = datetime(2025, 10, 2, 14, 0, tzinfo=UTC)
OBSERVED_AT = datetime(2025, 11, 3, 23, 59, tzinfo=UTC)

# Days of the 30-day window with ChemLink activity, and how many distinct
# persons act on each: 15 days of 3, 10-15 with 9, 10-31 with 4 = 58.
DAY_SLOTS = {day: 3 for day in (5, 6, 7, 8, 9, 10, 13, 14, 16, 17, 20, 21, 22, 24, 27)}
DAY_SLOTS |= {15: 9, 31: 4}

# The core persons who signed up in October (indexes 14-23) act on fixed days:
# 10-05..10-07 is within 7 days of a 10-01/10-02 signup, 10-13..10-17 within 30.
OCTOBER_CORE_DAYS = {14: 5, 15: 5, 16: 6, 17: 6, 18: 7, 19: 7, 20: 13, 21: 14, 22: 16, 23: 17}

# Rows per core person (index into the 24 core persons, in order).
VIEWS_BY_CORE = dict(zip(range(0, 14), [3] * 8 + [2] * 6, strict=True))  # 36 rows by 14
VOTES_BY_CORE = dict(zip(range(10, 18), [3] * 6 + [2] * 2, strict=True))  # 22 rows by 8
PUBLIC_COLLECTIONS_BY_CORE = dict(
    zip(range(14, 22), [4, 4, 4, 3, 3, 3, 3, 3], strict=True)
)  # 27 by 8
PRIVATE_COLLECTIONS_BY_CORE = dict(zip(range(17, 24), [2, 1, 1, 1, 1, 2, 1], strict=True))  # 9 by 7
NULL_PRIVACY_COLLECTIONS = 3  # of the 9 private ones
FINDER_CORE = range(4, 18)  # 14 finders; the other 10 core persons are standard

POST_TYPES_DELETED = {"text": 159, "link": 63, "image": 49, "file": 31}
GHOST_POST_DAYS = {"a": [28, 28, 28, 29, 29, 29, 30, 30, 30], "b": [29]}
GHOST_POST_TYPES = ["text", "text", "link", "text", "image", "text", "link", "file", "text", "text"]

FIRST_NAMES = ["Ada", "Ben", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana", "Ivan", "Jia"]
LAST_NAMES = ["Okafor", "Schmidt", "Tanaka", "Rossi", "Novak", "Silva", "Kim", "Haddad", None]
COMPANIES = ["BASF", "Dow", "Merck", "Bayer", "Syngenta", None, None]
COUNTRIES = ["DE", "US", "GB", "IN", "CN", "BR", None]


@dataclass
class Person:
    """One ChemLink person while the profile is being planned."""

    id: int
    created_at: datetime
    account_type: str = "standard"
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    person_id: str = field(init=False)

    def __post_init__(self) -> None:
        self.person_id = str(uuid.uuid5(NAMESPACE, f"person-{self.id}"))


class SeedProfile:
    """Builds the seed rows; `tables()` returns them per source database."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.persons: list[Person] = []
        self.view_access: list[dict] = []
        self.query_votes: list[dict] = []
        self.collections: list[dict] = []
        self.posts: list[dict] = []
        self.mentions: list[dict] = []

    def tables(self) -> dict[str, dict[str, pa.Table]]:
        """All rows of both databases: {source: {table: rows}}, in load order."""
        self._plan_persons()
        core, later_editors = self._plan_october_roles()
        self._plan_core_activity(core, later_editors)
        self._plan_november_views(core)
        self._plan_rows_that_never_count()
        ghosts = self._plan_ghosts()
        self._plan_posts(ghosts)
        return {
            "chemlink": {
                "persons": _table([self._person_row(p) for p in self.persons]),
                "view_access": _table(self.view_access),
                "query_votes": _table(self.query_votes),
                "collections": _table(self.collections),
                "query_embeddings": _table(self._query_embeddings()),
            },
            "engagement": {
                "posts": _table(self.posts),
                "mentions": _table(self.mentions),
            },
        }

    # persons ----------------------------------------------------------------

    def _plan_persons(self) -> None:
        """Signups by month, soft deletes, and room for the two hard-deleted ghosts."""
        signups: list[tuple[datetime, bool]] = []
        for month, live in LIVE_SIGNUPS.items():
            signups += [(self._instant_in_month(month), False) for _ in range(live)]
        for month, deleted in SOFT_DELETED_SIGNUPS.items():
            start = datetime(2025, month, 1, tzinfo=UTC)
            signups += [
                (self._instant_between(start, start + timedelta(days=25)), True)
                for _ in range(deleted)
            ]
        for person_id, (created_at, is_deleted) in enumerate(sorted(signups), start=1):
            person = Person(id=person_id, created_at=created_at)
            if is_deleted:
                person.deleted_at = created_at + timedelta(hours=self.rng.randint(1, 72))
                person.updated_at = person.deleted_at
            self.persons.append(person)

    def _plan_october_roles(self) -> tuple[list[Person], list[Person]]:
        """Who bulk-edits, who edits later, who never edits; the 24 core persons."""
        live = [p for p in self.persons if p.deleted_at is None]
        june = [p for p in live if p.created_at.month == 6]
        before_october = [p for p in live if p.created_at.month < 10]
        october = [p for p in live if p.created_at.month == 10]
        self._retime_october_signups(october)
        early_october = october[:OCTOBER_SIGNUPS_BEFORE_BULK_EDIT]
        later_editors = october[OCTOBER_SIGNUPS_BEFORE_BULK_EDIT:]
        june_core = self.rng.sample(june, 14)
        never_edited = june_core[:4] + self.rng.sample(
            [p for p in before_october if p not in june_core], NEVER_EDITED_BEFORE_OCTOBER - 4
        )
        bulk_edited = [p for p in before_october if p not in never_edited] + early_october
        for person in bulk_edited:
            person.updated_at = BULK_EDIT_AT
        core = june_core + self.rng.sample(early_october, 10)
        other_finders = self.rng.sample(
            [p for p in before_october if p not in core and p not in never_edited], 5
        )
        for person in [core[i] for i in FINDER_CORE] + other_finders:
            person.account_type = "finder"
        self._idle_june_standard = [
            p
            for p in june
            if p not in core and p not in never_edited and p.account_type == "standard"
        ]
        return core, later_editors

    def _retime_october_signups(self, october: list[Person]) -> None:
        """The first 65 October signups happen before the bulk edit; the other 34
        get their times in `_plan_later_edits`."""
        early_span = BULK_EDIT_AT - timedelta(hours=1) - datetime(2025, 10, 1, tzinfo=UTC)
        early = sorted(
            datetime(2025, 10, 1, tzinfo=UTC) + early_span * self.rng.random()
            for _ in range(OCTOBER_SIGNUPS_BEFORE_BULK_EDIT)
        )
        for person, created_at in zip(october, early, strict=False):
            person.created_at = created_at

    # October and November activity -----------------------------------------

    def _plan_core_activity(self, core: list[Person], later_editors: list[Person]) -> None:
        """Give every core person and later editor their one day in the window."""
        slots = [day for day, persons in DAY_SLOTS.items() for _ in range(persons)]
        for day in OCTOBER_CORE_DAYS.values():
            slots.remove(day)
        self.rng.shuffle(slots)
        core_days = [OCTOBER_CORE_DAYS.get(i) or slots.pop() for i in range(len(core))]
        editor_days = slots
        for index, (person, day) in enumerate(zip(core, core_days, strict=True)):
            for _ in range(VIEWS_BY_CORE.get(index, 0)):
                self._view(person, self._instant_on(10, day))
            for _ in range(VOTES_BY_CORE.get(index, 0)):
                self._vote(person, self._instant_on(10, day))
            for _ in range(PUBLIC_COLLECTIONS_BY_CORE.get(index, 0)):
                self._collection(person, self._instant_on(10, day), "PUBLIC")
            for _ in range(PRIVATE_COLLECTIONS_BY_CORE.get(index, 0)):
                null_privacy = self._null_privacy_left() > 0
                self._collection(
                    person, self._instant_on(10, day), None if null_privacy else "PRIVATE"
                )
        for vote in self.query_votes[:3]:  # changed later: updated_at moves, created_at counts
            vote["vote"], vote["updated_at"] = -vote["vote"], vote["created_at"] + timedelta(days=1)
        # one more view, 30 minutes before the window opens: October, not the window
        self._view(core[5], datetime(2025, 10, 4, 23, 30, tzinfo=UTC))
        self._plan_later_edits(sorted(editor_days), later_editors)

    def _null_privacy_left(self) -> int:
        """How many private collections still need NULL privacy (counts down)."""
        written = sum(1 for c in self.collections if c["privacy"] is None and c["_october"])
        return NULL_PRIVACY_COLLECTIONS - written

    def _plan_later_edits(self, days: list[int], editors: list[Person]) -> None:
        """The 34 later editors: each signs up after the bulk edit and edits on its day."""
        for person, day in zip(editors, days, strict=True):
            edited_at = self._instant_on(10, day)
            signup_span = edited_at - BULK_EDIT_AT - timedelta(hours=2)
            person.created_at = BULK_EDIT_AT + timedelta(hours=1) + signup_span * self.rng.random()
            person.updated_at = edited_at

    def _plan_november_views(self, core: list[Person]) -> None:
        """8 views on 11-03 by 7 standard persons, two of whom also viewed in October."""
        viewers = core[:2] + self.rng.sample(self._idle_june_standard, 5)
        times = [datetime(2025, 11, 3, 8 + 2 * i, 15, tzinfo=UTC) for i in range(7)]
        times[-1] = datetime(2025, 11, 3, 23, 30, tzinfo=UTC)
        for viewer, viewed_at in zip(viewers, times, strict=True):
            self._view(viewer, viewed_at)
        self._view(viewers[0], times[0] + timedelta(minutes=20))

    # June to September: only rows that must never count --------------------

    def _plan_rows_that_never_count(self) -> None:
        """Soft-deleted views and collections, and views by persons who are
        soft-deleted now: no metric may count any of them."""
        summer = [
            p
            for p in self.persons
            if p.deleted_at is None and p.created_at < datetime(2025, 9, 1, tzinfo=UTC)
        ]
        for person in self.rng.sample(summer, 5):
            row = self._view(person, self._instant_after(person.created_at))
            row["deleted_at"] = row["updated_at"] = row["created_at"] + timedelta(days=2)
        for person in self.rng.sample(summer, 3):
            row = self._collection(person, self._instant_after(person.created_at), None)
            row["deleted_at"] = row["updated_at"] = row["created_at"] + timedelta(days=1)
        for person in [p for p in self.persons if p.deleted_at is not None][:4]:
            self._view(person, person.created_at + timedelta(minutes=30))

    # Engagement -------------------------------------------------------------

    def _plan_ghosts(self) -> dict[str, str]:
        """Two persons made in July and hard-deleted: ids gone, uuids in Engagement."""
        next_id = len(self.persons) + 1
        return {
            name: Person(id=next_id + i, created_at=datetime(2025, 7, 1, tzinfo=UTC)).person_id
            for i, name in enumerate(GHOST_POST_DAYS)
        }

    def _plan_posts(self, ghosts: dict[str, str]) -> None:
        """302 soft-deleted posts by live persons, 10 live ones by the ghosts, 1 mention."""
        authors = [p for p in self.persons if p.deleted_at is None and p.created_at.month < 10]
        for post_type, count in POST_TYPES_DELETED.items():
            for _ in range(count):
                author = self.rng.choice(authors)
                created_at = self._instant_between(
                    author.created_at, datetime(2025, 10, 31, tzinfo=UTC)
                )
                deleted_at = self._instant_between(created_at, OBSERVED_AT - timedelta(days=1))
                self._post(author.person_id, post_type, created_at, deleted_at)
        ghost_posts = [(g, day) for g, days in GHOST_POST_DAYS.items() for day in days]
        for (ghost, day), post_type in zip(ghost_posts, GHOST_POST_TYPES, strict=True):
            self._post(ghosts[ghost], post_type, self._instant_on(10, day), None)
        first_live = next(p for p in self.posts if p["deleted_at"] is None)
        self.mentions.append(
            {
                "id": 1,
                "post_id": first_live["id"],
                "comment_id": None,
                "mentioned_person_id": self.rng.choice(authors).person_id,
                "mentioned_by_person_id": ghosts["a"],
                "created_at": first_live["created_at"],
            }
        )

    # row builders -----------------------------------------------------------

    def _person_row(self, person: Person) -> dict:
        """The persons row, with made-up PII the warehouse must never pass on."""
        return {
            "id": person.id,
            "person_id": person.person_id,
            "email": f"person{person.id}@example.com",
            "first_name": self.rng.choice(FIRST_NAMES),
            "last_name": self.rng.choice(LAST_NAMES),
            "headline": self.rng.choice(["Process chemist", "Lab manager", None]),
            "company": self.rng.choice(COMPANIES),
            "country_code": self.rng.choice(COUNTRIES),
            "account_type": person.account_type,
            "created_at": person.created_at,
            "updated_at": person.updated_at or person.created_at,
            "deleted_at": person.deleted_at,
        }

    def _view(self, viewer: Person, viewed_at: datetime) -> dict:
        """Append a view_access row by `viewer` of some other live person."""
        viewed = self.rng.choice([p for p in self.persons[:500] if p is not viewer])
        row = {
            "id": len(self.view_access) + 1,
            "person_id": viewer.id,
            "viewed_person_id": viewed.id,
            "created_at": viewed_at,
            "updated_at": viewed_at,
            "deleted_at": None,
        }
        self.view_access.append(row)
        return row

    def _vote(self, voter: Person, voted_at: datetime) -> dict:
        """Append a query_votes row by `voter`."""
        row = {
            "id": len(self.query_votes) + 1,
            "voter_id": voter.id,
            "query_id": self.rng.randint(1, 40),
            "vote": self.rng.choice([1, 1, 1, -1]),
            "created_at": voted_at,
            "updated_at": voted_at,
        }
        self.query_votes.append(row)
        return row

    def _collection(self, owner: Person, created_at: datetime, privacy: str | None) -> dict:
        """Append a collections row owned by `owner`."""
        row = {
            "id": len(self.collections) + 1,
            "person_id": owner.id,
            "name": f"Shortlist {len(self.collections) + 1}",
            "privacy": privacy,
            "created_at": created_at,
            "updated_at": created_at,
            "deleted_at": None,
            "_october": created_at.month == 10,
        }
        self.collections.append(row)
        return row

    def _post(self, author: str, post_type: str, created_at: datetime, deleted_at) -> None:
        """Append an approved post."""
        number = len(self.posts) + 1
        metadata = {
            "text": None,
            "link": {"url": f"https://example.com/articles/{number}"},
            "image": {"width": 1200, "height": 800},
            "file": {"filename": f"datasheet-{number}.pdf", "size_bytes": 48_213},
        }[post_type]
        self.posts.append(
            {
                "id": str(uuid.uuid5(NAMESPACE, f"post-{number}")),
                "person_id": author,
                "type": post_type,
                "status": "approved",
                "content": f"Post {number} about solvent recovery",
                "metadata": json.dumps(metadata) if metadata else None,
                "group_id": None,
                "created_at": created_at,
                "updated_at": deleted_at or created_at,
                "deleted_at": deleted_at,
            }
        )

    def _query_embeddings(self) -> list[dict]:
        """A few system rows; they never count as anyone's activity."""
        return [
            {
                "id": i,
                "query_text": f"suppliers of reagent {i}",
                "model": "text-embedding-3-small",
                "embedding": "{"
                + ",".join(f"{self.rng.uniform(-1, 1):.4f}" for _ in range(8))
                + "}",
                "created_at": self._instant_between(
                    datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 10, 31, tzinfo=UTC)
                ),
            }
            for i in range(1, 26)
        ]

    # instants ---------------------------------------------------------------

    def _instant_in_month(self, month: int) -> datetime:
        """A random instant in 2025-`month` (November: 1st to 3rd only)."""
        start = datetime(2025, month, 1, tzinfo=UTC)
        end = (
            OBSERVED_AT
            if month == 11
            else datetime(2025 + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        )
        return self._instant_between(start, end)

    def _instant_on(self, month: int, day: int) -> datetime:
        """A random instant on 2025-`month`-`day`: 10-05 at 00:xx and 10-31 at 23:xx,
        so the window's and the month's boundaries are exercised."""
        hour = {5: 0, 31: 23}.get(day, self.rng.randint(8, 20)) if month == 10 else 12
        return datetime(2025, month, day, hour, self.rng.randint(0, 59), tzinfo=UTC)

    def _instant_after(self, start: datetime) -> datetime:
        """A random instant between `start` and mid-September."""
        return self._instant_between(start, datetime(2025, 9, 15, tzinfo=UTC))

    def _instant_between(self, start: datetime, end: datetime) -> datetime:
        """A random instant in [start, end), whole seconds."""
        seconds = int((end - start).total_seconds())
        return start + timedelta(seconds=self.rng.randrange(max(seconds, 1)))


def _table(rows: list[dict]) -> pa.Table:
    """Rows as an arrow table, without the planner's private `_` fields."""
    public = [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]
    return pa.Table.from_pylist(public)


def seed_tables() -> dict[str, dict[str, pa.Table]]:
    """The seed profile's rows: {source: {table: arrow table}}."""
    return SeedProfile().tables()
