"""The random profile, version 2: every value a function of the seed, the
table, the column and the row number, so a table can be made in chunks of
any size, and the same seed gives the same rows."""

from __future__ import annotations

import pyarrow as pa

from scripts.demo import random_profile
from scripts.demo.random_profile import ROWS_PER_SCALE, RandomProfile


def whole(profile: RandomProfile) -> dict[str, pa.Table]:
    """Every table, its chunks put together."""
    return {
        name: pa.concat_tables(list(chunks))
        for tables in profile.tables().values()
        for name, chunks in tables.items()
    }


def test_the_rows_do_not_depend_on_the_chunks_they_are_made_in(monkeypatch):
    big = whole(RandomProfile(2, 7))
    monkeypatch.setattr(random_profile, "CHUNK_ROWS", 333)  # many chunks, none aligned
    small = whole(RandomProfile(2, 7))
    assert {name: table.equals(small[name]) for name, table in big.items()} == dict.fromkeys(
        big, True
    )
    assert whole(RandomProfile(2, 8))["posts"] != big["posts"]  # another seed, other rows


def test_each_table_has_its_rows_per_scale_and_children_name_their_parents():
    tables = whole(RandomProfile(3, 7))
    removed = ROWS_PER_SCALE["persons"] * 3 - len(tables["persons"])
    assert 0 < removed < 100  # about 1 % removed outright: ChemLink lacks them
    assert {name: len(t) for name, t in tables.items() if name != "persons"} == {
        name: rows * 3 for name, rows in ROWS_PER_SCALE.items() if name != "persons"
    }
    posts = set(tables["posts"]["id"].to_pylist())
    assert set(tables["comments"]["post_id"].to_pylist()) <= posts
    persons = set(tables["persons"]["person_id"].to_pylist())
    ghosts = set(tables["posts"]["person_id"].to_pylist()) - persons
    assert ghosts  # Engagement names persons ChemLink removed
    live_ids = set(tables["persons"]["id"].to_pylist())
    assert set(tables["view_access"]["person_id"].to_pylist()) <= live_ids
