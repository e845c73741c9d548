"""The seam between the FIX session layer and the facility dialects.

The session layer owns logon, sequence numbers, resends and heartbeats; once a message is an
in-sequence application message it hands it to the session's :class:`Application` (a facility
dialect), which answers with :class:`Outbound` messages. The runtime delivers each one: to the
same session, or to the sessions of another firm (a TRACE contra-party allege), and copies every
acknowledgement and reject to the firm's drop-copy sessions with CopyMsgIndicator (797=Y).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from simulator.domain.facility import FacilityId, PortType, Region
from simulator.fix.message import FixMessage


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """Who is on a session, from the facility's side of it.

    ``facility_comp_id``/``facility_sub_id`` are what the facility sends as SenderCompID/SubID
    (TRACE: ``FNRA`` / ``CA``); ``firm_comp_id`` is the firm's CompID; ``firm`` the firm's
    configured name (used for UAT registration and drop copy).
    """

    session_id: str
    facility: FacilityId
    begin_string: str
    facility_comp_id: str
    firm_comp_id: str
    firm: str
    port_type: PortType = PortType.FIX44
    region: Region = Region.PRODUCTION
    facility_sub_id: str | None = None
    firm_sub_id: str | None = None
    mpids: tuple[str, ...] = ()
    uat_registered: bool = False
    drop_copy: bool = False


@dataclass(frozen=True, slots=True)
class Outbound:
    """An application message to send.

    ``to_firm`` ``None`` means "back on the session that sent the request"; otherwise it is
    delivered to every logged-on session of that firm (matched by firm name or MPID) at the same
    facility. ``copy_to_drop`` marks acknowledgements and rejects the drop copy must mirror.
    """

    message: FixMessage
    to_firm: str | None = None
    copy_to_drop: bool = True
    extra: dict[str, str] = field(default_factory=dict)


class Application(Protocol):
    """A facility dialect as the session layer sees it."""

    def on_logon(self, session: SessionInfo, now_ns: int) -> list[Outbound]: ...

    def on_message(self, session: SessionInfo, message: FixMessage, now_ns: int) -> list[Outbound]:
        """Handle one in-sequence application message received at ``now_ns`` (simulated)."""
        ...
