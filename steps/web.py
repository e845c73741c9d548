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


def _tester(username: str) -> Any:
    from simulator.harness.uat_script import Tester

    return Tester(name=username, username=username, phone=None, region="production")


def _traqs(sim: SimHarness) -> Any:
    client = sim.data.get("traqs")
    if client is None:
        from simulator.harness.web_client import TraqsClient

        client = TraqsClient(sim)
        sim.data["traqs"] = client
        sim.data.setdefault("closers", []).append(client.close)
    else:
        client.follow_restart()  # the testers' browsers stay open across a restart
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
    route = "certificate" if method == "a certificate" else "mfa"
    answer = _traqs(sim).login(_tester(username), route=route, site=host)
    sim.data["web_user"] = username
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
    from simulator.harness.uat_script import Trade

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
    answer = _traqs(sim).report(_tester(username), trade, host=host)
    sim.data["last_verdict"] = _LoginVerdict(answer.result == "accepted", answer.message)
    assert answer.result == "accepted", f"{host} refused the trade: {answer.message}"
    sim.data["web_trade"] = trade
    sim.data["web_user"] = username
    sim.data["last_ref"] = trade.ref


@then(parsers.re(r"the journal flags a likely duplicate sent by (?P<routes>.+)"))
def flags_duplicate(sim: SimHarness, routes: str) -> None:
    """Check that the journal flags the same trade reported by more than one route (routes:
    ``fix``, ``web-certificate``, ``web-mfa``, joined with "and").

    Example: Then the journal flags a likely duplicate sent by web-certificate and web-mfa
    """
    wanted = sorted(part.strip() for part in routes.split(" and "))
    groups = [sorted(group) for group in sim.duplicate_routes()]
    assert wanted in groups, f"likely duplicates by route: {groups or 'none'}"


@then(
    parsers.re(
        r"the journal flags the same trade sent by (?P<first>[a-z-]+) and (?P<second>[a-z-]+) "
        r"as a likely duplicate"
    )
)
def flags_duplicate_pair(sim: SimHarness, first: str, second: str) -> None:
    """Same check as above, for two routes named in any order.

    Example: Then the journal flags the same trade sent by fix and web-mfa as a likely duplicate
    """
    groups = [sorted(group) for group in sim.duplicate_routes()]
    assert sorted([first, second]) in groups, f"likely duplicates by route: {groups or 'none'}"


# -- TRAQS tasks of a Saturday UAT --------------------------------------------------------------


def _web_trade(sim: SimHarness) -> Any:
    trade = sim.data.get("web_trade")
    assert trade is not None, "no trade was reported through TRAQS in this scenario"
    return trade


@when(
    parsers.re(
        r"(?P<username>\S+@\S+) registers \"(?P<firm>[^\"]+)\" with MPIDs? "
        r"(?P<mpids>[A-Z]{4}(?:(?:, | and )[A-Z]{4})*) for the (?P<day>\d{4}-\d{2}-\d{2}) UAT"
    )
)
def register_for_uat(sim: SimHarness, username: str, firm: str, mpids: str, day: str) -> None:
    """Register the firm for a Saturday production test on TRAQS's UAT page (logged in with
    the user's certificate at finratraqs.org): firm name, MPIDs, the user as tester and web
    user name (seed 000: "firm name, MPID(s) used, names of testers and web usernames").

    Example: When tina.trader@acme.example registers "Acme Securities LLC" with MPIDs ACME and ACMX for the 2021-03-20 UAT
    """
    answer = _traqs(sim).register_for_uat(
        tester=_tester(username),
        uat=day,
        firm=firm,
        mpids=[m.strip() for m in mpids.replace(" and ", ",").split(",")],
        testers=[username],
        usernames=[username],
    )
    sim.data["registration"] = answer


@then(parsers.re(r"the registration is (?P<verdict>accepted|refused)"))
def registration_verdict(sim: SimHarness, verdict: str) -> None:
    """Check the outcome of the last UAT registration.

    Example: Then the registration is refused
    """
    answer = sim.data.get("registration")
    assert answer is not None, "no registration was attempted"
    assert answer.result == verdict, f"the registration was {answer.result}: {answer.message}"


@then(parsers.cfparse('the registration page says "{text}"'))
def registration_says(sim: SimHarness, text: str) -> None:
    """Check the UAT page's explanation of a refused registration (a part of it, any case).

    Example: Then the registration page says "noon"
    """
    answer = sim.data.get("registration")
    assert answer is not None, "no registration was attempted"
    assert text.lower() in answer.message.lower(), f"the page says {answer.message!r}"


@then(
    parsers.re(
        r"FINRA Market Operations holds (?P<count>\d+) registrations? for the "
        r"(?P<day>\d{4}-\d{2}-\d{2}) UAT"
    ),
    converters={"count": int},
)
def registrations_held(sim: SimHarness, count: int, day: str) -> None:
    """Count the registrations the simulator took for a UAT (control API).

    Example: Then FINRA Market Operations holds 1 registration for the 2021-03-20 UAT
    """
    found = sim.uat_registrations(day)
    assert len(found) == count, f"{len(found)} registrations: {found}"


def _invitations(sim: SimHarness, username: str) -> list[dict[str, Any]]:
    """The user's MFA invitations sent up to the clock's instant (a scenario that sets the
    clock back does not see the emails of its simulated future)."""
    now = sim.now_ns()
    found = sim.outbox(to=username, kind="mfa-invitation")
    return [message for message in found if int(message["sent_ns"]) <= now]


@then(parsers.re(r"(?P<username>\S+@\S+) has an MFA invitation email sent at (?P<instant>.+)"))
def invitation_sent_at(sim: SimHarness, username: str, instant: str) -> None:
    """Check the MFA sign-up invitation in the simulator's outbox and when it was sent
    (seed 000: existing active users were emailed on Thursday 2021-03-04).

    Example: Then tina.trader@acme.example has an MFA invitation email sent at 2021-03-04 00:00 ET
    """
    from simulator.harness.timetext import describe, parse_instant

    wanted = parse_instant(instant)
    found = _invitations(sim, username)
    assert found, f"{username} has no MFA invitation email at {describe(sim.now_ns())}"
    sent = [int(message["sent_ns"]) for message in found]
    assert wanted in sent, f"invitations sent at {[describe(ns) for ns in sent]}"
    sim.record("page", "outbox", f"MFA invitation to {username}", found[0]["subject"])


@then(parsers.re(r"(?P<username>\S+@\S+) has no MFA invitation email"))
def no_invitation(sim: SimHarness, username: str) -> None:
    """Check that the outbox holds no MFA invitation for a user yet.

    Example: Then tina.trader@acme.example has no MFA invitation email
    """
    found = _invitations(sim, username)
    assert not found, f"{username} was invited at {[m['sent'] for m in found]}"


@when(parsers.re(r"FINRA sends (?P<username>\S+@\S+) an invitation to the NASDAQ MFA service"))
def send_invitation(sim: SimHarness, username: str) -> None:
    """Email a user an invitation to the NASDAQ MFA service now, as FINRA does once an
    administrator has completed the FINRA Order Form for a new TRAQS user name (seed 000).

    Example: When FINRA sends tina.trader@acme.example an invitation to the NASDAQ MFA service
    """
    sim.invite(username)


@when(
    parsers.re(
        r"(?P<username>\S+@\S+) enrols in MFA with an authenticator app from the invitation email"
    )
)
def enrol_mfa(sim: SimHarness, username: str) -> None:
    """Follow the latest invitation link to mpp.nasdaq.com, set the password, and enrol an
    authenticator app with the code it shows at the simulated instant.

    Example: When tina.trader@acme.example enrols in MFA with an authenticator app from the invitation email
    """
    sim.data["enrolment"] = _traqs(sim).enrol_mfa(_tester(username))


@then(parsers.re(r"the enrolment (?P<verdict>succeeds|is refused)"))
def enrolment_verdict(sim: SimHarness, verdict: str) -> None:
    """Check the outcome of the last MFA enrolment.

    Example: Then the enrolment succeeds
    """
    answer = sim.data.get("enrolment")
    assert answer is not None, "no enrolment was attempted"
    assert (answer.result == "enrolled") is (verdict == "succeeds"), answer.message


@when(
    parsers.re(
        r"(?P<username>\S+@\S+) corrects the trade's price to (?P<price>\d+(?:\.\d+)?) "
        r"through (?P<host>[a-z0-9.-]+)"
    )
)
def web_correct(sim: SimHarness, username: str, price: str, host: str) -> None:
    """Correct the last trade reported through TRAQS (its Correct link), changing the price;
    TRAQS issues a new control number and shows the original as corrected.

    Example: When tina.trader@acme.example corrects the trade's price to 101.50 through beta.finratraqs.org
    """
    trade = _web_trade(sim)
    answer = _traqs(sim).correct(_tester(username), trade.ref, {"price": price}, host=host)
    assert answer.result == "accepted", f"{host} refused the correction: {answer.message}"
    sim.data["last_ref"] = f"{trade.ref}R"


@when(parsers.re(r"(?P<username>\S+@\S+) cancels the trade through (?P<host>[a-z0-9.-]+)"))
def web_cancel(sim: SimHarness, username: str, host: str) -> None:
    """Cancel the live version of the last trade reported through TRAQS (its Cancel button).

    Example: When tina.trader@acme.example cancels the trade through beta.finratraqs.org
    """
    trade = _web_trade(sim)
    client = _traqs(sim)
    ref = f"{trade.ref}R" if f"{trade.ref}R" in client.trades else trade.ref
    answer = client.cancel(_tester(username), ref, host=host)
    assert answer.result == "accepted", f"{host} refused the cancel: {answer.message}"


@then(
    parsers.re(
        r"the trade display on (?P<host>[a-z0-9.-]+) shows the trade "
        r"(?P<state>accepted|corrected|cancelled)"
    )
)
def display_shows(sim: SimHarness, host: str, state: str) -> None:
    """Read TRAQS's trade display as the logged-in user sees it and check the last trade's
    state: ``accepted``, ``corrected`` (its replacement is live) or ``cancelled``.

    Example: Then the trade display on beta.finratraqs.org shows the trade corrected
    """
    trade = _web_trade(sim)
    shown = _traqs(sim).display(_tester(_web_user(sim)), host=host)
    assert shown.get(trade.ref) == state, f"the display shows {shown}"


def _web_user(sim: SimHarness) -> str:
    user = sim.data.get("web_user")
    assert user is not None, "nobody has used TRAQS in this scenario"
    return str(user)


@when(
    parsers.re(
        r"(?P<username>\S+@\S+) downloads a reference-data file from (?P<host>[a-z0-9.-]+) "
        r"with (?P<how>a certificate, login and password|login and password but no certificate"
        r"|an API token from TRAQS)"
    )
)
def api_download(sim: SimHarness, username: str, host: str, how: str) -> None:
    """Call the reference-data API (``GET /api/files``, then the newest file) as the user:
    over TLS with their client certificate plus login ID and password (HTTP Basic), the same
    without a certificate, or -- in the API's MFA era -- with an access token obtained through
    TRAQS (log in with MFA, issue a refresh token, exchange it at ``POST /api/token``).

    Example: When tina.trader@acme.example downloads a reference-data file from download2.finratraqs.org with a certificate, login and password
    """
    client = _traqs(sim)
    tester = _tester(username)
    if how == "an API token from TRAQS":
        token = client.api_token(tester, host)
        sim.data["download"] = client.download(tester, host, token=token)
    else:
        certificate = how.startswith("a certificate")
        sim.data["download"] = client.download(tester, host, certificate=certificate)


@then(parsers.re(r"the download (?P<verdict>succeeds|is refused)"))
def download_verdict(sim: SimHarness, verdict: str) -> None:
    """Check the outcome of the last reference-data download.

    Example: Then the download succeeds
    """
    answer = sim.data.get("download")
    assert answer is not None, "no download was attempted"
    assert (answer.result == "downloaded") is (verdict == "succeeds"), answer.message


@then(parsers.cfparse('the API says "{text}"'))
def api_says(sim: SimHarness, text: str) -> None:
    """Check the reference-data API's explanation of a refusal (a part of it, any case).

    Example: Then the API says "digital certificate"
    """
    answer = sim.data.get("download")
    assert answer is not None, "no download was attempted"
    assert text.lower() in answer.message.lower(), f"the API says {answer.message!r}"


@when("the firm reports the same trade over FIX")
def same_trade_over_fix(sim: SimHarness) -> None:
    """Send the trade last reported through TRAQS again, over the firm's FIX session (same
    MPID, security, quantity, price, side and execution time; a new reference).

    Example: When the firm reports the same trade over FIX
    """
    from simulator.harness.adapter import TradeRequest

    trade = _web_trade(sim)
    client = sim.data.get("fix")
    assert client is not None, 'no FIX session: start with "Given <firm> is logged on to <port>"'
    request = TradeRequest(
        facility=trade.facility,
        mpid=trade.mpid,
        side=trade.side,
        symbol=trade.security,
        quantity=trade.quantity,
        price=trade.price,
        executed_ns=trade.executed_ns,
        client_ref=f"F{trade.ref}",
        contra_mpid=trade.contra,
    )
    sim.data["ack"] = client.report(request)
    sim.data["last_trade"] = request
    sim.data["last_ref"] = request.client_ref


# -- the web front across a restart ---------------------------------------------------------------


@then(parsers.re(r"(?P<username>\S+@\S+) is still logged in to (?P<host>[a-z0-9.-]+)"))
def still_logged_in(sim: SimHarness, username: str, host: str) -> None:
    """Check that the user's browser, left open, is still logged in to a site: its session
    cookie opens the site's first page after login (TRAQS trade entry, the MFA profile) without
    a new login, with the same CSRF token as the last page the browser saw there -- after the
    simulator restarted, say.

    Example: Then tom.trader@acme.example is still logged in to beta.finratraqs.org
    """
    browser = _traqs(sim).browser(username)
    before = browser.last.get(host)
    assert before is not None, f"{username} has not opened {host} in this scenario"
    path = "/profile" if host.startswith("mpp.") else "/trades/new"
    page = sim.loop.run(browser.get(host, path), timeout=30)
    sim.record("page", "tester", f"{username} at {host}{path}: {page.status} {page.url}")
    assert page.status == 200 and page.url.endswith(path), (
        f"{host} answered {page.status} at {page.url}: {page.error or 'not logged in'}"
    )
    assert page.csrf == before.csrf, "the session is new: its CSRF token changed"
