"""docs/traceability.md names real scenarios: every `file.feature`: Scenario it cites exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_CITATION = re.compile(r"`([\w/]+\.feature)`(?::\s*([^`|]*))?")
_TITLE = re.compile(r"^\s*Scenario(?: Outline)?:\s*(.+?)\s*$", re.MULTILINE)


def _titles(feature: Path) -> list[str]:
    return _TITLE.findall(feature.read_text(encoding="utf-8"))


def _split(text: str) -> list[str]:
    """Split on '; ' outside parentheses (notes in parentheses may contain semicolons)."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ";" and depth <= 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _cited_names(text: str) -> list[str]:
    """Scenario names in a citation: separated by '; ', notes in parentheses dropped, a
    trailing '...' meaning "the title starts with"."""
    names = []
    for part in _split(text):
        name = re.sub(r"\s*\([^()]*\)\s*$", "", part.strip())  # a closing note
        name = re.sub(r"\s*\([^)]*$", "", name).strip()  # a note cut by a `code` span
        if not name or name.endswith(":") or name.startswith("("):
            continue  # a note, or the words introducing the next citation
        names.append(name.removesuffix("...").strip())
    return names


def test_every_cited_feature_and_scenario_exists() -> None:
    doc = (ROOT / "docs" / "traceability.md").read_text(encoding="utf-8")
    problems = []
    cited_files = 0
    for path, names in _CITATION.findall(doc):
        feature = ROOT / "features" / path
        if not feature.exists():
            problems.append(f"no feature file {path}")
            continue
        cited_files += 1
        titles = _titles(feature)
        for name in _cited_names(names or ""):
            if not any(title.startswith(name) or name.startswith(title) for title in titles):
                problems.append(f"{path}: no scenario titled {name!r}")
    assert cited_files > 40
    assert not problems, "\n".join(problems)


def test_no_statement_is_left_pending() -> None:
    doc = (ROOT / "docs" / "traceability.md").read_text(encoding="utf-8")
    assert "**pending**" not in doc
