"""Mapping between the journal's records and its SQLite rows, in one place.

Column lists, the report insert and the conversions both ways live here so the SQL in
:mod:`simulator.journal.sqlite` and the schema in ``schema.sql`` are checked against one list.
Decimals are stored as their exact text; the duplicate match key uses a canonical form so that
``100`` and ``100.00`` compare equal.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from simulator.domain.decision import Decision, Status
from simulator.domain.facility import Region
from simulator.domain.lifecycle import LifecycleAction
from simulator.domain.trade import Action, Environment, ReportState, Route, Side, TradeReport
from simulator.journal.base import (
    Delivery,
    LifecycleEvent,
    RejectRecord,
    StoredReport,
)

REPORT_COLUMNS: Final = (
    "report_id, control_number, control_date, facility, reporting_mpid, contra_mpid, side, "
    "security, security_id_source, quantity, price, executed_ns, trade_date, client_ref, as_of, "
    "capacity, route, environment, region, session_id, user, memo, extra, origin, received_ns, "
    "status, modifier, facility_code, decision_as_of, deadline_ns, rule, explanation, state, "
    "state_ns, replaces_id, successor_control_number, successor_control_date, duplicate_of"
)
_INSERT_REPORT_COLUMNS: Final = (
    "control_number, control_date, facility, reporting_mpid, contra_mpid, side, security, "
    "security_id_source, quantity, price, executed_ns, trade_date, client_ref, as_of, capacity, "
    "route, environment, region, session_id, user, memo, extra, origin, received_ns, status, "
    "modifier, facility_code, decision_as_of, deadline_ns, rule, explanation, state, state_ns, "
    "replaces_id, match_key, duplicate_of"
)
_REPORT_PARAMS: Final = ", ".join("?" * 35)  # every column but duplicate_of
#: Insert a report whose ``duplicate_of`` is given (``None`` outside production). The accept
#: event is written by the ``reports_accept_event`` trigger (schema.sql).
INSERT_REPORT: Final = (
    f"INSERT INTO reports ({_INSERT_REPORT_COLUMNS}) VALUES ({_REPORT_PARAMS}, ?) "
    "RETURNING report_id, duplicate_of"
)
#: Insert a production report; ``duplicate_of`` is found by the statement itself: the earliest
#: production report with the same MPID, execution time and match key that came by another
#: route (seed 001). Parameters: :func:`report_values` without its last item, then the MPID,
#: execution ns, match key and route again (the ``reports_duplicates`` index serves the lookup).
INSERT_PRODUCTION_REPORT: Final = (
    f"INSERT INTO reports ({_INSERT_REPORT_COLUMNS}) VALUES ({_REPORT_PARAMS}, "
    "(SELECT report_id FROM reports WHERE reporting_mpid = ? AND executed_ns = ? "
    "AND match_key = ? AND environment = 'production' AND route <> ? "
    "ORDER BY report_id LIMIT 1)) RETURNING report_id, duplicate_of"
)


#: ``json.dumps(extra, sort_keys=True)`` without building an encoder for every report.
_EXTRA_JSON: Final = json.JSONEncoder(sort_keys=True)


def canonical_decimal(value: Decimal) -> str:
    """A decimal as text that is equal for equal numbers (``100.00`` and ``1E+2`` -> ``100``)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def match_key(report: TradeReport) -> str:
    """The fields besides MPID and execution time that make two reports likely duplicates."""
    return (
        f"{report.security}|{report.side.value}|{canonical_decimal(report.quantity)}|"
        f"{canonical_decimal(report.price)}"
    )


def parse_date(text: str | None) -> dt.date | None:
    """An ISO date column, or ``None``."""
    return None if text is None else dt.date.fromisoformat(text)


def report_from_row(row: Sequence[Any]) -> StoredReport:
    (
        report_id,
        control_number,
        control_date,
        facility,
        reporting_mpid,
        contra_mpid,
        side,
        security,
        security_id_source,
        quantity,
        price,
        executed_ns,
        trade_date,
        client_ref,
        as_of,
        capacity,
        route,
        environment,
        region,
        session_id,
        user,
        memo,
        extra,
        origin,
        received_ns,
        status,
        modifier,
        facility_code,
        decision_as_of,
        deadline_ns,
        rule,
        explanation,
        state,
        state_ns,
        replaces_id,
        successor_control_number,
        successor_control_date,
        duplicate_of,
    ) = row
    report = TradeReport(
        facility=facility,
        reporting_mpid=reporting_mpid,
        side=Side(side),
        security=security,
        quantity=Decimal(quantity),
        price=Decimal(price),
        executed_ns=executed_ns,
        trade_date=dt.date.fromisoformat(trade_date),
        client_ref=client_ref,
        contra_mpid=contra_mpid,
        security_id_source=security_id_source,
        as_of=bool(as_of),
        capacity=capacity,
        route=Route(route),
        environment=Environment(environment),
        region=Region(region),
        session_id=session_id,
        user=user,
        memo=memo,
        extra=json.loads(extra) if extra else {},
    )
    decision = Decision(
        facility=facility,
        executed_ns=executed_ns,
        received_ns=received_ns,
        status=Status(status),
        modifier=modifier,
        facility_code=facility_code,
        as_of=bool(decision_as_of),
        deadline_ns=deadline_ns,
        rule=rule,
        explanation=explanation,
    )
    return StoredReport(
        report_id=report_id,
        control_number=control_number,
        control_date=dt.date.fromisoformat(control_date),
        report=report,
        decision=decision,
        state=ReportState(state),
        received_ns=received_ns,
        state_ns=state_ns,
        origin=Action(origin),
        replaces_id=replaces_id,
        successor_control_number=successor_control_number,
        successor_control_date=parse_date(successor_control_date),
        duplicate_of=duplicate_of,
    )


def report_from_json(data: dict[str, Any]) -> TradeReport:
    return TradeReport(
        facility=data["facility"],
        reporting_mpid=data["reporting_mpid"],
        side=Side(data["side"]),
        security=data["security"],
        quantity=Decimal(data["quantity"]),
        price=Decimal(data["price"]),
        executed_ns=int(data["executed_ns"]),
        trade_date=dt.date.fromisoformat(data["trade_date"]),
        client_ref=data["client_ref"],
        contra_mpid=data["contra_mpid"],
        security_id_source=data["security_id_source"],
        as_of=bool(data["as_of"]),
        capacity=data["capacity"],
        route=Route(data["route"]),
        environment=Environment(data["environment"]),
        region=Region(data["region"]),
        session_id=data["session_id"],
        user=data["user"],
        memo=data["memo"],
        extra=dict(data["extra"]),
    )


EVENT_COLUMNS: Final = (
    "event_id, report_id, ns, action, from_state, to_state, actor, reason, control_number, "
    "control_date, session_id"
)


def event_from_row(row: Sequence[Any]) -> LifecycleEvent:
    return LifecycleEvent(
        event_id=row[0],
        report_id=row[1],
        ns=row[2],
        action=LifecycleAction(row[3]),
        from_state=ReportState(row[4]),
        to_state=ReportState(row[5]),
        actor=row[6],
        reason=row[7],
        control_number=row[8],
        control_date=parse_date(row[9]),
        session_id=row[10],
    )


REJECT_COLUMNS: Final = (
    "reject_id, ns, facility, mpid, action, code, text, detail, client_ref, control_number, "
    "control_date, environment, route, session_id, report"
)


def reject_from_row(row: Sequence[Any]) -> RejectRecord:
    return RejectRecord(
        reject_id=row[0],
        ns=row[1],
        facility=row[2],
        mpid=row[3],
        action=Action(row[4]),
        code=row[5],
        text=row[6],
        detail=row[7],
        client_ref=row[8],
        control_number=row[9],
        control_date=parse_date(row[10]),
        environment=Environment(row[11]),
        route=None if row[12] is None else Route(row[12]),
        session_id=row[13],
        report=None if row[14] is None else report_from_json(json.loads(row[14])),
    )


DELIVERY_COLUMNS: Final = (
    "delivery_id, ns, recipient, msg_type, environment, report_id, reject_id, control_number, "
    "control_date, session_id, copy, registered, detail"
)


_DELIVERY_INSERT: Final = (
    "INSERT INTO deliveries (ns, recipient, msg_type, environment, report_id, reject_id, "
    "control_number, control_date, session_id, copy, registered, detail) "
)
_DELIVERY_RETURNING: Final = " RETURNING delivery_id, environment, control_number, control_date"
#: A delivery about a report: control number, date and (unless given) environment come from
#: the report. Parameters: ns, recipient, msg_type, environment or None, reject_id, session_id,
#: copy, registered, detail, report_id. No row is inserted when the report does not exist.
INSERT_DELIVERY_FOR_REPORT: Final = (
    _DELIVERY_INSERT
    + "SELECT ?, ?, ?, coalesce(?, environment), report_id, ?, control_number, control_date, "
    "?, ?, ?, ? FROM reports WHERE report_id = ?" + _DELIVERY_RETURNING
)
#: A delivery about a reject: the environment (unless given) comes from the reject.
#: Parameters: ns, recipient, msg_type, environment or None, session_id, copy, registered,
#: detail, reject_id.
INSERT_DELIVERY_FOR_REJECT: Final = (
    _DELIVERY_INSERT
    + "SELECT ?, ?, ?, coalesce(?, environment), NULL, reject_id, NULL, NULL, ?, ?, ?, ? "
    "FROM rejects WHERE reject_id = ?" + _DELIVERY_RETURNING
)
#: A delivery about neither (production unless an environment is given).
INSERT_DELIVERY: Final = (
    _DELIVERY_INSERT
    + "VALUES (?, ?, ?, coalesce(?, 'production'), NULL, NULL, NULL, NULL, ?, ?, ?, ?)"
    + _DELIVERY_RETURNING
)


def delivery_from_row(row: Sequence[Any]) -> Delivery:
    return Delivery(
        delivery_id=row[0],
        ns=row[1],
        recipient=row[2],
        msg_type=row[3],
        environment=Environment(row[4]),
        report_id=row[5],
        reject_id=row[6],
        control_number=row[7],
        control_date=parse_date(row[8]),
        session_id=row[9],
        copy=bool(row[10]),
        registered=None if row[11] is None else bool(row[11]),
        detail=row[12],
    )


def report_values(
    report: TradeReport,
    decision: Decision,
    *,
    control_number: str,
    control_date: dt.date,
    received_ns: int,
    state: ReportState,
    origin: Action,
    replaces_id: int | None,
    duplicate_of: int | None,
) -> tuple[Any, ...]:
    """The parameters of :data:`INSERT_REPORT` for one accepted report."""
    return (
        control_number,
        control_date.isoformat(),
        str(report.facility),
        report.reporting_mpid,
        report.contra_mpid,
        report.side.value,
        report.security,
        report.security_id_source,
        str(report.quantity),
        str(report.price),
        report.executed_ns,
        report.trade_date.isoformat(),
        report.client_ref,
        int(report.as_of),
        report.capacity,
        report.route.value,
        report.environment.value,
        report.region.value,
        report.session_id,
        report.user,
        report.memo,
        _EXTRA_JSON.encode(report.extra) if report.extra else None,
        origin.value,
        received_ns,
        decision.status.value,
        decision.modifier,
        decision.facility_code,
        int(decision.as_of),
        decision.deadline_ns,
        decision.rule,
        decision.explanation,
        state.value,
        received_ns,
        replaces_id,
        match_key(report),
        duplicate_of,
    )


__all__ = [
    "DELIVERY_COLUMNS",
    "EVENT_COLUMNS",
    "INSERT_DELIVERY",
    "INSERT_DELIVERY_FOR_REJECT",
    "INSERT_DELIVERY_FOR_REPORT",
    "INSERT_PRODUCTION_REPORT",
    "INSERT_REPORT",
    "REJECT_COLUMNS",
    "REPORT_COLUMNS",
    "canonical_decimal",
    "delivery_from_row",
    "event_from_row",
    "match_key",
    "parse_date",
    "reject_from_row",
    "report_from_json",
    "report_from_row",
    "report_values",
]
