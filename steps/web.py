"""Web steps: the TRAQS websites and the reference-data API, by date.

Which site is live and which login it takes follow the simulator's timeline
(``simulator.timeline``; seeds 000 and 001): before 2021-03-08 TRAQS takes digital certificates;
from 2021-03-08 to 2021-04-16 (the parallel period) certificates on the old infrastructure
(finratraqs.org) or MFA on the new one (beta.finratraqs.org); from 2021-04-19 MFA only. The
reference-data API keeps certificate, login and password until its own MFA date. Login methods
are ``certificate``, ``mfa`` and, for the API, ``certificate+password``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pytest_bdd import parsers, then, when

from simulator.harness.controller import SimHarness
from steps._types import TYPES


@then(
    parsers.re(
        r"the site (?P<host>[a-z0-9.-]+) (?P<verdict>accepts|refuses) (?P<method>certificate\+password|certificate|mfa) logins"
    )
)
def site_login_method(sim: SimHarness, host: str, verdict: str, method: str) -> None:
    """Check whether a site accepts a login method at the facility clock's instant.

    Example: Then the site beta.finratraqs.org accepts mfa logins
    """
    access = sim.timeline_state().website_auth(host)
    accepted = access.accepts(method)
    sim.record("decision", host, f"{method} login {'accepted' if accepted else 'refused'}")
    assert accepted is (verdict == "accepts"), (
        f"{host} is {access.status.value} with {access.auth.value if access.auth else 'no'} "
        f"login; {access.notice or ''}"
    )


@then(parsers.re(r"the site (?P<host>[a-z0-9.-]+) is (?P<status>live|not-yet-live|moved|retired)"))
def site_status(sim: SimHarness, host: str, status: str) -> None:
    """Check whether a site is live, not yet live, moved or retired at the clock's instant.

    Example: Then the site beta.finratraqs.org is moved
    """
    access = sim.timeline_state().website_auth(host)
    assert access.status.value == status, f"{host} is {access.status.value}" + (
        f": {access.notice}" if access.notice else ""
    )


@then(parsers.re(r"the site (?P<host>[a-z0-9.-]+) points to (?P<target>[a-z0-9.-]+)"))
def site_moved_to(sim: SimHarness, host: str, target: str) -> None:
    """Check where a moved site sends its users.

    Example: Then the site beta.finratraqs.org points to finratraqs.org
    """
    access = sim.timeline_state().website_auth(host)
    assert access.moved_to == target, f"{host} points to {access.moved_to!r}"


@then(
    parsers.cfparse("TRAQS in {region:Word} takes {method:LoginMethod} logins", extra_types=TYPES)
)
def traqs_auth(sim: SimHarness, region: str, method: str) -> None:
    """Check how the TRAQS website authenticates in a region (``either`` in the parallel period).

    Example: Then TRAQS in production takes either logins
    """
    auth = sim.timeline_state().traqs_auth(region)
    assert auth.value == method, f"TRAQS in {region} takes {auth.value} logins"


@then(
    parsers.cfparse(
        "the reference-data API in {region:Word} takes {method:LoginMethod} logins",
        extra_types=TYPES,
    )
)
def api_auth(sim: SimHarness, region: str, method: str) -> None:
    """Check how the reference-data API authenticates in a region.

    Example: Then the reference-data API in production takes certificate+password logins
    """
    auth = sim.timeline_state().api_auth(region)
    assert auth.value == method, f"the API in {region} takes {auth.value} logins"


# -- live logins through the web front ------------------------------------------------------------


class _LoginVerdict:
    def __init__(self, allowed: bool, message: str) -> None:
        self.allowed = allowed
        self.message = message


def _traqs(sim: SimHarness) -> Any:
    client = sim.data.get("traqs")
    if client is None:
        from simulator.harness.web_client import TraqsClient

        client = TraqsClient(sim)
        sim.data["traqs"] = client
        sim.data.setdefault("closers", []).append(client.close)
    return client


@when(
    parsers.re(
        r"(?P<username>\S+@\S+) logs in to (?P<host>[a-z0-9.-]+) with (?P<method>a certificate|MFA)"
    )
)
def web_login(sim: SimHarness, username: str, host: str, method: str) -> None:
    """Log in through the web front over HTTPS, as a browser would: with the user's client
    certificate and password, or with password, security question and authenticator code. The
    users and their test credentials are the simulator's sample organisations.

    Example: When tom.trader@acme.example logs in to finratraqs.org with a certificate
    """
    from simulator.harness.uat_script import Tester

    tester = Tester(name=username, username=username, phone=None, region="production")
    route = "certificate" if method == "a certificate" else "mfa"
    answer = _traqs(sim).login(tester, route=route, site=host)
    sim.data["last_verdict"] = _LoginVerdict(answer.result == "logged_in", answer.message)


@then(parsers.re(r"the login (?P<verdict>succeeds|is refused)"))
def login_verdict(sim: SimHarness, verdict: str) -> None:
    """Check the outcome of the last login.

    Example: Then the login is refused
    """
    last = sim.data.get("last_verdict")
    assert last is not None, "no login was attempted"
    assert last.allowed is (verdict == "succeeds"), last.message


@when(
    parsers.re(
        r"(?P<username>\S+@\S+) reports (?P<which>a|the same) trade executed at "
        r"(?P<time>\d{2}:\d{2}(?::\d{2})?) ET today through (?P<host>[a-z0-9.-]+)"
    )
)
def web_report(sim: SimHarness, username: str, which: str, time: str, host: str) -> None:
    """Report a trade on a TRAQS site's trade entry form (after logging in there): a TRACE
    corporate bond trade of the user's firm (MPID ACME, CUSIP 037833100, 100,000 at 101.25).
    ``the same trade`` repeats the economics with a new reference, as a firm sending a trade by
    both routes of the parallel period would.

    Example: When tom.trader@acme.example reports a trade executed at 09:59 ET today through finratraqs.org
    """
    from simulator.harness.timetext import time_today
    from simulator.harness.uat_script import Tester, Trade

    count = sim.data["web_trades"] = sim.data.get("web_trades", 0) + 1
    trade = Trade(
        ref=f"W{count}",
        facility="trace-ca",
        mpid="ACME",
        side="B",
        security="037833100",
        quantity=Decimal(100000),
        price=Decimal("101.25"),
        executed_ns=time_today(sim.now_ns(), f"{time} ET"),
    )
    tester = Tester(name=username, username=username, phone=None, region="production")
    answer = _traqs(sim).report(tester, trade, host=host)
    sim.data["last_verdict"] = _LoginVerdict(answer.result == "accepted", answer.message)
    assert answer.result == "accepted", f"{host} refused the trade: {answer.message}"


@then(parsers.re(r"the journal flags a likely duplicate sent by (?P<routes>.+)"))
def flags_duplicate(sim: SimHarness, routes: str) -> None:
    """Check that the journal flags the same trade reported by more than one route (routes:
    ``fix``, ``web-certificate``, ``web-mfa``, joined with "and").

    Example: Then the journal flags a likely duplicate sent by web-certificate and web-mfa
    """
    wanted = sorted(part.strip() for part in routes.split(" and "))
    groups = [sorted(group) for group in sim.duplicate_routes()]
    assert wanted in groups, f"likely duplicates by route: {groups or 'none'}"
