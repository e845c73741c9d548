"""FINRA/Nasdaq TRF Carteret and Chicago: native TRF FIX 4.2 and Legacy TRF FIX 4.2 ports.

Public facts used (facilities.md section 3.5; seed 002):

* "Nasdaq FIX for Trade Reporting" is FIX 4.2 [S10][S15]; its revision history names
  TradeCaptureReport tags (75, 527, 277, 855, 881) and the messages TKNW and TYAL/CYAL [S11][S12].
  FIX 4.2 has no TradeCaptureReport, so this dialect declares 35=AE/AR as custom messages in its
  data dictionary (INFERENCE: the layout follows the FINRA TradeCaptureReport pattern).
* Every trade report gets an acknowledgement on the native port [S15] (``TKNW``, 1011; INFERRED
  name); a member contra gets ``TYAL`` (INFERRED).
* Modifier 3 in 277 TradeCondition: ``5`` (T, Form T) and ``I`` (Z, sold out of sequence); ``U``
  has no published FIX code, so no code is written for it (the journal records U) [S21][S22].
* Timestamps: native ports accept and write milliseconds until 2021-11-14, nanoseconds from
  2021-11-15 (NTF from 2021-08-16), and then every outbound timestamp has 9 digits; the Legacy
  TRF FIX 4.2 port never accepts sub-millisecond digits (seed 002; the profile holds the dates).
* From 2026-02-23 FIX reject messages carry all the trade information reported [S19].
* Reversal: 487=4 (FIX TradeReportTransType Reverse; INFERRED -- ACT's layout has a "Reversal
  Indicator" [S24]).
"""

from __future__ import annotations

import datetime as dt

from simulator.domain.facility import FacilityId, PortType
from simulator.fix.dialects.capture import DialectSpec, EventCodes, ReversalStyle
from simulator.fix.dialects.equity import (
    FACILITY_NOT_AVAILABLE,
    EquityDialect,
    reject_layout,
    trade_capture_layout,
)

MODIFIER_TAG = 277
EXTRAS = (527, 881)
FULL_REJECTS_FROM = dt.date(2026, 2, 23)
EVENTS = EventCodes(new="TKNW", cancel="TKNW", correct="TKNW", reverse="TKNW", allege="TYAL")
FACILITIES = (FacilityId.NASDAQ_TRF_CARTERET, FacilityId.NASDAQ_TRF_CHICAGO)


def _spec(port_type: PortType) -> DialectSpec:
    native = port_type is PortType.NATIVE_FIX42
    label = "Nasdaq TRF native FIX 4.2" if native else "Nasdaq Legacy TRF FIX 4.2"
    return DialectSpec(
        name="nasdaq-trf-native" if native else "nasdaq-trf-legacy",
        title=f"FINRA/Nasdaq TRF Carteret and Chicago, {label.removeprefix('Nasdaq ')}",
        facilities=FACILITIES,
        port_type=port_type,
        begin_string="FIX.4.2",
        events=EVENTS,
        ae=trade_capture_layout(MODIFIER_TAG, EXTRAS),
        ar=reject_layout(MODIFIER_TAG, EXTRAS, full=native),
        port_label=label,
        reversal=ReversalStyle.REVERSE,
        new_side_counts=(1, 2),
        sides="1256",
        qty_digits=(10, 0),
        whole_shares=True,
        px_digits=(6, 6),
        contra_required=True,
        capacity_required=False,
        capacities="APR",
        control_date_required=True,
        reject_text_detail=True,
        reject_echo_trade_from=FULL_REJECTS_FROM if native else None,
        not_available=FACILITY_NOT_AVAILABLE,
        system_time_tag=483,
        description=(
            f"FINRA/Nasdaq TRF {label.removeprefix('Nasdaq ')} data dictionary for the facsim "
            "simulator. "
            "TradeCaptureReport (AE) and its Ack (AR) are declared as custom FIX 4.2 messages; "
            "the layout is INFERRED (the Nasdaq specification is not public)."
        ),
    )


NATIVE = _spec(PortType.NATIVE_FIX42)
LEGACY = _spec(PortType.LEGACY_FIX42)


class NasdaqTrfDialect(EquityDialect):
    """FINRA/Nasdaq TRF (module docstring); one class for both port types."""


__all__ = ["EVENTS", "FULL_REJECTS_FROM", "LEGACY", "NATIVE", "NasdaqTrfDialect"]
