"""Logging in to TRAQS and to the MFA service, by certificate or by MFA, as the date decides.

Two routes, as in the parallel period of seed 001:

* **certificate** (old infrastructure; TRAQS sites whose timeline auth is ``certificate`` or
  ``either``): the browser presents its client certificate in the TLS handshake and the user
  types the user ID and password [S101]. The certificate must be one the facility issued to
  *that* user (its SHA-256 fingerprint is registered on the account).
* **mfa** (new infrastructure): user name (email) and password, a security question unless the
  browser is remembered (FAQ Q68), then a second factor -- an authenticator code, or a code sent
  by SMS or voice call (seed 000: "answer security questions and have at least one second factor
  authentication method").

From 2021-04-19 a certificate login is refused with the facility's explanation, and a user who
has not enrolled in MFA is denied access ("will be denied access to TRAQS if they have not
converted", seed 001). Every step, allowed or refused, is written to the audit log; passwords
and codes never are.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from simulator.entitlement.directory import EntitlementError
from simulator.entitlement.model import Account
from simulator.entitlement.policy import Action, Resource, Verdict
from simulator.mfa import FactorKind, MfaError
from simulator.timeline import Auth, SiteAccess
from simulator.web.app import (
    ensure_session,
    field,
    now_of,
    peer_of,
    redirect,
    render,
    require_csrf,
    rotate_session,
    session_of,
    site_of,
    state_of,
)
from simulator.web.errors import WebError
from simulator.web.sessions import REMEMBER_NS, Session, cookie_name
from simulator.web.state import MFA_SERVICE_HOST, WebState

LOGIN_ROLES = ("traqs", "entitlement")
MAX_FACTOR_FAILURES = 5
DEVICE_COOKIE = "device"


def _role(request: web.Request) -> str:
    role = site_of(request).role
    if role not in LOGIN_ROLES:
        raise web.HTTPNotFound(text="There is no login page on this site.")
    return role


def home_path(role: str) -> str:
    return "/trades" if role == "traqs" else "/profile"


# -- the facility's explanations -----------------------------------------------------------------


def certificate_refusal(state: WebState, site: SiteAccess, now_ns: int) -> str:
    """Why a certificate login is refused on this site now (seed 001)."""
    region = site.region
    traqs_auth = state.timeline.at(now_ns).traqs_auth(region) if region else Auth.MFA
    if traqs_auth is Auth.MFA:
        return (
            "Effective Monday, April 19, 2021, FINRA replaced digital certificates with "
            "multi-factor authentication (MFA) for access to the TRAQS website; users who have "
            "not converted are denied access. A digital certificate alone no longer logs you "
            "in: enter your user name (email address) and password, then a second factor. To "
            f"enrol, follow your invitation email or go to {state.url(MFA_SERVICE_HOST)}."
        )
    return (
        "This is TRAQS on the new infrastructure, reached with multi-factor authentication. "
        "During the parallel period (March 8 to April 16, 2021) access with a digital "
        f"certificate stays on the current infrastructure at {state.url('finratraqs.org')}. Do "
        "not report the same transaction through both."
    )


def mfa_unavailable(state: WebState, site: SiteAccess, now_ns: int) -> str:
    """Why an MFA login is refused on a certificate-only site."""
    parallel = state.timeline.at(now_ns).website_auth("beta.finratraqs.org")
    if parallel.live:
        return (
            "This site is TRAQS on the current infrastructure and takes your digital "
            "certificate with your user ID and password. During the parallel period, "
            f"multi-factor login is at {state.url('beta.finratraqs.org')}."
        )
    return (
        "This site takes your digital certificate with your user ID and password. Multi-factor "
        "authentication for TRAQS is not available here yet."
    )


def period_note(state: WebState, site: SiteAccess, now_ns: int) -> str | None:
    """The notice shown above a TRAQS login form for the simulated date."""
    if site.role != "traqs":
        return None
    if (
        site.auth is Auth.EITHER
        or state.timeline.at(now_ns).website_auth("beta.finratraqs.org").live
    ):
        return (
            "Production parallel period (March 8 to April 16, 2021): TRAQS can be reached with "
            "a digital certificate on the current infrastructure (finratraqs.org) or with MFA on "
            "the new infrastructure (beta.finratraqs.org). Both routes report to the production "
            "host: do not duplicate transactions."
        )
    if site.auth is Auth.MFA:
        return (
            "TRAQS requires multi-factor authentication: user name, password, security question "
            "and a second factor."
        )
    return None


# -- pages -------------------------------------------------------------------------------------


async def login_page(
    request: web.Request, *, error: str | None = None, status: int = 200, username: str = ""
) -> web.StreamResponse:
    role = _role(request)
    session = ensure_session(request)
    if session.logged_in and error is None:
        return redirect(request, home_path(role))
    state = state_of(request)
    site = site_of(request)
    now = now_of(request)
    context = {
        "role": role,
        "cert_allowed": role == "traqs" and site.accepts(Auth.CERTIFICATE),
        "mfa_allowed": role == "entitlement" or site.accepts(Auth.MFA),
        "peer": peer_of(request),
        "period_note": period_note(state, site, now),
        "cert_refusal": (
            certificate_refusal(state, site, now)
            if role == "traqs" and not site.accepts(Auth.CERTIFICATE)
            else None
        ),
        "error": error,
        "username": username,
    }
    return await render(request, "login.html", context, status=status)


async def login_get(request: web.Request) -> web.StreamResponse:
    return await login_page(request)


async def login_post(request: web.Request) -> web.StreamResponse:
    role = _role(request)
    _, form = await require_csrf(request)
    username = field(form, "username", 254).strip()
    password = field(form, "password", 200)
    method = field(form, "method", 20) or "mfa"
    if not username or not password:
        return await login_page(
            request, error="Enter your user name and password.", status=400, username=username
        )
    if role == "traqs" and method == "certificate":
        return await _certificate_login(request, username, password)
    if method not in ("mfa", "certificate"):
        return await login_page(request, error="Choose how to log in.", status=400)
    return await _password_step(request, role, username, password)


async def _password_refused(
    request: web.Request, verdict: Verdict, username: str
) -> web.StreamResponse:
    """A wrong user name or password: the form again (401). Anything else -- locked, disabled,
    dormant, not activated -- is a refusal page (403) with the facility's words."""
    if verdict.code == "bad-credentials":
        return await login_page(request, error=verdict.message, status=401, username=username)
    raise EntitlementError(verdict)


def _refuse(state: WebState, now: int, who: str, action: str, code: str, detail: str) -> None:
    state.audit(now, who or "-", action, f"refused:{code}", detail)


async def _certificate_login(
    request: web.Request, username: str, password: str
) -> web.StreamResponse:
    state, site, now = state_of(request), site_of(request), now_of(request)
    if not site.accepts(Auth.CERTIFICATE):
        _refuse(state, now, username, "login-certificate", "certificate-not-accepted", site.host)
        raise WebError(403, "certificate-not-accepted", certificate_refusal(state, site, now))
    peer = peer_of(request)
    if peer is None:
        _refuse(state, now, username, "login-certificate", "certificate-missing", site.host)
        raise WebError(
            403,
            "certificate-missing",
            "No digital certificate was presented. TRAQS on the current infrastructure "
            "requires the digital certificate issued to you together with your user ID and "
            "password: install it in your browser and try again.",
        )
    outcome = state.directory.verify_password(username, password, now)
    if not outcome.verdict or outcome.account is None:
        return await _password_refused(request, outcome.verdict, username)
    account = outcome.account
    if peer.fingerprint not in account.certificate_fingerprints:
        _refuse(
            state,
            now,
            account.username,
            "login-certificate",
            "certificate-not-registered",
            f"presented={peer.username} fingerprint={peer.fingerprint[:16]}",
        )
        raise WebError(
            403,
            "certificate-not-registered",
            f"The digital certificate presented (issued to {peer.username}) is not registered "
            f"to the user {account.username}. Use the certificate FINRA issued to you.",
        )
    state.directory.require(
        account.username, Action.LOGIN_TRAQS, Resource(account.org_id, region=site.region), now
    )
    session = rotate_session(request, ensure_session(request))
    session.username = account.username
    session.route = "certificate"
    session.stage = "done"
    session.certificate = peer.fingerprint
    session.data["role"] = "traqs"
    state.directory.record_login(account.username, now)
    state.audit(now, account.username, "login", "ok", f"route=certificate host={site.host}")
    return redirect(request, "/trades")


async def _password_step(
    request: web.Request, role: str, username: str, password: str
) -> web.StreamResponse:
    state, site, now = state_of(request), site_of(request), now_of(request)
    if role == "traqs" and not site.accepts(Auth.MFA):
        _refuse(state, now, username, "login-mfa", "mfa-not-available", site.host)
        raise WebError(403, "mfa-not-available", mfa_unavailable(state, site, now))
    outcome = state.directory.verify_password(username, password, now)
    if not outcome.verdict or outcome.account is None:
        return await _password_refused(request, outcome.verdict, username)
    account = outcome.account
    action = Action.LOGIN_TRAQS if role == "traqs" else Action.ACCESS_PROFILE
    state.directory.require(
        account.username, action, Resource(account.org_id, region=site.region), now
    )
    if not state.mfa.enrolled(account.username):
        _refuse(state, now, account.username, "login-mfa", "mfa-not-enrolled", site.host)
        raise WebError(
            403,
            "mfa-not-enrolled",
            "You have not enrolled in multi-factor authentication (MFA). TRAQS users who have "
            "not converted are denied access. Enrol with the link in your invitation email from "
            f"the NASDAQ MFA service ({state.url(MFA_SERVICE_HOST)}); ask your administrator for "
            "a new invitation if it has expired.",
        )
    if role == "traqs" and not account.has_security_questions:
        _refuse(state, now, account.username, "login-mfa", "security-questions-missing", site.host)
        raise WebError(
            403,
            "security-questions-missing",
            "Your three security questions are not set up (or must be reset after a lockout). "
            f"Set them in your profile at {state.url(MFA_SERVICE_HOST)} first.",
        )
    session = rotate_session(request, ensure_session(request))
    session.username = account.username
    session.route = "mfa"
    session.data["role"] = role
    session.factor_failures = 0
    device = request.cookies.get(cookie_name(site.host, DEVICE_COOKIE))
    remembered = state.sessions.remembered(device, account.username, now)
    question = state.directory.question_for(account.username)
    if question is not None and not remembered:
        session.stage = "question"
        return redirect(request, "/login/question")
    session.stage = "factor"
    return redirect(request, "/login/factor")


def _in_stage(request: web.Request, stage: str) -> Session:
    session = session_of(request)
    if session is None or session.stage != stage or session.username is None:
        raise web.HTTPSeeOther("/login")
    return session


async def question_page(
    request: web.Request, *, error: str | None = None, status: int = 200
) -> web.StreamResponse:
    _role(request)
    session = _in_stage(request, "question")
    assert session.username is not None
    asked = state_of(request).directory.question_for(session.username)
    if asked is None:
        session.stage = "factor"
        return redirect(request, "/login/factor")
    session.question_index = asked[0]
    return await render(
        request, "question.html", {"question": asked[1], "error": error}, status=status
    )


async def question_get(request: web.Request) -> web.StreamResponse:
    return await question_page(request)


async def question_post(request: web.Request) -> web.StreamResponse:
    _role(request)
    session, form = await require_csrf(request)
    session = _in_stage(request, "question")
    assert session.username is not None
    state, now = state_of(request), now_of(request)
    answer = field(form, "answer", 100)
    index = session.question_index if session.question_index is not None else 0
    verdict = state.directory.verify_answer(session.username, index, answer, now)
    if verdict.code == "account-locked-questions":
        session.reset_login()
        raise EntitlementError(verdict)
    if not verdict:
        return await question_page(request, error=verdict.message, status=400)
    session.stage = "factor"
    response = redirect(request, "/login/factor")
    if form.get("remember") == "yes":
        response.set_cookie(
            cookie_name(site_of(request).host, DEVICE_COOKIE),
            state.sessions.remember_token(session.username, now),
            max_age=REMEMBER_NS // 1_000_000_000,
            secure=request.secure,
            httponly=True,
            samesite="Lax",
            path="/",
        )
    return response


async def factor_page(
    request: web.Request, *, error: str | None = None, status: int = 200
) -> web.StreamResponse:
    _role(request)
    session = _in_stage(request, "factor")
    assert session.username is not None
    factors = state_of(request).mfa.factors(session.username)
    return await render(
        request,
        "factor.html",
        {"factors": factors, "error": error, "kinds": FactorKind},
        status=status,
    )


async def factor_get(request: web.Request) -> web.StreamResponse:
    return await factor_page(request)


async def factor_post(request: web.Request) -> web.StreamResponse:
    role = _role(request)
    session, form = await require_csrf(request)
    session = _in_stage(request, "factor")
    username = session.username
    assert username is not None
    state, site, now = state_of(request), site_of(request), now_of(request)
    try:
        kind = FactorKind(field(form, "kind", 10))
    except ValueError:
        return await factor_page(request, error="Choose a second factor.", status=400)
    if field(form, "action", 10) == "send":
        sent = state.mfa.send_code(username, kind, now)
        state.audit(now, username, "mfa-code-sent", "ok", kind.value)
        session.say("info", f"A code was sent by {kind.display_name.lower()} to {sent.describe()}.")
        return redirect(request, "/login/factor")
    try:
        state.mfa.verify(username, kind, field(form, "code", 20), now)
    except MfaError as exc:
        session.factor_failures += 1
        _refuse(state, now, username, "login-factor", exc.code, kind.value)
        if session.factor_failures >= MAX_FACTOR_FAILURES:
            session.reset_login()
            raise WebError(
                403,
                "too-many-codes",
                "Too many wrong codes. For your security the login was stopped; start again "
                "with your user name and password.",
            ) from None
        return await factor_page(request, error=str(exc), status=400)
    account = state.directory.account(username)
    action = Action.LOGIN_TRAQS if role == "traqs" else Action.ACCESS_PROFILE
    state.directory.require(username, action, Resource(account.org_id, region=site.region), now)
    session = rotate_session(request, session)
    session.stage = "done"
    session.route = "mfa"
    state.directory.record_login(username, now)
    state.audit(now, username, "login", "ok", f"route=mfa factor={kind.value} host={site.host}")
    if role == "entitlement" and account.must_reset_questions:
        return redirect(request, "/profile/questions")
    return redirect(request, home_path(role))


# -- the guard of every logged-in page ------------------------------------------------------------


def require_user(request: web.Request) -> tuple[Session, Account]:
    """The logged-in session and account, after re-checking the login is still good now.

    A locked, disabled or dormant account, an entitlement removed, a certificate route after the
    MFA date, or a certificate missing from this connection ends the session."""
    state, site, now = state_of(request), site_of(request), now_of(request)
    session = session_of(request)
    if session is None or not session.logged_in or session.username is None:
        raise web.HTTPSeeOther("/login")
    account = state.directory.find(session.username)

    def end(code: str, message: str) -> WebError:
        state.sessions.drop(session.token)
        _refuse(state, now, session.username or "-", "session", code, site.host)
        return WebError(403, code, message)

    if account is None:
        raise end("account-deleted", "This account no longer exists.")
    if site.role == "traqs" and session.route == "certificate":
        if not site.accepts(Auth.CERTIFICATE):
            raise end("certificate-not-accepted", certificate_refusal(state, site, now))
        peer = peer_of(request)
        if peer is None or peer.fingerprint != session.certificate:
            raise end(
                "certificate-missing",
                "This session was opened with a digital certificate that this connection did "
                "not present. Log in again.",
            )
    action = Action.LOGIN_TRAQS if site.role == "traqs" else Action.ACCESS_PROFILE
    verdict = state.directory.check(
        account.username, action, Resource(account.org_id, region=site.region), now, audit=False
    )
    if not verdict:
        state.sessions.drop(session.token)
        state.audit(now, account.username, "session", f"refused:{verdict.code}", site.host)
        raise EntitlementError(verdict)
    return session, account


def register(app: web.Application) -> None:
    app.router.add_get("/login", login_get, name="any:login-page")
    app.router.add_get("/login/question", question_get, name="any:question")
    app.router.add_post("/login/question", question_post, name="any:question-post")
    app.router.add_get("/login/factor", factor_get, name="any:factor")
    app.router.add_post("/login/factor", factor_post, name="any:factor-post")


def describe_factors(state: WebState, username: str) -> list[dict[str, Any]]:
    return [
        {"kind": f.kind.value, "description": f.describe()} for f in state.mfa.factors(username)
    ]
