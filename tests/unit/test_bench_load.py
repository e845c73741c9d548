"""The load benchmarks' pure parts keep working: the many-firm configuration loads and gives each
firm its own session, each firm's reports carry its own CompID and MPID with a valid checksum and
are accepted by the real dialects, the mixed day has its cancels and corrections, latencies pool
into the right percentiles, and the day projection and memory figures compute what they say."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import day_replay  # noqa: E402 - bench/ is not a package: its scripts import each other by name
import fixwire  # noqa: E402
import load_sessions  # noqa: E402
import reference_server  # noqa: E402
import session_memory  # noqa: E402

from simulator.config import parse_config  # noqa: E402
from simulator.domain.facility import FacilityId, PortType  # noqa: E402
from simulator.facilities.timeliness import assess  # noqa: E402
from simulator.fix.application import SessionInfo  # noqa: E402
from simulator.fix.codec import decode  # noqa: E402
from simulator.fix.dialects import create_dialect  # noqa: E402
from simulator.fix.dialects.reporting import ReportingService  # noqa: E402
from simulator.journal import open_memory_journal  # noqa: E402
from simulator.timeline import Timeline  # noqa: E402


def test_firm_mpids_are_distinct_four_capital_letters_up_to_the_limit() -> None:
    mpids = [load_sessions.firm_mpid(index) for index in range(26**3)]
    assert len(set(mpids)) == len(mpids)
    assert mpids[:3] == ["LAAA", "LAAB", "LAAC"] and mpids[-1] == "LZZZ"
    assert all(len(m) == 4 and m.isalpha() and m.isupper() for m in mpids)
    with pytest.raises(ValueError):
        load_sessions.firm_mpid(26**3)


@pytest.mark.parametrize("sessions", [1, 2, 7, 500])
def test_the_generated_configuration_serves_every_firm_on_its_facility(sessions: int) -> None:
    config = parse_config(load_sessions.config_text(sessions), "load.toml")
    refs = config.session_refs()
    assert len(refs) == sessions  # the contra firm has no session
    by_port = {port.name: port for port in config.ports}
    expected_on = {name: 0 for name in load_sessions.FACILITIES}
    for index in range(sessions):
        expected_on[load_sessions.facility_of(index)] += 1
    for name, count in expected_on.items():
        assert (len(by_port[name].logins) if name in by_port else 0) == count
    assert ("nasdaq-trf-carteret" in by_port) == (sessions > 1)


def test_a_firms_copy_of_a_report_is_re_encoded_with_its_own_identity() -> None:
    target, logon, messages = load_sessions.session_messages(41, 3, "new")
    assert target.sender == "L0042FIX" and target.port_name == "nasdaq-trf-carteret"
    assert b"\x0149=L0042FIX\x01" in logon
    for raw in messages:
        assert b"ACME" not in raw and b"\x01448=LABP\x01" in raw
        assert b"\x01448=BETA\x01" in raw  # the contra party stays
        framer = reference_server.Framer()
        assert framer.feed(raw) == 1 and framer.bad == 0  # BodyLength and CheckSum are right
        assert load_sessions.split_fields(raw)[0] == (35, "AE")


def test_the_mixed_day_has_five_percent_cancels_and_five_percent_corrections() -> None:
    _, _, messages = load_sessions.session_messages(0, 400, "mixed")
    counts = load_sessions.kinds(messages)
    assert counts == {"new": 360, "cancel": 20, "correct": 20}
    assert load_sessions.kinds(load_sessions.session_messages(0, 40, "new")[2]) == {
        "new": 40,
        "cancel": 0,
        "correct": 0,
    }


@pytest.mark.parametrize(
    ("index", "facility", "port_type"),
    [
        (0, FacilityId.TRACE_CA, PortType.FIX44),
        (1, FacilityId.NASDAQ_TRF_CARTERET, PortType.NATIVE_FIX42),
    ],
)
def test_every_report_of_a_generated_firm_is_acknowledged_by_the_dialect(
    index: int, facility: FacilityId, port_type: PortType
) -> None:
    target, _, messages = load_sessions.session_messages(index, 60, "mixed")
    config = parse_config(load_sessions.config_text(2), "load.toml")
    firm = next(f for f in config.firms.values() if f.comp_id == target.sender)
    with open_memory_journal() as journal:
        service = ReportingService(journal, assess, timeline=Timeline.default())
        dialect = create_dialect(facility, port_type, service)
        session = SessionInfo(
            session_id=f"{target.port_name}:{target.sender}",
            facility=facility,
            begin_string=target.begin_string,
            facility_comp_id=target.target,
            firm_comp_id=target.sender,
            firm=firm.name,
            port_type=port_type,
            facility_sub_id=target.target_sub,
            mpids=firm.mpids,
        )
        answers = dialect.on_messages(
            session, [decode(raw) for raw in messages], fixwire.DEFAULT_START_NS
        )
    kinds = [answer[0].message.msg_type for answer in answers]
    assert kinds == ["AE"] * 60, [a[0].message.get(58) for a in answers if a[0].message.get(58)]


def test_shares_split_a_total_evenly() -> None:
    assert load_sessions.shares(10, 3) == [4, 3, 3]
    assert load_sessions.shares(2, 4) == [1, 1, 0, 0]
    assert sum(load_sessions.shares(20000, 500)) == 20000


def test_pooled_latencies_give_the_nearest_rank_percentiles() -> None:
    aggregate = load_sessions.Aggregate("pipelined", 2)
    first = fixwire.RunResult(
        "pipelined", 500, acks=500, latencies_ns=[i * 1000 for i in range(1, 501)]
    )
    second = fixwire.RunResult(
        "pipelined", 500, acks=499, rejects=1, latencies_ns=[i * 1000 for i in range(501, 1001)]
    )
    aggregate.add(first)
    aggregate.add(second)
    aggregate.seconds = 2.0
    summary = aggregate.summary()
    assert summary["acks"] == 999 and summary["rejects"] == 1 and summary["reports"] == 1000
    assert summary["per_second"] == 499.5
    assert (summary["p50_us"], summary["p99_us"]) == (500.0, 990.0)
    assert 999.0 <= summary["p99_9_us"] <= 1000.0  # the top of a thousand, within one rank


def test_the_day_projection_against_the_thirty_minute_budget() -> None:
    assert pytest.approx(11_111.1, abs=0.1) == day_replay.TARGET_RATE
    seconds, within = day_replay.projection(20_000.0)
    assert seconds == 1000.0 and within
    seconds, within = day_replay.projection(11_000.0)
    assert seconds > 1800 and not within
    assert day_replay.projection(0.0) == (float("inf"), False)
    assert day_replay.hms(3725) == "1h02m05s" and day_replay.hms(float("inf")) == "never"


def test_memory_lines_parse_and_growth_is_per_session() -> None:
    assert session_memory.parse_memory_line("MEM rss=10 traced=20 peak=30\n") == {
        "rss": 10,
        "traced": 20,
        "peak": 30,
    }
    with pytest.raises(ValueError):
        session_memory.parse_memory_line("READY x=1")
    assert session_memory.per_session(1000, 3000, 4) == 500
    assert session_memory.per_session(3000, 1000, 4) == 0
