"""Security questions: the catalogue, answer normalisation and matching (FAQ Q64-Q72).

Q70: "The system allows for some flexibility in responses. For example, the system ignores
capitalization and accepts minor variations (e.g., street or "St")."

An answer is normalised before it is hashed, so the stored hash already ignores what the
facility ignores, and no clear answer is ever kept:

* case (Unicode casefold) and accents (NFKD, combining marks dropped);
* punctuation and runs of white space (``"O'Brien"`` = ``"OBrien"``, ``"Main  St."`` =
  ``"main st"``);
* a leading article (``"the"``, ``"a"``, ``"an"``);
* common postal and ordinal abbreviations, both ways (``street`` = ``st``, ``avenue`` = ``ave``,
  ``first`` = ``1st``, ``saint`` = ``st``, ``mount`` = ``mt``, ...). The list is **INFERENCE**:
  FINRA publishes only the street/St example.
"""

from __future__ import annotations

import re
import unicodedata

QUESTION_CATALOGUE: tuple[str, ...] = (
    "What is the name of the street you grew up on?",
    "What was the name of your first pet?",
    "In what city were you born?",
    "What was your childhood nickname?",
    "What is your mother's maiden name?",
    "What was the make of your first car?",
    "What was the name of your elementary school?",
    "What is the name of the town where your parents met?",
)

# Each group lists spellings that mean the same; the first is the canonical form.
_EQUIVALENTS: tuple[tuple[str, ...], ...] = (
    ("st", "street", "str", "saint"),
    ("ave", "avenue", "av"),
    ("rd", "road"),
    ("blvd", "boulevard"),
    ("dr", "drive", "doctor"),
    ("ln", "lane"),
    ("ct", "court"),
    ("pl", "place"),
    ("sq", "square"),
    ("hwy", "highway"),
    ("pkwy", "parkway"),
    ("ter", "terrace"),
    ("apt", "apartment"),
    ("mt", "mount", "mountain"),
    ("ft", "fort"),
    ("n", "north"),
    ("s", "south"),
    ("e", "east"),
    ("w", "west"),
    ("1st", "first"),
    ("2nd", "second"),
    ("3rd", "third"),
    ("4th", "fourth"),
    ("5th", "fifth"),
    ("jr", "junior"),
    ("sr", "senior"),
    ("and", "&"),
)
_CANONICAL = {word: group[0] for group in _EQUIVALENTS for word in group}
_ARTICLES = frozenset({"the", "a", "an"})
_WORD = re.compile(r"[0-9a-z&]+")


def normalise_answer(answer: str) -> str:
    """The canonical form of an answer; two answers match when their forms are equal."""
    decomposed = unicodedata.normalize("NFKD", answer.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("'", "").replace("\u2019", "")
    words = _WORD.findall(plain)
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(_CANONICAL.get(word, word) for word in words)


def answers_match(given: str, expected: str) -> bool:
    """Compare two clear answers the way the facility does (used in tests and docs)."""
    return normalise_answer(given) == normalise_answer(expected) != ""


def validate_choice(questions: list[str], answers: list[str]) -> list[str]:
    """Check a user's selection of three questions and answers; return the problems found."""
    problems: list[str] = []
    if len(questions) != 3 or len(answers) != 3:
        problems.append("choose exactly three security questions and answer each one")
        return problems
    if len(set(questions)) != 3:
        problems.append("choose three different security questions")
    for index, question in enumerate(questions, start=1):
        if question not in QUESTION_CATALOGUE:
            problems.append(f"question {index} is not one of the offered questions")
    for index, answer in enumerate(answers, start=1):
        normalised = normalise_answer(answer)
        if len(normalised) < 2:
            problems.append(f"answer {index} is too short (at least 2 letters or digits)")
        if len(answer) > 100:
            problems.append(f"answer {index} is too long (at most 100 characters)")
    return problems
