"""The HTTP Date header follows the simulated clock, like the pages."""

from __future__ import annotations

import email.utils
from collections.abc import Callable

from simulator.clock import DAY
from simulator.timestamps import parse_iso8601


def test_the_date_header_is_the_simulated_instant(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            page = await browser.get("beta.finratraqs.org", "/login")
            sent = email.utils.parsedate_to_datetime(page.headers["Date"])
            assert sent.isoformat() == "2021-03-20T13:00:00+00:00"  # 09:00 New York (EDT)
            sim.state.clock.advance(3 * DAY)
            api = await browser.get("download2.finratraqs.org", "/api/files")
            later = email.utils.parsedate_to_datetime(api.headers["Date"])
            assert int(later.timestamp()) * 10**9 == parse_iso8601("2021-03-23T09:00:00-04:00")

    web_sim(body)
