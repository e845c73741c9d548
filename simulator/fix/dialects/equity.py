"""The equity facilities' shared TradeCaptureReport dialect (all of it INFERRED).

The FINRA/Nasdaq TRF, FINRA/NYSE TRF, ADF and ORF FIX layouts are not public (facilities.md
sections 3.5-3.8: only titles, tables of contents, revision notes and message names could be
read). Each dialect is therefore defined on the TradeCaptureReport pattern the facilities share
with TRACE and FIX 4.4, with the facts that are public placed where they belong:

* message names: NYSE TRF ``TREN``/``TRCX``/``TRCR``/``TRHX`` [S20]; ORF ``ORCX``/``OCCX``/
  ``ORBX`` [S32]; Nasdaq TRF ``TKNW``/``TYAL`` (mnemonics named in its revision history [S11]);
* the Modifier 3 codes and the tag that carries them, from each facility profile (Nasdaq 277
  TradeCondition ``5``/``I``; NYSE ``9``/``10``; ADF/ORF 22003 by analogy with TRACE);
* timestamp precision by port type, region and date, from the profiles (seed 002; [S81]-[S86]);
* Nasdaq TRF rejects carrying the full trade from 2026-02-23 [S19].

What is common here: a report is one side (NoSides 1, optionally the contra side as a second
entry) in whole shares, identified by Symbol (55); the reporting firm is PartyRole 1 and the
contra PartyRole 17 (an MPID, or ``C`` for a customer); the facility stamps its receipt time in
TransBkdTime (483) at the port's outbound precision; rejects say the reason and the detail in
58. Each module (``nasdaq_trf``, ``nyse_trf``, ``adf``, ``orf``) fills a :class:`DialectSpec`.
"""

from __future__ import annotations

from simulator.domain.lifecycle import Reason
from simulator.fix.dialects import base
from simulator.fix.dialects.base import INSTRUMENT, PARTIES, DialectReject
from simulator.fix.dialects.capture import Context, Request, TradeCaptureDialect
from simulator.fix.dialects.layout import Field, Group, Item, Layout

FACILITY_NOT_AVAILABLE = Reason("4069", "FACILITY TEMPORARILY NOT AVAILABLE")


def _sides(*, required: bool = True) -> Group:
    return Group(
        552,
        (Field(54, True), Field(37), PARTIES, Field(528), Field(58)),
        required=required,
    )


def trade_capture_layout(modifier_tag: int, extras: tuple[int, ...] = ()) -> Layout:
    """35=AE in and out: identification, instrument, economics, sides, facility fields."""
    items: list[Item] = [
        Field(1011),
        Field(571, True),
        Field(572),
        Field(22011),
        Field(1003),
        Field(22012),
        Field(1126),
        Field(487),
        Field(856),
        Field(570, True),
        Field(64),
        Field(1015),
        INSTRUMENT,
        Field(32, True),
        Field(31, True),
        Field(75, True),
        Field(60, True),
        Field(483),
        _sides(),
        Field(852),
        Field(577),
        Field(22013),
        Field(modifier_tag),
        *(Field(tag) for tag in extras),
        Field(797),
    ]
    return Layout("AE", "TradeCaptureReport", tuple(items))


def reject_layout(modifier_tag: int, extras: tuple[int, ...] = (), *, full: bool = False) -> Layout:
    """35=AR; with ``full`` it can also carry the whole trade as submitted (Nasdaq from
    2026-02-23 [S19])."""
    items: list[Item] = [
        Field(571, True),
        Field(572),
        Field(1003),
        Field(22011),
        Field(487),
        Field(856),
        Field(150),
        Field(939),
        Field(751),
        Field(58),
    ]
    if full:
        items += [
            Field(570),
            Field(64),
            Field(1015),
            INSTRUMENT,
            Field(32),
            Field(31),
            Field(75),
            Field(60),
            _sides(required=False),
            Field(852),
            Field(577),
            Field(22013),
            Field(modifier_tag),
            *(Field(tag) for tag in extras),
        ]
    items.append(Field(797))
    return Layout("AR", "TradeCaptureReportAck", tuple(items))


class EquityDialect(TradeCaptureDialect):
    """The shared flow with the equity fields (module docstring)."""

    def extra(self, request: Request, context: Context) -> dict[str, str]:
        record = request.record
        extra: dict[str, str] = {}
        publish = base.flag_field(record, 852, "PublishTrdIndicator")
        if publish is not None:
            extra["publish"] = publish
        clearing = record.get(577)
        if clearing is not None:
            if not clearing.isdigit():
                raise DialectReject(
                    base.INVALID_FORMAT, f"ClearingInstruction(577)={clearing!r}", 577
                )
            extra["clearing_instruction"] = clearing
        locked = base.flag_field(record, 22013, "LockedInIndicator")
        if locked is not None:
            extra["locked_in"] = locked
        modifiers = record.get(int(context.profile.modifier_tag))
        if modifiers:
            extra["modifiers_reported"] = modifiers
        for tag, key in ((527, "trade_reference_number"), (828, "trade_type")):
            value = base.identifier(record, tag, str(tag), max_len=20)
            if value is not None:
                extra[key] = value
        for entry in record.entries(552):
            for view in base.parties(entry):
                if view.party_id in (base.CUSTOMER, base.AFFILIATE):
                    continue
                if not base.mpid_valid(view.party_id) and not view.party_id.isdigit():
                    raise DialectReject(
                        base.INVALID_MPID,
                        f"PartyID(448)={view.party_id!r} is neither an MPID nor a clearing number",
                        448,
                    )
        return extra


__all__ = ["FACILITY_NOT_AVAILABLE", "EquityDialect", "reject_layout", "trade_capture_layout"]
