"""The trade report lifecycle: one table of (state, action) -> new state, and its refusals.

Everything that decides whether a report may change state lives here, in the manner of h11's
``_state.py``: :data:`TRANSITIONS` lists every legal move, :data:`REFUSALS` gives the reason for
every other pair of state and action, and :func:`transition` is the only function that applies
them. The journal, the FIX dialects and the web layer call :func:`transition` and never test
states themselves; ``docs/journal.md`` prints :func:`lifecycle_markdown`, generated from the tables.

A refusal raises :class:`IllegalTransition`, a :class:`LifecycleError` carrying a facility reason
code and text. The codes are TRACE's native FIX reject codes (FINRA, *FIX Specifications for
TRACE - Corporates & Agencies* v2.1, reject reasons 751/58; facilities.md section 3.4) where one
fits, so a TRACE dialect writes ``751``/``58`` straight from the error, an equity dialect maps the
code to its own wire form, and the web layer answers 4xx with the text. Which code fits which
pair is partly inference (the spec lists codes, not the state machine behind them); see
``docs/journal.md``.

Lifecycle of one control number::

    new --accept--> accepted --cancel--> cancelled
     |                  |------correct--> corrected   (the correction is a NEW accepted report)
     '--reject--> rejected '---reverse--> reversed    (the reversal gets its own control number)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from simulator.domain.trade import Action, ReportState
from simulator.errors import UserInputError


class LifecycleAction(StrEnum):
    """What happens to a report: the facility's verdict on a new one, or the firm's request."""

    ACCEPT = "accept"
    REJECT = "reject"
    CANCEL = "cancel"
    CORRECT = "correct"
    REVERSE = "reverse"


# How a firm's submission (simulator.domain.trade.Action) acts on the report it references.
ACTION_FOR_REQUEST: Final[Mapping[Action, LifecycleAction]] = MappingProxyType(
    {
        Action.CANCEL: LifecycleAction.CANCEL,
        Action.CORRECT: LifecycleAction.CORRECT,
        Action.REVERSE: LifecycleAction.REVERSE,
    }
)


@dataclass(frozen=True, slots=True)
class Reason:
    """A facility reject reason: the code (TRACE tag 751) and the text (tag 58)."""

    code: str
    text: str

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


# TRACE native FIX reject codes (CA spec v2.1, facilities.md section 3.4), as the wire spells them.
NO_CONTROL_NUMBER: Final = Reason("104", "NO CONTROL NUMBER")
ALREADY_CANCELED: Final = Reason("105", "TRADE ALREADY CANCELED")
INVALID_CONTROL_DATE: Final = Reason("301", "INVALID CONTROL DATE")
INVALID_CONTROL_NUMBER: Final = Reason("302", "INVALID CONTROL NUMBER")
TRADE_NOT_FOUND: Final = Reason("303", "TRADE NOT FOUND")
CLIENT_TRADE_ID_MISMATCH: Final = Reason("312", "CLIENT TRADE ID MISMATCH")
RPID_MISMATCH: Final = Reason("313", "RPID MISMATCH")
CANNOT_PROCESS: Final = Reason("999", "CANNOT BE PROCESSED AS SUBMITTED")

_S = ReportState
_A = LifecycleAction

#: Every legal move. A pair that is not here is refused with the reason in :data:`REFUSALS`.
TRANSITIONS: Final[Mapping[tuple[ReportState, LifecycleAction], ReportState]] = MappingProxyType(
    {
        (_S.NEW, _A.ACCEPT): _S.ACCEPTED,
        (_S.NEW, _A.REJECT): _S.REJECTED,
        (_S.ACCEPTED, _A.CANCEL): _S.CANCELLED,
        (_S.ACCEPTED, _A.CORRECT): _S.CORRECTED,
        (_S.ACCEPTED, _A.REVERSE): _S.REVERSED,
    }
)


def _refusals() -> dict[tuple[ReportState, LifecycleAction], tuple[Reason, str]]:
    table: dict[tuple[ReportState, LifecycleAction], tuple[Reason, str]] = {}
    firm_actions = (_A.CANCEL, _A.CORRECT, _A.REVERSE)
    verdicts = (_A.ACCEPT, _A.REJECT)
    for action in firm_actions:
        # The facility has not accepted it: it has no control number a firm could reference.
        table[_S.NEW, action] = (TRADE_NOT_FOUND, "the report has not been accepted")
        table[_S.REJECTED, action] = (TRADE_NOT_FOUND, "the report was rejected, never accepted")
        table[_S.CANCELLED, action] = (ALREADY_CANCELED, "the report is already cancelled")
        # A TRACE correction is a cancel/replace (487=2): the original is no longer live.
        table[_S.CORRECTED, action] = (
            ALREADY_CANCELED,
            "the report was replaced by a correction; act on the correction's control number",
        )
        # A reversal is a cancel (487=1 with 1015=1) of a trade outside the management window.
        table[_S.REVERSED, action] = (ALREADY_CANCELED, "the report is already reversed")
    for state in (_S.ACCEPTED, _S.REJECTED, _S.CANCELLED, _S.CORRECTED, _S.REVERSED):
        for action in verdicts:
            table[state, action] = (
                CANNOT_PROCESS,
                f"the facility has already decided on this report (it is {state.value})",
            )
    return table


#: The reason for every pair of state and action that :data:`TRANSITIONS` does not allow.
REFUSALS: Final[Mapping[tuple[ReportState, LifecycleAction], tuple[Reason, str]]] = (
    MappingProxyType(_refusals())
)

#: States from which nothing a firm sends can move the report any more.
FINAL_STATES: Final = frozenset(
    state
    for state in ReportState
    if not any((state, action) in TRANSITIONS for action in LifecycleAction)
)


class LifecycleError(UserInputError):
    """A request about an existing report that the facility refuses, with its reject reason.

    ``reason`` is the facility's code and text (the wire form); ``detail`` says in plain words
    what was wrong for a person reading a log or a web page. The journal records every refusal
    as a reject before raising and attaches it as ``reject`` (a journal ``RejectRecord``).
    """

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason.code} {reason.text}: {detail}")
        self.reason = reason
        self.detail = detail
        self.reject: object | None = None

    @property
    def code(self) -> str:
        return self.reason.code

    @property
    def text(self) -> str:
        return self.reason.text


class IllegalTransition(LifecycleError):
    """The report is in a state from which the action is not allowed (e.g. already cancelled)."""

    def __init__(
        self, state: ReportState, action: LifecycleAction, reason: Reason, detail: str
    ) -> None:
        super().__init__(reason, detail)
        self.state = state
        self.action = action


class TradeNotFound(LifecycleError):
    """No report matches the reference (control number, date or client reference) given."""

    def __init__(self, detail: str, reason: Reason = TRADE_NOT_FOUND) -> None:
        super().__init__(reason, detail)


class ReferenceMismatch(LifecycleError):
    """The reference is malformed or its parts disagree (control date, client trade id)."""


class WrongFirm(LifecycleError):
    """The report belongs to another MPID: a firm may act only on its own reports."""

    def __init__(self, detail: str) -> None:
        super().__init__(RPID_MISMATCH, detail)


def transition(state: ReportState, action: LifecycleAction) -> ReportState:
    """The state ``action`` moves a report in ``state`` to, or :class:`IllegalTransition`."""
    new_state = TRANSITIONS.get((state, action))
    if new_state is not None:
        return new_state
    reason, detail = REFUSALS[state, action]
    raise IllegalTransition(state, action, reason, f"cannot {action.value}: {detail}")


def allowed_actions(state: ReportState) -> tuple[LifecycleAction, ...]:
    """The actions that are legal in ``state``, in table order (for menus and docs)."""
    return tuple(action for action in LifecycleAction if (state, action) in TRANSITIONS)


def lifecycle_markdown() -> str:
    """The lifecycle as a Markdown table: one row per state, one column per action.

    A cell is ``-> state`` for a legal move or ``code TEXT`` for a refusal. ``docs/journal.md``
    carries this text verbatim and a unit test keeps the two identical.
    """
    actions = list(LifecycleAction)
    lines = [
        "| state \\ action | " + " | ".join(action.value for action in actions) + " |",
        "|---|" + "---|" * len(actions),
    ]
    for state in ReportState:
        cells = []
        for action in actions:
            target = TRANSITIONS.get((state, action))
            if target is not None:
                cells.append(f"**→ {target.value}**")
            else:
                cells.append(str(REFUSALS[state, action][0]))
        lines.append(f"| {state.value} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


__all__ = [
    "ACTION_FOR_REQUEST",
    "ALREADY_CANCELED",
    "CANNOT_PROCESS",
    "CLIENT_TRADE_ID_MISMATCH",
    "FINAL_STATES",
    "INVALID_CONTROL_DATE",
    "INVALID_CONTROL_NUMBER",
    "NO_CONTROL_NUMBER",
    "REFUSALS",
    "RPID_MISMATCH",
    "TRADE_NOT_FOUND",
    "TRANSITIONS",
    "IllegalTransition",
    "LifecycleAction",
    "LifecycleError",
    "Reason",
    "ReferenceMismatch",
    "TradeNotFound",
    "WrongFirm",
    "allowed_actions",
    "lifecycle_markdown",
    "transition",
]
