"""The registry the session layer uses: dialects by facility and port, shared per simulator."""

from __future__ import annotations

import datetime as dt

import pytest
from dialect_support import equity_report, only

from simulator.clock import ManualClock
from simulator.domain.facility import FacilityId, PortType
from simulator.errors import UserInputError
from simulator.fix import dialects
from simulator.fix.dialects.nasdaq_trf import NasdaqTrfDialect
from simulator.fix.dialects.trace import TraceDialect
from simulator.journal import open_memory_journal
from simulator.runtime import SimulatorContext
from simulator.timestamps import local_ns


def test_every_facility_has_its_ports():
    assert dialects.port_types(FacilityId.NASDAQ_TRF_CHICAGO) == (
        PortType.NATIVE_FIX42,
        PortType.LEGACY_FIX42,
    )
    for facility in FacilityId:
        assert dialects.port_types(facility), facility
    spec = dialects.dialect_spec("trace-ts", "fix44")
    assert (spec.name, spec.begin_string, spec.events.new) == ("trace-ts", "FIX.4.4", "TSEN")


@pytest.mark.parametrize(
    ("facility", "port", "message"),
    [
        ("trace-ca", "native-fix42", "trace-ca has no native-fix42 FIX port"),
        ("nowhere", "fix44", "unknown facility or port type"),
        ("adf", "telex", "unknown facility or port type"),
    ],
)
def test_unknown_combinations_are_user_errors(facility, port, message):
    with pytest.raises(UserInputError, match=message):
        dialects.dialect_spec(facility, port)


def test_application_for_shares_one_dialect_and_one_service(tmp_path, session_factory):
    journal = open_memory_journal()
    context = SimulatorContext(
        clock=ManualClock(0), journal=journal, timeline=None, data_dir=tmp_path
    )
    carteret = session_factory(FacilityId.NASDAQ_TRF_CARTERET, firm="A")
    other = session_factory(FacilityId.NASDAQ_TRF_CARTERET, firm="B", mpids=("WXYZ",))
    chicago = session_factory(FacilityId.NASDAQ_TRF_CHICAGO, firm="A")
    trace = session_factory(FacilityId.TRACE_CA, firm="A")
    first = dialects.application_for(carteret, context)
    assert isinstance(first, NasdaqTrfDialect)
    assert dialects.application_for(other, context) is first
    assert dialects.application_for(chicago, context) is not first
    assert isinstance(dialects.application_for(trace, context), TraceDialect)
    assert first.service is dialects.application_for(trace, context).service
    at = local_ns(dt.date(2022, 3, 7), 10)
    ack = only(first.on_message(carteret, equity_report(executed_ns=at), at + 1))
    assert ack.get(1011) == "TKNW"
    assert journal.query()[0].report.facility == "nasdaq-trf-carteret"
    journal.close()


def test_application_for_needs_a_journal(tmp_path, session_factory):
    context = SimulatorContext(clock=ManualClock(0), journal=None, timeline=None, data_dir=tmp_path)
    with pytest.raises(UserInputError, match="need a journal"):
        dialects.application_for(session_factory("adf"), context)


def test_dictionary_paths_are_package_files():
    path = dialects.dictionary_path("nasdaq-trf-chicago", "legacy-fix42")
    assert path.name == "nasdaq-trf-legacy.xml" and path.is_file()
    assert path.parent == dialects.DICTIONARY_DIR


@pytest.mark.parametrize("facility", list(FacilityId), ids=[f.value for f in FacilityId])
def test_dialects_agree_with_the_facility_profiles(facility):
    from simulator.facilities import get_profile

    profile = get_profile(facility)
    for port in dialects.port_types(facility):
        spec = dialects.dialect_spec(facility, port)
        assert spec.begin_string == profile.fix.begin_string
        assert int(profile.modifier_tag) in spec.ae.tags()  # where the ack writes Modifier 3
        assert port in profile.ports  # the profile has precision rules for the port
        if profile.fix.message_event_prefix:
            prefix = profile.fix.message_event_prefix
            assert all(code.startswith(prefix) for code, _ in spec.events.values())
