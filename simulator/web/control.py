"""The control API: plain HTTP + JSON on a loopback port, for steps, harnesses and firms' tests.

What a test needs to drive the simulator without touching its internals (in the manner of
moto's ``/moto-api`` and LocalStack's ``/_localstack`` endpoints): health and readiness, reset,
the clock (read, set, advance), the captured outbox (emails, SMS and voice codes), journal
queries, the audit log, the timeline, the endpoints, a few entitlement and MFA helpers, the fault
switches (``/faults``: arm, list, cancel; ``/journal/faults``: what was injected, and what the
firms' engines did wrong on the FIX connections), and its own
OpenAPI document at ``/openapi.json`` (the same text as ``docs/openapi.json``).

Every body and query is validated; a bad one gets ``400 {"error": code, "message": ...}``
naming the field, an unknown path ``404``, a clock that cannot be set ``409``. A 5xx is a bug:
the fuzz test (``tests/unit/web/test_control_fuzz.py``) drives every endpoint with generated
input and expects none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from aiohttp import web

from simulator.clock import DAY, HOUR, MICROSECOND, MILLISECOND, MINUTE, SECOND, SettableClock
from simulator.domain.trade import Environment, ReportState, Route
from simulator.errors import UserInputError
from simulator.faults.plan import FaultStatus
from simulator.faults.spec import INCIDENT_KINDS, FaultKind, FaultSpecError, parse_fault
from simulator.outbox import Channel
from simulator.runtime import SimulatorContext
from simulator.timestamps import TimestampError, format_iso8601, parse_iso8601
from simulator.web.errors import WebError, error_middleware

CONTEXT = web.AppKey("context", SimulatorContext)
READY = web.AppKey("ready", dict)

#: Instants the clock may be set to: 1970-01-01 up to 2200-01-01 (dates beyond are not
#: meaningful for any facility and break calendar arithmetic).
MAX_INSTANT_NS = 7_258_118_400 * SECOND
MAX_LIMIT = 10_000
_UNITS = {
    "d": DAY,
    "h": HOUR,
    "m": MINUTE,
    "s": SECOND,
    "ms": MILLISECOND,
    "us": MICROSECOND,
    "ns": 1,
}
_DURATION_PART = re.compile(r"(\d{1,12}(?:\.\d{1,9})?)(ms|us|ns|d|h|m|s)")


def parse_duration(text: str) -> int:
    """``"15m"``, ``"1h30m"``, ``"10.000000001s"``, ``"250ms"`` -> exact nanoseconds."""
    compact = text.replace(" ", "")
    if not compact:
        raise UserInputError("is empty", source="advance")
    position = 0
    total = Decimal(0)
    for match in _DURATION_PART.finditer(compact):
        if match.start() != position:
            break
        total += Decimal(match[1]) * _UNITS[match[2]]
        position = match.end()
    if position != len(compact):
        raise UserInputError(
            f"{text!r} is not a duration (e.g. 10s, 15m, 1h30m, 10.000000001s, 250ms)",
            source="advance",
        )
    if total != total.to_integral_value():
        raise UserInputError(f"{text!r} is finer than a nanosecond", source="advance")
    return int(total)


def _instant(value: Any, name: str) -> int:
    """An instant from an ISO 8601 string or integer nanoseconds, within the allowed range."""
    if isinstance(value, bool):
        raise UserInputError("must be an ISO 8601 instant or integer nanoseconds", source=name)
    if isinstance(value, int):
        ns = value
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d{1,25}", text):
            ns = int(text)
        else:
            try:
                ns = parse_iso8601(text)
            except (TimestampError, ValueError, OverflowError) as exc:
                raise UserInputError(str(exc), source=name) from None
    else:
        raise UserInputError("must be an ISO 8601 instant or integer nanoseconds", source=name)
    if not 0 <= ns < MAX_INSTANT_NS:
        raise UserInputError("must be between 1970-01-01 and 2200-01-01", source=name)
    return ns


async def _body(request: web.Request) -> dict[str, Any]:
    """The JSON object body (an empty body is ``{}``)."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise WebError(400, "bad-json", f"the request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise WebError(400, "bad-json", "the request body must be a JSON object")
    return data


def _context(request: web.Request) -> SimulatorContext:
    return request.app[CONTEXT]


def _web(request: web.Request) -> Any:
    state = _context(request).services.get("web")
    if state is None:
        raise WebError(404, "no-web-front", "the web front is not running in this simulator")
    return state


def _journal(request: web.Request) -> Any:
    journal = _context(request).journal
    if journal is None:
        raise WebError(404, "no-journal", "this simulator has no journal")
    return journal


def _query_choice(request: web.Request, name: str, allowed: list[str]) -> str | None:
    value = request.query.get(name)
    if value is None or value == "":
        return None
    if value not in allowed:
        raise UserInputError(f"must be one of {', '.join(allowed)}", source=name)
    return value


def _query_text(request: web.Request, name: str, limit: int = 200) -> str | None:
    value = request.query.get(name)
    if value is None or value == "":
        return None
    if len(value) > limit:
        raise UserInputError(f"at most {limit} characters", source=name)
    return value


def _query_instant(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    if value is None or value == "":
        return None
    return _instant(value, name)


def _query_int(request: web.Request, name: str, maximum: int) -> int | None:
    value = request.query.get(name)
    if value is None or value == "":
        return None
    if not re.fullmatch(r"\d{1,9}", value) or not 0 < int(value) <= maximum:
        raise UserInputError(f"must be a whole number from 1 to {maximum}", source=name)
    return int(value)


def _query_bool(request: web.Request, name: str) -> bool | None:
    value = _query_choice(request, name, ["true", "false", "yes", "no"])
    return None if value is None else value in ("true", "yes")


# -- health, readiness, endpoints ------------------------------------------------------------------


async def health(request: web.Request) -> web.Response:
    now = _context(request).clock.now_ns()
    return web.json_response({"status": "ok", "now": format_iso8601(now), "now_ns": now})


async def ready(request: web.Request) -> web.Response:
    status = request.app[READY]
    ok = bool(status.get("ready"))
    body = {"ready": ok, "components": sorted(_context(request).services.get("components", []))}
    return web.json_response(body, status=200 if ok else 503)


async def endpoints(request: web.Request) -> web.Response:
    found = _context(request).services.get("endpoints", [])
    return web.json_response(
        {
            "endpoints": [
                {
                    "component": e.component,
                    "name": e.name,
                    "kind": e.kind,
                    "host": e.host,
                    "port": e.port,
                    "details": dict(e.details),
                }
                for e in found
            ]
        }
    )


# -- reset and clock ---------------------------------------------------------------------------


def reset_simulator(context: SimulatorContext) -> list[str]:
    """Empty the journal and the outbox and run every component's reset hook (the web front
    reloads its organisations). The clock is left where it is."""
    done = []
    journal_reset = getattr(context.journal, "reset", None)
    if journal_reset is not None:
        journal_reset()
        done.append("journal")
    if context.outbox is not None:
        context.outbox.reset()
        done.append("outbox")
    hooks: list[tuple[str, Callable[[], None]]] = context.services.get("reset_hooks", [])
    for name, hook in hooks:
        hook()
        done.append(name)
    return done


def _clock_json(context: SimulatorContext) -> dict[str, Any]:
    clock = context.clock
    now = clock.now_ns()
    describe = getattr(clock, "describe", None)
    return {
        "now": format_iso8601(now),
        "now_ns": now,
        "settable": isinstance(clock, SettableClock),
        "mode": describe() if describe is not None else type(clock).__name__,
    }


def _settable(context: SimulatorContext) -> SettableClock:
    clock = context.clock
    if not isinstance(clock, SettableClock):
        raise WebError(
            409,
            "clock-not-settable",
            "this simulator runs on the system clock; start it with --at to control time",
        )
    return clock


def _after_clock_change(context: SimulatorContext) -> None:
    state = context.services.get("web")
    if state is not None:
        state.tick(context.clock.now_ns())


async def reset(request: web.Request) -> web.Response:
    context = _context(request)
    body = await _body(request)
    unknown = sorted(set(body) - {"at", "set_ns"})
    if unknown:
        raise UserInputError(f"unknown field {unknown[0]!r} (allowed: at, set_ns)", source="body")
    target = None
    for name in ("at", "set_ns"):
        if name in body:
            target = _instant(body[name], name)
    if target is not None:
        _settable(context).set_ns(target)
    done = reset_simulator(context)
    return web.json_response({"reset": done, **_clock_json(context)})


async def clock_get(request: web.Request) -> web.Response:
    return web.json_response(_clock_json(_context(request)))


async def clock_post(request: web.Request) -> web.Response:
    context = _context(request)
    body = await _body(request)
    allowed = {"at", "set_ns", "advance", "advance_ns"}
    given = [name for name in body if name in allowed]
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise UserInputError(
            f"unknown field {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})", source="body"
        )
    if len(given) != 1:
        raise UserInputError("give exactly one of at, set_ns, advance, advance_ns", source="body")
    name = given[0]
    clock = _settable(context)
    if name in ("at", "set_ns"):
        clock.set_ns(_instant(body[name], name))
    else:
        value = body[name]
        if name == "advance_ns":
            if isinstance(value, bool) or not isinstance(value, int):
                raise UserInputError("must be an integer number of nanoseconds", source=name)
            step = value
        else:
            if not isinstance(value, str):
                raise UserInputError("must be a duration such as 15m", source=name)
            step = parse_duration(value)
        if step < 0:
            raise UserInputError(
                "the clock only advances forward; use 'at' to go back", source=name
            )
        if clock.now_ns() + step >= MAX_INSTANT_NS:
            raise UserInputError("would move the clock past 2200-01-01", source=name)
        clock.advance(step)
    _after_clock_change(context)
    return web.json_response(_clock_json(context))


# -- outbox -------------------------------------------------------------------------------------


def _outbox(request: web.Request) -> Any:
    """The outbox, after the web front has sent whatever is due by now (a running clock may
    have crossed an invitation or certification date since the last request)."""
    _after_clock_change(_context(request))
    box = _context(request).outbox
    if box is None:
        raise WebError(404, "no-outbox", "this simulator captures no outbox")
    return box


async def outbox_get(request: web.Request) -> web.Response:
    box = _outbox(request)
    channel = _query_choice(request, "channel", [c.value for c in Channel])
    kind = _query_text(request, "kind", 60)
    messages = box.messages(
        channel=channel,
        to=_query_text(request, "to", 254),
        since_ns=_query_instant(request, "since"),
        tag=("kind", kind) if kind else None,
    )
    return web.json_response({"messages": [m.to_json() for m in messages]})


async def outbox_latest(request: web.Request) -> web.Response:
    box = _outbox(request)
    message = box.latest(
        channel=_query_choice(request, "channel", [c.value for c in Channel]),
        to=_query_text(request, "to", 254),
    )
    if message is None:
        raise WebError(404, "no-message", "no captured message matches")
    return web.json_response(message.to_json())


async def outbox_delete(request: web.Request) -> web.Response:
    box = _outbox(request)
    count = len(box)
    box.clear()
    return web.json_response({"cleared": count})


# -- journal and audit --------------------------------------------------------------------------


async def journal_reports(request: web.Request) -> web.Response:
    journal = _journal(request)
    env = _query_choice(request, "environment", [e.value for e in Environment])
    state = _query_choice(request, "state", [s.value for s in ReportState])
    route = _query_choice(request, "route", [r.value for r in Route])
    found = journal.query(
        facility=_query_text(request, "facility", 40),
        mpid=_query_text(request, "mpid", 10),
        environment=Environment(env) if env else None,
        state=ReportState(state) if state else None,
        late=_query_bool(request, "late"),
        route=Route(route) if route else None,
        since_ns=_query_instant(request, "since"),
        until_ns=_query_instant(request, "until"),
        client_ref=_query_text(request, "client_ref", 60),
        limit=_query_int(request, "limit", MAX_LIMIT),
    )
    return web.json_response({"reports": [stored.to_json() for stored in found]})


async def journal_report(request: web.Request) -> web.Response:
    journal = _journal(request)
    text = request.match_info["report_id"]
    if not re.fullmatch(r"\d{1,18}", text):
        raise UserInputError("must be a report number", source="report_id")
    stored = journal.get(int(text))
    if stored is None:
        raise WebError(404, "report-not-found", f"no report {text} in the journal")
    body = stored.to_json()
    body["events"] = [event.to_json() for event in journal.events(stored.report_id)]
    return web.json_response(body)


async def journal_rejects(request: web.Request) -> web.Response:
    journal = _journal(request)
    env = _query_choice(request, "environment", [e.value for e in Environment])
    found = journal.rejects(
        facility=_query_text(request, "facility", 40),
        mpid=_query_text(request, "mpid", 10),
        environment=Environment(env) if env else None,
        since_ns=_query_instant(request, "since"),
        until_ns=_query_instant(request, "until"),
    )
    return web.json_response({"rejects": [r.to_json() for r in found]})


async def journal_duplicates(request: web.Request) -> web.Response:
    journal = _journal(request)
    groups = journal.likely_duplicates(
        facility=_query_text(request, "facility", 40),
        mpid=_query_text(request, "mpid", 10),
        since_ns=_query_instant(request, "since"),
        until_ns=_query_instant(request, "until"),
    )
    return web.json_response({"groups": [g.to_json() for g in groups]})


async def journal_deliveries(request: web.Request) -> web.Response:
    journal = _journal(request)
    env = _query_choice(request, "environment", [e.value for e in Environment])
    found = journal.deliveries(
        recipient=_query_text(request, "recipient", 100),
        session_id=_query_text(request, "session_id", 100),
        environment=Environment(env) if env else None,
        since_ns=_query_instant(request, "since"),
        until_ns=_query_instant(request, "until"),
    )
    return web.json_response({"deliveries": [d.to_json() for d in found]})


async def audit(request: web.Request) -> web.Response:
    journal = _journal(request)
    found = journal.audit(
        actor=_query_text(request, "actor", 254),
        action=_query_text(request, "action", 60),
        since_ns=_query_instant(request, "since"),
        until_ns=_query_instant(request, "until"),
        limit=_query_int(request, "limit", MAX_LIMIT),
    )
    return web.json_response({"audit": [record.to_json() for record in found]})


# -- faults -------------------------------------------------------------------------------------


def _faults(request: web.Request) -> Any:
    runtime = _context(request).services.get("faults")
    if runtime is None:
        raise WebError(404, "no-faults", "this simulator serves no FIX ports to inject faults into")
    return runtime


def _fault_id(request: web.Request) -> int:
    text = request.match_info["fault_id"]
    if not re.fullmatch(r"\d{1,9}", text):
        raise UserInputError("must be a fault number", source="fault_id")
    return int(text)


async def faults_post(request: web.Request) -> web.Response:
    """Arm a fault (docs/faults.md); ``201`` with the fault, ``400`` naming the bad field."""
    runtime = _faults(request)
    body = await _body(request)
    try:
        spec = parse_fault(body)
        fault = await runtime.add(spec, source="api")
    except FaultSpecError as exc:
        raise WebError(400, "bad-fault", str(exc)) from None
    return web.json_response(runtime.describe(fault), status=201)


async def faults_get(request: web.Request) -> web.Response:
    runtime = _faults(request)
    status = _query_choice(request, "status", [s.value for s in FaultStatus])
    kind = _query_choice(request, "kind", [k.value for k in FaultKind])
    found = [
        runtime.describe(fault)
        for fault in runtime.faults()
        if (status is None or fault.status.value == status)
        and (kind is None or fault.kind.value == kind)
    ]
    return web.json_response({"faults": found})


async def fault_get(request: web.Request) -> web.Response:
    runtime = _faults(request)
    fault = runtime.plan.get(_fault_id(request))
    if fault is None:
        raise WebError(404, "fault-not-found", f"no fault {request.match_info['fault_id']}")
    return web.json_response(runtime.describe(fault))


async def fault_delete(request: web.Request) -> web.Response:
    runtime = _faults(request)
    fault = runtime.cancel(_fault_id(request))
    if fault is None:
        raise WebError(404, "fault-not-found", f"no fault {request.match_info['fault_id']}")
    return web.json_response(runtime.describe(fault))


async def faults_delete(request: web.Request) -> web.Response:
    return web.json_response({"cancelled": _faults(request).clear()})


async def journal_faults(request: web.Request) -> web.Response:
    journal = _journal(request)
    found = journal.faults(
        scope=_query_text(request, "scope", 200),
        kind=_query_choice(request, "kind", [*(k.value for k in FaultKind), *INCIDENT_KINDS]),
        since_ns=_query_instant(request, "since"),
        until_ns=_query_instant(request, "until"),
    )
    return web.json_response({"faults": [record.to_json() for record in found]})


# -- timeline, web, entitlement, MFA, UAT -------------------------------------------------------


async def timeline(request: web.Request) -> web.Response:
    context = _context(request)
    if context.timeline is None:
        raise WebError(404, "no-timeline", "this simulator has no timeline")
    at = _query_instant(request, "at")
    return web.json_response(context.timeline.at(at or context.clock.now_ns()).to_json())


async def web_info(request: web.Request) -> web.Response:
    state = _web(request)
    now = _context(request).clock.now_ns()
    sites = [
        {**access.to_json(), "url": state.url(access.host)}
        for access in state.timeline.at(now).sites()
    ]
    return web.json_response(
        {
            "port": state.port,
            "sites": sites,
            "pki": state.pki.describe() if state.pki is not None else None,
        }
    )


def _username(body: dict[str, Any]) -> str:
    value = body.get("username")
    if not isinstance(value, str) or not value.strip() or len(value) > 254:
        raise UserInputError("must be a user name (an email address)", source="username")
    unknown = sorted(set(body) - {"username"})
    if unknown:
        raise UserInputError(f"unknown field {unknown[0]!r}", source="body")
    return value.strip()


def _account_or_404(state: Any, username: str) -> Any:
    account = state.directory.find(username)
    if account is None:
        raise WebError(404, "unknown-account", f"no account named {username}")
    return account


async def account_info(request: web.Request) -> web.Response:
    state = _web(request)
    now = _context(request).clock.now_ns()
    username = request.match_info["username"]
    if len(username) > 254:
        raise UserInputError("too long", source="username")
    account = _account_or_404(state, username)
    view = state.directory.view(account)
    from simulator.entitlement.lockout import is_locked

    return web.json_response(
        {
            "username": account.username,
            "name": account.name,
            "org_id": account.org_id,
            "kind": account.kind.value,
            "status": account.status.value,
            "activated": account.activated,
            "locked": is_locked(account.locked_until_ns, now),
            "lock_reason": account.lock_reason.value if account.lock_reason else None,
            "locked_until": format_iso8601(account.locked_until_ns)
            if account.locked_until_ns and account.locked_until_ns > 0
            else None,
            "security_questions": account.has_security_questions,
            "must_reset_questions": account.must_reset_questions,
            "privileges": sorted(view.effective_privileges()),
            "roles": sorted(account.roles),
            "mpids": sorted(account.mpids),
            "regions": sorted(r.value for r in account.regions),
            "mfa_factors": [
                {"kind": f.kind.value, "description": f.describe()}
                for f in state.mfa.factors(account.username)
            ],
            "totp_secret": state.mfa.secret_for(account.username),
            "certificates": sorted(account.certificate_fingerprints),
            "last_activity": format_iso8601(account.last_activity_ns)
            if account.last_activity_ns is not None
            else None,
        }
    )


async def unlock(request: web.Request) -> web.Response:
    state = _web(request)
    now = _context(request).clock.now_ns()
    username = _username(await _body(request))
    _account_or_404(state, username)
    state.directory.support_unlock(username, now)
    return web.json_response({"unlocked": username})


async def invite(request: web.Request) -> web.Response:
    state = _web(request)
    now = _context(request).clock.now_ns()
    username = _username(await _body(request))
    _account_or_404(state, username)
    state.invite(username, now)
    message = state.outbox.latest(to=username, channel=Channel.EMAIL)
    return web.json_response(
        {"invited": username, "link": message.links[0] if message and message.links else None}
    )


async def uat_registrations(request: web.Request) -> web.Response:
    state = _web(request)
    key = _query_text(request, "uat", 40)
    return web.json_response({"registrations": [r.to_json() for r in state.uat.registrations(key)]})


async def openapi(request: web.Request) -> web.Response:
    from simulator.web.openapi import document

    return web.json_response(document())


def build_control_app(context: SimulatorContext) -> web.Application:
    app = web.Application(middlewares=[error_middleware()], client_max_size=64 * 1024)
    app[CONTEXT] = context
    app[READY] = {"ready": False}
    router = app.router
    router.add_get("/health", health)
    router.add_get("/ready", ready)
    router.add_get("/endpoints", endpoints)
    router.add_post("/reset", reset)
    router.add_get("/clock", clock_get)
    router.add_post("/clock", clock_post)
    router.add_get("/outbox", outbox_get)
    router.add_delete("/outbox", outbox_delete)
    router.add_get("/outbox/latest", outbox_latest)
    router.add_get("/journal/reports", journal_reports)
    router.add_get("/journal/reports/{report_id}", journal_report)
    router.add_get("/journal/rejects", journal_rejects)
    router.add_get("/journal/duplicates", journal_duplicates)
    router.add_get("/journal/deliveries", journal_deliveries)
    router.add_get("/journal/faults", journal_faults)
    router.add_get("/faults", faults_get)
    router.add_post("/faults", faults_post)
    router.add_delete("/faults", faults_delete)
    router.add_get("/faults/{fault_id}", fault_get)
    router.add_delete("/faults/{fault_id}", fault_delete)
    router.add_get("/audit", audit)
    router.add_get("/timeline", timeline)
    router.add_get("/web", web_info)
    router.add_get("/entitlement/accounts/{username}", account_info)
    router.add_post("/entitlement/unlock", unlock)
    router.add_post("/mfa/invite", invite)
    router.add_get("/uat/registrations", uat_registrations)
    router.add_get("/openapi.json", openapi)
    return app
