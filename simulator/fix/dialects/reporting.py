"""The reporting service: what the facility does with a submission once a dialect has read it.

A dialect turns wire fields into a :class:`Submission` (an action, the trade report or the
reference to an earlier one, the session and the receipt instant); this service applies the
facility's rules that do not depend on the wire format and answers with an :class:`Outcome`:

* **Where it goes.** A session in the Nasdaq Test Facility region journals to the NTF; during a
  scheduled UAT window on the timeline every production transaction is a test transaction,
  journaled apart (seed 000: "FIX clients who connect, but are not actively participating in a
  scheduled UAT, may receive acknowledgement messages ... advised to ignore these messages").
* **Timeliness.** Every accepted report (new, correction) goes through the timeliness engine with
  the receipt time the session layer stamped (``now_ns``), and the journal stores the decision
  (issue 3 item 4; FINRA Rules 6380A/6730).
* **Trade management.** Cancels and corrections must reach a report inside the facility's
  management window (TRACE CA/SP T-20, TS T-2 business days; older trades are reversed, TRACE
  FIX spec v2.1 "Reversals"); a firm acts only on its own reports (the journal refuses others
  with 313 RPID MISMATCH).
* **Outages.** An availability hook (issue 6 fault injection) can refuse everything with the
  facility's "temporarily not available" reject.
* **Parallel period.** Reports arrive with their route (FIX here, TRAQS by certificate or MFA in
  the web layer); the journal flags production reports that agree on MPID, security, quantity,
  price, side and execution time across routes as likely duplicates (seed 001).

Deliveries (who received which acknowledgement) are recorded through :meth:`record_delivery`
and, several at once, :meth:`record_deliveries`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any, Protocol

from simulator.calendar import Market, MarketCalendar, calendar_for
from simulator.domain.decision import Decision
from simulator.domain.facility import FacilityId, Region
from simulator.domain.lifecycle import LifecycleError, Reason
from simulator.domain.trade import Action, Environment, Route, TradeReport
from simulator.fix.application import SessionInfo
from simulator.fix.dialects.base import (
    EXECUTION_AFTER_REPORT,
    NOT_WITHIN_ALLOWABLE_TIME,
    DialectReject,
)
from simulator.journal.base import DeliveryNote, Journal, RejectRecord, ReportRef, StoredReport
from simulator.timestamps import local_date

Assess = Callable[[FacilityId, int, int], Decision]
"""The timeliness engine: ``assess(facility, executed_ns, received_ns) -> Decision``."""

Availability = Callable[[FacilityId, int], Reason | None]
"""Outage hook: the reject reason when the facility is unavailable at ``ns``, else ``None``."""


class Timeline(Protocol):
    def at(self, ns: int) -> Any: ...


OriginalCheck = Callable[[StoredReport], None]


@dataclass(frozen=True, slots=True)
class Submission:
    """One firm request as the facility understands it, whatever the wire.

    ``report`` is the trade for :attr:`Action.NEW`, the replacement for :attr:`Action.CORRECT`
    and the repeated original values for :attr:`Action.REVERSE`; ``ref`` points at the report a
    cancel, correction or reversal acts on. ``window_days`` is the management window in
    business days (``None``: no limit). ``check_original`` lets a dialect apply its own rules to
    the referenced report (e.g. TRACE: a correction may not change the CUSIP).
    """

    action: Action
    facility: FacilityId
    session: SessionInfo
    received_ns: int
    report: TradeReport | None = None
    ref: ReportRef | None = None
    window_days: int | None = None
    check_original: OriginalCheck | None = None

    @property
    def mpid(self) -> str:
        if self.report is not None:
            return self.report.reporting_mpid
        if self.ref is not None:
            return self.ref.mpid
        return self.session.mpids[0] if self.session.mpids else self.session.firm


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the facility did.

    ``stored`` is the report the acknowledgement is about: the new report, the replacement a
    correction created, the cancelled report, or the reversed report. ``original`` is the report
    a cancel, correction or reversal acted on, as it was before. ``control_number`` and
    ``control_date`` are the identifiers the acknowledgement carries (a correction and a
    reversal issue new ones; TRACE spec v2.1 CACR/CAHX).
    """

    action: Action
    stored: StoredReport
    original: StoredReport | None
    decision: Decision | None
    environment: Environment
    control_number: str
    control_date: dt.date
    uat: Any = None


def market_of(facility: FacilityId) -> Market:
    """TRACE follows the bond-market (SIFMA) calendar, the equity facilities the NYSE's."""
    return Market.SIFMA if facility.is_trace else Market.NYSE


def earliest_manageable(today: dt.date, window_days: int, calendar: MarketCalendar) -> dt.date:
    """The oldest trade date a cancel or correction may still reach on ``today``.

    "T-day through T-20 business days" (TRACE CA/SP; TS T-2): the ``window_days``-th business
    day before ``today``.
    """
    day = today
    for _ in range(window_days):
        day = calendar.previous_business_day(day)
    return day


class ReportingService:
    """Applies the facility-neutral rules and writes the journal (see the module docstring)."""

    def __init__(
        self,
        journal: Journal,
        assess: Assess,
        *,
        timeline: Timeline | None = None,
        availability: Availability | None = None,
    ) -> None:
        self.journal = journal
        self.assess = assess
        self.timeline = timeline
        self.availability = availability

    # -- environment ------------------------------------------------------------------------------

    def uat_window(self, facility: FacilityId, ns: int) -> Any:
        """The UAT window in force at ``ns`` that covers ``facility``, or ``None``.

        ``simulator.timeline``: ``at(ns).active_uats`` lists every window running (each with the
        ``facilities`` it covers; an empty scope covers them all).
        """
        if self.timeline is None:
            return None
        state = self.timeline.at(ns)
        windows = getattr(state, "active_uats", None)
        if windows is None:
            single = getattr(state, "active_uat", None)
            windows = [] if single is None else [single]
        for window in windows:
            scope = getattr(window, "facilities", None)
            if not scope or facility in scope or str(facility) in scope:
                return window
        return None

    def environment(self, session: SessionInfo, facility: FacilityId, ns: int) -> Environment:
        if session.region is Region.NTF:
            return Environment.NTF
        return (
            Environment.UAT if self.uat_window(facility, ns) is not None else Environment.PRODUCTION
        )

    # -- processing -------------------------------------------------------------------------------

    def batch(self) -> AbstractContextManager[None]:
        """One journal transaction around many submissions (group commit).

        Everything processed inside commits together when the block exits (the journal's
        :meth:`~simulator.journal.sqlite.SqliteJournal.batch`); a refusal inside still stands on
        its own. Write the answers after the block: that is the durability promise.
        """
        return self.journal.batch()

    def process(self, submission: Submission) -> Outcome:
        """Apply the rules and journal the result; raise on refusal.

        Raises :class:`DialectReject` (not yet journaled) for the service's own checks and lets
        the journal's :class:`LifecycleError` (already journaled) through.
        """
        facility = submission.facility
        ns = submission.received_ns
        if self.availability is not None:
            reason = self.availability(facility, ns)
            if reason is not None:
                raise DialectReject(reason, f"{facility} is not available")
        session = submission.session
        # environment(), with the UAT window looked up once: it is also the Outcome's ``uat``.
        uat = None if session.region is Region.NTF else self.uat_window(facility, ns)
        if session.region is Region.NTF:
            environment = Environment.NTF
        else:
            environment = Environment.PRODUCTION if uat is None else Environment.UAT
        report = submission.report
        if report is not None:
            session_id = report.session_id or session.session_id
            if (
                report.route is not Route.FIX
                or report.environment is not environment
                or report.region is not session.region
                or report.session_id != session_id
            ):  # a dialect usually builds it this way already: skip the copy then
                report = replace(
                    report,
                    route=Route.FIX,
                    environment=environment,
                    region=session.region,
                    session_id=session_id,
                )
        ref = submission.ref
        if ref is not None and ref.environment is not environment:
            ref = replace(ref, environment=environment)
        action = submission.action
        if action is Action.NEW:
            assert report is not None, "a new report needs its trade"
            decision = self._decide(facility, report, ns)
            stored = self.journal.submit(report, decision, ns)
            return Outcome(
                action, stored, None, decision, environment, stored.control_number,
                stored.control_date, uat,
            )  # fmt: skip
        assert ref is not None, f"a {action.value} needs a reference"
        original = self.journal.resolve(ref)
        self._check_window(submission, original, ns)
        if submission.check_original is not None:
            submission.check_original(original)
        actor = submission.session.firm
        session_id = submission.session.session_id
        if action is Action.CANCEL:
            stored = self.journal.cancel(ref, ns, actor=actor, session_id=session_id)
            return Outcome(
                action, stored, original, None, environment, stored.control_number,
                stored.control_date, uat,
            )  # fmt: skip
        if action is Action.CORRECT:
            assert report is not None, "a correction needs the replacement trade"
            decision = self._decide(facility, report, ns)
            stored = self.journal.correct(
                ref, report, decision, ns, actor=actor, session_id=session_id
            )
            return Outcome(
                action, stored, original, decision, environment, stored.control_number,
                stored.control_date, uat,
            )  # fmt: skip
        if action is Action.REVERSE:
            stored = self.journal.reverse(ref, ns, actor=actor, session_id=session_id)
            number = stored.successor_control_number or stored.control_number
            day = stored.successor_control_date or stored.control_date
            return Outcome(action, stored, original, None, environment, number, day, uat)
        raise AssertionError(f"unknown action {action}")  # pragma: no cover

    def _decide(self, facility: FacilityId, report: TradeReport, ns: int) -> Decision:
        if report.executed_ns > ns:
            raise DialectReject(
                EXECUTION_AFTER_REPORT,
                "the execution time is later than the time the facility received the report",
                60,
            )
        return self.assess(facility, report.executed_ns, ns)

    def _check_window(self, submission: Submission, original: StoredReport, ns: int) -> None:
        if submission.window_days is None or submission.action is Action.REVERSE:
            return
        today = local_date(ns)
        earliest = earliest_manageable(
            today, submission.window_days, calendar_for(market_of(submission.facility))
        )
        traded = original.report.trade_date
        if traded < earliest:
            raise DialectReject(
                NOT_WITHIN_ALLOWABLE_TIME,
                f"trade date {traded.isoformat()} is older than T-{submission.window_days} "
                f"business days (earliest {earliest.isoformat()}); report a reversal instead",
            )

    # -- journaling refusals and deliveries --------------------------------------------------------

    def record_reject(
        self,
        submission: Submission | None,
        *,
        facility: FacilityId,
        session: SessionInfo,
        action: Action,
        reject: DialectReject,
        ns: int,
        fallback_ref: ReportRef | None = None,
    ) -> RejectRecord:
        """Journal a refusal the journal did not make itself (validation, window, outage)."""
        environment = self.environment(session, facility, ns)
        subject: TradeReport | ReportRef
        if submission is not None and submission.report is not None:
            subject = replace(
                submission.report,
                route=Route.FIX,
                environment=environment,
                region=session.region,
                session_id=session.session_id,
            )
        elif submission is not None and submission.ref is not None:
            subject = replace(submission.ref, environment=environment)
        else:
            base = fallback_ref or ReportRef(
                facility=str(facility),
                mpid=session.mpids[0] if session.mpids else session.firm,
            )
            subject = replace(base, environment=environment)
        return self.journal.reject(
            subject,
            reject.reason,
            ns,
            action=action,
            detail=reject.detail,
            route=Route.FIX,
            session_id=session.session_id,
        )

    def record_delivery(
        self,
        *,
        recipient: str,
        msg_type: str,
        ns: int,
        environment: Environment,
        session_id: str | None = None,
        report_id: int | None = None,
        reject_id: int | None = None,
        registered: bool | None = None,
        detail: str = "",
    ) -> None:
        self.journal.record_delivery(
            recipient=recipient,
            msg_type=msg_type,
            ns=ns,
            report_id=report_id,
            reject_id=reject_id,
            environment=environment,
            session_id=session_id,
            registered=registered if environment is Environment.UAT else None,
            detail=detail,
        )

    def record_deliveries(self, notes: Sequence[DeliveryNote]) -> None:
        """Record several deliveries in one journal call (an acknowledgement and its allege);
        ``registered`` is kept only during a UAT, as in :meth:`record_delivery`."""
        self.journal.record_deliveries(
            [
                note
                if note.registered is None or note.environment is Environment.UAT
                else _unregistered(note)
                for note in notes
            ]
        )


def _unregistered(note: DeliveryNote) -> DeliveryNote:
    """``note`` without ``registered`` (it is only recorded during a UAT)."""
    return DeliveryNote(
        note.recipient, note.msg_type, note.ns, note.report_id, note.reject_id,
        note.environment, note.session_id, note.copy, None, note.detail,
    )  # fmt: skip


__all__ = [
    "Assess",
    "Availability",
    "LifecycleError",
    "Outcome",
    "ReportingService",
    "Submission",
    "earliest_manageable",
    "market_of",
]
