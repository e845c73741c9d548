"""The entitlement policy: may this account do that, to this, now? A pure function.

``check(view, action, resource, now_ns) -> Verdict`` reads an :class:`AccountView` (the account,
its organisation and that organisation's SAA) and never changes anything, so every rule can be
tested at its boundaries with a plain value for ``now_ns``. The :class:`~.directory.Directory`
calls it before every change and the web front before every page that needs a privilege.

Checks, in order (the first failing one answers):

1. the account exists, is not deleted, disabled or dormant (Q38), and its organisation still
   has its SAA (Q39);
2. the account is not locked (Q34, Q72);
3. the organisation's certification is not past due for this kind of action (Q61, Q63);
4. the resource belongs to the account's organisation -- cross-organisation access is refused
   whatever the privileges;
5. the action's own requirement: application privilege, region (seed 000), MPID entitlement
   (granted directly, never through a role, Q84), administrator rights (Q2, Q27, Q75, Q88).

Each refusal carries a ``code`` (stable, for tests and the audit log), a ``message`` in the
facility's manner and the ``rule`` it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from simulator.domain.facility import Region
from simulator.entitlement import certification, dormancy, lockout
from simulator.entitlement.model import (
    TRAQS_PRIVILEGES,
    Account,
    AccountKind,
    AccountStatus,
    LockReason,
    Organisation,
    Privilege,
    Role,
    RoleStatus,
)
from simulator.timestamps import format_iso8601


class Action(StrEnum):
    LOGIN_TRAQS = "login-traqs"
    ACCESS_PROFILE = "access-profile"  # the MFA service / user profile (mpp.nasdaq.com)
    REPORT_TRADE = "report-trade"
    VIEW_TRADES = "view-trades"
    DOWNLOAD_REFDATA = "download-refdata"
    REGISTER_UAT = "register-uat"
    CREATE_ACCOUNT = "create-account"
    EDIT_ENTITLEMENTS = "edit-entitlements"
    MANAGE_ROLES = "manage-roles"
    ASSIGN_ROLE = "assign-role"
    UNLOCK_ACCOUNT = "unlock-account"
    RESET_PASSWORD = "reset-password"
    DISABLE_ACCOUNT = "disable-account"
    DELETE_ACCOUNT = "delete-account"
    CERTIFY = "certify"


# Q61: disabled for all administrators while certification is past due.
_BLOCKED_WHEN_PAST_DUE = frozenset(
    {
        Action.CREATE_ACCOUNT,
        Action.EDIT_ENTITLEMENTS,
        Action.MANAGE_ROLES,
        Action.ASSIGN_ROLE,
    }
)
# Q63: still allowed to administrators while past due (unlock treated like a reset, INFERENCE).
_ADMIN_STILL_ALLOWED = frozenset(
    {
        Action.UNLOCK_ACCOUNT,
        Action.RESET_PASSWORD,
        Action.DISABLE_ACCOUNT,
        Action.DELETE_ACCOUNT,
        Action.CERTIFY,
        Action.ACCESS_PROFILE,
    }
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The policy's answer, shaped like the timeliness :class:`~simulator.domain.decision.
    Decision`: an outcome, a short citation and a sentence for the person."""

    allowed: bool
    code: str
    message: str
    rule: str

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Verdict(True, "ok", "Allowed.", "")


def _deny(code: str, message: str, rule: str) -> Verdict:
    return Verdict(False, code, message, rule)


@dataclass(frozen=True, slots=True)
class AccountView:
    """An account with what the policy needs to know about its organisation."""

    account: Account
    org: Organisation
    saa: Account | None
    accounts_in_org: int = 1
    dormancy_ns: int = dormancy.DEFAULT_DORMANCY_NS

    def effective_privileges(self) -> frozenset[str]:
        """Direct privileges plus those of assigned roles that are not deleted (Q87, Q94)."""
        granted = set(self.account.privileges)
        for name in self.account.roles:
            role = self.org.roles.get(name)
            if role is not None and role.status is not RoleStatus.DELETED:
                granted |= role.privileges
        return frozenset(granted)

    def certification_phase(self, now_ns: int) -> certification.CertificationPhase:
        period = self.org.certification
        if period is None:
            return certification.CertificationPhase.NONE
        required = certification.is_required(period, self.accounts_in_org, self.org.cat_access)
        return certification.phase(period, now_ns, required=required)


@dataclass(frozen=True, slots=True)
class Resource:
    """What the action is about. ``org_id`` is the owner; the rest depends on the action."""

    org_id: str
    region: Region | None = None
    mpid: str | None = None
    target: Account | None = None
    target_kind: AccountKind | None = None
    role: Role | None = None
    privileges: frozenset[str] = field(default_factory=frozenset)


def _account_state(view: AccountView, action: Action, now_ns: int) -> Verdict:
    account = view.account
    if account.status is AccountStatus.DELETED:
        return _deny(
            "account-deleted",
            "This account has been deleted. Contact your organisation's Super Account "
            "Administrator or Account Administrator to create a new user account.",
            "FINRA Entitlement FAQ Q41",
        )
    if account.status is AccountStatus.DISABLED:
        return _deny(
            "account-disabled",
            "This account is disabled. Contact your organisation's Super Account "
            "Administrator or Account Administrator.",
            "FINRA Entitlement FAQ Q2",
        )
    if dormancy.is_dormant(account.last_activity_ns, account.created_ns, now_ns, view.dormancy_ns):
        return _deny(
            "account-dormant",
            "This account was deleted because it was not used for a long period (dormant "
            "account). Contact your organisation's Super Account Administrator or Account "
            "Administrator to create a new user account.",
            "FINRA Entitlement FAQ Q38, Q41",
        )
    saa = view.saa
    if account.kind is not AccountKind.SAA and (
        saa is None
        or saa.status is AccountStatus.DELETED
        or dormancy.is_dormant(saa.last_activity_ns, saa.created_ns, now_ns, view.dormancy_ns)
    ):
        return _deny(
            "organisation-without-saa",
            "Your organisation's Super Account Administrator account no longer exists, so all "
            "accounts of the organisation have lost access until FINRA recreates it.",
            "FINRA Entitlement FAQ Q39",
        )
    if lockout.is_locked(account.locked_until_ns, now_ns):
        return _locked(view, now_ns)
    return ALLOWED


def _locked(view: AccountView, now_ns: int) -> Verdict:
    account = view.account
    if account.lock_reason is LockReason.SECURITY_QUESTIONS:
        who = (
            "the FINRA Support Center"
            if account.kind is AccountKind.SAA
            else "your Super Account Administrator or Account Administrator"
        )
        return _deny(
            "account-locked-questions",
            f"Your account is locked after too many incorrect answers to your security "
            f"questions. Contact {who} to unlock it; you will then reset your security questions.",
            "FINRA Entitlement FAQ Q71, Q72",
        )
    until = format_iso8601(account.locked_until_ns or now_ns, precision=0)
    who = (
        "contact the FINRA Support Center"
        if account.kind is AccountKind.SAA
        else "ask your Super Account Administrator or Account Administrator"
    )
    return _deny(
        "account-locked",
        f"Your account is locked after five incorrect password attempts within one hour. It "
        f"unlocks automatically at {until}; to unlock it sooner, {who}.",
        "FINRA Entitlement FAQ Q34",
    )


def _certification(view: AccountView, action: Action, now_ns: int) -> Verdict:
    if view.certification_phase(now_ns) is not certification.CertificationPhase.PAST_DUE:
        return ALLOWED
    if action in _BLOCKED_WHEN_PAST_DUE:
        return _deny(
            "certification-past-due",
            "Your organisation's User Accounts Certification is past due: creating accounts, "
            "creating and assigning roles and editing entitlements are disabled until your "
            "Super Account Administrator completes the certification.",
            "FINRA Entitlement FAQ Q61",
        )
    if view.account.kind.is_admin and action in _ADMIN_STILL_ALLOWED:
        return ALLOWED
    if view.account.kind is AccountKind.USER or action not in _ADMIN_STILL_ALLOWED:
        return _deny(
            "account-suspended",
            "Your account is suspended because your organisation's User Accounts "
            "Certification is past due. Contact your Super Account Administrator.",
            "FINRA Entitlement FAQ Q61",
        )
    return ALLOWED


def _require(view: AccountView, privilege: str, what: str) -> Verdict:
    if privilege in view.effective_privileges():
        return ALLOWED
    hint = (
        " As Super Account Administrator you must first entitle your own account with the "
        "User privilege for it."
        if view.account.kind is AccountKind.SAA
        else " Ask your Super Account Administrator or Account Administrator to entitle you."
    )
    return _deny(
        "not-entitled",
        f"You are not entitled to {what}.{hint}",
        "FINRA Entitlement FAQ Q1, Q19, Q20",
    )


def _region(view: AccountView, region: Region | None) -> Verdict:
    if region is None or region in view.account.regions:
        return ALLOWED
    if region is Region.PRODUCTION:
        return _deny(
            "region-not-entitled",
            "Your user name is not entitled to the production region. A user who tested in the "
            "NTF region must be entitled to the production region, and point to it, to use "
            "production TRAQS (including a Saturday production test).",
            "FINRA technical notice 2021-03-12 (seed 000)",
        )
    return _deny(
        "region-not-entitled",
        f"Your user name is not entitled to the {region.value.upper()} region.",
        "FINRA technical notice 2021-03-12 (seed 000)",
    )


def _mpid(view: AccountView, mpid: str | None) -> Verdict:
    if mpid is None:
        return ALLOWED
    if mpid not in view.org.mpids:
        return _deny(
            "mpid-not-organisation",
            f"MPID {mpid} does not belong to your organisation.",
            "FINRA Entitlement FAQ Q84",
        )
    if mpid not in view.account.mpids:
        return _deny(
            "mpid-not-entitled",
            f"You are not entitled to MPID {mpid}. MPID entitlements are granted in Account "
            "Management (never through a role).",
            "FINRA Entitlement FAQ Q84",
        )
    return ALLOWED


def _admin(view: AccountView, action: Action, resource: Resource) -> Verdict:
    actor = view.account
    target = resource.target
    if not actor.kind.is_admin:
        return _deny(
            "not-administrator",
            "Only your organisation's Super Account Administrator or Account Administrators "
            "can do this.",
            "FINRA Entitlement FAQ Q2, Q27",
        )
    if target is not None and target.org_id != actor.org_id:
        return _cross_org()
    if action is Action.MANAGE_ROLES or action is Action.CERTIFY:
        if actor.kind is not AccountKind.SAA:
            return _deny(
                "saa-only",
                "Only the Super Account Administrator can do this.",
                "FINRA Entitlement FAQ Q48, Q75",
            )
        return ALLOWED
    target_kind = target.kind if target is not None else resource.target_kind
    is_self = target is not None and target.username == actor.username
    if action is Action.CREATE_ACCOUNT and target_kind is AccountKind.SAA:
        return _deny(
            "saa-designation",
            "A Super Account Administrator is designated with the New Organization SAA "
            "Agreement or the Replace SAA workflow, not created in Account Management.",
            "FINRA Entitlement FAQ Q3, Q5, Q24",
        )
    if target_kind is AccountKind.SAA and target is not None:
        if action in (Action.UNLOCK_ACCOUNT, Action.RESET_PASSWORD):
            return _deny(
                "saa-support-only",
                "A Super Account Administrator's account is unlocked or its password reset by "
                "the FINRA Support Center.",
                "FINRA Entitlement FAQ Q16, Q34",
            )
        if not is_self:
            return _deny(
                "saa-protected",
                "Only the Super Account Administrator (or FINRA, through the Replace SAA "
                "workflow) can change the Super Account Administrator's account.",
                "FINRA Entitlement FAQ Q24, Q29",
            )
    if actor.kind is AccountKind.AA:
        if target_kind is AccountKind.AA and action is Action.CREATE_ACCOUNT:
            return _deny(
                "saa-only",
                "Only the Super Account Administrator creates Account Administrator accounts.",
                "FINRA Entitlement FAQ Q2",
            )
        if target_kind is AccountKind.AA and target is not None and not is_self:
            return _deny(
                "saa-only",
                "Only the Super Account Administrator manages Account Administrator accounts.",
                "FINRA Entitlement FAQ Q2",
            )
        if action is Action.EDIT_ENTITLEMENTS:
            missing = sorted(resource.privileges - actor.admin_privileges)
            if missing:
                return _deny(
                    "not-administrator-of-privilege",
                    "You are not an administrator of: " + ", ".join(missing) + ".",
                    "FINRA Entitlement FAQ Q88, Q90",
                )
        if action is Action.ASSIGN_ROLE:
            if Privilege.ASSIGN_ROLES not in actor.admin_privileges:
                return _deny(
                    "assign-roles-not-granted",
                    "Your Super Account Administrator has not granted you the Assign Roles "
                    "privilege.",
                    "FINRA Entitlement FAQ Q88",
                )
            role = resource.role
            if role is not None:
                missing = sorted(role.privileges - actor.admin_privileges)
                if missing:
                    return _deny(
                        "not-administrator-of-role",
                        f"You cannot assign role {role.name}: you are not an administrator of "
                        + ", ".join(missing)
                        + ".",
                        "FINRA Entitlement FAQ Q88, Q90",
                    )
    return ALLOWED


def _cross_org() -> Verdict:
    return _deny(
        "other-organisation",
        "Access denied: that belongs to another organisation.",
        "FINRA Entitlement FAQ Q4 (an organisation is an entity with its own Org ID)",
    )


def check(view: AccountView, action: Action, resource: Resource, now_ns: int) -> Verdict:
    """May ``view.account`` perform ``action`` on ``resource`` at ``now_ns``?"""
    verdict = _account_state(view, action, now_ns)
    if not verdict:
        return verdict
    verdict = _certification(view, action, now_ns)
    if not verdict:
        return verdict
    if resource.org_id != view.account.org_id:
        return _cross_org()
    if action is Action.ACCESS_PROFILE:
        return ALLOWED
    if action is Action.LOGIN_TRAQS:
        if not (view.effective_privileges() & TRAQS_PRIVILEGES):
            return _require(view, Privilege.TRAQS_VIEW, "TRAQS")
        return _region(view, resource.region)
    if action is Action.REPORT_TRADE:
        for verdict in (
            _require(view, Privilege.TRAQS_REPORT, "report trades on TRAQS"),
            _region(view, resource.region),
            _mpid(view, resource.mpid),
        ):
            if not verdict:
                return verdict
        return ALLOWED
    if action is Action.VIEW_TRADES:
        privileges = view.effective_privileges()
        if not ({Privilege.TRAQS_VIEW, Privilege.TRAQS_REPORT} & privileges):
            return _require(view, Privilege.TRAQS_VIEW, "view trades on TRAQS")
        verdict = _region(view, resource.region)
        return verdict if not verdict else _mpid(view, resource.mpid)
    if action is Action.DOWNLOAD_REFDATA:
        return _require(view, Privilege.REFDATA, "the reference-data API")
    if action is Action.REGISTER_UAT:
        if view.account.kind.is_admin:
            return ALLOWED
        privileges = view.effective_privileges()
        if {Privilege.UAT_REGISTRATION, Privilege.TRAQS_REPORT} & privileges:
            return ALLOWED
        return _require(view, Privilege.UAT_REGISTRATION, "register the firm for a test")
    return _admin(view, action, resource)
