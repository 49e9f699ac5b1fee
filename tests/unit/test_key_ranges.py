"""Key ranges: a key falls in the same range on the source (its bounds) and
in the warehouse (its index), for uuid and integer keys."""

from __future__ import annotations

import uuid

from dlt_pipelines.sources.key_ranges import RANGES, KeyRanges


def test_a_uuid_range_is_its_first_two_hex_digits():
    ranges = KeyRanges.of("id", "uuid", None)
    key = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert ranges.index(key) == 0x3F
    first, last = (bound.removesuffix("::uuid").strip("'") for bound in ranges.bounds(0x3F))
    assert (first, last) == (
        "3f000000-0000-0000-0000-000000000000",
        "3fffffff-ffff-ffff-ffff-ffffffffffff",
    )
    assert ranges.label_index("3f") == 0x3F and ranges.labels([0x3F, 1]) == "'3f', '01'"
    # random uuids spread over the ranges
    indexes = sorted(ranges.index(str(uuid.uuid4())) for _ in range(2000))
    assert indexes[0] >= 0 and indexes[-1] < RANGES and len(set(indexes)) > 200


def test_integer_ranges_split_zero_to_the_largest_key_and_stay_open_at_both_ends():
    ranges = KeyRanges.of("id", "bigint", 1023)
    assert ranges.width == 4  # 1,024 keys in 256 ranges
    assert [ranges.index(str(key)) for key in (0, 3, 4, 1023)] == [0, 0, 1, 255]
    assert ranges.index("-5") == 0 and ranges.index("10000") == RANGES - 1  # new keys beyond
    assert ranges.bounds(1) == ("'4'::bigint", "'7'::bigint")
    assert ranges.bounds(0)[0] == "'-9223372036854775808'::bigint"
    assert ranges.bounds(RANGES - 1)[1] == "'9223372036854775807'::bigint"
    assert KeyRanges.of("id", "integer", None).width == 1  # an empty table


def test_other_key_types_are_compared_in_full():
    assert KeyRanges.of("code", "text", "x") is None
