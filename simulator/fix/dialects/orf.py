"""FINRA OTC Reporting Facility (ORF): FIX 4.4 trade reporting.

Public facts used (facilities.md sections 2 and 3.7): the ORF moved to FINRA's own platform with
FIX specifications v1.2-v1.4 whose table of contents mirrors the TRACE specification [S30]-[S34];
confirmations ``ORCX``/``OCCX`` (cancel) and ``ORBX``/``OCBX`` (break) [S32]; tags named in the
notices: Number of Parties, Party Role, Reporting Obligation, Clearing Instruction, Publish
Indicator, Locked In Indicator, Short Sale Indicator [S30][S32]; milliseconds from 2014-11-17 and
nanoseconds from 2022-11-14 (RN 20-41, [S82][S86]; the profile holds the dates).

INFERRED: TargetCompID ``FNRA`` with a product SubID (profile), 35=AE/AR, reversal 487=1 with
1015=1, Modifier 3 in 22003, and the codes ``OREN`` (accept), ``ORCR`` (correction), ``ORHX``
(reversal) and ``ORAL`` (allege); cancels are confirmed with the published ``ORCX``.
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

MODIFIER_TAG = 22003
EVENTS = EventCodes(new="OREN", cancel="ORCX", correct="ORCR", reverse="ORHX", allege="ORAL")

SPEC = DialectSpec(
    name="orf",
    title="FINRA ORF (FIX 4.4)",
    facilities=(FacilityId.ORF,),
    port_type=PortType.FIX44,
    begin_string="FIX.4.4",
    events=EVENTS,
    ae=trade_capture_layout(MODIFIER_TAG),
    ar=reject_layout(MODIFIER_TAG),
    port_label="ORF FIX 4.4",
    reversal=ReversalStyle.AS_OF_CANCEL,
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
        "FINRA ORF FIX 4.4 data dictionary for the facsim simulator; confirmation names from "
        "the ORF notices, layout INFERRED (the ORF specification text is not public)."
    ),
)


class OrfDialect(EquityDialect):
    """FINRA ORF (module docstring)."""


__all__ = ["EVENTS", "SPEC", "OrfDialect"]
