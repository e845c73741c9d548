"""docs/steps.md is generated from the step definitions and must be current."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.cli import main
from simulator.cli.steps_doc import _display, check_examples, collect_steps, render_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_docs_steps_md_is_current() -> None:
    current = (ROOT / "docs" / "steps.md").read_text(encoding="utf-8")
    assert current == render_markdown(), "docs/steps.md is stale: run `facsim steps-doc`"


def test_every_step_is_documented_with_an_example_its_own_parser_matches() -> None:
    assert check_examples() == []


def test_every_step_module_contributes_and_patterns_are_unique() -> None:
    steps = collect_steps()
    assert len(steps) >= 10
    seen = {}
    for step in steps:
        key = (tuple(step.keywords), step.pattern)
        assert key not in seen, f"{step.function} repeats {seen.get(key)}"
        seen[key] = step.function


def test_examples_resolve_to_exactly_one_step_of_their_keyword() -> None:
    """A tester's line must never be claimed by two different steps (ambiguous vocabulary)."""
    steps = collect_steps()
    for step in steps:
        for example in step.examples:
            keyword, text = example.split(" ", 1)
            if keyword in ("And", "But"):
                continue
            owners = [
                other.function
                for other in steps
                if keyword in other.keywords and other.parser.is_matching(text)
            ]
            assert owners == [step.function], f"{example!r} is matched by {owners}"


@pytest.mark.parametrize(
    ("pattern", "regex", "shown"),
    [
        ("the facility clock reads {instant:Instant}", False, "the facility clock reads <instant>"),
        (r"(?P<duration>\d+\s+[a-z]+(?:\s+and\s+\d+)*) pass(?:es)?", True, "<duration> pass[es]"),
        (r"the firm (?:logs|logged) on", True, "the firm (logs|logged) on"),
    ],
)
def test_patterns_are_shown_readably(pattern: str, regex: bool, shown: str) -> None:
    assert _display(pattern, regex) == shown


def test_check_mode_reports_a_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "steps.md"
    target.write_text("# old\n", encoding="utf-8")
    assert main(["steps-doc", "--check", "-o", str(target)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(["steps-doc", "-o", str(target)]) == 0
    assert main(["steps-doc", "--check", "-o", str(target)]) == 0
