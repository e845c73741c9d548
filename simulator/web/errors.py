"""Errors of the web front and the ONE place they become HTTP answers.

Handlers raise typed errors -- :class:`~simulator.errors.UserInputError` (a bad form field or
query), :class:`~simulator.entitlement.directory.EntitlementError` (the policy said no),
:class:`~simulator.mfa.MfaError` (a wrong, reused or expired code),
:class:`~simulator.domain.lifecycle.LifecycleError` (the facility refuses a cancel or a
correction), :class:`WebError` (anything else with a status) -- and
:func:`error_middleware` turns each into a 4xx page or JSON body with a message a person
understands. Any other exception is a bug: it is logged with its traceback on the server and the
client gets a plain 500 with a reference number, never the traceback.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from simulator.domain.lifecycle import LifecycleError
from simulator.entitlement.directory import EntitlementError
from simulator.errors import UserInputError
from simulator.mfa import MfaError

log = logging.getLogger("simulator.web")
_incident = itertools.count(1)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Renderer = Callable[[web.Request, int, str, str, str | None], Awaitable[web.StreamResponse]]


class WebError(Exception):
    """An answer with a status: ``code`` is stable (tests, audit), ``message`` for people."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        rule: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.rule = rule
        self.headers = dict(headers or {})


def classify(exc: BaseException) -> WebError | None:
    """The HTTP status, code and message for a known error; ``None`` for a bug."""
    if isinstance(exc, WebError):
        return exc
    if isinstance(exc, EntitlementError):
        return WebError(403, exc.code, exc.verdict.message, rule=exc.verdict.rule)
    if isinstance(exc, MfaError):
        return WebError(400, exc.code, str(exc))
    if isinstance(exc, LifecycleError):
        return WebError(409, f"reject-{exc.code}", f"{exc.code} {exc.text}: {exc.detail}")
    if isinstance(exc, UserInputError):
        return WebError(400, "bad-input", str(exc))
    if isinstance(exc, json.JSONDecodeError):
        return WebError(400, "bad-json", f"the request body is not valid JSON: {exc.msg}")
    return None


def json_error(status: int, code: str, message: str, rule: str | None = None) -> web.Response:
    body: dict[str, Any] = {"error": code, "message": message}
    if rule:
        body["rule"] = rule
    return web.json_response(body, status=status)


async def _plain(
    request: web.Request, status: int, code: str, message: str, rule: str | None
) -> web.StreamResponse:
    return json_error(status, code, message, rule)


def error_middleware(render: Renderer = _plain) -> Any:
    """A middleware answering every known error with ``render`` and every bug with a plain 500.

    ``render(request, status, code, message, rule)`` builds the response (an HTML page on the
    TRAQS sites, JSON on the API and the control API)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400 or exc.content_type == "application/json":
                raise
            text = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else None
            response = await render(
                request, exc.status, f"http-{exc.status}", text or exc.reason, None
            )
            if "Allow" in exc.headers:
                response.headers["Allow"] = exc.headers["Allow"]
            return response
        except Exception as exc:
            known = classify(exc)
            if known is not None:
                answer = await render(request, known.status, known.code, known.message, known.rule)
                answer.headers.update(known.headers)
                return answer
            incident = next(_incident)
            log.exception("unexpected error %d on %s %s", incident, request.method, request.path_qs)
            message = (
                f"Something went wrong on the simulator's side (incident {incident}); it has "
                "been logged. Your request was not completed."
            )
            try:
                return await render(request, 500, "internal-error", message, None)
            except Exception:  # the renderer itself failed: plain text, still no traceback
                log.exception("error page for incident %d failed", incident)
                return web.Response(status=500, text=message)

    return middleware
