"""Fault steps: rehearse what goes wrong -- dropped connections, late, lost, doubled or garbled
acknowledgements, a silent facility, an outage, a failover, a throttle -- repeatable to the message.

Each ``Given``/``When`` arms a fault on the running simulator (in-process: its fault runtime;
remote: ``POST /faults`` on the control API), scoped to the session of the firm the scenario
logged on (``Given ACMEFIX is logged on to trace-ca``) or to the facility it names. "The Nth
acknowledgement" counts the facility's 35=AE messages on that session from the moment the fault
is armed. The ``Then`` steps look at what the firm's engine received and at the journal, where
every injected fault is recorded (``docs/faults.md``).

Time only moves when a step moves it: a delayed acknowledgement arrives when "30 seconds pass".
Waiting for something that happens on the simulator's loop (a connection closing, a resent
acknowledgement) is bounded by a few seconds of real time as a safety net, never a sleep.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import parse
from pytest_bdd import given, parsers, then, when

from simulator.harness.controller import HarnessError, SimHarness
from simulator.runtime import Endpoint
from steps._types import TYPES

WAIT = 5.0


@parse.with_pattern(r"\d+(?:st|nd|rd|th)")
def _ordinal(text: str) -> int:
    return int(text[:-2])


FAULT_TYPES: dict[str, Any] = {**TYPES, "Ordinal": _ordinal}


def _fmt(text: str) -> Any:
    return parsers.cfparse(text, extra_types=FAULT_TYPES)


# -- helpers ---------------------------------------------------------------------------------------


def _client(sim: SimHarness) -> Any:
    client = sim.data.get("fix")
    if client is None:
        raise HarnessError('no FIX session: start with "Given <firm> is logged on to <port>"')
    return client


def _scope(sim: SimHarness) -> dict[str, str]:
    """The facility-side session of the scenario's firm: its primary port and CompID."""
    client = _client(sim)
    endpoint = client.endpoint
    port = endpoint.details.get("primary") or endpoint.name
    return {"port": port, "firm": client.firm_comp_id}


def arm(sim: SimHarness, spec: dict[str, Any]) -> dict[str, Any]:
    """Arm a fault on the simulator and return it as the control API describes it."""
    control = getattr(sim, "control", None)
    if control is not None:
        answer: dict[str, Any] = control.post("/faults", spec)
    else:
        from simulator.faults.spec import parse_fault

        runtime = sim.service("faults")  # type: ignore[attr-defined]
        fault = sim.loop.run(runtime.add(parse_fault(spec), source="step"))
        answer = sim.loop.call(runtime.describe, fault)
    sim.record("fault", "facility", f"fault {answer['id']}: {answer['description']}")
    sim.data.setdefault("faults", []).append(answer)
    return answer


def cancel(sim: SimHarness, fault_id: int) -> None:
    control = getattr(sim, "control", None)
    if control is not None:
        control.request("DELETE", f"/faults/{fault_id}")
    else:
        runtime = sim.service("faults")  # type: ignore[attr-defined]
        sim.loop.call(runtime.cancel, fault_id)
    sim.record("fault", "facility", f"fault {fault_id} cancelled")


def journal_faults(sim: SimHarness, kind: str | None = None) -> list[dict[str, Any]]:
    """The journal's fault records (as ``GET /journal/faults`` gives them)."""
    control = getattr(sim, "control", None)
    if control is not None:
        answer = control.get("/journal/faults", kind=kind)
        return list(answer.get("faults", []))
    journal = sim.journal  # type: ignore[attr-defined]
    return [record.to_json() for record in journal.faults(kind=kind)]


def _until(what: str, predicate: Any, timeout: float = WAIT) -> Any:
    """Poll ``predicate`` (real time, bounded) until it returns something true."""
    deadline = time.monotonic() + timeout
    while True:
        found = predicate()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s of real time waiting for {what}")
        time.sleep(0.005)


def _drain(sim: SimHarness) -> None:
    """Move what the firm's engine received into the scenario's records (loop thread)."""
    firm = _client(sim)
    client = firm.client
    if client is None:
        return
    inbox = sim.data.setdefault("inbox", [])
    events = sim.data.setdefault("events", [])

    def take() -> None:
        while not client.messages.empty():
            inbox.append(client.messages.get_nowait())
        while not client.admin.empty():
            sim.data.setdefault("admin", []).append(client.admin.get_nowait())
        while not client.events.empty():
            events.append(client.events.get_nowait())

    if sim.loop.running:
        sim.loop.call(take)


def _accepted(message: Any) -> bool:
    return bool(message.msg_type == "AE" and message.get(939, "0") == "0")


def _acks(sim: SimHarness) -> list[Any]:
    """Every acknowledgement the firm received: answers read by earlier steps, then the rest."""
    _drain(sim)
    firm = _client(sim)
    earlier = [a for a in firm.received if a.accepted]
    return earlier + [m for m in sim.data.get("inbox", []) if _accepted(m)]


def _events(sim: SimHarness, kind: str) -> list[Any]:
    """The firm engine's session events of one kind (``ResendRequested``, ``Ignored``, ...)."""
    _drain(sim)
    seen = [*getattr(_client(sim), "_events", []), *sim.data.get("events", [])]
    return [e for e in seen if type(e).__name__ == kind]


def _closed(sim: SimHarness) -> bool:
    client = _client(sim).client
    return client is None or client.handler is None or client.handler.done.is_set()


def _endpoint(item: dict[str, Any], primary: Endpoint) -> Endpoint:
    details = {**primary.details, "role": "secondary", "primary": str(item["primary"])}
    return Endpoint("fix", str(item["name"]), "fix", str(item["host"]), int(item["port"]), details)


# -- arming faults ----------------------------------------------------------------------------------


@given(_fmt("the facility drops the connection after the {n:Ordinal} acknowledgement"))
def drop_after_ack(sim: SimHarness, n: int) -> None:
    """Close the firm's connection, without a Logout, right after the Nth acknowledgement
    (35=AE) the facility sends it; what follows is stored and recovered after the reconnect.

    Example: Given the facility drops the connection after the 3rd acknowledgement
    """
    arm(sim, {"kind": "disconnect", **_scope(sim), "msg_type": "AE", "on_message": n})


@given(_fmt('the facility logs the firm out after the {n:Ordinal} acknowledgement saying "{text}"'))
def logout_after_ack(sim: SimHarness, n: int, text: str) -> None:
    """Send a Logout with this text right after the Nth acknowledgement, then disconnect.

    Example: Given the facility logs the firm out after the 2nd acknowledgement saying "System going down"
    """
    spec = {"kind": "disconnect", **_scope(sim), "msg_type": "AE", "on_message": n}
    arm(sim, {**spec, "logout": True, "text": text})


@given(_fmt("the facility drops the connection when the {n:Ordinal} report arrives"))
def drop_on_report(sim: SimHarness, n: int) -> None:
    """Drop the connection as the firm's Nth trade report reaches the facility: that report and
    everything behind it on the wire is lost, so the firm must resend it after logging on again.

    Example: Given the facility drops the connection when the 3rd report arrives
    """
    spec = {"kind": "disconnect", **_scope(sim), "msg_type": "AE", "on_message": n}
    arm(sim, {**spec, "direction": "inbound"})


@given("the facility goes silent")
def goes_silent(sim: SimHarness) -> None:
    """Stop the facility's Heartbeats and TestRequests on the firm's session (acknowledgements
    still flow), until the faults are cleared.

    Example: Given the facility goes silent
    """
    arm(sim, {"kind": "silence", **_scope(sim)})


@given(_fmt("the facility delays acknowledgements by {duration:Duration}"))
def delays_acks(sim: SimHarness, duration: int) -> None:
    """Hold every acknowledgement (and whatever follows it) for a simulated duration.

    Example: Given the facility delays acknowledgements by 30 seconds
    """
    arm(sim, {"kind": "delay", **_scope(sim), "msg_type": "AE", "delay_ns": duration})


@given(_fmt("the facility withholds the {n:Ordinal} acknowledgement"))
def withholds_ack(sim: SimHarness, n: int) -> None:
    """Store the Nth acknowledgement but never send it: the firm sees the gap at the next message
    and must recover it with a ResendRequest.

    Example: Given the facility withholds the 1st acknowledgement
    """
    arm(sim, {"kind": "withhold", **_scope(sim), "msg_type": "AE", "on_message": n})


@given(_fmt("the facility sends the {n:Ordinal} acknowledgement twice"))
def duplicates_ack(sim: SimHarness, n: int) -> None:
    """Send the Nth acknowledgement, then again as a possible duplicate (43=Y, 122 set).

    Example: Given the facility sends the 1st acknowledgement twice
    """
    arm(sim, {"kind": "duplicate", **_scope(sim), "msg_type": "AE", "on_message": n})


@given(_fmt("the facility garbles the {n:Ordinal} acknowledgement"))
def garbles_ack(sim: SimHarness, n: int) -> None:
    """Send the Nth acknowledgement with a wrong CheckSum: the firm must ignore it and recover the
    message by ResendRequest when the gap shows.

    Example: Given the facility garbles the 1st acknowledgement
    """
    arm(sim, {"kind": "garble", **_scope(sim), "msg_type": "AE", "on_message": n})


@given(_fmt("the facility skips {count:d} sequence numbers before the {n:Ordinal} acknowledgement"))
def gap_before_ack(sim: SimHarness, count: int, n: int) -> None:
    """Number the Nth acknowledgement ``count`` higher than it should be: the firm asks for a
    resend and the facility fills the gap with a SequenceReset-GapFill.

    Example: Given the facility skips 5 sequence numbers before the 2nd acknowledgement
    """
    spec = {"kind": "sequence-gap", **_scope(sim), "msg_type": "AE", "on_message": n}
    arm(sim, {**spec, "gap": count})


@given(_fmt("{facility:Facility} is unavailable from {start:Instant} to {end:Instant}"))
def outage_window(sim: SimHarness, facility: str, start: int, end: int) -> None:
    """An outage window (half-open): every report in it is refused with the facility's own
    "temporarily not available" reject (TRACE 4069).

    Example: Given trace-ca is unavailable from 2021-11-15 10:00 ET to 2021-11-15 10:15 ET
    """
    arm(sim, {"kind": "outage", "facility": facility, "at_ns": start, "until_ns": end})


@given(_fmt("the facility throttles the session to {rate:d} messages per second"))
def throttles(sim: SimHarness, rate: int) -> None:
    """At most ``rate`` application messages per second of simulated time; the next one in the
    same second is rejected (35=j 380=0 "Throttle limit exceeded").

    Example: Given the facility throttles the session to 2 messages per second
    """
    arm(sim, {"kind": "throttle", **_scope(sim), "rate": rate})


@given(_fmt("the facility logs out a session that exceeds {rate:d} messages per second"))
def throttle_logout(sim: SimHarness, rate: int) -> None:
    """A throttle whose excess is answered with a Logout and a disconnect.

    Example: Given the facility logs out a session that exceeds 2 messages per second
    """
    arm(sim, {"kind": "throttle", **_scope(sim), "rate": rate, "on_exceed": "disconnect"})


# -- acting -----------------------------------------------------------------------------------------


@when("the facility drops the connection")
def drop_now(sim: SimHarness) -> None:
    """Drop the firm's connection now, without a Logout.

    Example: When the facility drops the connection
    """
    arm(sim, {"kind": "disconnect", **_scope(sim)})
    _until("the connection to close", lambda: _closed(sim))


@when(_fmt('the facility logs the firm out saying "{text}"'))
def logout_now(sim: SimHarness, text: str) -> None:
    """Send the firm a Logout with this text now, then disconnect.

    Example: When the facility logs the firm out saying "End of day maintenance"
    """
    arm(sim, {"kind": "disconnect", **_scope(sim), "logout": True, "text": text})
    _until("the connection to close", lambda: _closed(sim))


@when(_fmt("the firm sends {count:d} reports without waiting for answers"))
def pipeline(sim: SimHarness, count: int) -> None:
    """Send several new trade reports back to back (executed a second ago), as an engine
    pipelining a burst does; the answers are read by later steps.

    Example: When the firm sends 5 reports without waiting for answers
    """
    from simulator.harness.adapter import TradeRequest
    from simulator.harness.fix_messages import trade_message

    firm = _client(sim)
    if firm.client is None or _closed(sim):
        raise HarnessError("the firm is not connected; log on again first")
    messages = []
    for _ in range(count):
        number = sim.data["trades"] = sim.data.get("trades", 0) + 1
        trade = TradeRequest(
            facility=firm.facility,
            mpid=sim.data.get("mpid", "ACME"),
            side="S",
            symbol="037833100" if firm.trace_product else "AAPL",
            quantity=Decimal(100),
            price=Decimal("10.25"),
            executed_ns=sim.now_ns() - 1_000_000_000,
            client_ref=f"T{number}",
        )
        digits = firm.digits(sim.now_ns())
        messages.append(trade_message(trade, trace=firm.trace_product, digits=digits))
    client = firm.client

    def send_all() -> None:
        for message in messages:
            client.send(message)

    sim.loop.call(send_all)
    sim.data.setdefault("sent_refs", []).extend(m.get(571) for m in messages)
    sim.record("fix-out", firm.firm_comp_id, f"{count} reports pipelined")


@when(_fmt("the primary {port:Facility} port fails over to the secondary"))
def fails_over(sim: SimHarness, port: str) -> None:
    """The primary port goes down (connections dropped, new ones closed at once); its hot-hot
    secondary keeps serving the same sessions from the shared store.

    Example: When the primary trace-ca port fails over to the secondary
    """
    fault = arm(sim, {"kind": "failover", "port": port})
    sim.data["failover"] = fault
    if sim.data.get("fix") is not None:
        _until("the firm's connection to drop", lambda: _closed(sim))


@when("the firm logs on to the secondary port")
def logon_secondary(sim: SimHarness) -> None:
    """Reconnect the firm's engine to the secondary port with the same session (no sequence
    reset), as an engine configured with both addresses does.

    Example: When the firm logs on to the secondary port
    """
    firm = _client(sim)
    fault = sim.data.get("failover")
    if fault is None or not fault.get("secondary"):
        raise HarnessError('no failover: start with "When the primary <port> port fails over"')
    _drain(sim)
    secondary = _endpoint(fault["secondary"][0], firm.endpoint)
    session = firm.session
    firm.close()

    async def logon() -> Any:
        from simulator.fix.transport import FixClient

        client = await FixClient.connect(secondary.host, secondary.port, session, sim.firm_clock)
        await client.logon(timeout=WAIT)
        return client

    firm.client = sim.loop.run(logon(), timeout=WAIT + 5)
    firm.endpoint = secondary
    sim.record("fix-out", firm.firm_comp_id, f"logged on to {secondary.name}")


@when("the primary port comes back")
def primary_back(sim: SimHarness) -> None:
    """End the failover: the primary port accepts connections again.

    Example: When the primary port comes back
    """
    fault = sim.data.get("failover")
    if fault is None:
        raise HarnessError("no failover to end")
    cancel(sim, int(fault["id"]))


@when("the firm logs on to the primary port again")
def logon_primary(sim: SimHarness) -> None:
    """Reconnect the firm's engine to its primary port with the same session.

    Example: When the firm logs on to the primary port again
    """
    firm = _client(sim)
    _drain(sim)
    firm.close()
    primary = firm.endpoint.details.get("primary")
    if primary:
        firm.endpoint = sim.endpoint(primary)
    firm.reconnect()


@when("every fault is cleared")
def clear_faults(sim: SimHarness) -> None:
    """Cancel every armed fault (their effects stop now).

    Example: When every fault is cleared
    """
    for fault in sim.data.get("faults", []):
        cancel(sim, int(fault["id"]))


# -- checking ----------------------------------------------------------------------------------------


@then("the firm's connection is dropped without a Logout")
def dropped_without_logout(sim: SimHarness) -> None:
    """Check that the facility closed the connection and sent no Logout first.

    Example: Then the firm's connection is dropped without a Logout
    """
    _until("the facility to close the connection", lambda: _closed(sim))
    logouts = [e.text for e in _events(sim, "LoggedOut")]
    assert not logouts, f"the facility sent a Logout: {logouts}"


@then(_fmt('the firm is logged out with "{text}"'))
def logged_out_with(sim: SimHarness, text: str) -> None:
    """Check that the facility sent a Logout whose text contains this, and closed.

    Example: Then the firm is logged out with "System going down"
    """
    _until("the facility to close the connection", lambda: _closed(sim))
    texts = [e.text or "" for e in _events(sim, "LoggedOut")]
    assert any(text.lower() in t.lower() for t in texts), f"the Logouts said {texts or 'nothing'}"


@then(_fmt("the firm has received {count:d} acknowledgements"))
def acks_received(sim: SimHarness, count: int) -> None:
    """Check how many distinct reports the firm holds an acknowledgement for (a possible
    duplicate of one it already has does not count twice).

    Example: Then the firm has received 3 acknowledgements
    """

    def enough() -> set[str] | None:
        refs = {a_ref(a) for a in _acks(sim)}
        return refs if len(refs) >= count else None

    refs = _until(f"{count} acknowledgements", enough)
    assert len(refs) == count, f"the firm holds acknowledgements for {sorted(refs)}"


def a_ref(ack: Any) -> str:
    """The firm's report id of an acknowledgement (an Acknowledgement or a raw message)."""
    client_ref = getattr(ack, "client_ref", None)
    if client_ref is not None:
        return str(client_ref)
    return str(ack.get(572) or ack.get(571))


@then("every report the firm sent is acknowledged exactly once")
def each_acked_once(sim: SimHarness) -> None:
    """Check that each pipelined report has exactly one first-hand acknowledgement or one
    recovered by resend, and nothing else (the journal agrees).

    Example: Then every report the firm sent is acknowledged exactly once
    """
    sent = sim.data.get("sent_refs", [])
    assert sent, "the firm sent no reports"
    _until(
        "an acknowledgement of every report",
        lambda: set(sent) <= {a_ref(a) for a in _acks(sim)},
    )
    journaled = sim.journal_refs()
    doubled = sorted({ref for ref in sent if journaled.count(ref) != 1})
    assert not doubled, f"not exactly once in the journal: {doubled}"


@then("the firm recovers the acknowledgement by a resend request")
def recovered_by_resend(sim: SimHarness) -> None:
    """Check that the firm asked for a resend and received the acknowledgement again marked as a
    possible duplicate (43=Y, OrigSendingTime 122).

    Example: Then the firm recovers the acknowledgement by a resend request
    """
    _until("a resent acknowledgement", lambda: [a for a in _acks(sim) if _poss_dup(a)])
    assert _events(sim, "ResendRequested"), "the firm never asked for a resend"


def _poss_dup(ack: Any) -> bool:
    return hasattr(ack, "get") and ack.get(43) == "Y" and ack.get(122) is not None


@then("the firm ignores the possible duplicate")
def ignores_duplicate(sim: SimHarness) -> None:
    """Check that the firm's engine received a possible duplicate of a message it already had
    and ignored it (FIX test case 2e).

    Example: Then the firm ignores the possible duplicate
    """
    _until(
        "a duplicate to be ignored",
        lambda: [e for e in _events(sim, "Ignored") if "duplicate" in e.reason],
    )


@then("the firm ignores the garbled message and asks for a resend")
def ignores_garbled(sim: SimHarness) -> None:
    """Check that the firm dropped a message whose CheckSum was wrong (not counted, FIX test case
    3b) and then asked for what it missed.

    Example: Then the firm ignores the garbled message and asks for a resend
    """
    _until(
        "the garbled message to be ignored",
        lambda: [e for e in _events(sim, "Ignored") if "checksum" in e.reason.lower()],
    )
    _until("a resend request", lambda: _events(sim, "ResendRequested"))


@then("the facility fills the gap with a sequence reset")
def gap_filled(sim: SimHarness) -> None:
    """Check that the firm asked for the missing numbers and the facility answered with a
    SequenceReset-GapFill (35=4 123=Y) that moved the firm's expected number on.

    Example: Then the facility fills the gap with a sequence reset
    """
    _until("a resend request", lambda: _events(sim, "ResendRequested"))
    changes = _until(
        "a gap fill", lambda: [e for e in _events(sim, "SequenceChanged") if e.gap_fill]
    )
    assert changes[0].new > changes[0].old


@then("the acknowledgement has not arrived yet")
def not_yet(sim: SimHarness) -> None:
    """Check that the facility is holding the acknowledgement (its journal says so) and the firm
    has not received it.

    Example: Then the acknowledgement has not arrived yet
    """
    _until(
        "the facility to hold the acknowledgement",
        lambda: [r for r in journal_faults(sim, "delay") if "held for" in r["detail"]],
    )
    assert [a for a in _acks(sim)] == [], "an acknowledgement arrived"


@then("no heartbeat comes from the silent facility")
def no_heartbeat(sim: SimHarness) -> None:
    """Check that a Heartbeat fell due and the facility left it out (journaled), and that the
    firm received none.

    Example: Then no heartbeat comes from the silent facility
    """
    _until(
        "the facility to leave out a heartbeat",
        lambda: [r for r in journal_faults(sim, "silence") if "not sent" in r["detail"]],
    )
    _drain(sim)
    heartbeats = [m for m in sim.data.get("admin", []) if m.msg_type == "0"]
    assert not heartbeats, f"the facility sent {len(heartbeats)} heartbeat(s)"


@then("the firm's engine gives up on the silent facility")
def engine_gives_up(sim: SimHarness) -> None:
    """Let simulated time pass, a heartbeat interval at a time, until the firm's engine has sent
    a TestRequest that went unanswered and closed the connection (at most five intervals).

    Example: Then the firm's engine gives up on the silent facility
    """
    firm = _client(sim)
    session = firm.session
    interval = session.heartbeat_ns
    for _ in range(5):
        if _closed(sim):
            break
        sim.advance(interval)
        _until("the firm's engine to act on the time", lambda: _acted(sim, session))
    closing = [e.reason for e in _events(sim, "Closing")]
    assert _closed(sim), "the firm's engine is still waiting for the facility"
    assert any("TestRequest not answered" in r for r in closing), f"it closed because {closing}"


def _acted(sim: SimHarness, session: Any) -> bool:
    if _closed(sim):
        return True
    deadline = sim.loop.call(session.next_deadline_ns)
    return deadline is None or deadline > sim.now_ns()


@then(_fmt("the journal records the {kind} fault"))
def journal_records(sim: SimHarness, kind: str) -> None:
    """Check that the journal recorded the fault acting (not only being armed).

    Example: Then the journal records the withhold fault
    """
    acted = _until(
        f"the journal to record the {kind} fault acting",
        lambda: [
            r
            for r in journal_faults(sim, kind)
            if not r["detail"].split(": ", 1)[1].startswith(("armed", "cancelled"))
        ],
    )
    sim.record("journal", "facility", f"{len(acted)} {kind} record(s): {acted[-1]['detail']}")


@then(_fmt("the firm's session continues at sequence number {seq:d}"))
def continues_at(sim: SimHarness, seq: int) -> None:
    """Check the next MsgSeqNum the firm's engine will send: numbers continued, not reset.

    Example: Then the firm's session continues at sequence number 5
    """
    actual = _client(sim).session.next_sender_seq
    assert actual == seq, f"the firm's next MsgSeqNum is {actual}"
