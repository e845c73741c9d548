"""The entitlement records as plain JSON, and back (a restart on the same data directory).

Everything the directory knows about an organisation or an account is written, so a restart
gives back exactly what the firm's administrators and users had done: passwords changed
(as their KDF hashes -- :mod:`.passwords`; no clear password or answer exists to save), security
questions (hashed answers), lockouts and failure counts, roles and entitlements, deleted and
disabled accounts, certificates bound, certification progress. Sets are written sorted, so the
same state always gives the same text (the store compares texts to skip unchanged parts).

Reading back checks every field (:class:`~simulator.snapshot.Fields`) and raises
:class:`~simulator.snapshot.SnapshotError` naming the one that is wrong.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from simulator.domain.facility import Region
from simulator.entitlement.model import (
    Account,
    AccountKind,
    AccountStatus,
    CertificationPeriod,
    LockReason,
    Organisation,
    Role,
    SecurityAnswer,
)
from simulator.snapshot import Fields, SnapshotError


def role_to_json(role: Role) -> dict[str, Any]:
    return {
        "name": role.name,
        "description": role.description,
        "privileges": sorted(role.privileges),
        "deleted": role.deleted,
        "deleted_reason": role.deleted_reason,
        "deleted_ns": role.deleted_ns,
    }


def role_from_json(item: Fields) -> Role:
    return Role(
        name=item.text("name"),
        description=item.text("description"),
        privileges=set(item.texts("privileges")),
        deleted=item.flag("deleted"),
        deleted_reason=item.opt_text("deleted_reason"),
        deleted_ns=item.opt_int("deleted_ns"),
    )


def certification_to_json(period: CertificationPeriod | None) -> dict[str, Any] | None:
    if period is None:
        return None
    return {
        "start": period.start.isoformat(),
        "due": period.due.isoformat(),
        "completed_ns": period.completed_ns,
        "completed_by": period.completed_by,
        "accounts_at_start": period.accounts_at_start,
        "reminder_sent": period.reminder_sent,
        "past_due_sent": period.past_due_sent,
        "initial_sent": period.initial_sent,
    }


def certification_from_json(item: Fields | None) -> CertificationPeriod | None:
    if item is None:
        return None
    return CertificationPeriod(
        start=item.choice("start", dt.date.fromisoformat),
        due=item.choice("due", dt.date.fromisoformat),
        completed_ns=item.opt_int("completed_ns"),
        completed_by=item.opt_text("completed_by"),
        accounts_at_start=item.opt_int("accounts_at_start"),
        reminder_sent=item.flag("reminder_sent"),
        past_due_sent=item.flag("past_due_sent"),
        initial_sent=item.flag("initial_sent"),
    )


def organisation_to_json(org: Organisation) -> dict[str, Any]:
    return {
        "org_id": org.org_id,
        "name": org.name,
        "mpids": sorted(org.mpids),
        "cco_email": org.cco_email,
        "cat_access": org.cat_access,
        "saa_username": org.saa_username,
        "roles": [role_to_json(role) for role in org.roles.values()],
        "certification": certification_to_json(org.certification),
    }


def organisation_from_json(item: Fields) -> Organisation:
    roles = [role_from_json(role) for role in item.objects("roles")]
    return Organisation(
        org_id=item.text("org_id"),
        name=item.text("name"),
        mpids=set(item.texts("mpids")),
        cco_email=item.opt_text("cco_email"),
        cat_access=item.flag("cat_access"),
        roles={role.name: role for role in roles},
        certification=certification_from_json(item.opt_obj("certification")),
        saa_username=item.opt_text("saa_username"),
    )


def account_to_json(account: Account) -> dict[str, Any]:
    return {
        "username": account.username,
        "org_id": account.org_id,
        "kind": account.kind.value,
        "name": account.name,
        "phone": account.phone,
        "status": account.status.value,
        "password_hash": account.password_hash,
        "privileges": sorted(account.privileges),
        "admin_privileges": sorted(account.admin_privileges),
        "roles": sorted(account.roles),
        "mpids": sorted(account.mpids),
        "regions": sorted(region.value for region in account.regions),
        "security_answers": [
            {"question": answer.question, "answer_hash": answer.answer_hash}
            for answer in account.security_answers
        ],
        "must_reset_questions": account.must_reset_questions,
        "password_failures": list(account.password_failures),
        "question_failures": account.question_failures,
        "locked_until_ns": account.locked_until_ns,
        "lock_reason": account.lock_reason.value if account.lock_reason else None,
        "created_ns": account.created_ns,
        "last_activity_ns": account.last_activity_ns,
        "certificate_fingerprints": sorted(account.certificate_fingerprints),
        "deleted_reason": account.deleted_reason,
    }


def account_from_json(item: Fields) -> Account:
    return Account(
        username=item.text("username"),
        org_id=item.text("org_id"),
        kind=item.choice("kind", AccountKind),
        name=item.text("name"),
        phone=item.opt_text("phone"),
        status=item.choice("status", AccountStatus),
        password_hash=item.opt_text("password_hash"),
        privileges=set(item.texts("privileges")),
        admin_privileges=set(item.texts("admin_privileges")),
        roles=set(item.texts("roles")),
        mpids=set(item.texts("mpids")),
        regions={Region(value) for value in _regions(item)},
        security_answers=[
            SecurityAnswer(answer.text("question"), answer.text("answer_hash"))
            for answer in item.objects("security_answers")
        ],
        must_reset_questions=item.flag("must_reset_questions"),
        password_failures=list(item.ints("password_failures")),
        question_failures=item.integer("question_failures"),
        locked_until_ns=item.opt_int("locked_until_ns"),
        lock_reason=item.opt_choice("lock_reason", LockReason),
        created_ns=item.integer("created_ns"),
        last_activity_ns=item.opt_int("last_activity_ns"),
        certificate_fingerprints=set(item.texts("certificate_fingerprints")),
        deleted_reason=item.opt_text("deleted_reason"),
    )


def _regions(item: Fields) -> list[str]:
    values = item.texts("regions")
    known = {region.value for region in Region}
    for index, value in enumerate(values):
        if value not in known:
            raise SnapshotError(f"{item.where}.regions[{index}]: {value!r} is not a region")
    return values
