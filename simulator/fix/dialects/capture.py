"""The TradeCaptureReport dialect engine every facility shares.

One flow, driven by a :class:`DialectSpec` (data) and a few hooks a facility module overrides:

1. a 35=AE is read against the dialect's layout (anything else gets a BusinessMessageReject,
   380=3, since the dialect accepts trade reports only);
2. 487/856 (and 1015 for the FINRA reversal) say what is asked: new, cancel, correction or
   reversal (TRACE FIX spec v2.1 section "Message Formats"; FIX 4.4 enumerations);
3. the fields become a :class:`~simulator.domain.trade.TradeReport` or a
   :class:`~simulator.journal.base.ReportRef`, with every refusal a :class:`DialectReject`;
   timestamps are checked against the precision the facility profile gives the session's port
   type and region on the receipt date (seed 002; facilities.md section 2);
4. the :class:`~simulator.fix.dialects.reporting.ReportingService` applies the facility rules,
   the timeliness engine and the journal;
5. the answer is written back: an acknowledgement 35=AE carrying the facility's event code in
   1011 MessageEventSource, the control number (1003) and control date (22011), the original
   ones on a correction (1126/22012), the facility's Modifier 3 code in the profile's modifier
   tag, and timestamps at the port's outbound precision; a contra-party allege (856=1) to the
   contra MPID's sessions; or a reject 35=AR with 150=8, 939=1, 751 and 58.

Every refusal is journaled and every message sent is recorded as a delivery, so the journal
shows who received what (seed 000).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from simulator.domain.decision import Decision
from simulator.domain.facility import FacilityId, PortType, Region
from simulator.domain.lifecycle import LifecycleError, Reason
from simulator.domain.trade import Action, Side, TradeReport
from simulator.facilities.profiles import FacilityProfile, PrecisionRule, get_profile
from simulator.facilities.timeliness import new_york_date
from simulator.fix.application import Outbound, SessionInfo
from simulator.fix.dialects import base
from simulator.fix.dialects.base import (
    CANNOT_PROCESS,
    INVALID_AS_OF,
    INVALID_CONTROL_DATE,
    INVALID_CPID,
    INVALID_DATE,
    INVALID_EXECUTION_TIME,
    INVALID_FORMAT,
    INVALID_PA,
    INVALID_PRICE,
    INVALID_RPID,
    INVALID_SETTLEMENT_DATE,
    INVALID_SIDE,
    INVALID_VOLUME,
    NO_CONTROL_NUMBER,
    NOT_AVAILABLE,
    DialectReject,
)
from simulator.fix.dialects.dictionary import DictionarySpec, valid_value
from simulator.fix.dialects.layout import Layout, LayoutError, Record, direct_tags, encode, parse
from simulator.fix.dialects.reporting import Outcome, ReportingService, Submission
from simulator.fix.message import FixMessage
from simulator.journal.base import DeliveryNote, RejectRecord, ReportRef, StoredReport
from simulator.timestamps import FixTime, format_fix_timestamp

log = logging.getLogger(__name__)

_ENVELOPE = frozenset({35}) | base.HEADER_TAGS | base.TRAILER_TAGS  # not the dialect's to read
#: Identifiers the facility issues on an acknowledgement, never echoed from the request.
_ISSUED_BY_FACILITY = frozenset({1003, 22011, 1126, 22012, 1011})
#: The reporting firm's own references, memo and commission: not shown to the contra party.
_REPORTER_ONLY = frozenset({572, 1041, 5149})

ProfileSource = Callable[[FacilityId], FacilityProfile]


class ReversalStyle(StrEnum):
    """How a dialect asks for a reversal of a trade outside the management window."""

    AS_OF_CANCEL = "487=1 with 1015=1"  # FINRA TRACE FIX spec v2.1 "Reversals"
    REVERSE = "487=4"  # FIX 4.4 TradeReportTransType Reverse


@dataclass(frozen=True, slots=True)
class EventCodes:
    """The 1011 MessageEventSource values of a dialect's outbound messages."""

    new: str
    cancel: str
    correct: str
    reverse: str
    allege: str | None = None

    def for_action(self, action: Action) -> str:
        return {
            Action.NEW: self.new,
            Action.CANCEL: self.cancel,
            Action.CORRECT: self.correct,
            Action.REVERSE: self.reverse,
        }[action]

    def values(self) -> tuple[tuple[str, str], ...]:
        codes = [self.new, self.allege, self.cancel, self.correct, self.reverse]
        return tuple((code, code) for code in dict.fromkeys(c for c in codes if c))


@dataclass(frozen=True, slots=True)
class DialectSpec:
    """What distinguishes one facility's TradeCaptureReport dialect (see docs/dialects/)."""

    name: str
    title: str
    facilities: tuple[FacilityId, ...]
    port_type: PortType
    begin_string: str
    events: EventCodes
    ae: Layout
    ar: Layout
    port_label: str
    reversal: ReversalStyle = ReversalStyle.AS_OF_CANCEL
    new_side_counts: tuple[int, ...] = (2,)
    sides: str = "12"  # FIX Side (54) values the facility accepts
    qty_digits: tuple[int, int] = (11, 2)
    whole_shares: bool = False
    px_digits: tuple[int, int] = (4, 6)
    contra_required: bool = True
    capacity_required: bool = False
    capacities: str = "AP"
    control_date_required: bool = True
    alleges: bool = True
    reject_text_detail: bool = False
    reject_echo_trade_from: dt.date | None = None
    not_available: Reason = NOT_AVAILABLE
    system_time_tag: int | None = None
    extra_values: dict[int, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    description: str = ""

    def dictionary(self) -> DictionarySpec:
        values = {1011: self.events.values(), **self.extra_values}
        return DictionarySpec(
            name=self.name,
            begin_string=self.begin_string,
            app_layouts=(self.ae, self.ar),
            values=values,
            description=self.description,
        )


@dataclass(frozen=True, slots=True)
class Context:
    """One inbound message's circumstances: the session, the facility's profile, the receipt
    instant, its New York date and the timestamp precision of the port on that date."""

    session: SessionInfo
    facility: FacilityId
    profile: FacilityProfile
    now_ns: int
    today: dt.date
    precision: PrecisionRule


@dataclass
class Request:
    """A message read so far: what the flow knows when it answers or refuses."""

    record: Record
    user: str | None = None  # SenderSubID (50): the user on TRACE sessions (spec section 3)
    action: Action = Action.NEW
    submission: Submission | None = None
    transact: FixTime | None = None
    trade_date: dt.date | None = None  # TradeDate (75), once read
    extra: dict[str, str] = field(default_factory=dict)


class TradeCaptureDialect:
    """The shared flow (module docstring); subclasses add their facility's rules."""

    msg_types = frozenset({"AE"})

    def __init__(
        self,
        spec: DialectSpec,
        service: ReportingService,
        *,
        profiles: ProfileSource = get_profile,
    ) -> None:
        self.spec = spec
        self.service = service
        self._profiles = profiles
        self._ae_tags = direct_tags(spec.ae.items)
        self._ar_tags = direct_tags(spec.ar.items)
        # Per facility, region and New York date: what every message of the day shares.
        self._profile_of: dict[FacilityId, FacilityProfile] = {}
        self._precision_of: dict[tuple[FacilityId, Region, dt.date], PrecisionRule] = {}

    def context(self, session: SessionInfo, now_ns: int) -> Context:
        """The circumstances of a message received on ``session`` at ``now_ns``.

        The profile and the port's precision rule are looked up once per facility, region and
        day (the profile's rules change by date, never within one), not for every message.
        """
        facility = session.facility
        profile = self._profile_of.get(facility)
        if profile is None:
            profile = self._profile_of[facility] = self._profiles(facility)
        today = new_york_date(now_ns)
        key = (facility, session.region, today)
        rule = self._precision_of.get(key)
        if rule is None:
            if len(self._precision_of) > 4096:
                self._precision_of.clear()
            rule = profile.precision(self.spec.port_type, session.region, now_ns)
            self._precision_of[key] = rule
        return Context(session, facility, profile, now_ns, today, rule)

    # -- the Application protocol -------------------------------------------------------------

    def on_logon(self, session: SessionInfo, now_ns: int) -> list[Outbound]:
        return []

    def on_message(self, session: SessionInfo, message: FixMessage, now_ns: int) -> list[Outbound]:
        if message.msg_type not in self.msg_types:
            return [self._business_reject(message)]
        context = self.context(session, now_ns)
        request: Request | None = None
        journaled: RejectRecord | None = None
        try:
            request = Request(
                parse(message, self.spec.ae, ignore=_ENVELOPE),
                user=message.get(50),
            )
            request.action = self.classify(request.record)
            request.submission = self.submission(request, context)
            outcome = self.service.process(request.submission)
        except LayoutError as exc:
            reject = DialectReject(INVALID_FORMAT, str(exc), exc.tag)
        except DialectReject as exc:
            reject = exc
        except LifecycleError as exc:
            reject = DialectReject(exc.reason, exc.detail)
            journaled = exc.reject if isinstance(exc.reject, RejectRecord) else None
        except Exception:  # a bug must not take the session down: answer 999 and log it
            log.exception("%s: unexpected error handling %r", self.spec.name, message)
            reject = DialectReject(CANNOT_PROCESS, "internal error")
        else:
            return self.acknowledge(request, outcome, context)
        return self.refuse(message, request, reject, journaled, context)

    def on_messages(
        self, session: SessionInfo, messages: Sequence[FixMessage], now_ns: int
    ) -> list[list[Outbound]]:
        """Handle the application messages of one read in ONE journal transaction.

        This is group commit at the dialect's level: every report of the read is journaled
        inside :meth:`ReportingService.batch`, the transaction commits once when the last one
        is done, and only then are the answers returned, one list per message in order (what
        :meth:`on_message` would have returned for it). Write them after this returns: an
        acknowledged report is then in the journal before its acknowledgement is written. If
        the commit fails the exception propagates, nothing of the read is journaled and no
        answer is returned, so nothing unjournaled is ever acknowledged. A refusal inside the
        batch (a reject) does not abort it: each report succeeds or fails on its own.

        ``now_ns`` is the receipt time of the read (the session layer stamps every message of
        one read with the same instant). docs/performance.md shows what this buys.
        """
        with self.service.batch():
            return [self.on_message(session, message, now_ns) for message in messages]

    # -- reading ------------------------------------------------------------------------------

    def classify(self, record: Record) -> Action:
        """487/856 (and 1015) -> the action (TRACE FIX spec v2.1 section 3.2 table)."""
        trans = base.required(record, 487, "TradeReportTransType")
        kind = base.required(record, 856, "TradeReportType")
        as_of = record.get(1015) == "1"
        if (trans, kind) == ("0", "0"):
            return Action.NEW
        if (trans, kind) == ("1", "6"):
            if as_of and self.spec.reversal is ReversalStyle.AS_OF_CANCEL:
                return Action.REVERSE
            return Action.CANCEL
        if (trans, kind) == ("2", "5"):
            return Action.CORRECT
        if trans == "4" and kind in ("0", "6") and self.spec.reversal is ReversalStyle.REVERSE:
            return Action.REVERSE
        reversal = (
            "reversal 487=1/856=6 with 1015=1"
            if self.spec.reversal is ReversalStyle.AS_OF_CANCEL
            else "reversal 487=4/856=6"
        )
        raise DialectReject(
            INVALID_FORMAT,
            f"TradeReportTransType(487)={trans} with TradeReportType(856)={kind} is not a "
            f"supported request: new 487=0/856=0, cancel 487=1/856=6, correction 487=2/856=5, "
            f"{reversal}",
            487,
        )

    def submission(self, request: Request, context: Context) -> Submission:
        record = request.record
        action = request.action
        self.trade_report_id(record)
        sides = record.entries(552)
        reporting = base.find_side(sides, base.ROLE_EXECUTING)
        if reporting is None and len(sides) == 1:
            reporting = sides[0]
        rpid = self.reporting_party(reporting, context)
        window = context.profile.reporting.management_window_business_days
        if action is Action.CANCEL:
            if len(sides) > 1:
                raise DialectReject(
                    INVALID_FORMAT, "a cancel names only the reporting side: NoSides(552)=1", 552
                )
            ref = self.reference(record, rpid, context, action)
            return Submission(action, context.facility, context.session, context.now_ns, ref=ref,
                              window_days=window)  # fmt: skip
        assert reporting is not None  # reporting_party raised otherwise
        report = self.trade(request, context, rpid, sides, reporting)
        if action is Action.NEW:
            return Submission(action, context.facility, context.session, context.now_ns, report)
        ref = self.reference(record, rpid, context, action)
        check = self.original_check(request, report, context)
        return Submission(
            action, context.facility, context.session, context.now_ns, report, ref,
            window_days=window, check_original=check,
        )  # fmt: skip

    def trade_report_id(self, record: Record) -> str:
        base.required(record, 571, "TradeReportID")
        value = base.identifier(record, 571, "TradeReportID", max_len=20)
        assert value is not None
        return value

    def reporting_party(self, reporting: Record | None, context: Context) -> str:
        """The reporting MPID (party role 1), which must be one of the session's MPIDs."""
        session = context.session
        rpid = base.party(reporting, base.ROLE_EXECUTING) if reporting is not None else None
        if rpid is None:
            if reporting is not None and len(session.mpids) == 1:
                return session.mpids[0]
            raise DialectReject(
                INVALID_RPID,
                "name the reporting party: a side with PartyRole(452)=1 and its MPID in "
                "PartyID(448)",
                448,
            )
        if not base.mpid_valid(rpid):
            raise DialectReject(INVALID_RPID, f"reporting party {rpid!r} is not an MPID", 448)
        if session.mpids and rpid not in session.mpids:
            raise DialectReject(
                INVALID_RPID,
                f"MPID {rpid} is not entitled on this session (its MPIDs: "
                f"{', '.join(session.mpids)})",
                448,
            )
        return rpid

    def reference(self, record: Record, rpid: str, context: Context, action: Action) -> ReportRef:
        """The report a cancel, correction or reversal points at: 1003 TradeID and/or 572
        TradeReportRefID, with 22011 ControlDate (TRACE FIX spec v2.1: required on cancels and
        corrections; a reversal needs 1003)."""
        number = base.control_number_field(record)
        day = base.date_field(record, 22011, "ControlDate", INVALID_CONTROL_DATE)
        client_ref = base.identifier(record, 572, "TradeReportRefID", max_len=20)
        if number is None and client_ref is None:
            raise DialectReject(
                NO_CONTROL_NUMBER,
                "give the control number in TradeID(1003) or your original TradeReportID in "
                "TradeReportRefID(572)",
                1003,
            )
        if action is Action.REVERSE and number is None:
            raise DialectReject(
                NO_CONTROL_NUMBER, "a reversal needs the control number in TradeID(1003)", 1003
            )
        if day is None and self.spec.control_date_required:
            raise DialectReject(
                INVALID_CONTROL_DATE, "ControlDate(22011) is required with the reference", 22011
            )
        return ReportRef(
            facility=str(context.facility),
            mpid=rpid,
            control_number=number,
            control_date=day,
            client_ref=client_ref,
        )

    def trade(
        self,
        request: Request,
        context: Context,
        rpid: str,
        sides: list[Record],
        reporting: Record,
    ) -> TradeReport:
        """The trade a new report, correction or reversal describes."""
        record = request.record
        spec = self.spec
        action = request.action
        if len(sides) not in spec.new_side_counts:
            counts = " or ".join(str(count) for count in spec.new_side_counts)
            raise DialectReject(
                INVALID_FORMAT, f"NoSides(552) must be {counts} for a {action.value} report", 552
            )
        security, source = self.security(record)
        quantity = base.decimal_field(
            record, 32, "LastQty", reason=INVALID_VOLUME,
            int_digits=spec.qty_digits[0], frac_digits=spec.qty_digits[1],
            whole=spec.whole_shares,
        )  # fmt: skip
        price = base.decimal_field(
            record, 31, "LastPx", reason=INVALID_PRICE,
            int_digits=spec.px_digits[0], frac_digits=spec.px_digits[1],
        )  # fmt: skip
        today = context.today
        trade_date = base.date_field(record, 75, "TradeDate")
        if trade_date is None:
            raise DialectReject(INVALID_DATE, "TradeDate(75) is required", 75)
        request.trade_date = trade_date
        if trade_date > today:
            raise DialectReject(
                INVALID_DATE, f"TradeDate(75) {trade_date.isoformat()} is in the future", 75
            )
        max_digits = context.precision.inbound
        transact = base.timestamp_field(
            record, 60, "TransactTime", max_digits=max_digits, port=spec.port_label, on=today
        )
        request.transact = transact
        if new_york_date(transact.ns) != trade_date:
            raise DialectReject(
                INVALID_EXECUTION_TIME,
                f"TransactTime(60) falls on {new_york_date(transact.ns).isoformat()} in New York, "
                f"not on TradeDate(75) {trade_date.isoformat()}",
                60,
            )
        settle = base.date_field(record, 64, "SettlDate", INVALID_SETTLEMENT_DATE)
        if settle is not None and settle < trade_date:
            raise DialectReject(
                INVALID_SETTLEMENT_DATE, "SettlDate(64) is before TradeDate(75)", 64
            )
        flag = base.flag_field(record, 1015, "AsOfIndicator", "01")
        past = trade_date < today
        if flag == "1" and not past and action is Action.NEW:
            raise DialectReject(
                INVALID_AS_OF, "AsOfIndicator(1015)=1 but TradeDate(75) is today", 1015
            )
        side = self.side(reporting)
        contra = self.contra(sides, reporting)
        capacity = reporting.get(528)
        if capacity is None and spec.capacity_required:
            raise DialectReject(INVALID_PA, "OrderCapacity(528) is required on your side", 528)
        if capacity is not None and (len(capacity) != 1 or capacity not in spec.capacities):
            raise DialectReject(
                INVALID_PA,
                f"OrderCapacity(528) must be one of {', '.join(spec.capacities)}, got {capacity!r}",
                528,
            )
        extra = self.extra(request, context)
        if settle is not None:
            extra["settl_date"] = settle.isoformat()
        extra["transact_digits"] = str(transact.digits)
        if reporting.get(54) in ("5", "6"):
            extra["short_sale"] = "exempt" if reporting.get(54) == "6" else "short"
        session = context.session
        return TradeReport(
            facility=str(context.facility),
            reporting_mpid=rpid,
            side=side,
            security=security,
            quantity=quantity,
            price=price,
            executed_ns=transact.ns,
            trade_date=trade_date,
            client_ref=self.trade_report_id(record),
            contra_mpid=contra,
            security_id_source=source,
            as_of=past or flag == "1",
            capacity=capacity,
            region=session.region,
            session_id=session.session_id,
            user=request.user or session.firm_sub_id,
            memo=reporting.get(58),
            extra=extra,
        )

    def security(self, record: Record) -> tuple[str, str]:
        """(security, SecurityIDSource); equities by Symbol(55) unless a subclass says else."""
        symbol = record.get(55)
        if symbol is None or not base.symbol_valid(symbol):
            raise DialectReject(
                base.INVALID_SYMBOL,
                "Symbol(55) is required: an upper-case ticker of at most 14 characters"
                if symbol is None
                else f"Symbol(55)={symbol!r} is not a ticker",
                55,
            )
        return symbol, "8"

    def side(self, reporting: Record) -> Side:
        value = reporting.get(54)
        if value is None or value not in self.spec.sides or value not in base.SIDE_FROM_FIX:
            raise DialectReject(
                INVALID_SIDE,
                f"Side(54) must be one of {', '.join(self.spec.sides)}, got {value!r}",
                54,
            )
        return base.SIDE_FROM_FIX[value]

    def contra(self, sides: list[Record], reporting: Record) -> str | None:
        """The contra party: role 17 on the other side entry, or on the reporting side."""
        others = [entry for entry in sides if entry is not reporting]
        for entry in others:
            value = entry.get(54)
            mine = base.SIDE_FROM_FIX.get(reporting.get(54) or "")
            theirs = base.SIDE_FROM_FIX.get(value or "")
            if theirs is None or theirs == mine:
                raise DialectReject(
                    INVALID_SIDE, "the two sides of a trade must be a buy and a sell", 54
                )
        contra = None
        for entry in [*others, reporting]:
            contra = base.party(entry, base.ROLE_CONTRA)
            if contra is not None:
                break
        if contra is None:
            if self.spec.contra_required:
                raise DialectReject(
                    INVALID_CPID, "name the contra party: PartyRole(452)=17 with its PartyID", 448
                )
            return None
        if contra not in (base.CUSTOMER, base.AFFILIATE) and not base.mpid_valid(contra):
            raise DialectReject(
                INVALID_CPID,
                f"contra party {contra!r} must be an MPID, C (customer) or A (affiliate)",
                448,
            )
        return contra

    def extra(self, request: Request, context: Context) -> dict[str, str]:
        """Facility fields kept with the report (``TradeReport.extra``); hook for subclasses."""
        return {}

    def original_check(
        self, request: Request, report: TradeReport, context: Context
    ) -> Callable[[StoredReport], None] | None:
        """Rules about the referenced report a subclass applies before the journal acts."""
        if request.action is Action.REVERSE:
            return lambda original: check_repeats(original, report)
        return None

    # -- writing ------------------------------------------------------------------------------

    def _record_deliveries(self, notes: list[DeliveryNote]) -> None:
        """Record who was sent what (one journal call for an acknowledgement and its allege);
        a failure is logged, never allowed to lose an answer to a report already journaled."""
        try:
            self.service.record_deliveries(notes)
        except Exception:
            log.exception("%s: could not record the deliveries %r", self.spec.name, notes)

    def _record_delivery(self, **delivery: Any) -> None:
        """Record who was sent what; a failure here is logged, never allowed to lose an answer
        to a report that is already journaled."""
        try:
            self.service.record_delivery(**delivery)
        except Exception:
            log.exception("%s: could not record a delivery %r", self.spec.name, delivery)

    def outbound_digits(self, context: Context) -> int:
        return context.precision.outbound

    def timestamp(self, ns: int, context: Context) -> str:
        return format_fix_timestamp(ns, self.outbound_digits(context))

    def echo(self, record: Record, tags: Mapping[int, object], *, drop: frozenset[int]) -> Record:
        """The fields of ``record`` the layout declares (at the top level), minus ``drop``."""
        groups = record.groups
        copied = Record(
            {
                tag: value
                for tag, value in record.fields.items()
                if tag in tags and tag not in drop and tag not in groups
            }
        )
        for count_tag, entries in groups.items():
            if count_tag in tags and count_tag not in drop:
                copied.set_group(count_tag, [base.copy_record(entry) for entry in entries])
        return copied

    def acknowledge(self, request: Request, outcome: Outcome, context: Context) -> list[Outbound]:
        action = outcome.action
        code = self.spec.events.for_action(action)
        ack = self.ack_record(request, outcome, code, context)
        outbound = [Outbound(encode(self.spec.ae, ack))]
        session = context.session
        stored = outcome.stored
        deliveries = [
            DeliveryNote(
                recipient=session.firm,
                msg_type=f"AE/{code}",
                ns=context.now_ns,
                environment=outcome.environment,
                session_id=session.session_id,
                report_id=stored.report_id,
                registered=session.uat_registered,
            )
        ]
        contra = stored.report.contra_mpid
        allege = self.spec.events.allege
        if (
            action is Action.NEW
            and self.spec.alleges
            and allege is not None
            and contra is not None
            and contra not in (base.CUSTOMER, base.AFFILIATE)
            and contra != stored.report.reporting_mpid
        ):
            message = encode(self.spec.ae, self.allege_record(ack, allege, outcome))
            outbound.append(Outbound(message, to_firm=contra))
            deliveries.append(
                DeliveryNote(
                    recipient=contra,
                    msg_type=f"AE/{allege}",
                    ns=context.now_ns,
                    environment=outcome.environment,
                    report_id=stored.report_id,
                    detail="contra-party allege, routed to the contra MPID's sessions",
                )
            )
        self._record_deliveries(deliveries)
        return outbound

    def ack_record(self, request: Request, outcome: Outcome, code: str, context: Context) -> Record:
        """The acknowledgement of a request, in the dialect's AE layout."""
        record = request.record
        stored = outcome.stored
        trade = stored.report
        ack = self.echo(record, self._ae_tags, drop=_ISSUED_BY_FACILITY)
        ack.set(1011, code)
        ack.set(571, f"{code}{outcome.control_number}")
        ack.set(572, record.get(571))
        ack.set(1003, outcome.control_number)
        ack.set(22011, base.fix_date(outcome.control_date))
        if outcome.action is Action.CORRECT and outcome.original is not None:
            ack.set(1126, outcome.original.control_number)
            ack.set(22012, base.fix_date(outcome.original.control_date))
        ack.set(570, "N")
        self.write_trade(ack, trade, context)
        if trade.as_of or (outcome.action is Action.REVERSE and self._as_of_reversal()):
            ack.set(1015, "1")
        for entry in ack.entries(552):
            if entry.has(37):
                entry.set(37, "NONE")
        if self.spec.system_time_tag is not None:
            ack.set(self.spec.system_time_tag, self.timestamp(context.now_ns, context))
        if outcome.decision is not None:
            self.write_modifier(ack, outcome.decision, context)
        return ack

    def _as_of_reversal(self) -> bool:
        return self.spec.reversal is ReversalStyle.AS_OF_CANCEL

    def write_trade(self, ack: Record, trade: TradeReport, context: Context) -> None:
        """The trade's economics as the facility holds them (a cancel echoes the original)."""
        self.write_security(ack, trade)
        ack.set(32, _decimal_text(trade.quantity))
        ack.set(31, _decimal_text(trade.price))
        ack.set(75, base.fix_date(trade.trade_date))
        ack.set(60, self.timestamp(trade.executed_ns, context))
        settle = trade.extra.get("settl_date")
        if settle and 64 in self._ae_tags:
            ack.set(64, settle.replace("-", ""))

    def write_security(self, ack: Record, trade: TradeReport) -> None:
        """The instrument as the facility identifies it (equities: Symbol 55)."""
        ack.set(55, trade.security)

    def write_modifier(self, ack: Record, decision: Decision, context: Context) -> None:
        """The facility's Modifier 3 code in the profile's tag (TRACE 22003; Nasdaq 277 and
        NYSE 8217 are INFERENCES recorded in the profiles)."""
        profile = context.profile
        tag = int(profile.modifier_tag)
        code = None
        if decision.modifier is not None:
            code = decision.facility_code or profile.modifier_code(decision.modifier)
        elif profile.regular_code and not ack.has(tag):
            code = profile.regular_code
        if code is None:
            return
        if tag in self._ae_tags:
            current = ack.get(tag)
            if tag == 277 and current:
                codes = [part for part in current.split(" ") if part]
                if code not in codes:
                    codes.append(code)
                ack.set(tag, " ".join(codes))
            else:
                ack.set(tag, code)

    def allege_record(self, ack: Record, code: str, outcome: Outcome) -> Record:
        """The contra party's allege (856=1 Alleged; TRACE spec v2.1 CAAL): the trade as
        reported, without the reporting firm's own references, memo or commission."""
        allege = base.copy_record(ack, drop=_REPORTER_ONLY)
        allege.set(1011, code)
        allege.set(571, f"{code}{outcome.control_number}")
        allege.set(487, "0")
        allege.set(856, "1")
        for entry in allege.entries(552):
            if base.party(entry, base.ROLE_EXECUTING) == outcome.stored.report.reporting_mpid:
                for tag in (58, 12, 13, 80):
                    entry.set(tag, None)
        return allege

    def refuse(
        self,
        message: FixMessage,
        request: Request | None,
        reject: DialectReject,
        journaled: RejectRecord | None,
        context: Context,
    ) -> list[Outbound]:
        session = context.session
        reason = reject.reason
        if reason.code == NOT_AVAILABLE.code:
            reason = self.spec.not_available
        action = request.action if request is not None else Action.NEW
        if journaled is None:
            try:
                journaled = self.service.record_reject(
                    request.submission if request is not None else None,
                    facility=context.facility,
                    session=session,
                    action=action,
                    reject=DialectReject(reason, reject.detail, reject.tag),
                    ns=context.now_ns,
                    fallback_ref=self._fallback_ref(message, context),
                )
            except Exception:  # the answer still goes out; the failure is logged
                log.exception("%s: could not journal a reject", self.spec.name)
        record = request.record if request is not None else None
        ar = self.reject_record(message, record, reason, reject, context)
        self._record_delivery(
            recipient=session.firm,
            msg_type="AR",
            ns=context.now_ns,
            environment=self.service.environment(session, context.facility, context.now_ns),
            session_id=session.session_id,
            reject_id=journaled.reject_id if journaled is not None else None,
            registered=session.uat_registered,
            detail=f"{reason.code} {reason.text}",
        )
        return [Outbound(encode(self.spec.ar, ar))]

    def _fallback_ref(self, message: FixMessage, context: Context) -> ReportRef:
        session = context.session
        number = message.get(1003)
        return ReportRef(
            facility=str(context.facility),
            mpid=session.mpids[0] if session.mpids else session.firm,
            control_number=number if number and number.isdigit() else None,
            client_ref=message.get(571),
        )

    def reject_record(
        self,
        message: FixMessage,
        record: Record | None,
        reason: Reason,
        reject: DialectReject,
        context: Context,
    ) -> Record:
        """35=AR: 571 echoed, 487/856 echoed, 150=8, 939=1, 751 code, 58 text (TRACE FIX spec
        v2.1 "Trade Capture Report Ack - Reject"); values echoed only when valid, so a firm's
        validating engine never rejects the reject."""
        source = record if record is not None else Record(dict(_first_values(message)))
        ar = Record()
        echo_from = self.spec.reject_echo_trade_from
        if echo_from is not None and context.today >= echo_from:
            ar = self._valid_copy(source)
        for tag in (571, 572, 1003, 22011, 487, 856):
            value = source.get(tag)
            if value is not None and tag in self._ar_tags and valid_value(tag, value):
                ar.set(tag, value)
        if not ar.has(571):
            ar.set(571, "NONE")
        ar.set(150, "8")
        ar.set(939, "1")
        ar.set(751, reason.code)
        text = reason.text
        if self.spec.reject_text_detail and reject.detail and reject.detail != reason.text:
            text = f"{reason.text}: {reject.detail}"
        ar.set(58, _ascii(text))
        return ar

    def _valid_copy(self, record: Record) -> Record:
        copied = Record()
        for tag, value in record.fields.items():
            if tag not in self._ar_tags or tag in record.groups:
                continue
            if valid_value(tag, value):
                copied.set(tag, value)
        sides = [
            _valid_entry(entry) for entry in record.entries(552) if valid_value(54, entry.get(54))
        ]
        if 552 in self._ar_tags and sides:
            copied.set_group(552, sides)
        return copied

    def _business_reject(self, message: FixMessage) -> Outbound:
        reply = FixMessage.of(
            "j",
            (45, message.get(34)),
            (372, message.msg_type or ""),
            (380, "3"),
            (
                58,
                f"unsupported message type {message.msg_type!r}: this port accepts "
                "TradeCaptureReport (35=AE)",
            ),
        )
        return Outbound(reply, copy_to_drop=False)


def check_repeats(original: StoredReport, report: TradeReport) -> None:
    """A reversal must repeat the original trade (TRACE FIX spec v2.1 "Reversals": "must
    repeat all original values")."""
    old = original.report
    pairs = [
        ("security (48/55)", old.security, report.security),
        ("LastQty(32)", old.quantity, report.quantity),
        ("LastPx(31)", old.price, report.price),
        ("Side(54)", old.side, report.side),
        ("TradeDate(75)", old.trade_date, report.trade_date),
        ("TransactTime(60)", old.executed_ns, report.executed_ns),
    ]
    for name, was, now in pairs:
        if was != now:
            raise DialectReject(
                CANNOT_PROCESS,
                f"a reversal must repeat the original trade: {name} was {was}, not {now}",
            )


def _decimal_text(value: object) -> str:
    return format(value, "f")


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode("ascii").replace("\x01", " ")


def _first_values(message: FixMessage) -> list[tuple[int, str]]:
    seen: dict[int, str] = {}
    for tag, value in message.fields:
        seen.setdefault(tag, value)
    return list(seen.items())


def _valid_entry(entry: Record) -> Record:
    copied = Record(
        {t: v for t, v in entry.fields.items() if t not in entry.groups and valid_value(t, v)}
    )
    parties = [
        Record({t: v for t, v in p.fields.items() if t not in p.groups and valid_value(t, v)})
        for p in entry.entries(453)
        if valid_value(448, p.get(448))
    ]
    if parties:
        copied.set_group(453, parties)
    return copied
