#!/usr/bin/env python3
"""Rehearse trade reporting against ``facsim serve`` with QuickFIX, as a firm's engine would.

A firm copies this file and ``firm.cfg`` next to it. It needs only QuickFIX's Python package
(``pip install quickfix``) and the standard library; nothing here imports the simulator.

::

    facsim serve --at 2021-11-12T10:00:00-05:00          # in one terminal
    python examples/quickfix/rehearse.py                  # in another

logs on to TRACE Corporates & Agencies and the FINRA/Nasdaq TRF Carteret, reports a trade on
each (TransactTime taken from the simulator's clock through its control API), cancels it,
prints every acknowledgement and logs out. ``--help`` lists the options (other ports,
``--port NAME=PORT`` for ``facsim serve --ports auto``, the control API address).

The pieces are meant to be reused in a firm's own scripts and tests:

* :func:`prepare_settings` -- ``firm.cfg`` with paths resolved and ports moved;
* :class:`Firm` -- a QuickFIX ``Application`` that records every message in and out and lets a
  script wait (``threading``, with a time-out) for a logon or an answer;
* :func:`trace_report` / :func:`equity_report` -- TradeCaptureReport bodies in the layouts of
  ``docs/dialects/`` (``35=AE|571=...``), which :meth:`Firm.send` turns into a QuickFIX message
  through the session's data dictionary, so repeating groups are built the dictionary's way;
* :class:`ControlApi` -- the simulated clock (``GET``/``POST /clock``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import quickfix as fix

HERE = Path(__file__).resolve().parent
SETTINGS = HERE / "firm.cfg"
SOH = "\x01"
NEW_YORK = ZoneInfo("America/New_York")
SECOND = 1_000_000_000
#: Settings whose relative paths are resolved against the settings file's directory.
DICTIONARY_KEYS = ("DataDictionary", "AppDataDictionary", "TransportDataDictionary")
#: Settings whose relative paths are resolved against ``store`` when one is given.
STORE_KEYS = {"FileStorePath": "store", "FileLogPath": "log"}

_SECTION = re.compile(r"^\s*\[(\w+)\]\s*$")
_SETTING = re.compile(r"^\s*([A-Za-z0-9_]+)\s*=(.*)$")


# -- settings -----------------------------------------------------------------------------------


def prepare_settings(
    text: str,
    *,
    base: Path = HERE,
    ports: Mapping[str, int] | None = None,
    port_offset: int = 0,
    host: str | None = None,
    only: Iterable[str] | None = None,
    store: Path | None = None,
    extra: str = "",
) -> str:
    """``firm.cfg`` ready for QuickFIX: dictionaries resolved against ``base``; each session's
    SocketConnectPort taken from ``ports`` by its SessionQualifier (the endpoint name
    ``facsim serve`` prints) or moved by ``port_offset``; only the sessions named in ``only``;
    store and log under ``store``; ``extra`` sections (another firm's session) appended.

    Raises ``ValueError`` naming the session when ``ports`` lacks one that is kept.
    """
    sections: list[list[str]] = [[]]
    for line in (text + "\n" + extra).splitlines():
        if _SECTION.match(line):
            sections.append([])
        sections[-1].append(line)
    wanted = set(only) if only is not None else None
    out: list[str] = []
    for lines in sections:
        header = next((_SECTION.match(line) for line in lines if _SECTION.match(line)), None)
        name = header.group(1) if header else None
        settings = _settings(lines)
        qualifier = settings.get("SessionQualifier", "")
        if name == "SESSION" and wanted is not None and qualifier not in wanted:
            continue
        for line in lines:
            match = _SETTING.match(line)
            if match is None or line.lstrip().startswith("#"):
                out.append(line)
                continue
            key, value = match.group(1), match.group(2).strip()
            if key in DICTIONARY_KEYS and not Path(value).is_absolute():
                value = str((base / value).resolve())
            elif key in STORE_KEYS and store is not None:
                value = str(store / STORE_KEYS[key])
            elif key == "SocketConnectPort":
                if ports is not None:
                    if qualifier not in ports:
                        raise ValueError(f"no port given for session {qualifier or '?'}")
                    value = str(ports[qualifier])
                else:
                    value = str(int(value) + port_offset)
            elif key == "SocketConnectHost" and host is not None:
                value = host
            out.append(f"{key}={value}")
    return "\n".join(out) + "\n"


def _settings(lines: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lines:
        match = _SETTING.match(line)
        if match is not None and not line.lstrip().startswith("#"):
            found[match.group(1)] = match.group(2).strip()
    return found


def load_settings(text: str) -> Any:
    """A ``quickfix.SessionSettings`` from prepared text (see :func:`prepare_settings`)."""
    settings = fix.SessionSettings()
    settings.setFromString(text)
    return settings


# -- messages -----------------------------------------------------------------------------------


def parse_fields(text: str) -> list[tuple[int, str]]:
    """``35=AE|571=R1|...`` (``|`` or SOH between fields) -> ``[(35, "AE"), (571, "R1"), ...]``."""
    fields = []
    for part in text.replace(SOH, "|").strip("|").split("|"):
        tag, _, value = part.partition("=")
        fields.append((int(tag), value))
    return fields


@dataclass(frozen=True)
class Record:
    """One message as the engine saw it: on which session, in or out, admin or application."""

    session: str  # the SessionQualifier: the facsim endpoint name
    incoming: bool
    admin: bool
    text: str  # ``|`` between fields
    fields: tuple[tuple[int, str], ...]

    @property
    def msg_type(self) -> str | None:
        return self.get(35)

    def get(self, tag: int) -> str | None:
        return next((value for t, value in self.fields if t == tag), None)

    def get_all(self, tag: int) -> list[str]:
        return [value for t, value in self.fields if t == tag]

    def __str__(self) -> str:
        arrow = "<-" if self.incoming else "->"
        return f"{self.session} {arrow} {self.text}"


class Firm(fix.Application):
    """A firm's QuickFIX initiator on every session of ``settings``, recording all traffic.

    QuickFIX calls the ``on*``/``to*``/``from*`` methods from its own threads; a script waits on
    a :class:`threading.Condition` with a time-out (the network's latency, never a reporting
    window: the simulator's windows are crossed by moving its clock).
    """

    def __init__(self, settings_text: str) -> None:
        super().__init__()
        self.settings_text = settings_text
        self.settings = load_settings(settings_text)
        self.records: list[Record] = []
        self.logons: dict[str, int] = {}
        self.logouts: dict[str, int] = {}
        self.sessions: dict[str, Any] = {}
        self._dictionaries: dict[str, Any] = {}
        self._changed = threading.Condition()
        self._initiator: Any = None
        for session_id in self.settings.getSessions():
            name = session_id.getSessionQualifier()
            self.sessions[name] = session_id
            values = self.settings.get(session_id)
            if values.has("DataDictionary"):
                self._dictionaries[name] = fix.DataDictionary(values.getString("DataDictionary"))

    # -- QuickFIX callbacks (engine threads; QuickFIX's names) --

    def onCreate(self, sessionID: Any) -> None:
        pass

    def onLogon(self, sessionID: Any) -> None:
        self._count(self.logons, sessionID)

    def onLogout(self, sessionID: Any) -> None:
        self._count(self.logouts, sessionID)

    def toAdmin(self, message: Any, sessionID: Any) -> None:
        self._record(message, sessionID, incoming=False, admin=True)

    def fromAdmin(self, message: Any, sessionID: Any) -> None:
        self._record(message, sessionID, incoming=True, admin=True)

    def toApp(self, message: Any, sessionID: Any) -> None:
        self._record(message, sessionID, incoming=False, admin=False)

    def fromApp(self, message: Any, sessionID: Any) -> None:
        self._record(message, sessionID, incoming=True, admin=False)

    def _count(self, counter: dict[str, int], session_id: Any) -> None:
        with self._changed:
            name = session_id.getSessionQualifier()
            counter[name] = counter.get(name, 0) + 1
            self._changed.notify_all()

    def _record(self, message: Any, session_id: Any, *, incoming: bool, admin: bool) -> None:
        text = message.toString().replace(SOH, "|")
        record = Record(
            session_id.getSessionQualifier(), incoming, admin, text, tuple(parse_fields(text))
        )
        with self._changed:
            self.records.append(record)
            self._changed.notify_all()

    # -- running --

    def start(self) -> None:
        """Connect every session (QuickFIX logs on in the background; see :meth:`wait_logons`)."""
        store = fix.FileStoreFactory(self.settings)
        if self.settings.get().has("FileLogPath"):
            log = fix.FileLogFactory(self.settings)
        else:
            log = fix.ScreenLogFactory(False, False, False)
        self._initiator = fix.SocketInitiator(self, store, self.settings, log)
        self._initiator.start()

    def stop(self) -> None:
        """Log every session out (QuickFIX waits for the answers) and disconnect."""
        if self._initiator is not None:
            self._initiator.stop()
            self._initiator = None

    def wait(self, condition: Callable[[], Any], timeout: float, what: str) -> Any:
        """Wait until ``condition()`` is truthy and return it; ``TimeoutError`` names ``what``
        and the last messages received."""
        with self._changed:
            result = self._changed.wait_for(condition, timeout)
            if result:
                return result
            recent = [str(r) for r in self.records if r.incoming][-8:]
            seen = "\n  ".join(recent) if recent else "nothing (is facsim serve on that port?)"
            raise TimeoutError(f"no {what} within {timeout:g} s; last received:\n  {seen}")

    def wait_logons(self, names: Iterable[str], count: int = 1, timeout: float = 30) -> None:
        """Wait until each session in ``names`` has logged on ``count`` times."""
        wanted = list(names)
        self.wait(
            lambda: all(self.logons.get(n, 0) >= count for n in wanted),
            timeout,
            f"logon #{count} of {', '.join(wanted)}",
        )

    def send(self, name: str, body: str) -> Any:
        """Send the application message ``body`` (``35=AE|571=...``) on session ``name``.

        The body is parsed with the session's data dictionary, so repeating groups are real
        QuickFIX groups; QuickFIX adds the header (CompIDs, MsgSeqNum, SendingTime) and trailer.
        """
        session_id = self.sessions[name]
        fields = parse_fields(body)
        if not fields or fields[0][0] != 35:
            raise ValueError("a message body starts with 35=<MsgType>")
        begin = session_id.getBeginString().getValue()
        text = f"8={begin}{SOH}9=0{SOH}" + "".join(f"{t}={v}{SOH}" for t, v in fields)
        message = fix.Message(text + f"10=000{SOH}", self._dictionaries[name], False)
        if not fix.Session.sendToTarget(message, session_id):
            raise RuntimeError(f"QuickFIX did not send on {name} (not logged on?)")
        return message

    def received(self, name: str, *, admin: bool = False) -> list[Record]:
        with self._changed:
            return [
                r for r in self.records if r.session == name and r.incoming and r.admin == admin
            ]

    def answer(self, name: str, client_ref: str, timeout: float = 10) -> Record:
        """The facility's answer on ``name`` to the report the firm sent as 571=``client_ref``:
        an acknowledgement (35=AE with 572=``client_ref``) or a reject (35=AR with 571)."""

        def find() -> Record | None:
            for record in self.records:
                if record.session != name or not record.incoming or record.admin:
                    continue
                if record.msg_type == "AE" and record.get(572) == client_ref:
                    return record
                if record.msg_type == "AR" and record.get(571) == client_ref:
                    return record
            return None

        found: Record = self.wait(find, timeout, f"answer to 571={client_ref} on {name}")
        return found


# -- the simulator's clock ----------------------------------------------------------------------


class ControlApi:
    """The simulator's control API (``facsim serve`` prints its address; default port 8080)."""

    def __init__(self, url: str = "http://127.0.0.1:8080", timeout: float = 10) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, method="POST" if body is not None else "GET"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            raise RuntimeError(
                f"{path}: {exc.code} {exc.read().decode(errors='replace')}"
            ) from None

    def now_ns(self) -> int:
        """The simulated instant, nanoseconds since the epoch (UTC)."""
        return int(self._call("/clock")["now_ns"])

    def set_clock(self, at: str) -> int:
        """Move the clock to ``at`` (ISO 8601; naive = New York); returns the new instant."""
        return int(self._call("/clock", {"at": at})["now_ns"])

    def advance_ns(self, nanoseconds: int) -> int:
        """Move the clock forward by ``nanoseconds``; returns the new instant."""
        return int(self._call("/clock", {"advance_ns": nanoseconds})["now_ns"])

    def get(self, path: str) -> Any:
        return self._call(path)


# -- TradeCaptureReport bodies (docs/dialects/) ------------------------------------------------


def fix_time(ns: int, digits: int) -> str:
    """UTCTimestamp ``YYYYMMDD-HH:MM:SS[.f...]`` with ``digits`` (0-9) fractional digits,
    truncated, never rounded (a facility compares the digits, not a float)."""
    seconds, fraction = divmod(ns, SECOND)
    text = dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y%m%d-%H:%M:%S")
    return f"{text}.{fraction:09d}"[: len(text) + 1 + digits] if digits else text


def ny_date(ns: int) -> dt.date:
    """The New York date of an instant (TradeDate, ControlDate)."""
    return dt.datetime.fromtimestamp(ns // SECOND, NEW_YORK).date()


def fix_date(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def next_business_day(day: dt.date) -> dt.date:
    """A settlement date after ``day`` skipping weekends (holidays are the firm's concern)."""
    day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class Reference:
    """The report a cancel, correction or reversal points at: control number and date."""

    control_number: str
    control_date: str  # YYYYMMDD

    @classmethod
    def of(cls, ack: Record) -> Reference:
        number, day = ack.get(1003), ack.get(22011)
        if number is None or day is None:
            raise ValueError(f"not an acknowledgement with 1003/22011: {ack.text}")
        return cls(number, day)


def _request(
    client_ref: str, trans: str, kind: str, ref: Reference | None, as_of: bool
) -> list[str]:
    fields = [f"571={client_ref}"]
    if ref is not None:
        fields += [f"22011={ref.control_date}", f"1003={ref.control_number}"]
    fields += [f"487={trans}", f"856={kind}", "570=N"]
    if as_of:
        fields.append("1015=1")
    return fields


def trace_report(
    client_ref: str,
    *,
    executed_ns: int,
    rpid: str,
    contra: str,
    cusip: str = "037833100",
    qty: str = "100000.00",
    price: str = "101.250000",
    side: str = "2",
    trans: str = "0",
    kind: str = "0",
    ref: Reference | None = None,
    as_of: bool = False,
    product: str = "CA",
) -> str:
    """A TRACE 35=AE (docs/dialects/trace.md): new 487=0/856=0; cancel 487=1/856=6 with ``ref``
    (one side); correction 487=2/856=5 with ``ref``; reversal 487=1/856=6, ``as_of`` and
    ``ref``. CA/SP TransactTime in whole seconds, TS in microseconds."""
    day = ny_date(executed_ns)
    digits = 6 if product == "TS" else 0
    fields = ["35=AE", *_request(client_ref, trans, kind, ref, as_of)]
    fields += [f"48={cusip}", "22=1", f"32={qty}", f"31={price}", f"75={fix_date(day)}"]
    fields += [f"60={fix_time(executed_ns, digits)}", f"64={fix_date(next_business_day(day))}"]
    cancel = (trans, kind) == ("1", "6") and not as_of
    fields += [f"552={1 if cancel else 2}", f"54={side}", "37=NONE", "453=1"]
    fields += [f"448={rpid}", "447=C", "452=1", "528=P"]
    if not cancel:
        fields += [f"54={'1' if side == '2' else '2'}", "37=NONE", "453=1"]
        fields += [f"448={contra}", "447=C", "452=17"]
    if product == "CA":
        fields.append("22016=S1")
    return "|".join(fields)


def equity_report(
    client_ref: str,
    *,
    executed_ns: int,
    rpid: str,
    contra: str,
    transact_time: str | None = None,
    symbol: str = "AAPL",
    qty: str = "100",
    price: str = "150.25",
    side: str = "1",
    trans: str = "0",
    kind: str = "0",
    ref: Reference | None = None,
    conditions: str | None = None,
) -> str:
    """A FINRA/Nasdaq TRF (or NYSE TRF, ADF, ORF) 35=AE (docs/dialects/nasdaq-trf.md): one
    side with the reporting and contra parties. TransactTime in milliseconds unless
    ``transact_time`` gives the exact text (nanoseconds from 2021-11-15 on native ports)."""
    day = ny_date(executed_ns)
    fields = ["35=AE", *_request(client_ref, trans, kind, ref, as_of=False)]
    fields += [f"55={symbol}", f"32={qty}", f"31={price}", f"75={fix_date(day)}"]
    fields += [f"60={transact_time or fix_time(executed_ns, 3)}"]
    fields += ["552=1", f"54={side}", "453=2", f"448={rpid}", "447=C", "452=1"]
    fields += [f"448={contra}", "447=C", "452=17", "528=P"]
    if conditions:
        fields.append(f"277={conditions}")
    return "|".join(fields)


# -- the command ------------------------------------------------------------------------------


def summary(record: Record) -> str:
    """One line: what the facility answered and the fields a firm reconciles on."""
    keys = (1011, 487, 856, 1003, 22011, 1126, 22003, 277, 60, 483, 751, 58)
    shown = " ".join(f"{tag}={record.get(tag)}" for tag in keys if record.get(tag) is not None)
    return f"35={record.msg_type} {shown}"


def report_body(name: str, client_ref: str, **fields: Any) -> str:
    """The TradeCaptureReport body for the session ``name``: TRACE layout on ``trace-*`` ports
    (the product from the name), the equity layout elsewhere."""
    if name.startswith("trace-"):
        return trace_report(client_ref, product=name.rsplit("-", 1)[-1].upper(), **fields)
    return equity_report(client_ref, **fields)


def rehearse(
    firm: Firm,
    control: ControlApi,
    names: list[str],
    parties: dict[str, str],
    timeout: float,
    out: Any,
) -> None:
    """Report a trade on each session in ``names``, cancel it, and print the answers."""
    for number, name in enumerate(names, 1):
        trade = {"executed_ns": control.now_ns() - SECOND, **parties}
        new_ref, cancel_ref = f"R{number}N", f"R{number}C"
        firm.send(name, report_body(name, new_ref, **trade))
        ack = firm.answer(name, new_ref, timeout)
        print(f"{name:<28} new    571={new_ref}: {summary(ack)}", file=out)
        if ack.msg_type != "AE":
            continue
        cancel = report_body(name, cancel_ref, trans="1", kind="6", ref=Reference.of(ack), **trade)
        firm.send(name, cancel)
        answer = firm.answer(name, cancel_ref, timeout)
        print(f"{name:<28} cancel 571={cancel_ref}: {summary(answer)}", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Log on to facsim serve with QuickFIX, report and cancel a trade, log out."
    )
    parser.add_argument("--settings", type=Path, default=SETTINGS, help="QuickFIX settings")
    parser.add_argument("--control", default="http://127.0.0.1:8080", help="control API URL")
    parser.add_argument(
        "--sessions",
        default="trace-ca,nasdaq-trf-carteret",
        help="SessionQualifiers to rehearse on, comma separated",
    )
    parser.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="NAME=PORT",
        help="the port of a session (facsim serve --ports auto); repeat for each",
    )
    parser.add_argument("--port-offset", type=int, default=0, help="facsim serve --port-offset")
    parser.add_argument("--store", type=Path, help="directory for the QuickFIX store and log")
    parser.add_argument("--mpid", default="ACME", help="reporting MPID (PartyRole 1)")
    parser.add_argument("--contra", default="BETA", help="contra MPID (PartyRole 17)")
    parser.add_argument("--timeout", type=float, default=10, help="seconds to wait for answers")
    args = parser.parse_args(argv)
    names = [name for name in args.sessions.split(",") if name]
    ports: dict[str, int] | None = None
    if args.port:
        ports = {}
        for item in args.port:
            name, _, number = item.partition("=")
            if not number.isdigit():
                parser.error(f"--port {item!r}: expected NAME=PORT")
            ports[name] = int(number)
    try:
        text = prepare_settings(
            args.settings.read_text(encoding="utf-8"),
            base=args.settings.resolve().parent,
            ports=ports,
            port_offset=args.port_offset,
            only=names,
            store=args.store,
        )
        firm = Firm(text)
    except (OSError, ValueError, fix.ConfigError) as exc:
        print(f"rehearse: {args.settings}: {exc}", file=sys.stderr)
        return 2
    missing = [name for name in names if name not in firm.sessions]
    if missing:
        print(f"rehearse: no session {', '.join(missing)} in {args.settings}", file=sys.stderr)
        return 2
    firm.start()
    try:
        firm.wait_logons(names, timeout=args.timeout)
        parties = {"rpid": args.mpid, "contra": args.contra}
        rehearse(firm, ControlApi(args.control), names, parties, args.timeout, sys.stdout)
    except (TimeoutError, RuntimeError, OSError) as exc:
        print(f"rehearse: {exc}", file=sys.stderr)
        return 1
    finally:
        firm.stop()
    print("logged out", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
