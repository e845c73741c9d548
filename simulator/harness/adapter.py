"""The firm side of a scenario: what a firm's system must do for the features to drive it.

A scenario says "the firm reports a trade", "cancels it", "corrects it", "the acknowledgement
carries modifier Z". Who does that is a :class:`FirmAdapter`. By default the harness's own
clients do it (:class:`BuiltinAdapter`: a FIX initiator on the simulator's sans-I/O session
layer). A firm that wants to rehearse *its own* stack implements the four methods below around
its order-management or trade-reporting system and hands it to pytest, either by overriding the
``firm_adapter`` fixture in its ``conftest.py`` or with ``--firm-adapter module:factory``; the
same features then run against the firm's real code (``docs/bdd.md``, "The adapter").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from simulator.harness.controller import HarnessError, SimHarness


@dataclass(frozen=True, slots=True)
class TradeRequest:
    """A trade a scenario asks the firm to report (facility-neutral)."""

    facility: str
    mpid: str
    side: str  # "B" buy, "S" sell, "X" cross
    symbol: str
    quantity: Decimal
    price: Decimal
    executed_ns: int
    client_ref: str
    contra_mpid: str | None = None
    as_of: bool = False
    region: str = "production"
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """What the facility answered, read back by the firm's system.

    ``modifier`` is the industry letter (T, U, Z) where the facility applied one; ``facility_code``
    is that modifier as the facility's port writes it; ``timestamps`` holds each timestamp field
    of the answer as text (so a scenario can check its precision); ``raw`` is the message as
    text, with ``|`` for the FIX field separator.
    """

    client_ref: str
    accepted: bool
    control_number: str | None = None
    modifier: str | None = None
    facility_code: str | None = None
    text: str | None = None
    received_ns: int = 0
    timestamps: dict[str, str] = field(default_factory=dict)
    raw: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class FirmAdapter(Protocol):
    """The four things a firm's system does in a rehearsal."""

    def report(self, trade: TradeRequest) -> Acknowledgement:
        """Send a new trade report and return the facility's answer to it."""
        ...

    def cancel(self, client_ref: str) -> Acknowledgement:
        """Cancel the report sent as ``client_ref``."""
        ...

    def correct(self, client_ref: str, **changes: Any) -> Acknowledgement:
        """Correct the report sent as ``client_ref`` (e.g. ``price=Decimal("10.02")``)."""
        ...

    def acknowledgements(self) -> list[Acknowledgement]:
        """Every answer the firm's system received, oldest first."""
        ...


class BuiltinAdapter:
    """The harness's own firm: reports over FIX with the built-in initiator.

    It keeps one FIX client per facility, logging on when first needed.
    """

    def __init__(self, sim: SimHarness, firm: str | None = None) -> None:
        self.sim = sim
        self.firm = firm
        self._received: list[Acknowledgement] = []
        self._clients: dict[str, Any] = {}
        self._reports: dict[str, TradeRequest] = {}

    def _client(self, facility: str) -> Any:
        client = self._clients.get(facility)
        if client is None:
            client = self.sim.fix_client(facility, self.firm)
            self._clients[facility] = client
        return client

    def report(self, trade: TradeRequest) -> Acknowledgement:
        ack = self._client(trade.facility).report(trade)
        self._reports[trade.client_ref] = trade
        self._received.append(ack)
        return ack

    def _original(self, client_ref: str) -> TradeRequest:
        try:
            return self._reports[client_ref]
        except KeyError:
            raise HarnessError(f"the firm sent no report {client_ref!r}") from None

    def cancel(self, client_ref: str) -> Acknowledgement:
        original = self._original(client_ref)
        ack = self._client(original.facility).cancel(original)
        self._received.append(ack)
        return ack

    def correct(self, client_ref: str, **changes: Any) -> Acknowledgement:
        original = self._original(client_ref)
        ack = self._client(original.facility).correct(original, **changes)
        self._received.append(ack)
        return ack

    def acknowledgements(self) -> list[Acknowledgement]:
        return list(self._received)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()
