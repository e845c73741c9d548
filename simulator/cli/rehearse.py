"""``facsim rehearse SCRIPT [--at ISO8601] [--sim-url URL]``: run a UAT script end to end.

The script (``scenarios/uat/*.yaml``) is validated first (errors name the file, line and field;
exit 2). It then runs against an in-process simulator on a manual clock -- or a running
``facsim serve`` with ``--sim-url`` -- with a progress bar, prints a pass/fail line per step, and
exits 1 if any step failed. ``--output`` writes the results as JSON for ``facsim report``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulator.errors import UserInputError
from simulator.harness.controller import DEFAULT_START, HarnessError, InProcessHarness, SimHarness
from simulator.harness.loop import LoopThread
from simulator.harness.rehearsal import Rehearsal, RehearsalResult, StepResult
from simulator.harness.timetext import describe, parse_instant
from simulator.harness.uat_script import load_uat_script

DEFAULT_SEED = 20210320


def _harness(args: argparse.Namespace, loop: LoopThread, start_ns: int) -> SimHarness:
    if args.sim_url:
        from simulator.harness.remote import RemoteHarness

        return RemoteHarness(loop, args.seed, args.sim_url)
    return InProcessHarness(loop, args.seed, start_ns)


def _line(result: StepResult) -> str:
    mark = "PASS" if result.passed else "FAIL"
    text = f"{mark}  {result.step.id:<22} {describe(result.sim_ns)}  {result.step.description}"
    if not result.passed:
        text += f"\n      {result.message}"
    return text


def _handle(args: argparse.Namespace) -> int:
    script = load_uat_script(Path(args.script))
    if args.at:
        try:
            start_ns = parse_instant(args.at)
        except UserInputError:
            raise UserInputError(
                f"{args.at!r} is not an ISO 8601 instant (e.g. 2021-03-20T09:00:00-04:00)",
                source="--at",
            ) from None
    else:
        start_ns = script.steps[0].at_ns or script.window_start_ns or parse_instant(DEFAULT_START)
    loop = LoopThread().start()
    try:
        harness = _harness(args, loop, start_ns)
        try:
            harness.start()
        except HarnessError as exc:
            raise UserInputError(str(exc), source="--sim-url") from None
        try:
            harness.begin_scenario(script.title, script.path, start_ns)
            rehearsal = Rehearsal(harness, script)
            try:
                results = _run(rehearsal, quiet=args.quiet)
            finally:
                harness.end_scenario()
        finally:
            harness.stop()
    finally:
        loop.stop()
    passed = sum(1 for r in results.steps if r.passed)
    failed = len(results.steps) - passed
    print(f"\n{script.title} ({script.path}, {harness.mode}, seed {args.seed})")
    for result in results.steps:
        print(_line(result))
    print(f"\n{passed} passed, {failed} failed")
    if args.output:
        output = Path(args.output)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results.to_json(), indent=1), encoding="utf-8")
        print(f"results written to {output} (facsim report turns them into HTML)")
    return 0 if results.passed else 1


def _run(rehearsal: Rehearsal, quiet: bool) -> RehearsalResult:
    from tqdm import tqdm

    bar = tqdm(
        total=len(rehearsal.script.steps),
        desc="rehearsing",
        unit="step",
        disable=quiet,
        file=sys.stderr,
        leave=False,
    )

    def progress(result: StepResult) -> None:
        bar.set_postfix_str(f"{result.step.id}: {'ok' if result.passed else 'FAILED'}")
        bar.update(1)

    try:
        return rehearsal.run(progress)
    finally:
        bar.close()


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "rehearse",
        help="run a UAT script (scenarios/uat/*.yaml) end to end",
        description="Run a UAT script against the simulator: every step's action, checked "
        "against what it expects, with a pass/fail summary. Exit 1 when a step fails.",
    )
    parser.add_argument("script", help="the UAT script, e.g. scenarios/uat/2021-03-20.yaml")
    parser.add_argument(
        "--at",
        help="where the clock starts (ISO 8601; default: the first step's 'at' or the window)",
    )
    parser.add_argument(
        "--sim-url", help="control API of a running `facsim serve` (default: in-process)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of generated ids")
    parser.add_argument(
        "--output",
        default="reports/rehearsal.json",
        help="where to write the results as JSON (default reports/rehearsal.json; '' for none)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_handle)
