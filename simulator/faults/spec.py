"""What a fault is: its kind, where it applies, when it starts, and its parameters.

One :class:`FaultSpec` is what a tester asks for, whichever way they ask: a JSON body on
``POST /faults`` (the control API), a ``[[faults]]`` table in the ``facsim serve`` config, or a
Gherkin step. :func:`parse_fault` reads all three from the same mapping, so a fault means the
same thing everywhere, and every mistake is a :class:`FaultSpecError` naming the field.

The vocabulary (``docs/faults.md`` has an example of each):

========================  ==========================================================================
kind                      what the facility does
========================  ==========================================================================
``disconnect``            drops the connection, with a Logout first (``logout = true``) or without
``silence``               stops sending Heartbeats and TestRequests (and the Heartbeat that answers
                          a TestRequest): the firm's engine should notice a dead peer
``delay``                 holds outbound messages for ``delay`` of simulated time (acknowledgements
                          by default), and everything queued behind them, as a slow gateway does
``withhold``              stores an outbound message but never writes it: the firm notices the gap
                          at the next message and recovers it by ResendRequest
``sequence-gap``          skips ``gap`` outbound MsgSeqNums: the firm asks for a resend, the
                          facility answers with a SequenceReset-GapFill
``duplicate``             writes an outbound message, then the same message again with
                          PossDupFlag (43=Y) and OrigSendingTime (122), as a resend does
``garble``                writes an outbound message corrupted (``mode``: ``checksum``,
                          ``body-length`` or ``bytes``); the stored copy stays intact for a resend
``outage``                the facility refuses every report with its own "temporarily not
                          available" reject (TRACE 4069 TRACE TEMPORARILY NOT AVAILABLE)
``failover``              the primary port goes down (connections dropped, new ones closed at once);
                          the hot-hot secondary port serves the same sessions from the shared store
``throttle``              at most ``rate`` application messages per second of simulated time per
                          session; beyond it the facility rejects (35=j) or disconnects
========================  ==========================================================================

Scope (all given must match): ``facility``, ``port`` (a configured port name), ``session`` (a
session id, ``<port>:<CompID>[:<SubID>]``), ``firm`` (name, CompID or MPID) and ``msg_type``
(which messages count and are affected; application messages when omitted).

Trigger: now (the default), ``at`` a simulated instant, or ``on_message`` N -- the Nth matching
message of each session in scope (outbound by default; ``direction = "inbound"`` for a
disconnect as the Nth inbound message arrives). ``duration`` (or ``until``) bounds a fault that
lasts; ``times`` bounds how many messages a message fault affects (1 when triggered on a message).

This module is pure data and validation (architecture.md principle 4): no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from simulator.clock import DAY, HOUR, MICROSECOND, MILLISECOND, MINUTE, SECOND
from simulator.domain.facility import FacilityId
from simulator.errors import UserInputError
from simulator.timestamps import (
    NEW_YORK,
    TimestampError,
    format_iso8601,
    ns_from_datetime,
    parse_iso8601,
)

#: FIX session-level (administrative) message types: the ones a fault leaves alone unless its
#: scope names them (``msg_type``).
ADMIN_TYPES = frozenset("012345A")

#: Instants a fault may be scheduled at: 1970-01-01 up to 2200-01-01 (as the control API).
MAX_INSTANT_NS = 7_258_118_400 * SECOND
MAX_COUNT = 1_000_000_000


class FaultKind(StrEnum):
    DISCONNECT = "disconnect"
    SILENCE = "silence"
    DELAY = "delay"
    WITHHOLD = "withhold"
    SEQUENCE_GAP = "sequence-gap"
    DUPLICATE = "duplicate"
    GARBLE = "garble"
    OUTAGE = "outage"
    FAILOVER = "failover"
    THROTTLE = "throttle"


#: What the journal's fault records also hold besides injected faults: incidents *observed* on a
#: FIX connection (simulator.fix.component.FixComponent._record_incidents) -- input ignored or a
#: disconnect forced by the counterparty's protocol error, and every session-level (35=3) and
#: business (35=j) reject sent. Issue 6, "Bad input": answered, isolated, and recorded.
COUNTERPARTY_ERROR = "counterparty-error"
SESSION_REJECT = "session-reject"
BUSINESS_REJECT = "business-reject"
INCIDENT_KINDS = (COUNTERPARTY_ERROR, SESSION_REJECT, BUSINESS_REJECT)

#: Faults that act on individual outbound messages.
MESSAGE_KINDS = frozenset(
    {FaultKind.DELAY, FaultKind.WITHHOLD, FaultKind.DUPLICATE, FaultKind.GARBLE}
)
#: Faults that happen once, at their trigger, and are then done.
INSTANT_KINDS = frozenset({FaultKind.DISCONNECT, FaultKind.SEQUENCE_GAP})
#: Faults that act on a facility or port rather than on sessions.
FACILITY_KINDS = frozenset({FaultKind.OUTAGE, FaultKind.FAILOVER})


class Direction(StrEnum):
    OUTBOUND = "outbound"  # facility -> firm
    INBOUND = "inbound"  # firm -> facility


class GarbleMode(StrEnum):
    CHECKSUM = "checksum"  # CheckSum (10) off by one: FIX test case 3b, ignored by the firm
    BODY_LENGTH = "body-length"  # BodyLength (9) one too long: test case 2m
    BYTES = "bytes"  # body bytes overwritten (checksum left stale): test case 2d


class ThrottleAction(StrEnum):
    REJECT = "reject"  # 35=j 380=0 "Throttle limit exceeded", the message is not processed
    DISCONNECT = "disconnect"  # Logout "Throttle limit exceeded", then the connection closes


class FaultSpecError(UserInputError):
    """A fault description that cannot be used; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.detail = message
        super().__init__(message, source=field)


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a fault applies. Every given part must match; nothing given means everywhere."""

    facility: FacilityId | None = None
    port: str | None = None
    session: str | None = None
    firm: str | None = None
    msg_type: str | None = None

    def matches_type(self, msg_type: str) -> bool:
        """The named type, or any application message when no type is named."""
        if self.msg_type is not None:
            return msg_type == self.msg_type
        return msg_type not in ADMIN_TYPES

    @property
    def is_everywhere(self) -> bool:
        return (
            self.facility is None
            and self.port is None
            and self.session is None
            and (self.firm is None)
        )

    def describe(self) -> str:
        parts = [
            f"{name} {value}"
            for name, value in (
                ("facility", self.facility.value if self.facility else None),
                ("port", self.port),
                ("session", self.session),
                ("firm", self.firm),
            )
            if value
        ]
        where = ", ".join(parts) if parts else "every session"
        return f"{where}, 35={self.msg_type}" if self.msg_type else where

    def journal_scope(self) -> str:
        """The journal's ``scope`` column: the narrowest part given (``session:trace-ca:ACME``)."""
        for name, value in (
            ("session", self.session),
            ("port", self.port),
            ("firm", self.firm),
            ("facility", self.facility.value if self.facility else None),
        ):
            if value:
                return f"{name}:{value}"
        return "all"

    def to_json(self) -> dict[str, Any]:
        return {
            "facility": self.facility.value if self.facility else None,
            "port": self.port,
            "session": self.session,
            "firm": self.firm,
            "msg_type": self.msg_type,
        }


@dataclass(frozen=True, slots=True)
class Trigger:
    """When a fault starts: ``at_ns``, on the ``on_message``-th matching message, or now."""

    at_ns: int | None = None
    on_message: int | None = None
    direction: Direction = Direction.OUTBOUND

    @property
    def immediate(self) -> bool:
        return self.at_ns is None and self.on_message is None

    def describe(self) -> str:
        if self.on_message is not None:
            what = "inbound" if self.direction is Direction.INBOUND else "outbound"
            return f"on the {ordinal(self.on_message)} matching {what} message"
        if self.at_ns is not None:
            return f"at {format_iso8601(self.at_ns)}"
        return "now"


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """One fault as asked for. See the module docstring for the meaning of each field."""

    kind: FaultKind
    scope: Scope = field(default_factory=Scope)
    trigger: Trigger = field(default_factory=Trigger)
    duration_ns: int | None = None
    until_ns: int | None = None
    times: int | None = None
    logout: bool = False
    text: str | None = None
    delay_ns: int = 0
    gap: int = 0
    mode: GarbleMode = GarbleMode.CHECKSUM
    rate: int = 0
    on_exceed: ThrottleAction = ThrottleAction.REJECT
    label: str | None = None

    @property
    def effective_times(self) -> int | None:
        """How many messages a message fault affects per session (``None``: no limit)."""
        if self.times is not None:
            return self.times
        return 1 if self.trigger.on_message is not None else None

    def describe(self) -> str:
        """One line a person reads: ``delay by 30s of 35=AE at trace-ca, on the 3rd ...``."""
        logout = "with Logout" if self.logout else "without Logout"
        what = {
            FaultKind.DISCONNECT: f"disconnect {logout}",
            FaultKind.SILENCE: "silence (no heartbeats)",
            FaultKind.DELAY: f"delay by {describe_ns(self.delay_ns)}",
            FaultKind.WITHHOLD: "withhold",
            FaultKind.SEQUENCE_GAP: f"skip {self.gap} outbound sequence numbers",
            FaultKind.DUPLICATE: "duplicate (PossDup resend)",
            FaultKind.GARBLE: f"garble ({self.mode.value})",
            FaultKind.OUTAGE: "outage (reports refused: temporarily not available)",
            FaultKind.FAILOVER: "failover of the primary port to the secondary",
            FaultKind.THROTTLE: f"throttle to {self.rate}/s ({self.on_exceed.value} beyond)",
        }[self.kind]
        text = f"{what} at {self.scope.describe()}, {self.trigger.describe()}"
        if self.duration_ns is not None:
            text += f", for {describe_ns(self.duration_ns)}"
        if self.until_ns is not None:
            text += f", until {format_iso8601(self.until_ns)}"
        if self.kind in MESSAGE_KINDS and self.effective_times is not None:
            text += f", {self.effective_times} message(s)"
        return text

    def to_json(self) -> dict[str, Any]:
        """The spec as the control API shows it (the same keys :func:`parse_fault` reads)."""
        body: dict[str, Any] = {"kind": self.kind.value}
        body.update({k: v for k, v in self.scope.to_json().items() if v is not None})
        if self.trigger.at_ns is not None:
            body["at"] = format_iso8601(self.trigger.at_ns)
            body["at_ns"] = self.trigger.at_ns
        if self.trigger.on_message is not None:
            body["on_message"] = self.trigger.on_message
            body["direction"] = self.trigger.direction.value
        if self.duration_ns is not None:
            body["duration"] = describe_ns(self.duration_ns)
            body["duration_ns"] = self.duration_ns
        if self.until_ns is not None:
            body["until"] = format_iso8601(self.until_ns)
            body["until_ns"] = self.until_ns
        if self.kind in MESSAGE_KINDS:
            body["times"] = self.effective_times
        if self.kind is FaultKind.DISCONNECT:
            body["logout"] = self.logout
        if self.text is not None:
            body["text"] = self.text
        if self.kind is FaultKind.DELAY:
            body["delay"] = describe_ns(self.delay_ns)
            body["delay_ns"] = self.delay_ns
        if self.kind is FaultKind.SEQUENCE_GAP:
            body["gap"] = self.gap
        if self.kind is FaultKind.GARBLE:
            body["mode"] = self.mode.value
        if self.kind is FaultKind.THROTTLE:
            body["rate"] = self.rate
            body["on_exceed"] = self.on_exceed.value
        if self.label is not None:
            body["label"] = self.label
        return body


# -- small text helpers -------------------------------------------------------------------------


def ordinal(n: int) -> str:
    """1 -> ``1st``, 2 -> ``2nd``, 11 -> ``11th``, 23 -> ``23rd``."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_UNITS = {"d": DAY, "h": HOUR, "m": MINUTE, "s": SECOND, "ms": MILLISECOND, "us": MICROSECOND}
_UNITS["ns"] = 1
_PART = re.compile(r"(\d{1,12}(?:\.\d{1,9})?)(ms|us|ns|d|h|m|s)")


def parse_duration(text: str, field: str) -> int:
    """``"30s"``, ``"1h30m"``, ``"250ms"``, ``"10.000000001s"`` -> exact nanoseconds."""
    compact = text.replace(" ", "")
    position = 0
    total = Decimal(0)
    for match in _PART.finditer(compact):
        if match.start() != position:
            break
        total += Decimal(match[1]) * _UNITS[match[2]]
        position = match.end()
    if not compact or position != len(compact):
        raise FaultSpecError(
            field, f"{text!r} is not a duration (e.g. 30s, 250ms, 15m, 1h30m, 10.000000001s)"
        )
    if total != total.to_integral_value():
        raise FaultSpecError(field, f"{text!r} is finer than a nanosecond")
    return int(total)


def describe_ns(ns: int) -> str:
    """A duration as the shortest exact text :func:`parse_duration` reads back."""
    if ns == 0:
        return "0s"
    for unit, size in (("h", HOUR), ("m", MINUTE), ("s", SECOND), ("ms", MILLISECOND)):
        if ns % size == 0:
            return f"{ns // size}{unit}"
    if ns % MICROSECOND == 0:
        return f"{ns // MICROSECOND}us"
    return f"{ns}ns"


# -- parsing ------------------------------------------------------------------------------------

_COMMON = ("kind", "facility", "port", "session", "firm", "msg_type", "at", "at_ns", "label")
_TRIGGERED = ("on_message", "direction")
_LASTING = ("duration", "duration_ns", "until", "until_ns")
_KEYS: dict[FaultKind, tuple[str, ...]] = {
    FaultKind.DISCONNECT: (*_COMMON, *_TRIGGERED, "logout", "text"),
    FaultKind.SILENCE: (*_COMMON, *_TRIGGERED, *_LASTING),
    FaultKind.DELAY: (*_COMMON, *_TRIGGERED, *_LASTING, "times", "delay", "delay_ns"),
    FaultKind.WITHHOLD: (*_COMMON, *_TRIGGERED, *_LASTING, "times"),
    FaultKind.DUPLICATE: (*_COMMON, *_TRIGGERED, *_LASTING, "times"),
    FaultKind.GARBLE: (*_COMMON, *_TRIGGERED, *_LASTING, "times", "mode"),
    FaultKind.SEQUENCE_GAP: (*_COMMON, *_TRIGGERED, "gap"),
    FaultKind.OUTAGE: ("kind", "facility", "at", "at_ns", "label", *_LASTING),
    FaultKind.FAILOVER: ("kind", "facility", "port", "at", "at_ns", "label", *_LASTING),
    FaultKind.THROTTLE: (*_COMMON, *_LASTING, "rate", "on_exceed", "text"),
}
_MSG_TYPE = re.compile(r"[0-9A-Za-z]{1,4}")
_NAME = re.compile(r"[\x21-\x7e]{1,100}")


def _choice(data: Mapping[str, Any], key: str, kind: Any, default: Any = None) -> Any:
    value = data.get(key, default)
    if value is None:
        raise FaultSpecError(key, "is required")
    try:
        return kind(value)
    except (ValueError, TypeError):
        allowed = ", ".join(str(v.value) for v in kind)
        raise FaultSpecError(key, f"{value!r} is not one of: {allowed}") from None


def _int(data: Mapping[str, Any], key: str, low: int, high: int) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FaultSpecError(key, f"must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise FaultSpecError(key, f"must be between {low} and {high}, not {value}")
    return value


def _text(data: Mapping[str, Any], key: str, pattern: re.Pattern[str] | None = None) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise FaultSpecError(key, f"must be a non-empty string, not {value!r}")
    value = value.strip()
    if pattern is not None and not pattern.fullmatch(value):
        raise FaultSpecError(key, f"{value!r} is not a valid {key.replace('_', ' ')}")
    if len(value) > 200:
        raise FaultSpecError(key, "at most 200 characters")
    return value


def _instant(data: Mapping[str, Any], key: str) -> int | None:
    """An ISO 8601 instant (text or a TOML date-time; naive = New York) or integer ns."""
    value = data.get(key)
    ns_key = f"{key}_ns"
    if value is not None and data.get(ns_key) is not None:
        raise FaultSpecError(key, f"give {key} or {ns_key}, not both")
    if value is None:
        value = data.get(ns_key)
        if value is None:
            return None
        key = ns_key
    if isinstance(value, bool):
        raise FaultSpecError(key, "must be an ISO 8601 instant or integer nanoseconds")
    if isinstance(value, int):
        ns = value
    elif isinstance(value, dt.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=NEW_YORK)
        ns = ns_from_datetime(aware)
    elif isinstance(value, str):
        text = value.strip()
        try:
            ns = int(text) if re.fullmatch(r"\d{1,25}", text) else parse_iso8601(text)
        except (TimestampError, ValueError, OverflowError) as exc:
            raise FaultSpecError(key, str(exc)) from None
    else:
        raise FaultSpecError(key, "must be an ISO 8601 instant or integer nanoseconds")
    if not 0 <= ns < MAX_INSTANT_NS:
        raise FaultSpecError(key, "must be between 1970-01-01 and 2200-01-01")
    return ns


def _duration(data: Mapping[str, Any], key: str) -> int | None:
    """A duration as text (``"30s"``) under ``key`` or integer nanoseconds under ``key_ns``."""
    text = data.get(key)
    ns_key = f"{key}_ns"
    raw = data.get(ns_key)
    if text is not None and raw is not None:
        raise FaultSpecError(key, f"give {key} or {ns_key}, not both")
    if text is not None:
        if not isinstance(text, str):
            raise FaultSpecError(key, f"must be a duration such as 30s, not {text!r}")
        value = parse_duration(text, key)
    elif raw is not None:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise FaultSpecError(ns_key, f"must be whole nanoseconds, not {raw!r}")
        value = raw
        key = ns_key
    else:
        return None
    if value <= 0:
        raise FaultSpecError(key, "must be longer than zero")
    if value >= MAX_INSTANT_NS:
        raise FaultSpecError(key, "is longer than the simulator's calendar")
    return value


def parse_fault(data: Mapping[str, Any]) -> FaultSpec:
    """Read and validate a fault from a JSON object or a TOML table.

    Checks that only the keys of that kind are present (a typo is an error, not ignored), that
    every value has the right type and range, and that the combination makes sense (a message
    trigger on an outage, ``times`` without a message fault, ``until`` before ``at``). Whether
    the named ports, sessions and firms exist is checked where they are known (the plan).
    """
    if not isinstance(data, Mapping):
        raise FaultSpecError("body", "a fault is an object with at least a 'kind'")
    kind: FaultKind = _choice(data, "kind", FaultKind)
    allowed = _KEYS[kind]
    for key in data:
        if key not in allowed:
            raise FaultSpecError(
                str(key), f"not a setting of a {kind.value} fault (allowed: {', '.join(allowed)})"
            )
    facility = _choice(data, "facility", FacilityId, "") if data.get("facility") else None
    msg_type = _text(data, "msg_type", _MSG_TYPE)
    scope = Scope(
        facility=facility,
        port=_text(data, "port", _NAME),
        session=_text(data, "session", _NAME),
        firm=_text(data, "firm", _NAME),
        msg_type=msg_type,
    )
    at_ns = _instant(data, "at")
    on_message = _int(data, "on_message", 1, MAX_COUNT)
    direction: Direction = _choice(data, "direction", Direction, "outbound")
    if at_ns is not None and on_message is not None:
        raise FaultSpecError("on_message", "give at (an instant) or on_message (a count), not both")
    if "direction" in data and on_message is None:
        raise FaultSpecError("direction", "only counts messages for on_message")
    if direction is Direction.INBOUND and kind is not FaultKind.DISCONNECT:
        raise FaultSpecError(
            "direction", "inbound counting is for a disconnect as the Nth message arrives"
        )
    duration_ns = _duration(data, "duration")
    until_ns = _instant(data, "until")
    if duration_ns is not None and until_ns is not None:
        raise FaultSpecError("until", "give duration or until, not both")
    if until_ns is not None and at_ns is not None and until_ns <= at_ns:
        raise FaultSpecError("until", "must be after at")
    times = _int(data, "times", 1, MAX_COUNT)
    logout = data.get("logout", False)
    if not isinstance(logout, bool):
        raise FaultSpecError("logout", f"must be true or false, not {logout!r}")
    delay_ns = _duration(data, "delay") or 0
    if kind is FaultKind.DELAY and delay_ns == 0:
        raise FaultSpecError("delay", "is required: how long (simulated) to hold each message")
    gap = _int(data, "gap", 1, 1_000_000) or 0
    if kind is FaultKind.SEQUENCE_GAP and gap == 0:
        raise FaultSpecError("gap", "is required: how many sequence numbers to skip")
    rate = _int(data, "rate", 1, 1_000_000) or 0
    if kind is FaultKind.THROTTLE and rate == 0:
        raise FaultSpecError("rate", "is required: messages per second of simulated time")
    if kind is FaultKind.FAILOVER and not scope.port and not scope.facility:
        raise FaultSpecError("port", "is required: the primary port that fails over")
    return FaultSpec(
        kind=kind,
        scope=scope,
        trigger=Trigger(at_ns=at_ns, on_message=on_message, direction=direction),
        duration_ns=duration_ns,
        until_ns=until_ns,
        times=times,
        logout=logout,
        text=_text(data, "text"),
        delay_ns=delay_ns,
        gap=gap,
        mode=_choice(data, "mode", GarbleMode, "checksum"),
        rate=rate,
        on_exceed=_choice(data, "on_exceed", ThrottleAction, "reject"),
        label=_text(data, "label"),
    )


def parse_count(text: str) -> int:
    """``"3rd"`` / ``"3"`` -> 3 (the ordinal in a Gherkin step)."""
    match = re.fullmatch(r"(\d{1,9})(?:st|nd|rd|th)?", text.strip())
    if match is None or int(match[1]) == 0:
        raise FaultSpecError("on_message", f"{text!r} is not a count such as 3 or 3rd")
    return int(match[1])


__all__ = [
    "ADMIN_TYPES",
    "FACILITY_KINDS",
    "INSTANT_KINDS",
    "MESSAGE_KINDS",
    "Direction",
    "FaultKind",
    "FaultSpec",
    "FaultSpecError",
    "GarbleMode",
    "Scope",
    "ThrottleAction",
    "Trigger",
    "describe_ns",
    "ordinal",
    "parse_count",
    "parse_duration",
    "parse_fault",
]
