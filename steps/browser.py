"""Browser steps: a tester in Chromium (Playwright) on the TRAQS sites and the MFA service.

For the scenarios that must prove the pages work for a person, not only for an HTTP client:
the invitation link, the authenticator enrolment, the MFA login, the trade form and the Correct
and Cancel buttons of the trade display (seed 000: "verify ... trade reporting, cancels,
corrections ... and display capabilities"). Tag such scenarios ``@browser``.

They need Debian's Chromium at ``/usr/bin/chromium`` and the ``playwright`` package. Where either
is missing the scenario is skipped with the reason -- except in CI (the ``CI`` environment
variable set), where a missing browser fails the run. Each scenario starts its own Chromium
(about a second) and closes it at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_bdd import parsers, then, when

from simulator.harness.controller import SimHarness
from steps._types import TYPES


@pytest.fixture
def facsim_chromium(facsim_runtime: SimHarness) -> Iterator[Any]:
    """Chromium for one browser scenario, with every site name of the simulator's timeline
    mapped to loopback. Per scenario, not per session: Playwright's synchronous API keeps an
    event loop marked running in the test thread while it is started, which would break any
    later test of the process that calls ``asyncio.run``."""
    from simulator.harness.browser import chromium_missing_reason, launch, must_run

    reason = chromium_missing_reason()
    if reason is not None:
        if must_run():
            pytest.fail(f"browser scenarios must run in CI, but {reason}")
        pytest.skip(reason)
    running = launch(list(facsim_runtime.timeline().hosts()))
    yield running
    running.close()


@pytest.fixture
def browser_tester(sim: SimHarness, facsim_chromium: Any) -> Iterator[Any]:
    """A fresh browser window (cookies, history) for this scenario."""
    from simulator.harness.browser import BrowserTester

    tester = BrowserTester(sim, facsim_chromium).open()
    yield tester
    tester.close()


@when(
    parsers.cfparse(
        "{username:User} enrols in MFA from the invitation email in the browser",
        extra_types=TYPES,
    )
)
def browser_enrol(browser_tester: Any, username: str) -> None:
    """Open the invitation link in the browser, set the password, choose the authenticator
    app, read its secret off the page and type the code for the simulated instant.

    Example: When tina.trader@acme.example enrols in MFA from the invitation email in the browser
    """
    browser_tester.enrol_from_invitation(username)


@when(
    parsers.cfparse(
        "{username:User} logs in to {host:Word} with MFA in the browser", extra_types=TYPES
    )
)
def browser_login(browser_tester: Any, username: str, host: str) -> None:
    """Log in on a TRAQS site's page: password, security question, authenticator code.

    Example: When tina.trader@acme.example logs in to beta.finratraqs.org with MFA in the browser
    """
    browser_tester.login_mfa(username, host)


@when(
    parsers.cfparse(
        "the browser reports a trade of {quantity:d} {security:Word} at {price:Decimal} "
        "executed at {time:TimeOfDay} today",
        extra_types=TYPES,
    )
)
def browser_report(
    browser_tester: Any, quantity: int, security: str, price: Any, time: str
) -> None:
    """Press "Report a trade", fill in security (CUSIP or symbol), quantity, price, date and
    execution time (to the nanosecond), and submit.

    Example: When the browser reports a trade of 250000 037833100 at 100.125 executed at 09:06:00.123456789 ET today
    """
    browser_tester.report(security, str(quantity), str(price), time)


@when(
    parsers.cfparse("the browser corrects the trade's price to {price:Decimal}", extra_types=TYPES)
)
def browser_correct(browser_tester: Any, price: Any) -> None:
    """Press Correct on the trade's newest version and submit a new price.

    Example: When the browser corrects the trade's price to 100.25
    """
    browser_tester.correct_price(str(price))


@when("the browser cancels the trade")
def browser_cancel(browser_tester: Any) -> None:
    """Press Cancel on the trade's newest version.

    Example: When the browser cancels the trade
    """
    browser_tester.cancel_latest()


@then(parsers.cfparse('the browser shows "{text}"'))
def browser_shows(browser_tester: Any, text: str) -> None:
    """Check that the page on screen shows a text.

    Example: Then the browser shows "You are enrolled"
    """
    shown = browser_tester.text()
    assert text in shown, f"the page shows: {shown[:500]}"


@then(
    parsers.cfparse(
        "the browser shows {username:User} logged in to the {environment:Word} environment",
        extra_types=TYPES,
    )
)
def browser_user(browser_tester: Any, username: str, environment: str) -> None:
    """Check the page's banner: who is logged in, and where trades go (``production``,
    ``uat`` during a Saturday test, ``ntf``).

    Example: Then the browser shows tina.trader@acme.example logged in to the uat environment
    """
    page = browser_tester.page
    shown = (page.inner_text("#user").strip(), page.inner_text("#environment").strip())
    assert shown == (username, environment), f"the banner shows {shown}"


@then(
    parsers.re(
        r"the browser shows the (?P<which>first|latest) version of the trade "
        r"(?P<state>accepted|corrected|cancelled)"
    )
)
def browser_trade_state(browser_tester: Any, which: str, state: str) -> None:
    """Check the state the trade display shows on the row of the trade's first or latest
    version (``corrected``: replaced by a correction).

    Example: Then the browser shows the first version of the trade corrected
    """
    actual = browser_tester.state_of(which)
    assert actual == state, f"the {which} version is shown {actual}"
