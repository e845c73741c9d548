"""API tokens for the reference-data API after its MFA date (2024-09-30).

FINRA's TRACE Treasury Web API v4.1 (facilities.md section 5, [S107]) describes the MFA-era
flow: a person obtains a **refresh token** in TRAQS (after an MFA login), a program exchanges it
for a short-lived **access token**, and requests files with it. Lifetimes are **INFERENCE**
(not in the sources): refresh tokens 90 days, access tokens 30 minutes, both on the simulated
clock.

Tokens are random (``secrets``), kept only as SHA-256 digests, and bound to the user name.
The digests are what a restart on the same data directory reads back
(:mod:`simulator.web.persistence`), so a token works until its simulated expiry whether or not
``facsim serve`` was restarted in between, and the state file holds no usable token.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from simulator.clock import DAY, MINUTE
from simulator.snapshot import Fields, SnapshotError

REFRESH_TTL_NS = 90 * DAY
ACCESS_TTL_NS = 30 * MINUTE


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    username: str
    expires_ns: int


class TokenError(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class ApiTokens:
    """Refresh and access tokens by digest."""

    def __init__(self) -> None:
        self._refresh: dict[str, tuple[str, int]] = {}
        self._access: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()

    def issue_refresh(self, username: str, now_ns: int) -> IssuedToken:
        token = "rt_" + secrets.token_urlsafe(32)
        expires = now_ns + REFRESH_TTL_NS
        with self._lock:
            self._refresh[_digest(token)] = (username, expires)
        return IssuedToken(token, username, expires)

    def exchange(self, refresh_token: str, now_ns: int) -> IssuedToken:
        with self._lock:
            found = self._refresh.get(_digest(refresh_token))
        if found is None:
            raise TokenError("invalid-refresh-token", "The refresh token is not valid.")
        username, expires = found
        if now_ns >= expires:
            raise TokenError(
                "expired-refresh-token",
                "The refresh token has expired; obtain a new one in TRAQS.",
            )
        token = "at_" + secrets.token_urlsafe(32)
        access_expires = now_ns + ACCESS_TTL_NS
        with self._lock:
            self._access[_digest(token)] = (username, access_expires)
        return IssuedToken(token, username, access_expires)

    def user_for(self, access_token: str, now_ns: int) -> str:
        with self._lock:
            found = self._access.get(_digest(access_token))
        if found is None:
            raise TokenError("invalid-access-token", "The access token is not valid.")
        username, expires = found
        if now_ns >= expires:
            raise TokenError(
                "expired-access-token",
                "The access token has expired; exchange your refresh token for a new one.",
            )
        return username

    def reset(self) -> None:
        with self._lock:
            self._refresh.clear()
            self._access.clear()

    def snapshot(self) -> dict[str, Any]:
        """Every token's digest, user and expiry (never a token itself)."""
        with self._lock:
            return {
                "refresh": {d: [user, exp] for d, (user, exp) in sorted(self._refresh.items())},
                "access": {d: [user, exp] for d, (user, exp) in sorted(self._access.items())},
            }

    def restore(self, data: Any) -> None:
        """Replace every token with a :meth:`snapshot`'s; :class:`SnapshotError` names a bad
        field (nothing changed then)."""
        saved = Fields(data, "tokens")
        tables = {name: _table(saved, name) for name in ("refresh", "access")}
        with self._lock:
            self._refresh = tables["refresh"]
            self._access = tables["access"]


def _table(saved: Fields, name: str) -> dict[str, tuple[str, int]]:
    table: dict[str, tuple[str, int]] = {}
    for digest, entry in saved.mapping(name).items():
        where = f"tokens.{name}.{digest[:8]}"
        if len(digest) != 64:
            raise SnapshotError(f"{where}: not a token digest")
        if not (
            isinstance(entry, list)
            and len(entry) == 2
            and isinstance(entry[0], str)
            and isinstance(entry[1], int)
            and not isinstance(entry[1], bool)
        ):
            raise SnapshotError(f"{where}: expected [user name, expiry]")
        table[digest] = (entry[0], entry[1])
    return table
