"""The HTTPS web application: one listener, many sites, chosen by SNI and ``Host``.

Every request goes through :func:`site_middleware`, which

1. takes ``now`` from the injected clock (once per request: a page never mixes two instants);
2. finds the site from the ``Host`` header and checks it against the TLS SNI name -- a request
   whose ``Host`` names another site than the handshake did is answered ``421 Misdirected
   Request`` (RFC 9110 section 15.5.20), an unknown host ``404`` listing the sites served;
3. asks the timeline what that site does at ``now`` (``timeline.at(now).website_auth(host)``):
   a site that is not live answers with the facility's notice (``503`` not yet live, ``410``
   moved or retired, with the new address);
4. lets only the routes of that site's role through (``mpp:*`` on the MFA service, ``traqs:*``
   on TRAQS, ``api:*`` on the reference-data API);
5. runs :meth:`~simulator.web.state.WebState.tick` so invitations and certification emails due
   by ``now`` are in the outbox before the page is drawn.

Errors are turned into pages in one place (:mod:`simulator.web.errors`).
"""

from __future__ import annotations

import email.utils
import ssl
import weakref
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import hdrs, web

from simulator.errors import UserInputError
from simulator.timeline import SiteAccess, SiteStatus
from simulator.timestamps import NEW_YORK, UTC, datetime_from_ns, format_iso8601
from simulator.tls import PeerIdentity, peer_identity
from simulator.web.errors import WebError, error_middleware, json_error
from simulator.web.sessions import Session, cookie_name
from simulator.web.state import WebState

STATE = web.AppKey("state", WebState)
NOW = web.RequestKey("now", int)
SITE = web.RequestKey("site", SiteAccess)
SESSION = web.RequestKey("session", Session)
NEW_SESSION = web.RequestKey("new_session", bool)
SNI = web.AppKey("sni", weakref.WeakKeyDictionary)
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def normalise_host(host: str | None) -> str:
    text = (host or "").strip().lower()
    if text.startswith("["):  # IPv6 literal
        return text.split("]", 1)[0] + "]"
    return text.split(":", 1)[0].rstrip(".")


def state_of(request: web.Request) -> WebState:
    return request.app[STATE]


def now_of(request: web.Request) -> int:
    return request[NOW]


def site_of(request: web.Request) -> SiteAccess:
    return request[SITE]


def display_time(ns: int, precision: int = 9) -> str:
    """``2021-03-20 09:00:00.000000000 ET`` for pages."""
    text = format_iso8601(ns, precision=precision)
    return text[:10] + " " + text[11:-6] + " ET"


def display_day(ns: int) -> str:
    return f"{datetime_from_ns(ns, NEW_YORK):%A %d %B %Y}"


# -- TLS: SNI and the peer certificate --------------------------------------------------------


def install_sni_recorder(
    context: ssl.SSLContext, store: weakref.WeakKeyDictionary[Any, str]
) -> None:
    """Remember the SNI name of each TLS connection (one certificate covers every site, so the
    callback only records; it never switches contexts)."""

    def remember(ssl_object: Any, server_name: str | None, _: ssl.SSLContext) -> None:
        if server_name:
            store[ssl_object] = server_name.lower()

    context.sni_callback = remember


def ssl_object_of(request: web.Request) -> Any:
    transport = request.transport
    return transport.get_extra_info("ssl_object") if transport is not None else None


def sni_of(request: web.Request) -> str | None:
    ssl_object = ssl_object_of(request)
    if ssl_object is None:
        return None
    return request.app[SNI].get(ssl_object)


def peer_of(request: web.Request) -> PeerIdentity | None:
    """The verified client certificate of this connection, or ``None`` (none sent, or plain
    HTTP). Untrusted certificates never get here: the TLS handshake already refused them."""
    ssl_object = ssl_object_of(request)
    if ssl_object is None:
        return None
    try:
        return peer_identity(ssl_object.getpeercert(), ssl_object.getpeercert(binary_form=True))
    except (ValueError, ssl.SSLError):
        return None


# -- sessions -------------------------------------------------------------------------------


def session_of(request: web.Request) -> Session | None:
    cached = request.get(SESSION)
    if cached is not None:
        return cached
    state = state_of(request)
    host = site_of(request).host
    token = request.cookies.get(cookie_name(host))
    session = state.sessions.get(token, host, now_of(request))
    if session is not None:
        request[SESSION] = session
    return session


def ensure_session(request: web.Request) -> Session:
    session = session_of(request)
    if session is None:
        session = state_of(request).sessions.new(site_of(request).host, now_of(request))
        request[SESSION] = session
        request[NEW_SESSION] = True
    return session


def rotate_session(request: web.Request, session: Session) -> Session:
    """A new token after a login step (no session fixation): the state moves, the id changes."""
    state = state_of(request)
    fresh = state.sessions.new(session.host, now_of(request))
    for name in ("username", "route", "stage", "certificate", "question_index", "data", "flash"):
        setattr(fresh, name, getattr(session, name))
    state.sessions.drop(session.token)
    request[SESSION] = fresh
    request[NEW_SESSION] = True
    return fresh


def set_session_cookie(request: web.Request, response: web.StreamResponse) -> None:
    session = request.get(SESSION)
    if session is None or not request.get(NEW_SESSION):
        return
    response.set_cookie(
        cookie_name(session.host),
        session.token,
        secure=request.secure,
        httponly=True,
        samesite="Lax",
        path="/",
    )


async def require_csrf(request: web.Request) -> tuple[Session, Any]:
    """The session and the posted form, after checking the form's CSRF token."""
    form = await request.post()
    session = session_of(request)
    token = form.get("csrf_token")
    if session is None or not session.check_csrf(token if isinstance(token, str) else None):
        raise WebError(
            403,
            "csrf",
            "This form has expired or did not come from this site. Reload the page and try again.",
        )
    return session, form


def field(form: Any, name: str, limit: int = 500) -> str:
    """A text field of a posted form (files and missing fields read as empty)."""
    value = form.get(name, "")
    if not isinstance(value, str):
        raise UserInputError("must be text", source=name)
    if len(value) > limit:
        raise UserInputError(f"at most {limit} characters", source=name)
    return value


# -- rendering ------------------------------------------------------------------------------


async def render(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.StreamResponse:
    state = state_of(request)
    site = request.get(SITE)
    session = request.get(SESSION)
    now = request.get(NOW, state.clock.now_ns())
    base: dict[str, Any] = {
        "site": site,
        "now": now,
        "now_text": display_time(now, 0),
        "now_day": display_day(now),
        "session": session,
        "csrf": session.csrf if session is not None else "",
        "flash": session.take_flash() if session is not None else [],
        "url": state.url,
        "display_time": display_time,
    }
    base.update(context)
    response = aiohttp_jinja2.render_template(template, request, base, status=status)
    response.headers.setdefault("Cache-Control", "no-store")
    set_session_cookie(request, response)
    return response


async def render_error(
    request: web.Request, status: int, code: str, message: str, rule: str | None
) -> web.StreamResponse:
    site = request.get(SITE)
    if site is None or site.role == "api" or request.path.startswith("/api/"):
        return json_error(status, code, message, rule)
    return await render(
        request,
        "error.html",
        {"status": status, "code": code, "message": message, "rule": rule},
        status=status,
    )


def redirect(request: web.Request, location: str) -> web.StreamResponse:
    """303 See Other (after a POST), carrying a new session cookie if one was made."""
    response = web.Response(status=303, headers={"Location": location})
    set_session_cookie(request, response)
    return response


# -- the site middleware ------------------------------------------------------------------------


@web.middleware
async def site_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = state_of(request)
    now = state.clock.now_ns()
    request[NOW] = now
    host = normalise_host(request.host)
    sni = sni_of(request)
    if sni is not None and sni != host:
        raise WebError(
            421,
            "misdirected-request",
            f"This connection was opened for {sni} but the request is for {host}. Open "
            f"https://{host}/ directly.",
        )
    try:
        site = state.timeline.at(now).website_auth(host)
    except UserInputError:
        known = ", ".join(state.timeline.hosts())
        return json_error(
            404, "unknown-site", f"No site called {host!r} is served here. Sites: {known}."
        )
    request[SITE] = site
    state.tick(now)
    route = request.match_info.route
    name = route.name or ""
    if name.startswith("static"):
        return await handler(request)
    if not site.live:
        return await _notice(request, site)
    role = name.split(":", 1)[0]
    if role not in (site.role, "any"):
        raise web.HTTPNotFound(text=f"There is no page {request.path} on {site.host}.")
    return await handler(request)


async def _notice(request: web.Request, site: SiteAccess) -> web.StreamResponse:
    status = 503 if site.status is SiteStatus.NOT_YET_LIVE else 410
    state = state_of(request)
    moved = state.url(site.moved_to) if site.moved_to else None
    if site.role == "api":
        body = {"error": site.status.value, "message": site.notice, "moved_to": moved}
        return web.json_response(body, status=status)
    return await render(
        request, "notice.html", {"notice": site.notice, "moved_to": moved}, status=status
    )


# -- the application -------------------------------------------------------------------------


def build_web_app(state: WebState) -> web.Application:
    """The aiohttp application serving every site (routes registered by role)."""
    from simulator.web import login, mpp, refapi, traqs

    app = web.Application(
        middlewares=[error_middleware(render_error), site_middleware],
        client_max_size=256 * 1024,
    )
    app[STATE] = state
    app[SNI] = weakref.WeakKeyDictionary()
    app.on_response_prepare.append(simulated_date)
    environment = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    environment.globals["display_time"] = display_time
    app.router.add_static("/static/", STATIC, name="static")
    app.router.add_get("/", home, name="any:home")
    app.router.add_post("/login", login.login_post, name="any:login")
    app.router.add_post("/logout", logout, name="any:logout")
    login.register(app)
    traqs.register(app)
    mpp.register(app)
    refapi.register(app)
    return app


async def simulated_date(request: web.Request, response: web.StreamResponse) -> None:
    """The HTTP ``Date`` header (RFC 9110 section 6.6.1) from the simulated clock, the instant
    the request was served at, as every page shows it: a browser or API client rehearsing "as
    of" 2021-03-20 sees that day in the headers too, not the machine's date."""
    now = request.get(NOW)
    if now is None:
        now = state_of(request).clock.now_ns()
    when = datetime_from_ns(now).astimezone(UTC)
    response.headers[hdrs.DATE] = email.utils.format_datetime(when, usegmt=True)


async def home(request: web.Request) -> web.StreamResponse:
    from simulator.web import mpp, refapi, traqs

    role = site_of(request).role
    if role == "traqs":
        return await traqs.home(request)
    if role == "api":
        return await refapi.home(request)
    return await mpp.home(request)


async def logout(request: web.Request) -> web.StreamResponse:
    session, _ = await require_csrf(request)
    state = state_of(request)
    if session.username:
        state.audit(now_of(request), session.username, "logout", "ok", site_of(request).host)
    state.sessions.drop(session.token)
    request.pop(SESSION, None)
    response = web.Response(status=303, headers={"Location": "/"})
    response.del_cookie(cookie_name(site_of(request).host), path="/")
    return response
