"""Fixtures for the dialect tests: a real in-memory journal, the real facility profiles and
timeliness engine, sessions, and builders for the TradeCaptureReports a firm sends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from dialect_support import FakeTimeline

from simulator.domain.facility import FacilityId, PortType, Region
from simulator.facilities.timeliness import assess
from simulator.fix.application import SessionInfo
from simulator.fix.dialects import create_dialect, dialect_spec
from simulator.fix.dialects.reporting import ReportingService
from simulator.journal import open_memory_journal
from simulator.journal.sqlite import SqliteJournal


@pytest.fixture
def journal() -> Iterator[SqliteJournal]:
    store = open_memory_journal(seed=7)
    yield store
    store.close()


@pytest.fixture
def timeline() -> FakeTimeline:
    return FakeTimeline()


@pytest.fixture
def service(journal: SqliteJournal, timeline: FakeTimeline) -> ReportingService:
    return ReportingService(journal, assess, timeline=timeline)


def make_session(
    facility: FacilityId | str,
    *,
    mpids: tuple[str, ...] = ("ABCD",),
    firm: str = "Alpha Securities",
    session_id: str | None = None,
    port_type: PortType | None = None,
    region: Region = Region.PRODUCTION,
    uat_registered: bool = False,
) -> SessionInfo:
    facility = FacilityId(str(facility))
    if port_type is None:
        port_type = PortType.NATIVE_FIX42 if facility.value.startswith("nasdaq") else PortType.FIX44
    spec = dialect_spec(facility, port_type)
    return SessionInfo(
        session_id=session_id or f"{facility.value}:{firm}",
        facility=facility,
        begin_string=spec.begin_string,
        facility_comp_id="FNRA",
        firm_comp_id=mpids[0],
        firm=firm,
        port_type=port_type,
        region=region,
        mpids=mpids,
        uat_registered=uat_registered,
    )


@pytest.fixture
def session_factory() -> Callable[..., SessionInfo]:
    return make_session


@pytest.fixture
def dialect_factory(service: ReportingService) -> Callable[..., Any]:
    def build(facility: FacilityId | str, port_type: PortType | str | None = None) -> Any:
        facility = FacilityId(str(facility))
        if port_type is None:
            port_type = (
                PortType.NATIVE_FIX42 if facility.value.startswith("nasdaq") else PortType.FIX44
            )
        return create_dialect(facility, port_type, service)

    return build
