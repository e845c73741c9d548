"""TRAQS pages: trade entry (report, cancel, correct), the trade journal display, the firm's late
reports by MPID and desk, UAT registration and (after the API's MFA date) API tokens.

Trades entered here go through the same timeliness engine
(:func:`simulator.facilities.timeliness.assess`) and into the same journal as trades sent over
FIX, marked with the route they came by -- ``web-certificate`` or ``web-mfa`` (seed 001: during
the parallel period both web routes reach the production host; the journal flags likely
duplicates across routes). A report entered on the production site during a Saturday UAT is
journaled in the UAT environment, one entered on the NTF site in the NTF (seed 000).

A user sees and acts on the reports of the MPIDs they are entitled to and nothing else: a report
of another firm, or of an MPID the user is not entitled to, answers "not found" -- the page
does not even confirm it exists -- and the attempt is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from simulator.domain.decision import Decision
from simulator.domain.facility import Region
from simulator.domain.trade import Environment, ReportState, Route, TradeReport
from simulator.entitlement.model import Account
from simulator.entitlement.policy import Action, Resource
from simulator.errors import UserInputError
from simulator.facilities.timeliness import assess
from simulator.journal.base import ReportRef, StoredReport
from simulator.supervision.reports import late_by_desk, late_by_mpid, unmapped_mpids
from simulator.timeline import Auth
from simulator.timestamps import format_iso8601, local_date, local_ns
from simulator.web.app import (
    field,
    now_of,
    redirect,
    render,
    require_csrf,
    site_of,
    state_of,
)
from simulator.web.charts import Bar, stacked_bars
from simulator.web.errors import WebError
from simulator.web.forms import FACILITY_LABELS, TRAQS_FACILITIES, FormErrors, parse_trade
from simulator.web.login import require_user
from simulator.web.sessions import Session
from simulator.web.uat import RegistrationClosed, describe_day, describe_instant

MAX_ROWS = 500


async def home(request: web.Request) -> web.StreamResponse:
    from simulator.web.app import session_of

    session = session_of(request)
    return redirect(request, "/trades" if session and session.logged_in else "/login")


def _route(session: Session) -> Route:
    return Route.WEB_CERTIFICATE if session.route == "certificate" else Route.WEB_MFA


def _environment(request: web.Request) -> Environment:
    return state_of(request).environment(site_of(request).region, now_of(request))


def _entitled_mpids(account: Account) -> list[str]:
    return sorted(account.mpids)


def _can_report(request: web.Request, account: Account) -> bool:
    state = state_of(request)
    resource = Resource(account.org_id, region=site_of(request).region)
    return bool(
        state.directory.check(
            account.username, Action.REPORT_TRADE, resource, now_of(request), audit=False
        )
    )


def _common(request: web.Request, account: Account, session: Session) -> dict[str, Any]:
    state, site, now = state_of(request), site_of(request), now_of(request)
    timeline = state.timeline.at(now)
    org = state.directory.organisation(account.org_id)
    return {
        "account": account,
        "org": org,
        "route": _route(session).value,
        "environment": _environment(request).value,
        "region": site.region.value if site.region else "any",
        "uat": timeline.active_uat,
        "can_report": _can_report(request, account),
        "mfa_api": state.timeline.at(now).api_auth(site.region or "production") is Auth.MFA,
    }


# -- the trade journal display ------------------------------------------------------------------


def _owned(request: web.Request, account: Account, report_id: str) -> StoredReport:
    """The report, if it is one of this user's MPIDs; otherwise "not found" (and audited)."""
    state, now = state_of(request), now_of(request)
    stored = None
    if report_id.isdigit() and len(report_id) < 19:
        stored = state.journal.get(int(report_id))
    if stored is None or stored.mpid not in account.mpids:
        detail = f"report={report_id}" + (f" mpid={stored.mpid}" if stored else "")
        state.audit(now, account.username, "trade-access", "refused:not-found", detail)
        raise WebError(
            404,
            "trade-not-found",
            "There is no trade with that number among the reports of your MPIDs.",
        )
    return stored


def _day(text: str, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserInputError("enter a date as YYYY-MM-DD", source=name) from None


def _choice(value: str, allowed: list[str], name: str) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise UserInputError(f"choose one of {', '.join(allowed)}", source=name)
    return value


async def trades(request: web.Request) -> web.StreamResponse:
    session, account = require_user(request)
    state, now = state_of(request), now_of(request)
    query = request.query
    mpids = _entitled_mpids(account)
    mpid = _choice(query.get("mpid", ""), mpids, "MPID")
    facility = _choice(
        query.get("facility", ""),
        [f.value for f in TRAQS_FACILITIES]
        + ["nasdaq-trf-carteret", "nasdaq-trf-chicago", "nyse-trf"],
        "facility",
    )
    state_filter = _choice(query.get("state", ""), [s.value for s in ReportState], "state")
    late = _choice(query.get("late", ""), ["yes", "no"], "late")
    route = _choice(query.get("route", ""), [r.value for r in Route], "route")
    env_text = _choice(query.get("environment", ""), [e.value for e in Environment], "environment")
    environment = Environment(env_text) if env_text else _environment(request)
    day_from = _day(query.get("from", ""), "from")
    day_to = _day(query.get("to", ""), "to")
    found: list[StoredReport] = []
    for one in [mpid] if mpid else mpids:
        found.extend(
            state.journal.query(
                mpid=one,
                facility=facility,
                environment=environment,
                state=ReportState(state_filter) if state_filter else None,
                late=None if late is None else late == "yes",
                route=Route(route) if route else None,
                since_ns=local_ns(day_from, 0) if day_from else None,
                until_ns=local_ns(day_to + dt.timedelta(days=1), 0) if day_to else None,
            )
        )
    found.sort(key=lambda s: (s.received_ns, s.report_id), reverse=True)
    state.audit(now, account.username, "view-trades", "ok", f"rows={len(found)}")
    context = _common(request, account, session)
    context.update(
        {
            "reports": found[:MAX_ROWS],
            "truncated": len(found) > MAX_ROWS,
            "mpids": mpids,
            "facilities": FACILITY_LABELS,
            "states": [s.value for s in ReportState],
            "routes": [r.value for r in Route],
            "environments": [e.value for e in Environment],
            "filters": {
                "mpid": mpid or "",
                "facility": facility or "",
                "state": state_filter or "",
                "late": late or "",
                "route": route or "",
                "environment": environment.value,
                "from": query.get("from", ""),
                "to": query.get("to", ""),
            },
            "highlight": query.get("highlight", ""),
        }
    )
    return await render(request, "trades.html", context)


# -- report, cancel, correct --------------------------------------------------------------------


def _defaults(now: int, account: Account) -> dict[str, str]:
    stamp = format_iso8601(now, precision=0)
    return {
        "facility": "trace-ca",
        "reporting_mpid": _entitled_mpids(account)[0] if account.mpids else "",
        "side": "B",
        "security": "",
        "security_type": "auto",
        "quantity": "",
        "price": "",
        "trade_date": stamp[:10],
        "execution_time": stamp[11:19],
        "contra_mpid": "",
        "capacity": "P",
        "client_ref": "",
        "memo": "",
    }


def _values_of(stored: StoredReport) -> dict[str, str]:
    report = stored.report
    executed = format_iso8601(report.executed_ns)
    return {
        "facility": report.facility,
        "reporting_mpid": report.reporting_mpid,
        "side": report.side.value,
        "security": report.security,
        "security_type": "cusip" if report.security_id_source == "1" else "symbol",
        "quantity": str(report.quantity),
        "price": str(report.price),
        "trade_date": executed[:10],
        "execution_time": executed[11:29],
        "contra_mpid": report.contra_mpid or "",
        "capacity": report.capacity or "P",
        "client_ref": report.client_ref,
        "memo": report.memo or "",
    }


async def _form(
    request: web.Request,
    account: Account,
    session: Session,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    correcting: StoredReport | None = None,
    status: int = 200,
) -> web.StreamResponse:
    context = _common(request, account, session)
    context.update(
        {
            "values": values,
            "errors": errors or {},
            "mpids": _entitled_mpids(account),
            "facilities": FACILITY_LABELS,
            "correcting": correcting,
        }
    )
    return await render(request, "trade_form.html", context, status=status)


async def new_trade(request: web.Request) -> web.StreamResponse:
    session, account = require_user(request)
    return await _form(request, account, session, _defaults(now_of(request), account))


def _assess(report: TradeReport, now: int) -> Decision:
    return assess(report.facility, report.executed_ns, now)


def _parse(
    request: web.Request,
    form: Any,
    account: Account,
    session: Session,
    *,
    original: StoredReport | None = None,
) -> TradeReport:
    state, site, now = state_of(request), site_of(request), now_of(request)
    values = {name: field(form, name, 100) for name in _defaults(now, account)}
    return parse_trade(
        values,
        allowed_mpids=set(account.mpids),
        now_ns=now,
        user=account.username,
        route=_route(session),
        environment=original.environment if original else _environment(request),
        region=site.region or (original.report.region if original else Region.PRODUCTION),
        make_client_ref=state.next_client_ref,
        facility_fixed=original.facility if original else None,
        mpid_fixed=original.mpid if original else None,
    )


def _audit_mpid(request: web.Request, account: Account, mpid: str, errors: dict[str, str]) -> None:
    """An MPID the user is not entitled to is a policy refusal too: record it as one."""
    if "reporting_mpid" not in errors or not mpid:
        return
    resource = Resource(account.org_id, region=site_of(request).region, mpid=mpid.upper()[:8])
    state_of(request).directory.check(
        account.username, Action.REPORT_TRADE, resource, now_of(request), audit=False
    )


def _outcome(stored: StoredReport) -> str:
    decision = stored.decision
    timing = "late" if decision.late else "on time"
    modifier = f", modifier {decision.modifier}" if decision.modifier else ""
    as_of = ", as/of" if decision.as_of else ""
    return (
        f"control number {stored.control_number} ({stored.control_date.isoformat()}): "
        f"{timing}{modifier}{as_of}. {decision.explanation}"
    )


async def report_trade(request: web.Request) -> web.StreamResponse:
    session, account = require_user(request)
    session, form = await require_csrf(request)
    state, site, now = state_of(request), site_of(request), now_of(request)
    try:
        report = _parse(request, form, account, session)
    except FormErrors as exc:
        state.audit(now, account.username, "report-trade", "refused:form", ", ".join(exc.errors))
        _audit_mpid(request, account, exc.values.get("reporting_mpid", ""), exc.errors)
        return await _form(request, account, session, exc.values, errors=exc.errors, status=400)
    state.directory.require(
        account.username,
        Action.REPORT_TRADE,
        Resource(account.org_id, region=site.region, mpid=report.reporting_mpid),
        now,
    )
    decision = _assess(report, now)
    report = report.with_changes(as_of=decision.as_of)
    stored = state.journal.submit(report, decision, now)
    state.audit(
        now,
        account.username,
        "report-trade",
        "ok",
        f"control={stored.control_number} mpid={stored.mpid} route={report.route.value}",
    )
    session.say("ok", f"Trade reported: {_outcome(stored)}")
    if stored.duplicate_of is not None:
        session.say(
            "error",
            "Warning: a report with the same MPID, security, quantity, price, side and "
            "execution time already reached the production host by another route. During the "
            "parallel period do not duplicate transactions (FINRA technical notice 2021-02-22).",
        )
    return redirect(request, f"/trades?highlight={stored.report_id}")


async def cancel_trade(request: web.Request) -> web.StreamResponse:
    session, account = require_user(request)
    session, _ = await require_csrf(request)
    state, site, now = state_of(request), site_of(request), now_of(request)
    stored = _owned(request, account, request.match_info["report_id"])
    state.directory.require(
        account.username,
        Action.REPORT_TRADE,
        Resource(account.org_id, region=site.region, mpid=stored.mpid),
        now,
    )
    ref = ReportRef(
        facility=stored.facility,
        mpid=stored.mpid,
        control_number=stored.control_number,
        control_date=stored.control_date,
        environment=stored.environment,
    )
    cancelled = state.journal.cancel(
        ref, now, actor=account.username, reason=f"cancelled on TRAQS ({_route(session).value})"
    )
    state.audit(now, account.username, "cancel-trade", "ok", f"control={cancelled.control_number}")
    session.say("ok", f"Trade {cancelled.control_number} cancelled.")
    return redirect(request, f"/trades?highlight={cancelled.report_id}")


async def correct_form(request: web.Request) -> web.StreamResponse:
    session, account = require_user(request)
    stored = _owned(request, account, request.match_info["report_id"])
    return await _form(request, account, session, _values_of(stored), correcting=stored)


async def correct_trade(request: web.Request) -> web.StreamResponse:
    session, account = require_user(request)
    session, form = await require_csrf(request)
    state, site, now = state_of(request), site_of(request), now_of(request)
    stored = _owned(request, account, request.match_info["report_id"])
    try:
        replacement = _parse(request, form, account, session, original=stored)
    except FormErrors as exc:
        state.audit(now, account.username, "correct-trade", "refused:form", ", ".join(exc.errors))
        return await _form(
            request, account, session, exc.values, errors=exc.errors, correcting=stored, status=400
        )
    state.directory.require(
        account.username,
        Action.REPORT_TRADE,
        Resource(account.org_id, region=site.region, mpid=stored.mpid),
        now,
    )
    decision = _assess(replacement, now)
    replacement = replacement.with_changes(as_of=decision.as_of)
    ref = ReportRef(
        facility=stored.facility,
        mpid=stored.mpid,
        control_number=stored.control_number,
        control_date=stored.control_date,
        environment=stored.environment,
    )
    corrected = state.journal.correct(
        ref, replacement, decision, now, actor=account.username, reason="corrected on TRAQS"
    )
    state.audit(
        now,
        account.username,
        "correct-trade",
        "ok",
        f"old={stored.control_number} new={corrected.control_number}",
    )
    session.say(
        "ok", f"Trade {stored.control_number} corrected; the correction has {_outcome(corrected)}"
    )
    return redirect(request, f"/trades?highlight={corrected.report_id}")


# -- late reports by MPID and desk --------------------------------------------------------------


async def late_reports(request: web.Request) -> web.StreamResponse:
    session, account = require_user(request)
    state, now = state_of(request), now_of(request)
    query = request.query
    today = local_date(now)
    day_to = _day(query.get("to", ""), "to") or today
    day_from = _day(query.get("from", ""), "from") or (day_to - dt.timedelta(days=29))
    if day_from > day_to:
        raise UserInputError("the start date is after the end date", source="from")
    env_text = _choice(query.get("environment", ""), [e.value for e in Environment], "environment")
    environment = Environment(env_text) if env_text else _environment(request)
    since, until = local_ns(day_from, 0), local_ns(day_to + dt.timedelta(days=1), 0)
    reports = [
        stored
        for mpid in _entitled_mpids(account)
        for stored in state.journal.query(
            mpid=mpid, environment=environment, since_ns=since, until_ns=until
        )
        if stored.origin.value == "new"
    ]
    by_mpid = late_by_mpid(reports, state.roster)
    by_desk = late_by_desk(reports, state.roster)
    unmapped = unmapped_mpids(reports, state.roster)
    context = _common(request, account, session)
    context.update(
        {
            "by_mpid": by_mpid,
            "by_desk": by_desk,
            "unmapped": unmapped,
            "total": len(reports),
            "late_total": sum(1 for s in reports if s.late),
            "late_list": sorted((s for s in reports if s.late), key=lambda s: s.received_ns),
            "chart_mpid": stacked_bars(
                [Bar(r.group, r.reports - r.late, r.late) for r in by_mpid],
                "Late reports by MPID",
            ),
            "chart_desk": stacked_bars(
                [Bar(r.group, r.reports - r.late, r.late) for r in by_desk],
                "Late reports by desk",
            ),
            "period": {"from": day_from.isoformat(), "to": day_to.isoformat()},
            "env_filter": environment.value,
            "environments": [e.value for e in Environment],
            "roster": state.roster,
        }
    )
    state.audit(now, account.username, "view-late-reports", "ok", f"rows={len(reports)}")
    return await render(request, "late.html", context)


# -- UAT registration (seed 000) ------------------------------------------------------------------


def _uat_windows(request: web.Request) -> list[dict[str, Any]]:
    state, now = state_of(request), now_of(request)
    windows = []
    for uat in state.timeline.uat_windows():
        if uat.end_ns <= now:
            continue
        deadline = uat.registration_deadline_ns or uat.start_ns
        windows.append(
            {
                "uat": uat,
                "day": describe_day(uat.day),
                "window": f"{format_iso8601(uat.start_ns, precision=0)[11:16]} to "
                f"{format_iso8601(uat.end_ns, precision=0)[11:16]} ET",
                "deadline": describe_instant(deadline),
                "open": uat.registration_open(now),
            }
        )
    return windows


async def uat_page(
    request: web.Request,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> web.StreamResponse:
    session, account = require_user(request)
    state = state_of(request)
    org = state.directory.organisation(account.org_id)
    context = _common(request, account, session)
    context.update(
        {
            "windows": _uat_windows(request),
            "registrations": [r for r in state.uat.registrations() if r.org_id == org.org_id],
            "errors": errors or {},
            "values": values
            or {
                "firm_name": org.name,
                "mpids": " ".join(sorted(account.mpids or org.mpids)),
                "testers": account.name,
                "web_usernames": account.username,
                "uat": "",
            },
        }
    )
    return await render(request, "uat.html", context, status=status)


async def uat_get(request: web.Request) -> web.StreamResponse:
    return await uat_page(request)


def _split(text: str) -> list[str]:
    return [part for part in text.replace(",", "\n").replace(";", "\n").splitlines() if part]


async def uat_post(request: web.Request) -> web.StreamResponse:
    session, account = require_user(request)
    session, form = await require_csrf(request)
    state, now = state_of(request), now_of(request)
    values = {
        name: field(form, name, 4000)
        for name in ("uat", "firm_name", "mpids", "testers", "web_usernames")
    }
    state.directory.require(account.username, Action.REGISTER_UAT, Resource(account.org_id), now)
    try:
        uat = state.timeline.uat(values["uat"])
    except UserInputError:
        return await uat_page(
            request, errors={"uat": "choose one of the scheduled tests"}, values=values, status=400
        )
    org = state.directory.organisation(account.org_id)
    try:
        registration = state.uat.register(
            uat,
            org_id=org.org_id,
            org_mpids=set(org.mpids),
            org_usernames={a.username for a in state.directory.accounts(org.org_id)},
            firm_name=values["firm_name"],
            mpids=values["mpids"].replace(",", " ").split(),
            testers=_split(values["testers"]),
            web_usernames=values["web_usernames"].replace(",", " ").split(),
            registered_by=account.username,
            now_ns=now,
        )
    except RegistrationClosed as exc:
        state.audit(now, account.username, "uat-registration", "refused:deadline", uat.key)
        message = str(exc).split(": ", 1)[-1]
        return await uat_page(request, errors={"uat": message}, values=values, status=403)
    except UserInputError as exc:
        state.audit(now, account.username, "uat-registration", "refused:form", exc.source or "")
        message = str(exc).split(": ", 1)[-1]
        return await uat_page(
            request, errors={exc.source or "uat": message}, values=values, status=400
        )
    state.audit(now, account.username, "uat-registration", "ok", uat.key)
    state.outbox.send_email(
        account.username,
        f"UAT registration received: {describe_day(uat.day)}",
        f"FINRA Market Operations received the registration of {registration.firm_name} for "
        f"the production test on {describe_day(uat.day)}.\nMPIDs: "
        f"{', '.join(registration.mpids)}\nTesters: {', '.join(registration.testers)}\nWeb user "
        f"names: {', '.join(registration.web_usernames) or '(none)'}\n",
        sent_ns=now,
        tags={"kind": "uat-registration", "uat": uat.key, "org_id": org.org_id},
    )
    session.say(
        "ok", f"{registration.firm_name} is registered for the {describe_day(uat.day)} test."
    )
    return redirect(request, "/uat")


# -- API refresh tokens (reference-data API MFA era) --------------------------------------------


async def api_token_get(request: web.Request) -> web.StreamResponse:
    session, account = require_user(request)
    context = _common(request, account, session)
    context["token"] = None
    return await render(request, "api_token.html", context)


async def api_token_post(request: web.Request) -> web.StreamResponse:
    session, account = require_user(request)
    session, _ = await require_csrf(request)
    state, site, now = state_of(request), site_of(request), now_of(request)
    if session.route != "mfa":
        raise WebError(403, "mfa-required", "API tokens are issued to MFA logins only.")
    if state.timeline.at(now).api_auth(site.region or "production") is not Auth.MFA:
        raise WebError(
            409,
            "api-not-mfa-yet",
            "The reference-data API still takes a digital certificate, login ID and password; "
            "tokens are issued from its MFA date (2024-09-30).",
        )
    state.directory.require(
        account.username, Action.DOWNLOAD_REFDATA, Resource(account.org_id), now
    )
    issued = state.tokens.issue_refresh(account.username, now)
    state.audit(now, account.username, "api-refresh-token", "issued", "")
    context = _common(request, account, session)
    context["token"] = issued
    return await render(request, "api_token.html", context)


def register(app: web.Application) -> None:
    app.router.add_get("/trades", trades, name="traqs:trades")
    app.router.add_get("/trades/new", new_trade, name="traqs:new-trade")
    app.router.add_post("/trades", report_trade, name="traqs:report")
    app.router.add_post(r"/trades/{report_id}/cancel", cancel_trade, name="traqs:cancel")
    app.router.add_get(r"/trades/{report_id}/correct", correct_form, name="traqs:correct-form")
    app.router.add_post(r"/trades/{report_id}/correct", correct_trade, name="traqs:correct")
    app.router.add_get("/late", late_reports, name="traqs:late")
    app.router.add_get("/uat", uat_get, name="traqs:uat")
    app.router.add_post("/uat", uat_post, name="traqs:uat-post")
    app.router.add_get("/api-token", api_token_get, name="traqs:api-token")
    app.router.add_post("/api-token", api_token_post, name="traqs:api-token-post")
