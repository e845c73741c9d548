"""The reference-data API (``download2.finratraqs.org``, ``download.finratraqs.org``, NTF).

What the date decides (timeline ``api_auth``/site auth; seed 001, facilities.md section 5):

* until the API's MFA date (production 2024-09-30): "a digital certificate, login id and
  password will continue to be necessary for API access". A request must come over a TLS
  connection that presented the client certificate FINRA issued to the user *and* carry the
  user's login ID and password (HTTP Basic, RFC 7617). The password check follows the same
  lockout rule as the website (Q34);
* from the MFA date: an access token (``Authorization: Bearer``) obtained by exchanging a
  refresh token from TRAQS at ``POST /api/token`` ([S107]); certificates are discontinued.

Endpoints (JSON unless a file is asked for):

* ``GET /api/files[?product=trace-ca]`` -- the files published at the simulated instant;
* ``GET /api/files/{name}`` -- one pipe-delimited file (``text/plain``), see
  :mod:`simulator.refdata`;
* ``POST /api/token`` -- ``grant_type=refresh_token&refresh_token=...`` (MFA era only).

Every refusal is JSON ``{"error": code, "message": ...}`` with 401/403, and audited.
"""

from __future__ import annotations

import base64
import binascii

from aiohttp import web

from simulator.entitlement.model import Account
from simulator.entitlement.policy import Action, Resource
from simulator.refdata import FILE_KINDS, RefDataError, get_file, list_files
from simulator.timeline import Auth
from simulator.timestamps import format_iso8601
from simulator.web.app import now_of, peer_of, render, site_of, state_of
from simulator.web.errors import WebError
from simulator.web.tokens import TokenError

CERTIFICATE_RULE = "FINRA technical notice 2021-02-22 (seed 001)"


def _basic(request: web.Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise WebError(400, "bad-authorization", "The Authorization header is malformed.") from None
    username, sep, password = raw.partition(":")
    if not sep:
        raise WebError(400, "bad-authorization", "The Authorization header is malformed.")
    return username, password


def _unauthorised(code: str, message: str, *, scheme: str) -> WebError:
    challenge = f'{scheme} realm="FINRA reference data"'
    return WebError(
        401, code, message, rule=CERTIFICATE_RULE, headers={"WWW-Authenticate": challenge}
    )


def _authenticate(request: web.Request) -> Account:
    """The account making this API request, by the method the date requires."""
    state, site, now = state_of(request), site_of(request), now_of(request)
    if site.auth is Auth.MFA:
        return _by_token(request)
    peer = peer_of(request)
    credentials = _basic(request)
    who = credentials[0] if credentials else (peer.username if peer else "-")
    if peer is None:
        state.audit(now, who or "-", "api-auth", "refused:certificate-missing", site.host)
        raise _unauthorised(
            "certificate-missing",
            "A digital certificate, login ID and password are necessary for API access: no "
            "client certificate was presented on this connection.",
            scheme="Basic",
        )
    if credentials is None:
        state.audit(now, who or "-", "api-auth", "refused:credentials-missing", site.host)
        raise _unauthorised(
            "credentials-missing",
            "A digital certificate, login ID and password are necessary for API access: send "
            "your login ID and password (HTTP Basic authentication).",
            scheme="Basic",
        )
    username, password = credentials
    outcome = state.directory.verify_password(username, password, now)
    if not outcome.verdict or outcome.account is None:
        raise WebError(
            401, outcome.verdict.code, outcome.verdict.message, rule=outcome.verdict.rule
        )
    account = outcome.account
    if peer.fingerprint not in account.certificate_fingerprints:
        state.audit(
            now,
            account.username,
            "api-auth",
            "refused:certificate-not-registered",
            f"presented={peer.username}",
        )
        raise WebError(
            403,
            "certificate-not-registered",
            f"The client certificate presented (issued to {peer.username}) is not registered "
            f"to the login ID {account.username}.",
            rule=CERTIFICATE_RULE,
        )
    return account


def _by_token(request: web.Request) -> Account:
    state, site, now = state_of(request), site_of(request), now_of(request)
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        state.audit(now, "-", "api-auth", "refused:token-missing", site.host)
        raise _unauthorised(
            "token-missing",
            "The reference-data API requires multi-factor authentication: obtain a refresh "
            "token in TRAQS, exchange it at POST /api/token and send the access token as "
            "'Authorization: Bearer ...'. Digital certificates are no longer accepted.",
            scheme="Bearer",
        )
    try:
        username = state.tokens.user_for(header[7:].strip(), now)
    except TokenError as exc:
        state.audit(now, "-", "api-auth", f"refused:{exc.code}", site.host)
        raise _unauthorised(exc.code, str(exc), scheme="Bearer") from None
    return state.directory.account(username)


def _entitled(request: web.Request, account: Account) -> None:
    state, site, now = state_of(request), site_of(request), now_of(request)
    state.directory.require(
        account.username,
        Action.DOWNLOAD_REFDATA,
        Resource(account.org_id, region=site.region),
        now,
    )


async def home(request: web.Request) -> web.StreamResponse:
    site = site_of(request)
    return await render(
        request, "api_home.html", {"kinds": FILE_KINDS, "mfa": site.auth is Auth.MFA}
    )


async def files(request: web.Request) -> web.StreamResponse:
    account = _authenticate(request)
    _entitled(request, account)
    state, now = state_of(request), now_of(request)
    product = request.query.get("product") or None
    known = {k.product for k in FILE_KINDS}
    if product is not None and product not in known:
        raise WebError(400, "unknown-product", f"product must be one of {', '.join(sorted(known))}")
    listing = list_files(now, product=product)
    state.audit(now, account.username, "api-list", "ok", f"files={len(listing)}")
    return web.json_response(
        {
            "as_of": format_iso8601(now),
            "files": [
                {
                    "name": info.name,
                    "kind": info.kind,
                    "product": info.product,
                    "description": info.description,
                    "date": info.date.isoformat(),
                    "published": format_iso8601(info.published_ns),
                    "url": f"/api/files/{info.name}",
                }
                for info in listing
            ],
        }
    )


async def download(request: web.Request) -> web.StreamResponse:
    account = _authenticate(request)
    _entitled(request, account)
    state, now = state_of(request), now_of(request)
    name = request.match_info["name"]
    try:
        found = get_file(name, state.seed, now)
    except RefDataError as exc:
        state.audit(now, account.username, "api-download", "refused:not-found", name[:60])
        raise WebError(404, "file-not-found", str(exc)) from None
    state.audit(now, account.username, "api-download", "ok", name)
    return web.Response(
        text=found.content,
        content_type="text/plain",
        charset="us-ascii",
        headers={"Content-Disposition": f'attachment; filename="{found.info.name}"'},
    )


async def token(request: web.Request) -> web.StreamResponse:
    state, site, now = state_of(request), site_of(request), now_of(request)
    if site.auth is not Auth.MFA:
        raise WebError(
            409,
            "api-not-mfa-yet",
            "The API takes a digital certificate, login ID and password on this date; tokens "
            "are used from its MFA date.",
        )
    form = await request.post()
    grant = form.get("grant_type")
    refresh = form.get("refresh_token")
    if grant != "refresh_token" or not isinstance(refresh, str) or not refresh:
        raise WebError(
            400, "invalid-request", "Send grant_type=refresh_token and refresh_token=..."
        )
    try:
        issued = state.tokens.exchange(refresh, now)
    except TokenError as exc:
        state.audit(now, "-", "api-token", f"refused:{exc.code}", site.host)
        raise WebError(401, exc.code, str(exc)) from None
    state.audit(now, issued.username, "api-token", "issued", site.host)
    return web.json_response(
        {
            "access_token": issued.token,
            "token_type": "Bearer",
            "expires_in": (issued.expires_ns - now) // 1_000_000_000,
        }
    )


def register(app: web.Application) -> None:
    app.router.add_get("/api/files", files, name="api:files")
    app.router.add_get("/api/files/{name}", download, name="api:download")
    app.router.add_post("/api/token", token, name="api:token")
