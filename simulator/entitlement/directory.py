"""The entitlement directory: organisations, accounts and roles, and the operations on them.

Every operation takes the acting account's user name and ``now_ns`` from the caller (the web
front passes the simulated clock), asks :func:`~.policy.check` first, applies the FAQ's own
constraints (one SAA per organisation, roles without MPIDs, no deleting an assigned role...),
and reports the outcome to the ``audit`` callback -- allowed and refused alike -- so the audit
log shows who tried what. A refusal raises :class:`EntitlementError` carrying the policy's
:class:`~.policy.Verdict`; nothing is changed in that case.

Passwords and security answers arrive in clear and leave only as KDF hashes
(:mod:`.passwords`); they never reach the audit callback.

:meth:`Directory.snapshot` and :meth:`Directory.restore` write and read back every organisation
and account (:mod:`.snapshot`) for a restart on the same data directory;
:meth:`Directory.adopt_missing` then adds what the organisation files have that the saved state
does not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from simulator.domain.facility import Region
from simulator.entitlement import certification, lockout, passwords, questions
from simulator.entitlement.dormancy import DEFAULT_DORMANCY_NS
from simulator.entitlement.model import (
    Account,
    AccountKind,
    AccountStatus,
    CertificationPeriod,
    LockReason,
    Organisation,
    Role,
    RoleStatus,
    SecurityAnswer,
)
from simulator.entitlement.policy import AccountView, Action, Resource, Verdict, check
from simulator.entitlement.snapshot import (
    account_from_json,
    account_to_json,
    organisation_from_json,
    organisation_to_json,
)
from simulator.errors import SimulatorError, UserInputError
from simulator.snapshot import Fields, SnapshotError

AuditSink = Callable[[int, str, str, str, str], None]
"""``audit(ns, actor, action, outcome, detail)``; outcome is ``"allowed"``/``"refused"``/..."""

MPID_LENGTH = 4


def _no_audit(ns: int, actor: str, action: str, outcome: str, detail: str) -> None:
    return None


class EntitlementError(SimulatorError):
    """An entitlement operation was refused; ``verdict`` says why in the facility's words."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        super().__init__(verdict.message)

    @property
    def code(self) -> str:
        return self.verdict.code


def _refuse(code: str, message: str, rule: str) -> EntitlementError:
    return EntitlementError(Verdict(False, code, message, rule))


def valid_mpid(mpid: str) -> bool:
    """An MPID is exactly four uppercase letters (FINRA market participant identifier)."""
    return len(mpid) == MPID_LENGTH and mpid.isascii() and mpid.isalpha() and mpid.isupper()


@dataclass(frozen=True, slots=True)
class PasswordOutcome:
    """Result of a password check: the account (if the name is known) and the verdict."""

    account: Account | None
    verdict: Verdict


GENERIC_LOGIN_FAILURE = "The user name or password you entered is incorrect."
_OK = Verdict(True, "ok", "", "")


class Directory:
    """All organisations, accounts and roles of one simulator, behind one lock."""

    def __init__(
        self,
        *,
        audit: AuditSink | None = None,
        dormancy_ns: int = DEFAULT_DORMANCY_NS,
        is_business_day: certification.BusinessDayTest = certification.default_business_day,
        kdf_cost: int = passwords.DEFAULT_COST,
    ) -> None:
        self._orgs: dict[str, Organisation] = {}
        self._accounts: dict[str, Account] = {}
        self._lock = threading.RLock()
        self.audit: AuditSink = audit or _no_audit
        self.dormancy_ns = dormancy_ns
        self.is_business_day = is_business_day
        self.kdf_cost = kdf_cost  # scrypt N; tests lower it, the default is passwords.DEFAULT_COST

    # ----------------------------------------------------------------- lookups

    @staticmethod
    def _key(username: str) -> str:
        return username.strip().casefold()

    def organisation(self, org_id: str) -> Organisation:
        with self._lock:
            org = self._orgs.get(org_id)
        if org is None:
            raise UserInputError(f"no organisation with Org ID {org_id!r}", source="org_id")
        return org

    def organisations(self) -> list[Organisation]:
        with self._lock:
            return list(self._orgs.values())

    def find(self, username: str) -> Account | None:
        with self._lock:
            return self._accounts.get(self._key(username))

    def account(self, username: str) -> Account:
        found = self.find(username)
        if found is None:
            raise UserInputError(f"no account named {username!r}", source="username")
        return found

    def accounts(self, org_id: str | None = None) -> list[Account]:
        with self._lock:
            return [
                a
                for a in self._accounts.values()
                if (org_id is None or a.org_id == org_id) and a.status is not AccountStatus.DELETED
            ]

    def view(self, account: Account) -> AccountView:
        org = self.organisation(account.org_id)
        saa = self.find(org.saa_username) if org.saa_username else None
        return AccountView(
            account=account,
            org=org,
            saa=saa,
            accounts_in_org=len(self.accounts(org.org_id)),
            dormancy_ns=self.dormancy_ns,
        )

    def check(
        self, username: str, action: Action, resource: Resource, now_ns: int, *, audit: bool = True
    ) -> Verdict:
        """Run the policy for ``username``; refusals (and, if ``audit``, grants) are audited."""
        account = self.find(username)
        if account is None:
            verdict = Verdict(False, "unknown-account", GENERIC_LOGIN_FAILURE, "")
        else:
            verdict = check(self.view(account), action, resource, now_ns)
        if audit or not verdict.allowed:
            self._audit(now_ns, username, action.value, verdict, self._describe(resource))
        return verdict

    def require(self, username: str, action: Action, resource: Resource, now_ns: int) -> Account:
        """Like :meth:`check` but raises :class:`EntitlementError` on refusal."""
        verdict = self.check(username, action, resource, now_ns, audit=False)
        if not verdict:
            raise EntitlementError(verdict)
        return self.account(username)

    @staticmethod
    def _describe(resource: Resource) -> str:
        parts = [f"org={resource.org_id}"]
        if resource.region is not None:
            parts.append(f"region={resource.region.value}")
        if resource.mpid:
            parts.append(f"mpid={resource.mpid}")
        if resource.target is not None:
            parts.append(f"target={resource.target.username}")
        if resource.role is not None:
            parts.append(f"role={resource.role.name}")
        return " ".join(parts)

    def _audit(self, ns: int, actor: str, action: str, verdict: Verdict, detail: str) -> None:
        outcome = "allowed" if verdict.allowed else f"refused:{verdict.code}"
        self.audit(ns, actor, action, outcome, detail)

    # ------------------------------------------------------- organisations, SAA

    def add_organisation(
        self,
        org_id: str,
        name: str,
        *,
        mpids: Iterable[str] = (),
        cco_email: str | None = None,
        cat_access: bool = False,
    ) -> Organisation:
        """Register an organisation (FINRA does this when the SAA Agreement is processed)."""
        org_id = org_id.strip()
        if not org_id:
            raise UserInputError("an organisation needs an Org ID", source="org_id")
        mpid_set = {m.strip() for m in mpids}
        bad = sorted(m for m in mpid_set if not valid_mpid(m))
        if bad:
            raise UserInputError(
                f"{', '.join(bad)} is not an MPID (four uppercase letters)", source="mpids"
            )
        with self._lock:
            if org_id in self._orgs:
                raise UserInputError(f"Org ID {org_id} already exists", source="org_id")
            for other in self._orgs.values():
                shared = mpid_set & other.mpids
                if shared:
                    raise UserInputError(
                        f"MPID {sorted(shared)[0]} already belongs to {other.org_id}",
                        source="mpids",
                    )
            org = Organisation(
                org_id=org_id, name=name, mpids=mpid_set, cco_email=cco_email, cat_access=cat_access
            )
            self._orgs[org_id] = org
        return org

    def designate_saa(
        self,
        org_id: str,
        username: str,
        name: str,
        now_ns: int,
        *,
        phone: str | None = None,
    ) -> Account:
        """Create the organisation's one SAA (FAQ Q4: a second one is refused)."""
        with self._lock:
            org = self.organisation(org_id)
            if org.saa_username is not None:
                current = self.find(org.saa_username)
                if current is not None and current.status is not AccountStatus.DELETED:
                    error = _refuse(
                        "second-saa",
                        f"{org.name} already has a Super Account Administrator "
                        f"({current.username}). For security reasons an organisation may "
                        "designate only one SAA; use the Replace SAA workflow to change it.",
                        "FINRA Entitlement FAQ Q4",
                    )
                    self._audit(now_ns, username, "designate-saa", error.verdict, f"org={org_id}")
                    raise error
            account = self._new_account(org, username, AccountKind.SAA, name, now_ns, phone=phone)
            org.saa_username = account.username
        self._audit(now_ns, username, "designate-saa", _OK, f"org={org_id}")
        return account

    def replace_saa(
        self,
        org_id: str,
        new_username: str,
        now_ns: int,
        *,
        name: str | None = None,
        keep_former_as_user: bool = True,
    ) -> Account:
        """The Replace SAA workflow (Q24, Q26), approved by an Authorized Signatory.

        The former SAA becomes a user keeping only its User privileges, or is deleted."""
        with self._lock:
            org = self.organisation(org_id)
            former = self.find(org.saa_username) if org.saa_username else None
            if former is not None:
                if keep_former_as_user:
                    former.kind = AccountKind.USER
                    former.admin_privileges.clear()
                else:
                    former.status = AccountStatus.DELETED
                    former.deleted_reason = "replaced as SAA"
            existing = self.find(new_username)
            if existing is not None:
                if existing.org_id != org_id:
                    raise _refuse(
                        "other-organisation",
                        "A separate user name is required for each organisation.",
                        "FINRA Entitlement FAQ Q11",
                    )
                existing.kind = AccountKind.SAA  # Q15: keeps its user id and entitlements
                account = existing
            else:
                account = self._new_account(
                    org, new_username, AccountKind.SAA, name or new_username, now_ns
                )
            org.saa_username = account.username
        self._audit(now_ns, new_username, "replace-saa", _OK, org_id)
        return account

    def _new_account(
        self,
        org: Organisation,
        username: str,
        kind: AccountKind,
        name: str,
        now_ns: int,
        *,
        phone: str | None = None,
    ) -> Account:
        username = username.strip()
        if "@" not in username or len(username) > 254 or any(c.isspace() for c in username):
            raise UserInputError(
                f"{username!r} is not a user name: TRAQS user names are email addresses",
                source="username",
            )
        key = self._key(username)
        existing = self._accounts.get(key)
        if existing is not None and existing.status is not AccountStatus.DELETED:
            where = "your organisation" if existing.org_id == org.org_id else "another organisation"
            raise _refuse(
                "username-taken",
                f"The user name {username} is already used by {where}; a separate user name "
                "is required for each organisation.",
                "FINRA Entitlement FAQ Q11",
            )
        account = Account(
            username=username,
            org_id=org.org_id,
            kind=kind,
            name=name,
            phone=phone,
            created_ns=now_ns,
        )
        self._accounts[key] = account
        return account

    # ---------------------------------------------------------------- accounts

    def create_account(
        self,
        actor: str,
        username: str,
        name: str,
        now_ns: int,
        *,
        kind: AccountKind = AccountKind.USER,
        phone: str | None = None,
    ) -> Account:
        with self._lock:
            actor_account = self.account(actor)
            resource = Resource(org_id=actor_account.org_id, target_kind=kind)
            self._require(actor, Action.CREATE_ACCOUNT, resource, now_ns)
            org = self.organisation(actor_account.org_id)
            account = self._new_account(org, username, kind, name, now_ns, phone=phone)
        self._audit(now_ns, actor, "create-account", _OK, username)
        return account

    def _require(self, actor: str, action: Action, resource: Resource, now_ns: int) -> Account:
        verdict = self.check(actor, action, resource, now_ns, audit=False)
        if not verdict:
            raise EntitlementError(verdict)
        return self.account(actor)

    def _target(self, actor: str, username: str, action: Action, now_ns: int) -> Account:
        target = self.find(username)
        actor_account = self.find(actor)
        if target is None or actor_account is None:
            verdict = Verdict(False, "unknown-account", f"No account named {username}.", "")
            self._audit(now_ns, actor, action.value, verdict, f"target={username}")
            raise EntitlementError(verdict)
        return target

    def entitle(
        self,
        actor: str,
        username: str,
        now_ns: int,
        *,
        privileges: Iterable[str] | None = None,
        admin_privileges: Iterable[str] | None = None,
        mpids: Iterable[str] | None = None,
        regions: Iterable[Region | str] | None = None,
    ) -> Account:
        """Set (replace) an account's direct privileges, MPIDs and regions (Account Management).

        MPIDs must belong to the organisation. ``None`` leaves a field unchanged."""
        with self._lock:
            target = self._target(actor, username, Action.EDIT_ENTITLEMENTS, now_ns)
            new_privileges = set(privileges) if privileges is not None else set(target.privileges)
            granted = frozenset(new_privileges - target.privileges)
            if admin_privileges is not None:
                granted |= frozenset(admin_privileges)
            resource = Resource(org_id=target.org_id, target=target, privileges=granted)
            self._require(actor, Action.EDIT_ENTITLEMENTS, resource, now_ns)
            org = self.organisation(target.org_id)
            new_mpids = {m.strip() for m in mpids} if mpids is not None else set(target.mpids)
            foreign = sorted(new_mpids - org.mpids)
            if foreign:
                error = _refuse(
                    "mpid-not-organisation",
                    f"MPID {foreign[0]} does not belong to {org.name}.",
                    "FINRA Entitlement FAQ Q84",
                )
                self._audit(now_ns, actor, "edit-entitlements", error.verdict, username)
                raise error
            new_regions = (
                {Region(r) for r in regions} if regions is not None else set(target.regions)
            )
            target.privileges = new_privileges
            if admin_privileges is not None:
                target.admin_privileges = set(admin_privileges)
            target.mpids = new_mpids
            target.regions = new_regions
        self._audit(now_ns, actor, "edit-entitlements", _OK, username)
        return target

    def set_status(self, actor: str, username: str, status: AccountStatus, now_ns: int) -> Account:
        action = (
            Action.DELETE_ACCOUNT if status is AccountStatus.DELETED else Action.DISABLE_ACCOUNT
        )
        with self._lock:
            target = self._target(actor, username, action, now_ns)
            self._require(actor, action, Resource(org_id=target.org_id, target=target), now_ns)
            if target.kind is AccountKind.SAA and status is AccountStatus.DELETED:
                raise _refuse(
                    "saa-protected",
                    "The Super Account Administrator's account is replaced with the Replace SAA "
                    "workflow, not deleted.",
                    "FINRA Entitlement FAQ Q24",
                )
            target.status = status
        self._audit(now_ns, actor, action.value, _OK, username)
        return target

    def unlock(self, actor: str, username: str, now_ns: int) -> Account:
        """An SAA or AA unlocks an account before the hour is up (Q34); after a lock for wrong
        security answers the user must reset the questions (Q72)."""
        with self._lock:
            target = self._target(actor, username, Action.UNLOCK_ACCOUNT, now_ns)
            self._require(
                actor, Action.UNLOCK_ACCOUNT, Resource(org_id=target.org_id, target=target), now_ns
            )
            self._clear_lock(target)
        self._audit(now_ns, actor, "unlock-account", _OK, username)
        return target

    def support_unlock(self, username: str, now_ns: int) -> Account:
        """The FINRA Support Center unlocks an account (the only way for an SAA, Q16/Q34)."""
        with self._lock:
            target = self.account(username)
            self._clear_lock(target)
        self._audit(now_ns, "finra-support", "unlock-account", _OK, username)
        return target

    @staticmethod
    def _clear_lock(target: Account) -> None:
        if target.lock_reason is LockReason.SECURITY_QUESTIONS:
            target.must_reset_questions = True
        target.locked_until_ns = None
        target.lock_reason = None
        target.password_failures.clear()
        target.question_failures = 0

    # ------------------------------------------------------------------- roles

    def create_role(
        self,
        actor: str,
        name: str,
        description: str,
        privileges: Iterable[str],
        now_ns: int,
        *,
        mpids: Iterable[str] = (),
    ) -> Role:
        """Create a role (SAA only, unique name, Q75/Q81). MPIDs are refused (Q84)."""
        with self._lock:
            actor_account = self.account(actor)
            org = self.organisation(actor_account.org_id)
            self._require(actor, Action.MANAGE_ROLES, Resource(org_id=org.org_id), now_ns)
            self._refuse_mpids_in_role(actor, org, list(mpids) + list(privileges), now_ns)
            clean = name.strip()
            if not clean:
                raise UserInputError("a role needs a name", source="name")
            if any(r.name.casefold() == clean.casefold() for r in org.roles.values()):
                raise _refuse(
                    "role-name-taken",
                    f"A role named {clean} already exists; each role needs a unique name.",
                    "FINRA Entitlement FAQ Q81",
                )
            role = Role(name=clean, description=description.strip(), privileges=set(privileges))
            org.roles[clean] = role
        self._audit(now_ns, actor, "create-role", _OK, clean)
        return role

    def _refuse_mpids_in_role(
        self, actor: str, org: Organisation, items: list[str], now_ns: int
    ) -> None:
        mpid_like = [i for i in items if valid_mpid(i.strip())]
        if mpid_like:
            error = _refuse(
                "role-with-mpid",
                "Roles cannot include MPIDs or MPID entitlements; assign MPID entitlement in "
                "Account Management.",
                "FINRA Entitlement FAQ Q84",
            )
            self._audit(now_ns, actor, "manage-roles", error.verdict, ", ".join(mpid_like))
            raise error

    def update_role(self, actor: str, name: str, privileges: Iterable[str], now_ns: int) -> Role:
        """Replace a role's privileges; accounts holding it follow at once (Q87)."""
        with self._lock:
            org = self.organisation(self.account(actor).org_id)
            self._require(actor, Action.MANAGE_ROLES, Resource(org_id=org.org_id), now_ns)
            role = self._role(org, name)
            if role.status is RoleStatus.DELETED:
                raise _refuse(
                    "role-deleted", f"Role {role.name} is deleted.", "FINRA Entitlement FAQ Q82"
                )
            self._refuse_mpids_in_role(actor, org, list(privileges), now_ns)
            role.privileges = set(privileges)
        self._audit(now_ns, actor, "update-role", _OK, name)
        return role

    @staticmethod
    def _role(org: Organisation, name: str) -> Role:
        role = org.roles.get(name.strip())
        if role is None:
            raise _refuse("unknown-role", f"No role named {name}.", "FINRA Entitlement FAQ Q92")
        return role

    def holders(self, org_id: str, role_name: str) -> list[str]:
        return sorted(a.username for a in self.accounts(org_id) if role_name in a.roles)

    def delete_role(self, actor: str, name: str, reason: str, now_ns: int) -> Role:
        """Delete a role: refused while any account still holds it (Q91); a reason is required."""
        with self._lock:
            org = self.organisation(self.account(actor).org_id)
            self._require(actor, Action.MANAGE_ROLES, Resource(org_id=org.org_id), now_ns)
            role = self._role(org, name)
            if not reason.strip():
                raise UserInputError("give a reason for deleting the role", source="reason")
            holders = self.holders(org.org_id, role.name)
            if holders:
                error = _refuse(
                    "role-assigned",
                    f"Role {role.name} is still assigned to {len(holders)} account(s) "
                    f"({', '.join(holders)}). Unassign it from every account before deleting it.",
                    "FINRA Entitlement FAQ Q91, Q92",
                )
                self._audit(now_ns, actor, "delete-role", error.verdict, role.name)
                raise error
            role.deleted = True
            role.deleted_reason = reason.strip()
            role.deleted_ns = now_ns
        self._audit(now_ns, actor, "delete-role", _OK, role.name)
        return role

    def assign_role(self, actor: str, username: str, role_name: str, now_ns: int) -> Account:
        with self._lock:
            target = self._target(actor, username, Action.ASSIGN_ROLE, now_ns)
            org = self.organisation(target.org_id)
            role = (
                self._role(org, role_name) if target.org_id == self.account(actor).org_id else None
            )
            resource = Resource(org_id=target.org_id, target=target, role=role)
            self._require(actor, Action.ASSIGN_ROLE, resource, now_ns)
            assert role is not None
            if role.status is RoleStatus.DELETED:
                error = _refuse(
                    "role-deleted",
                    f"Role {role.name} is deleted and no longer available to assign.",
                    "FINRA Entitlement FAQ Q82",
                )
            elif role.status is RoleStatus.INCOMPLETE:
                error = _refuse(
                    "role-incomplete",
                    f"Role {role.name} is incomplete (it has no entitlements); add entitlements "
                    "before assigning it.",
                    "FINRA Entitlement FAQ Q82",
                )
            else:
                target.roles.add(role.name)
                self._audit(now_ns, actor, "assign-role", _OK, username)
                return target
            self._audit(now_ns, actor, "assign-role", error.verdict, f"{username} {role.name}")
            raise error

    def unassign_role(self, actor: str, username: str, role_name: str, now_ns: int) -> Account:
        with self._lock:
            target = self._target(actor, username, Action.ASSIGN_ROLE, now_ns)
            org = self.organisation(target.org_id)
            role = (
                self._role(org, role_name) if target.org_id == self.account(actor).org_id else None
            )
            resource = Resource(org_id=target.org_id, target=target, role=role)
            self._require(actor, Action.ASSIGN_ROLE, resource, now_ns)
            target.roles.discard(role_name.strip())
        self._audit(now_ns, actor, "unassign-role", _OK, username)
        return target

    # ------------------------------------------------------ credentials, login

    def activate(
        self, username: str, password: str, now_ns: int, *, configured: bool = False
    ) -> Account:
        """Set the first password from the activation/invitation link (Q13, Q14).

        ``configured`` marks a password read from an organisation file (hashed once per
        process, see :func:`~.passwords.hash_config_secret`)."""
        with self._lock:
            account = self.account(username)
            passwords.check_password_rules(password, account.username)
            account.password_hash = self._hash(password, configured)
        self._audit(now_ns, username, "activate-password", _OK, "")
        return account

    def reset_password(self, actor: str, username: str, now_ns: int) -> Account:
        """An administrator resets a password: the account must be activated again (Q2, Q63)."""
        with self._lock:
            target = self._target(actor, username, Action.RESET_PASSWORD, now_ns)
            self._require(
                actor, Action.RESET_PASSWORD, Resource(org_id=target.org_id, target=target), now_ns
            )
            target.password_hash = None
        self._audit(now_ns, actor, "reset-password", _OK, username)
        return target

    def _hash(self, secret: str, configured: bool) -> str:
        if configured:
            return passwords.hash_config_secret(secret, self.kdf_cost)
        return passwords.hash_secret(secret, n=self.kdf_cost)

    def set_security_questions(
        self,
        username: str,
        chosen: list[str],
        answers: list[str],
        now_ns: int,
        *,
        configured: bool = False,
    ) -> Account:
        """Select three questions and answers (Q14, Q64); answers are stored as KDF hashes of
        their normalised form (Q70)."""
        problems = questions.validate_choice(chosen, answers)
        if problems:
            raise UserInputError("; ".join(problems), source="security questions")
        with self._lock:
            account = self.account(username)
            account.security_answers = [
                SecurityAnswer(q, self._hash(questions.normalise_answer(a), configured))
                for q, a in zip(chosen, answers, strict=True)
            ]
            account.must_reset_questions = False
            account.question_failures = 0
        self._audit(now_ns, username, "set-security-questions", _OK, "")
        return account

    def verify_password(self, username: str, password: str, now_ns: int) -> PasswordOutcome:
        """Check a password with the Q34 lockout rule; audits the outcome.

        An unknown user name and a wrong password get the same message, so the page does not
        tell an attacker which user names exist."""
        with self._lock:
            account = self.find(username)
            if account is None:
                verdict = Verdict(False, "bad-credentials", GENERIC_LOGIN_FAILURE, "")
                self._audit(now_ns, username, "password", verdict, "unknown user name")
                return PasswordOutcome(None, verdict)
            state = check(
                self.view(account), Action.ACCESS_PROFILE, Resource(account.org_id), now_ns
            )
            if not state:
                self._audit(now_ns, account.username, "password", state, "")
                return PasswordOutcome(account, state)
            if not account.activated:
                verdict = Verdict(
                    False,
                    "not-activated",
                    "This account has no password yet. Follow the activation link in the "
                    "invitation email to set one.",
                    "FINRA Entitlement FAQ Q13",
                )
                self._audit(now_ns, account.username, "password", verdict, "")
                return PasswordOutcome(account, verdict)
            if passwords.verify_secret(password, account.password_hash):
                account.password_failures.clear()
                verdict = Verdict(True, "ok", "Password accepted.", "")
                self._audit(now_ns, account.username, "password", verdict, "")
                return PasswordOutcome(account, verdict)
            outcome = lockout.record_password_failure(account.password_failures, now_ns)
            account.password_failures = list(outcome.failures)
            if outcome.locked:
                account.locked_until_ns = outcome.locked_until_ns
                account.lock_reason = LockReason.PASSWORD
                verdict = check(
                    self.view(account), Action.ACCESS_PROFILE, Resource(account.org_id), now_ns
                )
                self._audit(now_ns, account.username, "password", verdict, "locked")
                return PasswordOutcome(account, verdict)
            verdict = Verdict(
                False,
                "bad-credentials",
                f"{GENERIC_LOGIN_FAILURE} {outcome.remaining_attempts} attempt(s) remain before "
                "the account is locked for one hour.",
                "FINRA Entitlement FAQ Q34",
            )
            self._audit(now_ns, account.username, "password", verdict, "wrong password")
            return PasswordOutcome(account, verdict)

    def question_for(self, username: str) -> tuple[int, str] | None:
        """The index and text of the question to ask now (Q71), or ``None`` if none is set."""
        account = self.account(username)
        if not account.has_security_questions:
            return None
        index = lockout.question_to_ask(account.question_failures)
        if index is None:
            return None
        return index, account.security_answers[index].question

    def verify_answer(self, username: str, index: int, answer: str, now_ns: int) -> Verdict:
        """Check an answer to question ``index``; lock after too many wrong answers (Q71)."""
        with self._lock:
            account = self.account(username)
            expected = self.question_for(username)
            if expected is None or expected[0] != index:
                verdict = Verdict(
                    False,
                    "question-out-of-turn",
                    "Answer the security question shown on the page.",
                    "FINRA Entitlement FAQ Q71",
                )
                self._audit(now_ns, account.username, "security-question", verdict, "")
                return verdict
            stored = account.security_answers[index].answer_hash
            if passwords.verify_secret(questions.normalise_answer(answer), stored):
                account.question_failures = 0
                verdict = Verdict(True, "ok", "Answer accepted.", "")
                self._audit(now_ns, account.username, "security-question", verdict, "")
                return verdict
            account.question_failures += 1
            if lockout.question_to_ask(account.question_failures) is None:
                account.locked_until_ns = lockout.NO_EXPIRY
                account.lock_reason = LockReason.SECURITY_QUESTIONS
                verdict = check(
                    self.view(account), Action.ACCESS_PROFILE, Resource(account.org_id), now_ns
                )
            else:
                verdict = Verdict(
                    False,
                    "wrong-answer",
                    "That answer does not match. Please try again.",
                    "FINRA Entitlement FAQ Q71",
                )
            self._audit(now_ns, account.username, "security-question", verdict, "wrong answer")
            return verdict

    def record_login(self, username: str, now_ns: int) -> None:
        """A completed login: the account was used (dormancy, Q40)."""
        with self._lock:
            account = self.account(username)
            account.last_activity_ns = now_ns

    def register_certificate(self, username: str, fingerprint: str) -> None:
        """Bind a client certificate (SHA-256 of its DER form) to an account."""
        with self._lock:
            self.account(username).certificate_fingerprints.add(fingerprint.lower())

    def revoke_certificate(self, username: str, fingerprint: str) -> None:
        with self._lock:
            self.account(username).certificate_fingerprints.discard(fingerprint.lower())

    # ------------------------------------------------------------ certification

    def open_certification(
        self, org_id: str, period: CertificationPeriod, now_ns: int
    ) -> CertificationPeriod:
        """FINRA opens the organisation's certification period (Q50)."""
        with self._lock:
            org = self.organisation(org_id)
            if period.due <= period.start:
                raise UserInputError("the due date must be after the start date", source="due")
            org.certification = replace(period)
        self._audit(now_ns, "finra", "open-certification", _OK, org_id)
        return org.certification

    def certify(self, actor: str, now_ns: int) -> CertificationPeriod:
        """The SAA completes the certification (Q48); the Q61 restrictions lift."""
        with self._lock:
            actor_account = self.account(actor)
            org = self.organisation(actor_account.org_id)
            self._require(actor, Action.CERTIFY, Resource(org_id=org.org_id), now_ns)
            if org.certification is None:
                raise _refuse(
                    "no-certification",
                    "There is no certification period open for your organisation.",
                    "FINRA Entitlement FAQ Q55",
                )
            org.certification.completed_ns = now_ns
            org.certification.completed_by = actor_account.username
        self._audit(now_ns, actor, "certify", _OK, org.org_id)
        return org.certification

    def certification_phase(self, org_id: str, now_ns: int) -> certification.CertificationPhase:
        org = self.organisation(org_id)
        if org.certification is None:
            return certification.CertificationPhase.NONE
        required = certification.is_required(
            org.certification, len(self.accounts(org_id)), org.cat_access
        )
        return certification.phase(
            org.certification, now_ns, required=required, is_business_day=self.is_business_day
        )

    def certification_notices(self, now_ns: int) -> list[tuple[Organisation, str, list[str]]]:
        """Emails due at ``now_ns`` (Q50): ``(org, kind, recipients)`` each at most once.

        Called whenever simulated time moves; the caller sends them to the outbox. When the
        period starts, the number of accounts is recorded (Q46)."""
        notices: list[tuple[Organisation, str, list[str]]] = []
        with self._lock:
            for org in self._orgs.values():
                period = org.certification
                if period is None or period.completed_ns is not None:
                    continue
                current = self.certification_phase(org.org_id, now_ns)
                if current is certification.CertificationPhase.UPCOMING:
                    continue
                if period.accounts_at_start is None:
                    period.accounts_at_start = len(self.accounts(org.org_id))
                    current = self.certification_phase(org.org_id, now_ns)
                saa = org.saa_username
                recipients = [r for r in (saa, org.cco_email) if r]
                if current is certification.CertificationPhase.NONE:
                    continue
                if not period.initial_sent:
                    period.initial_sent = True
                    notices.append((org, "initial", [saa] if saa else []))
                if (
                    current is certification.CertificationPhase.REMINDER
                    and not period.reminder_sent
                ):
                    period.reminder_sent = True
                    notices.append((org, "reminder", recipients))
                if (
                    current is certification.CertificationPhase.PAST_DUE
                    and not period.past_due_sent
                ):
                    period.past_due_sent = True
                    period.reminder_sent = True
                    notices.append((org, "past-due", recipients))
        return notices

    # ---------------------------------------------------------- saving, restart

    def snapshot(self) -> dict[str, Any]:
        """Every organisation and account (deleted ones too) as plain JSON (see
        :mod:`.snapshot`): what a restart on the same data directory gives back."""
        with self._lock:
            return {
                "organisations": [organisation_to_json(org) for org in self._orgs.values()],
                "accounts": [account_to_json(account) for account in self._accounts.values()],
            }

    def restore(self, data: Any) -> None:
        """Replace every organisation and account with a :meth:`snapshot`'s.

        Raises :class:`~simulator.snapshot.SnapshotError` naming the field if ``data`` is not
        a snapshot (nothing is changed then)."""
        saved = Fields(data, "directory")
        orgs: dict[str, Organisation] = {}
        for item in saved.objects("organisations"):
            org = organisation_from_json(item)
            orgs[org.org_id] = org
        accounts: dict[str, Account] = {}
        for item in saved.objects("accounts"):
            account = account_from_json(item)
            if account.org_id not in orgs:
                raise SnapshotError(
                    f"{item.where}: organisation {account.org_id!r} of {account.username} "
                    "is not saved"
                )
            accounts[self._key(account.username)] = account
        with self._lock:
            self._orgs = orgs
            self._accounts = accounts

    def adopt_missing(self, other: Directory) -> list[str]:
        """Add what ``other`` (the organisation files, read again at a restart) has and this
        directory does not: organisations, roles of an organisation by name, accounts by user
        name. What exists here is kept as it is -- a password changed, a role deleted, an
        account deleted since the files were first read all stay so. An account the files mark
        SAA joins an organisation that already has a live SAA as a user (FAQ Q4: one SAA).
        Returns what was added, e.g. ``["organisation 1003", "account new@acme.example"]``."""
        added: list[str] = []
        with self._lock:
            for org in other.organisations():
                mine = self._orgs.get(org.org_id)
                if mine is None:
                    self._orgs[org.org_id] = org
                    org.saa_username = None  # set below when its SAA account is adopted
                    added.append(f"organisation {org.org_id}")
                    continue
                names = {name.casefold() for name in mine.roles}
                for name, role in org.roles.items():
                    if name.casefold() not in names:
                        mine.roles[name] = role
                        added.append(f"role {name} of {org.org_id}")
            for account in [*other._accounts.values()]:
                key = self._key(account.username)
                if key in self._accounts or account.org_id not in self._orgs:
                    continue
                org = self._orgs[account.org_id]
                if account.kind is AccountKind.SAA:
                    current = self.find(org.saa_username) if org.saa_username else None
                    if current is not None and current.status is not AccountStatus.DELETED:
                        account.kind = AccountKind.USER
                    else:
                        org.saa_username = account.username
                self._accounts[key] = account
                added.append(f"account {account.username}")
        return added
