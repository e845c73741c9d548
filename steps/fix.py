"""FIX steps: timestamp precision per port and date, and firms talking FIX to the facilities.

Precision steps read the facility's profile at the facility clock's instant (ms before the
nanosecond dates, ns from 2021-11-15 on FINRA/Nasdaq TRF native FIX 4.2 ports, never on Legacy
TRF FIX 4.2 or CTCI, NTF from 2021-08-16; seed 002, facilities.md section 2). Port types are
``native-fix42``, ``legacy-fix42``, ``ctci``, ``fix44`` and ``web``; regions ``production`` and
``ntf``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pytest_bdd import given, parsers, then, when

from simulator.harness.controller import SimHarness
from steps._types import TYPES


@then(
    parsers.cfparse(
        "{facility:Facility} accepts up to {digits:d} fractional digits on its {port:Word} port "
        "in {region:Word}",
        extra_types=TYPES,
    )
)
def accepts_digits(sim: SimHarness, facility: str, digits: int, port: str, region: str) -> None:
    """Check the most fractional-second digits a port accepts at the facility clock's instant.

    Example: Then nasdaq-trf-carteret accepts up to 9 fractional digits on its native-fix42 port in production
    """
    inbound, _ = sim.precision(facility, port, region)
    assert inbound == digits, f"{facility} {port} in {region} accepts up to {inbound} digits"


@then(
    parsers.cfparse(
        "{facility:Facility} writes {digits:d} fractional digits on its {port:Word} port "
        "in {region:Word}",
        extra_types=TYPES,
    )
)
def writes_digits(sim: SimHarness, facility: str, digits: int, port: str, region: str) -> None:
    """Check how many fractional-second digits the facility writes in its outbound timestamps
    (acknowledgements, rejects, system-derived times) at the facility clock's instant.

    Example: Then nasdaq-trf-carteret writes 9 fractional digits on its native-fix42 port in production
    """
    _, outbound = sim.precision(facility, port, region)
    assert outbound == digits, f"{facility} {port} in {region} writes {outbound} digits"


# -- firms on FIX ---------------------------------------------------------------------------------

DEFAULT_SECURITY = {"trace": "037833100", "equity": "AAPL"}


def _client(sim: SimHarness) -> Any:
    client = sim.data.get("fix")
    assert client is not None, 'no FIX session: start with "Given <firm> is logged on to <port>"'
    return client


def _ack(sim: SimHarness) -> Any:
    ack = sim.data.get("ack")
    assert ack is not None, "the firm has received no answer yet"
    return ack


def _request(sim: SimHarness, executed_ns: int) -> Any:
    from simulator.harness.adapter import TradeRequest

    client = _client(sim)
    count = sim.data["trades"] = sim.data.get("trades", 0) + 1
    return TradeRequest(
        facility=client.facility,
        mpid=sim.data.get("mpid", "ACME"),
        side="S",
        symbol=DEFAULT_SECURITY["trace" if client.trace_product else "equity"],
        quantity=Decimal(100),
        price=Decimal("10.25"),
        executed_ns=executed_ns,
        client_ref=f"T{count}",
        contra_mpid=sim.data.get("contra"),
    )


def _send(sim: SimHarness, trade: Any, digits: int | None = None) -> None:
    from simulator.harness.fix_messages import trade_message

    client = _client(sim)
    if digits is None:
        sim.data["ack"] = client.report(trade)
    else:
        message = trade_message(trade, trace=client.trace_product, digits=digits)
        sim.data["ack"] = client.exchange(message, trade.client_ref)
    sim.data["last_trade"] = trade
    sim.data["last_ref"] = trade.client_ref


@given(parsers.cfparse("{firm:Word} is logged on to {port:Facility}", extra_types=TYPES))
def logged_on(sim: SimHarness, firm: str, port: str) -> None:
    """Log a firm (its CompID) on to a facility's FIX port over TCP. Ports are named after the
    facility (``trace-ca``, ``nasdaq-trf-carteret``), with ``-legacy``, ``-ntf`` or
    ``-dropcopy`` for the other ports of the default configuration.

    Example: Given ACMEFIX is logged on to nasdaq-trf-carteret
    """
    sim.data["fix"] = sim.fix_client(port, firm)


@given(parsers.cfparse("the firm reports under MPID {mpid:MPID}", extra_types=TYPES))
def reports_under(sim: SimHarness, mpid: str) -> None:
    """Choose the MPID the firm's next reports carry (default ``ACME``).

    Example: Given the firm reports under MPID ACMX
    """
    sim.data["mpid"] = mpid


@when(parsers.cfparse("the firm reports a trade executed at {instant:Instant}", extra_types=TYPES))
def fix_report_at(sim: SimHarness, instant: int) -> None:
    """Send a new trade report now, executed at an instant (100 shares or bonds at 10.25).

    Example: When the firm reports a trade executed at 2021-11-15 09:30:00.000000000 ET
    """
    _send(sim, _request(sim, instant))


@when(
    parsers.cfparse("the firm reports a trade executed {duration:Duration} ago", extra_types=TYPES)
)
def fix_report_ago(sim: SimHarness, duration: int) -> None:
    """Send a new trade report now, executed a given time before the facility clock.

    Example: When the firm reports a trade executed 10 seconds and 1 nanosecond ago
    """
    _send(sim, _request(sim, sim.now_ns() - duration))


@when(
    parsers.cfparse(
        "the firm reports a trade executed {duration:Duration} ago with {digits:d} fractional "
        "digits in TransactTime",
        extra_types=TYPES,
    )
)
def fix_report_digits(sim: SimHarness, duration: int, digits: int) -> None:
    """Send a report whose TransactTime (60) is written with 0, 3, 6 or 9 fractional digits,
    whatever the port accepts (to rehearse a precision refusal).

    Example: When the firm reports a trade executed 1 second ago with 9 fractional digits in TransactTime
    """
    _send(sim, _request(sim, sim.now_ns() - duration), digits)


@when("the firm cancels the report")
def fix_cancel(sim: SimHarness) -> None:
    """Cancel the last accepted report (by its control number and date).

    Example: When the firm cancels the report
    """
    trade = sim.data.get("last_trade")
    assert trade is not None, "the firm has reported nothing to cancel"
    sim.data["ack"] = _client(sim).cancel(trade)


@when(parsers.cfparse("the firm corrects the report's price to {price:Decimal}", extra_types=TYPES))
def fix_correct(sim: SimHarness, price: Decimal) -> None:
    """Correct the last accepted report's price (the facility issues a new control number).

    Example: When the firm corrects the report's price to 10.50
    """
    import dataclasses

    trade = sim.data.get("last_trade")
    assert trade is not None, "the firm has reported nothing to correct"
    sim.data["ack"] = _client(sim).correct(trade, price=price)
    sim.data["last_trade"] = dataclasses.replace(
        trade, client_ref=f"{trade.client_ref}R", price=price
    )
    sim.data["last_ref"] = f"{trade.client_ref}R"


@then(
    parsers.re(
        r"the facility (?P<verdict>accepts|rejects) (?:it|the report|the cancel|the correction)"
    )
)
def facility_verdict(sim: SimHarness, verdict: str) -> None:
    """Check that the last answer is an acknowledgement (``accepts``) or a reject (``rejects``).

    Example: Then the facility accepts the report
    """
    ack = _ack(sim)
    assert ack.accepted is (verdict == "accepts"), f"the facility answered {ack.raw}"


@then(parsers.cfparse("the acknowledgement carries modifier {letter:Word}", extra_types=TYPES))
def ack_modifier(sim: SimHarness, letter: str) -> None:
    """Check the modifier on the acknowledgement, by its industry letter (T, U, Z) or by the
    facility's own FIX code (e.g. Nasdaq TRF ``I``).

    Example: Then the acknowledgement carries modifier Z
    """
    ack = _ack(sim)
    assert letter in (ack.modifier, ack.facility_code), (
        f"the acknowledgement carries {ack.facility_code or 'no modifier'}: {ack.raw}"
    )


@then("the acknowledgement carries no modifier")
def ack_no_modifier(sim: SimHarness) -> None:
    """Check that the acknowledgement carries no timeliness modifier.

    Example: Then the acknowledgement carries no modifier
    """
    ack = _ack(sim)
    assert ack.facility_code is None, f"the acknowledgement carries {ack.facility_code}"


_TIMESTAMP_TAG = {"SendingTime": "52", "TransactTime": "60", "TransBkdTime": "483"}


def _check_digits(message: Any, name: str, digits: int) -> None:
    value = message.timestamps.get(_TIMESTAMP_TAG[name])
    assert value is not None, f"the message has no {name}: {message.raw}"
    found = len(value.partition(".")[2])
    assert found == digits, f"{name} is {value!r}: {found} fractional digits"


@then(
    parsers.re(
        r"the acknowledgement's (?P<name>SendingTime|TransactTime|TransBkdTime) has "
        r"(?P<digits>\d) fractional digits"
    ),
    converters={"digits": int},
)
def ack_digits(sim: SimHarness, name: str, digits: int) -> None:
    """Count the fractional-second digits of a timestamp in the last answer (52 SendingTime,
    60 TransactTime echoed, 483 TransBkdTime: the facility's receipt time, system-derived).

    Example: Then the acknowledgement's TransBkdTime has 9 fractional digits
    """
    _check_digits(_ack(sim), name, digits)


@then(parsers.cfparse('the reject says "{text}"'))
def reject_says(sim: SimHarness, text: str) -> None:
    """Check the text of the last reject (a part of it, any case).

    Example: Then the reject says "milliseconds"
    """
    ack = _ack(sim)
    assert not ack.accepted, f"the report was accepted: {ack.raw}"
    assert text.lower() in (ack.text or "").lower(), f"the reject says {ack.text!r}"


@then(parsers.cfparse("the reject code is {code:Word}", extra_types=TYPES))
def reject_code(sim: SimHarness, code: str) -> None:
    """Check the facility's reject reason code (751, e.g. TRACE ``018`` INVALID TIME).

    Example: Then the reject code is 018
    """
    ack = _ack(sim)
    assert not ack.accepted, f"the report was accepted: {ack.raw}"
    assert ack.details.get("reason") == code, f"the reject code is {ack.details.get('reason')!r}"


@when("the firm's connection drops without a Logout")
def connection_drops(sim: SimHarness) -> None:
    """Lose the TCP connection as a crashed engine would (no Logout sent).

    Example: When the firm's connection drops without a Logout
    """
    _client(sim).drop()


@when("the firm logs on again")
def logs_on_again(sim: SimHarness) -> None:
    """Reconnect with the same session: sequence numbers continue where they stopped.

    Example: When the firm logs on again
    """
    _client(sim).reconnect()


@then(parsers.cfparse("the firm's next outgoing sequence number is {seq:d}", extra_types=TYPES))
def next_sequence(sim: SimHarness, seq: int) -> None:
    """Check the firm session's next MsgSeqNum (it survives a reconnect).

    Example: Then the firm's next outgoing sequence number is 4
    """
    actual = _client(sim).session.next_sender_seq
    assert actual == seq, f"the next outgoing MsgSeqNum is {actual}"


@when(parsers.cfparse("the firm skips {count:d} sequence numbers", extra_types=TYPES))
def skips(sim: SimHarness, count: int) -> None:
    """Make the firm's next message jump ahead in MsgSeqNum, leaving a gap.

    Example: When the firm skips 3 sequence numbers
    """
    _client(sim).skip_sequence_numbers(count)


@then(parsers.cfparse("the facility asked for a resend from {begin:d}", extra_types=TYPES))
def resend_requested(sim: SimHarness, begin: int) -> None:
    """Check that the facility sent a ResendRequest (35=2) starting at a sequence number.

    Example: Then the facility asked for a resend from 3
    """
    starts = [first for first, _ in _client(sim).resends_served()]
    assert begin in starts, f"resend requests from: {starts or 'none'}"
    sim.record("fix-in", _client(sim).facility, f"ResendRequest from {begin}")


@then(
    parsers.cfparse(
        "a second connection as {firm:Word} to {port:Facility} is refused", extra_types=TYPES
    )
)
def duplicate_logon(sim: SimHarness, firm: str, port: str) -> None:
    """Check that a second session with the same CompIDs is refused while the first is up
    (TRACE FIX specification: "a second session with the same CompIDs in parallel is rejected").

    Example: Then a second connection as ACMEFIX to trace-ca is refused
    """
    from simulator.harness.controller import HarnessError

    try:
        sim.fix_client(port, firm)
    except HarnessError as exc:
        sim.record("fix-in", port, f"second logon refused: {exc}")
        return
    raise AssertionError(f"a second {firm} session on {port} was accepted")


@then(
    parsers.re(
        r"the acknowledgement's TransactTime is the execution time to the "
        r"(?P<unit>second|millisecond|microsecond|nanosecond)"
    )
)
def ack_transact_time(sim: SimHarness, unit: str) -> None:
    """Check that the acknowledgement echoes the trade's execution time, cut to a unit (the
    facility writes what it keeps: nanoseconds where the port carries them).

    Example: Then the acknowledgement's TransactTime is the execution time to the nanosecond
    """
    from simulator.timestamps import format_fix_timestamp

    digits = {"second": 0, "millisecond": 3, "microsecond": 6, "nanosecond": 9}[unit]
    trade = sim.data.get("last_trade")
    assert trade is not None, "the firm has reported nothing"
    expected = format_fix_timestamp(trade.executed_ns, digits)
    actual = _ack(sim).timestamps.get("60")
    assert actual == expected, f"TransactTime is {actual!r}, not {expected!r}"


# -- drop copy --------------------------------------------------------------------------------


@given(
    parsers.cfparse("the drop copy {firm:Word} is logged on to {port:Facility}", extra_types=TYPES)
)
def drop_copy_logged_on(sim: SimHarness, firm: str, port: str) -> None:
    """Log a drop-copy session on (``ACMEDC`` on ``nasdaq-trf-carteret-dropcopy`` in the default
    configuration): it receives a copy, with CopyMsgIndicator 797=Y, of every acknowledgement
    and reject its firm gets at that facility.

    Example: Given the drop copy ACMEDC is logged on to nasdaq-trf-carteret-dropcopy
    """
    sim.data["drop_copy"] = sim.fix_client(port, firm)


def _copy(sim: SimHarness) -> Any:
    copy = sim.data.get("copy")
    assert copy is not None, 'no drop copy read yet: "Then the drop copy receives ..."'
    return copy


@then("the drop copy receives a copy of the answer")
def drop_copy_receives(sim: SimHarness) -> None:
    """Read the drop-copy session's next message and check it copies the firm's last answer:
    same message type, client reference and control number, marked 797=Y.

    Example: Then the drop copy receives a copy of the answer
    """
    listener = sim.data.get("drop_copy")
    assert listener is not None, 'no drop copy: "Given the drop copy <firm> is logged on to ..."'
    copy = listener.next_message("drop copy")
    sim.data["copy"] = copy
    ack = _ack(sim)
    assert copy.details.get("copy") == "Y", f"797 is {copy.details.get('copy')!r}: {copy.raw}"
    same = (copy.details["msg_type"], copy.client_ref, copy.control_number)
    wanted = (ack.details["msg_type"], ack.client_ref, ack.control_number)
    assert same == wanted, f"the drop copy is {copy.raw}, the answer was {ack.raw}"


@then(
    parsers.re(
        r"the drop copy's (?P<name>SendingTime|TransactTime|TransBkdTime) has "
        r"(?P<digits>\d) fractional digits"
    ),
    converters={"digits": int},
)
def copy_digits(sim: SimHarness, name: str, digits: int) -> None:
    """Count the fractional-second digits of a timestamp in the last drop copy.

    Example: Then the drop copy's TransactTime has 9 fractional digits
    """
    _check_digits(_copy(sim), name, digits)
