"""Facility profiles: each facility's hours, windows, precision, modifier codes and FIX identity.

The facts live in data files, one per facility (``simulator/facilities/data/<name>.toml``), with a
``source`` beside every value (the ``[Sx]`` ids of the shared facility reference, or a seed file
name) and ``inferred = true`` where no published text was found. This module only reads them into
frozen dataclasses and answers dated questions: is the facility open at this instant, what are
its hours on this date, how many fractional digits does this port take on this date.

Dated behaviour (the 04:00 TRF open from 2026-03-30, millisecond and nanosecond effective dates,
TS acknowledgements in microseconds from 2023-07-10) is data with a ``since`` date, never an
``if`` in code. Dates are New York calendar dates; a ``since`` date takes effect at 00:00 ET.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

from simulator.calendar import Market, MarketCalendar, calendar_for
from simulator.clock import MINUTE, SECOND
from simulator.domain.facility import FacilityId, PortType, Region
from simulator.errors import ConfigError, UserInputError
from simulator.timestamps import VALID_PRECISIONS, local_date, local_ns

__all__ = [
    "DeadlineMode",
    "EarlyClosePolicy",
    "FacilityProfile",
    "FixIdentity",
    "HoursPeriod",
    "Kind",
    "Launch",
    "ModifierCode",
    "PrecisionRule",
    "RejectReason",
    "ReportingRule",
    "SessionTimes",
    "all_profiles",
    "facility_names",
    "get_profile",
    "load_profile",
]

MODIFIER_LETTERS = ("T", "U", "Z")

E = TypeVar("E", bound=StrEnum)


class Kind(StrEnum):
    EQUITY = "equity"
    TRACE = "trace"


class DeadlineMode(StrEnum):
    """How the deadline of a trade executed while the facility is open is set."""

    WINDOW = "window"  # a fixed window after execution (10 s equities, 15 min TRACE CA/SP)
    SAME_DAY = "same-day"  # by the system close of the day (TRACE Treasuries, Rule 6730(a)(4))


@dataclass(frozen=True, slots=True)
class HoursPeriod:
    """System hours (New York wall time) in force from ``since`` (``None``: from the start)."""

    since: dt.date | None
    open: dt.time
    close: dt.time
    source: str
    inferred: bool = False


@dataclass(frozen=True, slots=True)
class SessionTimes:
    """Normal market hours: the regular session inside the system hours."""

    open: dt.time
    close: dt.time
    source: str


@dataclass(frozen=True, slots=True)
class EarlyClosePolicy:
    """Hours on the calendar's early-close days, as offsets from the calendar's close time."""

    market_close_offset_ns: int
    system_close_offset_ns: int
    source: str
    inferred: bool = False


@dataclass(frozen=True, slots=True)
class ReportingRule:
    mode: DeadlineMode
    window_ns: int | None
    closed_grace_ns: int | None
    management_window_business_days: int | None
    source: str


@dataclass(frozen=True, slots=True)
class Launch:
    date: dt.date
    source: str


@dataclass(frozen=True, slots=True)
class ModifierCode:
    """An industry modifier letter and the code the facility writes for it (``None``: none)."""

    letter: str
    code: str | None
    meaning: str
    source: str
    inferred: bool = False


@dataclass(frozen=True, slots=True)
class PrecisionRule:
    """Fractional-second digits on one port, in one region (``None``: any), from ``since``."""

    port: PortType
    region: Region | None
    since: dt.date | None
    inbound: int
    outbound: int
    source: str
    inferred: bool = False


@dataclass(frozen=True, slots=True)
class FixIdentity:
    begin_string: str
    target_comp_id: str
    target_sub_id: str | None
    heartbeat_seconds: int
    sequence_reset: str
    message_event_prefix: str | None
    source: str
    inferred: bool = False


@dataclass(frozen=True, slots=True)
class RejectReason:
    code: str
    text: str
    family: str  # "native" or "legacy"
    inferred: bool = False


Hours = tuple[int, int]


@dataclass(frozen=True, eq=False)
class FacilityProfile:
    """Everything the simulator knows about one facility, with a source for each value."""

    id: FacilityId
    name: str
    kind: Kind
    market: Market
    rule: str
    operator: str
    identity_source: str
    launch: Launch | None
    reporting: ReportingRule
    hours: tuple[HoursPeriod, ...]
    market_hours: SessionTimes
    early_close: EarlyClosePolicy
    modifier_tag: str
    modifier_tag_inferred: bool
    regular_code: str
    modifier_source: str
    modifiers: tuple[ModifierCode, ...]
    precision_rules: tuple[PrecisionRule, ...]
    fix: FixIdentity
    reject_reasons: Mapping[str, RejectReason]
    reject_source: str | None
    path: str
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        return f"FacilityProfile({self.id.value!r})"

    # -- calendar and hours -----------------------------------------------------------------

    @property
    def calendar(self) -> MarketCalendar:
        """The market calendar the facility follows (NYSE for equities, SIFMA for TRACE)."""
        return calendar_for(self.market)

    @property
    def is_trace(self) -> bool:
        return self.kind is Kind.TRACE

    def hours_period(self, day: dt.date) -> HoursPeriod:
        """The system-hours period in force on ``day``."""
        chosen = self.hours[0]
        for period in self.hours:
            if period.since is None or period.since <= day:
                chosen = period
        return chosen

    def closed_reason(self, day: dt.date, calendar: MarketCalendar | None = None) -> str | None:
        """Why the facility does not open at all on ``day`` ("Saturday", a holiday), or ``None``."""
        if self.launch and day < self.launch.date:
            return f"not yet operating (launched {self.launch.date.isoformat()})"
        return (calendar or self.calendar).closure_reason(day)

    def _day(self, day: dt.date, calendar: MarketCalendar | None) -> tuple[Hours, Hours] | None:
        cal = calendar or self.calendar
        key = (day, cal, cal.version)  # the calendar itself, not id(): ids are reused
        try:
            cached: tuple[Hours, Hours] | None = self._cache[key]
            return cached
        except KeyError:
            pass
        result: tuple[Hours, Hours] | None = None
        if (self.launch is None or day >= self.launch.date) and cal.is_business_day(day):
            period = self.hours_period(day)
            sys_open = _at(day, period.open)
            sys_close = _at(day, period.close)
            mkt_open = _at(day, self.market_hours.open)
            mkt_close = _at(day, self.market_hours.close)
            early = cal.early_close(day)
            if early is not None:
                base = _at(day, early)
                mkt_close = min(mkt_close, base + self.early_close.market_close_offset_ns)
                sys_close = min(sys_close, base + self.early_close.system_close_offset_ns)
            result = ((sys_open, sys_close), (mkt_open, max(mkt_open, mkt_close)))
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[key] = result
        return result

    def system_hours(self, day: dt.date, calendar: MarketCalendar | None = None) -> Hours | None:
        """``(open_ns, close_ns)`` of the facility on ``day``, or ``None`` if closed all day.

        The facility accepts reports for ``open_ns <= t < close_ns``: TRACE's 18:30 close means
        open through 18:29:59.999999999 (Rule 6730(a)(1)(B)). Early-close days follow the
        profile's ``early_close`` offsets from the calendar's close time.
        """
        hours = self._day(day, calendar)
        return hours[0] if hours else None

    def normal_market_hours(
        self, day: dt.date, calendar: MarketCalendar | None = None
    ) -> Hours | None:
        """``(open_ns, close_ns)`` of normal market hours on ``day`` (``None`` when closed)."""
        hours = self._day(day, calendar)
        return hours[1] if hours else None

    def is_open(self, at_ns: int, calendar: MarketCalendar | None = None) -> bool:
        """True when the facility accepts reports at ``at_ns``."""
        hours = self.system_hours(local_date(at_ns), calendar)
        return hours is not None and hours[0] <= at_ns < hours[1]

    def in_market_hours(self, at_ns: int, calendar: MarketCalendar | None = None) -> bool:
        """True inside normal market hours (equities 09:30-16:00; TRACE 08:00-market close)."""
        hours = self.normal_market_hours(local_date(at_ns), calendar)
        return hours is not None and hours[0] <= at_ns < hours[1]

    def next_operating_day(self, day: dt.date, calendar: MarketCalendar | None = None) -> dt.date:
        """The first day strictly after ``day`` on which the facility opens."""
        cal = calendar or self.calendar
        candidate = cal.next_business_day(day)
        if self.launch and candidate < self.launch.date:
            candidate = self.launch.date
            if not cal.is_business_day(candidate):
                candidate = cal.next_business_day(candidate)
        return candidate

    def next_open(self, at_ns: int, calendar: MarketCalendar | None = None) -> int:
        """The first opening instant at or after ``at_ns``."""
        day = local_date(at_ns)
        hours = self.system_hours(day, calendar)
        if hours is not None and at_ns <= hours[0]:
            return hours[0]
        following = self.system_hours(self.next_operating_day(day, calendar), calendar)
        assert following is not None  # an operating day always has hours
        return following[0]

    # -- precision ----------------------------------------------------------------------------

    @property
    def ports(self) -> tuple[PortType, ...]:
        """The port types this facility offers, in the order of its data file."""
        return tuple(dict.fromkeys(rule.port for rule in self.precision_rules))

    def precision(
        self, port_type: PortType | str, region: Region | str, at_ns: int
    ) -> PrecisionRule:
        """The precision rule in force on ``port_type`` in ``region`` at ``at_ns``."""
        port = _enum(PortType, port_type, "port type")
        where = _enum(Region, region, "region")
        if port not in self.ports:
            offered = ", ".join(p.value for p in self.ports)
            raise UserInputError(
                f"{self.id.value} has no {port.value} port; its ports are: {offered}"
            )
        day = local_date(at_ns)
        best: PrecisionRule | None = None
        best_key: tuple[dt.date, bool] | None = None
        for rule in self.precision_rules:
            if rule.port is not port or (rule.region is not None and rule.region is not where):
                continue
            if rule.since is not None and rule.since > day:
                continue
            key = (rule.since or dt.date.min, rule.region is not None)
            if best_key is None or key >= best_key:
                best, best_key = rule, key
        assert best is not None  # the loader checks every port has a rule from the start
        return best

    def inbound_precision(self, port_type: PortType | str, region: Region | str, at_ns: int) -> int:
        """Most fractional-second digits the facility accepts on that port at ``at_ns``."""
        return self.precision(port_type, region, at_ns).inbound

    def outbound_precision(
        self, port_type: PortType | str, region: Region | str, at_ns: int
    ) -> int:
        """Fractional-second digits the facility writes on that port at ``at_ns``."""
        return self.precision(port_type, region, at_ns).outbound

    # -- modifiers and rejects ----------------------------------------------------------------

    def modifier(self, letter: str) -> ModifierCode | None:
        for entry in self.modifiers:
            if entry.letter == letter.upper():
                return entry
        return None

    def modifier_code(self, letter: str) -> str | None:
        """The facility's FIX code for industry letter ``letter`` (T, U, Z), or ``None``.

        ``None`` when the facility does not capture that letter as a code (Nasdaq and NYSE TRF
        ``U``, FINRA modifier table [S21]) or the letter is not a timeliness modifier.
        """
        entry = self.modifier(letter)
        return entry.code if entry else None

    def reject_text(self, code: str) -> str | None:
        """Tag 58 text of reject reason (tag 751) ``code``; TRACE only."""
        reason = self.reject_reasons.get(code) or self.reject_reasons.get(code.zfill(3))
        return reason.text if reason else None

    # -- description --------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """A plain summary (for ``--json`` output and docs)."""
        return {
            "id": self.id.value,
            "name": self.name,
            "kind": self.kind.value,
            "calendar": self.market.value,
            "rule": self.rule,
            "reporting": {
                "mode": self.reporting.mode.value,
                "window_seconds": (
                    self.reporting.window_ns // SECOND if self.reporting.window_ns else None
                ),
                "closed_grace_minutes": (
                    self.reporting.closed_grace_ns // MINUTE
                    if self.reporting.closed_grace_ns
                    else None
                ),
            },
            "system_hours": [
                {
                    "since": p.since.isoformat() if p.since else None,
                    "open": p.open.strftime("%H:%M"),
                    "close": p.close.strftime("%H:%M"),
                }
                for p in self.hours
            ],
            "market_hours": {
                "open": self.market_hours.open.strftime("%H:%M"),
                "close": self.market_hours.close.strftime("%H:%M"),
            },
            "modifiers": {m.letter: m.code for m in self.modifiers},
            "ports": [p.value for p in self.ports],
        }


def _at(day: dt.date, wall: dt.time) -> int:
    return local_ns(day, wall.hour, wall.minute, wall.second)


def _enum(kind: type[E], value: E | str, what: str) -> E:
    if isinstance(value, kind):
        return value
    try:
        return kind(str(value).strip().lower())
    except ValueError:
        valid = ", ".join(member.value for member in kind)
        raise UserInputError(f"unknown {what} {value!r}; valid: {valid}") from None


# -- loading -----------------------------------------------------------------------------------


class _Reader:
    """Typed access to one TOML table, with errors that name the file and the field."""

    def __init__(self, path: str, table: Mapping[str, Any], where: str = "") -> None:
        self.path = path
        self.table = table
        self.where = where

    def _field(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(self.path, message, field=self._field(key))

    def get(self, key: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
        if key not in self.table:
            if required:
                raise self.error(key, "is missing")
            return None
        value = self.table[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            raise self.error(key, f"must be {_kind_name(kind)}, not {value!r}")
        return value

    def text(self, key: str, *, required: bool = True) -> str | None:
        value: str | None = self.get(key, str, required=required)
        return value

    def req_text(self, key: str) -> str:
        value = self.text(key)
        assert value is not None
        return value

    def integer(self, key: str, *, required: bool = True) -> int | None:
        value: int | None = self.get(key, int, required=required)
        return value

    def flag(self, key: str) -> bool:
        return bool(self.get(key, bool, required=False) or False)

    def sub(self, key: str, *, required: bool = True) -> _Reader | None:
        value = self.get(key, dict, required=required)
        return None if value is None else _Reader(self.path, value, self._field(key))

    def items(self, key: str, *, required: bool = True) -> list[_Reader]:
        values = self.get(key, list, required=required) or []
        readers = []
        for index, value in enumerate(values):
            if not isinstance(value, dict):
                raise self.error(f"{key}[{index}]", "must be a table")
            readers.append(_Reader(self.path, value, self._field(f"{key}[{index}]")))
        return readers

    def clock_time(self, key: str) -> dt.time:
        raw = self.req_text(key)
        try:
            return dt.time.fromisoformat(raw)
        except ValueError:
            raise self.error(key, f"must be a time HH:MM[:SS], not {raw!r}") from None

    def date(self, key: str, *, required: bool = True) -> dt.date | None:
        raw = self.text(key, required=required)
        if raw is None:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise self.error(key, f"must be a date YYYY-MM-DD, not {raw!r}") from None

    def choice(self, key: str, kind: type[E]) -> E:
        raw = self.req_text(key)
        try:
            return kind(raw)
        except ValueError:
            valid = ", ".join(member.value for member in kind)
            raise self.error(key, f"must be one of {valid}, not {raw!r}") from None


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "an integer", bool: "true or false", dict: "a table", list: "a list"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _read_toml(path: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"is not valid TOML: {exc}") from None


def _precision_digits(reader: _Reader, key: str) -> int:
    value = reader.integer(key)
    assert value is not None
    if value not in VALID_PRECISIONS:
        raise reader.error(key, f"must be one of {VALID_PRECISIONS}, not {value}")
    return value


def _parse_profile(path: str, data: Mapping[str, Any], reject_loader: Any) -> FacilityProfile:
    root = _Reader(path, data)
    raw_id = root.req_text("id")
    try:
        facility = FacilityId(raw_id)
    except ValueError:
        raise root.error("id", f"is not a known facility id: {raw_id!r}") from None

    ident = root.sub("identity")
    assert ident is not None
    launch_r = root.sub("launch", required=False)
    launch = None
    if launch_r is not None:
        launch_date = launch_r.date("date")
        assert launch_date is not None
        launch = Launch(launch_date, launch_r.req_text("source"))

    rep = root.sub("reporting")
    assert rep is not None
    mode = rep.choice("deadline", DeadlineMode)
    window = rep.integer("window_seconds", required=mode is DeadlineMode.WINDOW)
    grace = rep.integer("closed_grace_minutes", required=mode is DeadlineMode.WINDOW)
    for key, value in (("window_seconds", window), ("closed_grace_minutes", grace)):
        if value is not None and value <= 0:
            raise rep.error(key, "must be positive")
    reporting = ReportingRule(
        mode=mode,
        window_ns=window * SECOND if window else None,
        closed_grace_ns=grace * MINUTE if grace else None,
        management_window_business_days=rep.integer(
            "management_window_business_days", required=False
        ),
        source=rep.req_text("source"),
    )

    hours = []
    for item in root.items("system_hours"):
        period = HoursPeriod(
            since=item.date("since", required=False),
            open=item.clock_time("open"),
            close=item.clock_time("close"),
            source=item.req_text("source"),
            inferred=item.flag("inferred"),
        )
        if period.close <= period.open:
            raise item.error("close", "must be after open")
        hours.append(period)
    if not hours or hours[0].since is not None:
        raise root.error("system_hours", "needs a first period without 'since'")
    if any(b.since is None or (a.since and b.since <= a.since) for a, b in pairwise(hours)):
        raise root.error("system_hours", "later periods need increasing 'since' dates")

    mkt = root.sub("market_hours")
    assert mkt is not None
    market_hours = SessionTimes(
        mkt.clock_time("open"), mkt.clock_time("close"), mkt.req_text("source")
    )

    early = root.sub("early_close")
    assert early is not None
    early_close = EarlyClosePolicy(
        market_close_offset_ns=(early.integer("market_close_offset_minutes") or 0) * MINUTE,
        system_close_offset_ns=(early.integer("system_close_offset_minutes") or 0) * MINUTE,
        source=early.req_text("source"),
        inferred=early.flag("inferred"),
    )

    mods = root.sub("modifiers")
    assert mods is not None
    modifiers = []
    for item in mods.items("codes"):
        letter = item.req_text("letter")
        if letter not in MODIFIER_LETTERS:
            raise item.error("letter", f"must be one of {', '.join(MODIFIER_LETTERS)}")
        modifiers.append(
            ModifierCode(
                letter=letter,
                code=item.text("code", required=False),
                meaning=item.req_text("meaning"),
                source=item.req_text("source"),
                inferred=item.flag("inferred"),
            )
        )
    if sorted(m.letter for m in modifiers) != sorted(MODIFIER_LETTERS):
        raise mods.error("codes", "must list T, U and Z once each")

    rules = []
    for item in root.items("precision"):
        region_raw = item.req_text("region")
        region = None if region_raw == "any" else _config_enum(item, "region", Region)
        rules.append(
            PrecisionRule(
                port=_config_enum(item, "port", PortType),
                region=region,
                since=item.date("since", required=False),
                inbound=_precision_digits(item, "inbound"),
                outbound=_precision_digits(item, "outbound"),
                source=item.req_text("source"),
                inferred=item.flag("inferred"),
            )
        )
    for port in dict.fromkeys(rule.port for rule in rules):
        for region in Region:
            if not any(
                r.port is port and r.since is None and r.region in (None, region) for r in rules
            ):
                raise root.error(
                    "precision",
                    f"port {port.value} has no rule without 'since' for region {region.value}",
                )
    if not rules:
        raise root.error("precision", "lists no port")

    fix_r = root.sub("fix")
    assert fix_r is not None
    heartbeat = fix_r.integer("heartbeat_seconds")
    assert heartbeat is not None
    fix = FixIdentity(
        begin_string=fix_r.req_text("begin_string"),
        target_comp_id=fix_r.req_text("target_comp_id"),
        target_sub_id=fix_r.text("target_sub_id", required=False),
        heartbeat_seconds=heartbeat,
        sequence_reset=fix_r.req_text("sequence_reset"),
        message_event_prefix=fix_r.text("message_event_prefix", required=False),
        source=fix_r.req_text("source"),
        inferred=fix_r.flag("inferred"),
    )

    reject_reasons: Mapping[str, RejectReason] = {}
    reject_source = None
    rejects = root.sub("reject_codes", required=False)
    if rejects is not None:
        reject_reasons = reject_loader(rejects.req_text("table"))
        reject_source = rejects.req_text("source")

    return FacilityProfile(
        id=facility,
        name=ident.req_text("name"),
        kind=ident.choice("kind", Kind),
        market=ident.choice("calendar", Market),
        rule=ident.req_text("rule"),
        operator=ident.req_text("operator"),
        identity_source=ident.req_text("source"),
        launch=launch,
        reporting=reporting,
        hours=tuple(hours),
        market_hours=market_hours,
        early_close=early_close,
        modifier_tag=mods.req_text("tag"),
        modifier_tag_inferred=mods.flag("tag_inferred"),
        regular_code=mods.text("regular_code", required=False) or "",
        modifier_source=mods.req_text("source"),
        modifiers=tuple(modifiers),
        precision_rules=tuple(rules),
        fix=fix,
        reject_reasons=reject_reasons,
        reject_source=reject_source,
        path=path,
    )


def _config_enum(reader: _Reader, key: str, kind: type[E]) -> E:
    return reader.choice(key, kind)


def _parse_rejects(path: str, data: Mapping[str, Any]) -> dict[str, RejectReason]:
    root = _Reader(path, data)
    root.req_text("source")
    split = set(root.get("split_rows", list, required=False) or [])
    reasons: dict[str, RejectReason] = {}
    for family in ("native", "legacy"):
        for item in root.items(family, required=family == "native"):
            code = item.req_text("code")
            if code in reasons:
                raise item.error("code", f"duplicates reject code {code}")
            reasons[code] = RejectReason(code, item.req_text("text"), family, code in split)
    return reasons


def load_profile(path: str | Path) -> FacilityProfile:
    """Read one profile file (a firm may point the simulator at its own copy)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(file), f"cannot be read: {exc.strerror or exc}") from None

    def rejects(name: str) -> dict[str, RejectReason]:
        table_path = file.parent / name
        try:
            table_text = table_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(str(table_path), f"cannot be read: {exc.strerror or exc}") from None
        return _parse_rejects(str(table_path), _read_toml(str(table_path), table_text))

    return _parse_profile(str(file), _read_toml(str(file), text), rejects)


def _data_text(name: str) -> tuple[str, str]:
    resource = resources.files("simulator.facilities").joinpath("data", name)
    label = f"simulator/facilities/data/{name}"
    try:
        return label, resource.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(label, f"cannot be read: {exc.strerror or exc}") from None


@cache
def _builtin_rejects(name: str) -> dict[str, RejectReason]:
    label, text = _data_text(name)
    return _parse_rejects(label, _read_toml(label, text))


@cache
def _builtin_profiles() -> dict[FacilityId, FacilityProfile]:
    profiles = {}
    for facility in FacilityId:
        label, text = _data_text(f"{facility.value}.toml")
        profile = _parse_profile(label, _read_toml(label, text), _builtin_rejects)
        if profile.id is not facility:
            raise ConfigError(label, f"declares id {profile.id.value!r}", field="id")
        profiles[facility] = profile
    return profiles


def facility_names() -> tuple[str, ...]:
    """The names accepted by ``--facility`` and :func:`get_profile`."""
    return tuple(facility.value for facility in FacilityId)


def get_profile(name: str | FacilityId | FacilityProfile) -> FacilityProfile:
    """The profile of facility ``name`` (case and ``_``/``-`` insensitive).

    An unknown name raises :class:`UserInputError` listing the valid names.
    """
    if isinstance(name, FacilityProfile):
        return name
    key = str(name).strip().lower().replace("_", "-").replace(" ", "-")
    try:
        facility = FacilityId(key)
    except ValueError:
        raise UserInputError(
            f"unknown facility {str(name)!r}; valid names: {', '.join(facility_names())}"
        ) from None
    return _builtin_profiles()[facility]


def all_profiles() -> tuple[FacilityProfile, ...]:
    """Every facility's profile, in :class:`FacilityId` order."""
    profiles = _builtin_profiles()
    return tuple(profiles[facility] for facility in FacilityId)
