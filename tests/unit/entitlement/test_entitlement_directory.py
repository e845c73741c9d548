"""Directory operations: one SAA, accounts, roles, MPIDs, audit (FAQ Q4, Q75-Q94)."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.entitlement import AccountKind, Directory, EntitlementError, RoleStatus
from simulator.errors import UserInputError
from simulator.timestamps import parse_iso8601

T0 = parse_iso8601("2021-03-20T09:00:00-04:00")


def test_a_second_saa_is_refused_and_audited(directory: Directory, audit: Any) -> None:
    with pytest.raises(EntitlementError) as refused:
        directory.designate_saa("100001", "other@acme.example", "Other", T0)
    assert refused.value.code == "second-saa"
    assert "only one SAA" in str(refused.value)
    assert audit.outcomes("designate-saa") == ["refused:second-saa"]
    assert directory.find("other@acme.example") is None


def test_replace_saa_keeps_one_saa(directory: Directory) -> None:
    directory.replace_saa("100001", "aa@acme.example", T0)
    kinds = {a.username: a.kind for a in directory.accounts("100001")}
    assert kinds["aa@acme.example"] is AccountKind.SAA
    assert kinds["saa@acme.example"] is AccountKind.USER
    assert sum(kind is AccountKind.SAA for kind in kinds.values()) == 1


def test_aa_creates_users_but_not_administrators(directory: Directory) -> None:
    directory.create_account("aa@acme.example", "u1@acme.example", "U1", T0)
    with pytest.raises(EntitlementError) as refused:
        directory.create_account(
            "aa@acme.example", "aa2@acme.example", "AA2", T0, kind=AccountKind.AA
        )
    assert refused.value.code == "saa-only"
    with pytest.raises(EntitlementError) as users_cannot:
        directory.create_account("tina@acme.example", "u2@acme.example", "U2", T0)
    assert users_cannot.value.code == "not-administrator"


def test_user_names_are_unique_across_organisations(directory: Directory) -> None:
    with pytest.raises(EntitlementError) as refused:
        directory.create_account("saa@bravo.example", "tina@acme.example", "Tina", T0)
    assert refused.value.code == "username-taken"
    with pytest.raises(UserInputError):
        directory.create_account("saa@acme.example", "not-an-email", "X", T0)


def test_mpids_of_another_firm_cannot_be_entitled(directory: Directory, audit: Any) -> None:
    with pytest.raises(EntitlementError) as refused:
        directory.entitle("saa@acme.example", "tina@acme.example", T0, mpids=["BRVO"])
    assert refused.value.code == "mpid-not-organisation"
    assert directory.account("tina@acme.example").mpids == {"ACME"}
    assert audit.outcomes("edit-entitlements") == ["refused:mpid-not-organisation"]


def test_cross_organisation_administration_is_refused(directory: Directory) -> None:
    with pytest.raises(EntitlementError) as refused:
        directory.unlock("saa@bravo.example", "tina@acme.example", T0)
    assert refused.value.code == "other-organisation"
    with pytest.raises(EntitlementError):
        directory.entitle("saa@bravo.example", "tina@acme.example", T0, mpids=["BRVO"])
    with pytest.raises(EntitlementError):
        directory.assign_role("saa@bravo.example", "tina@acme.example", "Trader", T0)


def test_roles_refuse_mpids_and_duplicate_names(directory: Directory) -> None:
    with pytest.raises(EntitlementError) as with_mpid:
        directory.create_role("saa@acme.example", "Desk", "d", ["traqs.view", "ACME"], T0)
    assert with_mpid.value.code == "role-with-mpid"
    with pytest.raises(EntitlementError) as duplicate:
        directory.create_role("saa@acme.example", "trader", "again", ["traqs.view"], T0)
    assert duplicate.value.code == "role-name-taken"


def test_role_types_active_incomplete_deleted(directory: Directory) -> None:
    empty = directory.create_role("saa@acme.example", "Empty", "no entitlements", [], T0)
    assert empty.status is RoleStatus.INCOMPLETE
    with pytest.raises(EntitlementError) as incomplete:
        directory.assign_role("saa@acme.example", "tina@acme.example", "Empty", T0)
    assert incomplete.value.code == "role-incomplete"
    directory.delete_role("saa@acme.example", "Empty", "not needed", T0)
    assert empty.status is RoleStatus.DELETED
    with pytest.raises(EntitlementError) as deleted:
        directory.assign_role("saa@acme.example", "tina@acme.example", "Empty", T0)
    assert deleted.value.code == "role-deleted"


def test_deleting_an_assigned_role_is_refused_until_unassigned(
    directory: Directory, audit: Any
) -> None:
    with pytest.raises(EntitlementError) as refused:
        directory.delete_role("saa@acme.example", "Trader", "reorganisation", T0)
    assert refused.value.code == "role-assigned"
    assert "tina@acme.example" in str(refused.value)
    assert audit.outcomes("delete-role") == ["refused:role-assigned"]
    with pytest.raises(UserInputError):
        directory.delete_role("saa@acme.example", "Trader", "   ", T0)
    directory.unassign_role("saa@acme.example", "tina@acme.example", "Trader", T0)
    role = directory.delete_role("saa@acme.example", "Trader", "reorganisation", T0)
    assert role.status is RoleStatus.DELETED
    assert role.deleted_reason == "reorganisation"


def test_aa_assigns_roles_only_with_the_privilege_and_admin_over_the_role(
    directory: Directory,
) -> None:
    directory.create_account("saa@acme.example", "u@acme.example", "U", T0)
    directory.assign_role("aa@acme.example", "u@acme.example", "Trader", T0)
    directory.create_role("saa@acme.example", "Data", "downloads", ["refdata.download"], T0)
    with pytest.raises(EntitlementError) as not_admin:
        directory.assign_role("aa@acme.example", "u@acme.example", "Data", T0)
    assert not_admin.value.code == "not-administrator-of-role"
    directory.entitle("saa@acme.example", "aa@acme.example", T0, admin_privileges=["traqs.view"])
    with pytest.raises(EntitlementError) as no_privilege:
        directory.assign_role("aa@acme.example", "u@acme.example", "Trader", T0)
    assert no_privilege.value.code == "assign-roles-not-granted"


def test_passwords_are_stored_hashed_and_never_in_repr(directory: Directory) -> None:
    account = directory.account("tina@acme.example")
    assert account.password_hash is not None
    assert account.password_hash.startswith("scrypt$")
    assert "Tina-pass-1" not in account.password_hash
    assert "scrypt" not in repr(account)
    assert all("Main" not in a.answer_hash for a in account.security_answers)


def test_password_rules_name_the_field(directory: Directory) -> None:
    with pytest.raises(UserInputError) as short:
        directory.activate("tina@acme.example", "short1", T0)
    assert short.value.source == "password"
    with pytest.raises(UserInputError, match="letter and one digit"):
        directory.activate("tina@acme.example", "onlyletters", T0)


def test_runtime_passwords_get_their_own_salt_configured_ones_are_hashed_once(
    directory: Directory,
) -> None:
    directory.create_account("saa@acme.example", "u1@acme.example", "U1", T0)
    directory.create_account("saa@acme.example", "u2@acme.example", "U2", T0)
    directory.activate("u1@acme.example", "Same-pass-1", T0)
    directory.activate("u2@acme.example", "Same-pass-1", T0)
    first, second = (
        directory.account(u).password_hash for u in ("u1@acme.example", "u2@acme.example")
    )
    assert first != second
    directory.activate("u1@acme.example", "Same-pass-1", T0, configured=True)
    directory.activate("u2@acme.example", "Same-pass-1", T0, configured=True)
    first, second = (
        directory.account(u).password_hash for u in ("u1@acme.example", "u2@acme.example")
    )
    assert first == second
    assert directory.verify_password("u2@acme.example", "Same-pass-1", T0).verdict
