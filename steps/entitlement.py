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
from simulator.harness.timetext import describe
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


# -- the organisation's officers, account lifecycle, dormancy -------------------------------------


@given(
    parsers.cfparse("its Chief Compliance Officer is {email:User}", extra_types=TYPES),
)
def chief_compliance_officer(sim: SimHarness, email: str) -> None:
    """Record the organisation's Chief Compliance Officer, who receives the certification
    reminder and past-due emails with the SAA (FAQ Q50).

    Example: Given its Chief Compliance Officer is cco@acme.example
    """
    _directory(sim).organisation(_org(sim)).cco_email = email


@when(parsers.cfparse("{username:User} logs in with the right password", extra_types=TYPES))
def logs_in(sim: SimHarness, username: str) -> None:
    """Log in with the right password; a completed login counts as use of the account (the
    dormancy clock restarts, FAQ Q40).

    Example: When dana@acme.example logs in with the right password
    """
    directory = _directory(sim)
    outcome = directory.verify_password(username, DEFAULT_PASSWORD, sim.now_ns())
    sim.data["last_verdict"] = outcome.verdict
    assert outcome.verdict.allowed, outcome.verdict.message
    directory.record_login(username, sim.now_ns())
    sim.record("action", username, "logged in")


@when(
    parsers.re(r"(?P<actor>\S+@\S+) (?P<action>deletes|disables) the account (?P<username>\S+@\S+)")
)
def delete_account(sim: SimHarness, actor: str, action: str, username: str) -> None:
    """An administrator deletes (or disables) an account no longer needed -- within one day,
    or 30 minutes after a security incident, says FAQ Q2/Q101; the SAA's own account is
    replaced, never deleted (Q24).

    Example: When saa@acme.example deletes the account dana@acme.example
    """
    from simulator.entitlement.model import AccountStatus

    status = AccountStatus.DELETED if action == "deletes" else AccountStatus.DISABLED
    _attempt(sim, lambda: _directory(sim).set_status(actor, username, status, sim.now_ns()))


@when(
    parsers.re(
        r"(?P<actor>\S+@\S+) tries to create the user (?P<username>\S+@\S+)",
    )
)
def try_create_user(sim: SimHarness, actor: str, username: str) -> None:
    """An administrator tries to create a user account (refused, e.g., while the
    organisation's certification is past due, FAQ Q61).

    Example: When saa@acme.example tries to create the user erin@acme.example
    """
    _attempt(
        sim,
        lambda: _directory(sim).create_account(
            actor, username, username.split("@")[0], sim.now_ns()
        ),
    )


# -- Super Account Administrator replacement ---------------------------------------------------


@when(
    parsers.re(
        r"FINRA replaces the Super Account Administrator with (?P<username>\S+@\S+), "
        r"approved by an Authorized Signatory"
    )
)
def replace_saa(sim: SimHarness, username: str) -> None:
    """The Replace SAA workflow (FAQ Q24-Q26): once an Authorized Signatory approves it, FINRA
    makes the new person the SAA; the former SAA keeps a user account.

    Example: When FINRA replaces the Super Account Administrator with cco@acme.example, approved by an Authorized Signatory
    """
    _attempt(sim, lambda: _directory(sim).replace_saa(_org(sim), username, sim.now_ns()))
    directory = _directory(sim)
    if directory.find(username) is not None and directory.account(username).password_hash is None:
        directory.activate(username, DEFAULT_PASSWORD, sim.now_ns())


@then(
    parsers.cfparse(
        "the organisation's Super Account Administrator is {username:User}", extra_types=TYPES
    )
)
def saa_is(sim: SimHarness, username: str) -> None:
    """Check who the organisation's one SAA is.

    Example: Then the organisation's Super Account Administrator is cco@acme.example
    """
    org = _directory(sim).organisation(_org(sim))
    assert org.saa_username == username, f"the SAA is {org.saa_username}"


@then(
    parsers.re(
        r"(?P<username>\S+@\S+) is now (?P<kind>a user|an account administrator|"
        r"the Super Account Administrator)"
    )
)
def account_kind(sim: SimHarness, username: str, kind: str) -> None:
    """Check an account's kind (user, account administrator, SAA).

    Example: Then saa@acme.example is now a user
    """
    wanted = {"a user": "user", "an account administrator": "aa"}.get(kind, "saa")
    actual = _directory(sim).account(username).kind.value
    assert actual == wanted, f"{username} is {actual}"


# -- roles assigned by account administrators (Q88, Q90) -----------------------------------------


_ASSIGN_ROLES = "{actor:User} grants {username:User} the Assign Roles privilege"


@given(parsers.cfparse(_ASSIGN_ROLES, extra_types=TYPES))
@when(parsers.cfparse(_ASSIGN_ROLES, extra_types=TYPES))
def grant_assign_roles(sim: SimHarness, actor: str, username: str) -> None:
    """The SAA grants an Account Administrator the Assign Roles privilege (FAQ Q88), keeping
    the privileges it already administers.

    Example: Given saa@acme.example grants aa@acme.example the Assign Roles privilege
    """
    from simulator.entitlement.model import Privilege

    directory = _directory(sim)
    current = set(directory.account(username).admin_privileges)
    directory.entitle(
        actor,
        username,
        sim.now_ns(),
        admin_privileges=sorted(current | {Privilege.ASSIGN_ROLES.value}),
    )


# -- annual certification (Q42-Q63) -------------------------------------------------------------


@given(
    parsers.re(
        r"FINRA opens the organisation's certification period from "
        r"(?P<start>\d{4}-\d{2}-\d{2}) to (?P<due>\d{4}-\d{2}-\d{2})"
    )
)
def open_certification(sim: SimHarness, start: str, due: str) -> None:
    """Open the annual User Accounts Certification period (about 60 days, FAQ Q47); the
    dates are New York dates.

    Example: Given FINRA opens the organisation's certification period from 2021-09-01 to 2021-10-29
    """
    import datetime as dt

    from simulator.entitlement.model import CertificationPeriod

    period = CertificationPeriod(start=dt.date.fromisoformat(start), due=dt.date.fromisoformat(due))
    _directory(sim).open_certification(_org(sim), period, sim.now_ns())


@then(
    parsers.re(
        r"the organisation's certification is "
        r"(?P<phase>upcoming|open|reminder|past-due|completed|not required)"
    )
)
def certification_phase(sim: SimHarness, phase: str) -> None:
    """Check where the organisation stands in its certification period at the clock's instant:
    ``upcoming``, ``open``, ``reminder`` (10 business days or less before the due date),
    ``past-due``, ``completed``, or ``not required`` (only the SAA's account, Q45).

    Example: Then the organisation's certification is past-due
    """
    actual = _directory(sim).certification_phase(_org(sim), sim.now_ns()).value
    wanted = "none" if phase == "not required" else phase
    assert actual == wanted, f"the certification is {actual} at {describe(sim.now_ns())}"


@then(
    parsers.re(
        r"FINRA emails the certification (?P<kind>initial|reminder|past-due) notice to "
        r"(?P<recipients>\S+@\S+(?: and \S+@\S+)*)"
    )
)
def certification_email(sim: SimHarness, kind: str, recipients: str) -> None:
    """Check the certification emails due by now (FAQ Q50, Q53): the initial notice to the
    SAA; the reminder (10 business days before the due date) and the past-due notice to the
    SAA and the Chief Compliance Officer. Each is sent once.

    Example: Then FINRA emails the certification reminder notice to saa@acme.example and cco@acme.example
    """
    sent: list[tuple[str, list[str]]] = sim.data.setdefault("certification_emails", [])
    for _, notice, to in _directory(sim).certification_notices(sim.now_ns()):
        sent.append((notice, sorted(to)))
        sim.record("page", "outbox", f"certification {notice} notice to {', '.join(to)}")
    wanted = (kind, sorted(recipients.split(" and ")))
    assert wanted in sent, f"certification emails so far: {sent or 'none'}"


@when(parsers.cfparse("{actor:User} certifies the organisation's accounts", extra_types=TYPES))
def certify(sim: SimHarness, actor: str) -> None:
    """The SAA completes the certification (FAQ Q48); past-due restrictions lift (Q61).

    Example: When saa@acme.example certifies the organisation's accounts
    """
    _attempt(sim, lambda: _directory(sim).certify(actor, sim.now_ns()))
