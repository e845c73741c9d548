"""UAT scripts as data: the facility's test script a firm's tester reads and edits (YAML).

A script names the firm, its MPIDs and testers, the UAT window and registration deadline, and an
ordered list of steps, each an *action* with its parameters and what is *expected* (QuickFIX keeps
its acceptance scripts as plain send/expect files in the same spirit; architecture principle 11).
``facsim rehearse`` runs a script; the ``uat`` steps run one inside a scenario.

Schema (every error names the file, the line and the field)::

    title: text                      # required
    source: text                     # the notice the script comes from
    window: {start: INSTANT, end: INSTANT}
    registration_deadline: INSTANT
    firm: {name: text, mpids: [MPID, ...], email: text, fix_comp_id: text}
    testers: [{name, username (an email), phone, region: production|ntf}, ...]
    bystander: {name, mpids, fix_comp_id}   # optional: a firm connected but not taking part
    steps:
      - id: text                     # unique
        at: INSTANT                  # optional: move the clock here first
        action: one of ACTIONS
        description: text
        expect: word or mapping
        ...the action's own fields (see ACTIONS)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from simulator.errors import ConfigError, UserInputError
from simulator.harness.timetext import parse_instant
from simulator.harness.yamlfile import Node, load_yaml

MPID_RE = re.compile(r"[A-Z]{4}")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
REGIONS = ("production", "ntf")
SIDES = {"buy": "B", "sell": "S", "cross": "X", "b": "B", "s": "S", "x": "X"}
ROUTES = ("traqs", "fix")
API_AUTH = ("certificate+password", "password")
FACTORS = ("totp", "sms", "voice")
FACILITIES = (
    "nasdaq-trf-carteret",
    "nasdaq-trf-chicago",
    "nyse-trf",
    "adf",
    "orf",
    "trace-ca",
    "trace-sp",
    "trace-ts",
)

#: action -> (required fields, optional fields), besides id/at/action/description/expect.
ACTIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "clock": (frozenset(), frozenset()),
    "register": (frozenset(), frozenset({"mpids", "testers", "tester"})),
    "enrol_mfa": (frozenset({"tester"}), frozenset({"factor"})),
    "login": (frozenset({"tester"}), frozenset({"route", "site"})),
    "report": (frozenset({"route", "trade"}), frozenset({"tester"})),
    "cancel": (frozenset({"route", "ref"}), frozenset({"tester"})),
    "correct": (frozenset({"route", "ref", "changes"}), frozenset({"tester"})),
    "display": (frozenset({"tester"}), frozenset()),
    "download": (frozenset({"tester"}), frozenset({"auth", "site"})),
    "bystander_acknowledgements": (frozenset(), frozenset()),
    "production_journal": (frozenset(), frozenset()),
}
_COMMON = frozenset({"id", "at", "action", "description", "expect"})
_TRADE_FIELDS = frozenset(
    {"ref", "facility", "mpid", "side", "security", "quantity", "price", "executed", "contra"}
)


@dataclass(frozen=True)
class Tester:
    name: str
    username: str
    phone: str | None
    region: str


@dataclass(frozen=True)
class Firm:
    name: str
    mpids: tuple[str, ...]
    email: str | None = None
    fix_comp_id: str | None = None


@dataclass(frozen=True)
class Trade:
    ref: str
    facility: str
    mpid: str
    side: str
    security: str
    quantity: Decimal
    price: Decimal
    executed_ns: int
    contra: str | None = None


@dataclass(frozen=True)
class ScriptStep:
    index: int
    id: str
    action: str
    line: int
    description: str
    expect: Any
    at_ns: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    trade: Trade | None = None


@dataclass(frozen=True)
class UatScript:
    path: str
    title: str
    source: str
    window_start_ns: int
    window_end_ns: int
    registration_deadline_ns: int
    firm: Firm
    testers: tuple[Tester, ...]
    steps: tuple[ScriptStep, ...]
    bystander: Firm | None = None

    def tester(self, username: str) -> Tester:
        for tester in self.testers:
            if tester.username.casefold() == username.casefold():
                return tester
        raise UserInputError(f"{username!r} is not one of the script's testers", source=self.path)


def _mapping(node: Any, parent: Node, key: str) -> Node:
    if not isinstance(node, Node):
        raise parent.error("must be a block of fields (key: value)", key)
    return node


def _text(node: Node, key: str, required: bool = True) -> str | None:
    if key not in node:
        if required:
            raise node.error("is missing", key)
        return None
    value = node[key]
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        raise node.error(f"must be text, not {value!r}", key)
    return str(value)


def _instant(node: Node, key: str, required: bool = True) -> int | None:
    text = _text(node, key, required)
    if text is None:
        return None
    try:
        return parse_instant(text)
    except UserInputError:
        raise node.error(
            f"{text!r} is not a date and time such as 2021-03-20 09:00 ET", key
        ) from None


def _mpids(node: Node, key: str) -> tuple[str, ...]:
    value = node.get(key)
    if not isinstance(value, list) or not value:
        raise node.error("must be a list of four-letter MPIDs, e.g. [ABCD, ABCE]", key)
    for item in value:
        if not isinstance(item, str) or not MPID_RE.fullmatch(item):
            raise node.error(f"{item!r} is not an MPID (four capital letters)", key)
    if len(set(value)) != len(value):
        raise node.error("lists an MPID twice", key)
    return tuple(value)


def _firm(node: Node) -> Firm:
    email = _text(node, "email", required=False)
    if email is not None and not EMAIL_RE.fullmatch(email):
        raise node.error(f"{email!r} is not an email address", "email")
    unknown = sorted(set(node) - {"name", "mpids", "email", "fix_comp_id"})
    if unknown:
        raise node.error("is not a firm field (name, mpids, email, fix_comp_id)", unknown[0])
    return Firm(
        name=_text(node, "name") or "",
        mpids=_mpids(node, "mpids"),
        email=email,
        fix_comp_id=_text(node, "fix_comp_id", required=False),
    )


def _tester(node: Node) -> Tester:
    username = _text(node, "username") or ""
    if not EMAIL_RE.fullmatch(username):
        raise node.error(f"{username!r} is not an email address (TRAQS user names are)", "username")
    region = _text(node, "region", required=False) or "production"
    if region not in REGIONS:
        raise node.error(f"{region!r} is not a region ({', '.join(REGIONS)})", "region")
    return Tester(
        name=_text(node, "name") or "",
        username=username,
        phone=_text(node, "phone", required=False),
        region=region,
    )


def _decimal(node: Node, key: str, positive: bool = True) -> Decimal:
    text = _text(node, key)
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise node.error(f"{text!r} is not a number", key) from None
    if positive and value <= 0:
        raise node.error(f"must be more than zero, not {text}", key)
    return value


def _trade(node: Node, firm: Firm) -> Trade:
    unknown = set(node) - _TRADE_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise node.error(f"is not a trade field ({', '.join(sorted(_TRADE_FIELDS))})", name)
    facility = _text(node, "facility") or ""
    if facility not in FACILITIES:
        raise node.error(f"{facility!r} is not a facility ({', '.join(FACILITIES)})", "facility")
    mpid = _text(node, "mpid") or ""
    if mpid not in firm.mpids:
        raise node.error(f"{mpid!r} is not one of the firm's MPIDs {list(firm.mpids)}", "mpid")
    side = (_text(node, "side") or "").lower()
    if side not in SIDES:
        raise node.error(f"{side!r} is not a side (buy, sell or cross)", "side")
    return Trade(
        ref=_text(node, "ref") or "",
        facility=facility,
        mpid=mpid,
        side=SIDES[side],
        security=_text(node, "security") or "",
        quantity=_decimal(node, "quantity"),
        price=_decimal(node, "price"),
        executed_ns=_instant(node, "executed") or 0,
        contra=_text(node, "contra", required=False),
    )


def _step(node: Node, index: int, firm: Firm, testers: set[str]) -> ScriptStep:
    action = _text(node, "action") or ""
    if action not in ACTIONS:
        raise node.error(f"{action!r} is not an action ({', '.join(sorted(ACTIONS))})", "action")
    required, optional = ACTIONS[action]
    for name in sorted(required):
        if name not in node:
            raise node.error(f"is required by the {action!r} action", name)
    for name in sorted(set(node) - _COMMON - required - optional):
        raise node.error(f"is not a field of the {action!r} action", name)
    if "expect" not in node:
        raise node.error("is missing: say what the step must achieve", "expect")
    tester = node.get("tester")
    if tester is not None and str(tester).casefold() not in testers:
        raise node.error(f"{tester!r} is not one of the script's testers", "tester")
    route = node.get("route")
    if route is not None and route not in ROUTES:
        raise node.error(f"{route!r} is not a route ({', '.join(ROUTES)})", "route")
    auth = node.get("auth")
    if auth is not None and auth not in API_AUTH:
        raise node.error(f"{auth!r} is not an API login ({', '.join(API_AUTH)})", "auth")
    factor = node.get("factor")
    if factor is not None and factor not in FACTORS:
        raise node.error(f"{factor!r} is not a second factor ({', '.join(FACTORS)})", "factor")
    trade = _trade(_mapping(node["trade"], node, "trade"), firm) if "trade" in node else None
    if "changes" in node:
        changes = _mapping(node["changes"], node, "changes")
        for name in changes:
            if name not in ("price", "quantity", "executed"):
                raise changes.error("can be price, quantity or executed", name)
    fields = {k: v for k, v in node.items() if k not in _COMMON and k != "trade"}
    return ScriptStep(
        index=index,
        id=_text(node, "id", required=False) or f"step-{index}",
        action=action,
        line=node.line,
        description=_text(node, "description", required=False) or action.replace("_", " "),
        expect=node["expect"],
        at_ns=_instant(node, "at", required=False),
        fields=fields,
        trade=trade,
    )


def load_uat_script(path: Path | str) -> UatScript:
    """Read and validate a UAT script; any problem is a :class:`ConfigError` naming the line."""
    path = Path(path)
    root = load_yaml(path)
    if not isinstance(root, Node):
        raise ConfigError(str(path), "must be a YAML mapping with title, firm, testers and steps")
    window = _mapping(root.get("window"), root, "window")
    start, end = _instant(window, "start") or 0, _instant(window, "end") or 0
    if end <= start:
        raise window.error("must end after it starts", "end")
    firm = _firm(_mapping(root.get("firm"), root, "firm"))
    testers_node = root.get("testers")
    if not isinstance(testers_node, list) or not testers_node:
        raise root.error("must list at least one tester", "testers")
    testers = tuple(_tester(_mapping(t, root, "testers")) for t in testers_node)
    names = {t.username.casefold() for t in testers}
    if len(names) != len(testers):
        raise root.error("lists a user name twice", "testers")
    steps_node = root.get("steps")
    if not isinstance(steps_node, list) or not steps_node:
        raise root.error("must list the script's steps", "steps")
    steps = tuple(
        _step(_mapping(s, root, "steps"), index, firm, names)
        for index, s in enumerate(steps_node, start=1)
    )
    seen: dict[str, int] = {}
    for step in steps:
        if step.id in seen:
            raise ConfigError(
                str(path),
                f"repeats the step id of line {seen[step.id]}",
                line=step.line,
                field="id",
            )
        seen[step.id] = step.line
    bystander = None
    if "bystander" in root:
        bystander = _firm(_mapping(root["bystander"], root, "bystander"))
    return UatScript(
        path=str(path),
        title=_text(root, "title") or "",
        source=_text(root, "source", required=False) or "",
        window_start_ns=start,
        window_end_ns=end,
        registration_deadline_ns=_instant(root, "registration_deadline") or 0,
        firm=firm,
        testers=testers,
        steps=steps,
        bystander=bystander,
    )
