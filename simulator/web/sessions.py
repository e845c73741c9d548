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

Sessions survive a restart on the same data directory (:mod:`simulator.web.persistence`): the
store keeps them by the SHA-256 of their token (:func:`token_key`; the token itself is never
written), tracks which ones a request created, touched or ended (:meth:`SessionStore.take_changes`)
so only those are written, and saves the key that signs "Remember this computer" cookies.
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
from simulator.snapshot import Fields, SnapshotError

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


def token_key(token: str) -> str:
    """What a session is known by on the server and on disk: the SHA-256 of its cookie token
    (the token itself is never saved, so the state file cannot be used to take a session over)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class SessionChanges:
    """What changed since the last save: sessions to write (by key), sessions gone, and whether
    every saved session must be replaced (after a reset, or a save that failed)."""

    put: dict[str, dict[str, Any]]
    gone: frozenset[str]
    replace_all: bool

    @property
    def empty(self) -> bool:
        return not self.put and not self.gone and not self.replace_all


class SessionStore:
    """All sessions, keyed by the SHA-256 of their random token; thread-safe.

    For saving (:mod:`simulator.web.persistence`) the store remembers which sessions were
    created, touched or ended since :meth:`take_changes` was last called: a request can only
    change a session it obtained through :meth:`new` or :meth:`get`, so those are the ones to
    write."""

    def __init__(self, remember_key: bytes | None = None) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._remember_key = remember_key or secrets.token_bytes(32)
        self._dirty: set[str] = set()
        self._gone: set[str] = set()
        self._replace_all = False

    def new(self, host: str, now_ns: int) -> Session:
        session = Session(
            token=secrets.token_urlsafe(32),
            host=host,
            csrf=secrets.token_urlsafe(24),
            created_ns=now_ns,
            last_seen_ns=now_ns,
        )
        key = token_key(session.token)
        with self._lock:
            if len(self._sessions) >= MAX_SESSIONS:
                self._expire_locked(now_ns, force=True)
            self._sessions[key] = session
            self._dirty.add(key)
        return session

    def get(self, token: str | None, host: str, now_ns: int) -> Session | None:
        """The live session for ``token`` on ``host`` (``None`` if unknown, expired or for
        another site); touching it extends its life."""
        if not token:
            return None
        key = token_key(token)
        with self._lock:
            session = self._sessions.get(key)
            if session is None or session.host != host:
                return None
            if now_ns - session.last_seen_ns >= IDLE_TIMEOUT_NS or now_ns < session.created_ns:
                self._forget_locked(key)
                return None
            session.last_seen_ns = max(session.last_seen_ns, now_ns)
            session.token = token  # a session read back from disk learns its token here
            self._dirty.add(key)
            return session

    def drop(self, token: str) -> None:
        with self._lock:
            self._forget_locked(token_key(token))

    def touch(self, session: Session) -> None:
        """Mark a session changed (the web front calls it once a request is done with it)."""
        if not session.token:
            return
        key = token_key(session.token)
        with self._lock:
            if self._sessions.get(key) is session:
                self._dirty.add(key)

    def _forget_locked(self, key: str) -> None:
        if self._sessions.pop(key, None) is not None:
            self._gone.add(key)
        self._dirty.discard(key)

    def _expire_locked(self, now_ns: int, force: bool = False) -> None:
        stale = [
            key
            for key, session in self._sessions.items()
            if now_ns - session.last_seen_ns >= IDLE_TIMEOUT_NS
        ]
        if force and not stale:
            stale = sorted(self._sessions, key=lambda k: self._sessions[k].last_seen_ns)[:100]
        for key in stale:
            self._forget_locked(key)

    def expire(self, now_ns: int) -> int:
        """End every session idle for the time-out at ``now_ns``; returns how many."""
        with self._lock:
            before = len(self._sessions)
            self._expire_locked(now_ns)
            return before - len(self._sessions)

    def clear(self) -> None:
        with self._lock:
            self._sessions.clear()
            self._dirty.clear()
            self._gone.clear()
            self._replace_all = True

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    # -- saving and restoring ----------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        """What the store holds besides the sessions: the key that signs "Remember this
        computer" cookies (so a browser remembered before a restart is still remembered)."""
        return {"remember_key": base64.b64encode(self._remember_key).decode("ascii")}

    def restore_settings(self, data: Any) -> None:
        saved = Fields(data, "sessions")
        try:
            key = base64.b64decode(saved.text("remember_key"), validate=True)
        except ValueError:
            raise SnapshotError("sessions.remember_key: not base64") from None
        if len(key) < 16:
            raise SnapshotError("sessions.remember_key: too short")
        self._remember_key = key

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Every session as JSON, by key (:func:`token_key`)."""
        with self._lock:
            return {key: _session_to_json(s) for key, s in self._sessions.items()}

    def restore(self, sessions: dict[str, Any]) -> None:
        """Replace every session with saved ones (``{key: session JSON}``); a session read
        back learns its cookie token when the browser next presents it (:meth:`get`)."""
        restored = {}
        for key, value in sessions.items():
            if not isinstance(key, str) or len(key) != 64:
                raise SnapshotError(f"sessions[{str(key)[:20]!r}]: not a session key")
            restored[key] = _session_from_json(Fields(value, f"sessions[{key[:8]}...]"))
        with self._lock:
            self._sessions = restored
            self._dirty.clear()
            self._gone.clear()
            self._replace_all = False

    def take_changes(self) -> SessionChanges:
        """The sessions changed since the last call (and forget the marks)."""
        with self._lock:
            if self._replace_all:
                put = {key: _session_to_json(s) for key, s in self._sessions.items()}
            else:
                put = {
                    key: _session_to_json(self._sessions[key])
                    for key in self._dirty
                    if key in self._sessions
                }
            changes = SessionChanges(put, frozenset(self._gone), self._replace_all)
            self._dirty.clear()
            self._gone.clear()
            self._replace_all = False
            return changes

    def save_failed(self) -> None:
        """The last changes could not be written: write every session at the next save."""
        with self._lock:
            self._replace_all = True

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


def _session_to_json(session: Session) -> dict[str, Any]:
    return {
        "host": session.host,
        "csrf": session.csrf,
        "created_ns": session.created_ns,
        "last_seen_ns": session.last_seen_ns,
        "username": session.username,
        "route": session.route,
        "stage": session.stage,
        "certificate": session.certificate,
        "question_index": session.question_index,
        "factor_failures": session.factor_failures,
        "flash": [[kind, message] for kind, message in session.flash],
        "data": session.data,
    }


def _session_from_json(item: Fields) -> Session:
    flash = []
    for index, entry in enumerate(item.items("flash")):
        if not (
            isinstance(entry, list) and len(entry) == 2 and all(isinstance(e, str) for e in entry)
        ):
            raise SnapshotError(f"{item.where}.flash[{index}]: expected [kind, message]")
        flash.append((entry[0], entry[1]))
    return Session(
        token="",
        host=item.text("host"),
        csrf=item.text("csrf"),
        created_ns=item.integer("created_ns"),
        last_seen_ns=item.integer("last_seen_ns"),
        username=item.opt_text("username"),
        route=item.opt_text("route"),
        stage=item.text("stage"),
        certificate=item.opt_text("certificate"),
        question_index=item.opt_int("question_index"),
        factor_failures=item.integer("factor_failures"),
        flash=flash,
        data=dict(item.mapping("data")),
    )
