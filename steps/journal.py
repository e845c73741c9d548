"""Journal steps: what the facility booked, where, and who received which acknowledgement.

The simulator journals every accepted report with its timeliness decision and the environment it
belongs to -- production, the NTF, or a Saturday UAT, whose test transactions are kept apart
from production (seed 000) -- and every message it handed to a firm (acknowledgements, rejects,
alleges, drop copies), with whether that firm had registered for a running UAT. These steps
read both through the control API, the same way in-process and against ``facsim serve``.

"The report" is the last one the firm sent, over FIX or through TRAQS.
"""

from __future__ import annotations

from typing import Any

from pytest_bdd import parsers, then, when

from simulator.harness.controller import SimHarness
from simulator.harness.timetext import describe
from steps._types import TYPES


def _ref(sim: SimHarness) -> str:
    ref = sim.data.get("last_ref")
    assert ref is not None, "the firm has reported nothing yet"
    return str(ref)


def _booked(sim: SimHarness) -> dict[str, Any]:
    ref = _ref(sim)
    found = sim.journal_json(client_ref=ref)
    assert found, f"the journal holds no accepted report {ref!r}"
    return found[-1]


@then(parsers.re(r"the journal books the report in (?P<environment>production|uat|ntf)"))
def booked_in(sim: SimHarness, environment: str) -> None:
    """Check the environment the last report was journaled in: ``production``, ``ntf`` or
    ``uat`` (a test transaction of a Saturday UAT, kept out of production).

    Example: Then the journal books the report in uat
    """
    stored = _booked(sim)
    actual = stored["report"]["environment"]
    sim.record("decision", "journal", f"{_ref(sim)} booked in {actual}")
    assert actual == environment, f"{_ref(sim)} is booked in {actual}"


@then("the journal holds the report")
def journal_holds(sim: SimHarness) -> None:
    """Check that the last report is in the journal (e.g. after the simulator restarted).

    Example: Then the journal holds the report
    """
    stored = _booked(sim)
    sim.record("decision", "journal", f"{_ref(sim)} is report {stored['report_id']}")


@then(
    parsers.re(
        r"the journal records the report as (?P<status>late|on time) "
        r"with (?:modifier (?P<letter>[TUZ])|no modifier)"
    )
)
def journal_modifier(sim: SimHarness, status: str, letter: str | None) -> None:
    """Check the timeliness decision the facility journaled with the last report (the
    modifier is kept even when the port has no FIX code for it).

    Example: Then the journal records the report as late with modifier U
    """
    decision = _booked(sim)["decision"]
    late = decision["status"] == "late"
    assert late is (status == "late"), f"the journal has it {decision['status']}"
    assert decision.get("modifier") == letter, f"the journal has modifier {decision['modifier']}"


@then(
    parsers.re(
        r"the journal shows the acknowledgement delivered to (?P<firm>[A-Z0-9]+), "
        r"(?P<registered>registered|not registered) for the UAT"
    )
)
def delivered_during_uat(sim: SimHarness, firm: str, registered: str) -> None:
    """Check the journal's record of acknowledgements handed to a firm during a UAT: at least
    one, all marked as UAT traffic, and whether the firm had registered for the test (seed 000:
    a connected firm that did not register may receive acknowledgements and must ignore them).

    Example: Then the journal shows the acknowledgement delivered to GAMMA, not registered for the UAT
    """
    found = [d for d in sim.deliveries(recipient=firm) if str(d["msg_type"]).startswith("AE")]
    assert found, f"no acknowledgement was delivered to {firm}"
    for delivery in found:
        sim.record(
            "decision",
            "journal",
            f"{delivery['msg_type']} delivered to {firm} at {delivery['at']} "
            f"({delivery['environment']}, registered={delivery['registered']})",
        )
    assert all(d["environment"] == "uat" for d in found), [d["environment"] for d in found]
    wanted = registered == "registered"
    assert all(d["registered"] is wanted for d in found), [d["registered"] for d in found]


@then(parsers.cfparse("the production journal holds no report of {mpid:MPID}", extra_types=TYPES))
def no_production_reports(sim: SimHarness, mpid: str) -> None:
    """Check that no report of an MPID reached the production journal (the Monday after a
    UAT, test transactions are not production trades).

    Example: Then the production journal holds no report of GAMM
    """
    found = sim.journal_json(environment="production", mpid=mpid)
    refs = [item["report"]["client_ref"] for item in found]
    assert not refs, f"production holds {refs} of {mpid} at {describe(sim.now_ns())}"


@when("the simulator restarts on the same data directory")
def simulator_restarts(sim: SimHarness) -> None:
    """Stop the whole simulator as a crash would (connections drop, no Logout) and start it
    again on its data directory: the journal and every FIX session's sequence numbers survive.
    Only the in-process simulator can be restarted by a step (tag the scenario ``@in_process``).

    Example: When the simulator restarts on the same data directory
    """
    sim.restart()


@then(parsers.re(r'the journal records a counterparty error mentioning "(?P<text>[^"]+)"'))
def counterparty_error(sim: SimHarness, text: str) -> None:
    """Check that the facility journaled what the firm's side did wrong (ignored input, a
    disconnect it forced) with ``text`` in its detail: the record a firm's tester reads back
    after a rehearsal (``GET /journal/faults?kind=counterparty-error``).

    Example: Then the journal records a counterparty error mentioning "duplicate Logon"
    """
    from steps.faults import journal_faults  # the same reader as the fault steps

    records = journal_faults(sim, "counterparty-error")
    found = [r for r in records if text in r["detail"]]
    assert found, f"no counterparty error mentions {text!r}: {[r['detail'] for r in records]}"
    sim.record("journal", "facility", f"{found[-1]['scope']}: {found[-1]['detail']}")
