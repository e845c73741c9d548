"""What is in force at an instant: logins per site, facility hours, precision, UAT windows.

The simulator's dated behaviour comes from two kinds of data, and this module joins them:

* the facility profiles (``simulator/facilities/data/<facility>.toml``): hours by date (the
  04:00 TRF open from 2026-03-30), timestamp precision by port, region and date;
* the TRAQS timeline (``simulator/facilities/data/timeline.toml``): the parallel period
  2021-03-08..2021-04-16 (certificate on the old infrastructure or MFA on beta.finratraqs.org),
  MFA-only TRAQS from 2021-04-19, the reference-data API's certificate + login + password era
  until its MFA date (production 2024-09-30, NTF testing from 2024-05-01), and the scheduled
  Saturday UATs with their windows and registration deadlines (2021-03-20 09:00-13:00 ET,
  registration by noon ET 2021-03-17). Sources: seeds 000 and 001, facilities.md section 5.

How the web front uses it (one call per request, with the injected clock's ``now``)::

    state = timeline.at(clock.now_ns())
    access = state.website_auth("beta.finratraqs.org")
    if not access.live:            # "not-yet-live", "moved" (access.moved_to) or "retired"
        answer with access.notice
    elif access.auth is Auth.MFA:  # or CERTIFICATE, EITHER, CERTIFICATE_PASSWORD
        ask for user, password and a second factor
    state.api_auth()               # how the reference-data API authenticates now
    state.active_uat               # the UatWindow running now, or None

``Timeline.default()`` returns a fresh timeline built from the packaged data; a scenario or the
serve configuration adds UAT windows to its own copy with :meth:`Timeline.add_uat_window`.
"""

from __future__ import annotations

import datetime as dt
import threading
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

from simulator.domain.facility import FacilityId, PortType, Region
from simulator.errors import ConfigError, UserInputError
from simulator.facilities.profiles import FacilityProfile, PrecisionRule, all_profiles, get_profile
from simulator.timestamps import (
    TimestampError,
    format_iso8601,
    local_date,
    local_ns,
    parse_iso8601,
)

__all__ = [
    "Auth",
    "Event",
    "FacilityStatus",
    "Product",
    "Site",
    "SiteAccess",
    "SitePhase",
    "SiteStatus",
    "Timeline",
    "TimelineState",
    "UatWindow",
]


E = TypeVar("E", bound=StrEnum)


class Auth(StrEnum):
    """How a site or product authenticates a person or program."""

    CERTIFICATE = "certificate"  # digital client certificate, with user ID and password
    MFA = "mfa"  # user (email), password and a second factor (Okta, Google Auth, SMS, voice)
    EITHER = "either"  # parallel period: certificate or MFA
    CERTIFICATE_PASSWORD = "certificate+password"  # the API: certificate, login ID and password


class SiteStatus(StrEnum):
    LIVE = "live"
    NOT_YET_LIVE = "not-yet-live"
    MOVED = "moved"
    RETIRED = "retired"


class Product(StrEnum):
    TRAQS = "traqs"
    API = "api"


@dataclass(frozen=True, slots=True)
class SitePhase:
    since_ns: int | None
    status: SiteStatus
    auth: Auth | None
    moved_to: str | None
    notice: str | None
    source: str
    inferred: bool = False


@dataclass(frozen=True, slots=True)
class Site:
    host: str
    role: str  # "entitlement", "traqs" or "api"
    region: Region | None  # None: serves both regions
    purpose: str
    phases: tuple[SitePhase, ...]
    source: str
    inferred: bool = False  # the host name itself is an inference

    def phase_at(self, at_ns: int) -> SitePhase:
        return _phase_at(self.phases, at_ns)


@dataclass(frozen=True, slots=True)
class SiteAccess:
    """What one site answers at one instant: live or not, and which login it accepts."""

    host: str
    role: str
    region: Region | None
    status: SiteStatus
    auth: Auth | None
    moved_to: str | None
    notice: str | None
    source: str
    inferred: bool

    @property
    def live(self) -> bool:
        return self.status is SiteStatus.LIVE

    def accepts(self, method: Auth | str) -> bool:
        """Whether a login by ``method`` ("certificate" or "mfa", or the API's
        "certificate+password") is accepted now."""
        if not self.live or self.auth is None:
            return False
        wanted = _user_enum(Auth, method, "login method")
        if self.auth is Auth.EITHER:
            return wanted in (Auth.CERTIFICATE, Auth.MFA, Auth.EITHER)
        return wanted is self.auth

    def to_json(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "role": self.role,
            "region": self.region.value if self.region else "any",
            "status": self.status.value,
            "auth": self.auth.value if self.auth else None,
            "moved_to": self.moved_to,
            "notice": self.notice,
            "inferred": self.inferred,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class UatWindow:
    """A scheduled user acceptance test: production systems open for it, on a Saturday."""

    key: str
    title: str
    start_ns: int
    end_ns: int
    registration_deadline_ns: int | None
    region: Region
    facilities: tuple[FacilityId, ...]
    notes: tuple[str, ...] = ()
    source: str = ""
    inferred: bool = False

    def contains(self, at_ns: int) -> bool:
        return self.start_ns <= at_ns < self.end_ns

    def registration_open(self, at_ns: int) -> bool:
        """Registration is accepted up to and including the deadline ("no later than noon");
        without a deadline, until the test starts."""
        limit = self.registration_deadline_ns
        return at_ns <= limit if limit is not None else at_ns < self.start_ns

    @property
    def day(self) -> dt.date:
        return local_date(self.start_ns)

    def to_json(self) -> dict[str, Any]:
        deadline = self.registration_deadline_ns
        return {
            "key": self.key,
            "title": self.title,
            "start": format_iso8601(self.start_ns),
            "end": format_iso8601(self.end_ns),
            "registration_deadline": format_iso8601(deadline) if deadline is not None else None,
            "region": self.region.value,
            "facilities": [f.value for f in self.facilities],
            "notes": list(self.notes),
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Event:
    """A dated fact: ``start_ns`` inclusive, ``end_ns`` exclusive (``None``: a point in time)."""

    key: str
    title: str
    start_ns: int
    end_ns: int | None
    source: str
    kind: str = "traqs"  # "traqs", "hours", "precision", "launch", "uat"
    inferred: bool = False

    def in_force(self, at_ns: int) -> bool:
        return self.start_ns <= at_ns and (self.end_ns is None or at_ns < self.end_ns)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "start": format_iso8601(self.start_ns),
            "end": format_iso8601(self.end_ns) if self.end_ns is not None else None,
            "kind": self.kind,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class FacilityStatus:
    """One facility at one instant."""

    facility: FacilityId
    name: str
    open: bool
    hours: tuple[int, int] | None  # system hours that day (None: closed all day)
    market_hours: tuple[int, int] | None
    closed_reason: str | None  # why closed all day ("Saturday", a holiday), else None
    next_open_ns: int
    uat: UatWindow | None  # the UAT the facility is open for right now, if any

    @property
    def open_for_uat(self) -> bool:
        return self.uat is not None

    def to_json(self) -> dict[str, Any]:
        def span(hours: tuple[int, int] | None) -> dict[str, str] | None:
            if hours is None:
                return None
            return {"open": format_iso8601(hours[0]), "close": format_iso8601(hours[1])}

        return {
            "name": self.name,
            "open": self.open,
            "hours": span(self.hours),
            "market_hours": span(self.market_hours),
            "closed_reason": self.closed_reason,
            "next_open": format_iso8601(self.next_open_ns),
            "uat": self.uat.key if self.uat else None,
        }


def _phase_at(phases: tuple[SitePhase, ...], at_ns: int) -> SitePhase:
    chosen = phases[0]
    for phase in phases:
        if phase.since_ns is None or phase.since_ns <= at_ns:
            chosen = phase
    return chosen


def _normalise_host(host: str) -> str:
    text = host.strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.split("/", 1)[0].split(":", 1)[0]
    return text.rstrip(".")


class TimelineState:
    """The answers of a :class:`Timeline` at one instant ``at_ns``. Cheap to create."""

    def __init__(self, timeline: Timeline, at_ns: int) -> None:
        self.timeline = timeline
        self.at_ns = at_ns

    def __repr__(self) -> str:
        return f"TimelineState(at={format_iso8601(self.at_ns)})"

    # -- logins -------------------------------------------------------------------------------

    def website_auth(self, host: str) -> SiteAccess:
        """What site ``host`` answers now: live with a login method, or a notice.

        ``host`` may be a bare host name or a URL. Unknown hosts raise
        :class:`UserInputError` listing the known ones.
        """
        site = self.timeline.site(host)
        phase = site.phase_at(self.at_ns)
        return SiteAccess(
            host=site.host,
            role=site.role,
            region=site.region,
            status=phase.status,
            auth=phase.auth if phase.status is SiteStatus.LIVE else None,
            moved_to=phase.moved_to,
            notice=phase.notice,
            source=phase.source,
            inferred=phase.inferred or site.inferred,
        )

    def sites(self) -> list[SiteAccess]:
        return [self.website_auth(site.host) for site in self.timeline.sites]

    def traqs_auth(self, region: Region | str = Region.PRODUCTION) -> Auth:
        """How the TRAQS website authenticates in ``region`` now (``either`` in the parallel
        period)."""
        return self.timeline.auth_at(Product.TRAQS, region, self.at_ns)

    def api_auth(self, region: Region | str = Region.PRODUCTION) -> Auth:
        """How the reference-data API authenticates in ``region`` now:
        ``certificate+password`` until its MFA date, then ``mfa``."""
        return self.timeline.auth_at(Product.API, region, self.at_ns)

    # -- UAT ----------------------------------------------------------------------------------

    @property
    def active_uats(self) -> list[UatWindow]:
        return [uat for uat in self.timeline.uat_windows() if uat.contains(self.at_ns)]

    @property
    def active_uat(self) -> UatWindow | None:
        """The UAT window running now, or ``None``."""
        active = self.active_uats
        return active[0] if active else None

    @property
    def upcoming_uats(self) -> list[UatWindow]:
        return [uat for uat in self.timeline.uat_windows() if uat.start_ns > self.at_ns]

    @property
    def registration_deadlines_ahead(self) -> list[UatWindow]:
        """UATs whose registration is still open now, soonest deadline first."""
        return [uat for uat in self.upcoming_uats if uat.registration_open(self.at_ns)]

    # -- facilities ---------------------------------------------------------------------------

    def facility(self, facility: str | FacilityId | FacilityProfile) -> FacilityStatus:
        profile = get_profile(facility)
        day = local_date(self.at_ns)
        hours = profile.system_hours(day)
        uat = next(
            (uat for uat in self.active_uats if profile.id in uat.facilities),
            None,
        )
        return FacilityStatus(
            facility=profile.id,
            name=profile.name,
            open=profile.is_open(self.at_ns),
            hours=hours,
            market_hours=profile.normal_market_hours(day),
            closed_reason=None if hours else profile.closed_reason(day),
            next_open_ns=profile.next_open(self.at_ns),
            uat=uat,
        )

    @property
    def facilities(self) -> dict[FacilityId, FacilityStatus]:
        return {profile.id: self.facility(profile) for profile in all_profiles()}

    def precision(
        self,
        facility: str | FacilityId | FacilityProfile,
        port_type: PortType | str,
        region: Region | str = Region.PRODUCTION,
    ) -> PrecisionRule:
        """The precision rule (``.inbound``, ``.outbound`` digits) on that port now."""
        return get_profile(facility).precision(port_type, region, self.at_ns)

    def precision_table(
        self, region: Region | str = Region.PRODUCTION
    ) -> dict[FacilityId, dict[PortType, PrecisionRule]]:
        return {
            profile.id: {
                port: profile.precision(port, region, self.at_ns) for port in profile.ports
            }
            for profile in all_profiles()
        }

    # -- events -------------------------------------------------------------------------------

    @property
    def events_in_force(self) -> list[Event]:
        """Periods running now (the parallel period, the NTF beta)."""
        return [
            e for e in self.timeline.events() if e.end_ns is not None and e.in_force(self.at_ns)
        ]

    def next_events(self, limit: int = 5) -> list[Event]:
        return [e for e in self.timeline.events() if e.start_ns > self.at_ns][:limit]

    def to_json(self) -> dict[str, Any]:
        return {
            "at": format_iso8601(self.at_ns),
            "facilities": {f.value: s.to_json() for f, s in self.facilities.items()},
            "precision": {
                region.value: {
                    facility.value: {
                        port.value: {"inbound": rule.inbound, "outbound": rule.outbound}
                        for port, rule in ports.items()
                    }
                    for facility, ports in self.precision_table(region).items()
                }
                for region in Region
            },
            "traqs_auth": {region.value: self.traqs_auth(region).value for region in Region},
            "api_auth": {region.value: self.api_auth(region).value for region in Region},
            "sites": {access.host: access.to_json() for access in self.sites()},
            "active_uat": self.active_uat.to_json() if self.active_uat else None,
            "registration_deadlines": [uat.to_json() for uat in self.registration_deadlines_ahead],
            "events_in_force": [event.to_json() for event in self.events_in_force],
            "next_events": [event.to_json() for event in self.next_events()],
        }


@dataclass
class _TimelineData:
    events: list[Event]
    sites: list[Site]
    auth: dict[tuple[Product, Region], tuple[SitePhase, ...]]
    uats: list[UatWindow]


class Timeline:
    """Dated facts, queried by instant: ``timeline.at(ns)`` returns a :class:`TimelineState`."""

    def __init__(
        self,
        *,
        events: Iterable[Event] = (),
        sites: Iterable[Site] = (),
        auth: Mapping[tuple[Product, Region], tuple[SitePhase, ...]] | None = None,
        uats: Iterable[UatWindow] = (),
        include_profile_events: bool = True,
    ) -> None:
        self._own_events = list(events)
        self.sites: tuple[Site, ...] = tuple(sites)
        self._hosts = {site.host: site for site in self.sites}
        self._auth = dict(auth or {})
        self._uats: list[UatWindow] = sorted(uats, key=lambda u: (u.start_ns, u.key))
        self._include_profile_events = include_profile_events
        self._lock = threading.Lock()
        self._events_cache: tuple[Event, ...] | None = None

    @classmethod
    def default(cls) -> Timeline:
        """A new timeline from the packaged data (each call returns an independent copy)."""
        data = _builtin_data()
        return cls(events=data.events, sites=data.sites, auth=data.auth, uats=data.uats)

    @classmethod
    def from_file(cls, path: str | Path) -> Timeline:
        """A timeline from a TOML file of the same shape as the packaged one."""
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(str(file), f"cannot be read: {exc.strerror or exc}") from None
        data = _parse(str(file), text)
        return cls(events=data.events, sites=data.sites, auth=data.auth, uats=data.uats)

    def at(self, at_ns: int) -> TimelineState:
        """What is in force at ``at_ns``."""
        return TimelineState(self, at_ns)

    # -- sites and auth -------------------------------------------------------------------------

    def hosts(self) -> tuple[str, ...]:
        return tuple(self._hosts)

    def site(self, host: str) -> Site:
        key = _normalise_host(host)
        site = self._hosts.get(key)
        if site is None:
            raise UserInputError(
                f"unknown site {host!r}; known sites: {', '.join(self._hosts) or 'none'}"
            )
        return site

    def auth_at(self, product: Product | str, region: Region | str, at_ns: int) -> Auth:
        key = (_user_enum(Product, product, "product"), _user_enum(Region, region, "region"))
        phases = self._auth.get(key)
        if not phases:
            raise UserInputError(
                f"the timeline has no {key[0].value} login data for {key[1].value}"
            )
        auth = _phase_at(phases, at_ns).auth
        assert auth is not None  # the loader requires auth on every auth phase
        return auth

    # -- UAT windows ----------------------------------------------------------------------------

    def uat_windows(self) -> tuple[UatWindow, ...]:
        """All UAT windows, earliest first."""
        with self._lock:
            return tuple(self._uats)

    def uat_on(self, day: dt.date) -> UatWindow | None:
        """The (first) UAT window starting on New York date ``day``, or ``None``."""
        return next((uat for uat in self.uat_windows() if uat.day == day), None)

    def registration_open(self, uat: UatWindow | str, at_ns: int) -> bool:
        """Whether registration for ``uat`` (a window or its key) is still open at ``at_ns``."""
        window = uat if isinstance(uat, UatWindow) else self.uat(uat)
        return window.registration_open(at_ns)

    def uat(self, key: str) -> UatWindow:
        for window in self.uat_windows():
            if window.key == key:
                return window
        known = ", ".join(w.key for w in self.uat_windows()) or "none"
        raise UserInputError(f"unknown UAT window {key!r}; known: {known}")

    def add_uat_window(
        self,
        start: int | str,
        end: int | str,
        *,
        registration_deadline: int | str | None = None,
        title: str = "Saturday production UAT",
        key: str | None = None,
        region: Region | str = Region.PRODUCTION,
        facilities: Iterable[str | FacilityId] | None = None,
        notes: Iterable[str] = (),
        source: str = "added by configuration",
    ) -> UatWindow:
        """Add a UAT window; times are ns or ISO 8601 text (naive text is New York time).

        ``facilities`` defaults to every facility. Raises :class:`UserInputError` when the window
        ends before it starts, the deadline falls after the start, or the key is taken.
        """
        start_ns = _instant(start, "start")
        end_ns = _instant(end, "end")
        deadline_ns = (
            None
            if registration_deadline is None
            else _instant(registration_deadline, "registration deadline")
        )
        if end_ns <= start_ns:
            raise UserInputError(
                f"UAT window ends ({format_iso8601(end_ns)}) before it starts "
                f"({format_iso8601(start_ns)})"
            )
        if deadline_ns is not None and deadline_ns > start_ns:
            raise UserInputError(
                f"UAT registration deadline {format_iso8601(deadline_ns)} is after the test "
                f"starts ({format_iso8601(start_ns)})"
            )
        chosen = (
            tuple(get_profile(f).id for f in facilities)
            if facilities is not None
            else tuple(FacilityId)
        )
        window = UatWindow(
            key=key or local_date(start_ns).isoformat(),
            title=title,
            start_ns=start_ns,
            end_ns=end_ns,
            registration_deadline_ns=deadline_ns,
            region=_user_enum(Region, region, "region"),
            facilities=chosen,
            notes=tuple(notes),
            source=source,
        )
        with self._lock:
            if any(existing.key == window.key for existing in self._uats):
                raise UserInputError(f"a UAT window with key {window.key!r} already exists")
            self._uats = sorted([*self._uats, window], key=lambda u: (u.start_ns, u.key))
            self._events_cache = None
        return window

    # -- events ---------------------------------------------------------------------------------

    def events(self) -> tuple[Event, ...]:
        """Every dated event, earliest first: the timeline's own, the UATs, and the hours,
        launch and precision changes read from the facility profiles."""
        with self._lock:
            if self._events_cache is None:
                events = list(self._own_events)
                events.extend(
                    Event(
                        key=f"uat-{uat.key}",
                        title=uat.title,
                        start_ns=uat.start_ns,
                        end_ns=uat.end_ns,
                        source=uat.source,
                        kind="uat",
                    )
                    for uat in self._uats
                )
                if self._include_profile_events:
                    events.extend(_profile_events())
                self._events_cache = tuple(sorted(events, key=lambda e: (e.start_ns, e.key)))
            return self._events_cache


def _user_enum(kind: type[E], value: E | str, what: str) -> E:
    if isinstance(value, kind):
        return value
    try:
        return kind(str(value).strip().lower())
    except ValueError:
        valid = ", ".join(member.value for member in kind)
        raise UserInputError(f"unknown {what} {value!r}; valid: {valid}") from None


def _instant(value: int | str, what: str) -> int:
    if isinstance(value, int):
        return value
    try:
        return parse_iso8601(value)
    except TimestampError as exc:
        raise UserInputError(str(exc), source=f"UAT {what}") from None


@cache
def _profile_events() -> tuple[Event, ...]:
    events: list[Event] = []
    for profile in all_profiles():
        if profile.launch:
            events.append(
                Event(
                    key=f"{profile.id.value}-launch",
                    title=f"{profile.name} begins operating",
                    start_ns=local_ns(profile.launch.date, 0),
                    end_ns=None,
                    source=profile.launch.source,
                    kind="launch",
                )
            )
        for period in profile.hours:
            if period.since is None:
                continue
            events.append(
                Event(
                    key=f"{profile.id.value}-hours-{period.since.isoformat()}",
                    title=(
                        f"{profile.name} system hours become "
                        f"{period.open:%H:%M}-{period.close:%H:%M} ET"
                    ),
                    start_ns=local_ns(period.since, 0),
                    end_ns=None,
                    source=period.source,
                    kind="hours",
                    inferred=period.inferred,
                )
            )
        for rule in profile.precision_rules:
            if rule.since is None:
                continue
            where = rule.region.value if rule.region else "all regions"
            events.append(
                Event(
                    key=(
                        f"{profile.id.value}-{rule.port.value}-{where.replace(' ', '-')}-"
                        f"precision-{rule.since.isoformat()}"
                    ),
                    title=(
                        f"{profile.name} {rule.port.value} ({where}): timestamps up to "
                        f"{rule.inbound} fractional digits in, {rule.outbound} out"
                    ),
                    start_ns=local_ns(rule.since, 0),
                    end_ns=None,
                    source=rule.source,
                    kind="precision",
                    inferred=rule.inferred,
                )
            )
    return tuple(events)


# -- loading -------------------------------------------------------------------------------------


@dataclass
class _Ctx:
    path: str
    where: str = ""

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(self.path, message, field=f"{self.where}.{key}" if self.where else key)

    def child(self, where: str) -> _Ctx:
        return _Ctx(self.path, f"{self.where}.{where}" if self.where else where)


def _text(ctx: _Ctx, table: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    if key not in table:
        if required:
            raise ctx.error(key, "is missing")
        return None
    value = table[key]
    if not isinstance(value, str):
        raise ctx.error(key, f"must be text, not {value!r}")
    return value


def _req(ctx: _Ctx, table: Mapping[str, Any], key: str) -> str:
    value = _text(ctx, table, key)
    assert value is not None
    return value


def _time(ctx: _Ctx, table: Mapping[str, Any], key: str, *, required: bool = True) -> int | None:
    raw = _text(ctx, table, key, required=required)
    if raw is None:
        return None
    try:
        return parse_iso8601(raw)
    except TimestampError as exc:
        raise ctx.error(key, str(exc)) from None


def _flag(ctx: _Ctx, table: Mapping[str, Any], key: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ctx.error(key, f"must be true or false, not {value!r}")
    return value


def _choice(ctx: _Ctx, table: Mapping[str, Any], key: str, kind: type[E]) -> E:
    raw = _req(ctx, table, key)
    try:
        return kind(raw)
    except ValueError:
        valid = ", ".join(member.value for member in kind)
        raise ctx.error(key, f"must be one of {valid}, not {raw!r}") from None


def _tables(ctx: _Ctx, table: Mapping[str, Any], key: str) -> list[tuple[_Ctx, dict[str, Any]]]:
    values = table.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
        raise ctx.error(key, "must be a list of tables")
    return [(ctx.child(f"{key}[{i}]"), value) for i, value in enumerate(values)]


def _phases(ctx: _Ctx, table: Mapping[str, Any], *, need_auth: bool) -> tuple[SitePhase, ...]:
    phases = []
    for pctx, item in _tables(ctx, table, "phases"):
        status = _choice(pctx, item, "status", SiteStatus) if "status" in item else SiteStatus.LIVE
        auth = _choice(pctx, item, "auth", Auth) if "auth" in item else None
        if (need_auth or status is SiteStatus.LIVE) and auth is None:
            raise pctx.error("auth", "is missing")
        if status is not SiteStatus.LIVE and not _text(pctx, item, "notice", required=False):
            raise pctx.error("notice", f"is needed for a {status.value!r} phase")
        phases.append(
            SitePhase(
                since_ns=_time(pctx, item, "since", required=False),
                status=status,
                auth=auth,
                moved_to=_text(pctx, item, "moved_to", required=False),
                notice=_text(pctx, item, "notice", required=False),
                source=_req(pctx, item, "source"),
                inferred=_flag(pctx, item, "inferred"),
            )
        )
    if not phases:
        raise ctx.error("phases", "lists no phase")
    if phases[0].since_ns is not None:
        raise ctx.error("phases", "needs a first phase without 'since'")
    for earlier, later in pairwise(phases):
        if later.since_ns is None or (earlier.since_ns or -(2**63)) >= later.since_ns:
            raise ctx.error("phases", "later phases need increasing 'since' times")
    return tuple(phases)


def _region(ctx: _Ctx, table: Mapping[str, Any]) -> Region | None:
    raw = _req(ctx, table, "region")
    if raw == "any":
        return None
    return _choice(ctx, table, "region", Region)


def _parse(path: str, text: str) -> _TimelineData:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"is not valid TOML: {exc}") from None
    root = _Ctx(path)

    events = []
    for ctx, item in _tables(root, data, "events"):
        start = _time(ctx, item, "start")
        assert start is not None
        end = _time(ctx, item, "end", required=False)
        if end is not None and end <= start:
            raise ctx.error("end", "must be after start")
        events.append(
            Event(
                key=_req(ctx, item, "key"),
                title=_req(ctx, item, "title"),
                start_ns=start,
                end_ns=end,
                source=_req(ctx, item, "source"),
                inferred=_flag(ctx, item, "inferred"),
            )
        )

    auth: dict[tuple[Product, Region], tuple[SitePhase, ...]] = {}
    for ctx, item in _tables(root, data, "auth"):
        key = (_choice(ctx, item, "product", Product), _choice(ctx, item, "region", Region))
        if key in auth:
            raise ctx.error("product", f"duplicates {key[0].value}/{key[1].value}")
        auth[key] = _phases(ctx, item, need_auth=True)

    sites: list[Site] = []
    for ctx, item in _tables(root, data, "sites"):
        host = _normalise_host(_req(ctx, item, "host"))
        if any(site.host == host for site in sites):
            raise ctx.error("host", f"duplicates {host}")
        sites.append(
            Site(
                host=host,
                role=_req(ctx, item, "role"),
                region=_region(ctx, item),
                purpose=_req(ctx, item, "purpose"),
                phases=_phases(ctx, item, need_auth=False),
                source=_req(ctx, item, "source"),
                inferred=_flag(ctx, item, "inferred"),
            )
        )
    hosts = {site.host for site in sites}
    for site in sites:
        for phase in site.phases:
            if phase.moved_to and phase.moved_to not in hosts:
                raise ConfigError(path, f"site {site.host} moves to unknown {phase.moved_to!r}")

    uats = []
    for ctx, item in _tables(root, data, "uat"):
        start = _time(ctx, item, "start")
        end = _time(ctx, item, "end")
        assert start is not None and end is not None
        if end <= start:
            raise ctx.error("end", "must be after start")
        deadline = _time(ctx, item, "registration_deadline", required=False)
        if deadline is not None and deadline > start:
            raise ctx.error("registration_deadline", "must not be after start")
        names = item.get("facilities", [f.value for f in FacilityId])
        try:
            facilities = tuple(FacilityId(name) for name in names)
        except ValueError as exc:
            raise ctx.error("facilities", str(exc)) from None
        notes = item.get("notes", [])
        if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
            raise ctx.error("notes", "must be a list of text")
        uats.append(
            UatWindow(
                key=_req(ctx, item, "key"),
                title=_req(ctx, item, "title"),
                start_ns=start,
                end_ns=end,
                registration_deadline_ns=deadline,
                region=_choice(ctx, item, "region", Region),
                facilities=facilities,
                notes=tuple(notes),
                source=_req(ctx, item, "source"),
                inferred=_flag(ctx, item, "facilities_inferred"),
            )
        )
    return _TimelineData(events=events, sites=sites, auth=auth, uats=uats)


@cache
def _builtin_data() -> _TimelineData:
    label = "simulator/facilities/data/timeline.toml"
    resource = resources.files("simulator.facilities").joinpath("data", "timeline.toml")
    try:
        text = resource.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(label, f"cannot be read: {exc.strerror or exc}") from None
    return _parse(label, text)
