"""Read a run's results into one model: Cucumber JSON, JUnit XML, harness traces, rehearsals.

The inputs are what pytest and ``facsim rehearse`` leave in ``reports/``:

* ``cucumber.json`` (pytest-bdd ``--cucumberjson``): features, scenarios, steps, statuses. It is
  empty under pytest-xdist (tooling notes 1.3), so a parallel run falls back on
* ``junit.xml`` (``--junitxml``): one test case per scenario, with its outcome and time;
* ``traces/*.json`` (``--facsim-trace``): per scenario, the simulated timeline, FIX messages and
  pages, the mode and the seed;
* ``rehearsal*.json`` (``facsim rehearse``): a UAT script's steps with pass/fail.

Missing inputs are allowed (an empty section); unreadable ones are a :class:`ConfigError` naming
the file.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.errors import ConfigError
from simulator.harness.trace import TRACE_VERSION


@dataclass
class StepResult:
    keyword: str
    name: str
    status: str
    duration_ns: int = 0
    error: str = ""


@dataclass
class ScenarioResult:
    feature: str
    name: str
    test_id: str
    status: str
    steps: list[StepResult] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    duration_ns: int = 0
    trace: dict[str, Any] | None = None


@dataclass
class FeatureResult:
    name: str
    uri: str
    description: str
    scenarios: list[ScenarioResult] = field(default_factory=list)

    @property
    def status(self) -> str:
        return _worst(s.status for s in self.scenarios)


@dataclass
class RunReport:
    features: list[FeatureResult] = field(default_factory=list)
    rehearsals: list[dict[str, Any]] = field(default_factory=list)
    orphan_traces: list[dict[str, Any]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def scenarios(self) -> list[ScenarioResult]:
        return [s for f in self.features for s in f.scenarios]

    def counts(self) -> dict[str, int]:
        counts = {"passed": 0, "failed": 0, "skipped": 0}
        for scenario in self.scenarios:
            counts[scenario.status] = counts.get(scenario.status, 0) + 1
        for rehearsal in self.rehearsals:
            key = "passed" if rehearsal.get("passed") else "failed"
            counts[key] += 1
        return counts

    @property
    def seeds(self) -> list[int]:
        found = {int(s.trace["seed"]) for s in self.scenarios if s.trace}
        found |= {int(r["seed"]) for r in self.rehearsals if "seed" in r}
        return sorted(found)

    @property
    def modes(self) -> list[str]:
        found = {str(s.trace["mode"]) for s in self.scenarios if s.trace}
        found |= {str(r["mode"]) for r in self.rehearsals if "mode" in r}
        return sorted(found)

    @property
    def simulated_span_ns(self) -> int:
        spans = [int(s.trace.get("simulated_span_ns", 0)) for s in self.scenarios if s.trace]
        spans += [int(r.get("trace", {}).get("simulated_span_ns", 0)) for r in self.rehearsals]
        return sum(spans)

    @property
    def passed(self) -> bool:
        return self.counts().get("failed", 0) == 0


_ORDER = {"failed": 3, "undefined": 2, "skipped": 1, "passed": 0}


def _worst(statuses: Any) -> str:
    worst = "passed"
    for status in statuses:
        if _ORDER.get(status, 3) > _ORDER.get(worst, 0):
            worst = status
    return worst


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(str(path), f"is not JSON: {exc.msg}", line=exc.lineno) from None


def load_cucumber(path: Path) -> list[FeatureResult]:
    data = _read_json(path)
    if not isinstance(data, list):
        raise ConfigError(str(path), "is not a Cucumber JSON report (expected a list of features)")
    features = []
    for feature in data:
        result = FeatureResult(
            name=str(feature.get("name", "")),
            uri=str(feature.get("uri", "")),
            description=str(feature.get("description", "")),
        )
        for element in feature.get("elements", []):
            steps = []
            for step in element.get("steps", []):
                outcome = step.get("result", {})
                steps.append(
                    StepResult(
                        keyword=str(step.get("keyword", "")),
                        name=str(step.get("name", "")),
                        status=str(outcome.get("status", "skipped")),
                        duration_ns=int(outcome.get("duration", 0) or 0),
                        error=str(outcome.get("error_message", "") or ""),
                    )
                )
            status = _worst(s.status for s in steps) if steps else "skipped"
            result.scenarios.append(
                ScenarioResult(
                    feature=result.name,
                    name=str(element.get("name", "")),
                    test_id=str(element.get("id", "")),
                    status=status,
                    steps=steps,
                    tags=[str(t.get("name", "")) for t in element.get("tags", [])],
                    duration_ns=sum(s.duration_ns for s in steps),
                )
            )
        features.append(result)
    return features


def load_junit(path: Path) -> list[FeatureResult]:
    """Scenarios from JUnit XML, grouped by test module (no steps: JUnit has none)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise ConfigError(str(path), f"is not JUnit XML: {exc}") from None
    by_class: dict[str, FeatureResult] = {}
    for case in root.iter("testcase"):
        classname = case.get("classname", "")
        feature = by_class.setdefault(
            classname, FeatureResult(name=classname, uri=classname, description="")
        )
        status = "passed"
        error = ""
        for child in case:
            if child.tag in ("failure", "error"):
                status, error = "failed", child.get("message", "") or (child.text or "")
            elif child.tag == "skipped":
                status, error = "skipped", child.get("message", "")
        feature.scenarios.append(
            ScenarioResult(
                feature=classname,
                name=case.get("name", ""),
                test_id=case.get("name", ""),
                status=status,
                steps=[StepResult("", error, status)] if error else [],
                duration_ns=int(float(case.get("time", "0") or 0) * 1_000_000_000),
            )
        )
    return list(by_class.values())


def load_traces(directory: Path) -> list[dict[str, Any]]:
    traces = []
    for path in sorted(directory.glob("*.json")):
        data = _read_json(path)
        if isinstance(data, dict) and data.get("version") == TRACE_VERSION:
            traces.append(data)
    return traces


def attach_traces(
    features: list[FeatureResult], traces: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Join each trace to its scenario; return the traces that matched none."""
    index: dict[tuple[str, str], dict[str, Any]] = {}
    by_test: dict[str, dict[str, Any]] = {}
    for trace in traces:
        test_id = str(trace.get("nodeid", "")).split("::")[-1]
        index[(str(trace.get("name", "")), test_id)] = trace
        by_test.setdefault(test_id, trace)
    used: set[int] = set()
    for feature in features:
        for scenario in feature.scenarios:
            found = index.get((f"{feature.name}: {scenario.name}", scenario.test_id))
            if found is None:
                found = by_test.get(scenario.test_id)
            if found is not None:
                scenario.trace = found
                used.add(id(found))
    return [trace for trace in traces if id(trace) not in used]


def build_report(
    cucumber: Path | None = None,
    junit: Path | None = None,
    traces: Path | None = None,
    rehearsals: list[Path] | None = None,
) -> RunReport:
    report = RunReport()
    if cucumber is not None and cucumber.exists():
        report.features = load_cucumber(cucumber)
        report.sources.append(str(cucumber))
    if not report.scenarios and junit is not None and junit.exists():
        report.features = load_junit(junit)
        report.sources.append(str(junit))
    if traces is not None and traces.is_dir():
        report.orphan_traces = attach_traces(report.features, load_traces(traces))
        report.sources.append(str(traces))
    for path in rehearsals or []:
        data = _read_json(path)
        if not isinstance(data, dict) or "steps" not in data:
            raise ConfigError(str(path), "is not a facsim rehearsal result")
        report.rehearsals.append(data)
        report.sources.append(str(path))
    return report
