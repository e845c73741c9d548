"""A real FIX engine from PyPI against ``facsim serve`` (issue 3, "Done when").

QuickFIX's Python package -- what a firm would use -- logs on to the embedded default
configuration of ``facsim serve`` (a subprocess, ``--ports auto``, a temporary data directory, the
clock as of Friday 2021-11-12 10:00 ET), and drives the firm's side with the initiator a firm
copies (``examples/quickfix/rehearse.py`` and ``firm.cfg``):

* TRACE Corporates & Agencies: new report (CAEN, and the CAAL allege to the contra's engine),
  cancel (CACX), correction (CACR), reversal on Monday (CAHX), an invalid CUSIP (35=AR 751=060),
  a late report (22003=Z) -- docs/dialects/trace.md;
* FINRA/Nasdaq TRF Carteret, native FIX 4.2: new, cancel, correction, reversal (487=4), a
  9-digit TransactTime refused on Friday with a text naming the port's precision and accepted on
  Monday 2021-11-15 with 9-digit outbound timestamps, late reports (277=I), the drop copy (797=Y)
  -- docs/dialects/nasdaq-trf.md, seed 002;
* the Legacy TRF FIX 4.2 port refusing sub-millisecond times on both days; the NTF region
  accepting nanoseconds already on Friday (from 2021-08-16);
* the clock moved across 2021-11-15 through the control API (``POST /clock``), which ends the
  session day: every session is logged out and logs on again with 141=Y;
* logout.

The whole conversation runs once (the ``rehearsal`` fixture) and each test asserts one
behaviour on its transcript. Waiting is for the network only (``threading`` with a time-out);
reporting windows are crossed by choosing the execution time relative to the simulated clock,
never by sleeping. Skipped when QuickFIX is not importable, except under CI (``CI`` set), where
``.ci/run`` builds it and its absence is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pytest

from simulator.config import load_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "quickfix" / "rehearse.py"
FRIDAY = "2021-11-12T10:00:00-05:00"
MONDAY = "2021-11-15T10:00:00-05:00"
SECOND = 1_000_000_000
MINUTE = 60 * SECOND
START_TIMEOUT = 60.0  # facsim serve up and listening (a cold CI machine imports slowly)
LOGON_TIMEOUT = 30.0  # QuickFIX connects, logs on, and reconnects after a logout
ANSWER_TIMEOUT = 10.0  # one acknowledgement over loopback

TRACE = "trace-ca"
BETA_TRACE = "trace-ca-beta"  # the contra firm's own engine, to see the allege arrive
NATIVE = "nasdaq-trf-carteret"
LEGACY = "nasdaq-trf-carteret-legacy"
NTF = "nasdaq-trf-carteret-ntf"
DROP = "nasdaq-trf-carteret-dropcopy"
SESSIONS = (TRACE, NATIVE, LEGACY, NTF, DROP)
ALL = (*SESSIONS, BETA_TRACE)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


try:
    import quickfix  # noqa: F401  (what the example imports)
except ImportError as exc:  # pragma: no cover - depends on the environment
    QUICKFIX_MISSING: str | None = f"quickfix is not importable ({exc})"
else:
    QUICKFIX_MISSING = None

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        QUICKFIX_MISSING is not None and not _in_ci(),
        reason=f"{QUICKFIX_MISSING}: pip install quickfix (it compiles for minutes; "
        "`.ci/run` builds a wheel once and caches it)",
    ),
]


def load_example() -> ModuleType:
    """``examples/quickfix/rehearse.py``, the initiator a firm copies (not a package)."""
    spec = importlib.util.spec_from_file_location("facsim_quickfix_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module through sys.modules
    spec.loader.exec_module(module)
    return module


# -- facsim serve as a subprocess ----------------------------------------------------------------


@dataclass
class Serve:
    """A running ``facsim serve``: its endpoints by name and its control API address."""

    process: subprocess.Popen[str]
    stderr: Path
    lines: list[str] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)
    control: str = ""
    ready: threading.Event = field(default_factory=threading.Event)
    reader: threading.Thread | None = None

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            fix_port = re.match(r"fix\s+[\d.]+:(\d+)\s+(\S+)", line)
            if fix_port:
                self.ports[fix_port.group(2)] = int(fix_port.group(1))
            control = re.match(r"http\s+([\d.]+:\d+)\s+control-api", line)
            if control:
                self.control = f"http://{control.group(1)}"
            if line.startswith("ready"):
                self.ready.set()

    def log_tail(self) -> str:
        text = (
            self.stderr.read_text(encoding="utf-8", errors="replace")
            if self.stderr.exists()
            else ""
        )
        return "\n".join(text.splitlines()[-30:])

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.reader is not None:
            self.reader.join(10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode


def start_serve(data_dir: Path, *clock: str, at: str = FRIDAY) -> Serve:
    """``facsim serve`` on the embedded default as of ``at`` (a running clock); ``clock`` adds
    clock options (``--clock manual``)."""
    stderr = data_dir / "serve.log"
    command = [sys.executable, "-m", "simulator.cli", "serve", "--ports", "auto"]
    command += ["--data-dir", str(data_dir / "data"), "--at", at, *clock]
    with stderr.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True, cwd=ROOT)
    serve = Serve(process, stderr)
    serve.reader = threading.Thread(target=serve.read, daemon=True, name="facsim-serve-stdout")
    serve.reader.start()
    if not serve.ready.wait(START_TIMEOUT):
        serve.stop()
        pytest.fail(f"facsim serve did not start:\n{serve.log_tail()}")
    missing = [name for name in SESSIONS if name not in serve.ports]
    assert not missing and serve.control, (missing, serve.lines)
    return serve


# -- the conversation ------------------------------------------------------------------------------


@dataclass
class Transcript:
    """What the firm's engine sent and received, and what the simulator did with it."""

    firm: Any
    answers: dict[str, Any] = field(default_factory=dict)  # the firm's 571 -> the answer
    sent: dict[str, str] = field(default_factory=dict)  # the firm's 571 -> the body sent
    journal: dict[str, Any] = field(default_factory=dict)  # the firm's 571 -> journal record
    friday_logons: dict[str, int] = field(default_factory=dict)
    serve_exit: int | None = None
    serve_output: list[str] = field(default_factory=list)

    def records(
        self, session: str, *, incoming: bool = True, admin: bool | None = None
    ) -> list[Any]:
        return [
            r
            for r in self.firm.records
            if r.session == session
            and r.incoming == incoming
            and (admin is None or r.admin == admin)
        ]


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Transcript]:
    if QUICKFIX_MISSING is not None:
        pytest.fail(f"CI is set but {QUICKFIX_MISSING}: .ci/run must build and install it")
    ex = load_example()
    work = tmp_path_factory.mktemp("quickfix-interop")
    serve = start_serve(work)
    firm = None
    try:
        ports = dict(serve.ports)
        ports[BETA_TRACE] = serve.ports[TRACE]
        beta = "\n".join(
            [
                "[SESSION]",
                f"SessionQualifier={BETA_TRACE}",
                "BeginString=FIX.4.4",
                "SenderCompID=BETAFIX",
                "TargetCompID=FNRA",
                "TargetSubID=CA",
                "SocketConnectPort=9101",
                "DataDictionary=../../simulator/fix/dictionaries/trace-ca.xml",
            ]
        )
        text = ex.prepare_settings(
            ex.SETTINGS.read_text(encoding="utf-8"),
            ports=ports,
            only=ALL,
            store=work / "quickfix",
            extra=beta,
        )
        firm = ex.Firm(text)
        control = ex.ControlApi(serve.control)
        transcript = Transcript(firm)
        firm.start()
        firm.wait_logons(ALL, 1, LOGON_TIMEOUT)
        conversation = Conversation(ex, firm, control, transcript)
        _friday(conversation)
        transcript.friday_logons = dict(firm.logons)

        # Across 2021-11-15: the session day ends, every session is logged out, QuickFIX
        # reconnects and logs on again (ResetOnLogon=Y: 141=Y, both sides back to 1).
        control.set_clock(MONDAY)
        firm.wait_logons(ALL, 2, LOGON_TIMEOUT)
        _monday(conversation)

        for ref in ("T1", "TL", "E1", "EL", "EML"):
            found = control.get(f"/journal/reports?client_ref={ref}")["reports"]
            transcript.journal[ref] = found[0] if found else None
        firm.stop()
        firm = None
        transcript.serve_exit = serve.stop()
        transcript.serve_output = list(serve.lines)
        yield transcript
    except Exception:
        print(f"facsim serve log:\n{serve.log_tail()}", file=sys.stderr)
        raise
    finally:
        if firm is not None:
            firm.stop()
        serve.stop()


class Conversation:
    """The firm ACME reporting on its sessions: each report sent, its answer awaited (network
    latency only) and both kept in the transcript under the firm's 571."""

    PARTIES: ClassVar[dict[str, str]] = {"rpid": "ACME", "contra": "BETA"}

    def __init__(self, ex: ModuleType, firm: Any, control: Any, transcript: Transcript) -> None:
        self.ex, self.firm, self.control, self.t = ex, firm, control, transcript

    def now(self) -> int:
        """The simulated clock, cut to the whole second (TRACE CA takes whole seconds)."""
        ns = self.control.now_ns()
        return int(ns - ns % SECOND)

    def nanos(self, ns: int, fraction: str) -> str:
        """A TransactTime text: the whole second of ``ns`` with ``fraction`` digits."""
        return f"{self.ex.fix_time(ns, 0)}.{fraction}"

    def reference(self, client_ref: str) -> Any:
        """Control number and date of the report acknowledged to ``client_ref``."""
        return self.ex.Reference.of(self.t.answers[client_ref])

    def _exchange(self, session: str, client_ref: str, body: str) -> Any:
        self.t.sent[client_ref] = body
        self.firm.send(session, body)
        self.t.answers[client_ref] = self.firm.answer(session, client_ref, ANSWER_TIMEOUT)
        return self.t.answers[client_ref]

    def trace(self, client_ref: str, executed_ns: int, **fields: Any) -> Any:
        body = self.ex.trace_report(client_ref, executed_ns=executed_ns, **self.PARTIES, **fields)
        return self._exchange(TRACE, client_ref, body)

    def equity(self, session: str, client_ref: str, executed_ns: int, **fields: Any) -> Any:
        body = self.ex.equity_report(client_ref, executed_ns=executed_ns, **self.PARTIES, **fields)
        return self._exchange(session, client_ref, body)


def _friday(c: Conversation) -> None:
    t = c.t
    # TRACE CA: new (T1, reversed on Monday), new + cancel (T2), new + correction (T3),
    # invalid CUSIP (TX), a report 20 minutes after execution (TL)
    now = c.now()
    t1 = now - MINUTE
    t.sent["T1.executed"] = str(t1)
    c.trace("T1", t1)
    c.trace("T2", t1)
    c.trace("T2C", t1, trans="1", kind="6", ref=c.reference("T2"))
    c.trace("T3", t1)
    c.trace("T3R", t1, trans="2", kind="5", price="101.500000", ref=c.reference("T3"))
    c.trace("TX", t1, cusip="037833101")
    c.trace("TL", now - 20 * MINUTE)

    # Nasdaq TRF Carteret native: new on time (E1, reversed on Monday), new + cancel (E2),
    # new + correction (E3), 9 digits refused (E9), 30 seconds after execution (EL)
    now = c.now()
    e1 = now - SECOND + 123_000_000
    t.sent["E1.executed"] = str(e1)
    c.equity(NATIVE, "E1", e1)
    c.equity(NATIVE, "E2", e1)
    c.equity(NATIVE, "E2C", e1, trans="1", kind="6", ref=c.reference("E2"))
    c.equity(NATIVE, "E3", e1)
    c.equity(NATIVE, "E3R", e1, trans="2", kind="5", qty="200", ref=c.reference("E3"))
    nine = t.sent["E9.time"] = t.sent["N9.time"] = c.nanos(now - SECOND, "123456789")
    c.equity(NATIVE, "E9", now - SECOND, transact_time=nine)
    c.equity(NATIVE, "EL", now - 30 * SECOND + 250_000_000)

    # Legacy: milliseconds accepted, nanoseconds refused; NTF: nanoseconds already accepted
    c.equity(LEGACY, "L1", e1)
    c.equity(LEGACY, "L9", now - SECOND, transact_time=nine)
    c.equity(NTF, "N9", now - SECOND, transact_time=nine)


def _monday(c: Conversation) -> None:
    t = c.t
    now = c.now()
    # TRACE: reversal of Friday's T1 (the full original trade, 1015=1, its control number)
    c.trace(
        "T1V", int(t.sent["T1.executed"]), trans="1", kind="6", as_of=True, ref=c.reference("T1")
    )

    # Nasdaq native: nanoseconds accepted and echoed; reversal (487=4) of Friday's E1; late
    nine = t.sent["EM9.time"] = c.nanos(now - SECOND, "123456789")
    c.equity(NATIVE, "EM9", now - SECOND, transact_time=nine)
    c.equity(NATIVE, "E1V", int(t.sent["E1.executed"]), trans="4", kind="6", ref=c.reference("E1"))
    late = t.sent["EML.time"] = c.nanos(now - 30 * SECOND, "987654321")
    c.equity(NATIVE, "EML", now - 30 * SECOND, transact_time=late)

    # Legacy: still no sub-millisecond digits, nine or six; milliseconds accepted
    c.equity(LEGACY, "LM9", now - SECOND, transact_time=nine)
    c.equity(LEGACY, "LM6", now - SECOND, transact_time=c.nanos(now - SECOND, "123456"))
    c.equity(LEGACY, "LM3", now - SECOND)


def fraction_digits(timestamp: str | None) -> int:
    assert timestamp is not None
    _, dot, fraction = timestamp.partition(".")
    return len(fraction) if dot else 0


# -- logon, session level -----------------------------------------------------------------------


def test_quickfix_logs_on_to_every_port_it_tests(rehearsal: Transcript) -> None:
    for session in ALL:
        assert rehearsal.friday_logons.get(session) == 1, session
        logon = next(r for r in rehearsal.records(session, admin=True) if r.msg_type == "A")
        assert logon.get(98) == "0" and logon.get(108) == "30", logon
        assert logon.get(141) == "Y", logon  # the firm's ResetOnLogon=Y, answered in kind
    trace_logon = next(r for r in rehearsal.records(TRACE, admin=True) if r.msg_type == "A")
    assert trace_logon.get(49) == "FNRA" and trace_logon.get(50) == "CA"
    assert fraction_digits(trace_logon.get(52)) == 0  # TRACE CA writes whole seconds


def test_neither_side_refuses_a_message_at_the_session_level(rehearsal: Transcript) -> None:
    """QuickFIX validated every message against the dialect's data dictionary and found
    nothing to reject (35=3), and the simulator rejected nothing QuickFIX built."""
    rejects = [r for r in rehearsal.firm.records if r.msg_type in ("3", "j")]
    assert rejects == []


# -- TRACE Corporates & Agencies ------------------------------------------------------------------


def test_trace_new_report_is_acknowledged_caen_with_a_control_number(
    rehearsal: Transcript,
) -> None:
    ack = rehearsal.answers["T1"]
    assert ack.msg_type == "AE" and ack.get(1011) == "CAEN"
    assert re.fullmatch(r"2\d{9}", ack.get(1003) or ""), ack
    assert ack.get(571) == f"CAEN{ack.get(1003)}" and ack.get(572) == "T1"
    assert ack.get(22011) == "20211112"
    assert (ack.get(487), ack.get(856), ack.get(570)) == ("0", "0", "N")
    assert ack.get(22003) is None  # a minute after execution: on time, no Trade Modifier 3
    assert fraction_digits(ack.get(60)) == 0 and fraction_digits(ack.get(52)) == 0


def test_trace_contra_firm_receives_the_allege(rehearsal: Transcript) -> None:
    control = rehearsal.answers["T1"].get(1003)
    alleges = [r for r in rehearsal.records(BETA_TRACE, admin=False) if r.get(1003) == control]
    assert len(alleges) == 1, alleges
    allege = alleges[0]
    assert (allege.get(1011), allege.get(856), allege.get(487)) == ("CAAL", "1", "0")
    assert allege.get(572) is None  # the reporting firm's own id is not shown to the contra


def test_trace_cancel_is_acknowledged_cacx_with_the_cancelled_control_number(
    rehearsal: Transcript,
) -> None:
    ack = rehearsal.answers["T2C"]
    assert ack.msg_type == "AE" and ack.get(1011) == "CACX"
    assert (ack.get(487), ack.get(856)) == ("1", "6")
    assert ack.get(1003) == rehearsal.answers["T2"].get(1003)
    assert ack.get(22011) == "20211112"


def test_trace_correction_is_acknowledged_cacr_with_a_new_control_number(
    rehearsal: Transcript,
) -> None:
    original = rehearsal.answers["T3"]
    ack = rehearsal.answers["T3R"]
    assert ack.msg_type == "AE" and ack.get(1011) == "CACR"
    assert (ack.get(487), ack.get(856)) == ("2", "5")
    assert re.fullmatch(r"2\d{9}", ack.get(1003) or "") and ack.get(1003) != original.get(1003)
    assert ack.get(1126) == original.get(1003) and ack.get(22012) == "20211112"
    assert ack.get(31) == "101.500000"


def test_trace_reversal_on_monday_is_acknowledged_cahx_with_a_new_control_number(
    rehearsal: Transcript,
) -> None:
    original = rehearsal.answers["T1"]
    ack = rehearsal.answers["T1V"]
    assert ack.msg_type == "AE" and ack.get(1011) == "CAHX", ack
    assert (ack.get(487), ack.get(856), ack.get(1015)) == ("1", "6", "1")
    assert ack.get(1003) not in (None, original.get(1003))
    assert ack.get(22011) == "20211115"


def test_trace_invalid_cusip_is_rejected_35_ar_with_the_native_code(
    rehearsal: Transcript,
) -> None:
    reject = rehearsal.answers["TX"]
    assert reject.msg_type == "AR"
    assert (reject.get(150), reject.get(939)) == ("8", "1")
    assert (reject.get(751), reject.get(58)) == ("060", "INVALID CUSIP")
    assert (reject.get(487), reject.get(856)) == ("0", "0")


def test_trace_late_report_carries_trade_modifier_3_z(rehearsal: Transcript) -> None:
    ack = rehearsal.answers["TL"]
    assert ack.msg_type == "AE" and ack.get(1011) == "CAEN"
    assert ack.get(22003) == "Z"


def test_the_journal_records_the_modifier_the_acknowledgement_carried(
    rehearsal: Transcript,
) -> None:
    on_time, late = rehearsal.journal["T1"], rehearsal.journal["TL"]
    assert on_time["decision"]["status"] == "on_time" and on_time["decision"]["modifier"] is None
    assert late["decision"]["status"] == "late" and late["decision"]["modifier"] == "Z"
    assert late["control_number"] == rehearsal.answers["TL"].get(1003)
    equity = rehearsal.journal["EL"]
    assert equity["decision"]["modifier"] == "Z" and equity["decision"]["facility_code"] == "I"
    assert rehearsal.journal["EML"]["decision"]["status"] == "late"


# -- FINRA/Nasdaq TRF Carteret, native FIX 4.2 -----------------------------------------------------


def test_nasdaq_new_report_is_acknowledged_on_time_in_milliseconds_before_the_change(
    rehearsal: Transcript,
) -> None:
    ack = rehearsal.answers["E1"]
    assert ack.msg_type == "AE" and ack.get(1011) == "TKNW"
    assert re.fullmatch(r"2\d{9}", ack.get(1003) or "") and ack.get(22011) == "20211112"
    assert ack.get(277) == "0"  # regular, on time
    for tag in (52, 60, 483):
        assert fraction_digits(ack.get(tag)) == 3, (tag, ack)


def test_nasdaq_cancel_and_correction_are_acknowledged(rehearsal: Transcript) -> None:
    cancel = rehearsal.answers["E2C"]
    assert (cancel.msg_type, cancel.get(1011), cancel.get(487), cancel.get(856)) == (
        "AE", "TKNW", "1", "6",
    )  # fmt: skip
    assert cancel.get(1003) == rehearsal.answers["E2"].get(1003)
    correction = rehearsal.answers["E3R"]
    assert (correction.get(1011), correction.get(487), correction.get(856)) == ("TKNW", "2", "5")
    assert correction.get(1126) == rehearsal.answers["E3"].get(1003)
    assert correction.get(1003) != rehearsal.answers["E3"].get(1003)
    assert correction.get(32) == "200"


def test_nasdaq_reversal_on_monday_is_acknowledged_487_4(rehearsal: Transcript) -> None:
    ack = rehearsal.answers["E1V"]
    assert ack.msg_type == "AE" and ack.get(1011) == "TKNW", ack
    assert ack.get(487) == "4"
    assert ack.get(1003) not in (None, rehearsal.answers["E1"].get(1003))
    assert ack.get(22011) == "20211115"


def test_nasdaq_refuses_nine_digits_on_friday_naming_the_ports_precision(
    rehearsal: Transcript,
) -> None:
    reject = rehearsal.answers["E9"]
    assert reject.msg_type == "AR" and reject.get(751) == "018"
    text = reject.get(58) or ""
    assert text.startswith("INVALID TIME: TransactTime(60)=")
    assert rehearsal.sent["E9.time"] in text
    assert "milliseconds (up to 3 fractional digits)" in text and "2021-11-12" in text
    assert fraction_digits(reject.get(52)) == 3


def test_nasdaq_accepts_nine_digits_on_2021_11_15_and_answers_in_nanoseconds(
    rehearsal: Transcript,
) -> None:
    ack = rehearsal.answers["EM9"]
    assert ack.msg_type == "AE" and ack.get(1011) == "TKNW", ack
    assert ack.get(60) == rehearsal.sent["EM9.time"]  # echoed to the nanosecond
    assert fraction_digits(ack.get(483)) == 9 and fraction_digits(ack.get(52)) == 9
    assert ack.get(22011) == "20211115" and ack.get(277) == "0"
    monday_logon = [r for r in rehearsal.records(NATIVE, admin=True) if r.msg_type == "A"][-1]
    assert fraction_digits(monday_logon.get(52)) == 9  # every outbound timestamp


def test_nasdaq_late_reports_carry_the_late_code_on_both_days(rehearsal: Transcript) -> None:
    assert rehearsal.answers["EL"].get(277) == "I"
    monday = rehearsal.answers["EML"]
    assert monday.get(277) == "I" and monday.get(60) == rehearsal.sent["EML.time"]


def test_the_drop_copy_receives_acknowledgements_and_rejects_marked_797_y(
    rehearsal: Transcript,
) -> None:
    copies = rehearsal.records(DROP, admin=False)
    assert copies and all(r.get(797) == "Y" for r in copies)
    control = rehearsal.answers["E1"].get(1003)
    assert any(r.msg_type == "AE" and r.get(1003) == control for r in copies)
    assert any(r.msg_type == "AR" and r.get(571) == "E9" for r in copies)


# -- Legacy TRF FIX 4.2 and the NTF region ---------------------------------------------------------


@pytest.mark.parametrize("ref", ["L9", "LM9", "LM6"])
def test_legacy_port_refuses_sub_millisecond_times_on_both_days(
    rehearsal: Transcript, ref: str
) -> None:
    reject = rehearsal.answers[ref]
    assert reject.msg_type == "AR" and reject.get(751) == "018", reject
    text = reject.get(58) or ""
    assert "Legacy" in text and "up to 3 fractional digits" in text, text
    assert fraction_digits(reject.get(52)) == 3


def test_legacy_port_accepts_milliseconds_and_answers_in_milliseconds(
    rehearsal: Transcript,
) -> None:
    for ref in ("L1", "LM3"):
        ack = rehearsal.answers[ref]
        assert ack.msg_type == "AE" and ack.get(1011) == "TKNW", ack
        assert fraction_digits(ack.get(52)) == 3 and fraction_digits(ack.get(483)) == 3


def test_ntf_region_accepts_nanoseconds_already_on_friday(rehearsal: Transcript) -> None:
    ack = rehearsal.answers["N9"]
    assert ack.msg_type == "AE" and ack.get(1011) == "TKNW", ack
    assert ack.get(60) == rehearsal.sent["N9.time"]
    assert fraction_digits(ack.get(483)) == 9 and fraction_digits(ack.get(52)) == 9


# -- the clock across 2021-11-15, logout -----------------------------------------------------------


def test_moving_the_clock_ends_the_session_day_and_the_engine_logs_on_again(
    rehearsal: Transcript,
) -> None:
    for session in ALL:
        logouts = [r for r in rehearsal.records(session, admin=True) if r.msg_type == "5"]
        assert any("End of session day" in (r.get(58) or "") for r in logouts), session
        logons = [r for r in rehearsal.records(session, admin=True) if r.msg_type == "A"]
        assert len(logons) == 2 and logons[1].get(34) == "1", session


def test_logout_is_answered_and_serve_stops_cleanly(rehearsal: Transcript) -> None:
    for session in ALL:
        sent = [r for r in rehearsal.records(session, incoming=False, admin=True)]
        assert sent[-1].msg_type == "5", session  # the engine's Logout was its last word
        answer = [r for r in rehearsal.records(session, admin=True)][-1]
        assert answer.msg_type == "5", session  # and the facility answered it
        assert rehearsal.firm.logouts.get(session, 0) >= 2, session
    assert rehearsal.serve_exit == 0
    assert rehearsal.serve_output[-1] == "stopped; journal closed"


def test_the_example_script_rehearses_against_facsim_serve(tmp_path: Path) -> None:
    """``python examples/quickfix/rehearse.py`` as a firm runs it: report and cancel on TRACE CA
    and the Nasdaq TRF, answers printed, exit 0."""
    if QUICKFIX_MISSING is not None:
        pytest.fail(f"CI is set but {QUICKFIX_MISSING}")
    serve = start_serve(tmp_path)
    try:
        command = [sys.executable, str(EXAMPLE), "--control", serve.control, "--store",
                   str(tmp_path / "qf")]  # fmt: skip
        for name in (TRACE, NATIVE):
            command += ["--port", f"{name}={serve.ports[name]}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    finally:
        serve.stop()
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith(TRACE) and "1011=CAEN" in line for line in lines), lines
    assert any(line.startswith(TRACE) and "1011=CACX" in line for line in lines), lines
    assert sum(line.startswith(f"{NATIVE} ") and "1011=TKNW" in line for line in lines) == 2
    assert lines[-1] == "logged out"


def test_the_example_settings_match_the_default_config() -> None:
    """Every session of ``firm.cfg`` is a port of the embedded default with the CompIDs,
    BeginString, heartbeat and data dictionary that port expects, and ACME has one on each."""
    from simulator.fix.dialects import dictionary_path

    ex = load_example()
    settings = ex.load_settings(ex.prepare_settings(ex.SETTINGS.read_text(encoding="utf-8")))
    config = load_config()
    seen = set()
    for session_id in settings.getSessions():
        values = settings.get(session_id)
        name = session_id.getSessionQualifier()
        port = config.port(name)
        seen.add(name)
        assert values.getInt("SocketConnectPort") == port.port, name
        assert session_id.getBeginString().getValue() == port.begin_string, name
        assert session_id.getTargetCompID().getValue() == port.facility_comp_id, name
        sub_id = values.getString("TargetSubID") if values.has("TargetSubID") else None
        assert sub_id == port.facility_sub_id, name
        sender = session_id.getSenderCompID().getValue()
        assert sender in {login.comp_id for login in port.logins}, name
        assert port.heartbeat_min <= values.getInt("HeartBtInt") <= port.heartbeat_max, name
        dictionary = Path(values.getString("DataDictionary"))
        assert dictionary == dictionary_path(port.facility, port.port_type).resolve(), name
        assert values.getString("CheckLatency") == "N" and values.getString("ResetOnLogon") == "Y"
    acme = {p.name for p in config.ports if any(lg.firm == "ACME" for lg in p.logins)}
    assert seen == acme


def test_a_real_engine_reports_against_a_frozen_clock_to_the_nanosecond(tmp_path: Path) -> None:
    """``facsim serve --clock manual``: the clock stands still until the control API moves it,
    so a firm's engine can put a report exactly on the 10-second boundary and one nanosecond
    past it (Rule 6380A; seed 002 nanoseconds from 2021-11-15).

    QuickFIX stamps SendingTime with the machine's wall clock, which is years away from the
    simulated instant; the port's ``max_latency = "auto"`` must therefore not check it on this
    clock any more than on the offset clock of ``--at`` (docs/fix-session.md, "SendingTime
    accuracy").
    """
    if QUICKFIX_MISSING is not None:
        pytest.fail(f"CI is set but {QUICKFIX_MISSING}")
    ex = load_example()
    serve = start_serve(tmp_path, "--clock", "manual", at="2021-11-15T10:00:10-05:00")
    text = ex.prepare_settings(
        ex.SETTINGS.read_text(encoding="utf-8"),
        ports=serve.ports,
        only=[NATIVE],
        store=tmp_path / "quickfix",
    )
    firm = ex.Firm(text)
    control = ex.ControlApi(serve.control)
    firm.start()
    try:

        def refusals() -> list[Any]:
            return [r for r in firm.received(NATIVE, admin=True) if r.msg_type in ("3", "5")]

        firm.wait(
            lambda: firm.logons.get(NATIVE) or refusals(),
            LOGON_TIMEOUT,
            f"logon or refusal on {NATIVE}",
        )
        refused = refusals()
        assert firm.logons.get(NATIVE) == 1, f"Logon refused: {[r.text for r in refused]}"
        executed = "20211115-15:00:00.000000000"  # 10:00:00 ET; the clock reads 10:00:10
        equity = {"rpid": "ACME", "contra": "BETA", "transact_time": executed}
        now = control.now_ns()
        firm.send(NATIVE, ex.equity_report("X10", executed_ns=now - 10 * SECOND, **equity))
        on_time = firm.answer(NATIVE, "X10", ANSWER_TIMEOUT)
        assert control.now_ns() == now  # frozen: nothing moved it
        control.advance_ns(1)
        firm.send(NATIVE, ex.equity_report("X11", executed_ns=now - 10 * SECOND, **equity))
        late = firm.answer(NATIVE, "X11", ANSWER_TIMEOUT)
    finally:
        firm.stop()
        serve.stop()
    assert (on_time.get(277), on_time.get(483)) == ("0", "20211115-15:00:10.000000000")
    assert (late.get(277), late.get(483)) == ("I", "20211115-15:00:10.000000001")
