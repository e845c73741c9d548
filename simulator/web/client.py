"""A small firm-side client of the web front, for tests, BDD steps and firms' own suites.

It reaches the sites the way a browser with a host-resolver rule does: every site name resolves
to 127.0.0.1 (:class:`LoopbackResolver`), TLS is verified against the simulator's test CA with the
real site name as SNI and ``Host``, and a client certificate is presented when one is given.
Cookies are kept per host, and the CSRF token of the last page seen on a host is sent with the
next form -- exactly what a browser does, so the server's checks are exercised, not bypassed.

    async with WebClient(port, ca=pki.ca_pem, cert=pki.client("tom.trader@acme.example")) as web:
        page = await web.login_certificate("finratraqs.org", "tom.trader@acme.example", "...")
        page = await web.post("finratraqs.org", "/trades", {...trade fields...})
"""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

import aiohttp
import pyotp
from aiohttp.abc import AbstractResolver, ResolveResult

from simulator.clock import SECOND
from simulator.tls import ClientCertificate

_TAG = re.compile(r"<[^>]+>")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_QUESTION = re.compile(r'<span id="question">([^<]+)</span>')
_ERROR = re.compile(r'id="(?:error-message|login-error|question-error|factor-error)"[^>]*>([^<]+)<')


class LoopbackResolver(AbstractResolver):
    """Resolve every name to 127.0.0.1 (a browser's ``--host-resolver-rules``)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        return None


@dataclass
class Page:
    """A response as a test reads it."""

    status: int
    url: str
    text: str
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def csrf(self) -> str | None:
        found = _CSRF.search(self.text)
        return found.group(1) if found else None

    @property
    def question(self) -> str | None:
        found = _QUESTION.search(self.text)
        return unescape(found.group(1)) if found else None

    @property
    def error(self) -> str | None:
        found = _ERROR.search(self.text)
        return unescape(found.group(1)).strip() if found else None

    def has(self, text: str) -> bool:
        """Whether the page shows ``text`` (tags removed, entities decoded)."""
        return text in unescape(_TAG.sub("", self.text))

    def json(self) -> Any:
        import json

        return json.loads(self.text)


def totp_code(secret: str, now_ns: int, steps_ahead: int = 0) -> str:
    """The authenticator code for ``secret`` at the simulated instant (plus ``steps_ahead``
    30-second steps: the next code, when the current one was already used)."""
    return pyotp.TOTP(secret).at(now_ns // SECOND + 30 * steps_ahead)


class WebClient:
    """One browser: a cookie jar, a TLS identity, the last page per host."""

    def __init__(
        self,
        port: int,
        *,
        ca: Path | None = None,
        cert: ClientCertificate | None = None,
        scheme: str = "https",
    ) -> None:
        self.port = port
        self.scheme = scheme
        self.ssl: ssl.SSLContext | bool = False
        if scheme == "https":
            context = ssl.create_default_context(cafile=str(ca) if ca else None)
            if cert is not None:
                context.load_cert_chain(str(cert.cert), str(cert.key))
            self.ssl = context
        self.last: dict[str, Page] = {}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> WebClient:
        connector = aiohttp.TCPConnector(resolver=LoopbackResolver(), ssl=self.ssl)
        self._session = aiohttp.ClientSession(connector=connector)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def url(self, host: str, path: str) -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    async def request(
        self,
        method: str,
        host: str,
        path: str,
        *,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        follow: bool = True,
    ) -> Page:
        assert self._session is not None, "use 'async with WebClient(...)'"
        async with self._session.request(
            method,
            self.url(host, path),
            data=data,
            headers=headers,
            params=params,
            allow_redirects=follow,
        ) as response:
            page = Page(
                response.status, str(response.url), await response.text(), dict(response.headers)
            )
        if "text/html" in page.headers.get("Content-Type", ""):
            self.last[host] = page
        return page

    async def get(self, host: str, path: str, **params: str) -> Page:
        return await self.request("GET", host, path, params=params or None)

    async def post(
        self, host: str, path: str, data: Mapping[str, str], *, csrf: bool = True
    ) -> Page:
        """Submit a form, with the CSRF token of the last page seen on ``host``."""
        fields = dict(data)
        if csrf and "csrf_token" not in fields:
            last = self.last.get(host)
            token = last.csrf if last else None
            if token is None:
                token = (await self.get(host, "/login")).csrf
            if token is not None:
                fields["csrf_token"] = token
        return await self.request("POST", host, path, data=fields)

    # -- login flows -----------------------------------------------------------------------

    async def login_certificate(self, host: str, username: str, password: str) -> Page:
        await self.get(host, "/login")
        return await self.post(
            host, "/login", {"method": "certificate", "username": username, "password": password}
        )

    async def login_mfa(
        self,
        host: str,
        username: str,
        password: str,
        *,
        answer: Callable[[str], str] | Mapping[str, str],
        code: Callable[[], str] | str | None = None,
        factor: str = "totp",
        remember: bool = False,
    ) -> Page:
        """Password, then the security question (``answer(question)``), then the second factor
        (``code`` or, for SMS/voice, ``code()`` called after the code was sent)."""
        await self.get(host, "/login")
        page = await self.post(
            host, "/login", {"method": "mfa", "username": username, "password": password}
        )
        if page.question is not None:
            question = page.question
            reply = answer(question) if callable(answer) else answer[question]
            form = {"answer": reply}
            if remember:
                form["remember"] = "yes"
            page = await self.post(host, "/login/question", form)
        if page.status != 200 or "/login/factor" not in page.url:
            return page
        if factor != "totp":
            page = await self.post(host, "/login/factor", {"kind": factor, "action": "send"})
        value = code() if callable(code) else code
        return await self.post(
            host, "/login/factor", {"kind": factor, "action": "verify", "code": value or ""}
        )
