"""The trade report lifecycle table: every legal move, every refusal and its reason code."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from simulator.domain.lifecycle import (
    ACTION_FOR_REQUEST,
    FINAL_STATES,
    REFUSALS,
    TRANSITIONS,
    IllegalTransition,
    LifecycleAction,
    LifecycleError,
    allowed_actions,
    lifecycle_markdown,
    transition,
)
from simulator.domain.trade import Action, ReportState
from simulator.errors import UserInputError

S = ReportState
A = LifecycleAction

# Written out by hand, independently of the module's table, so a change to it shows here.
LEGAL = {
    (S.NEW, A.ACCEPT): S.ACCEPTED,
    (S.NEW, A.REJECT): S.REJECTED,
    (S.ACCEPTED, A.CANCEL): S.CANCELLED,
    (S.ACCEPTED, A.CORRECT): S.CORRECTED,
    (S.ACCEPTED, A.REVERSE): S.REVERSED,
}

EXPECTED_REFUSAL_CODES = {
    (S.NEW, A.CANCEL): "303",
    (S.NEW, A.CORRECT): "303",
    (S.NEW, A.REVERSE): "303",
    (S.ACCEPTED, A.ACCEPT): "999",
    (S.ACCEPTED, A.REJECT): "999",
    (S.REJECTED, A.ACCEPT): "999",
    (S.REJECTED, A.REJECT): "999",
    (S.REJECTED, A.CANCEL): "303",
    (S.REJECTED, A.CORRECT): "303",
    (S.REJECTED, A.REVERSE): "303",
    (S.CANCELLED, A.ACCEPT): "999",
    (S.CANCELLED, A.REJECT): "999",
    (S.CANCELLED, A.CANCEL): "105",
    (S.CANCELLED, A.CORRECT): "105",
    (S.CANCELLED, A.REVERSE): "105",
    (S.CORRECTED, A.ACCEPT): "999",
    (S.CORRECTED, A.REJECT): "999",
    (S.CORRECTED, A.CANCEL): "105",
    (S.CORRECTED, A.CORRECT): "105",
    (S.CORRECTED, A.REVERSE): "105",
    (S.REVERSED, A.ACCEPT): "999",
    (S.REVERSED, A.REJECT): "999",
    (S.REVERSED, A.CANCEL): "105",
    (S.REVERSED, A.CORRECT): "105",
    (S.REVERSED, A.REVERSE): "105",
}

TRACE_TEXT = {
    "105": "TRADE ALREADY CANCELED",
    "303": "TRADE NOT FOUND",
    "999": "CANNOT BE PROCESSED AS SUBMITTED",
}


def test_every_pair_of_state_and_action_is_decided_exactly_once() -> None:
    pairs = set(itertools.product(ReportState, LifecycleAction))
    assert set(TRANSITIONS) | set(REFUSALS) == pairs
    assert not set(TRANSITIONS) & set(REFUSALS)
    assert len(pairs) == len(LEGAL) + len(EXPECTED_REFUSAL_CODES) == 30


@pytest.mark.parametrize(("pair", "target"), sorted(LEGAL.items()))
def test_legal_transition(pair: tuple[ReportState, LifecycleAction], target: ReportState) -> None:
    state, action = pair
    assert transition(state, action) is target


@pytest.mark.parametrize(("pair", "code"), sorted(EXPECTED_REFUSAL_CODES.items()))
def test_illegal_transition_raises_with_trace_reason(
    pair: tuple[ReportState, LifecycleAction], code: str
) -> None:
    state, action = pair
    with pytest.raises(IllegalTransition) as caught:
        transition(state, action)
    error = caught.value
    assert error.code == code
    assert error.text == TRACE_TEXT[code]
    assert error.state is state and error.action is action
    assert str(error).startswith(f"{code} {TRACE_TEXT[code]}: cannot {action.value}")


def test_refusal_is_a_user_input_error_so_edges_answer_it_without_a_traceback() -> None:
    with pytest.raises(UserInputError):
        transition(S.CANCELLED, A.CANCEL)
    with pytest.raises(LifecycleError) as caught:
        transition(S.CORRECTED, A.CANCEL)
    assert "correction" in caught.value.detail
    assert caught.value.reject is None  # only the journal attaches the journaled reject


def test_final_states_accept_nothing() -> None:
    assert frozenset({S.REJECTED, S.CANCELLED, S.CORRECTED, S.REVERSED}) == FINAL_STATES
    for state in FINAL_STATES:
        assert allowed_actions(state) == ()


def test_allowed_actions_in_table_order() -> None:
    assert allowed_actions(S.NEW) == (A.ACCEPT, A.REJECT)
    assert allowed_actions(S.ACCEPTED) == (A.CANCEL, A.CORRECT, A.REVERSE)


def test_firm_requests_map_to_lifecycle_actions() -> None:
    assert ACTION_FOR_REQUEST == {
        Action.CANCEL: A.CANCEL,
        Action.CORRECT: A.CORRECT,
        Action.REVERSE: A.REVERSE,
    }
    assert Action.NEW not in ACTION_FOR_REQUEST  # a new report is accepted or rejected


def test_markdown_table_has_a_row_per_state_and_marks_moves() -> None:
    table = lifecycle_markdown()
    lines = table.strip().splitlines()
    assert len(lines) == 2 + len(ReportState)
    accepted_row = next(line for line in lines if line.startswith("| accepted |"))
    assert "**→ cancelled**" in accepted_row
    assert "999 CANNOT BE PROCESSED AS SUBMITTED" in accepted_row
    assert "| cancelled | 999" in table and "105 TRADE ALREADY CANCELED |" in table


def test_docs_carry_the_generated_table_verbatim() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "journal.md"
    assert lifecycle_markdown() in docs.read_text(encoding="utf-8")
