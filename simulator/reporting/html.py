"""Render a :class:`~simulator.reporting.model.RunReport` as one self-contained HTML file.

The page has no script and no external asset (inline CSS, ``<details>`` for folding), so it opens
from a CI artifact or an email attachment in any browser. Text is escaped by Jinja2's autoescape.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from simulator.clock import DAY, SystemClock
from simulator.harness.timetext import describe, describe_duration
from simulator.reporting.model import RunReport

_TEMPLATES = Path(__file__).with_name("templates")


def render_html(report: RunReport, title: str = "facsim rehearsal report") -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = env.get_template("report.html")
    return template.render(
        title=title,
        report=report,
        counts=report.counts(),
        span=_rounded(report.simulated_span_ns),
        generated=describe(SystemClock().now_ns()),
    )


def _rounded(ns: int) -> str:
    """A total for a summary card: exact below a day, then in days with one decimal."""
    if ns < DAY:
        return describe_duration(ns)
    return f"{ns / DAY:,.1f} days"


def write_html(report: RunReport, output: Path, title: str = "facsim rehearsal report") -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_html(report, title), encoding="utf-8")
    return output
