"""The harness's firm-side FIX client: an initiator on the simulator's own sans-I/O session.

:class:`FirmFixClient` logs a firm on to one facility port (found by name among the simulator's
endpoints, in-process or remote), sends trade reports, cancels and corrections built by
:mod:`simulator.harness.fix_messages`, and reads each answer back as an
:class:`~simulator.harness.adapter.Acknowledgement`: accepted or rejected, the control number,
the modifier (decoded from the facility's own FIX code), the text, and every timestamp field as
written (so a scenario can count its digits). Every message sent and received is added to the
scenario's trace with ``|`` for SOH.

Its clock is the facility's: the in-process manual clock, or in remote mode a mirror the harness
moves whenever it moves the served clock, so SendingTime never trips the facility's latency check.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from simulator.fix.message import FixMessage
from simulator.harness.adapter import Acknowledgement, TradeRequest
from simulator.harness.controller import HarnessError, SimHarness
from simulator.harness.fix_messages import trade_message
from simulator.runtime import Endpoint
from simulator.timestamps import parse_fix_date

ANSWER_TIMEOUT = 5.0
_TIMESTAMP_TAGS = (52, 60, 122, 483, 22009)
_ids = itertools.count(1)


def _text(message: FixMessage) -> str:
    return "|".join(f"{tag}={value}" for tag, value in message.fields) + "|"


def _port(endpoint: Endpoint) -> tuple[str, str | None]:
    comp = endpoint.details.get("comp_id", "")
    target, _, sub = comp.partition("/")
    return target, sub or None


class FirmFixClient:
    """One firm logged on to one facility port."""

    def __init__(self, sim: SimHarness, endpoint: Endpoint, firm_comp_id: str) -> None:
        from simulator.facilities.profiles import get_profile

        self.sim = sim
        self.endpoint = endpoint
        self.firm_comp_id = firm_comp_id
        self.facility = endpoint.details.get("facility", endpoint.name)
        self.port_type = endpoint.details.get("port_type", "fix44")
        self.region = endpoint.details.get("region", "production")
        self.profile = get_profile(self.facility)
        self.trace_product = self.profile.is_trace
        self.client: Any = None
        self.received: list[Acknowledgement] = []
        self._controls: dict[str, tuple[str, dt.date]] = {}
        self._events: list[Any] = []
        self._kept: Any = None

    # -- session --------------------------------------------------------------------------------
    def _session(self) -> Any:
        from simulator.domain.facility import FacilityId, PortType, Region
        from simulator.fix.application import SessionInfo
        from simulator.fix.session import FixSession, Role, SessionConfig

        target, sub = _port(self.endpoint)
        info = SessionInfo(
            session_id=f"harness-{self.firm_comp_id}-{self.endpoint.name}-{next(_ids)}",
            facility=FacilityId(self.facility),
            begin_string=self.endpoint.details.get("begin", "FIX.4.4"),
            facility_comp_id=target,
            firm_comp_id=self.firm_comp_id,
            firm=self.firm_comp_id,
            port_type=PortType(self.port_type),
            region=Region(self.region),
            facility_sub_id=sub,
        )
        heartbeat = self.profile.fix.heartbeat_seconds
        return FixSession(
            SessionConfig(
                info=info,
                role=Role.INITIATOR,
                heartbeat_s=heartbeat,
                sending_time_precision=self.digits,
                max_latency_ns=None,
                dictionary=self._dictionary(info.begin_string),
            )
        )

    def _dictionary(self, begin_string: str) -> Any:
        """The facility dialect's data dictionary (the one shipped for firms' engines), so the
        firm side accepts the facility's 35=AE/AR even on FIX 4.2."""
        from simulator.fix.dictionary import for_session

        path: str | None = None
        try:
            from simulator.fix.dialects import dictionary_path

            path = str(dictionary_path(self.facility, self.port_type))
        except (ImportError, LookupError, ValueError):
            path = None
        return for_session(begin_string, path)

    def digits(self, now_ns: int) -> int:
        """Fractional digits the port accepts now (what the firm writes)."""
        return self.profile.inbound_precision(self.port_type, self.region, now_ns)

    def logon(self) -> None:
        from simulator.fix.transport import FixClient

        async def run() -> Any:
            client = await FixClient.connect(
                self.endpoint.host, self.endpoint.port, self._session(), self.sim.firm_clock
            )
            try:
                # A firm's engine starting its day: sequence numbers from 1 (ResetSeqNumFlag).
                await client.logon(reset_seq=True, timeout=ANSWER_TIMEOUT)
            except ConnectionError:
                await client.close()
                raise
            return client

        try:
            self.client = self.sim.loop.run(run(), timeout=ANSWER_TIMEOUT + 5)
        except (ConnectionError, OSError) as exc:
            raise HarnessError(
                f"{self.firm_comp_id} could not log on to {self.facility}: {exc}"
            ) from None
        self.sim.record("fix-out", self.firm_comp_id, f"logged on to {self.endpoint.name}")

    def drop(self) -> None:
        """Lose the connection without a Logout, as when the firm's engine crashes; the
        session (sequence numbers, sent messages) survives for the reconnect."""
        self.close()
        self.sim.record("fix-out", self.firm_comp_id, f"connection to {self.endpoint.name} lost")

    def reconnect(self) -> None:
        """Connect again with the same session (sequence numbers continue; a gap is resent).

        A port the simulator still publishes under the same name is looked up again: after a
        restart of the in-process simulator it listens on a new port number (port 0), as a firm
        would find after a DNS change. An endpoint it does not publish (a failover secondary
        set by a step) is kept as it is."""
        from simulator.fix.transport import FixClient

        session = self.client.session if self.client is not None else self._kept
        if self.client is not None:
            self.close()
        published = [e for e in self.sim.endpoints() if e.name == self.endpoint.name]
        if published:
            self.endpoint = published[0]

        async def run() -> Any:
            client = await FixClient.connect(
                self.endpoint.host, self.endpoint.port, session, self.sim.firm_clock
            )
            await client.logon(timeout=ANSWER_TIMEOUT)
            return client

        try:
            self.client = self.sim.loop.run(run(), timeout=ANSWER_TIMEOUT + 5)
        except (ConnectionError, OSError) as exc:
            raise HarnessError(
                f"{self.firm_comp_id} could not log on again to {self.endpoint.name}: {exc}"
            ) from None
        self.sim.record("fix-out", self.firm_comp_id, f"logged on again to {self.endpoint.name}")

    @property
    def session(self) -> Any:
        return self.client.session if self.client is not None else self._kept

    def skip_sequence_numbers(self, count: int) -> None:
        """Make the next outgoing MsgSeqNum jump by ``count`` (a gap the facility must notice)."""
        store = self.session.store
        store.set_next_sender_seq(store.next_sender_seq + count)
        self.sim.record("fix-out", self.firm_comp_id, f"skips {count} sequence numbers")

    def _drain(self) -> None:
        if self.client is None:
            return
        while not self.client.events.empty():
            self._events.append(self.client.events.get_nowait())

    def resends_served(self) -> list[tuple[int, int]]:
        """(begin, end) of every ResendRequest the facility sent and this firm answered."""
        from simulator.fix.session import ResendServed

        self._drain()
        return [(e.begin, e.end) for e in self._events if isinstance(e, ResendServed)]

    def close(self) -> None:
        if self.client is not None:
            self._kept = self.client.session
            self._drain()
            client, self.client = self.client, None
            if self.sim.loop.running:
                self.sim.loop.run(client.close(), timeout=10)

    # -- application messages ---------------------------------------------------------------------
    def exchange(self, message: FixMessage, ref: str) -> Acknowledgement:
        """Send one application message and return the facility's answer to it."""
        if self.client is None:
            self.logon()
        client = self.client
        self.sim.record(
            "fix-out", self.firm_comp_id, f"35={message.msg_type} {ref}", _text(message)
        )

        async def run() -> FixMessage:
            client.send(message)
            return await client.receive(timeout=ANSWER_TIMEOUT)

        try:
            answer = self.sim.loop.run(run(), timeout=ANSWER_TIMEOUT + 5)
        except TimeoutError:
            raise HarnessError(
                f"{self.facility} sent no answer to {ref} within {ANSWER_TIMEOUT} s"
            ) from None
        ack = self._acknowledgement(answer, ref)
        self.sim.record(
            "fix-in",
            self.facility,
            f"35={answer.msg_type} {'accepted' if ack.accepted else 'rejected'} {ref}"
            + (f" modifier {ack.modifier or ack.facility_code}" if ack.facility_code else ""),
            _text(answer),
        )
        self.received.append(ack)
        return ack

    def _acknowledgement(self, answer: FixMessage, ref: str) -> Acknowledgement:
        accepted = answer.msg_type == "AE" and answer.get(939, "0") == "0"
        raw_code = answer.get(int(self.profile.modifier_tag))
        letter = next(
            (m.letter for m in self.profile.modifiers if raw_code and m.code == raw_code), None
        )
        code = raw_code if letter is not None else None  # e.g. Nasdaq 277=0 "regular"
        control = answer.get(1003)
        control_date = answer.get(22011)
        if accepted and control and control_date:
            self._controls[ref] = (control, parse_fix_date(control_date))
        stamps = {str(tag): value for tag, value in answer.fields if tag in _TIMESTAMP_TAGS}
        return Acknowledgement(
            client_ref=ref,
            accepted=accepted,
            control_number=control,
            modifier=letter,
            facility_code=code,
            text=answer.get(58),
            received_ns=self.sim.now_ns(),
            timestamps=stamps,
            raw=_text(answer),
            details={"msg_type": answer.msg_type, "reason": answer.get(751), "code": raw_code},
        )

    def next_message(self, what: str = "a message") -> Acknowledgement:
        """The next application message the facility sends unprompted (a drop copy, an
        allege), read back like an acknowledgement; ``details["copy"]`` is its 797."""
        client = self.client
        if client is None:
            raise HarnessError(f"{self.firm_comp_id} is not connected to {self.endpoint.name}")
        try:
            message = self.sim.loop.run(
                client.receive(timeout=ANSWER_TIMEOUT), timeout=ANSWER_TIMEOUT + 5
            )
        except TimeoutError:
            raise HarnessError(
                f"{self.firm_comp_id} received no {what} on {self.endpoint.name} within "
                f"{ANSWER_TIMEOUT} s"
            ) from None
        # the firm's reference: echoed in 572 on an acknowledgement, in 571 on a reject
        ref = message.get(572) or message.get(571) or ""
        received = self._acknowledgement(message, ref)
        received.details["copy"] = message.get(797)
        self.sim.record(
            "fix-in",
            self.facility,
            f"35={message.msg_type} to {self.firm_comp_id} {ref}"
            + (" (drop copy 797=Y)" if message.get(797) == "Y" else ""),
            _text(message),
        )
        self.received.append(received)
        return received

    def report(self, trade: TradeRequest) -> Acknowledgement:
        digits = self.digits(self.sim.now_ns())
        return self.exchange(
            trade_message(trade, trace=self.trace_product, digits=digits), trade.client_ref
        )

    def _control(self, trade: TradeRequest) -> tuple[str, dt.date]:
        try:
            return self._controls[trade.client_ref]
        except KeyError:
            raise HarnessError(
                f"{trade.client_ref} has no control number: it was not accepted"
            ) from None

    def cancel(self, trade: TradeRequest) -> Acknowledgement:
        number, day = self._control(trade)
        cancel_ref = f"{trade.client_ref}C"
        message = trade_message(
            dataclasses.replace(trade, client_ref=cancel_ref),
            trace=self.trace_product,
            digits=self.digits(self.sim.now_ns()),
            trans="1",
            kind="6",
            ref=trade.client_ref,
            control_number=number,
            control_date=day,
        )
        return self.exchange(message, cancel_ref)

    def correct(self, trade: TradeRequest, **changes: Any) -> Acknowledgement:
        number, day = self._control(trade)
        fixed: dict[str, Any] = {
            k: Decimal(str(v)) if k in ("price", "quantity") else v for k, v in changes.items()
        }
        corrected = dataclasses.replace(trade, client_ref=f"{trade.client_ref}R", **fixed)
        message = trade_message(
            corrected,
            trace=self.trace_product,
            digits=self.digits(self.sim.now_ns()),
            trans="2",
            kind="5",
            ref=trade.client_ref,
            control_number=number,
            control_date=day,
        )
        ack = self.exchange(message, corrected.client_ref)
        return ack


def connect_firm(sim: SimHarness, facility: str, firm: str | None = None) -> FirmFixClient:
    """A logged-on client of ``firm`` (a CompID; default: the port's first firm) to the port named
    ``facility`` (e.g. ``trace-ca``, ``nasdaq-trf-carteret-legacy``)."""
    endpoint = sim.endpoint(facility)
    if endpoint.kind != "fix":
        raise HarnessError(f"{facility} is not a FIX endpoint")
    firms = [f.partition("/")[0] for f in endpoint.details.get("firms", "").split(",") if f]
    comp_id = firm or (firms[0] if firms else "")
    if comp_id not in firms:
        raise HarnessError(f"{comp_id!r} has no session on {facility} (its firms: {firms})")
    client = FirmFixClient(sim, endpoint, comp_id)
    client.logon()
    return client
