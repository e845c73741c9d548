"""The fault switches' part of the control API's OpenAPI document (``docs/openapi.json``).

:func:`simulator.web.openapi.document` merges :func:`paths` and :func:`schemas` into the document
it serves at ``GET /openapi.json``; the handlers are in :mod:`simulator.web.control`.
"""

from __future__ import annotations

from typing import Any

from simulator.faults.plan import FaultStatus
from simulator.faults.spec import INCIDENT_KINDS, Direction, FaultKind, GarbleMode, ThrottleAction

_ERROR = {"$ref": "#/components/responses/Error"}
_INSTANT = {
    "oneOf": [
        {"type": "string", "description": "ISO 8601, up to 9 fractional digits; naive = New York"},
        {"type": "integer", "minimum": 0, "description": "nanoseconds since the Unix epoch"},
    ]
}
_DURATION = {"type": "string", "description": "e.g. 30s, 250ms, 15m, 1h30m, 10.000000001s"}
_FAULT = {"$ref": "#/components/schemas/Fault"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


_FAULT_ID = {
    "name": "fault_id",
    "in": "path",
    "required": True,
    "description": "the fault's number (id)",
    "schema": {"type": "string"},
}


def paths() -> dict[str, Any]:
    kinds = {"type": "string", "enum": [k.value for k in FaultKind]}
    return {
        "/faults": {
            "get": {
                "summary": "Every fault armed since the last reset, with what it has done.",
                "parameters": [
                    _query(
                        "status",
                        "armed, active, done or cancelled",
                        {"type": "string", "enum": [s.value for s in FaultStatus]},
                    ),
                    _query("kind", "the fault's kind", kinds),
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"faults": {"type": "array", "items": _FAULT}},
                        }
                    ),
                    "400": _ERROR,
                    "404": _ERROR,
                },
            },
            "post": {
                "summary": "Arm a fault: now, at a simulated instant, or on the Nth message "
                "(docs/faults.md).",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/FaultSpec"}}
                    },
                },
                "responses": {"201": _json(_FAULT, "armed"), "400": _ERROR, "404": _ERROR},
            },
            "delete": {
                "summary": "Cancel every live fault (a failed-over port comes back).",
                "responses": {
                    "200": _json(
                        {"type": "object", "properties": {"cancelled": {"type": "integer"}}}
                    ),
                    "404": _ERROR,
                },
            },
        },
        "/faults/{fault_id}": {
            "get": {
                "summary": "One fault.",
                "parameters": [_FAULT_ID],
                "responses": {"200": _json(_FAULT), "400": _ERROR, "404": _ERROR},
            },
            "delete": {
                "summary": "Cancel one fault; its effects stop now.",
                "parameters": [_FAULT_ID],
                "responses": {"200": _json(_FAULT), "400": _ERROR, "404": _ERROR},
            },
        },
        "/journal/faults": {
            "get": {
                "summary": "Every injected fault the journal recorded (armed, started, each "
                "message or connection affected, ended), and every incident observed on a FIX "
                "connection: a counterparty error (input ignored, a disconnect it forced), a "
                "session-level or business reject sent.",
                "parameters": [
                    _query(
                        "scope",
                        "e.g. session:trace-ca:ACMEFIX, facility:trace-ca, "
                        "connection:127.0.0.1:50012",
                        {"type": "string"},
                    ),
                    _query(
                        "kind",
                        "the fault's kind, or counterparty-error, session-reject, business-reject",
                        {"type": "string", "enum": [*kinds["enum"], *INCIDENT_KINDS]},
                    ),
                    _query("since", "from this instant (inclusive)", _INSTANT),
                    _query("until", "up to this instant (exclusive)", _INSTANT),
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "faults": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/FaultRecord"},
                                }
                            },
                        }
                    ),
                    "400": _ERROR,
                    "404": _ERROR,
                },
            }
        },
    }


def schemas() -> dict[str, Any]:
    return {
        "FaultSpec": {
            "type": "object",
            "required": ["kind"],
            "properties": {
                "kind": {"type": "string", "enum": [k.value for k in FaultKind]},
                "facility": {"type": "string"},
                "port": {"type": "string", "description": "a configured port name"},
                "session": {"type": "string", "description": "<port>:<CompID>[:<SubID>]"},
                "firm": {"type": "string", "description": "firm name, CompID or MPID"},
                "msg_type": {"type": "string", "description": "default: application messages"},
                "at": _INSTANT,
                "on_message": {"type": "integer", "minimum": 1},
                "direction": {"type": "string", "enum": [d.value for d in Direction]},
                "duration": _DURATION,
                "duration_ns": {"type": "integer", "minimum": 1},
                "until": _INSTANT,
                "times": {"type": "integer", "minimum": 1},
                "logout": {"type": "boolean"},
                "text": {"type": "string"},
                "delay": _DURATION,
                "delay_ns": {"type": "integer", "minimum": 1},
                "gap": {"type": "integer", "minimum": 1},
                "mode": {"type": "string", "enum": [m.value for m in GarbleMode]},
                "rate": {"type": "integer", "minimum": 1},
                "on_exceed": {"type": "string", "enum": [a.value for a in ThrottleAction]},
                "label": {"type": "string"},
            },
        },
        "Fault": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "status": {"type": "string", "enum": [s.value for s in FaultStatus]},
                "source": {"type": "string", "enum": ["api", "config", "step"]},
                "description": {"type": "string"},
                "spec": {"$ref": "#/components/schemas/FaultSpec"},
                "created": {"type": "string"},
                "started": {"type": ["string", "null"]},
                "ends": {"type": ["string", "null"]},
                "ended": {"type": ["string", "null"]},
                "applied": {"type": "integer"},
                "sessions": {"type": "array", "items": {"type": "string"}},
                "ports": {"type": "array", "items": {"type": "string"}},
                "fired": {"type": "object"},
                "secondary": {"type": "array", "items": {"type": "object"}},
            },
        },
        "FaultRecord": {
            "type": "object",
            "properties": {
                "fault_id": {"type": "integer"},
                "ns": {"type": "integer"},
                "at": {"type": "string"},
                "scope": {"type": "string"},
                "kind": {"type": "string"},
                "detail": {"type": "string"},
            },
        },
    }


__all__ = ["paths", "schemas"]
