"""A trade report as every route (FIX, TRAQS pages, JSON) hands it to the journal.

The fields are the ones the facilities share (FINRA Rule 6380A/6730 report content; TRACE FIX
spec AE layout, facilities.md section 3.3). Dialects fill them from tags, the web layer from forms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from simulator.domain.facility import Region


class Side(StrEnum):
    """The reporting party's side (FIX Side 54: 1 buy, 2 sell; ``X`` a cross on equities)."""

    BUY = "B"
    SELL = "S"
    CROSS = "X"


class Route(StrEnum):
    """How the report reached the facility (seed 001: two web routes in the parallel period)."""

    FIX = "fix"
    WEB_CERTIFICATE = "web-certificate"  # TRAQS on the old infrastructure (digital certificate)
    WEB_MFA = "web-mfa"  # TRAQS on the new infrastructure (multi-factor login)
    API = "api"


class Environment(StrEnum):
    """Production journal, a scheduled Saturday UAT (journaled apart, seed 000), or the NTF."""

    PRODUCTION = "production"
    UAT = "uat"
    NTF = "ntf"


class Action(StrEnum):
    """What a submission asks of the facility."""

    NEW = "new"
    CANCEL = "cancel"
    CORRECT = "correct"
    REVERSE = "reverse"


class ReportState(StrEnum):
    """Lifecycle states of a report in the journal (transitions: simulator.domain.lifecycle)."""

    NEW = "new"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    CORRECTED = "corrected"
    REVERSED = "reversed"


@dataclass(frozen=True, slots=True)
class TradeReport:
    """One trade report as submitted (before the facility assigns its control number).

    ``security`` is the equity symbol, or for TRACE the CUSIP (``security_id_source`` ``"1"``) or
    symbol (``"8"``). Times are integer ns since the epoch, UTC; ``trade_date`` is the ET date.
    """

    facility: str
    reporting_mpid: str
    side: Side
    security: str
    quantity: Decimal
    price: Decimal
    executed_ns: int
    trade_date: dt.date
    client_ref: str
    contra_mpid: str | None = None
    security_id_source: str = "8"
    as_of: bool = False
    capacity: str | None = None
    route: Route = Route.FIX
    environment: Environment = Environment.PRODUCTION
    region: Region = Region.PRODUCTION
    session_id: str | None = None
    user: str | None = None
    memo: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def with_changes(self, **changes: object) -> TradeReport:
        return replace(self, **changes)  # type: ignore[arg-type]
