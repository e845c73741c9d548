"""Entitlement steps: organisations, the one SAA, accounts, lockout, security questions, roles.

The rules are the FINRA Entitlement Program's (seed 003): one Super Account Administrator per
organisation (Q4); five wrong passwords within an hour lock an account, which unlocks by itself
after an hour or sooner by an SAA/AA (Q34); three security questions answered with some
flexibility (Q64-Q72); roles that are active, deleted or incomplete, never deleted while assigned
(Q82, Q91); a tester entitled only to the NTF region cannot use production (seed 000). The steps
act on the simulator's entitlement directory (``simulator.entitlement``). Accounts created by
these steps are activated with the password ``Rehearse2021`` unless a step names another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytest_bdd import given, parsers, then, when

from simulator.harness.controller import SimHarness
from steps._types import TYPES

DEFAULT_PASSWORD = "Rehearse2021"
_PRIVILEGES = {
    "report": "traqs.report",
    "view": "traqs.view",
    "download": "refdata.download",
    "register": "traqs.uat-registration",
}


def _directory(sim: SimHarness) -> Any:
    return sim.entitlement()


def _org(sim: SimHarness) -> str:
    try:
        return str(sim.data["org_id"])
    except KeyError:
        raise AssertionError(
            'no organisation yet: start with "Given the organisation ... (Org ID ...)"'
        ) from None


def _attempt(sim: SimHarness, action: Callable[[], Any]) -> Any:
    """Run an entitlement operation; keep a refusal (and its message) for the Then steps."""
    from simulator.entitlement.directory import EntitlementError
    from simulator.errors import UserInputError

    sim.data.pop("refusal", None)
    try:
        return action()
    except (EntitlementError, UserInputError) as exc:
        sim.data["refusal"] = str(exc)
        sim.record("decision", "entitlement", f"refused: {exc}")
        return None


def _mpids(text: str) -> list[str]:
    return [part.strip() for part in text.replace(" and ", ",").split(",") if part.strip()]


@given(
    parsers.re(
        r'the organisation "(?P<name>[^"]+)" \(Org ID (?P<org_id>\w+)\) with MPIDs? '
        r"(?P<mpids>[A-Z]{4}(?:(?:, | and )[A-Z]{4})*)"
    )
)
def organisation(sim: SimHarness, name: str, org_id: str, mpids: str) -> None:
    """Register an organisation with its MPIDs in the entitlement program.

    Example: Given the organisation "Acme Securities LLC" (Org ID 1001) with MPIDs ACME and ACMX
    """
    _directory(sim).add_organisation(org_id, name, mpids=_mpids(mpids))
    sim.data["org_id"] = org_id
    sim.record("action", "finra", f"organisation {org_id} {name} with MPIDs {mpids}")


@given(parsers.cfparse("{username:User} is its Super Account Administrator", extra_types=TYPES))
def saa(sim: SimHarness, username: str) -> None:
    """Designate the organisation's SAA (account activated with the default password).

    Example: Given saa@acme.example is its Super Account Administrator
    """
    directory = _directory(sim)
    directory.designate_saa(_org(sim), username, username.split("@")[0], sim.now_ns())
    directory.activate(username, DEFAULT_PASSWORD, sim.now_ns())


@when(
    parsers.cfparse(
        "the organisation designates {username:User} as a second Super Account Administrator",
        extra_types=TYPES,
    )
)
def second_saa(sim: SimHarness, username: str) -> None:
    """Try to designate another SAA for the same organisation.

    Example: When the organisation designates cco@acme.example as a second Super Account Administrator
    """
    _attempt(
        sim,
        lambda: _directory(sim).designate_saa(
            _org(sim), username, username.split("@")[0], sim.now_ns()
        ),
    )


@given(
    parsers.re(
        r"(?P<actor>\S+) creates the (?P<kind>user|account administrator) (?P<username>\S+) "
        r"entitled to TRAQS in (?P<regions>production|ntf|production and ntf)"
    )
)
def create_user(sim: SimHarness, actor: str, kind: str, username: str, regions: str) -> None:
    """An administrator creates an account with TRAQS report and view privileges in a region.

    Example: Given saa@acme.example creates the user dana@acme.example entitled to TRAQS in ntf
    """
    from simulator.entitlement.model import AccountKind

    directory = _directory(sim)
    now = sim.now_ns()
    account_kind = AccountKind.AA if kind == "account administrator" else AccountKind.USER
    directory.create_account(actor, username, username.split("@")[0], now, kind=account_kind)
    directory.entitle(
        actor,
        username,
        now,
        privileges=[_PRIVILEGES["report"], _PRIVILEGES["view"]],
        admin_privileges=[_PRIVILEGES["report"], _PRIVILEGES["view"]]
        if account_kind is AccountKind.AA
        else None,
        regions=regions.split(" and "),
    )
    directory.activate(username, DEFAULT_PASSWORD, now)


@when(parsers.cfparse("{username:User} enters a wrong password {count:d} times", extra_types=TYPES))
def wrong_passwords(sim: SimHarness, username: str, count: int) -> None:
    """Type a wrong password several times (one per simulated second).

    Example: When dana@acme.example enters a wrong password 5 times
    """
    for attempt in range(count):
        if attempt:
            sim.advance(1_000_000_000)
        outcome = _directory(sim).verify_password(username, "Wrong-password-1", sim.now_ns())
        sim.data["last_verdict"] = outcome.verdict
    sim.record("action", username, f"{count} wrong passwords: {sim.data['last_verdict'].message}")


@then(parsers.re(r"(?P<username>\S+) (?P<verdict>can|cannot) log in with the right password"))
def can_log_in(sim: SimHarness, username: str, verdict: str) -> None:
    """Check whether the right password is accepted now (a locked account refuses it too).

    Example: Then dana@acme.example cannot log in with the right password
    """
    outcome = _directory(sim).verify_password(username, DEFAULT_PASSWORD, sim.now_ns())
    sim.data["last_verdict"] = outcome.verdict
    assert outcome.verdict.allowed is (verdict == "can"), outcome.verdict.message


@then(parsers.cfparse('the login page says "{text}"'))
def login_page_says(sim: SimHarness, text: str) -> None:
    """Check the message of the last login attempt (a part of it).

    Example: Then the login page says "locked"
    """
    verdict = sim.data.get("last_verdict")
    assert verdict is not None, "no login was attempted"
    assert text.lower() in verdict.message.lower(), verdict.message


@when(parsers.cfparse("{actor:User} unlocks {username:User}", extra_types=TYPES))
def unlock(sim: SimHarness, actor: str, username: str) -> None:
    """An SAA or AA unlocks an account before the hour is up.

    Example: When saa@acme.example unlocks dana@acme.example
    """
    _attempt(sim, lambda: _directory(sim).unlock(actor, username, sim.now_ns()))


@given(parsers.cfparse("{username:User} has chosen the security questions:", extra_types=TYPES))
def security_questions(sim: SimHarness, username: str, datatable: list[list[str]]) -> None:
    """Choose three security questions and answers (columns ``question`` and ``answer``).

    Example: Given dana@acme.example has chosen the security questions:
    """
    _header, *rows = datatable
    chosen = [row[0].strip() for row in rows]
    answers = [row[1].strip() for row in rows]
    _directory(sim).set_security_questions(username, chosen, answers, sim.now_ns())


@when(
    parsers.cfparse(
        '{username:User} answers the security question with "{answer}"', extra_types=TYPES
    )
)
def answer_question(sim: SimHarness, username: str, answer: str) -> None:
    """Answer the question the login page asks now.

    Example: When dana@acme.example answers the security question with "12 elm st"
    """
    directory = _directory(sim)
    asked = directory.question_for(username)
    assert asked is not None, f"{username} is not being asked a security question"
    index, question = asked
    verdict = directory.verify_answer(username, index, answer, sim.now_ns())
    sim.data["last_verdict"] = verdict
    sim.record("action", username, f"answered {question!r}: {verdict.message}")


@then(parsers.re(r"the answer is (?P<verdict>accepted|refused)"))
def answer_verdict(sim: SimHarness, verdict: str) -> None:
    """Check the verdict on the last security answer.

    Example: Then the answer is accepted
    """
    last = sim.data.get("last_verdict")
    assert last is not None, "no security question was answered"
    assert last.allowed is (verdict == "accepted"), last.message


@when(parsers.re(r'(?P<actor>\S+) creates the role "(?P<name>[^"]+)" with (?P<privileges>.+)'))
def create_role(sim: SimHarness, actor: str, name: str, privileges: str) -> None:
    """Create a role bundling privileges (``report``, ``view``, ``download``, ``register``) or,
    to see it refused, MPIDs.

    Example: When saa@acme.example creates the role "Trade reporters" with report and view
    """
    items = [p.strip() for p in privileges.replace(" and ", ",").split(",") if p.strip()]
    wanted = [_PRIVILEGES.get(item, item) for item in items if item != "nothing"]
    _attempt(
        sim,
        lambda: _directory(sim).create_role(actor, name, name, wanted, sim.now_ns()),
    )


@when(parsers.re(r'(?P<actor>\S+) assigns the role "(?P<name>[^"]+)" to (?P<username>\S+)'))
def assign_role(sim: SimHarness, actor: str, name: str, username: str) -> None:
    """Assign a role to an account.

    Example: When saa@acme.example assigns the role "Trade reporters" to dana@acme.example
    """
    _attempt(sim, lambda: _directory(sim).assign_role(actor, username, name, sim.now_ns()))


@when(parsers.re(r'(?P<actor>\S+) unassigns the role "(?P<name>[^"]+)" from (?P<username>\S+)'))
def unassign_role(sim: SimHarness, actor: str, name: str, username: str) -> None:
    """Take a role away from an account.

    Example: When saa@acme.example unassigns the role "Trade reporters" from dana@acme.example
    """
    _attempt(sim, lambda: _directory(sim).unassign_role(actor, username, name, sim.now_ns()))


@when(parsers.re(r'(?P<actor>\S+) deletes the role "(?P<name>[^"]+)"'))
def delete_role(sim: SimHarness, actor: str, name: str) -> None:
    """Delete a role (refused while any account still holds it).

    Example: When saa@acme.example deletes the role "Trade reporters"
    """
    _attempt(
        sim,
        lambda: _directory(sim).delete_role(actor, name, "no longer needed", sim.now_ns()),
    )


@then(parsers.re(r'the role "(?P<name>[^"]+)" is (?P<status>active|deleted|incomplete)'))
def role_status(sim: SimHarness, name: str, status: str) -> None:
    """Check a role's type: active, deleted or incomplete (no entitlements).

    Example: Then the role "Trade reporters" is active
    """
    org = _directory(sim).organisation(_org(sim))
    role = org.roles.get(name)
    assert role is not None, f"no role {name!r}; roles: {sorted(org.roles)}"
    assert role.status.value == status, f"the role {name!r} is {role.status.value}"


@then(parsers.cfparse('it is refused: "{text}"'))
def refused(sim: SimHarness, text: str) -> None:
    """Check that the last entitlement operation was refused, with a message containing a text.

    Example: Then it is refused: "only one"
    """
    refusal = sim.data.get("refusal")
    assert refusal is not None, "the operation was not refused"
    assert text.lower() in refusal.lower(), refusal


@then("it is done")
def it_is_done(sim: SimHarness) -> None:
    """Check that the last entitlement operation was not refused.

    Example: Then it is done
    """
    assert "refusal" not in sim.data, sim.data["refusal"]


@then(
    parsers.re(
        r"(?P<username>\S+) (?P<verdict>may|may not) log in to TRAQS in (?P<region>production|ntf)"
    )
)
def may_log_in(sim: SimHarness, username: str, verdict: str, region: str) -> None:
    """Check the TRAQS login entitlement for a region (a tester entitled only to the NTF is
    refused production, seed 000).

    Example: Then dana@acme.example may not log in to TRAQS in production
    """
    from simulator.domain.facility import Region
    from simulator.entitlement.policy import Action, Resource

    answer = _directory(sim).check(
        username, Action.LOGIN_TRAQS, Resource(_org(sim), region=Region(region)), sim.now_ns()
    )
    sim.data["last_verdict"] = answer
    assert answer.allowed is (verdict == "may"), answer.message or answer.code


@then(parsers.cfparse('{username:User} is asked "{question}"', extra_types=TYPES))
def is_asked(sim: SimHarness, username: str, question: str) -> None:
    """Check which security question the login page asks now (after two wrong answers, the
    next one; none once the account is locked).

    Example: Then dana@acme.example is asked "What was the name of your first pet?"
    """
    asked = _directory(sim).question_for(username)
    assert asked is not None, f"{username} is asked no question (the account may be locked)"
    assert asked[1] == question, f"{username} is asked {asked[1]!r}"
