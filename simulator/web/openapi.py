"""The control API's OpenAPI 3.1 document, built here and served at ``GET /openapi.json``.

``docs/openapi.json`` is this document written out (``python -m simulator.web.openapi >
docs/openapi.json``); a unit test fails when the two differ, so the published description cannot
drift from the code.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from simulator import __version__
from simulator.domain.trade import Environment, ReportState, Route
from simulator.faults import openapi as faults_openapi
from simulator.outbox import Channel

_ERROR = {"$ref": "#/components/responses/Error"}
_INSTANT = {
    "oneOf": [
        {"type": "string", "description": "ISO 8601, up to 9 fractional digits; naive = New York"},
        {"type": "integer", "minimum": 0, "description": "nanoseconds since the Unix epoch"},
    ]
}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _path(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _list_of(key: str, item: str) -> dict[str, Any]:
    return _object({key: {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}}})


def _get(summary: str, response: dict[str, Any], *params: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": list(params),
            "responses": {"200": response, "400": _ERROR, "404": _ERROR},
        }
    }


_SINCE = _query("since", "from this instant (inclusive)", _INSTANT)
_UNTIL = _query("until", "up to this instant (exclusive)", _INSTANT)
_LIMIT = _query("limit", "at most this many rows", {"type": "integer", "minimum": 1})
_ENV = _query("environment", "journal", {"type": "string", "enum": [e.value for e in Environment]})


def document() -> dict[str, Any]:
    """The OpenAPI document (a plain dict, JSON-ready)."""
    clock = _object(
        {
            "now": {"type": "string"},
            "now_ns": {"type": "integer"},
            "settable": {"type": "boolean"},
            "mode": {"type": "string"},
        },
        ["now", "now_ns", "settable", "mode"],
    )
    paths: dict[str, Any] = {
        "/health": _get(
            "Liveness: the control API answers, with the simulated time.",
            _json(
                _object(
                    {
                        "status": {"const": "ok"},
                        "now": {"type": "string"},
                        "now_ns": {"type": "integer"},
                    }
                )
            ),
        ),
        "/ready": {
            "get": {
                "summary": "Readiness: 200 once every component has started, else 503.",
                "responses": {
                    "200": _json(
                        _object(
                            {
                                "ready": {"type": "boolean"},
                                "components": {"type": "array", "items": {"type": "string"}},
                            }
                        )
                    ),
                    "503": _json(_object({"ready": {"const": False}}), "not ready"),
                },
            }
        },
        "/endpoints": _get(
            "Every listening endpoint (FIX, web, control) with host, port and details.",
            _list_of("endpoints", "Endpoint"),
        ),
        "/reset": {
            "post": {
                "summary": "Empty the journal and the outbox, reload organisations, drop "
                "sessions and registrations; optionally set the clock first.",
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": _object({"at": _INSTANT, "set_ns": {"type": "integer"}})
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        _object({"reset": {"type": "array", "items": {"type": "string"}}})
                    ),
                    "400": _ERROR,
                    "409": _ERROR,
                },
            }
        },
        "/clock": {
            "get": {"summary": "Read the simulated clock.", "responses": {"200": _json(clock)}},
            "post": {
                "summary": "Set or advance the clock: exactly one of at, set_ns, advance "
                "(a duration such as 15m, 1h30m, 10.000000001s) or advance_ns.",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _object(
                                {
                                    "at": _INSTANT,
                                    "set_ns": {"type": "integer", "minimum": 0},
                                    "advance": {"type": "string", "examples": ["15m", "1h30m"]},
                                    "advance_ns": {"type": "integer", "minimum": 0},
                                }
                            )
                        }
                    },
                },
                "responses": {
                    "200": _json(clock),
                    "400": _ERROR,
                    "409": {"$ref": "#/components/responses/NotSettable"},
                },
            },
        },
        "/outbox": {
            "get": {
                "summary": "Captured emails, SMS and voice codes, oldest first.",
                "parameters": [
                    _query(
                        "channel",
                        "email, sms or voice",
                        {"type": "string", "enum": [c.value for c in Channel]},
                    ),
                    _query("to", "recipient (email address or phone number), case-insensitive"),
                    _query("kind", "the message kind tag, e.g. mfa-invitation"),
                    _SINCE,
                ],
                "responses": {"200": _json(_list_of("messages", "Message")), "400": _ERROR},
            },
            "delete": {
                "summary": "Empty the outbox.",
                "responses": {"200": _json(_object({"cleared": {"type": "integer"}}))},
            },
        },
        "/outbox/latest": _get(
            "The newest captured message matching the filters (404 if none).",
            _json({"$ref": "#/components/schemas/Message"}),
            _query("channel", "email, sms or voice"),
            _query("to", "recipient"),
        ),
        "/journal/reports": _get(
            "Accepted reports matching every filter, oldest first.",
            _json(_list_of("reports", "Report")),
            _query("facility", "facility name, e.g. trace-ca"),
            _query("mpid", "reporting MPID"),
            _ENV,
            _query(
                "state",
                "lifecycle state",
                {"type": "string", "enum": [s.value for s in ReportState]},
            ),
            _query("late", "true or false", {"type": "string", "enum": ["true", "false"]}),
            _query("route", "how it came", {"type": "string", "enum": [r.value for r in Route]}),
            _query("client_ref", "the firm's reference"),
            _SINCE,
            _UNTIL,
            _LIMIT,
        ),
        "/journal/reports/{report_id}": _get(
            "One report with its lifecycle events.",
            _json({"$ref": "#/components/schemas/Report"}),
            _path("report_id", "the journal's report number"),
        ),
        "/journal/rejects": _get(
            "Refused submissions with the facility's code and text.",
            _json(_object({"rejects": {"type": "array", "items": {"type": "object"}}})),
            _query("facility", "facility name"),
            _query("mpid", "MPID"),
            _ENV,
            _SINCE,
            _UNTIL,
        ),
        "/journal/duplicates": _get(
            "Likely duplicates: production reports equal on MPID, security, quantity, price, "
            "side and execution time that came by different routes (seed 001).",
            _json(_object({"groups": {"type": "array", "items": {"type": "object"}}})),
            _query("facility", "facility name"),
            _query("mpid", "MPID"),
            _SINCE,
            _UNTIL,
        ),
        "/journal/deliveries": _get(
            "Who received which acknowledgement (seed 000).",
            _json(_object({"deliveries": {"type": "array", "items": {"type": "object"}}})),
            _query("recipient", "firm or CompID"),
            _query("session_id", "FIX session"),
            _ENV,
            _SINCE,
            _UNTIL,
        ),
        "/audit": _get(
            "The audit log: logins, refusals, entitlement changes, trade entry, downloads.",
            _list_of("audit", "AuditRecord"),
            _query("actor", "user name"),
            _query("action", "e.g. login, password, report-trade, api-download"),
            _SINCE,
            _UNTIL,
            _LIMIT,
        ),
        "/timeline": _get(
            "What is in force at an instant (default now): sites and their logins, facilities, "
            "precision, UAT windows.",
            _json({"type": "object"}),
            _query("at", "the instant", _INSTANT),
        ),
        "/web": _get(
            "The web front: port, every site with its status and login now, the PKI files.",
            _json({"type": "object"}),
        ),
        "/entitlement/accounts/{username}": _get(
            "An account's state: lock, questions, privileges, MPIDs, regions, second factors "
            "(with the authenticator secret, a test aid), certificates.",
            _json({"type": "object"}),
            _path("username", "the user name (email address)"),
        ),
        "/entitlement/unlock": {
            "post": {
                "summary": "Unlock an account as the FINRA Support Center does (any account, "
                "including an SAA, FAQ Q16/Q34).",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/UsernameBody"}
                        }
                    },
                },
                "responses": {
                    "200": _json(_object({"unlocked": {"type": "string"}})),
                    "400": _ERROR,
                    "404": _ERROR,
                },
            }
        },
        "/mfa/invite": {
            "post": {
                "summary": "Email a new invitation to the NASDAQ MFA service (the FINRA "
                "Order Form's effect, seed 000); answers the enrolment link.",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/UsernameBody"}
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        _object(
                            {"invited": {"type": "string"}, "link": {"type": ["string", "null"]}}
                        )
                    ),
                    "400": _ERROR,
                    "404": _ERROR,
                },
            }
        },
        "/uat/registrations": _get(
            "Saturday UAT registrations filed on TRAQS.",
            _json(_object({"registrations": {"type": "array", "items": {"type": "object"}}})),
            _query("uat", "the UAT key, e.g. 2021-03-20"),
        ),
        "/openapi.json": {
            "get": {
                "summary": "This document.",
                "responses": {"200": _json({"type": "object"})},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "facsim control API",
            "version": __version__,
            "description": (
                "Plain HTTP + JSON on a loopback port, printed by `facsim serve`. Drives the "
                "simulator from tests: clock, reset, captured outbox, journal and audit "
                'queries. Errors are {"error": code, "message": text}. See '
                "docs/control-api.md."
            ),
        },
        "paths": {**paths, **faults_openapi.paths()},
        "components": {
            "responses": {
                "Error": _json({"$ref": "#/components/schemas/Error"}, "refused"),
                "NotSettable": _json(
                    {"$ref": "#/components/schemas/Error"},
                    "the clock is the system clock (start facsim serve with --at)",
                ),
            },
            "schemas": {
                **faults_openapi.schemas(),
                "Error": _object(
                    {
                        "error": {"type": "string"},
                        "message": {"type": "string"},
                        "rule": {"type": "string"},
                    },
                    ["error", "message"],
                ),
                "UsernameBody": _object({"username": {"type": "string"}}, ["username"]),
                "Endpoint": _object(
                    {
                        "component": {"type": "string"},
                        "name": {"type": "string"},
                        "kind": {"type": "string"},
                        "host": {"type": "string"},
                        "port": {"type": "integer"},
                        "details": {"type": "object"},
                    }
                ),
                "Message": _object(
                    {
                        "id": {"type": "integer"},
                        "channel": {"type": "string", "enum": [c.value for c in Channel]},
                        "to": {"type": "string"},
                        "subject": {"type": "string"},
                        "body": {"type": "string"},
                        "sent": {"type": "string"},
                        "sent_ns": {"type": "integer"},
                        "code": {"type": ["string", "null"]},
                        "links": {"type": "array", "items": {"type": "string"}},
                        "tags": {"type": "object"},
                    }
                ),
                "Report": _object(
                    {
                        "report_id": {"type": "integer"},
                        "control_number": {"type": "string"},
                        "control_date": {"type": "string"},
                        "state": {"type": "string", "enum": [s.value for s in ReportState]},
                        "received": {"type": "string"},
                        "report": {"type": "object"},
                        "decision": {"type": "object"},
                    }
                ),
                "AuditRecord": _object(
                    {
                        "audit_id": {"type": "integer"},
                        "at": {"type": "string"},
                        "actor": {"type": "string"},
                        "action": {"type": "string"},
                        "outcome": {"type": "string"},
                        "detail": {"type": "string"},
                    }
                ),
            },
        },
    }


def render() -> str:
    """The document as ``docs/openapi.json`` holds it."""
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(render())
