"""The pure fault plan: who a fault covers, when it starts and ends, what it decides per message."""

from __future__ import annotations

from typing import Any

import pytest
from fault_support import OTHER_ID, REFS, SESSION_ID, T0

from simulator.clock import MILLISECOND, MINUTE, SECOND
from simulator.domain.facility import FacilityId
from simulator.faults.plan import (
    MAX_KEPT,
    Disconnect,
    FaultPlan,
    FaultStatus,
    PortDown,
    PortUp,
    SkipSequence,
)
from simulator.faults.spec import FaultSpecError, GarbleMode, ThrottleAction, parse_fault
from simulator.fix.session import OutboundFault, SendPlan

RAW = b"8=FIX.4.4\x019=5\x0135=AE\x0110=000\x01"
PORTS = {"trace-ca": FacilityId.TRACE_CA, "trace-ts": FacilityId.TRACE_TS}


def plan_with(**data: Any) -> tuple[FaultPlan, Any]:
    plan = FaultPlan(REFS, PORTS)
    fault = plan.add(parse_fault(data), T0)
    return plan, fault


def write(plan: FaultPlan, session: str = SESSION_ID, msg_type: str = "AE", seq: int = 2,
          now: int = T0) -> OutboundFault | None:  # fmt: skip
    return plan.on_write(session, msg_type, seq, RAW, now)


# -- scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "disconnect", "port": "nyse-trf"}, "port"),
        ({"kind": "disconnect", "session": "trace-ca:NOBODY"}, "session"),
        ({"kind": "outage", "facility": "adf"}, "facility"),
        ({"kind": "disconnect", "firm": "GAMMA"}, "firm"),
        ({"kind": "disconnect", "port": "trace-ts"}, "session"),  # a port without sessions
        ({"kind": "failover", "facility": "adf"}, "facility"),
    ],
)
def test_a_scope_that_names_nothing_here_is_refused(data: dict[str, Any], field: str) -> None:
    with pytest.raises(FaultSpecError) as caught:
        FaultPlan(REFS, PORTS).add(parse_fault(data), T0)
    assert caught.value.field == field


def test_scope_by_firm_name_comp_id_or_mpid_and_by_facility() -> None:
    plan = FaultPlan(REFS, PORTS)
    for firm in ("ACME", "ACMEFIX"):
        assert plan.resolve(parse_fault({"kind": "withhold", "firm": firm}))[0] == {SESSION_ID}
    everyone = plan.resolve(parse_fault({"kind": "withhold", "facility": "trace-ca"}))[0]
    assert everyone == {SESSION_ID, OTHER_ID}
    ports = plan.resolve(parse_fault({"kind": "failover", "facility": "trace-ts"}))[1]
    assert ports == ("trace-ts",)


# -- message faults -------------------------------------------------------------------------------


def test_the_nth_message_is_counted_per_session_and_by_type() -> None:
    plan, fault = plan_with(kind="withhold", on_message=2)
    assert fault.status is FaultStatus.ARMED
    assert write(plan, msg_type="0") is None  # heartbeats are not acknowledgements
    assert write(plan) is None  # ACME's 1st
    assert write(plan, OTHER_ID) is None  # BETA's 1st
    assert write(plan) == OutboundFault(withhold=True)  # ACME's 2nd
    assert fault.status is FaultStatus.ACTIVE
    assert write(plan) is None  # once (times defaults to 1)
    assert write(plan, OTHER_ID) == OutboundFault(withhold=True)  # BETA's own 2nd
    assert fault.status is FaultStatus.DONE and not plan.has_live
    assert fault.applied == 2


def test_times_and_msg_type_bound_a_message_fault() -> None:
    plan, fault = plan_with(kind="duplicate", msg_type="AR", on_message=1, times=2)
    assert write(plan) is None  # an AE does not match
    assert write(plan, msg_type="AR") == OutboundFault(duplicate=True)
    assert write(plan, msg_type="AR") == OutboundFault(duplicate=True)
    assert write(plan, msg_type="AR") is None
    assert fault.applied == 2


def test_a_time_window_fault_applies_from_its_instant_to_its_end() -> None:
    start = T0 + MINUTE
    plan, fault = plan_with(kind="delay", delay="30s", at_ns=start, duration="10s")
    assert fault.status is FaultStatus.ARMED and plan.next_deadline_ns() == start
    assert write(plan, now=start - 1) is None
    assert plan.poll(start) == []
    assert fault.status is FaultStatus.ACTIVE and plan.next_deadline_ns() == start + 10 * SECOND
    assert write(plan, now=start) == OutboundFault(hold_until_ns=start + 30 * SECOND)
    assert write(plan, now=start + 10 * SECOND - 1) is not None
    assert write(plan, now=start + 10 * SECOND) is None  # the window is half-open
    assert fault.status is FaultStatus.DONE and plan.next_deadline_ns() is None
    kinds = [e.detail.split(": ", 1)[1].split(" ")[0] for e in plan.events]
    assert kinds == ["armed:", "started", "35=AE", "35=AE", "ended"]


def test_two_delays_hold_until_the_later_release() -> None:
    plan = FaultPlan(REFS)
    plan.add(parse_fault({"kind": "delay", "delay": "1s"}), T0)
    plan.add(parse_fault({"kind": "delay", "delay": "5s", "msg_type": "AE"}), T0)
    assert write(plan) == OutboundFault(hold_until_ns=T0 + 5 * SECOND)
    assert write(plan, msg_type="AR") == OutboundFault(hold_until_ns=T0 + SECOND)


def test_garble_replaces_the_bytes_deterministically() -> None:
    plan, _ = plan_with(kind="garble", mode="checksum")
    first = write(plan)
    again, _ = plan_with(kind="garble", mode="checksum")
    assert first is not None and first.replacement is not None and first.replacement != RAW
    assert first == write(again)
    plan, _ = plan_with(kind="garble", mode="bytes")
    result = write(plan)
    assert result is not None and result.replacement not in (None, RAW)
    assert GarbleMode.BYTES.value in plan.events[-1].detail


def test_a_fault_fired_on_a_message_lasts_its_duration_from_that_message() -> None:
    plan, fault = plan_with(kind="withhold", on_message=2, duration="1s", times=100)
    write(plan, now=T0)
    assert write(plan, now=T0 + 5) == OutboundFault(withhold=True)  # fired here
    assert write(plan, now=T0 + 5 + SECOND - 1) == OutboundFault(withhold=True)
    assert write(plan, now=T0 + 5 + SECOND) is None
    assert fault.fired == {SESSION_ID: T0 + 5}


# -- disconnects, gaps, silence -------------------------------------------------------------------


def test_disconnect_after_the_nth_acknowledgement_with_and_without_logout() -> None:
    plan, _ = plan_with(kind="disconnect", session=SESSION_ID, on_message=3, logout=True, text="x")
    assert write(plan) is None and write(plan) is None
    decided = write(plan, seq=9)
    assert decided is not None and decided.close and decided.logout
    assert decided.logout_text == "x" and "3rd 35=AE (seq 9)" in decided.reason
    assert write(plan) is None  # once per session
    plan, _ = plan_with(kind="disconnect", on_message=1)
    decided = write(plan)
    assert decided is not None and decided.close and not decided.logout


def test_disconnect_as_the_nth_inbound_message_arrives() -> None:
    plan, fault = plan_with(kind="disconnect", on_message=2, direction="inbound", msg_type="AE")
    assert write(plan) is None and write(plan) is None  # outbound messages do not count
    assert plan.on_inbound(SESSION_ID, "0", T0) is None
    assert plan.on_inbound(SESSION_ID, "AE", T0) is None
    reason = plan.on_inbound(SESSION_ID, "AE", T0)
    assert reason is not None and "2nd inbound 35=AE" in reason
    assert plan.on_inbound(SESSION_ID, "AE", T0) is None
    assert fault.fired == {SESSION_ID: T0}


def test_a_disconnect_now_or_at_an_instant_is_an_action_on_every_session_in_scope() -> None:
    plan, fault = plan_with(kind="disconnect", logout=True, text="maintenance")
    assert plan.poll(T0) == [
        Disconnect(fault.fault_id, (SESSION_ID, OTHER_ID), True, "maintenance")
    ]
    assert fault.status is FaultStatus.DONE
    later = T0 + MINUTE
    plan, fault = plan_with(kind="disconnect", firm="BETA", at_ns=later)
    assert plan.poll(later - 1) == []
    (action,) = plan.poll(later)
    assert action == Disconnect(fault.fault_id, (OTHER_ID,), False, action.text)
    assert plan.poll(later + 1) == []


def test_sequence_gap_before_the_nth_message_or_at_an_instant() -> None:
    plan, _ = plan_with(kind="sequence-gap", gap=5, on_message=2)
    assert plan.before_send(SESSION_ID, "AE", T0, live=True) is None
    assert plan.before_send(SESSION_ID, "AE", T0, live=False) is None  # stored, not sent: uncounted
    assert plan.before_send(SESSION_ID, "0", T0, live=True) is None
    assert plan.before_send(SESSION_ID, "AE", T0, live=True) == SendPlan(skip=5)
    assert plan.before_send(SESSION_ID, "AE", T0, live=True) is None
    plan, fault = plan_with(kind="sequence-gap", gap=3, session=SESSION_ID)
    assert plan.poll(T0) == [SkipSequence(fault.fault_id, (SESSION_ID,), 3)]


def test_silence_leaves_out_heartbeats_and_test_requests_only() -> None:
    plan, _ = plan_with(kind="silence", duration="2m")
    assert plan.before_send(SESSION_ID, "0", T0, True) == SendPlan(suppress=True)
    assert plan.before_send(SESSION_ID, "1", T0, True) == SendPlan(suppress=True)
    assert plan.before_send(SESSION_ID, "AE", T0, True) is None
    assert plan.before_send(SESSION_ID, "5", T0, True) is None
    assert plan.before_send(SESSION_ID, "0", T0 + 2 * MINUTE, True) is None
    assert [e.detail for e in plan.events if "not sent" in e.detail] == [
        "fault 1: Heartbeat not sent",
        "fault 1: TestRequest not sent",
    ]


def test_silence_after_the_nth_acknowledgement_starts_for_that_session_only() -> None:
    plan, _ = plan_with(kind="silence", on_message=1)
    assert plan.before_send(SESSION_ID, "0", T0, True) is None
    assert write(plan) is None  # the 1st acknowledgement goes out, then silence
    assert plan.before_send(SESSION_ID, "0", T0, True) == SendPlan(suppress=True)
    assert plan.before_send(OTHER_ID, "0", T0, True) is None


# -- throttle, outage, failover ---------------------------------------------------------------


def test_throttle_counts_a_sliding_simulated_second() -> None:
    plan, fault = plan_with(kind="throttle", rate=2, session=SESSION_ID)
    assert plan.throttle(SESSION_ID, "AE", T0) is None
    assert plan.throttle(SESSION_ID, "AE", T0 + 500 * MILLISECOND) is None
    refused = plan.throttle(SESSION_ID, "AE", T0 + 999 * MILLISECOND)
    assert refused is not None and refused.action is ThrottleAction.REJECT
    assert "at most 2 messages per second" in refused.text
    assert plan.throttle(SESSION_ID, "0", T0 + 999 * MILLISECOND) is None  # admin: not counted
    assert plan.throttle(OTHER_ID, "AE", T0 + 999 * MILLISECOND) is None  # not in scope
    # the first message leaves the window exactly one second after it arrived
    assert plan.throttle(SESSION_ID, "AE", T0 + SECOND) is None
    assert plan.throttle(SESSION_ID, "AE", T0 + SECOND + 1) is not None
    assert fault.applied == 2


def test_throttle_can_log_the_firm_out_instead() -> None:
    plan, _ = plan_with(kind="throttle", rate=1, on_exceed="disconnect", text="slow down")
    assert plan.throttle(SESSION_ID, "AE", T0) is None
    decided = plan.throttle(SESSION_ID, "AE", T0)
    assert decided is not None and decided.action is ThrottleAction.DISCONNECT
    assert decided.text == "slow down"


def test_an_outage_window_to_the_nanosecond_and_per_facility() -> None:
    start = T0 + MINUTE
    plan, fault = plan_with(kind="outage", facility="trace-ca", at_ns=start, duration="15m")
    assert plan.unavailable(FacilityId.TRACE_CA, start - 1) is None
    assert plan.unavailable(FacilityId.TRACE_CA, start) is fault
    assert plan.unavailable(FacilityId.TRACE_TS, start) is None
    assert plan.unavailable(FacilityId.TRACE_CA, start + 15 * MINUTE - 1) is fault
    assert plan.unavailable(FacilityId.TRACE_CA, start + 15 * MINUTE) is None
    everywhere, _ = plan_with(kind="outage")
    assert everywhere.unavailable(FacilityId.TRACE_TS, T0) is not None


def test_failover_takes_the_port_down_and_brings_it_back() -> None:
    plan, fault = plan_with(kind="failover", port="trace-ca", duration="5m")
    assert plan.poll(T0) == [PortDown(fault.fault_id, ("trace-ca",))]
    assert plan.poll(T0 + 5 * MINUTE) == [PortUp(fault.fault_id, ("trace-ca",))]
    plan, fault = plan_with(kind="failover", port="trace-ca")
    plan.poll(T0)
    plan.cancel(fault.fault_id, T0 + 1)
    assert plan.poll(T0 + 1) == [PortUp(fault.fault_id, ("trace-ca",))]
    assert fault.status is FaultStatus.CANCELLED and fault.ended_ns == T0 + 1


# -- lifecycle and records ------------------------------------------------------------------------


def test_cancel_and_clear_stop_every_effect() -> None:
    plan = FaultPlan(REFS, PORTS)
    first = plan.add(parse_fault({"kind": "withhold"}), T0)
    plan.add(parse_fault({"kind": "silence"}), T0)
    assert plan.has_live and write(plan) is not None
    assert plan.cancel(first.fault_id, T0) is first and write(plan) is None
    assert plan.cancel(999, T0) is None
    assert len(plan.clear(T0)) == 1 and not plan.has_live
    assert plan.before_send(SESSION_ID, "0", T0, True) is None
    assert [f.status for f in plan.listing()] == [FaultStatus.CANCELLED] * 2
    assert plan.listing(FaultStatus.ACTIVE) == []


def test_every_decision_is_recorded_with_its_scope() -> None:
    recorded: list[Any] = []
    plan = FaultPlan(REFS, PORTS, recorder=recorded.append)
    plan.add(parse_fault({"kind": "withhold", "session": SESSION_ID}), T0)
    write(plan, seq=4)
    assert plan.events == []  # they went to the recorder
    assert [(e.scope, e.kind) for e in recorded] == [(f"session:{SESSION_ID}", "withhold")] * 3
    assert recorded[-1].detail == "fault 1: 35=AE seq 4 stored, not sent"


def test_a_past_instant_starts_at_once_and_an_elapsed_window_is_already_over() -> None:
    plan, fault = plan_with(kind="silence", at_ns=T0 - MINUTE, duration="30s")
    assert fault.status is FaultStatus.DONE and fault.started_ns == T0 - MINUTE
    plan, fault = plan_with(kind="silence", at_ns=T0 - MINUTE, duration="2m")
    assert fault.status is FaultStatus.ACTIVE and plan.next_deadline_ns() == T0 + MINUTE


def test_the_description_a_person_reads() -> None:
    _, fault = plan_with(kind="disconnect", port="trace-ca", on_message=3, logout=True)
    body = fault.to_json()
    assert body["description"] == (
        "disconnect with Logout at port trace-ca, on the 3rd matching outbound message"
    )
    assert body["status"] == "armed" and body["sessions"] == [SESSION_ID, OTHER_ID]
    assert body["spec"]["on_message"] == 3


def test_a_long_run_keeps_the_listing_bounded_but_every_live_fault() -> None:
    plan = FaultPlan(REFS, PORTS)
    live = plan.add(parse_fault({"kind": "silence"}), T0)
    for _ in range(MAX_KEPT + 10):
        plan.add(parse_fault({"kind": "disconnect"}), T0)  # done at once
    assert len(plan.faults) <= MAX_KEPT
    assert plan.get(live.fault_id) is live and live.status is FaultStatus.ACTIVE
    newest = max(plan.faults)
    assert plan.get(newest) is not None and plan.get(2) is None
