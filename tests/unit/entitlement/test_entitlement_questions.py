"""Security answers match "ignoring capitalization and minor variations" (FAQ Q70)."""

from __future__ import annotations

import pytest

from simulator.entitlement.questions import (
    QUESTION_CATALOGUE,
    answers_match,
    normalise_answer,
    validate_choice,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("main st", "Main Street"),
        ("MAIN STREET", "Main Street"),
        ("Main St.", "Main Street"),
        ("  main   street ", "Main Street"),
        ("The Main Street", "Main Street"),
        ("5th Avenue", "Fifth Ave"),
        ("St. Louis", "Saint Louis"),
        ("O'Brien", "OBrien"),
        ("Zürich", "Zurich"),
        ("Mount Vernon Rd", "Mt Vernon Road"),
    ],
)
def test_minor_variations_are_accepted(given: str, expected: str) -> None:
    assert answers_match(given, expected)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Main Road", "Main Street"),
        ("Elm", "Elm Street"),
        ("Mainstreet", "Main Street"),
        ("Bostn", "Boston"),
        ("", ""),
        ("...", "..."),
    ],
)
def test_different_answers_are_refused(given: str, expected: str) -> None:
    assert not answers_match(given, expected)


def test_normal_form_is_what_gets_hashed() -> None:
    assert normalise_answer("The  MAIN Street!") == "main st"


def test_choice_needs_three_different_catalogue_questions() -> None:
    three = list(QUESTION_CATALOGUE[:3])
    assert validate_choice(three, ["Elm Street", "Rex", "Boston"]) == []
    assert "three different" in validate_choice([three[0]] * 3, ["aa", "bb", "cc"])[0]
    assert "exactly three" in validate_choice(three[:2], ["aa", "bb"])[0]
    assert (
        "not one of the offered"
        in validate_choice([*three[:2], "Favourite colour?"], ["aa", "bb", "cc"])[0]
    )
    assert "too short" in validate_choice(three, ["a", "bb", "cc"])[0]
