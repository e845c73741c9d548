"""The FINRA Entitlement Program's nouns: organisations, accounts, roles (seed 003).

These are plain records. The rules that change them live in :mod:`.directory` (who may do what
to whom), the rules that read them in :mod:`.policy` (may this account do that now?), and the
time-dependent parts in :mod:`.lockout`, :mod:`.certification` and :mod:`.dormancy`.

Vocabulary (FINRA Entitlement FAQ, seed 003):

* An **organisation** (a firm, with a unique Org ID) has exactly one **Super Account
  Administrator** (SAA, Q4), any number of **Account Administrators** (AA) and **users**.
* **Privileges** (entitlements) are granted per account -- directly, or bundled in **roles**
  (Q76). An SAA has administrator rights but must self-entitle "User" privileges to use an
  application (Q19, Q20).
* **MPID entitlements** are never part of a role (Q84): they are granted in Account Management.
* The **region** decides where a TRAQS user may log in: the production region or the Nasdaq
  Test Facility (NTF). A user who tested in the NTF must be entitled to production to take part
  in a Saturday production test (seed 000).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from simulator.domain.facility import Region


class AccountKind(StrEnum):
    SAA = "saa"
    AA = "aa"
    USER = "user"

    @property
    def is_admin(self) -> bool:
        return self is not AccountKind.USER

    @property
    def display_name(self) -> str:
        return {
            AccountKind.SAA: "Super Account Administrator",
            AccountKind.AA: "Account Administrator",
            AccountKind.USER: "User",
        }[self]


class AccountStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"
    DELETED = "deleted"


class RoleStatus(StrEnum):
    """The three role types of FAQ Q82."""

    ACTIVE = "active"  # available to assign
    DELETED = "deleted"  # no longer available to assign
    INCOMPLETE = "incomplete"  # a role with no entitlements


class LockReason(StrEnum):
    PASSWORD = "password"  # five wrong passwords within an hour (Q34): unlocks after an hour
    SECURITY_QUESTIONS = "security-questions"  # too many wrong answers (Q71, Q72): admin unlock


class Privilege(StrEnum):
    """The application privileges the simulator knows. Any other string is kept as given (a role
    may bundle privileges of applications the simulator does not serve)."""

    TRAQS_REPORT = "traqs.report"  # report, cancel and correct trades on the TRAQS website
    TRAQS_VIEW = "traqs.view"  # trade journal display and late-report views
    REFDATA = "refdata.download"  # reference-data API file downloads
    UAT_REGISTRATION = "traqs.uat-registration"  # register the firm for a Saturday test
    ASSIGN_ROLES = "admin.assign-roles"  # an AA privilege granted by the SAA (Q88)


TRAQS_PRIVILEGES = frozenset({Privilege.TRAQS_REPORT, Privilege.TRAQS_VIEW})


@dataclass
class Role:
    """A named bundle of privileges for one organisation (FAQ Q75-Q94)."""

    name: str
    description: str
    privileges: set[str] = field(default_factory=set)
    deleted: bool = False
    deleted_reason: str | None = None
    deleted_ns: int | None = None

    @property
    def status(self) -> RoleStatus:
        if self.deleted:
            return RoleStatus.DELETED
        if not self.privileges:
            return RoleStatus.INCOMPLETE
        return RoleStatus.ACTIVE


@dataclass
class SecurityAnswer:
    """One of the three security questions and the KDF hash of its normalised answer."""

    question: str
    answer_hash: str = field(repr=False)


@dataclass
class Account:
    """One person's account at one organisation (a separate account per organisation, Q11).

    The user name is the person's email address (seed 000: "an assigned user name (Email
    address)"). ``password_hash`` is ``None`` until the invitation is accepted. Lockout state is
    kept as the instants of recent failures so the one-hour window can be evaluated exactly.
    """

    username: str
    org_id: str
    kind: AccountKind
    name: str
    phone: str | None = None
    status: AccountStatus = AccountStatus.ACTIVE
    password_hash: str | None = field(default=None, repr=False)
    privileges: set[str] = field(default_factory=set)
    admin_privileges: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    mpids: set[str] = field(default_factory=set)
    regions: set[Region] = field(default_factory=set)
    security_answers: list[SecurityAnswer] = field(default_factory=list, repr=False)
    must_reset_questions: bool = False
    password_failures: list[int] = field(default_factory=list)
    question_failures: int = 0
    locked_until_ns: int | None = None
    lock_reason: LockReason | None = None
    created_ns: int = 0
    last_activity_ns: int | None = None
    certificate_fingerprints: set[str] = field(default_factory=set)
    deleted_reason: str | None = None

    @property
    def activated(self) -> bool:
        return self.password_hash is not None

    @property
    def has_security_questions(self) -> bool:
        return len(self.security_answers) >= 3 and not self.must_reset_questions


@dataclass
class CertificationPeriod:
    """An annual User Accounts Certification period (Q42-Q63), dates in New York."""

    start: dt.date
    due: dt.date
    completed_ns: int | None = None
    completed_by: str | None = None
    accounts_at_start: int | None = None
    reminder_sent: bool = False
    past_due_sent: bool = False
    initial_sent: bool = False


@dataclass
class Organisation:
    """A firm with its Org ID, MPIDs and administrators."""

    org_id: str
    name: str
    mpids: set[str] = field(default_factory=set)
    cco_email: str | None = None
    cat_access: bool = False
    roles: dict[str, Role] = field(default_factory=dict)
    certification: CertificationPeriod | None = None
    saa_username: str | None = None
