"""The facilities' FIX trade-reporting dialects, by facility and port type.

One dialect per facility and port type maps TradeCaptureReport messages to the domain and back
(TRACE CA/SP/TS per FINRA's TRACE FIX specification v2.1; the equity facilities on the same
pattern, INFERRED where their specifications are not public -- see ``docs/dialects/``). The
session layer calls:

* :func:`application_for` to get the :class:`~simulator.fix.application.Application` of a
  session (one dialect instance per facility and port type, sharing one
  :class:`~simulator.fix.dialects.reporting.ReportingService` per simulator);
* :func:`outbound_precision` for the fractional digits of SendingTime and every other
  timestamp it writes on that session at that instant (Nasdaq native TRF FIX 4.2: 3 before
  2021-11-15 and 9 from then on, seed 002; TRACE CA/SP 0; TS 3 until 2023-07-10, then 6).

:func:`dictionary_path` names the QuickFIX data dictionary a firm's engine validates with.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from simulator.domain.facility import FacilityId, PortType, Region
from simulator.errors import UserInputError
from simulator.facilities.profiles import FacilityProfile, PrecisionRule, get_profile
from simulator.facilities.timeliness import new_york_date
from simulator.fix.application import SessionInfo
from simulator.fix.dialects import adf, nasdaq_trf, nyse_trf, orf, trace
from simulator.fix.dialects.capture import DialectSpec, TradeCaptureDialect
from simulator.fix.dialects.dictionary import DICTIONARY_DIR, write
from simulator.fix.dialects.reporting import ReportingService
from simulator.runtime import SimulatorContext

ProfileSource = Any

_REGISTRY: dict[tuple[FacilityId, PortType], tuple[DialectSpec, type[TradeCaptureDialect]]] = {
    (FacilityId.TRACE_CA, PortType.FIX44): (trace.TRACE_CA, trace.TraceDialect),
    (FacilityId.TRACE_SP, PortType.FIX44): (trace.TRACE_SP, trace.TraceDialect),
    (FacilityId.TRACE_TS, PortType.FIX44): (trace.TRACE_TS, trace.TraceDialect),
    (FacilityId.NASDAQ_TRF_CARTERET, PortType.NATIVE_FIX42): (
        nasdaq_trf.NATIVE,
        nasdaq_trf.NasdaqTrfDialect,
    ),
    (FacilityId.NASDAQ_TRF_CARTERET, PortType.LEGACY_FIX42): (
        nasdaq_trf.LEGACY,
        nasdaq_trf.NasdaqTrfDialect,
    ),
    (FacilityId.NASDAQ_TRF_CHICAGO, PortType.NATIVE_FIX42): (
        nasdaq_trf.NATIVE,
        nasdaq_trf.NasdaqTrfDialect,
    ),
    (FacilityId.NASDAQ_TRF_CHICAGO, PortType.LEGACY_FIX42): (
        nasdaq_trf.LEGACY,
        nasdaq_trf.NasdaqTrfDialect,
    ),
    (FacilityId.NYSE_TRF, PortType.FIX44): (nyse_trf.SPEC, nyse_trf.NyseTrfDialect),
    (FacilityId.ADF, PortType.FIX44): (adf.SPEC, adf.AdfDialect),
    (FacilityId.ORF, PortType.FIX44): (orf.SPEC, orf.OrfDialect),
}

SERVICE_KEY = "fix.reporting"
DIALECTS_KEY = "fix.dialects"


def _key(facility: FacilityId | str, port_type: PortType | str) -> tuple[FacilityId, PortType]:
    try:
        return FacilityId(str(facility)), PortType(str(port_type))
    except ValueError as exc:
        raise UserInputError(f"unknown facility or port type: {exc}") from None


def port_types(facility: FacilityId | str) -> tuple[PortType, ...]:
    """The FIX port types the simulator serves for ``facility``."""
    wanted = FacilityId(str(facility))
    return tuple(port for fac, port in _REGISTRY if fac is wanted)


def dialect_spec(facility: FacilityId | str, port_type: PortType | str) -> DialectSpec:
    """The dialect of ``facility`` on ``port_type``; a clear error for a combination that the
    facility does not offer (e.g. the Nasdaq TRF speaks FIX 4.2, not a FIX 4.4 port)."""
    key = _key(facility, port_type)
    entry = _REGISTRY.get(key)
    if entry is None:
        offered = ", ".join(port.value for port in port_types(key[0])) or "none"
        raise UserInputError(
            f"{key[0].value} has no {key[1].value} FIX port; its FIX port types are: {offered}"
        )
    return entry[0]


def all_specs() -> tuple[DialectSpec, ...]:
    """Every dialect once (the Nasdaq TRF dialects serve Carteret and Chicago)."""
    by_name = {spec.name: spec for spec, _ in _REGISTRY.values()}
    return tuple(by_name.values())


def create_dialect(
    facility: FacilityId | str,
    port_type: PortType | str,
    service: ReportingService,
    *,
    profiles: ProfileSource = get_profile,
) -> TradeCaptureDialect:
    key = _key(facility, port_type)
    spec = dialect_spec(*key)
    cls = _REGISTRY[key][1]
    return cls(spec, service, profiles=profiles)


def reporting_service(context: SimulatorContext) -> ReportingService:
    """The simulator's one reporting service (journal, timeliness engine, timeline)."""
    service = context.services.get(SERVICE_KEY)
    if service is None:
        from simulator.facilities.timeliness import assess

        if context.journal is None:
            raise UserInputError("the FIX dialects need a journal; none is configured")
        service = ReportingService(context.journal, assess, timeline=context.timeline)
        context.services[SERVICE_KEY] = service
    return service


def application_for(session: SessionInfo, context: SimulatorContext) -> TradeCaptureDialect:
    """The dialect serving ``session`` (shared by every session of its facility and port)."""
    key = _key(session.facility, session.port_type)
    cache: dict[tuple[FacilityId, PortType], TradeCaptureDialect] = context.services.setdefault(
        DIALECTS_KEY, {}
    )
    dialect = cache.get(key)
    if dialect is None:
        dialect = create_dialect(*key, reporting_service(context))
        cache[key] = dialect
    return dialect


_PRECISIONS: dict[tuple[FacilityId, PortType, Region, dt.date], PrecisionRule] = {}


def _precision(session: SessionInfo, now_ns: int) -> PrecisionRule:
    """The profile's precision rule for ``session`` at ``now_ns``. Rules change by New York
    date, never within one, so each facility, port type, region and day is looked up once
    (the session layer asks for every message it stamps)."""
    key = (session.facility, session.port_type, session.region, new_york_date(now_ns))
    rule = _PRECISIONS.get(key)
    if rule is None:
        profile: FacilityProfile = get_profile(session.facility)
        rule = profile.precision(session.port_type, session.region, now_ns)
        if len(_PRECISIONS) >= 4096:
            _PRECISIONS.clear()
        _PRECISIONS[key] = rule
    return rule


def outbound_precision(session: SessionInfo, now_ns: int) -> int:
    """Fractional-second digits of every timestamp written on ``session`` at ``now_ns``
    (SendingTime 52, OrigSendingTime 122 and the dialect's own), from the facility profile."""
    return _precision(session, now_ns).outbound


def inbound_precision(session: SessionInfo, now_ns: int) -> int:
    """The most fractional-second digits the facility accepts on ``session`` at ``now_ns``."""
    return _precision(session, now_ns).inbound


def dictionary_path(facility: FacilityId | str, port_type: PortType | str) -> Path:
    """The QuickFIX data dictionary of ``facility`` on ``port_type`` (shipped in the package)."""
    return dialect_spec(facility, port_type).dictionary().path


def write_dictionaries() -> list[Path]:
    """Regenerate every dictionary file from the layouts (``python -m
    simulator.fix.dialects``); a unit test keeps the shipped files equal to this output."""
    return [write(spec.dictionary()) for spec in all_specs()]


__all__ = [
    "DICTIONARY_DIR",
    "DialectSpec",
    "ReportingService",
    "TradeCaptureDialect",
    "all_specs",
    "application_for",
    "create_dialect",
    "dialect_spec",
    "dictionary_path",
    "inbound_precision",
    "outbound_precision",
    "port_types",
    "reporting_service",
    "write_dictionaries",
]
