"""Layouts: repeating groups parsed by count and delimiter, bodies written in declared order."""

from __future__ import annotations

import pytest

from simulator.fix.dialects.base import INSTRUMENT, PARTIES
from simulator.fix.dialects.layout import (
    Field,
    Group,
    Layout,
    LayoutError,
    Record,
    encode,
    parse,
    required_missing,
)
from simulator.fix.message import FixMessage

LAYOUT = Layout(
    "AE",
    "TradeCaptureReport",
    (
        Field(571, True),
        INSTRUMENT,
        Field(32, True),
        Group(552, (Field(54, True), Field(37), PARTIES, Field(58)), required=True),
        Field(22003),
    ),
)


def message(*pairs: tuple[int, str]) -> FixMessage:
    return FixMessage([(35, "AE"), *pairs])


def test_nested_groups_are_resolved():
    record = parse(
        message(
            (571, "R1"), (55, "IBM"), (32, "100"), (552, "2"),
            (54, "1"), (453, "2"), (448, "ABCD"), (452, "1"),
            (802, "1"), (523, "BR01"), (803, "24"),
            (448, "0123"), (452, "83"), (58, "memo"),
            (54, "2"), (453, "1"), (448, "EFGH"), (452, "17"),
            (22003, "Z"),
        ),
        LAYOUT,
    )  # fmt: skip
    assert record.get(571) == "R1" and record.get(22003) == "Z"
    first, second = record.entries(552)
    assert first.get(58) == "memo"
    assert [p.get(448) for p in first.entries(453)] == ["ABCD", "0123"]
    assert first.entries(453)[0].entries(802)[0].get(523) == "BR01"
    assert [p.get(448) for p in second.entries(453)] == ["EFGH"]


@pytest.mark.parametrize(
    ("pairs", "problem"),
    [
        (((552, "2"), (54, "1")), "announces 2 entries but 1 follow"),
        (((552, "1"), (37, "X"), (54, "1")), "must start each entry with tag 54"),
        (((552, "x"),), "is not a number"),
        (((571, "A"), (571, "B")), "appears more than once"),
        (((552, "1"), (54, "1"), (37, "A"), (37, "B")), "repeated in one entry"),
    ],
    ids=["count", "delimiter", "count-text", "repeated", "repeated-in-entry"],
)
def test_malformed_groups_raise(pairs, problem):
    with pytest.raises(LayoutError, match=problem):
        parse(message(*pairs), LAYOUT)


def test_header_tags_can_be_ignored_and_unknown_tags_kept():
    record = parse(message((49, "ABCD"), (571, "R1"), (9999, "x")), LAYOUT, ignore=(49,))
    assert record.get(49) is None
    assert record.get(9999) == "x"


def test_encode_writes_layout_order_regardless_of_insertion_order():
    side = Record().set(58, "m").set(54, "1")
    side.set_group(453, [Record().set(452, "1").set(448, "ABCD")])
    record = Record().set(22003, "T").set(32, "5").set(571, "R1").set(55, "IBM")
    record.set_group(552, [side])
    encoded = encode(LAYOUT, record)
    assert encoded.fields == [
        (35, "AE"), (571, "R1"), (55, "IBM"), (32, "5"), (552, "1"),
        (54, "1"), (453, "1"), (448, "ABCD"), (452, "1"), (58, "m"), (22003, "T"),
    ]  # fmt: skip


def test_encode_refuses_undeclared_tags():
    with pytest.raises(ValueError, match=r"tags \[48000\] are not in the layout"):
        encode(LAYOUT, Record().set(571, "R1").set(48000, "x"))


def test_round_trip():
    original = message(
        (571, "R1"), (48, "037833100"), (22, "1"), (32, "1"),
        (552, "1"), (54, "2"), (453, "1"), (448, "ABCD"), (452, "1"),
    )  # fmt: skip
    assert encode(LAYOUT, parse(original, LAYOUT)) == original


def test_required_missing_walks_groups():
    record = Record().set(571, "R1")
    record.set_group(552, [Record().set(37, "x")])
    assert required_missing(LAYOUT.items, record) == [32, 54]
    assert 22003 in LAYOUT.tags() and 523 in LAYOUT.tags()


def test_set_none_removes_and_empty_group_clears():
    record = Record().set(571, "R1").set(571, None)
    assert not record.has(571)
    record.set_group(552, [Record()]).set_group(552, [])
    assert record.entries(552) == [] and not record.has(552)
