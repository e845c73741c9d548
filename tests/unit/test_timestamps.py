"""Exact timestamp conversions: FIX UTCTimestamp with 0/3/6/9 digits and ISO 8601, no float.

Property tests (hypothesis) check the round trips over the whole 1970-9999 range; example tests
pin the boundaries: DST changes, leap seconds, malformed text, non-ASCII digits.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.clock import DAY, HOUR, MICROSECOND, SECOND
from simulator.timestamps import (
    NEW_YORK,
    UTC,
    FixTime,
    TimestampError,
    datetime_from_ns,
    format_fix_date,
    format_fix_timestamp,
    format_iso8601,
    fractional_digits_used,
    local_date,
    local_ns,
    ns_from_datetime,
    parse_fix_date,
    parse_fix_timestamp,
    parse_iso8601,
)

MAX_NS = (dt.date(9999, 12, 30).toordinal() - dt.date(1970, 1, 1).toordinal()) * DAY
instants = st.integers(min_value=0, max_value=MAX_NS)
precisions = st.sampled_from([0, 3, 6, 9])
zones = st.sampled_from(
    [
        UTC,
        NEW_YORK,
        ZoneInfo("America/Chicago"),
        ZoneInfo("Asia/Kolkata"),
        ZoneInfo("Europe/London"),
    ]
)


def truncate(ns: int, digits: int) -> int:
    unit = 10 ** (9 - digits)
    return ns - ns % unit


# -- FIX UTCTimestamp ----------------------------------------------------------------------------


@given(instants, precisions)
def test_fix_timestamp_round_trip_at_every_precision(ns: int, digits: int) -> None:
    text = format_fix_timestamp(ns, digits)
    assert len(text) == 17 + (digits + 1 if digits else 0)
    parsed = parse_fix_timestamp(text)
    assert parsed == FixTime(ns=truncate(ns, digits), digits=digits)
    assert format_fix_timestamp(parsed.ns, digits) == text
    assert parse_fix_timestamp(text.encode("ascii")) == parsed


@given(instants)
def test_nine_digits_lose_nothing(ns: int) -> None:
    assert parse_fix_timestamp(format_fix_timestamp(ns, 9)).ns == ns


@given(instants)
def test_fractional_digits_used_is_the_shortest_lossless_precision(ns: int) -> None:
    digits = fractional_digits_used(ns)
    assert parse_fix_timestamp(format_fix_timestamp(ns, digits)).ns == ns
    shorter = [d for d in (0, 3, 6, 9) if d < digits]
    assert all(parse_fix_timestamp(format_fix_timestamp(ns, d)).ns != ns for d in shorter)


@pytest.mark.parametrize(
    ("text", "ns", "digits"),
    [
        ("20211115-14:30:00", 1_636_986_600 * SECOND, 0),
        ("20211115-14:30:00.123", 1_636_986_600 * SECOND + 123_000_000, 3),
        ("20211115-14:30:00.123456", 1_636_986_600 * SECOND + 123_456_000, 6),
        ("20211115-14:30:00.123456789", 1_636_986_600 * SECOND + 123_456_789, 9),
        ("20211115-14:30:00.000000001", 1_636_986_600 * SECOND + 1, 9),
        ("19700101-00:00:00", 0, 0),
    ],
)
def test_fix_timestamp_examples(text: str, ns: int, digits: int) -> None:
    assert parse_fix_timestamp(text) == FixTime(ns, digits)


def test_format_truncates_and_never_rounds() -> None:
    ns = 1_636_986_600 * SECOND + 999_999_999
    assert format_fix_timestamp(ns, 0) == "20211115-14:30:00"
    assert format_fix_timestamp(ns, 3) == "20211115-14:30:00.999"
    assert format_fix_timestamp(ns, 6) == "20211115-14:30:00.999999"
    assert format_fix_timestamp(ns, 9) == "20211115-14:30:00.999999999"


def test_leap_second_is_held_at_59() -> None:
    assert (
        parse_fix_timestamp("20161231-23:59:60").ns == parse_fix_timestamp("20161231-23:59:59").ns
    )


@pytest.mark.parametrize(
    "text",
    [
        "20211115-14:30:00.1",  # 1 digit
        "20211115-14:30:00.12345",  # 5 digits
        "20211115-14:30:00.1234567890",  # 10 digits
        "20211115-14:30:00.",
        "20211115 14:30:00",
        "2021-11-15T14:30:00",
        "20211115-24:00:00",
        "20211115-14:60:00",
        "20211115-14:30:61",
        "20211131-14:30:00",  # 31 November
        "20210229-14:30:00",  # not a leap year
        "20211115-14:30:00.123 ",
        "２０２１１１１５-14:30:00",  # full-width digits: FIX is 7-bit ASCII
        "20211115-14:30:0٠",  # Arabic-Indic zero
        "",
    ],
)
def test_malformed_fix_timestamps_are_refused_with_the_text(text: str) -> None:
    with pytest.raises(TimestampError) as info:
        parse_fix_timestamp(text)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize("precision", [1, 2, 4, 12, -1])
def test_format_refuses_precisions_fix_does_not_have(precision: int) -> None:
    with pytest.raises(ValueError, match="precision"):
        format_fix_timestamp(0, precision)
    with pytest.raises(ValueError, match="precision"):
        format_iso8601(0, precision=precision)


# -- FIX dates -----------------------------------------------------------------------------------


@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_fix_date_round_trip(day: dt.date) -> None:
    assert parse_fix_date(format_fix_date(day)) == day
    assert parse_fix_date(format_fix_date(day).encode()) == day


@pytest.mark.parametrize("text", ["2021111", "202111150", "20211315", "20210230", "2021-11-15"])
def test_malformed_fix_dates_are_refused(text: str) -> None:
    with pytest.raises(TimestampError):
        parse_fix_date(text)


# -- ISO 8601 ------------------------------------------------------------------------------------


@given(instants, zones)
def test_iso8601_round_trip_with_nine_digits_in_any_zone(ns: int, zone: dt.tzinfo) -> None:
    text = format_iso8601(ns, tz=zone)
    assert parse_iso8601(text) == ns


@given(instants, precisions)
def test_iso8601_precision_truncates(ns: int, digits: int) -> None:
    assert parse_iso8601(format_iso8601(ns, precision=digits)) == truncate(ns, digits)


@given(st.integers(min_value=0, max_value=MAX_NS // MICROSECOND), zones)
def test_datetime_conversions_agree_at_microsecond_resolution(micros: int, zone: dt.tzinfo) -> None:
    ns = micros * MICROSECOND
    moment = datetime_from_ns(ns, zone)
    assert ns_from_datetime(moment) == ns
    assert datetime_from_ns(ns + 999, zone) == moment  # sub-microsecond digits are dropped


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-03-20T09:00:00-04:00", "2021-03-20T13:00:00Z"),
        ("2021-03-20T09:00:00", "2021-03-20T13:00:00Z"),  # naive = New York (EDT)
        ("2021-03-12T09:00:00", "2021-03-12T14:00:00Z"),  # naive = New York (EST)
        ("2021-03-20 09:00 ET", "2021-03-20T13:00:00Z"),
        ("2021-03-20T09:00:00NY", "2021-03-20T13:00:00Z"),
        ("2021-03-20", "2021-03-20T04:00:00Z"),  # a date alone = midnight New York
        ("2021-03-20T13:00:00z", "2021-03-20T13:00:00Z"),
        ("2021-03-20T18:30:00+0530", "2021-03-20T13:00:00Z"),
        ("  2021-03-20T13:00:00Z  ", "2021-03-20T13:00:00Z"),
    ],
)
def test_iso8601_forms(text: str, expected: str) -> None:
    assert parse_iso8601(text) == parse_iso8601(expected)
    assert format_iso8601(parse_iso8601(expected), tz=UTC, precision=0) == expected.replace(
        "Z", "+00:00"
    )


def test_iso8601_fraction_is_exact_and_comma_is_allowed() -> None:
    base = parse_iso8601("2021-11-15T14:30:00Z")
    assert parse_iso8601("2021-11-15T14:30:00.000000001Z") == base + 1
    assert parse_iso8601("2021-11-15T14:30:00,5Z") == base + SECOND // 2
    assert format_iso8601(base + 1) == "2021-11-15T09:30:00.000000001-05:00"


def test_iso8601_across_the_2021_dst_changes() -> None:
    # 2021-03-14: 02:00 EST jumps to 03:00 EDT; 2021-11-07: 02:00 EDT falls back to 01:00 EST.
    assert parse_iso8601("2021-03-14T03:00:00") - parse_iso8601("2021-03-14T01:59:59") == SECOND
    assert format_iso8601(parse_iso8601("2021-03-14T07:00:00Z"), precision=0) == (
        "2021-03-14T03:00:00-04:00"
    )
    assert parse_iso8601("2021-11-07T02:00:00") - parse_iso8601("2021-11-07T00:59:59") == (
        2 * HOUR + SECOND
    )
    # an ambiguous wall time reads as its first occurrence (EDT)
    assert parse_iso8601("2021-11-07T01:30:00") == parse_iso8601("2021-11-07T01:30:00-04:00")
    assert format_iso8601(parse_iso8601("2021-11-07T06:30:00Z"), precision=0) == (
        "2021-11-07T01:30:00-05:00"
    )


@pytest.mark.parametrize(
    "text",
    [
        "2021-03-20T25:00:00",
        "2021-02-30",
        "20210320T090000",
        "2021-03-20T09:00:00.1234567891",
        "2021-03-20T09:00:00+24:00",
        "tomorrow",
        "２０２１-03-20",
        "",
    ],
)
def test_malformed_iso8601_is_refused_with_the_text(text: str) -> None:
    with pytest.raises(TimestampError) as info:
        parse_iso8601(text)
    assert repr(text) in str(info.value)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(TimestampError, match="no time zone"):
        ns_from_datetime(dt.datetime(2021, 3, 20, 9))


def test_local_time_functions_are_dst_correct() -> None:
    day = dt.date(2021, 3, 14)
    assert local_ns(day, 1) == parse_iso8601("2021-03-14T06:00:00Z")
    assert local_ns(day, 8) == parse_iso8601("2021-03-14T12:00:00Z")
    assert local_date(parse_iso8601("2021-03-15T03:59:59.999999999Z")) == dt.date(2021, 3, 14)
    assert local_date(parse_iso8601("2021-03-15T04:00:00Z")) == dt.date(2021, 3, 15)
    assert local_date(parse_iso8601("2021-03-15T03:59:59Z"), tz=UTC) == dt.date(2021, 3, 15)
