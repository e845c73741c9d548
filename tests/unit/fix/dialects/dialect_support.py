"""Builders for the TradeCaptureReports a firm sends, shared by the dialect tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from simulator.fix.application import Outbound
from simulator.fix.message import FixMessage
from simulator.timestamps import format_fix_date, format_fix_timestamp, local_date, local_ns

CUSIP = "037833100"  # valid check digit
OTHER_CUSIP = "594918104"  # valid check digit


@dataclass
class FakeWindow:
    """A UAT window as the timeline reports it (``timeline.at(ns).active_uat``)."""

    name: str = "FINRA production UAT 2021-03-20"
    facilities: tuple[str, ...] = ()


@dataclass
class FakeTimeline:
    """Follows the shape of ``simulator.timeline``: ``at(ns).active_uat`` is a window or None."""

    windows: list[tuple[int, int, FakeWindow]] = field(default_factory=list)

    def at(self, ns: int) -> Any:
        active = [w for start, end, w in self.windows if start <= ns < end]
        first = active[0] if active else None
        return type("State", (), {"active_uat": first, "active_uats": active})()


def trace_report(
    *,
    executed_ns: int,
    client_ref: str = "R123",
    trans: str = "0",
    kind: str = "0",
    rpid: str = "ABCD",
    contra: str = "EFGH",
    side: str = "2",
    cusip: str = CUSIP,
    source: str = "1",
    qty: str = "100000.00",
    price: str = "101.250000",
    digits: int = 0,
    trade_date: dt.date | None = None,
    settle: str | None = None,
    product: str = "CA",
    as_of: str | None = None,
    control_number: str | None = None,
    control_date: dt.date | None = None,
    ref: str | None = None,
    sides: int = 2,
    extra: list[tuple[int, str]] | None = None,
    drop: tuple[int, ...] = (),
) -> FixMessage:
    """A TRACE 35=AE as the CA spec v2.1 lays it out (facilities.md section 3.3 example)."""
    day = trade_date or _et_date(executed_ns)
    fields: list[tuple[int, str]] = [(35, "AE"), (571, client_ref)]
    if ref is not None:
        fields.append((572, ref))
    if control_date is not None:
        fields.append((22011, format_fix_date(control_date)))
    if control_number is not None:
        fields.append((1003, control_number))
    fields += [(487, trans), (856, kind), (570, "N")]
    if as_of is not None:
        fields.append((1015, as_of))
    fields += [(48, cusip), (22, source), (32, qty), (31, price), (75, format_fix_date(day))]
    fields.append((60, format_fix_timestamp(executed_ns, digits)))
    fields.append((64, settle or format_fix_date(day + dt.timedelta(days=1))))
    contra_side = "1" if side == "2" else "2"
    fields += [(552, str(sides)), (54, side), (37, "NONE"), (453, "2")]
    fields += [(448, rpid), (447, "C"), (452, "1"), (448, "0123"), (447, "C"), (452, "83")]
    fields += [(528, "P")]
    if sides == 2:
        fields += [(54, contra_side), (37, "NONE"), (453, "1")]
        fields += [(448, contra), (447, "C"), (452, "17")]
    if product == "CA":
        fields.append((22016, "S1"))
    fields += extra or []
    return FixMessage([f for f in fields if f[0] not in drop])


def equity_report(
    *,
    executed_ns: int,
    client_ref: str = "E1",
    trans: str = "0",
    kind: str = "0",
    rpid: str = "ABCD",
    contra: str | None = "EFGH",
    side: str = "1",
    symbol: str = "AAPL",
    qty: str = "100",
    price: str = "150.25",
    digits: int = 3,
    trade_date: dt.date | None = None,
    as_of: str | None = None,
    control_number: str | None = None,
    control_date: dt.date | None = None,
    ref: str | None = None,
    extra: list[tuple[int, str]] | None = None,
    drop: tuple[int, ...] = (),
) -> FixMessage:
    """An equity single-sided trade report on the shared TradeCaptureReport pattern."""
    day = trade_date or _et_date(executed_ns)
    fields: list[tuple[int, str]] = [(35, "AE"), (571, client_ref)]
    if ref is not None:
        fields.append((572, ref))
    if control_date is not None:
        fields.append((22011, format_fix_date(control_date)))
    if control_number is not None:
        fields.append((1003, control_number))
    fields += [(487, trans), (856, kind), (570, "N")]
    if as_of is not None:
        fields.append((1015, as_of))
    fields += [(55, symbol), (32, qty), (31, price), (75, format_fix_date(day))]
    fields.append((60, format_fix_timestamp(executed_ns, digits)))
    parties = [(448, rpid), (447, "C"), (452, "1")]
    if contra is not None:
        parties += [(448, contra), (447, "C"), (452, "17")]
    fields += [(552, "1"), (54, side), (453, str(len(parties) // 3)), *parties, (528, "P")]
    fields += extra or []
    return FixMessage([f for f in fields if f[0] not in drop])


def _et_date(ns: int) -> dt.date:
    return local_date(ns)


def et(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> int:
    return local_ns(day, hour, minute, second)


def only(outbound: list[Outbound], to_firm: str | None = None) -> FixMessage:
    """The single message of ``outbound`` addressed to ``to_firm`` (None: the sender)."""
    found = [o.message for o in outbound if o.to_firm == to_firm]
    assert len(found) == 1, outbound
    return found[0]


def exercise(dialect: Any, session: Any) -> list[FixMessage]:
    """Every kind of message ``dialect`` sends: ack, allege, cancel, correction, reversal and
    reject acknowledgements, with a modifier on one of them (for dictionary checks)."""
    trace = dialect.spec.name.startswith("trace")
    product = dialect.spec.name.rsplit("-", 1)[1].upper() if trace else ""
    build = trace_report if trace else equity_report
    digits = 6 if product == "TS" else 0 if trace else 3

    def report(**kwargs: Any) -> FixMessage:
        if trace:
            kwargs["product"] = product
        if kwargs.get("trans") == "1" and "as_of" not in kwargs and trace:
            kwargs["sides"] = 1
        return build(digits=digits, **kwargs)

    reversal = {"trans": "1", "kind": "6", "as_of": "1"}
    if dialect.spec.reversal.value == "487=4":
        reversal = {"trans": "4", "kind": "6"}
    monday = dt.date(2026, 1, 5)
    friday = dt.date(2026, 1, 2)
    ten = local_ns(monday, 10)
    sent: list[FixMessage] = []

    def send(message: FixMessage, now: int) -> FixMessage:
        outbound = dialect.on_message(session, message, now)
        sent.extend(o.message for o in outbound)
        return only(outbound)

    first = send(report(executed_ns=ten, client_ref="N1"), ten + 60 * 10**9 * 30)  # late: Z
    control = first.get(1003)
    corrected = send(
        report(executed_ns=ten, client_ref="N2", trans="2", kind="5", control_number=control,
               control_date=monday),
        ten + 10**9,
    )  # fmt: skip
    send(
        report(executed_ns=ten, client_ref="N3", trans="1", kind="6",
               control_number=corrected.get(1003), control_date=monday),
        ten + 2 * 10**9,
    )  # fmt: skip
    old_exec = local_ns(friday, 11)
    old = send(report(executed_ns=old_exec, client_ref="N4"), local_ns(friday, 11, 0, 1))
    send(
        report(executed_ns=old_exec, client_ref="N5", control_number=old.get(1003),
               control_date=friday, **reversal),
        ten + 3 * 10**9,
    )  # fmt: skip
    send(report(executed_ns=ten, client_ref="N6", qty="0"), ten + 4 * 10**9)  # reject
    return sent


def with_header(body: FixMessage, begin_string: str) -> str:
    """``body`` framed as the session layer would send it (header, BodyLength, CheckSum)."""
    fields = [(35, body.msg_type or "")]
    fields += [(49, "FNRA"), (56, "ABCD"), (34, "2"), (52, "20260105-15:00:00.000")]
    fields += [(t, v) for t, v in body.fields if t != 35]
    text = "".join(f"{t}={v}\x01" for t, v in fields)
    head = f"8={begin_string}\x019={len(text.encode())}\x01"
    checksum = sum((head + text).encode()) % 256
    return f"{head}{text}10={checksum:03d}\x01"
