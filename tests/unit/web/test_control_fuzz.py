"""Fuzz the control API with generated JSON bodies, raw bytes and query strings: zero 5xx.

Hypothesis drives a real control API (and the web front behind it) over HTTP on loopback; any
answer of 500 or more fails the test with the request that caused it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import aiohttp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

POST_PATHS = ["/clock", "/reset", "/entitlement/unlock", "/mfa/invite"]
GET_PATHS = [
    "/health",
    "/ready",
    "/endpoints",
    "/clock",
    "/outbox",
    "/outbox/latest",
    "/journal/reports",
    "/journal/reports/1",
    "/journal/rejects",
    "/journal/duplicates",
    "/journal/deliveries",
    "/audit",
    "/timeline",
    "/web",
    "/uat/registrations",
    "/entitlement/accounts/tom.trader@acme.example",
    "/openapi.json",
]
KEYS = ["at", "set_ns", "advance", "advance_ns", "username", "since", "until"]
QUERY_KEYS = [
    "channel",
    "to",
    "kind",
    "since",
    "until",
    "limit",
    "late",
    "state",
    "route",
    "environment",
    "facility",
    "mpid",
    "client_ref",
    "actor",
    "action",
    "at",
    "uat",
    "recipient",
    "session_id",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
interesting_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "2021-03-20T09:00:00-04:00",
            "15m",
            "1h30m",
            "-1s",
            "9999999999999d",
            "0",
            "-5",
            "1e309",
            "2199-12-31",
            "2200-01-01",
            "1969-12-31T23:59:59Z",
            "tom.trader@acme.example",
            "email",
            "sms",
            "true",
            "10000",
            "99999999999",
        ]
    ),
)
values = st.one_of(
    st.integers(-10, 10), st.integers(-(2**70), 2**70), interesting_text, json_values
)
FIELDS = {
    "/clock": ["at", "set_ns", "advance", "advance_ns"],
    "/reset": ["at", "set_ns"],
    "/entitlement/unlock": ["username"],
    "/mfa/invite": ["username"],
}


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, Any]:
    """A path and a body shaped like that endpoint's (some keys, odd values), or anything."""
    path = draw(st.sampled_from(POST_PATHS))
    shaped = st.fixed_dictionaries({}, optional={key: values for key in FIELDS[path]})
    extra = st.dictionaries(st.sampled_from(KEYS), values, max_size=2)
    body = draw(
        st.one_of(
            shaped,
            shaped,
            st.tuples(shaped, extra).map(lambda pair: {**pair[0], **pair[1]}),
            json_values,
        )
    )
    return path, body


SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


async def _status(session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> int:
    async with session.request(method, url, **kwargs) as response:
        await response.read()
        return response.status


def test_json_bodies_never_cause_a_5xx(web_sim: Callable) -> None:
    async def body(sim) -> None:
        loop = asyncio.get_running_loop()
        failures: list[str] = []
        async with aiohttp.ClientSession() as session:

            @SETTINGS
            @given(request=requests())
            def check(request: tuple[str, Any]) -> None:
                path, payload = request
                data = json.dumps(payload)
                status = asyncio.run_coroutine_threadsafe(
                    _status(session, "POST", sim.control_url + path, data=data), loop
                ).result()
                if status >= 500:
                    failures.append(f"POST {path} {data} -> {status}")

            await loop.run_in_executor(None, check)
        assert failures == []

    web_sim(body)


def test_raw_bodies_and_query_strings_never_cause_a_5xx(web_sim: Callable) -> None:
    async def body(sim) -> None:
        loop = asyncio.get_running_loop()
        failures: list[str] = []
        async with aiohttp.ClientSession() as session:

            @SETTINGS
            @given(
                path=st.sampled_from(POST_PATHS),
                raw=st.binary(max_size=200),
                get_path=st.sampled_from(GET_PATHS)
                | st.text(alphabet="abcdefghijklmnopqrstuvwxyz/._-%0123456789", max_size=30).map(
                    lambda p: "/" + p
                ),
                query=st.dictionaries(st.sampled_from(QUERY_KEYS), interesting_text, max_size=4),
            )
            def check(path: str, raw: bytes, get_path: str, query: dict[str, str]) -> None:
                posted = asyncio.run_coroutine_threadsafe(
                    _status(session, "POST", sim.control_url + path, data=raw), loop
                ).result()
                fetched = asyncio.run_coroutine_threadsafe(
                    _status(session, "GET", sim.control_url + get_path, params=query), loop
                ).result()
                if posted >= 500:
                    failures.append(f"POST {path} {raw!r} -> {posted}")
                if fetched >= 500:
                    failures.append(f"GET {get_path} {query} -> {fetched}")

            await loop.run_in_executor(None, check)
        assert failures == []

    web_sim(body)
