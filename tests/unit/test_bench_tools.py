"""The benchmark tools measure what they claim: the reference server frames like a FIX engine
(checksum included), the load generator's reports are all accepted by the real dialects (so a
benchmark counts acknowledgements, not rejects), the client cuts messages correctly across
reads, and the in-process hot-path benchmark runs end to end."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import fixwire  # noqa: E402 - bench/ is not a package: its scripts import each other by name
import reference_server  # noqa: E402

from simulator.domain.facility import FacilityId, PortType  # noqa: E402
from simulator.domain.trade import ReportState  # noqa: E402
from simulator.facilities.timeliness import assess  # noqa: E402
from simulator.fix.application import SessionInfo  # noqa: E402
from simulator.fix.codec import decode  # noqa: E402
from simulator.fix.dialects import create_dialect  # noqa: E402
from simulator.fix.dialects.reporting import ReportingService  # noqa: E402
from simulator.journal import open_memory_journal  # noqa: E402
from simulator.timeline import Timeline  # noqa: E402


def test_the_reference_frames_by_length_and_checksum_across_reads() -> None:
    good = fixwire.logon(fixwire.TARGETS["trace-ca"], fixwire.DEFAULT_START_NS)
    bad = bytearray(good)
    bad[-4:-1] = b"%03d" % ((int(bad[-4:-1]) + 1) % 256)  # wrong CheckSum
    stream = b"garbage" + good + bytes(bad) + good + good
    framer = reference_server.Framer()
    counted = sum(framer.feed(stream[i : i + 7]) for i in range(0, len(stream), 7))
    assert counted == 3 and framer.bad == 1  # the bad checksum is skipped, not acknowledged
    assert reference_server.FIXED_ACK.endswith(b"\x01") and b"\x0135=AE\x01" in (
        reference_server.FIXED_ACK
    )


def test_the_client_cuts_messages_at_their_trailer_across_reads() -> None:
    messages = fixwire.reports(fixwire.TARGETS["trace-ca"], 3)
    stream = b"".join(messages)
    buffer = bytearray()
    seen: list[bytes] = []
    for i in range(0, len(stream), 11):
        buffer += stream[i : i + 11]
        seen.extend(fixwire.split_messages(buffer))
    assert seen == messages and buffer == bytearray()
    assert fixwire.msg_type(seen[0]) == b"AE"


@pytest.mark.parametrize("port", sorted(fixwire.TARGETS))
@pytest.mark.parametrize("mix", ["new", "mixed"])
def test_every_generated_report_is_acknowledged_by_the_real_dialect(port: str, mix: str) -> None:
    target = fixwire.TARGETS[port]
    facility, port_type = {
        "trace-ca": (FacilityId.TRACE_CA, PortType.FIX44),
        "nasdaq-trf-carteret": (FacilityId.NASDAQ_TRF_CARTERET, PortType.NATIVE_FIX42),
    }[port]
    journal = open_memory_journal()
    try:
        service = ReportingService(journal, assess, timeline=Timeline.default())
        dialect = create_dialect(facility, port_type, service)
        session = SessionInfo(
            session_id="bench",
            facility=facility,
            begin_string=target.begin_string,
            facility_comp_id=target.target,
            firm_comp_id=target.sender,
            firm="ACME",
            port_type=port_type,
            mpids=("ACME", "ACMX"),
        )
        messages = [decode(raw) for raw in fixwire.reports(target, 60, mix=mix)]
        answers = dialect.on_messages(session, messages, fixwire.DEFAULT_START_NS)
        events = [out[0].message.get(1011) for out in answers]
        assert all(out[0].message.msg_type == "AE" for out in answers), answers
        states = {stored.state for stored in journal.query()}
        if mix == "mixed":  # cancels and corrections are really in the mix
            assert {ReportState.CANCELLED, ReportState.CORRECTED} <= states
            assert len(set(events)) == (3 if port == "trace-ca" else 1)  # TKNW answers all
        else:
            assert states == {ReportState.ACCEPTED}
    finally:
        journal.close()


def test_the_hot_path_benchmark_runs_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    import hot_path

    arguments = ["--reports", "40", "--batch", "20", "--rounds", "1", "--warmup", "20"]
    assert hot_path.main(arguments) == 0
    printed = capsys.readouterr().out
    assert "dialect + journal" in printed and "reports per CPU-second" in printed
