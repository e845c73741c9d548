"""Shared TradeCaptureReport mapping: reject reasons, field validation and common layouts.

Every facility in scope reports trades with a TradeCaptureReport-shaped message (TRACE FIX
specifications v2.1 for CA/SP/TS; the equity facilities by the same pattern, facilities.md
sections 3.2-3.7). What they share lives here:

* the facility reject reasons, as :class:`~simulator.domain.lifecycle.Reason` values carrying
  TRACE's native FIX codes (tag 751) and texts (tag 58) from the CA specification's reject
  table (facilities.md section 3.4). The journal's lifecycle refusals use the same codes, so a
  reject raised anywhere maps to the wire in one place (:meth:`TradeCaptureDialect.reject`);
* :class:`DialectReject`, the typed error a dialect raises for a message it refuses;
* validation of the fields every facility reads: identifiers, CUSIPs (ANSI X9.6 check digit),
  symbols, quantities and prices with their digit limits, dates, and timestamps against the
  precision the port accepts on the receipt date;
* the Instrument and Parties components and the Sides group, as layout data.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

from simulator.domain import lifecycle
from simulator.domain.lifecycle import Reason
from simulator.domain.trade import Side
from simulator.fix.dialects.layout import Component, Field, Group, Record
from simulator.timestamps import (
    FixTime,
    TimestampError,
    format_fix_date,
    parse_fix_date,
    parse_fix_timestamp,
)

# -- Reject reasons (TRACE native codes, CA spec v2.1; facilities.md section 3.4) -----------------

INVALID_RPID: Final = Reason("007", "INVALID RPID")
INVALID_DATE: Final = Reason("008", "INVALID DATE")
INVALID_FORMAT: Final = Reason("009", "INVALID FORMAT")
INVALID_PRICE: Final = Reason("013", "INVALID PRICE")
INVALID_TIME: Final = Reason("018", "INVALID TIME")
INVALID_SIDE: Final = Reason("023", "INVALID SIDE")
NOT_WITHIN_ALLOWABLE_TIME: Final = Reason("024", "NOT WITHIN ALLOWABLE TIME")
INVALID_MPID: Final = Reason("028", "INVAVLID MPID")  # sic: the spec's own spelling
NOT_CUSIP_AND_SYMBOL: Final = Reason("040", "NOT CUSIP AND SYMBOL")
INVALID_CUSIP: Final = Reason("060", "INVALID CUSIP")
INVALID_SYMBOL: Final = Reason("062", "INVALID SYMBOL")
INVALID_VOLUME: Final = Reason("078", "INVALID VOLUME ENTERED")
INVALID_AS_OF: Final = Reason("081", "INVALID AS-OF")
INVALID_PA: Final = Reason("097", "INVALID P/A")
INVALID_ALLOCATIONS: Final = Reason("030", "INVALID ALLOCATIONS")
NO_CONTROL_NUMBER: Final = Reason("104", "NO CONTROL NUMBER")
INVALID_AS_OF_DATE: Final = Reason("110", "INVALID AS-OF DATE")
INVALID_CPID: Final = Reason("113", "INVALID CPID")
INVALID_TRADING_MARKET_INDICATOR: Final = Reason("132", "INVALID TRADING MARKET INDICATOR")
EXECUTION_AFTER_REPORT: Final = Reason("138", "EXECUTION TIME GREATER THAN TRADE REPORT TIME")
INVALID_EXECUTION_TIME: Final = Reason("178", "INVALID EXECUTION TIME")
INVALID_TRADE_MODIFIER_2: Final = Reason("182", "INVALID TRADE MODIFIER 2")
INVALID_TRADE_MODIFIER_4: Final = Reason("184", "INVALID TRADE MODIFIER 4")
INVALID_SETTLEMENT_DATE: Final = Reason("187", "INVALID SETTLEMENT DATE")
# The outage reject is in the spec's legacy code set (4001-4071), not the native table.
NOT_AVAILABLE: Final = Reason("4069", "TRACE TEMPORARILY NOT AVAILABLE")
ALREADY_CANCELED: Final = lifecycle.ALREADY_CANCELED
INVALID_CONTROL_DATE: Final = lifecycle.INVALID_CONTROL_DATE
INVALID_CONTROL_NUMBER: Final = lifecycle.INVALID_CONTROL_NUMBER
TRADE_NOT_FOUND: Final = lifecycle.TRADE_NOT_FOUND
CLIENT_TRADE_ID_MISMATCH: Final = lifecycle.CLIENT_TRADE_ID_MISMATCH
RPID_MISMATCH: Final = lifecycle.RPID_MISMATCH
CANNOT_PROCESS: Final = lifecycle.CANNOT_PROCESS

#: Every reason a dialect may send, by code (docs and tests read this).
REASONS: Final[dict[str, Reason]] = {
    reason.code: reason
    for reason in (
        INVALID_RPID,
        INVALID_DATE,
        INVALID_FORMAT,
        INVALID_PRICE,
        INVALID_TIME,
        INVALID_SIDE,
        NOT_WITHIN_ALLOWABLE_TIME,
        INVALID_MPID,
        INVALID_ALLOCATIONS,
        NOT_CUSIP_AND_SYMBOL,
        INVALID_CUSIP,
        INVALID_SYMBOL,
        INVALID_VOLUME,
        INVALID_AS_OF,
        INVALID_PA,
        NO_CONTROL_NUMBER,
        ALREADY_CANCELED,
        INVALID_AS_OF_DATE,
        INVALID_CPID,
        INVALID_TRADING_MARKET_INDICATOR,
        EXECUTION_AFTER_REPORT,
        INVALID_EXECUTION_TIME,
        INVALID_TRADE_MODIFIER_2,
        INVALID_TRADE_MODIFIER_4,
        INVALID_SETTLEMENT_DATE,
        INVALID_CONTROL_DATE,
        INVALID_CONTROL_NUMBER,
        TRADE_NOT_FOUND,
        CLIENT_TRADE_ID_MISMATCH,
        RPID_MISMATCH,
        CANNOT_PROCESS,
        NOT_AVAILABLE,
    )
}


class DialectReject(Exception):
    """A submission the facility refuses: the reason (751/58), a plain-words detail, the tag.

    Raised by validation and by the reporting service for checks the journal does not make.
    It has not been journaled yet; the dialect journals it when it answers (a
    :class:`~simulator.domain.lifecycle.LifecycleError` from the journal already is).
    """

    def __init__(self, reason: Reason, detail: str = "", tag: int | None = None) -> None:
        super().__init__(f"{reason.code} {reason.text}" + (f": {detail}" if detail else ""))
        self.reason = reason
        self.detail = detail or reason.text
        self.tag = tag


# -- Layout pieces shared by every dialect -------------------------------------------------------

#: Instrument: TRACE identifies a bond by CUSIP (22=1) or TRACE symbol (22=8); the equity
#: facilities by Symbol (55).
INSTRUMENT: Final = Component(
    "Instrument",
    (
        Field(55),
        Field(48),
        Field(22),
        Group(454, (Field(455), Field(456))),
    ),
)

#: Parties with the branch-sequence sub-IDs TRACE allows on roles 1 and 17 (803=24).
PARTIES: Final = Component(
    "Parties",
    (
        Group(
            453,
            (
                Field(448),
                Field(447),
                Field(452),
                Group(802, (Field(523), Field(803))),
            ),
        ),
    ),
)

HEADER_TAGS: Final = frozenset({8, 9, 49, 56, 115, 128, 34, 50, 57, 116, 129, 43, 97, 52, 122, 369})
TRAILER_TAGS: Final = frozenset({93, 89, 10})

# Party roles (FIX 452) the facilities use (TRACE spec v2.1 Parties; facilities.md section 3.3).
ROLE_EXECUTING: Final = "1"
ROLE_ENTERING: Final = "7"
ROLE_GIVE_UP: Final = "14"
ROLE_CONTRA: Final = "17"
ROLE_CLEARING: Final = "83"

# Contra identifiers that are not member firms: no allege is sent to them (TRACE spec v2.1).
CUSTOMER: Final = "C"
AFFILIATE: Final = "A"

_ID_TEXT = re.compile(r"[\x21-\x7e]+")
_MPID = re.compile(r"[A-Z]{4}")
_SYMBOL = re.compile(r"[A-Z0-9][A-Z0-9.\-/ ]{0,13}")
_DECIMAL = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_CUSIP_CHARS = re.compile(r"[0-9A-Z*@#]{8}[0-9]")
_CONTROL_NUMBER = re.compile(r"\d{1,10}")
_TIME_ONLY = re.compile(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d")


@functools.lru_cache(maxsize=1 << 16)  # a day's reports name the same bonds again and again
def cusip_valid(value: str) -> bool:
    """True for a 9-character CUSIP whose check digit is right (ANSI X9.6 "double-add-double").

    Values: 0-9 for digits, 10-35 for A-Z, 36-38 for ``*``, ``@``, ``#``; every second value of
    the first eight is doubled, the digits of the results summed, and the check digit is
    ``(10 - sum mod 10) mod 10``.
    """
    if not _CUSIP_CHARS.fullmatch(value):
        return False
    total = 0
    for index, char in enumerate(value[:8]):
        if char.isdigit():
            number = int(char)
        elif char.isalpha():
            number = ord(char) - ord("A") + 10
        else:
            number = 36 + "*@#".index(char)
        if index % 2 == 1:
            number *= 2
        total += number // 10 + number % 10
    return (10 - total % 10) % 10 == int(value[8])


def identifier(
    record: Record, tag: int, name: str, *, max_len: int, reason: Reason = INVALID_FORMAT
) -> str | None:
    """A printable identifier of at most ``max_len`` characters, or ``None`` if absent."""
    value = record.get(tag)
    if value is None:
        return None
    if not _ID_TEXT.fullmatch(value) or len(value) > max_len:
        raise DialectReject(
            reason,
            f"{name}({tag}) must be 1 to {max_len} printable characters without spaces, "
            f"got {value!r}",
            tag,
        )
    return value


def required(record: Record, tag: int, name: str, reason: Reason = INVALID_FORMAT) -> str:
    value = record.get(tag)
    if value is None or value == "":
        raise DialectReject(reason, f"{name}({tag}) is required", tag)
    return value


def decimal_field(
    record: Record,
    tag: int,
    name: str,
    *,
    reason: Reason,
    int_digits: int,
    frac_digits: int,
    positive: bool = True,
    whole: bool = False,
) -> Decimal:
    """A non-negative decimal with at most ``int_digits`` before and ``frac_digits`` after the
    point (TRACE: LastQty ``nnnnnnnnnnn.nn``, LastPx ``nnnn.nnnnnn``; facilities.md 3.3)."""
    text = required(record, tag, name, reason)
    if not _DECIMAL.fullmatch(text):
        raise DialectReject(reason, f"{name}({tag})={text!r} is not a decimal number", tag)
    whole_part, _, fraction = text.partition(".")
    digits = whole_part.lstrip("0")
    if whole and fraction.rstrip("0"):
        raise DialectReject(reason, f"{name}({tag}) must be a whole number, got {text}", tag)
    if len(digits) > int_digits or len(fraction.rstrip("0")) > frac_digits:
        shape = "n" * int_digits + ("." + "n" * frac_digits if frac_digits else "")
        raise DialectReject(reason, f"{name}({tag})={text} exceeds the format {shape}", tag)
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern rules this out
        raise DialectReject(reason, f"{name}({tag})={text!r} is not a number", tag) from None
    if positive and value <= 0:
        raise DialectReject(reason, f"{name}({tag}) must be greater than zero, got {text}", tag)
    return value  # the scale the firm wrote is kept: acknowledgements echo it


def date_field(
    record: Record, tag: int, name: str, reason: Reason = INVALID_DATE
) -> dt.date | None:
    value = record.get(tag)
    if value is None:
        return None
    try:
        return parse_fix_date(value)
    except TimestampError:
        raise DialectReject(
            reason, f"{name}({tag})={value!r} is not a date YYYYMMDD", tag
        ) from None


def precision_words(digits: int) -> str:
    return {
        0: "whole seconds (no fractional digits)",
        3: "milliseconds (up to 3 fractional digits)",
        6: "microseconds (up to 6 fractional digits)",
        9: "nanoseconds (up to 9 fractional digits)",
    }.get(digits, f"{digits} fractional digits")


def timestamp_field(
    record: Record,
    tag: int,
    name: str,
    *,
    max_digits: int,
    port: str,
    on: dt.date,
    reason: Reason = INVALID_TIME,
) -> FixTime:
    """A UTCTimestamp no finer than the port accepts on the receipt date.

    The refusal names the port and its precision ("... this port (Nasdaq TRF native FIX 4.2)
    accepts milliseconds (up to 3 fractional digits) on 2021-11-12"), as issue 3 asks, so a
    firm rehearsing the 2021-11-15 switch sees why.
    """
    text = required(record, tag, name, reason)
    try:
        parsed = parse_fix_timestamp(text)
    except TimestampError as exc:
        raise DialectReject(reason, f"{name}({tag}): {exc}", tag) from None
    if parsed.digits > max_digits:
        raise DialectReject(
            reason,
            f"{name}({tag})={text} has {parsed.digits} fractional digits; this port ({port}) "
            f"accepts {precision_words(max_digits)} on {on.isoformat()}",
            tag,
        )
    return parsed


def time_only_field(record: Record, tag: int, name: str) -> str | None:
    """A UTCTimeOnly ``HH:MM:SS`` (TRACE PreparationTime 22009 / 22022)."""
    value = record.get(tag)
    if value is None:
        return None
    if not _TIME_ONLY.fullmatch(value):
        raise DialectReject(INVALID_TIME, f"{name}({tag})={value!r} is not HH:MM:SS", tag)
    return value


def flag_field(record: Record, tag: int, name: str, allowed: str = "YN") -> str | None:
    value = record.get(tag)
    if value is None:
        return None
    if len(value) != 1 or value not in allowed:
        raise DialectReject(
            INVALID_FORMAT, f"{name}({tag}) must be one of {', '.join(allowed)}, got {value!r}", tag
        )
    return value


def control_number_field(record: Record, tag: int = 1003, name: str = "TradeID") -> str | None:
    """A facility control number: up to 10 digits (TRACE field limits, facilities.md 3.4)."""
    value = record.get(tag)
    if value is None:
        return None
    if not _CONTROL_NUMBER.fullmatch(value):
        raise DialectReject(
            INVALID_CONTROL_NUMBER, f"{name}({tag})={value!r} is not a control number", tag
        )
    return value


def mpid_valid(value: str) -> bool:
    """An MPID is four capital letters (FINRA; TRACE 448 is at most 4 characters)."""
    return bool(_MPID.fullmatch(value))


def symbol_valid(value: str) -> bool:
    """An upper-case ticker of at most 14 characters (TRACE 455 limit; equity suffixes such as
    ``BRK.B`` or ``BRK B`` allowed)."""
    return bool(_SYMBOL.fullmatch(value))


SIDE_FROM_FIX: Final = {
    "1": Side.BUY,
    "2": Side.SELL,
    "5": Side.SELL,
    "6": Side.SELL,
    "8": Side.CROSS,
}


@dataclass(frozen=True, slots=True)
class PartyView:
    party_id: str
    role: str
    source: str | None


def parties(entry: Record) -> list[PartyView]:
    return [PartyView(p.get(448) or "", p.get(452) or "", p.get(447)) for p in entry.entries(453)]


def party(entry: Record, role: str) -> str | None:
    """The PartyID with ``role`` in a side entry, or ``None``."""
    for member in entry.groups.get(453, ()):
        fields = member.fields
        if fields.get(452) == role:
            return fields.get(448) or ""
    return None


def find_side(sides: list[Record], role: str) -> Record | None:
    """The side entry that names a party with ``role`` (the reporting side has role 1)."""
    for entry in sides:
        if party(entry, role) is not None:
            return entry
    return None


def copy_record(record: Record, *, drop: frozenset[int] = frozenset()) -> Record:
    """A deep copy of ``record`` without the tags in ``drop`` (at this level)."""
    groups = record.groups
    if not groups:
        if not drop:
            return Record(dict(record.fields))
        return Record({tag: value for tag, value in record.fields.items() if tag not in drop})
    copied = Record(
        {
            tag: value
            for tag, value in record.fields.items()
            if tag not in drop and tag not in groups
        }
    )
    for count_tag, entries in groups.items():
        if count_tag not in drop:
            copied.set_group(count_tag, [copy_record(entry) for entry in entries])
    return copied


def fix_date(day: dt.date) -> str:
    return format_fix_date(day)
