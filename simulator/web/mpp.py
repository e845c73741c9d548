"""The NASDAQ MFA service (``mpp.nasdaq.com``): enrolment from the invitation, and the profile.

Seed 000/001: "An email will then be sent to the user containing an invitation to access the
NASDAQ MFA service"; the site "allows user to access their user profile and TRAQS in new
infrastructure". Enrolment, in the order FAQ Q14 gives for a first login:

1. open the invitation link (one use, see :mod:`simulator.mfa`);
2. prove who you are with your existing password, or choose one if the account has none yet;
3. choose three security questions and answer them (Q14, Q64), unless already set;
4. set up at least one second factor: an authenticator app (the secret and its ``otpauth://``
   provisioning URI are shown; one valid code confirms it), or a phone for SMS or voice codes
   (a code sent to the captured outbox confirms it).

The profile (after an MFA login here) lists the factors, adds more, resets the security
questions (required after a question lockout, Q72), shows the organisation's SAA (Q17) and,
for the SAA, the certification banner with the certify action (Q50-Q53).

Account Management (``/admin``, SAA and AAs only) lists the organisation's accounts and roles
and performs what the FAQ gives administrators: unlock an account before the hour is up (Q34),
assign and unassign roles (Q75, Q88), delete a role -- refused while it is still assigned (Q91).
Each action goes through the entitlement policy and is audited.
"""

from __future__ import annotations

from aiohttp import web

from simulator.entitlement import certification
from simulator.entitlement.lockout import is_locked
from simulator.entitlement.model import Account, AccountKind
from simulator.entitlement.questions import QUESTION_CATALOGUE
from simulator.errors import UserInputError
from simulator.mfa import FactorKind, MfaError
from simulator.web.app import (
    SESSION,
    ensure_session,
    field,
    now_of,
    redirect,
    render,
    require_csrf,
    rotate_session,
    session_of,
    state_of,
)
from simulator.web.errors import WebError
from simulator.web.login import login_page, require_user
from simulator.web.sessions import Session


async def home(request: web.Request) -> web.StreamResponse:
    session = session_of(request)
    if session is not None and session.logged_in:
        return redirect(request, "/profile")
    return await login_page(request)


# -- enrolment -----------------------------------------------------------------------------


def _enrolling(request: web.Request) -> tuple[Session, Account]:
    session = session_of(request)
    if session is None or session.stage != "enrol" or "token" not in session.data:
        raise WebError(
            403,
            "enrolment-not-started",
            "Open the link in your invitation email to enrol in multi-factor authentication.",
        )
    state = state_of(request)
    state.mfa.invitation(session.data["token"], now_of(request))  # still open?
    return session, state.directory.account(session.data["username"])


async def enrol_start(request: web.Request) -> web.StreamResponse:
    state, now = state_of(request), now_of(request)
    token = request.query.get("token", "")
    try:
        invitation = state.mfa.invitation(token, now)
    except MfaError as exc:
        state.audit(now, "-", "mfa-enrolment", f"refused:{exc.code}", "")
        raise
    session = rotate_session(request, ensure_session(request))
    session.reset_login()
    session.stage = "enrol"
    session.data.update({"token": invitation.token, "username": invitation.username})
    state.audit(now, invitation.username, "mfa-enrolment", "started", "")
    return redirect(request, "/enrol/password")


async def enrol_password_page(
    request: web.Request, *, error: str | None = None, status: int = 200
) -> web.StreamResponse:
    _, account = _enrolling(request)
    return await render(
        request,
        "enrol_password.html",
        {"account": account, "activated": account.activated, "error": error},
        status=status,
    )


async def enrol_password_get(request: web.Request) -> web.StreamResponse:
    return await enrol_password_page(request)


async def enrol_password_post(request: web.Request) -> web.StreamResponse:
    _, form = await require_csrf(request)
    session, account = _enrolling(request)
    state, now = state_of(request), now_of(request)
    if account.activated:
        outcome = state.directory.verify_password(
            account.username, field(form, "password", 200), now
        )
        if not outcome.verdict:
            return await enrol_password_page(request, error=outcome.verdict.message, status=401)
    else:
        password = field(form, "new_password", 200)
        if password != field(form, "confirm_password", 200):
            return await enrol_password_page(
                request, error="The two passwords are not the same.", status=400
            )
        try:
            state.directory.activate(account.username, password, now)
        except UserInputError as exc:
            return await enrol_password_page(request, error=str(exc), status=400)
    session.data["password_ok"] = True
    return redirect(request, "/enrol/questions")


def _questions_context(error: str | None, values: dict[str, str]) -> dict[str, object]:
    return {"catalogue": QUESTION_CATALOGUE, "error": error, "values": values}


async def enrol_questions_page(
    request: web.Request, *, error: str | None = None, status: int = 200
) -> web.StreamResponse:
    session, account = _enrolling(request)
    if not session.data.get("password_ok"):
        return redirect(request, "/enrol/password")
    if account.has_security_questions:
        return redirect(request, "/factor/setup")
    return await render(
        request,
        "questions.html",
        {**_questions_context(error, {}), "action": "/enrol/questions"},
        status=status,
    )


async def enrol_questions_get(request: web.Request) -> web.StreamResponse:
    return await enrol_questions_page(request)


async def _save_questions(request: web.Request, account: Account, form: object) -> str | None:
    state, now = state_of(request), now_of(request)
    chosen = [field(form, f"question{i}", 200) for i in (1, 2, 3)]
    answers = [field(form, f"answer{i}", 100) for i in (1, 2, 3)]
    try:
        state.directory.set_security_questions(account.username, chosen, answers, now)
    except UserInputError as exc:
        return str(exc).split(": ", 1)[-1]
    return None


async def enrol_questions_post(request: web.Request) -> web.StreamResponse:
    _, form = await require_csrf(request)
    session, account = _enrolling(request)
    if not session.data.get("password_ok"):
        return redirect(request, "/enrol/password")
    error = await _save_questions(request, account, form)
    if error:
        return await enrol_questions_page(request, error=error, status=400)
    return redirect(request, "/factor/setup")


async def enrol_done(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    sites = [
        (site.host, site.purpose)
        for site in state.timeline.sites
        if site.role == "traqs" and state.timeline.at(now_of(request)).website_auth(site.host).live
    ]
    return await render(request, "enrol_done.html", {"sites": sites})


# -- second factors (enrolment and profile) ----------------------------------------------------


def _factor_owner(request: web.Request) -> tuple[Session, Account, str]:
    """Who is setting up a factor: an enrolling user (after password and questions) or a
    user logged in to the profile."""
    session = session_of(request)
    if session is not None and session.stage == "enrol":
        session, account = _enrolling(request)
        if not session.data.get("password_ok") or not account.has_security_questions:
            raise WebError(
                409, "enrolment-order", "Set your password and security questions first."
            )
        return session, account, "enrol"
    session, account = require_user(request)
    return session, account, "profile"


async def factor_setup_page(
    request: web.Request,
    *,
    error: str | None = None,
    pending: str | None = None,
    status: int = 200,
) -> web.StreamResponse:
    session, account, mode = _factor_owner(request)
    state = state_of(request)
    secret = uri = None
    totp = state.mfa.pending_totp(account.username)
    if pending == "totp" and totp is not None and totp.secret:
        secret = totp.secret
        uri = state.mfa.provisioning_uri(account.username, totp.secret)
    return await render(
        request,
        "factor_setup.html",
        {
            "account": account,
            "mode": mode,
            "factors": state.mfa.factors(account.username),
            "error": error,
            "pending": pending,
            "secret": secret,
            "uri": uri,
            "kinds": FactorKind,
            "phone": account.phone or "",
            "pending_kind": session.data.get("pending_kind", ""),
        },
        status=status,
    )


async def factor_setup_get(request: web.Request) -> web.StreamResponse:
    return await factor_setup_page(request)


async def factor_setup_post(request: web.Request) -> web.StreamResponse:
    _, form = await require_csrf(request)
    session, account, mode = _factor_owner(request)
    state, now = state_of(request), now_of(request)
    action = field(form, "action", 20)
    try:
        if action == "totp-start":
            state.mfa.begin_totp(account.username, now)
            return await factor_setup_page(request, pending="totp")
        if action == "totp-confirm":
            state.mfa.confirm_totp(account.username, field(form, "code", 20), now)
            kind = FactorKind.TOTP
        elif action == "phone-start":
            kind = FactorKind(field(form, "kind", 10))
            sent = state.mfa.add_phone(account.username, kind, field(form, "phone", 40), now)
            session.data["pending_kind"] = kind.value
            session.say("info", f"A confirmation code was sent to {sent.describe()}.")
            return await factor_setup_page(request, pending="phone")
        elif action == "phone-confirm":
            kind = FactorKind(session.data.get("pending_kind", "sms"))
            state.mfa.confirm_phone(account.username, kind, field(form, "code", 20), now)
        else:
            return await factor_setup_page(request, error="Choose a method.", status=400)
    except MfaError as exc:
        state.audit(now, account.username, "mfa-factor", f"refused:{exc.code}", action)
        pending = "totp" if action.startswith("totp") else "phone" if "confirm" in action else None
        return await factor_setup_page(request, error=str(exc), pending=pending, status=400)
    except ValueError:
        return await factor_setup_page(request, error="Choose SMS or voice.", status=400)
    state.audit(now, account.username, "mfa-factor", "enrolled", kind.value)
    session.data.pop("pending_kind", None)
    if mode == "enrol":
        state.mfa.complete_invitation(session.data["token"], now)
        state.audit(now, account.username, "mfa-enrolment", "completed", kind.value)
        state.sessions.drop(session.token)
        request.pop(SESSION, None)
        return redirect(request, "/enrol/done")
    session.say("ok", f"{kind.display_name} added.")
    return redirect(request, "/profile")


# -- profile ----------------------------------------------------------------------------------


async def profile(request: web.Request) -> web.StreamResponse:
    _, account = require_user(request)
    state, now = state_of(request), now_of(request)
    org = state.directory.organisation(account.org_id)
    phase = state.directory.certification_phase(org.org_id, now)
    banner = (
        certification.banner(phase, org.certification) if account.kind is AccountKind.SAA else None
    )
    return await render(
        request,
        "profile.html",
        {
            "account": account,
            "org": org,
            "saa": state.directory.find(org.saa_username) if org.saa_username else None,
            "factors": state.mfa.factors(account.username),
            "banner": banner,
            "can_certify": account.kind is AccountKind.SAA
            and phase
            in (
                certification.CertificationPhase.OPEN,
                certification.CertificationPhase.REMINDER,
                certification.CertificationPhase.PAST_DUE,
            ),
        },
    )


async def profile_questions_page(
    request: web.Request, *, error: str | None = None, status: int = 200
) -> web.StreamResponse:
    require_user(request)
    return await render(
        request,
        "questions.html",
        {**_questions_context(error, {}), "action": "/profile/questions"},
        status=status,
    )


async def profile_questions_get(request: web.Request) -> web.StreamResponse:
    return await profile_questions_page(request)


async def profile_questions_post(request: web.Request) -> web.StreamResponse:
    _, account = require_user(request)
    session, form = await require_csrf(request)
    error = await _save_questions(request, account, form)
    if error:
        return await profile_questions_page(request, error=error, status=400)
    session.say("ok", "Your security questions were saved.")
    return redirect(request, "/profile")


async def certify(request: web.Request) -> web.StreamResponse:
    _, account = require_user(request)
    session, _ = await require_csrf(request)
    state, now = state_of(request), now_of(request)
    state.directory.certify(account.username, now)
    session.say("ok", "Your organisation's User Accounts Certification is complete.")
    return redirect(request, "/profile")


# -- account management (administrators) ----------------------------------------------------


def _admin(request: web.Request) -> tuple[Session, Account]:
    session, account = require_user(request)
    if not account.kind.is_admin:
        state = state_of(request)
        state.audit(now_of(request), account.username, "admin", "refused:not-administrator", "")
        raise WebError(
            403,
            "not-administrator",
            "Account Management is for your organisation's Super Account Administrator and "
            "Account Administrators.",
            rule="FINRA Entitlement FAQ Q2",
        )
    return session, account


async def admin(request: web.Request) -> web.StreamResponse:
    _, account = _admin(request)
    state, now = state_of(request), now_of(request)
    org = state.directory.organisation(account.org_id)
    accounts = sorted(state.directory.accounts(org.org_id), key=lambda a: a.username)
    roles = [
        {
            "role": role,
            "holders": state.directory.holders(org.org_id, role.name),
        }
        for role in sorted(org.roles.values(), key=lambda r: r.name)
    ]
    return await render(
        request,
        "admin.html",
        {
            "account": account,
            "org": org,
            "accounts": [
                {
                    "account": a,
                    "locked": is_locked(a.locked_until_ns, now),
                    "factors": len(state.mfa.factors(a.username)),
                }
                for a in accounts
            ],
            "roles": roles,
            "phase": state.directory.certification_phase(org.org_id, now).value,
        },
    )


async def admin_action(request: web.Request) -> web.StreamResponse:
    _, account = _admin(request)
    session, form = await require_csrf(request)
    state, now = state_of(request), now_of(request)
    action = request.match_info["action"]
    target = field(form, "username", 254).strip()
    role = field(form, "role", 100).strip()
    directory = state.directory
    if action == "unlock":
        directory.unlock(account.username, target, now)
        session.say("ok", f"{target} is unlocked.")
    elif action == "assign-role":
        directory.assign_role(account.username, target, role, now)
        session.say("ok", f"Role {role} assigned to {target}.")
    elif action == "unassign-role":
        directory.unassign_role(account.username, target, role, now)
        session.say("ok", f"Role {role} removed from {target}.")
    elif action == "delete-role":
        directory.delete_role(account.username, role, field(form, "reason", 200), now)
        session.say("ok", f"Role {role} deleted.")
    else:
        raise web.HTTPNotFound(text=f"There is no administration action {action!r}.")
    return redirect(request, "/admin")


def register(app: web.Application) -> None:
    app.router.add_get("/enrol", enrol_start, name="entitlement:enrol")
    app.router.add_get("/enrol/password", enrol_password_get, name="entitlement:enrol-password")
    app.router.add_post("/enrol/password", enrol_password_post, name="entitlement:enrol-pw-post")
    app.router.add_get("/enrol/questions", enrol_questions_get, name="entitlement:enrol-questions")
    app.router.add_post(
        "/enrol/questions", enrol_questions_post, name="entitlement:enrol-questions-post"
    )
    app.router.add_get("/enrol/done", enrol_done, name="entitlement:enrol-done")
    app.router.add_get("/factor/setup", factor_setup_get, name="entitlement:factor-setup")
    app.router.add_post("/factor/setup", factor_setup_post, name="entitlement:factor-setup-post")
    app.router.add_get("/profile", profile, name="entitlement:profile")
    app.router.add_get("/profile/questions", profile_questions_get, name="entitlement:questions")
    app.router.add_post(
        "/profile/questions", profile_questions_post, name="entitlement:questions-post"
    )
    app.router.add_post("/profile/certify", certify, name="entitlement:certify")
    app.router.add_get("/admin", admin, name="entitlement:admin")
    app.router.add_post("/admin/{action}", admin_action, name="entitlement:admin-action")
