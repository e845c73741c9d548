"""The journal's interface and the records it returns.

The journal is the simulator's memory of everything a firm would ask the facility about later:
every accepted report with the control number and the timeliness decision the facility gave it,
every lifecycle transition, every reject, who received which acknowledgement, every injected
fault and every audited web action. One implementation exists (:mod:`simulator.journal.sqlite`,
a file or ``:memory:``); :class:`Journal` is the port the rest of the code depends on.

Records are frozen dataclasses of domain values (integer ns, :class:`~datetime.date`, enums), so
the FIX dialects and the web layer convert them at their own edge; ``to_json()`` gives the form
the control API and ``facsim journal --json`` print.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from simulator.domain.decision import Decision
from simulator.domain.lifecycle import LifecycleAction, Reason
from simulator.domain.trade import Action, Environment, ReportState, Route, TradeReport
from simulator.errors import SimulatorError
from simulator.timestamps import format_iso8601


class JournalClosed(SimulatorError):
    """The journal was used after :meth:`Journal.close`."""


def _iso(ns: int | None) -> str | None:
    return None if ns is None else format_iso8601(ns)


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def report_to_json(report: TradeReport) -> dict[str, Any]:
    """A :class:`TradeReport` as JSON-ready values (decimals as exact strings)."""
    return {
        "facility": str(report.facility),
        "reporting_mpid": report.reporting_mpid,
        "contra_mpid": report.contra_mpid,
        "side": report.side.value,
        "security": report.security,
        "security_id_source": report.security_id_source,
        "quantity": str(report.quantity),
        "price": str(report.price),
        "executed_ns": report.executed_ns,
        "executed": format_iso8601(report.executed_ns),
        "trade_date": report.trade_date.isoformat(),
        "client_ref": report.client_ref,
        "as_of": report.as_of,
        "capacity": report.capacity,
        "route": report.route.value,
        "environment": report.environment.value,
        "region": report.region.value,
        "session_id": report.session_id,
        "user": report.user,
        "memo": report.memo,
        "extra": dict(report.extra),
    }


@dataclass(frozen=True, slots=True)
class ReportRef:
    """How a firm points at one of its own reports: by control number (and control date, TRACE
    1003 + 22011), by its own client reference (TRACE 572 TradeReportRefID), or both.

    ``mpid`` is the reporting party making the request: the journal refuses to act on a report
    of any other MPID. ``environment`` keeps a Saturday UAT apart from production (seed 000).
    """

    facility: str
    mpid: str
    control_number: str | None = None
    control_date: dt.date | None = None
    client_ref: str | None = None
    environment: Environment = Environment.PRODUCTION

    def describe(self) -> str:
        parts = [f"{self.facility} {self.environment.value}", f"MPID {self.mpid}"]
        if self.control_number is not None:
            parts.append(f"control number {self.control_number}")
        if self.control_date is not None:
            parts.append(f"control date {self.control_date.isoformat()}")
        if self.client_ref is not None:
            parts.append(f"client ref {self.client_ref!r}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class StoredReport:
    """An accepted report as the journal holds it.

    ``origin`` is how the row came to exist (:attr:`Action.NEW`, or :attr:`Action.CORRECT` for
    the replacement a correction creates, with ``replaces_id`` the original). A corrected or
    reversed report names the control number issued for its correction or reversal in
    ``successor_control_number``/``successor_control_date``. ``duplicate_of`` is set when an
    earlier production report with the same MPID, security, quantity, price, side and execution
    time came by another route (issue 3 item 7; seed 001).
    """

    report_id: int
    control_number: str
    control_date: dt.date
    report: TradeReport
    decision: Decision
    state: ReportState
    received_ns: int
    state_ns: int
    origin: Action = Action.NEW
    replaces_id: int | None = None
    successor_control_number: str | None = None
    successor_control_date: dt.date | None = None
    duplicate_of: int | None = None

    @property
    def facility(self) -> str:
        return str(self.report.facility)

    @property
    def mpid(self) -> str:
        return self.report.reporting_mpid

    @property
    def environment(self) -> Environment:
        return self.report.environment

    @property
    def route(self) -> Route:
        return self.report.route

    @property
    def late(self) -> bool:
        return self.decision.late

    @property
    def modifier(self) -> str | None:
        return self.decision.modifier

    @property
    def lateness_ns(self) -> int:
        """How far past the deadline it arrived (negative: how much time was left)."""
        return self.received_ns - self.decision.deadline_ns

    def to_json(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "control_number": self.control_number,
            "control_date": self.control_date.isoformat(),
            "state": self.state.value,
            "state_ns": self.state_ns,
            "received_ns": self.received_ns,
            "received": format_iso8601(self.received_ns),
            "origin": self.origin.value,
            "replaces_id": self.replaces_id,
            "successor_control_number": self.successor_control_number,
            "successor_control_date": _day(self.successor_control_date),
            "duplicate_of": self.duplicate_of,
            "report": report_to_json(self.report),
            "decision": self.decision.to_json(),
        }


@dataclass(frozen=True, slots=True)
class LifecycleEvent:
    """One transition of one report: who did what, when, and the id it issued if any."""

    event_id: int
    report_id: int
    ns: int
    action: LifecycleAction
    from_state: ReportState
    to_state: ReportState
    actor: str
    reason: str | None = None
    control_number: str | None = None
    control_date: dt.date | None = None
    session_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "report_id": self.report_id,
            "ns": self.ns,
            "at": format_iso8601(self.ns),
            "action": self.action.value,
            "from_state": self.from_state.value,
            "to_state": self.to_state.value,
            "actor": self.actor,
            "reason": self.reason,
            "control_number": self.control_number,
            "control_date": _day(self.control_date),
            "session_id": self.session_id,
        }


@dataclass(frozen=True, slots=True)
class RejectRecord:
    """A refused submission: the facility's code and text, what was asked, and by whom.

    ``report`` is the submitted report when there was one (a refused new report or correction),
    so nothing the firm sent is lost.
    """

    reject_id: int
    ns: int
    facility: str
    mpid: str
    action: Action
    code: str
    text: str
    detail: str = ""
    client_ref: str | None = None
    control_number: str | None = None
    control_date: dt.date | None = None
    environment: Environment = Environment.PRODUCTION
    route: Route | None = None
    session_id: str | None = None
    report: TradeReport | None = None

    @property
    def reason(self) -> Reason:
        return Reason(self.code, self.text)

    def to_json(self) -> dict[str, Any]:
        return {
            "reject_id": self.reject_id,
            "ns": self.ns,
            "at": format_iso8601(self.ns),
            "facility": self.facility,
            "mpid": self.mpid,
            "action": self.action.value,
            "code": self.code,
            "text": self.text,
            "detail": self.detail,
            "client_ref": self.client_ref,
            "control_number": self.control_number,
            "control_date": _day(self.control_date),
            "environment": self.environment.value,
            "route": None if self.route is None else self.route.value,
            "session_id": self.session_id,
            "report": None if self.report is None else report_to_json(self.report),
        }


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outbound message handed to a recipient (seed 000: who received which ack).

    ``recipient`` is the firm (name or MPID) or CompID that received it; ``msg_type`` the wire
    type (e.g. ``AE/CAEN``, ``AR``, ``8``); ``copy`` marks a drop copy (797=Y); ``registered``
    records, during a UAT, whether the recipient had registered for the test (``None``
    outside a UAT).
    """

    delivery_id: int
    ns: int
    recipient: str
    msg_type: str
    environment: Environment = Environment.PRODUCTION
    report_id: int | None = None
    reject_id: int | None = None
    control_number: str | None = None
    control_date: dt.date | None = None
    session_id: str | None = None
    copy: bool = False
    registered: bool | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "ns": self.ns,
            "at": format_iso8601(self.ns),
            "recipient": self.recipient,
            "msg_type": self.msg_type,
            "environment": self.environment.value,
            "report_id": self.report_id,
            "reject_id": self.reject_id,
            "control_number": self.control_number,
            "control_date": _day(self.control_date),
            "session_id": self.session_id,
            "copy": self.copy,
            "registered": self.registered,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class DeliveryNote:
    """A delivery to record (the arguments of :meth:`Journal.record_delivery`), for
    :meth:`Journal.record_deliveries`, which writes several in one go: an acknowledgement and
    its contra-party allege, say."""

    recipient: str
    msg_type: str
    ns: int
    report_id: int | None = None
    reject_id: int | None = None
    environment: Environment | None = None
    session_id: str | None = None
    copy: bool = False
    registered: bool | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class FaultRecord:
    """An injected fault (issue 6): when, where (facility, session or message type), what."""

    fault_id: int
    ns: int
    scope: str
    kind: str
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "fault_id": self.fault_id,
            "ns": self.ns,
            "at": format_iso8601(self.ns),
            "scope": self.scope,
            "kind": self.kind,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audited action of the web front (login, MFA enrolment, report entry, download)."""

    audit_id: int
    ns: int
    actor: str
    action: str
    outcome: str
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "audit_id": self.audit_id,
            "ns": self.ns,
            "at": format_iso8601(self.ns),
            "actor": self.actor,
            "action": self.action,
            "outcome": self.outcome,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Production reports that agree on the six fields and came by more than one route."""

    mpid: str
    security: str
    quantity: Decimal
    price: Decimal
    side: str
    executed_ns: int
    reports: tuple[StoredReport, ...]

    @property
    def routes(self) -> tuple[Route, ...]:
        return tuple(sorted({stored.route for stored in self.reports}))

    def to_json(self) -> dict[str, Any]:
        return {
            "mpid": self.mpid,
            "security": self.security,
            "quantity": str(self.quantity),
            "price": str(self.price),
            "side": self.side,
            "executed_ns": self.executed_ns,
            "executed": format_iso8601(self.executed_ns),
            "routes": [route.value for route in self.routes],
            "reports": [
                {
                    "report_id": stored.report_id,
                    "control_number": stored.control_number,
                    "control_date": stored.control_date.isoformat(),
                    "route": stored.route.value,
                    "state": stored.state.value,
                    "received": format_iso8601(stored.received_ns),
                }
                for stored in self.reports
            ],
        }


@dataclass(frozen=True, slots=True)
class JournalStats:
    """Row counts and size on disk (for benchmarks: journal size per million reports)."""

    reports: int
    events: int
    rejects: int
    deliveries: int
    faults: int
    audit: int
    database_bytes: int
    wal_bytes: int
    #: the FIX message store kept in the same database (simulator/fix/store.py): sessions and
    #: stored outbound messages; 0 when no FIX component ever used this journal
    fix_sessions: int = 0
    fix_messages: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "reports": self.reports,
            "events": self.events,
            "rejects": self.rejects,
            "deliveries": self.deliveries,
            "faults": self.faults,
            "audit": self.audit,
            "fix_sessions": self.fix_sessions,
            "fix_messages": self.fix_messages,
            "database_bytes": self.database_bytes,
            "wal_bytes": self.wal_bytes,
        }


class Journal(Protocol):
    """What the FIX dialects, the web front, the control API and the CLI need of the journal.

    Every write commits before it returns (unless inside :meth:`batch`), so an acknowledgement
    written after a call returns is backed by a durable row. Lifecycle methods raise
    :class:`~simulator.domain.lifecycle.LifecycleError` (with the reject already journaled and
    attached as ``reject``) when the facility would refuse the request.
    """

    path: Path | None

    # -- reports and their lifecycle ------------------------------------------------------------
    def submit(
        self, report: TradeReport, decision: Decision, received_ns: int | None = None
    ) -> StoredReport: ...

    def reject(
        self,
        subject: TradeReport | ReportRef,
        reason: Reason,
        ns: int,
        *,
        action: Action = Action.NEW,
        detail: str = "",
        route: Route | None = None,
        session_id: str | None = None,
    ) -> RejectRecord: ...

    def cancel(
        self,
        ref: ReportRef,
        ns: int,
        *,
        actor: str | None = None,
        reason: str | None = None,
        session_id: str | None = None,
    ) -> StoredReport: ...

    def correct(
        self,
        ref: ReportRef,
        replacement: TradeReport,
        decision: Decision,
        ns: int | None = None,
        *,
        actor: str | None = None,
        reason: str | None = None,
        session_id: str | None = None,
    ) -> StoredReport: ...

    def reverse(
        self,
        ref: ReportRef,
        ns: int,
        *,
        actor: str | None = None,
        reason: str | None = None,
        session_id: str | None = None,
    ) -> StoredReport: ...

    def resolve(self, ref: ReportRef) -> StoredReport: ...

    def get(self, report_id: int) -> StoredReport | None: ...

    def query(
        self,
        *,
        facility: str | None = None,
        mpid: str | None = None,
        environment: Environment | None = None,
        state: ReportState | None = None,
        late: bool | None = None,
        since_ns: int | None = None,
        until_ns: int | None = None,
        route: Route | None = None,
        client_ref: str | None = None,
        session_id: str | None = None,
        origin: Action | None = None,
        duplicates_only: bool = False,
        limit: int | None = None,
    ) -> list[StoredReport]: ...

    def events(self, report_id: int | None = None) -> list[LifecycleEvent]: ...

    def rejects(
        self,
        *,
        facility: str | None = None,
        mpid: str | None = None,
        environment: Environment | None = None,
        since_ns: int | None = None,
        until_ns: int | None = None,
    ) -> list[RejectRecord]: ...

    def likely_duplicates(
        self,
        *,
        facility: str | None = None,
        mpid: str | None = None,
        since_ns: int | None = None,
        until_ns: int | None = None,
    ) -> list[DuplicateGroup]: ...

    # -- deliveries, faults, audit ----------------------------------------------------------------
    def record_delivery(
        self,
        *,
        recipient: str,
        msg_type: str,
        ns: int,
        report_id: int | None = None,
        reject_id: int | None = None,
        environment: Environment | None = None,
        session_id: str | None = None,
        copy: bool = False,
        registered: bool | None = None,
        detail: str = "",
    ) -> Delivery: ...

    def record_deliveries(self, notes: Sequence[DeliveryNote]) -> None:
        """Record several deliveries at once (all or none; ``KeyError`` for a missing report or
        reject), without building a :class:`Delivery` for each."""
        ...

    def deliveries(
        self,
        *,
        report_id: int | None = None,
        recipient: str | None = None,
        session_id: str | None = None,
        environment: Environment | None = None,
        since_ns: int | None = None,
        until_ns: int | None = None,
    ) -> list[Delivery]: ...

    def record_fault(self, ns: int, scope: str, kind: str, detail: str = "") -> FaultRecord: ...

    def next_in_sequence(self, name: str) -> int: ...

    def advance_sequence(self, name: str, next_value: int) -> None: ...

    def faults(
        self,
        *,
        scope: str | None = None,
        kind: str | None = None,
        since_ns: int | None = None,
        until_ns: int | None = None,
    ) -> list[FaultRecord]: ...

    def record_audit(
        self, ns: int, actor: str, action: str, outcome: str, detail: str = ""
    ) -> AuditRecord: ...

    def audit(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        since_ns: int | None = None,
        until_ns: int | None = None,
        limit: int | None = None,
    ) -> list[AuditRecord]: ...

    # -- transactions and housekeeping ------------------------------------------------------------
    def batch(self) -> AbstractContextManager[None]: ...

    def transaction(self) -> AbstractContextManager[Any]: ...

    def stats(self) -> JournalStats: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


__all__ = [
    "AuditRecord",
    "Delivery",
    "DeliveryNote",
    "DuplicateGroup",
    "FaultRecord",
    "Journal",
    "JournalClosed",
    "JournalStats",
    "LifecycleEvent",
    "RejectRecord",
    "ReportRef",
    "StoredReport",
    "report_to_json",
]
