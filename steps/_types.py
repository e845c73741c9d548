"""Parse types shared by the step modules (used with ``parsers.cfparse(..., extra_types=TYPES)``).

Numbers are integers (``{:d}``) or custom types: ``{:f}`` would refuse ``99`` (tooling notes 1.6)
and floats lose nanoseconds. ``datatable`` and ``docstring`` are reserved argument names in
pytest-bdd 8.1+, so no step names a parameter that way.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import parse

from simulator.errors import UserInputError
from simulator.harness.timetext import (
    DURATION_PATTERN,
    INSTANT_PATTERN,
    TIME_OF_DAY_PATTERN,
    parse_duration,
    parse_instant,
)


@parse.with_pattern(INSTANT_PATTERN)
def _instant(text: str) -> int:
    return parse_instant(text)


@parse.with_pattern(DURATION_PATTERN)
def _duration(text: str) -> int:
    return parse_duration(text)


@parse.with_pattern(TIME_OF_DAY_PATTERN)
def _time_of_day(text: str) -> str:
    return text.strip()


@parse.with_pattern(r"-?\d+(?:\.\d+)?")
def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise UserInputError(f"{text!r} is not a number", source="step") from None


@parse.with_pattern(r"[A-Za-z0-9_.-]+")
def _word(text: str) -> str:
    return text


@parse.with_pattern(r"[A-Z0-9]{4}")
def _mpid(text: str) -> str:
    return text


@parse.with_pattern(r"[a-z]+(?:-[a-z]+)*")
def _facility(text: str) -> str:
    return text


@parse.with_pattern(r"[+-]\d{2}:\d{2}")
def _offset(text: str) -> str:
    return text


@parse.with_pattern(r"certificate\+password|certificate|mfa|either")
def _login_method(text: str) -> str:
    return text


@parse.with_pattern(r"[^\s\"@]+@[^\s\"@]+")
def _user(text: str) -> str:
    return text


@parse.with_pattern(r"[A-Za-z]+day")
def _weekday(text: str) -> str:
    return text


TYPES: dict[str, Any] = {
    "Instant": _instant,
    "Duration": _duration,
    "TimeOfDay": _time_of_day,
    "Decimal": _decimal,
    "Word": _word,
    "MPID": _mpid,
    "Facility": _facility,
    "Weekday": _weekday,
    "Offset": _offset,
    "LoginMethod": _login_method,
    "User": _user,
}
