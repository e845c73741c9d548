"""Multi-factor authentication: invitations, TOTP, SMS and voice codes, on the simulated clock.

What the facility did (seed 000, seed 001, facilities.md section 5): a user with a TRAQS user
name receives an email "containing an invitation to access the NASDAQ MFA service", enrols at
``mpp.nasdaq.com`` and must "have at least one second factor authentication method" to log in
from the MFA date on. The second factors offered were Okta Verify, Google Authenticator (both
TOTP authenticator apps), SMS and voice call.

Here:

* **Invitations** are emailed to the captured :class:`~simulator.outbox.Outbox` with a one-time
  link to the enrolment page; a link works once and expires after
  :data:`INVITATION_TTL_NS` (**INFERENCE**: 30 days).
* **TOTP** (RFC 6238, SHA-1, 6 digits, 30-second steps -- what Google Authenticator and Okta
  Verify use) with ``pyotp``. The secret and its ``otpauth://`` provisioning URI are shown at
  enrolment; the factor counts only after one valid code confirms it. Codes are checked against
  the *simulated* clock (``for_time``) with one step of tolerance either side (RFC 6238 section
  5.2 recommends at most one). A code whose time step was already accepted is refused: RFC 6238
  section 5.2, "the verifier MUST NOT accept the second attempt of the same OTP after the
  successful validation has been issued for the first OTP".
* **SMS and voice** codes (6 digits) are delivered to the outbox as messages to the enrolled
  phone number; a code is valid for :data:`CODE_TTL_NS` (**INFERENCE**: 5 minutes), works once,
  and is withdrawn after :data:`MAX_CODE_ATTEMPTS` wrong tries.

Every secret, code and token comes from one ``random.Random`` seeded by the simulator's seed,
so a scenario replays exactly.

:meth:`MfaService.snapshot` / :meth:`MfaService.restore` save and read back everything above --
factors with their TOTP secrets and last accepted time step, the pending SMS/voice code,
invitations, and the random source's state -- so that a restart on the same data directory
(:mod:`simulator.web.persistence`) refuses a code used before it, accepts a code sent before it
until it expires, and never issues an invitation token twice.
"""

from __future__ import annotations

import base64
import random
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pyotp
from pyotp.utils import strings_equal

from simulator.clock import DAY, MINUTE, SECOND
from simulator.outbox import Channel, Outbox
from simulator.snapshot import Fields, SnapshotError

ISSUER = "NASDAQ MFA"
TOTP_STEP_SECONDS = 30
TOTP_DIGITS = 6
CODE_DIGITS = 6
CODE_TTL_NS = 5 * MINUTE
MAX_CODE_ATTEMPTS = 3
INVITATION_TTL_NS = 30 * DAY
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class FactorKind(StrEnum):
    TOTP = "totp"  # an authenticator app (Google Authenticator, Okta Verify)
    SMS = "sms"
    VOICE = "voice"

    @property
    def display_name(self) -> str:
        return {
            FactorKind.TOTP: "Authenticator app (Google Authenticator, Okta Verify)",
            FactorKind.SMS: "Text message (SMS)",
            FactorKind.VOICE: "Voice call",
        }[self]


class MfaError(Exception):
    """A second-factor step failed; ``code`` is stable for tests and the audit log."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass
class Factor:
    kind: FactorKind
    enrolled_ns: int
    secret: str | None = None  # TOTP
    phone: str | None = None  # SMS / voice
    confirmed: bool = False
    last_timecode: int | None = None  # TOTP replay protection

    def describe(self) -> str:
        if self.kind is FactorKind.TOTP:
            return self.kind.display_name
        phone = self.phone or ""
        return f"{self.kind.display_name} to ...{phone[-4:]}"


@dataclass
class Invitation:
    token: str
    username: str
    sent_ns: int
    expires_ns: int
    used_ns: int | None = None


@dataclass
class _PendingCode:
    code: str
    kind: FactorKind
    sent_ns: int
    expires_ns: int
    attempts: int = 0


@dataclass
class _UserFactors:
    factors: list[Factor] = field(default_factory=list)
    pending: _PendingCode | None = None


def _phone_ok(phone: str) -> bool:
    digits = [c for c in phone if c.isdigit()]
    allowed = set("0123456789+-() .")
    return 7 <= len(digits) <= 15 and all(c in allowed for c in phone)


def normalise_code(code: str) -> str:
    """Strip the spaces people type in codes ("123 456")."""
    return "".join(code.split())


class MfaService:
    """Second factors of every user, behind one lock, with a seeded random source."""

    def __init__(self, outbox: Outbox, seed: int | str = 0) -> None:
        self.outbox = outbox
        self._seed = seed
        self._rng = random.Random(f"mfa:{seed}")
        self._users: dict[str, _UserFactors] = {}
        self._invitations: dict[str, Invitation] = {}
        self._lock = threading.RLock()

    def reset(self) -> None:
        with self._lock:
            self._rng = random.Random(f"mfa:{self._seed}")
            self._users.clear()
            self._invitations.clear()

    @staticmethod
    def _key(username: str) -> str:
        return username.strip().casefold()

    def _user(self, username: str) -> _UserFactors:
        return self._users.setdefault(self._key(username), _UserFactors())

    def _digits(self, count: int) -> str:
        return "".join(str(self._rng.randrange(10)) for _ in range(count))

    def _token(self) -> str:
        return base64.urlsafe_b64encode(self._rng.randbytes(18)).decode("ascii")

    # --------------------------------------------------------------- invitations

    def invite(self, username: str, name: str, link_base: str, now_ns: int) -> Invitation:
        """Email an invitation to the NASDAQ MFA service (seed 000/001)."""
        with self._lock:
            token = self._token()
            invitation = Invitation(token, username, now_ns, now_ns + INVITATION_TTL_NS)
            self._invitations[token] = invitation
        link = f"{link_base}?token={token}"
        body = (
            f"Dear {name},\n\n"
            "You have been invited to access the NASDAQ MFA service for FINRA TRAQS.\n"
            "To enrol, open the link below, set your password, choose three security questions "
            "and set up at least one second factor (an authenticator app, text message or "
            "voice call):\n\n"
            f"{link}\n\n"
            "Your user name is this email address. The link can be used once and expires in "
            "30 days.\n"
        )
        self.outbox.send_email(
            username,
            "Invitation to the NASDAQ MFA service",
            body,
            sent_ns=now_ns,
            links=(link,),
            tags={"kind": "mfa-invitation", "token": token},
        )
        return invitation

    def invitation(self, token: str, now_ns: int) -> Invitation:
        """The open invitation for ``token``; :class:`MfaError` if unknown, used or expired."""
        with self._lock:
            invitation = self._invitations.get(token)
        if invitation is None:
            raise MfaError(
                "invitation-unknown",
                "This enrolment link is not valid. Use the link in your most recent invitation "
                "email, or ask your administrator to send a new one.",
            )
        if invitation.used_ns is not None:
            raise MfaError(
                "invitation-used",
                "This enrolment link has already been used. Log in with your user name and "
                "password instead.",
            )
        if now_ns >= invitation.expires_ns:
            raise MfaError(
                "invitation-expired",
                "This enrolment link has expired. Ask your administrator to send a new invitation.",
            )
        return invitation

    def complete_invitation(self, token: str, now_ns: int) -> Invitation:
        invitation = self.invitation(token, now_ns)
        with self._lock:
            invitation.used_ns = now_ns
        return invitation

    def invitations(self, username: str | None = None) -> list[Invitation]:
        with self._lock:
            found = list(self._invitations.values())
        if username is None:
            return found
        return [i for i in found if self._key(i.username) == self._key(username)]

    # ---------------------------------------------------------------------- TOTP

    def begin_totp(self, username: str, now_ns: int, secret: str | None = None) -> Factor:
        """Start enrolling an authenticator app: a new secret, not yet confirmed."""
        with self._lock:
            user = self._user(username)
            user.factors = [f for f in user.factors if f.kind is not FactorKind.TOTP or f.confirmed]
            chosen = secret or "".join(self._rng.choice(_BASE32) for _ in range(32))
            factor = Factor(FactorKind.TOTP, now_ns, secret=chosen)
            user.factors.append(factor)
            return factor

    @staticmethod
    def provisioning_uri(username: str, secret: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)

    def pending_totp(self, username: str) -> Factor | None:
        with self._lock:
            for factor in self._user(username).factors:
                if factor.kind is FactorKind.TOTP and not factor.confirmed:
                    return factor
        return None

    def confirm_totp(self, username: str, code: str, now_ns: int) -> Factor:
        """Confirm the pending authenticator with one valid code."""
        factor = self.pending_totp(username)
        if factor is None:
            raise MfaError(
                "no-pending-factor", "Start the authenticator set-up again to get a new key."
            )
        self._check_totp(factor, code, now_ns)
        with self._lock:
            user = self._user(username)
            user.factors = [
                f
                for f in user.factors
                if f is factor or f.kind is not FactorKind.TOTP  # one app per user
            ]
            factor.confirmed = True
        return factor

    def enrol_totp_secret(self, username: str, secret: str, now_ns: int) -> Factor:
        """Pre-enrol a known secret (scenario files and firms' fixtures)."""
        pyotp.TOTP(secret).byte_secret()  # raises on a malformed base32 secret
        factor = self.begin_totp(username, now_ns, secret=secret)
        with self._lock:
            factor.confirmed = True
        return factor

    def _check_totp(self, factor: Factor, code: str, now_ns: int) -> None:
        typed = normalise_code(code)
        if len(typed) != TOTP_DIGITS or not typed.isdigit():
            raise MfaError(
                "code-format",
                f"Enter the {TOTP_DIGITS}-digit code shown by your authenticator app.",
            )
        assert factor.secret is not None
        totp = pyotp.TOTP(factor.secret)
        try:
            timecode = totp.verify_and_get_timecode(
                typed, for_time=now_ns // SECOND, valid_window=1
            )
        except pyotp.exceptions.OTPVerificationError:
            raise MfaError(
                "code-wrong",
                "The code is not valid. Check that your device's clock is right and enter the "
                "current code.",
            ) from None
        with self._lock:
            if factor.last_timecode is not None and timecode <= factor.last_timecode:
                raise MfaError(
                    "code-reused",
                    "This code has already been used. Wait for your authenticator app to show "
                    "a new code.",
                )
            factor.last_timecode = timecode

    # ---------------------------------------------------------------- SMS / voice

    def add_phone(self, username: str, kind: FactorKind, phone: str, now_ns: int) -> Factor:
        """Start enrolling SMS or voice: sends a confirmation code to ``phone``."""
        if kind is FactorKind.TOTP:
            raise MfaError("factor-kind", "Choose text message or voice call for a phone.")
        if not _phone_ok(phone):
            raise MfaError(
                "phone-format",
                "Enter a phone number with 7 to 15 digits, e.g. +1 212 555 0100.",
            )
        with self._lock:
            user = self._user(username)
            user.factors = [f for f in user.factors if f.kind is not kind or f.confirmed]
            factor = Factor(kind, now_ns, phone=phone.strip())
            user.factors.append(factor)
        self._send(username, factor, now_ns, purpose="enrolment")
        return factor

    def _send(self, username: str, factor: Factor, now_ns: int, purpose: str) -> str:
        assert factor.phone is not None
        with self._lock:
            code = self._digits(CODE_DIGITS)
            self._user(username).pending = _PendingCode(
                code, factor.kind, now_ns, now_ns + CODE_TTL_NS
            )
        channel = Channel.SMS if factor.kind is FactorKind.SMS else Channel.VOICE
        self.outbox.send_code(
            channel, factor.phone, code, sent_ns=now_ns, purpose=purpose,
            tags={"username": username},
        )  # fmt: skip
        return code

    def send_code(self, username: str, kind: FactorKind, now_ns: int) -> Factor:
        """Send a login code by SMS or voice to the user's confirmed phone factor."""
        factor = self._factor(username, kind)
        self._send(username, factor, now_ns, purpose="login")
        return factor

    def confirm_phone(self, username: str, kind: FactorKind, code: str, now_ns: int) -> Factor:
        with self._lock:
            pending = [
                f for f in self._user(username).factors if f.kind is kind and not f.confirmed
            ]
        if not pending:
            raise MfaError("no-pending-factor", "Add the phone number again to get a new code.")
        self._check_code(username, kind, code, now_ns)
        with self._lock:
            user = self._user(username)
            user.factors = [f for f in user.factors if f is pending[-1] or f.kind is not kind]
            pending[-1].confirmed = True
        return pending[-1]

    def _check_code(self, username: str, kind: FactorKind, code: str, now_ns: int) -> None:
        typed = normalise_code(code)
        with self._lock:
            user = self._user(username)
            pending = user.pending
            if pending is None or pending.kind is not kind:
                raise MfaError("no-code-sent", "Ask for a new code first.")
            if now_ns >= pending.expires_ns:
                user.pending = None
                raise MfaError("code-expired", "This code has expired. Ask for a new code.")
            if not strings_equal(typed, pending.code):
                pending.attempts += 1
                if pending.attempts >= MAX_CODE_ATTEMPTS:
                    user.pending = None
                    raise MfaError(
                        "code-withdrawn",
                        "Too many wrong codes. This code no longer works; ask for a new one.",
                    )
                raise MfaError("code-wrong", "The code is not valid. Check it and try again.")
            user.pending = None  # a code works once

    # ------------------------------------------------------------------- login

    def _factor(self, username: str, kind: FactorKind) -> Factor:
        for factor in self.factors(username):
            if factor.kind is kind:
                return factor
        raise MfaError(
            "factor-not-enrolled",
            f"You have not enrolled {kind.display_name.lower()}. Choose another method or enrol "
            "it at mpp.nasdaq.com.",
        )

    def factors(self, username: str) -> list[Factor]:
        """The user's confirmed second factors."""
        with self._lock:
            return [f for f in self._user(username).factors if f.confirmed]

    def enrolled(self, username: str) -> bool:
        """At least one second factor (seed 000: required to log in from the MFA date)."""
        return bool(self.factors(username))

    def verify(self, username: str, kind: FactorKind, code: str, now_ns: int) -> Factor:
        """Check a login code; raises :class:`MfaError` (wrong, reused, expired, ...)."""
        factor = self._factor(username, kind)
        if kind is FactorKind.TOTP:
            self._check_totp(factor, code, now_ns)
        else:
            self._check_code(username, kind, code, now_ns)
        return factor

    def remove_all(self, username: str) -> None:
        with self._lock:
            self._users.pop(self._key(username), None)

    def secret_for(self, username: str) -> str | None:
        """The confirmed TOTP secret (control API test aid, like reading the QR code)."""
        for factor in self.factors(username):
            if factor.kind is FactorKind.TOTP:
                return factor.secret
        pending = self.pending_totp(username)
        return pending.secret if pending else None

    # ------------------------------------------------------------- saving, restart

    def snapshot(self) -> dict[str, Any]:
        """Every user's factors (TOTP secrets as held, phone numbers, the last TOTP step
        accepted), pending SMS/voice codes, invitations, and the random source's state -- so
        that after a restart a used code is still refused, a code sent before still works
        until it expires, and no invitation token or secret is issued twice."""
        with self._lock:
            version, internal, gauss = self._rng.getstate()
            return {
                "users": {
                    key: {
                        "factors": [_factor_to_json(f) for f in user.factors],
                        "pending": _pending_to_json(user.pending),
                    }
                    for key, user in self._users.items()
                    if user.factors or user.pending is not None
                },
                "invitations": [_invitation_to_json(i) for i in self._invitations.values()],
                "random": [version, list(internal), gauss],
            }

    def restore(self, data: Any) -> None:
        """Replace every factor, code and invitation with a :meth:`snapshot`'s; raises
        :class:`~simulator.snapshot.SnapshotError` naming the field (nothing changed then)."""
        saved = Fields(data, "mfa")
        users: dict[str, _UserFactors] = {}
        for key, value in saved.mapping("users").items():
            item = Fields(value, f"mfa.users.{key}")
            pending = item.opt_obj("pending")
            users[self._key(key)] = _UserFactors(
                factors=[_factor_from_json(f) for f in item.objects("factors")],
                pending=_pending_from_json(pending) if pending is not None else None,
            )
        invitations = {}
        for item in saved.objects("invitations"):
            invitation = Invitation(
                token=item.text("token"),
                username=item.text("username"),
                sent_ns=item.integer("sent_ns"),
                expires_ns=item.integer("expires_ns"),
                used_ns=item.opt_int("used_ns"),
            )
            invitations[invitation.token] = invitation
        state = saved.items("random")
        try:
            version, internal, gauss = state
            rng = random.Random()
            rng.setstate((version, tuple(internal), gauss))
        except (TypeError, ValueError):
            raise SnapshotError("mfa.random: not the state of a random source") from None
        with self._lock:
            self._users = users
            self._invitations = invitations
            self._rng = rng


def _factor_to_json(factor: Factor) -> dict[str, Any]:
    return {
        "kind": factor.kind.value,
        "enrolled_ns": factor.enrolled_ns,
        "secret": factor.secret,
        "phone": factor.phone,
        "confirmed": factor.confirmed,
        "last_timecode": factor.last_timecode,
    }


def _factor_from_json(item: Fields) -> Factor:
    return Factor(
        kind=item.choice("kind", FactorKind),
        enrolled_ns=item.integer("enrolled_ns"),
        secret=item.opt_text("secret"),
        phone=item.opt_text("phone"),
        confirmed=item.flag("confirmed"),
        last_timecode=item.opt_int("last_timecode"),
    )


def _pending_to_json(pending: _PendingCode | None) -> dict[str, Any] | None:
    if pending is None:
        return None
    return {
        "code": pending.code,
        "kind": pending.kind.value,
        "sent_ns": pending.sent_ns,
        "expires_ns": pending.expires_ns,
        "attempts": pending.attempts,
    }


def _pending_from_json(item: Fields) -> _PendingCode:
    return _PendingCode(
        code=item.text("code"),
        kind=item.choice("kind", FactorKind),
        sent_ns=item.integer("sent_ns"),
        expires_ns=item.integer("expires_ns"),
        attempts=item.integer("attempts"),
    )


def _invitation_to_json(invitation: Invitation) -> dict[str, Any]:
    return {
        "token": invitation.token,
        "username": invitation.username,
        "sent_ns": invitation.sent_ns,
        "expires_ns": invitation.expires_ns,
        "used_ns": invitation.used_ns,
    }
