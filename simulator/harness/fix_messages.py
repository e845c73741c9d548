"""The TradeCaptureReports a firm sends, built from a facility-neutral :class:`TradeRequest`.

The layouts are the simulator's dialects (``docs/dialects/``; ``simulator.fix.dialects``): every
facility takes 35=AE with TradeReportTransType (487) and TradeReportType (856) -- new 0/0, cancel
1/6, correction 2/5 -- the reporting MPID as PartyRole 1 and the contra as PartyRole 17.

* TRACE (FINRA TRACE FIX specification v2.1, facilities.md 3.3): the bond by CUSIP (48, 22=1),
  two sides on a new report or correction (the contra side on its own entry), one on a cancel,
  the clearing number as PartyRole 83, settlement date 64, TradingMarketIndicator 22016 on CA.
* Equities (the shared TradeCaptureReport pattern): the stock by Symbol (55), one side in whole
  shares, with the contra party on it.

TransactTime (60) is written with as many fractional digits as the port accepts at the moment
(milliseconds before the nanosecond dates, nanoseconds after), so a report is never refused for
its precision unless a scenario asks for that.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from simulator.fix.message import FixMessage
from simulator.harness.adapter import TradeRequest
from simulator.timestamps import format_fix_date, format_fix_timestamp, local_date

CLEARING_NUMBER = "0123"
CUSTOMER = "C"


def _qty(value: Decimal, trace: bool) -> str:
    return f"{value:.2f}" if trace else str(int(value))


def _px(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def _side_pair(side: str) -> tuple[str, str]:
    ours = {"B": "1", "S": "2", "X": "1"}.get(side, side)
    return ours, "1" if ours == "2" else "2"


def trade_message(
    trade: TradeRequest,
    *,
    trace: bool,
    digits: int,
    trans: str = "0",
    kind: str = "0",
    ref: str | None = None,
    control_number: str | None = None,
    control_date: dt.date | None = None,
    sides: int | None = None,
) -> FixMessage:
    """A 35=AE for ``trade``: new by default; a cancel or correction with ``trans``/``kind``,
    the original's client ref (572) and its control number and date (1003, 22011)."""
    day = local_date(trade.executed_ns)
    fields: list[tuple[int, str]] = [(35, "AE"), (571, trade.client_ref)]
    if ref is not None:
        fields.append((572, ref))
    if control_date is not None:
        fields.append((22011, format_fix_date(control_date)))
    if control_number is not None:
        fields.append((1003, control_number))
    fields += [(487, trans), (856, kind), (570, "N")]
    if trade.as_of:
        fields.append((1015, "1"))
    if trace:
        fields += [(48, trade.symbol), (22, "1")]
    else:
        fields.append((55, trade.symbol))
    fields += [
        (32, _qty(trade.quantity, trace)),
        (31, _px(trade.price)),
        (75, format_fix_date(day)),
        (60, format_fix_timestamp(trade.executed_ns, digits)),
    ]
    ours, theirs = _side_pair(trade.side)
    contra = trade.contra_mpid or CUSTOMER
    if trace:
        count = sides if sides is not None else (1 if trans == "1" else 2)
        fields.append((64, format_fix_date(day + dt.timedelta(days=1))))
        fields += [(552, str(count)), (54, ours), (37, "NONE"), (453, "2")]
        fields += [(448, trade.mpid), (447, "C"), (452, "1")]
        fields += [(448, CLEARING_NUMBER), (447, "C"), (452, "83"), (528, "P")]
        if count == 2:
            fields += [(54, theirs), (37, "NONE"), (453, "1")]
            fields += [(448, contra), (447, "C"), (452, "17")]
        if trade.facility == "trace-ca":
            fields.append((22016, "S1"))
    else:
        parties = [(448, trade.mpid), (447, "C"), (452, "1")]
        parties += [(448, contra), (447, "C"), (452, "17")]
        fields += [(552, "1"), (54, ours), (453, str(len(parties) // 3)), *parties, (528, "P")]
    fields += [(int(tag), value) for tag, value in trade.extra.items()]
    return FixMessage(fields)
