"""Browser sessions by cookie, with a CSRF token each, on the simulated clock.

A session is created when a login page is first shown (so even the login form carries a CSRF
token) and lives on the server; the browser only holds a random token in a cookie that is
``Secure`` (on HTTPS), ``HttpOnly`` and ``SameSite=Lax``. Cookies are per site: each host has
its own cookie name, so the MFA service, the TRAQS sites and their NTF counterparts never share a
login, as on the real hosts.

Every form POST must carry the session's CSRF token (synchroniser-token pattern, OWASP CSRF
cheat sheet); :meth:`Session.check_csrf` compares in constant time.

A session ends after :data:`IDLE_TIMEOUT_NS` without a request (**INFERENCE**: 30 minutes of
simulated time; FINRA does not publish the TRAQS time-out) or at logout. A certificate login is
bound to the certificate that made it: a request on a connection without that certificate ends
the session.

The "Remember this computer" choice of FAQ Q68 is a separate signed cookie, valid
:data:`REMEMBER_NS` (30 days) of simulated time, that spares the security question at the next
login for that user on that browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from simulator.clock import DAY, MINUTE

IDLE_TIMEOUT_NS = 30 * MINUTE
REMEMBER_NS = 30 * DAY
MAX_SESSIONS = 10_000


def cookie_name(host: str, kind: str = "session") -> str:
    """``facsim_session_finratraqs_org``: one cookie per site."""
    safe = "".join(c if c.isalnum() else "_" for c in host.lower())
    return f"facsim_{kind}_{safe}"


@dataclass
class Session:
    """One browser's state on one site."""

    token: str
    host: str
    csrf: str
    created_ns: int
    last_seen_ns: int
    username: str | None = None
    route: str | None = None  # "certificate" or "mfa" once logged in
    stage: str = "anonymous"  # anonymous | password | question | factor | done | enrol
    certificate: str | None = None  # fingerprint that made a certificate login
    question_index: int | None = None
    factor_failures: int = 0
    flash: list[tuple[str, str]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def logged_in(self) -> bool:
        return self.stage == "done" and self.username is not None

    def check_csrf(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token.encode(), self.csrf.encode())

    def say(self, kind: str, message: str) -> None:
        """Queue a message for the next page (``kind``: ``ok``, ``error``, ``info``)."""
        self.flash.append((kind, message))

    def take_flash(self) -> list[tuple[str, str]]:
        messages, self.flash = self.flash, []
        return messages

    def reset_login(self) -> None:
        self.username = None
        self.route = None
        self.stage = "anonymous"
        self.certificate = None
        self.question_index = None
        self.factor_failures = 0
        self.data.clear()
        self.csrf = secrets.token_urlsafe(24)


class SessionStore:
    """All sessions, keyed by their random token; thread-safe."""

    def __init__(self, remember_key: bytes | None = None) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._remember_key = remember_key or secrets.token_bytes(32)

    def new(self, host: str, now_ns: int) -> Session:
        session = Session(
            token=secrets.token_urlsafe(32),
            host=host,
            csrf=secrets.token_urlsafe(24),
            created_ns=now_ns,
            last_seen_ns=now_ns,
        )
        with self._lock:
            if len(self._sessions) >= MAX_SESSIONS:
                self._expire_locked(now_ns, force=True)
            self._sessions[session.token] = session
        return session

    def get(self, token: str | None, host: str, now_ns: int) -> Session | None:
        """The live session for ``token`` on ``host`` (``None`` if unknown, expired or for
        another site); touching it extends its life."""
        if not token:
            return None
        with self._lock:
            session = self._sessions.get(token)
            if session is None or session.host != host:
                return None
            if now_ns - session.last_seen_ns >= IDLE_TIMEOUT_NS or now_ns < session.created_ns:
                del self._sessions[token]
                return None
            session.last_seen_ns = max(session.last_seen_ns, now_ns)
            return session

    def drop(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def _expire_locked(self, now_ns: int, force: bool = False) -> None:
        stale = [
            token
            for token, session in self._sessions.items()
            if now_ns - session.last_seen_ns >= IDLE_TIMEOUT_NS
        ]
        if force and not stale:
            stale = sorted(self._sessions, key=lambda t: self._sessions[t].last_seen_ns)[:100]
        for token in stale:
            del self._sessions[token]

    def clear(self) -> None:
        with self._lock:
            self._sessions.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    # -- "Remember this computer" (FAQ Q68) ------------------------------------------------------

    def remember_token(self, username: str, now_ns: int) -> str:
        expires = now_ns + REMEMBER_NS
        payload = f"{username.casefold()}|{expires}".encode()
        mac = hmac.new(self._remember_key, payload, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(payload + b"|" + mac).decode("ascii")

    def remembered(self, token: str | None, username: str, now_ns: int) -> bool:
        if not token:
            return False
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii"))
            name, expires, mac = raw.split(b"|", 2)
        except (ValueError, UnicodeError):
            return False
        payload = name + b"|" + expires
        expected = hmac.new(self._remember_key, payload, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            return False
        try:
            still_valid = now_ns < int(expires)
        except ValueError:
            return False
        return still_valid and name.decode(errors="replace") == username.casefold()
