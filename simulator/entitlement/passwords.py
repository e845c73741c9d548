"""Password and secret hashing with a standard KDF (``hashlib.scrypt``, RFC 7914).

Passwords and security-question answers are never stored or logged in clear: only
``scrypt$N$r$p$salt$hash`` strings are kept. Verification is constant-time
(:func:`hmac.compare_digest`).

The cost is lower than a production service would choose (N=2**14, r=8, p=1: about 16 MiB and a
few tens of milliseconds) so that a BDD suite can log in hundreds of times; it is still a real
memory-hard KDF, not a fast hash.

The password rules follow the spirit of FINRA's Password Requirements page (linked from Q35,
not among the seeds): **INFERENCE** -- at least 8 characters, at least one letter and one digit,
not the user name itself.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from simulator.errors import UserInputError

DEFAULT_COST = 2**14
_N = DEFAULT_COST
_R = 8
_P = 1
_DKLEN = 32
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_secret(secret: str, *, n: int = _N, r: int = _R, p: int = _P) -> str:
    """Hash ``secret`` with a fresh random salt; returns a self-describing string."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_DKLEN)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


@functools.lru_cache(maxsize=4096)
def hash_config_secret(secret: str, n: int = _N) -> str:
    """:func:`hash_secret` memoised per process, for secrets read from configuration files.

    Reloading the sample organisations (every control-API reset, every test scenario) would
    otherwise spend a full KDF run per password and answer; a configured secret gets one salt
    per process instead. Secrets people choose at run time never go through here."""
    return hash_secret(secret, n=n)


def verify_secret(secret: str, stored: str | None) -> bool:
    """True if ``secret`` matches the ``stored`` hash (False for a missing or malformed hash)."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        actual = hashlib.scrypt(
            secret.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def check_password_rules(password: str, username: str) -> None:
    """Raise :class:`UserInputError` (naming the field) if ``password`` breaks the rules."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserInputError(
            f"must be at least {MIN_PASSWORD_LENGTH} characters long", source="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserInputError(
            f"must be at most {MAX_PASSWORD_LENGTH} characters long", source="password"
        )
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        raise UserInputError("must contain at least one letter and one digit", source="password")
    if password.casefold() == username.casefold():
        raise UserInputError("must not be the same as the user name", source="password")
