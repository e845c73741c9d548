"""FINRA Alternative Display Facility (ADF): FIX 4.4 trade reporting.

Public facts used (facilities.md sections 2 and 3.7): FINRA "supports connectivity to the ADF
platform using FIX 4.4 protocol messaging" for trade reporting [S35]; timestamps up to
nanoseconds on all inbound and outbound (acknowledgement and reject) trade capture reports from
2021-11-15, NTF testing from 2021-08-16 [S36] (the profile holds the dates). Everything else is
INFERRED from the TRACE FIX conventions FINRA uses on its own platforms: TargetCompID ``FNRA``
with a product SubID (the profile's), 35=AE/AR, reversal 487=1 with 1015=1, Modifier 3 in
22003, and the event codes ``ADEN``/``ADCX``/``ADCR``/``ADHX``/``ADAL``.
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
EVENTS = EventCodes(new="ADEN", cancel="ADCX", correct="ADCR", reverse="ADHX", allege="ADAL")

SPEC = DialectSpec(
    name="adf",
    title="FINRA ADF (FIX 4.4)",
    facilities=(FacilityId.ADF,),
    port_type=PortType.FIX44,
    begin_string="FIX.4.4",
    events=EVENTS,
    ae=trade_capture_layout(MODIFIER_TAG),
    ar=reject_layout(MODIFIER_TAG),
    port_label="ADF FIX 4.4",
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
        "FINRA ADF FIX 4.4 data dictionary for the facsim simulator; layout INFERRED from the "
        "TRACE FIX conventions (the ADF specification is not public)."
    ),
)


class AdfDialect(EquityDialect):
    """FINRA ADF (module docstring)."""


__all__ = ["EVENTS", "SPEC", "AdfDialect"]
