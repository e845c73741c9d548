"""The pure policy ``check(view, action, resource, now_ns)`` at its boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from simulator.clock import DAY, NANOSECOND
from simulator.domain.facility import Region
from simulator.entitlement import Action, Directory, EntitlementError, Resource, check
from simulator.entitlement.dormancy import DEFAULT_DORMANCY_NS
from simulator.entitlement.model import AccountStatus, CertificationPeriod
from simulator.timestamps import local_ns, parse_iso8601

T0 = parse_iso8601("2021-03-20T09:00:00-04:00")
ACME = "100001"


def verdict(directory: Directory, user: str, action: Action, resource: Resource, now: int = T0):
    return check(directory.view(directory.account(user)), action, resource, now)


def test_trader_may_log_in_to_production_and_report_for_its_mpid(directory: Directory) -> None:
    production = Resource(ACME, region=Region.PRODUCTION)
    assert verdict(directory, "tina@acme.example", Action.LOGIN_TRAQS, production)
    report = Resource(ACME, region=Region.PRODUCTION, mpid="ACME")
    assert verdict(directory, "tina@acme.example", Action.REPORT_TRADE, report)


def test_mpid_of_the_firm_but_not_entitled_is_refused(directory: Directory) -> None:
    result = verdict(
        directory,
        "tina@acme.example",
        Action.REPORT_TRADE,
        Resource(ACME, region=Region.PRODUCTION, mpid="ACMX"),
    )
    assert result.code == "mpid-not-entitled"
    assert "never through a role" in result.message


def test_mpid_of_another_firm_is_refused(directory: Directory) -> None:
    result = verdict(
        directory,
        "tina@acme.example",
        Action.REPORT_TRADE,
        Resource(ACME, region=Region.PRODUCTION, mpid="BRVO"),
    )
    assert result.code == "mpid-not-organisation"


def test_resource_of_another_organisation_is_refused_whatever_the_privileges(
    directory: Directory,
) -> None:
    result = verdict(directory, "tina@acme.example", Action.VIEW_TRADES, Resource("100002"))
    assert result.code == "other-organisation"
    saa = verdict(directory, "saa@acme.example", Action.UNLOCK_ACCOUNT, Resource("100002"))
    assert saa.code == "other-organisation"


def test_ntf_only_user_cannot_log_in_to_production(directory: Directory) -> None:
    directory.entitle("saa@acme.example", "tina@acme.example", T0, regions=[Region.NTF])
    production = verdict(
        directory, "tina@acme.example", Action.LOGIN_TRAQS, Resource(ACME, region=Region.PRODUCTION)
    )
    assert production.code == "region-not-entitled"
    assert "production region" in production.message
    assert verdict(
        directory, "tina@acme.example", Action.LOGIN_TRAQS, Resource(ACME, region=Region.NTF)
    )


def test_saa_must_self_entitle_before_using_traqs(directory: Directory) -> None:
    result = verdict(
        directory, "saa@acme.example", Action.LOGIN_TRAQS, Resource(ACME, region=Region.PRODUCTION)
    )
    assert result.code == "not-entitled"
    assert "entitle your own account" in result.message
    directory.entitle(
        "saa@acme.example",
        "saa@acme.example",
        T0,
        privileges=["traqs.view"],
        regions=["production"],
    )
    assert verdict(
        directory, "saa@acme.example", Action.LOGIN_TRAQS, Resource(ACME, region=Region.PRODUCTION)
    )


def test_role_privileges_follow_role_updates(directory: Directory) -> None:
    report = Resource(ACME, region=Region.PRODUCTION, mpid="ACME")
    directory.update_role("saa@acme.example", "Trader", ["traqs.view"], T0)
    assert verdict(directory, "tina@acme.example", Action.REPORT_TRADE, report).code == (
        "not-entitled"
    )
    directory.update_role("saa@acme.example", "Trader", ["traqs.view", "traqs.report"], T0)
    assert verdict(directory, "tina@acme.example", Action.REPORT_TRADE, report)


def test_dormancy_boundary_to_the_nanosecond(directory: Directory) -> None:
    login = Resource(ACME, region=Region.PRODUCTION)
    directory.record_login("tina@acme.example", T0)
    almost = T0 + DEFAULT_DORMANCY_NS - NANOSECOND
    assert verdict(directory, "tina@acme.example", Action.LOGIN_TRAQS, login, almost)
    # keep the SAA active so only Tina is dormant
    directory.record_login("saa@acme.example", almost)
    dormant = verdict(
        directory, "tina@acme.example", Action.LOGIN_TRAQS, login, T0 + DEFAULT_DORMANCY_NS
    )
    assert dormant.code == "account-dormant"


def test_dormant_saa_takes_the_whole_organisation_down(directory: Directory) -> None:
    later = T0 + DEFAULT_DORMANCY_NS + DAY
    directory.record_login("tina@acme.example", later - DAY)
    login = Resource(ACME, region=Region.PRODUCTION)
    result = verdict(directory, "tina@acme.example", Action.LOGIN_TRAQS, login, later)
    assert result.code == "organisation-without-saa"


def test_disabled_and_deleted_accounts_are_refused(directory: Directory) -> None:
    login = Resource(ACME, region=Region.PRODUCTION)
    directory.set_status("aa@acme.example", "tina@acme.example", AccountStatus.DISABLED, T0)
    assert verdict(directory, "tina@acme.example", Action.LOGIN_TRAQS, login).code == (
        "account-disabled"
    )
    directory.set_status("aa@acme.example", "tina@acme.example", AccountStatus.DELETED, T0)
    assert verdict(directory, "tina@acme.example", Action.LOGIN_TRAQS, login).code == (
        "account-deleted"
    )


def test_past_due_certification_suspends_users_and_admin_functions(directory: Directory) -> None:
    period = CertificationPeriod(start=dt.date(2021, 4, 5), due=dt.date(2021, 6, 4))
    directory.open_certification(ACME, period, T0)
    on_due_date = local_ns(dt.date(2021, 6, 4), 23, 59, 59)
    past_due = local_ns(dt.date(2021, 6, 5), 0)
    login = Resource(ACME, region=Region.PRODUCTION)
    assert verdict(directory, "tina@acme.example", Action.LOGIN_TRAQS, login, on_due_date)
    directory.record_login("saa@acme.example", past_due)
    directory.record_login("tina@acme.example", past_due)
    suspended = verdict(directory, "tina@acme.example", Action.LOGIN_TRAQS, login, past_due)
    assert suspended.code == "account-suspended"
    with pytest.raises(EntitlementError) as blocked:
        directory.create_account("aa@acme.example", "new@acme.example", "New", past_due)
    assert blocked.value.code == "certification-past-due"
    # Q63: resetting passwords still works while past due
    directory.reset_password("aa@acme.example", "tina@acme.example", past_due)
    directory.certify("saa@acme.example", past_due + 1)
    directory.activate("tina@acme.example", "Tina-pass-2", past_due + 2)
    assert verdict(directory, "tina@acme.example", Action.LOGIN_TRAQS, login, past_due + 3)
    directory.create_account("aa@acme.example", "new@acme.example", "New", past_due + 4)


def test_only_the_saa_certifies_and_manages_roles(directory: Directory) -> None:
    assert verdict(directory, "aa@acme.example", Action.CERTIFY, Resource(ACME)).code == "saa-only"
    assert verdict(directory, "aa@acme.example", Action.MANAGE_ROLES, Resource(ACME)).code == (
        "saa-only"
    )
    assert verdict(directory, "tina@acme.example", Action.MANAGE_ROLES, Resource(ACME)).code == (
        "not-administrator"
    )
