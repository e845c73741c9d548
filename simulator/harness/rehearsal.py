"""Run a UAT script (:mod:`~simulator.harness.uat_script`) step by step against the simulator.

Each step moves the facility clock to its ``at`` instant (if given), performs its action with the
firm-side clients, and compares the outcome with its ``expect``. A step that cannot be carried out
(an action whose part of the simulator is missing, a refusal the script did not expect) fails
with a sentence saying why, and the run goes on: a rehearsal reports every step, like a tester's
checklist. ``facsim rehearse`` prints the results; the ``uat`` steps assert them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.errors import SimulatorError
from simulator.harness.controller import HarnessError, SimHarness
from simulator.harness.timetext import describe
from simulator.harness.uat_script import ScriptStep, UatScript


@dataclass
class StepOutcome:
    """What a step achieved: a word comparable with the script's ``expect`` and a sentence."""

    result: Any
    message: str = ""


@dataclass
class StepResult:
    step: ScriptStep
    passed: bool
    outcome: str
    message: str
    sim_ns: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.step.id,
            "action": self.step.action,
            "line": self.step.line,
            "description": self.step.description,
            "expect": self.step.expect,
            "outcome": self.outcome,
            "status": "passed" if self.passed else "failed",
            "message": self.message,
            "sim_ns": self.sim_ns,
            "sim_time": describe(self.sim_ns),
        }


@dataclass
class RehearsalResult:
    script: UatScript
    mode: str
    seed: int
    steps: list[StepResult] = field(default_factory=list)
    trace: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return bool(self.steps) and all(step.passed for step in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {
            "script": self.script.path,
            "title": self.script.title,
            "description": self.script.source,
            "mode": self.mode,
            "seed": self.seed,
            "passed": self.passed,
            "steps": [step.to_json() for step in self.steps],
            "trace": self.trace,
        }


Handler = Callable[["Rehearsal", ScriptStep], StepOutcome]


def _matches(expect: Any, result: Any) -> bool:
    if isinstance(expect, dict):
        return isinstance(result, dict) and all(
            str(result.get(key)) == str(value) for key, value in expect.items()
        )
    return str(expect).strip().lower() == str(result).strip().lower()


class Rehearsal:
    """One run of one script. ``handlers`` maps each action to the function that performs it;
    :mod:`simulator.harness.uat_actions` provides the built-in ones."""

    def __init__(
        self,
        sim: SimHarness,
        script: UatScript,
        handlers: dict[str, Handler] | None = None,
    ) -> None:
        from simulator.harness.uat_actions import HANDLERS

        self.sim = sim
        self.script = script
        self.handlers = dict(HANDLERS if handlers is None else handlers)
        self.state: dict[str, Any] = {}

    def run_step(self, step: ScriptStep) -> StepResult:
        if step.at_ns is not None:
            self.sim.set_clock(step.at_ns)
        self.sim.record("action", "tester", f"{step.id}: {step.description}")
        handler = self.handlers.get(step.action)
        if handler is None:
            return StepResult(step, False, "error", f"no handler for {step.action!r}", self._now())
        try:
            outcome = handler(self, step)
        except (HarnessError, SimulatorError, AssertionError, OSError) as exc:
            outcome = StepOutcome("error", str(exc))
        passed = _matches(step.expect, outcome.result)
        shown = outcome.result
        message = outcome.message
        if not passed:
            message = f"expected {step.expect!r}, got {shown!r}" + (
                f": {outcome.message}" if outcome.message else ""
            )
        self.sim.record(
            "expect", "tester", f"{step.id}: {'passed' if passed else 'FAILED'}", message
        )
        return StepResult(step, passed, str(shown), message, self._now())

    def run(self, progress: Callable[[StepResult], None] | None = None) -> RehearsalResult:
        result = RehearsalResult(self.script, self.sim.mode, self.sim.seed)
        for step in self.script.steps:
            step_result = self.run_step(step)
            result.steps.append(step_result)
            if progress is not None:
                progress(step_result)
        result.trace = self.sim.trace.to_json()
        return result

    def _now(self) -> int:
        return self.sim.now_ns()
