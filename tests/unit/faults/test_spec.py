"""Reading a fault from a control API body, a config table or a step: every field, every refusal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from simulator.clock import MILLISECOND, MINUTE, SECOND
from simulator.domain.facility import FacilityId
from simulator.faults.spec import (
    ADMIN_TYPES,
    Direction,
    FaultKind,
    FaultSpecError,
    GarbleMode,
    Scope,
    ThrottleAction,
    describe_ns,
    ordinal,
    parse_count,
    parse_duration,
    parse_fault,
)
from simulator.timestamps import NEW_YORK, parse_iso8601


def test_a_minimal_fault_starts_now_everywhere() -> None:
    spec = parse_fault({"kind": "disconnect"})
    assert spec.kind is FaultKind.DISCONNECT
    assert spec.scope == Scope() and spec.scope.is_everywhere
    assert spec.trigger.immediate and not spec.logout
    assert spec.describe() == "disconnect without Logout at every session, now"


def test_every_kind_reads_its_own_parameters() -> None:
    cases: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"kind": "disconnect", "logout": True, "text": "bye"}, {"logout": True, "text": "bye"}),
        ({"kind": "silence", "duration": "90s"}, {"duration_ns": 90 * SECOND}),
        ({"kind": "delay", "delay": "250ms"}, {"delay_ns": 250 * MILLISECOND}),
        ({"kind": "delay", "delay_ns": 7}, {"delay_ns": 7}),
        ({"kind": "withhold", "times": 2}, {"times": 2}),
        ({"kind": "sequence-gap", "gap": 5}, {"gap": 5}),
        ({"kind": "duplicate", "on_message": 3}, {"times": None}),
        ({"kind": "garble", "mode": "bytes"}, {"mode": GarbleMode.BYTES}),
        (
            {"kind": "outage", "facility": "trace-ca", "duration": "15m"},
            {"duration_ns": 15 * MINUTE},
        ),
        ({"kind": "failover", "port": "trace-ca"}, {}),
        (
            {"kind": "throttle", "rate": 10, "on_exceed": "disconnect"},
            {"rate": 10, "on_exceed": ThrottleAction.DISCONNECT},
        ),
    ]
    for data, expected in cases:
        spec = parse_fault(data)
        assert spec.kind is FaultKind(data["kind"])
        for name, value in expected.items():
            assert getattr(spec, name) == value, (data, name)


def test_scope_and_trigger_fields() -> None:
    spec = parse_fault(
        {
            "kind": "disconnect",
            "facility": "trace-ca",
            "port": "trace-ca",
            "session": "trace-ca:ACMEFIX",
            "firm": "ACME",
            "msg_type": "AE",
            "on_message": 3,
            "direction": "inbound",
        }
    )
    assert spec.scope == Scope(FacilityId.TRACE_CA, "trace-ca", "trace-ca:ACMEFIX", "ACME", "AE")
    assert (spec.trigger.on_message, spec.trigger.direction) == (3, Direction.INBOUND)
    assert spec.scope.journal_scope() == "session:trace-ca:ACMEFIX"
    assert "on the 3rd matching inbound message" in spec.describe()


def test_instants_from_text_integers_and_toml_datetimes() -> None:
    ns = parse_iso8601("2021-11-15T10:00:00-05:00")
    assert parse_fault({"kind": "outage", "at": "2021-11-15T10:00:00-05:00"}).trigger.at_ns == ns
    assert parse_fault({"kind": "outage", "at": "2021-11-15T10:00"}).trigger.at_ns == ns  # NY
    assert parse_fault({"kind": "outage", "at_ns": ns}).trigger.at_ns == ns
    assert parse_fault({"kind": "outage", "at": str(ns)}).trigger.at_ns == ns
    naive = dt.datetime(2021, 11, 15, 10, 0)  # what tomllib gives for a local date-time
    assert parse_fault({"kind": "outage", "at": naive}).trigger.at_ns == ns
    aware = dt.datetime(2021, 11, 15, 10, 0, tzinfo=NEW_YORK)
    assert parse_fault({"kind": "outage", "at": aware}).trigger.at_ns == ns
    until = parse_fault({"kind": "outage", "at": "2021-11-15T10:00", "until": "2021-11-15T10:05"})
    assert until.until_ns == ns + 5 * MINUTE


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({}, "kind", "required"),
        ({"kind": "explode"}, "kind", "not one of"),
        ({"kind": "disconnect", "delay": "5s"}, "delay", "not a setting of a disconnect"),
        ({"kind": "outage", "on_message": 3}, "on_message", "not a setting of a outage"),
        ({"kind": "outage", "session": "x"}, "session", "not a setting"),
        ({"kind": "delay"}, "delay", "required"),
        ({"kind": "delay", "delay": "soon"}, "delay", "not a duration"),
        ({"kind": "delay", "delay": "0s"}, "delay", "longer than zero"),
        ({"kind": "delay", "delay": "0.5ns"}, "delay", "finer than a nanosecond"),
        ({"kind": "delay", "delay": "1s", "delay_ns": 5}, "delay", "not both"),
        ({"kind": "delay", "delay_ns": "5"}, "delay_ns", "whole nanoseconds"),
        ({"kind": "delay", "delay": 5}, "delay", "duration such as 30s"),
        ({"kind": "sequence-gap"}, "gap", "required"),
        ({"kind": "sequence-gap", "gap": 0}, "gap", "between 1 and"),
        ({"kind": "sequence-gap", "gap": True}, "gap", "whole number"),
        ({"kind": "throttle"}, "rate", "required"),
        ({"kind": "throttle", "rate": 5, "on_exceed": "cry"}, "on_exceed", "not one of"),
        ({"kind": "failover"}, "port", "required"),
        ({"kind": "garble", "mode": "shout"}, "mode", "not one of"),
        ({"kind": "disconnect", "facility": "nyse"}, "facility", "not one of"),
        ({"kind": "disconnect", "logout": "yes"}, "logout", "true or false"),
        ({"kind": "disconnect", "msg_type": "A E"}, "msg_type", "not a valid"),
        ({"kind": "disconnect", "firm": ""}, "firm", "non-empty"),
        ({"kind": "disconnect", "on_message": 0}, "on_message", "between 1"),
        ({"kind": "disconnect", "direction": "inbound"}, "direction", "only counts"),
        ({"kind": "withhold", "on_message": 1, "direction": "inbound"}, "direction", "inbound"),
        (
            {"kind": "disconnect", "at": "2021-11-15T10:00", "on_message": 2},
            "on_message",
            "not both",
        ),
        ({"kind": "outage", "at": "yesterday"}, "at", ""),
        ({"kind": "outage", "at": True}, "at", "ISO 8601"),
        ({"kind": "outage", "at": "2300-01-01T00:00"}, "at", "2200"),
        ({"kind": "outage", "at": 1.5}, "at", "ISO 8601"),
        ({"kind": "outage", "duration": "1s", "until": "2021-11-15T10:00"}, "until", "not both"),
        (
            {"kind": "outage", "at": "2021-11-15T10:00", "until": "2021-11-15T09:00"},
            "until",
            "after at",
        ),
        ({"kind": "withhold", "times": 0}, "times", "between 1"),
        ({"kind": "disconnect", "text": "x" * 201}, "text", "200 characters"),
    ],
)
def test_every_mistake_names_its_field(data: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(FaultSpecError) as caught:
        parse_fault(data)
    assert caught.value.field == field
    assert words in caught.value.detail
    assert str(caught.value).startswith(f"{field}: ")


def test_a_body_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(FaultSpecError, match="at least a 'kind'"):
        parse_fault(["disconnect"])  # type: ignore[arg-type]


def test_times_defaults_to_one_when_triggered_on_a_message() -> None:
    assert parse_fault({"kind": "withhold", "on_message": 2}).effective_times == 1
    assert parse_fault({"kind": "withhold"}).effective_times is None
    assert parse_fault({"kind": "withhold", "on_message": 2, "times": 4}).effective_times == 4


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "disconnect", "port": "trace-ca", "on_message": 3, "logout": True, "text": "bye"},
        {"kind": "delay", "delay": "30s", "msg_type": "AE", "times": 2, "label": "slow"},
        {"kind": "garble", "mode": "body-length", "at": "2021-11-15T10:00", "duration": "1m"},
        {"kind": "outage", "facility": "trace-ts", "at_ns": 1, "until_ns": 2},
        {"kind": "throttle", "rate": 3, "on_exceed": "disconnect", "text": "slow down"},
        {"kind": "sequence-gap", "gap": 4, "firm": "ACME"},
        {"kind": "failover", "port": "nasdaq-trf-carteret", "duration_ns": 5},
    ],
)
def test_the_json_form_reads_back_to_the_same_fault(data: dict[str, Any]) -> None:
    spec = parse_fault(data)
    body = spec.to_json()
    for key in ("at", "until", "duration", "delay"):  # the text form and the ns form coexist
        body.pop(key, None)
    assert parse_fault(body) == spec


def test_message_types_default_to_application_messages() -> None:
    scope = Scope()
    assert scope.matches_type("AE") and scope.matches_type("j")
    assert not any(scope.matches_type(t) for t in ADMIN_TYPES)
    assert Scope(msg_type="0").matches_type("0") and not Scope(msg_type="0").matches_type("AE")


def test_durations_and_ordinals() -> None:
    assert parse_duration("1h30m", "d") == 90 * MINUTE
    assert parse_duration("10.000000001s", "d") == 10 * SECOND + 1
    assert parse_duration("2 m 5 s", "d") == 125 * SECOND
    for ns in (1, 1_000, 250 * MILLISECOND, 30 * SECOND, 90 * MINUTE, 10 * SECOND + 1):
        assert parse_duration(describe_ns(ns), "d") == ns
    assert describe_ns(0) == "0s"
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th",
    ]  # fmt: skip
    assert parse_count("3rd") == 3 and parse_count("12") == 12
    for bad in ("0th", "third", "-1"):
        with pytest.raises(FaultSpecError):
            parse_count(bad)
