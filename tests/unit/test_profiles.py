"""Facility profiles as data: hours by date, early closes, precision by port/region/date, codes."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest

from simulator.calendar import Market, MarketCalendar
from simulator.clock import MINUTE, SECOND
from simulator.domain.facility import FacilityId, PortType, Region
from simulator.errors import ConfigError, UserInputError
from simulator.facilities import all_profiles, facility_names, get_profile, load_profile
from simulator.facilities.profiles import (
    DeadlineMode,
    EarlyClosePolicy,
    FacilityProfile,
    FixIdentity,
    HoursPeriod,
    Kind,
    ModifierCode,
    PrecisionRule,
)
from simulator.timestamps import format_iso8601, parse_iso8601

DATA = Path(__file__).resolve().parents[2] / "simulator" / "facilities" / "data"
EQUITIES = ["nasdaq-trf-carteret", "nasdaq-trf-chicago", "nyse-trf", "adf", "orf"]
TRACE = ["trace-ca", "trace-sp", "trace-ts"]


def at(text: str) -> int:
    return parse_iso8601(text)


def hours_text(hours: tuple[int, int] | None) -> tuple[str, str] | None:
    if hours is None:
        return None
    return (format_iso8601(hours[0], precision=0), format_iso8601(hours[1], precision=0))


# -- loading and naming --------------------------------------------------------------------------


def test_every_facility_has_a_profile_in_enum_order() -> None:
    assert [p.id for p in all_profiles()] == list(FacilityId)
    assert facility_names() == tuple(f.value for f in FacilityId)
    assert [p.kind for p in all_profiles()] == [Kind.EQUITY] * 5 + [Kind.TRACE] * 3
    assert {p.market for p in all_profiles() if p.is_trace} == {Market.SIFMA}
    assert {p.market for p in all_profiles() if not p.is_trace} == {Market.NYSE}


@pytest.mark.parametrize(
    "name", ["trace-ca", "TRACE-CA", "trace_ca", " Trace_CA ", FacilityId.TRACE_CA]
)
def test_names_are_case_and_separator_insensitive(name: str) -> None:
    assert get_profile(name).id is FacilityId.TRACE_CA
    assert get_profile(get_profile(name)) is get_profile(name)


def test_unknown_facility_lists_the_valid_names() -> None:
    with pytest.raises(UserInputError) as info:
        get_profile("nasdaq")
    message = str(info.value)
    assert "'nasdaq'" in message
    assert all(name in message for name in facility_names())


def _sources(value: object, path: str = "") -> list[tuple[str, str]]:
    found = []
    if is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            item = getattr(value, f.name)
            if f.name.endswith("source") and isinstance(item, str):
                found.append((f"{path}.{f.name}", item))
            elif isinstance(item, tuple):
                for index, element in enumerate(item):
                    found.extend(_sources(element, f"{path}.{f.name}[{index}]"))
            elif is_dataclass(item):
                found.extend(_sources(item, f"{path}.{f.name}"))
    return found


@pytest.mark.parametrize("profile", all_profiles(), ids=lambda p: p.id.value)
def test_every_value_carries_a_source(profile: FacilityProfile) -> None:
    sources = _sources(profile, profile.id.value)
    assert len(sources) >= 10
    empty = [where for where, text in sources if len(text.strip()) < 5]
    assert empty == []


def test_inferred_values_say_so_in_their_source() -> None:
    for profile in all_profiles():
        entries: list[ModifierCode | PrecisionRule | HoursPeriod | EarlyClosePolicy | FixIdentity]
        entries = [*profile.modifiers, *profile.precision_rules, *profile.hours]
        entries += [profile.early_close, profile.fix]
        inferred = [entry for entry in entries if entry.inferred]
        assert all("INFERENCE" in entry.source for entry in inferred), inferred
    assert get_profile("adf").early_close.inferred and get_profile("nyse-trf").fix.inferred


# -- hours ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facility", "day", "hours"),
    [
        ("nasdaq-trf-carteret", "2021-03-15", ("08:00", "20:00")),
        ("nyse-trf", "2026-03-27", ("08:00", "20:00")),  # last Friday on the old hours
        ("nyse-trf", "2026-03-30", ("04:00", "20:00")),  # RN 25-15 effective date
        ("nasdaq-trf-chicago", "2026-03-30", ("04:00", "20:00")),
        ("adf", "2026-03-30", ("08:00", "18:30")),  # the 04:00 open is for the TRFs only
        ("orf", "2026-03-30", ("08:00", "20:00")),
        ("trace-ca", "2021-03-15", ("08:00", "18:30")),
        ("trace-ts", "2026-03-30", ("08:00", "18:30")),
    ],
)
def test_system_hours_by_date(facility: str, day: str, hours: tuple[str, str]) -> None:
    date = dt.date.fromisoformat(day)
    profile = get_profile(facility)
    got = profile.system_hours(date)
    assert got == (at(f"{day}T{hours[0]}"), at(f"{day}T{hours[1]}"))


def test_hours_follow_dst() -> None:
    trf = get_profile("nyse-trf")
    # 08:00 New York is 13:00Z in winter and 12:00Z in summer
    assert trf.system_hours(dt.date(2021, 3, 12)) == (
        at("2021-03-12T13:00:00Z"),
        at("2021-03-13T01:00:00Z"),
    )
    assert trf.system_hours(dt.date(2021, 3, 15)) == (
        at("2021-03-15T12:00:00Z"),
        at("2021-03-16T00:00:00Z"),
    )
    assert trf.system_hours(dt.date(2021, 11, 8)) == (
        at("2021-11-08T13:00:00Z"),
        at("2021-11-09T01:00:00Z"),
    )


@pytest.mark.parametrize("facility", TRACE)
def test_trace_is_open_from_08_00_through_18_29_59_999999999(facility: str) -> None:
    profile = get_profile(facility)
    assert not profile.is_open(at("2021-03-15T07:59:59.999999999"))
    assert profile.is_open(at("2021-03-15T08:00:00"))
    assert profile.is_open(at("2021-03-15T18:29:59.999999999"))
    assert not profile.is_open(at("2021-03-15T18:30:00"))


@pytest.mark.parametrize("facility", EQUITIES)
def test_equity_open_and_close_to_the_nanosecond(facility: str) -> None:
    profile = get_profile(facility)
    close = "18:30" if facility == "adf" else "20:00"
    assert not profile.is_open(at("2021-03-15T07:59:59.999999999"))
    assert profile.is_open(at("2021-03-15T08:00:00"))
    assert profile.is_open(at(f"2021-03-15T{close}") - 1)
    assert not profile.is_open(at(f"2021-03-15T{close}"))


def test_market_hours() -> None:
    trf = get_profile("nasdaq-trf-carteret")
    assert not trf.in_market_hours(at("2021-03-15T09:29:59.999999999"))
    assert trf.in_market_hours(at("2021-03-15T09:30"))
    assert trf.in_market_hours(at("2021-03-15T15:59:59.999999999"))
    assert not trf.in_market_hours(at("2021-03-15T16:00"))
    assert get_profile("trace-ca").in_market_hours(at("2021-03-15T17:14:59.999999999"))
    assert not get_profile("trace-ca").in_market_hours(at("2021-03-15T17:15"))
    assert get_profile("trace-ts").in_market_hours(at("2021-03-15T17:29:59.999999999"))
    assert not get_profile("trace-ts").in_market_hours(at("2021-03-15T17:30"))


@pytest.mark.parametrize(
    ("facility", "system", "market"),
    [
        ("nyse-trf", ("08:00", "17:00"), ("09:30", "13:00")),
        ("nasdaq-trf-carteret", ("08:00", "17:00"), ("09:30", "13:00")),
        ("orf", ("08:00", "17:00"), ("09:30", "13:00")),
        ("adf", ("08:00", "15:30"), ("09:30", "13:00")),
        ("trace-ca", ("08:00", "15:30"), ("08:00", "13:00")),  # SIFMA 14:00 close
        ("trace-ts", ("08:00", "15:30"), ("08:00", "13:00")),
    ],
)
def test_early_close_day_after_thanksgiving_2021(
    facility: str, system: tuple[str, str], market: tuple[str, str]
) -> None:
    profile = get_profile(facility)
    day = dt.date(2021, 11, 26)
    assert profile.system_hours(day) == tuple(at(f"2021-11-26T{t}") for t in system)
    assert profile.normal_market_hours(day) == tuple(at(f"2021-11-26T{t}") for t in market)


def test_trace_early_close_offsets_follow_the_sifma_close_time() -> None:
    # Good Friday 2021: SIFMA closes at 12:00 (NYSE closed all day)
    trace = get_profile("trace-ca")
    assert hours_text(trace.system_hours(dt.date(2021, 4, 2))) == (
        "2021-04-02T08:00:00-04:00",
        "2021-04-02T13:30:00-04:00",
    )
    assert trace.normal_market_hours(dt.date(2021, 4, 2))[1] == at("2021-04-02T11:00")  # type: ignore[index]
    assert get_profile("nyse-trf").system_hours(dt.date(2021, 4, 2)) is None


@pytest.mark.parametrize(
    ("facility", "day", "reason"),
    [
        ("nyse-trf", dt.date(2021, 11, 25), "Thanksgiving Day"),
        ("trace-ca", dt.date(2021, 11, 11), "Veterans Day"),
        ("trace-sp", dt.date(2021, 10, 11), "Columbus Day"),
        ("adf", dt.date(2021, 3, 20), "Saturday"),
        ("nasdaq-trf-chicago", dt.date(2018, 9, 7), "not yet operating (launched 2018-09-10)"),
        ("trace-ts", dt.date(2017, 7, 7), "not yet operating (launched 2017-07-10)"),
    ],
)
def test_closed_all_day(facility: str, day: dt.date, reason: str) -> None:
    profile = get_profile(facility)
    assert profile.system_hours(day) is None
    assert profile.normal_market_hours(day) is None
    assert profile.closed_reason(day) == reason


def test_equities_open_on_bond_holidays_and_launch_days() -> None:
    assert get_profile("nyse-trf").system_hours(dt.date(2021, 11, 11)) is not None
    assert get_profile("nasdaq-trf-chicago").system_hours(dt.date(2018, 9, 10)) is not None
    assert get_profile("nasdaq-trf-carteret").system_hours(dt.date(2018, 9, 7)) is not None


def test_next_open() -> None:
    trf = get_profile("nyse-trf")
    assert trf.next_open(at("2021-03-19T20:30")) == at("2021-03-22T08:00")  # Friday evening
    assert trf.next_open(at("2021-03-22T07:00")) == at("2021-03-22T08:00")
    assert trf.next_open(at("2021-03-22T08:00")) == at("2021-03-22T08:00")
    assert trf.next_open(at("2021-03-22T08:00") + 1) == at("2021-03-23T08:00")
    assert trf.next_open(at("2026-03-27T21:00")) == at("2026-03-30T04:00")
    chicago = get_profile("nasdaq-trf-chicago")
    assert chicago.next_open(at("2018-08-01T12:00")) == at("2018-09-10T08:00")


def test_a_scenario_calendar_replaces_the_market_calendar() -> None:
    cal = MarketCalendar(Market.NYSE)
    cal.add_closure(dt.date(2021, 3, 17), "Outage drill")
    trf = get_profile("nyse-trf")
    assert trf.system_hours(dt.date(2021, 3, 17)) is not None
    assert trf.system_hours(dt.date(2021, 3, 17), cal) is None
    assert trf.closed_reason(dt.date(2021, 3, 17), cal) == "Outage drill"
    cal.add_early_close(dt.date(2021, 3, 18), dt.time(12, 0), "Drill")
    assert hours_text(trf.system_hours(dt.date(2021, 3, 18), cal)) == (
        "2021-03-18T08:00:00-04:00",
        "2021-03-18T16:00:00-04:00",
    )


def test_reporting_windows() -> None:
    for name in EQUITIES:
        rule = get_profile(name).reporting
        assert (rule.mode, rule.window_ns, rule.closed_grace_ns) == (
            DeadlineMode.WINDOW,
            10 * SECOND,
            15 * MINUTE,
        )
    for name in ("trace-ca", "trace-sp"):
        rule = get_profile(name).reporting
        assert (rule.mode, rule.window_ns) == (DeadlineMode.WINDOW, 15 * MINUTE)
        assert rule.management_window_business_days == 20
    ts = get_profile("trace-ts").reporting
    assert (ts.mode, ts.window_ns, ts.management_window_business_days) == (
        DeadlineMode.SAME_DAY,
        None,
        2,
    )


# -- precision -----------------------------------------------------------------------------------

NATIVE, LEGACY, CTCI, FIX44, WEB = (
    PortType.NATIVE_FIX42,
    PortType.LEGACY_FIX42,
    PortType.CTCI,
    PortType.FIX44,
    PortType.WEB,
)
PROD, NTF = Region.PRODUCTION, Region.NTF
LAST_NS = "T23:59:59.999999999"


@pytest.mark.parametrize(
    ("facility", "port", "region", "before", "after", "digits_before", "digits_after"),
    [
        # Nasdaq native TRF FIX 4.2: ms, then ns from 2021-11-15 (NTF from 2021-08-16)
        ("nasdaq-trf-carteret", NATIVE, PROD, "2021-11-14", "2021-11-15", (3, 3), (9, 9)),
        ("nasdaq-trf-chicago", NATIVE, PROD, "2021-11-14", "2021-11-15", (3, 3), (9, 9)),
        ("nasdaq-trf-carteret", NATIVE, NTF, "2021-08-15", "2021-08-16", (3, 3), (9, 9)),
        ("nasdaq-trf-carteret", WEB, PROD, "2021-11-14", "2021-11-15", (3, 3), (9, 9)),
        ("nasdaq-trf-carteret", WEB, NTF, "2021-08-15", "2021-08-16", (3, 3), (9, 9)),
        # ... and seconds before millisecond reporting (RN 14-21, 2014-11-10)
        ("nasdaq-trf-carteret", NATIVE, PROD, "2014-11-09", "2014-11-10", (0, 0), (3, 3)),
        ("nasdaq-trf-carteret", LEGACY, PROD, "2014-11-09", "2014-11-10", (0, 0), (3, 3)),
        # Legacy TRF FIX 4.2 and CTCI never go below milliseconds
        ("nasdaq-trf-carteret", LEGACY, PROD, "2021-11-14", "2021-11-15", (3, 3), (3, 3)),
        ("nasdaq-trf-carteret", LEGACY, NTF, "2021-08-15", "2021-08-16", (3, 3), (3, 3)),
        ("nasdaq-trf-chicago", CTCI, PROD, "2021-11-14", "2021-11-15", (3, 3), (3, 3)),
        ("nasdaq-trf-chicago", CTCI, NTF, "2021-08-15", "2021-08-16", (3, 3), (3, 3)),
        # NYSE TRF: ns from 2021-11-15
        ("nyse-trf", FIX44, PROD, "2021-11-14", "2021-11-15", (3, 3), (9, 9)),
        ("nyse-trf", WEB, PROD, "2021-11-14", "2021-11-15", (3, 3), (9, 9)),
        # ADF: ns from 2021-11-15, NTF testing from 2021-08-16
        ("adf", FIX44, PROD, "2021-11-14", "2021-11-15", (3, 3), (9, 9)),
        ("adf", FIX44, NTF, "2021-08-15", "2021-08-16", (3, 3), (9, 9)),
        ("adf", WEB, PROD, "2021-11-14", "2021-11-15", (3, 3), (9, 9)),
        # ORF: ms from 2014-11-17, ns from 2022-11-14
        ("orf", FIX44, PROD, "2014-11-16", "2014-11-17", (0, 0), (3, 3)),
        ("orf", FIX44, PROD, "2022-11-13", "2022-11-14", (3, 3), (9, 9)),
        ("orf", FIX44, NTF, "2022-11-13", "2022-11-14", (3, 3), (9, 9)),
        ("orf", CTCI, PROD, "2022-11-13", "2022-11-14", (3, 3), (3, 3)),
        ("orf", WEB, PROD, "2022-11-13", "2022-11-14", (3, 3), (9, 9)),
        # TRACE CA/SP: whole seconds; TS: microseconds in, acks ms until 2023-07-10 then us
        ("trace-ca", FIX44, PROD, "2021-11-14", "2021-11-15", (0, 0), (0, 0)),
        ("trace-sp", FIX44, NTF, "2023-07-09", "2023-07-10", (0, 0), (0, 0)),
        ("trace-ts", FIX44, PROD, "2023-07-09", "2023-07-10", (6, 3), (6, 6)),
        ("trace-ts", FIX44, NTF, "2023-07-09", "2023-07-10", (6, 3), (6, 6)),
    ],
)
def test_precision_on_both_sides_of_its_effective_date(
    facility: str,
    port: PortType,
    region: Region,
    before: str,
    after: str,
    digits_before: tuple[int, int],
    digits_after: tuple[int, int],
) -> None:
    profile = get_profile(facility)
    last = at(before + LAST_NS)
    first = at(after)
    assert first - last == 1
    assert (
        profile.inbound_precision(port, region, last),
        profile.outbound_precision(port, region, last),
    ) == digits_before
    assert (
        profile.inbound_precision(port, region, first),
        profile.outbound_precision(port, region, first),
    ) == digits_after


def test_ntf_nanoseconds_come_before_production() -> None:
    native = get_profile("nasdaq-trf-carteret")
    mid = at("2021-09-01T12:00")
    assert native.inbound_precision("native-fix42", "ntf", mid) == 9
    assert native.inbound_precision("native-fix42", "production", mid) == 3


def test_precision_rule_carries_its_source() -> None:
    rule = get_profile("nasdaq-trf-carteret").precision(
        "native-fix42", "production", at("2022-01-03")
    )
    assert "002_77938843501f17d4" in rule.source
    assert rule.since == dt.date(2021, 11, 15)


def test_ports_offered() -> None:
    assert get_profile("nasdaq-trf-carteret").ports == (NATIVE, LEGACY, CTCI, WEB)
    assert get_profile("nyse-trf").ports == (FIX44, WEB)
    assert get_profile("orf").ports == (FIX44, CTCI, WEB)
    assert get_profile("trace-ts").ports == (FIX44, WEB)


def test_bad_port_or_region_is_a_user_error() -> None:
    with pytest.raises(UserInputError, match="has no native-fix42 port; its ports are: fix44, web"):
        get_profile("trace-ca").inbound_precision("native-fix42", "production", 0)
    with pytest.raises(UserInputError, match="unknown port type 'fix50'"):
        get_profile("trace-ca").inbound_precision("fix50", "production", 0)
    with pytest.raises(UserInputError, match="unknown region 'uat'"):
        get_profile("trace-ca").inbound_precision("fix44", "uat", 0)


# -- modifiers, FIX identity, rejects ------------------------------------------------------------


@pytest.mark.parametrize(
    ("facility", "codes", "inferred"),
    [
        ("nasdaq-trf-carteret", {"T": "5", "Z": "I", "U": None}, False),
        ("nasdaq-trf-chicago", {"T": "5", "Z": "I", "U": None}, False),
        ("nyse-trf", {"T": "9", "Z": "10", "U": None}, False),
        ("adf", {"T": "T", "Z": "Z", "U": "U"}, True),
        ("orf", {"T": "T", "Z": "Z", "U": "U"}, True),
        ("trace-ca", {"T": "T", "Z": "Z", "U": "U"}, False),
        ("trace-sp", {"T": "T", "Z": "Z", "U": "U"}, False),
        ("trace-ts", {"T": "T", "Z": "Z", "U": "U"}, False),
    ],
)
def test_modifier_codes(facility: str, codes: dict[str, str | None], inferred: bool) -> None:
    profile = get_profile(facility)
    assert {letter: profile.modifier_code(letter) for letter in "TZU"} == codes
    assert profile.modifier_code("t") == codes["T"]
    assert profile.modifier_code("W") is None
    assert all(m.inferred is inferred for m in profile.modifiers)


def test_modifier_tags_and_regular_codes() -> None:
    assert get_profile("trace-ca").modifier_tag == "22003"
    assert not get_profile("trace-ca").modifier_tag_inferred
    nasdaq = get_profile("nasdaq-trf-carteret")
    assert (nasdaq.modifier_tag, nasdaq.modifier_tag_inferred, nasdaq.regular_code) == (
        "277",
        True,
        "0",
    )
    assert get_profile("nyse-trf").regular_code == ""


@pytest.mark.parametrize("facility", TRACE)
def test_trace_fix_identity(facility: str) -> None:
    fix = get_profile(facility).fix
    sub = facility.split("-")[1].upper()
    assert (fix.begin_string, fix.target_comp_id, fix.target_sub_id) == ("FIX.4.4", "FNRA", sub)
    assert (fix.heartbeat_seconds, fix.sequence_reset, fix.message_event_prefix) == (
        30,
        "daily",
        sub,
    )
    assert not fix.inferred


def test_equity_fix_identities_are_marked_inferred() -> None:
    for name in EQUITIES:
        assert get_profile(name).fix.inferred
    assert get_profile("nasdaq-trf-carteret").fix.begin_string == "FIX.4.2"
    assert get_profile("adf").fix.target_sub_id == "ADF"


def test_trace_reject_codes() -> None:
    ca = get_profile("trace-ca")
    assert ca.reject_text("138") == "EXECUTION TIME GREATER THAN TRADE REPORT TIME"
    assert ca.reject_text("24") == "NOT WITHIN ALLOWABLE TIME"
    assert ca.reject_text("028") == "INVAVLID MPID"  # the facility's own spelling
    assert ca.reject_text("4062") == "EXECUTION TIME GREATER THAN TRADE REPORT TIME"
    assert ca.reject_text("555") is None
    assert ca.reject_reasons["302"].inferred and not ca.reject_reasons["303"].inferred
    assert ca.reject_reasons["4001"].family == "legacy"
    assert get_profile("trace-ts").reject_reasons is get_profile("trace-sp").reject_reasons
    assert get_profile("nyse-trf").reject_text("138") is None


def test_to_json_summary() -> None:
    data = get_profile("nyse-trf").to_json()
    assert data["id"] == "nyse-trf"
    assert data["system_hours"] == [
        {"since": None, "open": "08:00", "close": "20:00"},
        {"since": "2026-03-30", "open": "04:00", "close": "20:00"},
    ]
    assert data["modifiers"] == {"T": "9", "Z": "10", "U": None}
    assert data["reporting"] == {"mode": "window", "window_seconds": 10, "closed_grace_minutes": 15}


# -- loader errors -------------------------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for name in ("trace-ca.toml", "trace-reject-codes.toml"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path / "trace-ca.toml"


def test_a_copied_profile_loads(copy: Path) -> None:
    profile = load_profile(copy)
    assert profile.id is FacilityId.TRACE_CA
    assert profile.path == str(copy)


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ('id = "trace-ca"', 'id = "trace-xx"', "field 'id': is not a known facility id"),
        ("window_seconds = 900", 'window_seconds = "900"', "field 'reporting.window_seconds'"),
        ("window_seconds = 900", "window_seconds = 0", "must be positive"),
        ('deadline = "window"', 'deadline = "soon"', "must be one of window, same-day"),
        ('close = "18:30"', 'close = "6:30pm"', "field 'system_hours[0].close'"),
        ('close = "18:30"', 'close = "07:00"', "must be after open"),
        ("outbound = 0", "outbound = 4", "must be one of (0, 3, 6, 9)"),
        ('port = "fix44"', 'port = "fix50"', "field 'precision[0].port'"),
        ('letter = "U"', 'letter = "Z"', "must list T, U and Z once each"),
        ('calendar = "SIFMA"', 'calendar = "LSE"', "field 'identity.calendar'"),
        ("[fix]", "[fixx]", "field 'fix': is missing"),
        ('table = "trace-reject-codes.toml"', 'table = "nope.toml"', "nope.toml"),
    ],
)
def test_broken_profiles_name_the_file_and_field(
    copy: Path, old: str, new: str, fragment: str
) -> None:
    text = copy.read_text()
    assert old in text
    copy.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load_profile(copy)
    assert fragment in str(info.value)
    assert str(copy.parent) in str(info.value)


def test_invalid_toml_and_missing_files(copy: Path) -> None:
    copy.write_text("id = \n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_profile(copy)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_profile(copy.parent / "absent.toml")


def test_a_profile_must_cover_every_region_from_the_start(copy: Path) -> None:
    text = copy.read_text().replace('region = "any"', 'region = "production"', 1)
    copy.write_text(text)
    with pytest.raises(ConfigError, match="no rule without 'since' for region ntf"):
        load_profile(copy)


def test_duplicate_reject_codes_are_refused(copy: Path) -> None:
    table = copy.parent / "trace-reject-codes.toml"
    table.write_text(table.read_text().replace('code = "008"', 'code = "007"'))
    with pytest.raises(ConfigError, match="duplicates reject code 007"):
        load_profile(copy)
