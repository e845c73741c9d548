"""Everything the web front holds between requests, and what happens as simulated time passes.

:class:`WebState` joins the shared context (clock, journal, timeline, outbox, seed) with the web
front's own parts: the entitlement directory loaded from the organisation files, the MFA service,
browser sessions, API tokens, UAT registrations, the test PKI and the supervision roster.

:meth:`WebState.tick` runs on every request and after every clock change made through the
control API. It sends what became due since the last tick, each once:

* the MFA enrolment invitations of seed 000/001 ("Existing, active production users were emailed
  with signup instructions on Thursday, March 4, 2021"): accounts configured with
  ``mfa_invitation`` that have no second factor get their email when the clock reaches the
  timeline's ``mfa-enrolment-emails`` event, stamped with that instant;
* the certification emails of FAQ Q50 (initial, reminder, past due) to the SAA and the CCO.

:meth:`WebState.reset` puts the organisations, sessions, factors and registrations back to their
configured state (the control API's ``POST /reset``).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulator.clock import Clock
from simulator.domain.facility import Region
from simulator.domain.trade import Environment
from simulator.entitlement.config import AccountSpec, load_org_files
from simulator.entitlement.directory import Directory
from simulator.entitlement.model import AccountKind
from simulator.entitlement.passwords import DEFAULT_COST
from simulator.mfa import MfaService
from simulator.outbox import Outbox
from simulator.supervision.roster import Roster
from simulator.timeline import Timeline
from simulator.tls import Pki
from simulator.web.sessions import SessionStore
from simulator.web.tokens import ApiTokens
from simulator.web.uat import UatRegistry

INVITATION_EVENT = "mfa-enrolment-emails"
MFA_SERVICE_HOST = "mpp.nasdaq.com"
EMPTY_ROSTER = Roster(source="(no roster configured)", entries=())


class WebState:
    """The web front's state; one per running simulator."""

    def __init__(
        self,
        *,
        clock: Clock,
        journal: Any,
        timeline: Timeline,
        outbox: Outbox,
        seed: int,
        org_files: Sequence[Path],
        pki: Pki | None = None,
        roster: Roster | None = None,
        kdf_cost: int = DEFAULT_COST,
    ) -> None:
        self.clock = clock
        self.journal = journal
        self.timeline = timeline
        self.outbox = outbox
        self.seed = seed
        self.org_files = list(org_files)
        self.pki = pki
        self.roster = roster or EMPTY_ROSTER
        self.kdf_cost = kdf_cost
        self.port: int | None = None
        self.sessions = SessionStore()
        self.tokens = ApiTokens()
        self.uat = UatRegistry()
        self.mfa = MfaService(outbox, seed)
        self.directory = Directory(audit=self.audit, kdf_cost=kdf_cost)
        self.specs: list[AccountSpec] = []
        self._lock = threading.RLock()
        self._pending_invitations: list[AccountSpec] = []
        self._client_refs = itertools.count(1)

    # ------------------------------------------------------------------ loading

    def load(self, now_ns: int) -> None:
        """(Re)build the directory and factors from the organisation files."""
        with self._lock:
            # The set-up itself is configuration, not activity: audit from here on only.
            directory = Directory(kdf_cost=self.kdf_cost)
            files = load_org_files(self.org_files, directory, now_ns)
            directory.audit = self.audit
            self.directory = directory
            self.specs = [spec for f in files for spec in f.accounts]
            self.mfa.reset()
            for spec in self.specs:
                if spec.totp_secret:
                    self.mfa.enrol_totp_secret(spec.username, spec.totp_secret, now_ns)
            self.register_certificates()
            self._pending_invitations = [
                s for s in self.specs if s.mfa_invitation and not self.mfa.enrolled(s.username)
            ]

    def certificate_users(self) -> list[str]:
        return [spec.username for spec in self.specs if spec.certificate]

    def register_certificates(self) -> None:
        """Bind each configured user's client certificate to the account."""
        if self.pki is None:
            return
        for username in self.certificate_users():
            try:
                client = self.pki.client(username)
            except KeyError:
                client = self.pki.issue_client(username)
            self.directory.register_certificate(username, client.fingerprint)

    def reset(self) -> None:
        """Back to the configured organisations; empties sessions, tokens and registrations."""
        with self._lock:
            self.sessions.clear()
            self.tokens.reset()
            self.uat.reset()
            self._client_refs = itertools.count(1)
            self.load(self.clock.now_ns())
        self.tick(self.clock.now_ns())

    # ------------------------------------------------------------------ helpers

    def audit(self, ns: int, actor: str, action: str, outcome: str, detail: str = "") -> None:
        """Record one audited action in the journal's audit log (never a password or code)."""
        record = getattr(self.journal, "record_audit", None)
        if record is not None:
            record(ns, actor, action, outcome, detail)

    def url(self, host: str, path: str = "/") -> str:
        port = "" if self.port in (None, 443) else f":{self.port}"
        return f"https://{host}{port}{path}"

    def next_client_ref(self) -> str:
        """A reference for a trade entered without one: ``WEB`` and a sequence number."""
        with self._lock:
            return f"WEB{next(self._client_refs):08d}"

    def environment(self, region: Region | None, now_ns: int) -> Environment:
        """Where a report entered now on a site of ``region`` is journaled: the NTF, a running
        Saturday UAT (seed 000: journaled apart from production), or production."""
        if region is Region.NTF:
            return Environment.NTF
        uat = self.timeline.at(now_ns).active_uat
        if uat is not None and uat.region is Region.PRODUCTION:
            return Environment.UAT
        return Environment.PRODUCTION

    def invitation_event_ns(self) -> int | None:
        for event in self.timeline.events():
            if event.key == INVITATION_EVENT:
                return event.start_ns
        return None

    def invite(self, username: str, now_ns: int) -> None:
        """Email an MFA invitation now (a new user, or one whose link expired)."""
        account = self.directory.account(username)
        self.mfa.invite(
            account.username, account.name, self.url(MFA_SERVICE_HOST, "/enrol"), now_ns
        )
        self.audit(now_ns, account.username, "mfa-invitation", "sent", "")

    # --------------------------------------------------------------------- tick

    def tick(self, now_ns: int) -> None:
        """Send whatever became due by ``now_ns`` (invitations, certification emails)."""
        with self._lock:
            due_ns = self.invitation_event_ns()
            if self._pending_invitations and (due_ns is None or now_ns >= due_ns):
                stamp = now_ns if due_ns is None else due_ns
                pending, self._pending_invitations = self._pending_invitations, []
                for spec in pending:
                    if not self.mfa.enrolled(spec.username):
                        self.invite(spec.username, stamp)
            for org, kind, recipients in self.directory.certification_notices(now_ns):
                period = org.certification
                assert period is not None
                subject, body = _certification_email(kind, org.name, period.start, period.due)
                for recipient in recipients:
                    self.outbox.send_email(
                        recipient,
                        subject,
                        body,
                        sent_ns=now_ns,
                        tags={"kind": f"certification-{kind}", "org_id": org.org_id},
                    )
                self.audit(now_ns, "finra", f"certification-{kind}", "sent", org.org_id)

    def saa_of(self, org_id: str) -> str | None:
        for account in self.directory.accounts(org_id):
            if account.kind is AccountKind.SAA:
                return account.username
        return None


def _certification_email(kind: str, firm: str, start: Any, due: Any) -> tuple[str, str]:
    """The certification messages of FAQ Q50/Q53."""
    if kind == "initial":
        return (
            "FINRA Entitlement User Accounts Certification Period is underway",
            f"The User Accounts Certification Period for {firm} is underway: start date "
            f"{start.isoformat()}, due date {due.isoformat()}. Start the certification from the "
            "Account Management Admin landing page.",
        )
    if kind == "reminder":
        return (
            "Reminder: FINRA Entitlement User Accounts Certification",
            f"{firm} has not completed the User Accounts Certification, due on "
            f"{due.isoformat()} (10 business days from now or less).",
        )
    return (
        "Past due: FINRA Entitlement User Accounts Certification",
        f"{firm} did not complete the User Accounts Certification by {due.isoformat()}. "
        "Creating accounts, creating and assigning roles and editing entitlements are disabled "
        "for all administrators, and user accounts are suspended, until the Super Account "
        "Administrator completes the certification.",
    )
