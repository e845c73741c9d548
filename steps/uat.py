"""UAT steps: the Saturday production tests, their windows and registration deadlines.

The 2021-03-20 UAT ran 09:00-13:00 ET; firms registered by noon ET on Wednesday 2021-03-17
(seed 000). Window and deadline come from the simulator's timeline; a whole UAT script
(``scenarios/uat/*.yaml``) is rehearsed with "When the firm rehearses the UAT script ...".
"""

from __future__ import annotations

from typing import Any

from pytest_bdd import parsers, then, when

from simulator.harness.controller import SimHarness
from simulator.harness.timetext import describe
from steps._types import TYPES


@then(parsers.re(r"(?P<verdict>a|no) UAT is running"))
def uat_running(sim: SimHarness, verdict: str) -> None:
    """Check whether a scheduled UAT window is open at the facility clock's instant.

    Example: Then a UAT is running
    """
    active = sim.timeline_state().active_uat
    assert (active is not None) is (verdict == "a"), (
        f"UAT running at {describe(sim.now_ns())}: {active.title if active else 'none'}"
    )


@then(parsers.re(r"registration for the (?P<day>\d{4}-\d{2}-\d{2}) UAT is (?P<state>open|closed)"))
def registration_state(sim: SimHarness, day: str, state: str) -> None:
    """Check whether a UAT still takes registrations (open up to and including the deadline).

    Example: Then registration for the 2021-03-20 UAT is open
    """
    window = sim.timeline().uat(day)
    is_open = window.registration_open(sim.now_ns())
    assert is_open is (state == "open"), (
        f"registration closes {describe(window.registration_deadline_ns or window.start_ns)}; "
        f"it is {describe(sim.now_ns())}"
    )


@then(parsers.cfparse("the UAT covers {facility:Facility}", extra_types=TYPES))
def uat_covers(sim: SimHarness, facility: str) -> None:
    """Check that the running UAT includes a facility.

    Example: Then the UAT covers trace-ca
    """
    active = sim.timeline_state().active_uat
    assert active is not None, f"no UAT is running at {describe(sim.now_ns())}"
    assert facility in [f.value for f in active.facilities], (
        f"the UAT covers {[f.value for f in active.facilities]}"
    )


@when(
    parsers.cfparse('the firm rehearses the UAT script "{path}"'),
    target_fixture="rehearsal",
)
def rehearse_script(sim: SimHarness, path: str) -> Any:
    """Run a whole UAT script (``scenarios/uat/*.yaml``) against the simulator, step by step,
    with the built-in FIX and TRAQS clients (as ``facsim rehearse`` does).

    Example: When the firm rehearses the UAT script "scenarios/uat/2021-03-20.yaml"
    """
    from simulator.harness.rehearsal import Rehearsal
    from simulator.harness.uat_script import load_uat_script

    return Rehearsal(sim, load_uat_script(path)).run()


@then("every step of the script passes")
def every_step_passes(rehearsal: Any) -> None:
    """Check that each step of the rehearsed script achieved what it expects; list the others.

    Example: Then every step of the script passes
    """
    failed = [f"{r.step.id}: {r.message}" for r in rehearsal.steps if not r.passed]
    assert not failed, "\n".join(failed)


@then(parsers.re(r'step "(?P<step_id>[^"]+)" of the script (?P<verdict>passes|fails)'))
def step_verdict(rehearsal: Any, step_id: str, verdict: str) -> None:
    """Check one step of the rehearsed script by its id.

    Example: Then step "ntf-only-refused" of the script passes
    """
    found = [r for r in rehearsal.steps if r.step.id == step_id]
    assert found, f"the script has no step {step_id!r}"
    assert found[0].passed is (verdict == "passes"), found[0].message
