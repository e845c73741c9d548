"""Unexpected errors become a logged, plain 500: no traceback, no exception text reaches a user."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from simulator.errors import UserInputError
from simulator.web.errors import WebError, error_middleware

SECRET = "db-password=hunter2 at /srv/app/secret.py line 42"


async def explode(request: web.Request) -> web.Response:
    raise RuntimeError(SECRET)


async def bad_input(request: web.Request) -> web.Response:
    raise UserInputError("must be a number", source="quantity")


async def refused(request: web.Request) -> web.Response:
    raise WebError(403, "nope", "Access denied: not yours.", headers={"X-Why": "test"})


def test_middleware_maps_errors_in_one_place(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        app = web.Application(middlewares=[error_middleware()])
        app.router.add_get("/explode", explode)
        app.router.add_get("/bad", bad_input)
        app.router.add_get("/refused", refused)
        async with TestClient(TestServer(app)) as client:
            response = await client.get("/explode")
            text = await response.text()
            assert response.status == 500
            assert "Traceback" not in text and "hunter2" not in text and "RuntimeError" not in text
            assert "incident" in text
            response = await client.get("/bad")
            assert response.status == 400
            assert (await response.json())["message"] == "quantity: must be a number"
            response = await client.get("/refused")
            assert response.status == 403 and response.headers["X-Why"] == "test"
            response = await client.get("/nowhere")
            assert response.status == 404 and (await response.json())["error"] == "http-404"
            response = await client.post("/bad")
            assert response.status == 405 and "GET" in response.headers["Allow"]

    with caplog.at_level(logging.ERROR, logger="simulator.web"):
        asyncio.run(main())
    # the server log keeps the traceback for the maintainers
    assert any(record.exc_info and SECRET in str(record.exc_info[1]) for record in caplog.records)


def test_a_bug_behind_a_traqs_page_gives_a_plain_page(
    web_sim: Callable, caplog: pytest.LogCaptureFixture
) -> None:
    async def body(sim) -> None:
        def broken(**_: object) -> None:
            raise RuntimeError(SECRET)

        async with sim.browser() as browser:
            await sim.login(browser, "beta.finratraqs.org", "tom.trader@acme.example")
            sim.journal.query = broken
            page = await browser.get("beta.finratraqs.org", "/trades")
            assert page.status == 500
            assert "Traceback" not in page.text and "hunter2" not in page.text
            assert "Something went wrong" in page.text

    with caplog.at_level(logging.ERROR, logger="simulator.web"):
        web_sim(body)


def test_oversized_and_odd_requests_get_4xx(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as browser:
            await browser.get("beta.finratraqs.org", "/login")
            huge = await browser.post(
                "beta.finratraqs.org", "/login", {"username": "x" * 300_000, "password": "y"}
            )
            assert 400 <= huge.status < 500
            long_name = await browser.post(
                "beta.finratraqs.org", "/login", {"username": "x" * 300, "password": "y"}
            )
            assert long_name.status == 400 and "at most 254" in long_name.text
            page = await browser.get("beta.finratraqs.org", "/trades/%00%ff/correct")
            assert page.status in (303, 200, 404)  # not logged in: back to the login page
            api = await browser.request(
                "GET",
                "download2.finratraqs.org",
                "/api/files",
                headers={"Authorization": "Basic !!!notbase64"},
            )
            assert api.status in (400, 401)

    web_sim(body)
