"""API tokens for the reference-data API after its MFA date (2024-09-30).

FINRA's TRACE Treasury Web API v4.1 (facilities.md section 5, [S107]) describes the MFA-era
flow: a person obtains a **refresh token** in TRAQS (after an MFA login), a program exchanges it
for a short-lived **access token**, and requests files with it. Lifetimes are **INFERENCE**
(not in the sources): refresh tokens 90 days, access tokens 30 minutes, both on the simulated
clock.

Tokens are random (``secrets``), kept only as SHA-256 digests, and bound to the user name.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass

from simulator.clock import DAY, MINUTE

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
