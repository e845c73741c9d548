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

Durability (issue 6, crash recovery). With a store attached (:meth:`WebState.attach_store`, the
data directory's ``web-state.sqlite3``, :mod:`simulator.web.persistence`) :meth:`WebState.persist`
writes every part that changed -- directory, MFA service, sessions, API tokens, UAT
registrations, the web front's own counters -- in one transaction; the web front calls it
before each HTTP answer leaves, so an acknowledged change is a durable one. At start the saved
state is read back over the organisation files:

* what was saved wins for everything it holds (an account whose password, questions, factors,
  lockout, roles or status changed keeps the change; a role or an account deleted stays deleted);
* organisations, roles and accounts that are in the files but not in the saved state are added
  (with their configured second factor, certificate and invitation);
* :meth:`WebState.reset` (``POST /reset``) goes back to the files and replaces the saved state.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.clock import Clock
from simulator.domain.facility import Region
from simulator.domain.trade import Environment
from simulator.entitlement.config import AccountSpec, load_org_files
from simulator.entitlement.directory import Directory
from simulator.entitlement.model import AccountKind
from simulator.entitlement.passwords import DEFAULT_COST
from simulator.errors import ConfigError
from simulator.mfa import MfaService
from simulator.outbox import Outbox
from simulator.snapshot import Fields, SnapshotError
from simulator.supervision.roster import Roster
from simulator.timeline import Timeline
from simulator.tls import Pki
from simulator.web.persistence import WebStateStore, WriteStats, dumps
from simulator.web.sessions import SessionStore
from simulator.web.tokens import ApiTokens
from simulator.web.uat import UatRegistry

log = logging.getLogger("simulator.web")

INVITATION_EVENT = "mfa-enrolment-emails"
MFA_SERVICE_HOST = "mpp.nasdaq.com"
CLIENT_REF_SEQUENCE = "traqs-client-ref"  # the journal sequence behind WEB… references
EMPTY_ROSTER = Roster(source="(no roster configured)", entries=())
_UNSAVED = object()


@dataclass
class SaveCost:
    """Running totals of :meth:`WebState.persist`: how often it ran, how often it wrote, and the
    real time spent -- the price of durability, for measurements and tests."""

    calls: int = 0
    writes: int = 0
    seconds: float = 0.0
    write_seconds: float = 0.0

    def to_json(self) -> dict[str, float | int]:
        return {
            "calls": self.calls,
            "writes": self.writes,
            "mean_us": round(1e6 * self.seconds / self.calls, 1) if self.calls else 0.0,
            "mean_write_us": round(1e6 * self.write_seconds / self.writes, 1)
            if self.writes
            else 0.0,
        }


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
        self._pending_invitations: list[str] = []  # user names
        self.store: WebStateStore | None = None
        self._written: dict[str, Any] = {}  # each component as last saved
        self.save_cost = SaveCost()

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
                s.username
                for s in self.specs
                if s.mfa_invitation and not self.mfa.enrolled(s.username)
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
        """Back to the configured organisations; empties sessions, tokens and registrations,
        and replaces the saved state with this one (``POST /reset``)."""
        with self._lock:
            self.sessions.clear()
            self.tokens.reset()
            self.uat.reset()
            self.load(self.clock.now_ns())
            self.tick(self.clock.now_ns())
            self._written.clear()  # every part rewritten, every session replaced: one transaction
            self.persist()

    # ------------------------------------------------------------- durability

    def _components(self) -> list[tuple[str, Callable[[], Any]]]:
        return [
            ("directory", self.directory.snapshot),
            ("mfa", self.mfa.snapshot),
            ("tokens", self.tokens.snapshot),
            ("uat", self.uat.snapshot),
            ("sessions", self.sessions.settings),
            ("web", self._own_snapshot),
        ]

    def _own_snapshot(self) -> dict[str, Any]:
        return {
            "pending_invitations": list(self._pending_invitations),
        }

    def attach_store(self, store: WebStateStore, now_ns: int) -> list[str]:
        """Keep the web front's state in ``store`` from now on, after reading back what it
        holds (call after :meth:`load`). Returns what the organisation files added to the saved
        state (``[]`` when there was none, or nothing new). A saved part that is not what this
        version writes is a :class:`~simulator.errors.ConfigError` naming the file."""
        with self._lock:
            saved = store.load()
            added: list[str] = []
            if not saved.empty:
                try:
                    added = self._restore(saved.components, saved.sessions, now_ns)
                except SnapshotError as exc:
                    raise ConfigError(
                        store.shown,
                        f"the saved web front state does not read back: {exc}; move the file "
                        "aside to start the web front from the organisation files, or use "
                        "another --data-dir",
                    ) from None
                self._written = dict(saved.components)
                expired = self.sessions.expire(now_ns)
                log.info(
                    "web front state restored from %s: %d accounts, %d sessions (%d expired)%s",
                    store.shown,
                    len(self.directory.accounts()),
                    len(self.sessions),
                    expired,
                    f"; added from the organisation files: {', '.join(added)}" if added else "",
                )
            self.store = store
            self.persist()
            return added

    def _restore(
        self, components: dict[str, Any], sessions: dict[str, Any], now_ns: int
    ) -> list[str]:
        """Read the saved parts back over the state :meth:`load` built from the files."""
        added: list[str] = []
        new_accounts: set[str] = set()
        if "directory" in components:
            directory = Directory(audit=self.audit, kdf_cost=self.kdf_cost)
            directory.restore(components["directory"])
            saved_accounts = {a.username.casefold() for a in directory.accounts()}
            added = directory.adopt_missing(self.directory)
            new_accounts = {a.username.casefold() for a in directory.accounts()} - saved_accounts
            self.directory = directory
        else:
            new_accounts = {spec.username.casefold() for spec in self.specs}
        if "mfa" in components:
            self.mfa.restore(components["mfa"])
            for spec in self.specs:  # accounts new in the files bring their configured factor
                if spec.totp_secret and spec.username.casefold() in new_accounts:
                    self.mfa.enrol_totp_secret(spec.username, spec.totp_secret, now_ns)
        if "tokens" in components:
            self.tokens.restore(components["tokens"])
        if "uat" in components:
            self.uat.restore(components["uat"])
        if "sessions" in components:
            self.sessions.restore_settings(components["sessions"])
        self.sessions.restore(sessions)
        pending = [u for u in self._pending_invitations if u.casefold() in new_accounts]
        if "web" in components:
            own = Fields(components["web"], "web")
            if own.has("next_client_ref"):  # kept here by older versions: carry it over
                self.journal.advance_sequence(CLIENT_REF_SEQUENCE, own.integer("next_client_ref"))
            saved_pending = own.texts("pending_invitations")
            pending = saved_pending + [u for u in pending if u not in saved_pending]
        self._pending_invitations = pending
        return added

    def persist(self) -> WriteStats | None:
        """Write every part changed since the last save, in one transaction (no store: no-op).

        Raises :class:`~simulator.web.persistence.StateNotSaved` if the file refuses the write;
        the sessions are then all written again at the next save."""
        store = self.store
        if store is None:
            return None
        started = time.perf_counter()
        with self._lock:
            try:
                # Comparing the plain objects is several times cheaper than serialising them;
                # only what changed is turned into text.
                changed = {
                    name: data
                    for name, snapshot in self._components()
                    if (data := snapshot()) != self._written.get(name, _UNSAVED)
                }
                changes = self.sessions.take_changes()
                if not changed and changes.empty:
                    return None
                wrote = time.perf_counter()
                try:
                    stats = store.write(
                        {name: dumps(data) for name, data in changed.items()},
                        {key: dumps(data) for key, data in changes.put.items()},
                        changes.gone,
                        replace_sessions=changes.replace_all,
                    )
                except BaseException:
                    self.sessions.save_failed()
                    raise
                self._written.update(changed)
                self.save_cost.writes += 1
                self.save_cost.write_seconds += time.perf_counter() - wrote
                return stats
            finally:
                self.save_cost.calls += 1
                self.save_cost.seconds += time.perf_counter() - started

    def close_store(self) -> None:
        """Save what is left and close the state file (a clean stop)."""
        store = self.store
        if store is None:
            return
        try:
            self.persist()
        finally:
            self.store = None
            store.close()

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
        """A reference for a trade entered without one: ``WEB`` and a sequence number.

        The number comes from a sequence the journal keeps with its rows, committed before the
        trade that uses it: however the simulator stops, a restart never hands it out again.
        """
        return f"WEB{self.journal.next_in_sequence(CLIENT_REF_SEQUENCE):08d}"

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
                for username in pending:
                    if self.directory.find(username) is not None and not self.mfa.enrolled(
                        username
                    ):
                        self.invite(username, stamp)
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
