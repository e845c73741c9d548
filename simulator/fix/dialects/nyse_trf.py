"""FINRA/NYSE TRF: its FIX Messaging Specification, TradeCaptureReport pattern.

Public facts used (facilities.md section 3.6): inbound Trade Capture Report - Reporting a trade,
Trade Cancel, Reversal, Trade Correction; outbound Acknowledgement ``TREN``, Confirmed Cancel
``TRCX``, Confirmed Reversal ``TRHX``, Confirmed Correction ``TRCR`` and Trade Capture Report
Ack - Reject [S20]; TrdType (828) and a custom "TrdType Category 2" (8217) [S20]; Modifier 3 FIX
codes ``9`` (T) and ``10`` (Z) [S21][S22]. The BeginString is not public; FIX 4.4 is INFERRED
from the FIX 4.4-era tags the specification uses. Modifier 3 in 8217, the allege name ``TRAL``
and the reversal as 487=4 are INFERRED.
"""

from __future__ import annotations

from simulator.domain.facility import FacilityId, PortType
from simulator.fix.dialects.capture import DialectSpec, EventCodes, ReversalStyle
from simulator.fix.dialects.equity import (
    FACILITY_NOT_AVAILABLE,
    EquityDialect,
    reject_layout,
    trade_capture_layout,
)

MODIFIER_TAG = 8217
EXTRAS = (828,)
EVENTS = EventCodes(new="TREN", cancel="TRCX", correct="TRCR", reverse="TRHX", allege="TRAL")

SPEC = DialectSpec(
    name="nyse-trf",
    title="FINRA/NYSE TRF (FIX 4.4)",
    facilities=(FacilityId.NYSE_TRF,),
    port_type=PortType.FIX44,
    begin_string="FIX.4.4",
    events=EVENTS,
    ae=trade_capture_layout(MODIFIER_TAG, EXTRAS),
    ar=reject_layout(MODIFIER_TAG, EXTRAS),
    port_label="NYSE TRF FIX 4.4",
    reversal=ReversalStyle.REVERSE,
    new_side_counts=(1, 2),
    sides="1256",
    qty_digits=(10, 0),
    whole_shares=True,
    px_digits=(6, 6),
    capacities="APR",
    reject_text_detail=True,
    not_available=FACILITY_NOT_AVAILABLE,
    system_time_tag=483,
    description=(
        "FINRA/NYSE TRF FIX 4.4 data dictionary for the facsim simulator; message names from "
        "the NYSE TRF Messaging Specification, field layout INFERRED."
    ),
)


class NyseTrfDialect(EquityDialect):
    """FINRA/NYSE TRF (module docstring)."""


__all__ = ["EVENTS", "SPEC", "NyseTrfDialect"]
