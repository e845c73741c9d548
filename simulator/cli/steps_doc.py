"""``facsim steps-doc``: write ``docs/steps.md`` from the step definitions themselves.

The step reference is generated, never written by hand, so it cannot drift from the code: each
step's keyword and pattern come from its pytest-bdd parser, its explanation and examples from its
docstring (the lines starting ``Example:``). ``facsim steps-doc --check`` exits 1 when the file
is stale, and a unit test does the same, so CI fails on a step added without regenerating.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.pytest_plugin import pytest_plugins

# The step modules the pytest plugin loads: the document covers exactly what scenarios can use.
STEP_MODULES = tuple(pytest_plugins)
DEFAULT_OUTPUT = Path("docs/steps.md")
KEYWORDS = ("Given", "When", "Then", "And", "But")

#: What each parameter type in a pattern accepts (steps/_types.py).
TYPE_HELP = {
    "Instant": "an instant: `2021-11-15 09:30:00.000000000 ET`, `2021-03-20 09:00 ET`, "
    "`2021-11-15T14:30:00Z`, `2021-03-20T09:00:00-04:00` (no zone = New York time)",
    "Duration": "`10 seconds`, `10 seconds and 1 nanosecond`, `1 hour, 2 minutes and 3 seconds` "
    "(nanoseconds ... weeks)",
    "TimeOfDay": "a time of day on the simulated date: `09:30`, `16:00:00.000000001 ET`, "
    "`13:30 UTC`",
    "Decimal": "a number, `100` or `10.25` (never rounded)",
    "Word": "one word without spaces, e.g. `2021-11-22`, `nanoseconds`",
    "MPID": "a four-letter MPID, e.g. `ABCD`",
    "Facility": "a facility name: `nasdaq-trf-carteret`, `nasdaq-trf-chicago`, `nyse-trf`, "
    "`adf`, `orf`, `trace-ca`, `trace-sp`, `trace-ts`",
    "Weekday": "a day of the week, `Monday` ... `Sunday`",
    "Offset": "a UTC offset, `-05:00` or `-04:00`",
    "LoginMethod": "`certificate`, `mfa`, `either` (parallel period) or `certificate+password` "
    "(the reference-data API)",
    "User": "a user name (an email address), e.g. `dana@acme.example`",
    "d": "a whole number",
}


@dataclass
class StepDoc:
    keywords: list[str]
    pattern: str
    display: str
    summary: str
    examples: list[str]
    module: str
    function: str
    line: int
    parser: Any = field(repr=False, default=None)


def _parameters(pattern: str) -> list[tuple[str, str]]:
    """(name, type) of each parameter: ``{name:Type}`` in parse patterns, ``(?P<name>...)`` in
    regular expressions (typed by name, e.g. ``duration`` -> ``Duration``)."""
    typed = re.findall(r"\{(\w+):(\w+)\}", pattern)
    if typed:
        return typed
    return [
        (name, name.capitalize() if name.capitalize() in TYPE_HELP else "text")
        for name in re.findall(r"\(\?P<(\w+)>", pattern)
    ]


def _display(pattern: str, is_regex: bool) -> str:
    if not is_regex:
        return re.sub(r"\{(\w+)(?::(\w+))?\}", r"<\1>", pattern)
    out = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("(?P<", index):
            end_name = pattern.index(">", index)
            name = pattern[index + 4 : end_name]
            depth, cursor = 1, end_name + 1
            while depth:
                char = pattern[cursor]
                if char == "\\":
                    cursor += 2
                    continue
                depth += {"(": 1, ")": -1}.get(char, 0)
                cursor += 1
            out.append(f"<{name}>")
            index = cursor
            continue
        out.append(pattern[index])
        index += 1
    text = "".join(out)
    text = re.sub(r"\(\?:([^()]*)\)\?", r"[\1]", text)
    text = re.sub(r"\(\?:([^()]*)\)", r"(\1)", text)
    return text.replace("\\", "")


def _docstring_parts(func: Any) -> tuple[str, list[str]]:
    doc = inspect.getdoc(func) or ""
    examples = []
    summary_lines = []
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped.startswith("Example:"):
            examples.append(stripped[len("Example:") :].strip())
        else:
            summary_lines.append(stripped)
    summary = " ".join(" ".join(summary_lines).split())
    return summary, examples


def collect_steps() -> list[StepDoc]:
    """Every step defined in the step library, in module and source order."""
    from pytest_bdd.steps import step_function_context_registry

    for name in STEP_MODULES:
        importlib.import_module(name)
    grouped: dict[tuple[str, str], StepDoc] = {}
    for context in list(step_function_context_registry.values()):
        func = context.step_func
        if func.__module__ not in STEP_MODULES:
            continue
        pattern = str(context.parser.name)
        key = (f"{func.__module__}.{func.__qualname__}", pattern)
        keyword = (context.type or "step").capitalize()
        if key in grouped:
            if keyword not in grouped[key].keywords:
                grouped[key].keywords.append(keyword)
            continue
        summary, examples = _docstring_parts(func)
        is_regex = type(context.parser).__name__ == "re"
        grouped[key] = StepDoc(
            keywords=[keyword],
            pattern=pattern,
            display=_display(pattern, is_regex),
            summary=summary,
            examples=examples,
            module=func.__module__,
            function=func.__name__,
            line=inspect.getsourcelines(func)[1],
            parser=context.parser,
        )
    order = {name: index for index, name in enumerate(STEP_MODULES)}
    return sorted(grouped.values(), key=lambda s: (order[s.module], s.line, s.pattern))


def example_text(example: str) -> tuple[str, str]:
    """Split ``When 10 seconds pass`` into (``When``, ``10 seconds pass``)."""
    keyword, _, text = example.partition(" ")
    if keyword not in KEYWORDS:
        raise ValueError(f"example {example!r} does not start with Given/When/Then/And/But")
    return keyword, text


def _module_intro(name: str) -> tuple[str, str]:
    module = importlib.import_module(name)
    doc = inspect.getdoc(module) or ""
    first = doc.partition("\n\n")[0]
    title = first.split(":")[0].strip().rstrip(".")
    intro = " ".join(first.split(":", 1)[-1].split()) if ":" in first else ""
    return title, intro[:1].upper() + intro[1:]


def render_markdown() -> str:
    steps = collect_steps()
    used_types = sorted(
        {kind for s in steps for _, kind in _parameters(s.pattern)} & set(TYPE_HELP)
    )
    lines = [
        "# Step reference",
        "",
        "<!-- Generated by `facsim steps-doc` from the step definitions in steps/. "
        "Do not edit by hand. -->",
        "",
        "Every step below can be used in a `.feature` file of this repository or of a firm's "
        "own repository (after `pip install facsim`). A step starts with `Given`, `When` or "
        "`Then` as shown (`And`/`But` continue the previous one). Words in `<angle brackets>` "
        "are yours to fill in; the table of parameter types says what each accepts. Times "
        "without a zone are New York time. How to write a scenario: [bdd.md](bdd.md).",
        "",
        f"{len(steps)} steps in {len({s.module for s in steps})} domains.",
        "",
        "## Parameter types",
        "",
        "| type | accepts |",
        "|---|---|",
    ]
    lines.extend(f"| `{name}` | {TYPE_HELP[name]} |" for name in used_types)
    lines.append("")
    for module in STEP_MODULES:
        in_module = [s for s in steps if s.module == module]
        if not in_module:
            continue
        title, intro = _module_intro(module)
        lines.extend([f"## {title} (`{module}`)", ""])
        if intro:
            lines.extend([intro, ""])
        for step in in_module:
            keywords = "/".join(step.keywords)
            lines.append(f"### {keywords} {step.display}")
            lines.append("")
            if step.summary:
                lines.extend([step.summary, ""])
            params = _parameters(step.pattern)
            if params:
                lines.append(
                    "Parameters: " + ", ".join(f"`<{name}>` {kind}" for name, kind in params)
                )
                lines.append("")
            for example in step.examples:
                lines.extend(["```gherkin", example, "```", ""])
    return "\n".join(lines).rstrip() + "\n"


def check_examples() -> list[str]:
    """Problems with the steps' documentation: missing docstrings or examples, examples that
    their own step would not match."""
    problems = []
    for step in collect_steps():
        where = f"{step.module}.{step.function}"
        if not step.summary:
            problems.append(f"{where}: no docstring")
        if not step.examples:
            problems.append(f"{where}: no 'Example:' line in its docstring")
        for example in step.examples:
            try:
                keyword, text = example_text(example)
            except ValueError as exc:
                problems.append(f"{where}: {exc}")
                continue
            if keyword not in ("And", "But") and keyword not in [*step.keywords, "Step"]:
                problems.append(f"{where}: example {example!r} uses {keyword}, not {step.keywords}")
            if not step.parser.is_matching(text):
                problems.append(f"{where}: example {example!r} does not match {step.pattern!r}")
    return problems


def _handle(args: argparse.Namespace) -> int:
    text = render_markdown()
    output = Path(args.output)
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            print(f"{output} is out of date: run `facsim steps-doc`", file=sys.stderr)
            return 1
        print(f"{output} is up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output} ({text.count(chr(10) + '### ')} steps)")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "steps-doc",
        help="write docs/steps.md from the step definitions",
        description="Generate the step reference (docs/steps.md) from the step library.",
    )
    parser.add_argument("-o", "--output", default=str(DEFAULT_OUTPUT), help="where to write")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the file is not what would be written"
    )
    parser.set_defaults(func=_handle)
