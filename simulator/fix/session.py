"""The FIX 4.2/4.4 session layer, sans-I/O: messages and ``now_ns`` in, events and bytes out.

Like h11 (architecture.md principle 1), nothing here touches a socket, a thread or asyncio:

* :class:`FixSession` is one configured session (a firm's CompIDs at one facility port). It
  survives connections: its sequence numbers and sent messages live in a
  :class:`~simulator.fix.store.MessageStore`, so a reconnect -- or a restart over the same store --
  resumes the numbers and answers a ResendRequest from the store.
* :class:`FixConnection` is one TCP connection: it frames bytes
  (:mod:`~simulator.fix.framing`), decodes them (:mod:`~simulator.fix.codec`) and, on an
  acceptor port, binds to a session by the first Logon's CompIDs through a
  :class:`SessionDirectory`.

Both take ``now_ns`` (simulated nanoseconds) as an argument and never read a clock. Timers are pure
predicates of state and ``now`` (QuickFIX ``SessionState.h``): the transport asks
:meth:`FixConnection.next_deadline_ns`, waits on the simulated clock, and calls
:meth:`FixConnection.on_timer`. Output is collected and handed out by ``data_to_send()``, which
first flushes the store: every message is stored before it can reach the socket.

Acceptor behaviour follows the FIX Session Layer Test Cases (FIX 4.2/4.4 Vol. 2; case numbers as
in QuickFIX's acceptance suite); ``docs/fix-session.md`` lists every case and our answer. The same
class runs as an INITIATOR (``Role.INITIATOR``): :meth:`FixSession.logon`,
:meth:`FixSession.send_app`, :meth:`FixSession.logout` and the same timers -- the BDD harness uses
it as the firm side.

In-sequence application messages are not dispatched here: they come out as
:class:`ApplicationMessage` events and the runtime (:mod:`simulator.fix.component`) hands them to
the facility dialect and routes its answers back through :meth:`FixSession.send_app`. Errors from a
dialect become wire rejects in one place, :meth:`FixSession.reject`.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

from simulator.clock import SECOND
from simulator.fix.application import SessionInfo
from simulator.fix.codec import HEADER_TAGS, build, decode
from simulator.fix.dictionary import FIX42, DataDictionary, builtin
from simulator.fix.errors import (
    BusinessRejectError,
    BusinessRejectReason,
    GarbledMessageError,
    SessionRejectError,
    SessionRejectReason,
)
from simulator.fix.framing import DEFAULT_MAX_MESSAGE_SIZE, Frame, Framer, FramingError
from simulator.fix.message import FixMessage
from simulator.fix.session_states import SessionInput, SessionState, transition
from simulator.fix.store import MemoryStore, MessageStore
from simulator.timestamps import (
    NEW_YORK,
    TimestampError,
    datetime_from_ns,
    format_fix_timestamp,
    local_ns,
    parse_fix_timestamp,
)

R = SessionRejectReason
BAD_FORMAT = R.INCORRECT_DATA_FORMAT_FOR_VALUE
#: The last reason codes FIX 4.2 defines (SessionRejectReason 373, BusinessRejectReason 380).
_LAST_FIX42_SESSION_REASON = R.INVALID_MSGTYPE  # 11
_LAST_FIX42_BUSINESS_REASON = BusinessRejectReason.CONDITIONALLY_REQUIRED_FIELD_MISSING  # 5
ADMIN = frozenset("012345A")
INFINITY_END_SEQ = frozenset({0, 999999})  # EndSeqNo 16=0 (FIX 4.2+) or 999999 (FIX 4.1 style)
TEST_REQUEST_ID = "TEST"


class Role(StrEnum):
    ACCEPTOR = "acceptor"  # the facility side: what the simulator is to a firm
    INITIATOR = "initiator"  # the firm side: what the BDD harness drives


class UnknownCompIdPolicy(StrEnum):
    """What an acceptor port does with a Logon whose CompIDs match no configured session.

    TRACE: "wrong Sender/Target CompID -> logon silently ignored" (facilities.md section 3.1,
    TRACE FIX specification); FIX test case 1c: disconnect. ``logout`` answers with a Logout whose
    Text names the problem (the default for facilities whose rule is not published).
    """

    IGNORE = "ignore"
    LOGOUT = "logout"
    DISCONNECT = "disconnect"


class SessionDay(Protocol):
    """When a session's trading day starts (the daily sequence reset)."""

    def day_of(self, now_ns: int) -> str: ...

    def next_start_ns(self, now_ns: int) -> int: ...


@dataclass(frozen=True, slots=True)
class DailyReset:
    """A session day that starts every day at ``at`` local time in ``tz``.

    TRACE: "sequence numbers are reset to one each morning; the session's lifetime is one trading
    day" (facilities.md section 3.1). The reset time itself is not published; facilities.md gives
    the system opening (08:00 ET), so the default 06:00 ET is an INFERENCE.
    """

    at: dt.time = dt.time(6, 0)
    tz: dt.tzinfo = NEW_YORK

    def _day(self, now_ns: int) -> dt.date:
        local = datetime_from_ns(now_ns, self.tz)
        day = local.date()
        if local.time() < self.at:
            day -= dt.timedelta(days=1)
        return day

    def day_of(self, now_ns: int) -> str:
        return self._day(now_ns).isoformat()

    def next_start_ns(self, now_ns: int) -> int:
        day = self._day(now_ns) + dt.timedelta(days=1)
        return local_ns(day, self.at.hour, self.at.minute, self.at.second, tz=self.tz)


# -- fault hooks (issue 6: fault injection; the plan that decides lives in simulator/faults) --

KEEPALIVE_TYPES = frozenset({"0", "1"})  # Heartbeat and TestRequest: what a silent facility omits


@dataclass(frozen=True, slots=True)
class SendPlan:
    """Before a message is numbered: leave it out (a keep-alive only) or skip numbers first."""

    suppress: bool = False
    skip: int = 0


@dataclass(frozen=True, slots=True)
class OutboundFault:
    """What happens to one outbound message that is already numbered and stored.

    ``withhold``: never written (a ResendRequest recovers it from the store). ``hold_until_ns``:
    written at that simulated instant, with everything queued behind it. ``replacement``: these
    bytes are written instead (garbled); the store keeps the original. ``duplicate``: written
    again at once with PossDupFlag, as a resend. ``close``: the connection ends after it, with a
    Logout carrying ``logout_text`` first when ``logout``.
    """

    withhold: bool = False
    hold_until_ns: int | None = None
    replacement: bytes | None = None
    duplicate: bool = False
    close: bool = False
    logout: bool = False
    logout_text: str | None = None
    reason: str = "dropped by the facility (fault injection)"


class FaultHook(Protocol):
    """A session's view of the fault plan (:mod:`simulator.faults`); ``None`` when no fault is
    armed, so a session without faults pays one attribute test per message."""

    def before_send(self, msg_type: str, now_ns: int, live: bool) -> SendPlan | None: ...

    def on_write(
        self, msg_type: str, seq: int, raw: bytes, now_ns: int
    ) -> OutboundFault | None: ...

    def on_inbound(self, msg_type: str, now_ns: int) -> str | None:
        """The reason to drop the connection before this inbound message is read, or ``None``."""
        ...


@dataclass(frozen=True)
class SessionConfig:
    """Everything a session needs that is not state. ``info`` names who is on it.

    ``heartbeat_min_s``/``heartbeat_max_s`` bound the HeartBtInt (108) an acceptor accepts
    (TRACE: 30 only); ``heartbeat_s`` is what an initiator proposes. ``max_latency_ns`` is the
    SendingTime accuracy window (QuickFIX ``MaxLatency``, FIX test case 2o: 2 minutes); ``None``
    turns the check off (a firm's engine on wall time talking to a simulator on an offset clock).
    ``sending_time_precision`` is fractional digits of outbound SendingTime, or a function of
    ``now_ns`` (a dialect's precision by port and date: ms before 2021-11-15, ns after, on Nasdaq
    native FIX ports). ``supported_app_types`` ``None`` hands every valid application MsgType to
    the application; a set limits it (others get 35=j 380=3, test case 2r).
    """

    info: SessionInfo
    role: Role = Role.ACCEPTOR
    heartbeat_s: int = 30
    heartbeat_min_s: int = 1
    heartbeat_max_s: int = 300
    logon_timeout_ns: int = 10 * SECOND
    logout_timeout_ns: int = 2 * SECOND
    max_latency_ns: int | None = 120 * SECOND
    sending_time_precision: int | Callable[[int], int] = 3
    session_day: SessionDay | None = None
    dictionary: DataDictionary | None = None
    supported_app_types: frozenset[str] | None = None
    validate_fields: bool = True
    reset_on_logon: bool = False
    max_queued: int = 10_000
    extra_logon_fields: tuple[tuple[int, str], ...] = field(default=())


# -- events --


@dataclass(frozen=True, slots=True)
class LoggedOn:
    session_id: str
    reset: bool


@dataclass(frozen=True, slots=True)
class LoggedOut:
    session_id: str
    text: str | None


@dataclass(frozen=True, slots=True)
class ApplicationMessage:
    """An in-sequence application message for the application (dialect)."""

    session_id: str
    message: FixMessage
    seq: int


@dataclass(frozen=True, slots=True)
class AdminMessage:
    """A session-level message received and processed (Heartbeat, Reject, Logout, ...)."""

    session_id: str
    message: FixMessage


@dataclass(frozen=True, slots=True)
class RejectSent:
    session_id: str
    ref_seq: int | None
    ref_msg_type: str | None
    reason: int
    ref_tag: int | None
    text: str
    business: bool = False


@dataclass(frozen=True, slots=True)
class Ignored:
    """A message or bytes deliberately not processed (garbled, duplicate, unknown CompIDs).

    ``peer_error``: the counterparty broke the protocol (garbled bytes, a bad frame, a Logon
    nobody is configured for), as opposed to a message that is simply not needed (a possible
    duplicate already received, one that arrives after the session closed)."""

    session_id: str | None
    reason: str
    peer_error: bool = False


@dataclass(frozen=True, slots=True)
class ResendRequested:
    session_id: str
    begin: int
    received: int


@dataclass(frozen=True, slots=True)
class ResendServed:
    session_id: str
    begin: int
    end: int
    resent: int


@dataclass(frozen=True, slots=True)
class SequenceChanged:
    session_id: str
    old: int
    new: int
    gap_fill: bool


@dataclass(frozen=True, slots=True)
class Closing:
    """Close the transport once the queued bytes are written; ``reason`` says why.

    ``peer_error``: the counterparty's behaviour forced it (MsgSeqNum too low, no Logon in
    time, an invalid first message, a duplicate Logon...), as opposed to a Logout exchange or
    the facility's own decision (fault injection)."""

    session_id: str | None
    reason: str
    peer_error: bool = False


@dataclass(frozen=True, slots=True)
class Disconnected:
    session_id: str
    reason: str | None


SessionEvent = (
    LoggedOn
    | LoggedOut
    | ApplicationMessage
    | AdminMessage
    | RejectSent
    | Ignored
    | ResendRequested
    | ResendServed
    | SequenceChanged
    | Closing
    | Disconnected
)


@lru_cache(maxsize=4096)
def _instant(text: str) -> int:
    """SendingTime text -> ns, cached: a pipelined burst repeats the same few values."""
    return parse_fix_timestamp(text).ns


def _int(text: str | None) -> int | None:
    if text is None or not text.isdigit():
        return None
    return int(text)


class FixSession:
    """One FIX session (sans-I/O). See the module docstring."""

    def __init__(self, config: SessionConfig, store: MessageStore | None = None) -> None:
        self.config = config
        self.info = config.info
        self.session_id = config.info.session_id
        self.begin_string = config.info.begin_string
        self.store: MessageStore = store if store is not None else MemoryStore()
        self.dictionary = config.dictionary or builtin(self.begin_string)
        info = config.info
        if config.role is Role.ACCEPTOR:
            self.sender_comp_id, self.target_comp_id = info.facility_comp_id, info.firm_comp_id
            self.sender_sub_id, self.target_sub_id = info.facility_sub_id, info.firm_sub_id
        else:
            self.sender_comp_id, self.target_comp_id = info.firm_comp_id, info.facility_comp_id
            self.sender_sub_id, self.target_sub_id = info.firm_sub_id, info.facility_sub_id
        self.state = SessionState.DISCONNECTED
        self.heartbeat_ns = config.heartbeat_s * SECOND
        self.connected_ns = 0
        self.last_sent_ns = 0
        self.last_received_ns = 0
        self.logon_sent_ns = 0
        self.logout_sent_ns = 0
        self.test_request_sent_ns: int | None = None
        self.day_end_ns: int | None = None
        self.close_reason: str | None = None
        self.messages_received = 0
        self.messages_sent = 0
        self._out: list[bytes] = []
        self._events: list[SessionEvent] = []
        self._queue: dict[int, tuple[FixMessage | None, str]] = {}
        self._resend_until: int | None = None
        self._peer_sub_id: str | None = None
        self._attached = False
        #: fault injection (set by the runtime while a fault is armed; see :class:`FaultHook`)
        self.faults: FaultHook | None = None
        self._held: deque[tuple[int, bytes]] = deque()  # (release instant, bytes): delayed output

    # -- properties --

    @property
    def is_logged_on(self) -> bool:
        return self.state is SessionState.LOGGED_ON

    @property
    def is_connected(self) -> bool:
        return self.state is not SessionState.DISCONNECTED

    @property
    def next_sender_seq(self) -> int:
        return self.store.next_sender_seq

    @property
    def next_target_seq(self) -> int:
        return self.store.next_target_seq

    def describe(self) -> dict[str, object]:
        """A snapshot for the control API and logs."""
        return {
            "session_id": self.session_id,
            "role": self.config.role.value,
            "state": self.state.value,
            "begin_string": self.begin_string,
            "sender_comp_id": self.sender_comp_id,
            "target_comp_id": self.target_comp_id,
            "next_sender_seq": self.store.next_sender_seq,
            "next_target_seq": self.store.next_target_seq,
            "heartbeat_s": self.heartbeat_ns // SECOND,
            "session_day": self.store.session_day,
        }

    # -- connection lifecycle --

    def connection_made(self, now_ns: int) -> list[SessionEvent]:
        self._events = []
        self._go(SessionInput.CONNECT)
        self.connected_ns = self.last_sent_ns = self.last_received_ns = now_ns
        self.test_request_sent_ns = None
        self.close_reason = None
        self._out.clear()
        self._held.clear()
        self._queue.clear()
        self._resend_until = None
        return self._events

    def connection_lost(self, now_ns: int) -> list[SessionEvent]:
        self._events = []
        if self.state is not SessionState.DISCONNECTED:
            reason = self.close_reason or "connection lost"
            self._go(SessionInput.DISCONNECT)
            self._events.append(Disconnected(self.session_id, reason))
        self._out.clear()
        self._held.clear()
        self._queue.clear()
        self.store.flush()
        return self._events

    def output_mark(self) -> tuple[int, int, int, int]:
        """Where this session's output stands now, for :meth:`take_back`."""
        return (self.store.next_sender_seq, len(self._out), len(self._held), self.messages_sent)

    def take_back(self, mark: tuple[int, int, int, int]) -> None:
        """Withdraw every message sent since ``mark``: none of it has reached the socket, and
        the journal transaction that stored it rolled back (see FixComponent). Their numbers
        are used again by what is sent next, so the peer sees no gap."""
        sender, out, held, sent = mark
        del self._out[out:]
        while len(self._held) > held:
            self._held.pop()
        self.messages_sent = sent
        self.store.discard_from(sender)

    def data_to_send(self) -> bytes:
        """Bytes to write now. The store is flushed first: stored before written."""
        if not self._out:
            return b""
        self.store.flush()
        data = b"".join(self._out)
        self._out.clear()
        return data

    # -- initiator API --

    def logon(self, now_ns: int, *, reset_seq: bool | None = None) -> list[SessionEvent]:
        """Send Logon (initiator). ``reset_seq`` (141=Y) defaults to ``config.reset_on_logon``."""
        self._events = []
        reset = self.config.reset_on_logon if reset_seq is None else reset_seq
        self._daily_reset(now_ns)
        if reset:
            self.store.reset(self.store.session_day)
        logon = FixMessage.of("A", (98, 0), (108, self.config.heartbeat_s))
        if reset:
            logon.append(141, "Y")
        for tag, value in self.config.extra_logon_fields:
            logon.append(tag, value)
        self._go(SessionInput.SEND_LOGON)
        self.logon_sent_ns = now_ns
        self._send(logon, now_ns)
        return self._events

    def send_app(self, message: FixMessage, now_ns: int) -> int:
        """Send an application message; returns its MsgSeqNum.

        Logged on: stored and queued for the socket. Otherwise stored only: the peer receives it
        by ResendRequest after its next Logon (store and forward, FIX 4.4 Vol. 2 "Message
        Recovery") -- how a drop copy reaches a consumer that was briefly away.
        """
        return self._send(message, now_ns)

    def logout(self, now_ns: int, text: str | None = None) -> list[SessionEvent]:
        """Start a Logout exchange (FIX test case 12): Logout, then wait for the answer."""
        self._events = []
        if self.state is SessionState.LOGGED_ON:
            self._send_logout(text, now_ns)
        elif self.state in (SessionState.CONNECTED, SessionState.LOGON_SENT):
            self._close(text or "logout before logon completed")
        return self._events

    # -- inbound --

    def receive(self, message: FixMessage, now_ns: int) -> list[SessionEvent]:
        """Process one framed, decoded message received at ``now_ns``."""
        self._events = []
        if self.state in (SessionState.DISCONNECTED, SessionState.CLOSING):
            self._events.append(Ignored(self.session_id, f"session is {self.state.value}"))
            return self._events
        self.messages_received += 1
        self.last_received_ns = now_ns
        self.test_request_sent_ns = None
        self._process(message, now_ns)
        self._drain_queue(now_ns)
        return self._events

    def _process(self, msg: FixMessage, now: int) -> None:
        header = self._header(msg)
        msg_type = header.get(35, "")
        state = self.state
        if state is SessionState.CONNECTED:
            if self.config.role is Role.ACCEPTOR and msg_type == "A":
                self._on_logon(msg, header, now)
            elif self.config.role is Role.ACCEPTOR:
                self._close(f"first message is not a Logon (35={msg_type})", peer_error=True)
            else:
                self._events.append(Ignored(self.session_id, "message before our Logon was sent"))
            return
        if state is SessionState.LOGON_SENT:
            if msg_type == "A":
                self._on_logon(msg, header, now)
            elif msg_type == "5":
                self._events.append(AdminMessage(self.session_id, msg))
                self._events.append(LoggedOut(self.session_id, msg.get(58)))
                self._close(f"Logon refused: {msg.get(58) or 'Logout received'}")
            else:
                self._close(f"expected a Logon in answer, received 35={msg_type}", peer_error=True)
            return
        # LOGGED_ON or LOGOUT_SENT
        if header.get(8) != self.begin_string:  # test case 2i
            if msg_type == "5":
                self._on_logout(msg, header, now)
                return
            self._send_logout("Incorrect BeginString", now)
            self._count(_int(header.get(34)))
            return
        seq = _int(header.get(34))
        if seq is None:
            text = "MsgSeqNum (34) missing or not a number"
            self._send_logout(text, now)
            self._close(text, peer_error=True)
            return
        if msg_type == "5":  # test case 13: Logout is processed whatever its number
            self._on_logout(msg, header, now)
            return
        if not self._verify_header(msg, header, seq, now):
            return
        if msg_type == "4" and msg.get(123) != "Y":
            self._on_sequence_reset(msg, header, seq, now, gap_fill=False)  # 11a-c: any MsgSeqNum
            return
        expected = self.store.next_target_seq
        if msg_type == "A":
            self._on_logon_in_session(msg, header, seq, now)
            return
        if seq > expected:  # test case 2b
            if msg_type == "2":
                self._serve_resend(msg, now)  # test case 20: answer at once, count it later
                self._queue_too_high(None, seq, expected, now, msg_type)
            else:
                self._queue_too_high(msg, seq, expected, now, msg_type)
            return
        if seq < expected:
            self._too_low(msg, header, seq, expected, now)
            return
        if header.get(43) == "Y" and msg_type != "4" and not self._check_poss_dup(msg, header, now):
            return
        if not self.dictionary.is_valid_msg_type(msg_type):  # test case 2q
            self._reject_counted(msg, SessionRejectError(R.INVALID_MSGTYPE), now)
            return
        admin = msg_type in ADMIN
        if self.config.validate_fields and (admin or self.dictionary.has_message(msg_type)):
            try:
                self.dictionary.validate(msg)
            except SessionRejectError as exc:  # test cases 14a-14i
                self._reject_counted(msg, exc, now)
                return
        if msg_type == "0":
            self._count(seq)
            self._events.append(AdminMessage(self.session_id, msg))
        elif msg_type == "1":  # test case 4b
            self._count(seq)
            self._send(FixMessage.of("0", (112, msg.get(112))), now)
            self._events.append(AdminMessage(self.session_id, msg))
        elif msg_type == "2":  # test case 8
            self._serve_resend(msg, now)
            self._count(seq)
        elif msg_type == "3":  # test case 7
            self._count(seq)
            self._events.append(AdminMessage(self.session_id, msg))
        elif msg_type == "4":
            self._on_sequence_reset(msg, header, seq, now, gap_fill=True)
        else:
            supported = self.config.supported_app_types
            if supported is not None and msg_type not in supported:  # test case 2r
                self._reject_counted(
                    msg, BusinessRejectError(BusinessRejectReason.UNSUPPORTED_MESSAGE_TYPE), now
                )
                return
            self._count(seq)
            self._events.append(ApplicationMessage(self.session_id, msg, seq))

    def _header(self, msg: FixMessage) -> dict[int, str]:
        header: dict[int, str] = {}
        for tag, value in msg.fields:
            if tag in HEADER_TAGS and tag not in header:
                header[tag] = value
        if (sub := header.get(50)) is not None:
            self._peer_sub_id = sub
        return header

    def _verify_header(self, msg: FixMessage, header: dict[int, str], seq: int, now: int) -> bool:
        """SendingTime and CompIDs (QuickFIX ``Session::verify``): test cases 2k, 2o, 14b, 14d."""
        for tag in (49, 56, 52):
            value = header.get(tag)
            if value is None or value == "":
                reason = R.TAG_SPECIFIED_WITHOUT_A_VALUE if value == "" else R.REQUIRED_TAG_MISSING
                self._reject_counted(msg, SessionRejectError(reason, tag), now)
                return False
        try:
            sending = _instant(header[52])
        except TimestampError:
            self._reject_counted(msg, SessionRejectError(BAD_FORMAT, 52), now)
            return False
        latency = self.config.max_latency_ns
        if latency is not None and abs(now - sending) > latency:
            self._reject_counted(msg, SessionRejectError(R.SENDINGTIME_ACCURACY_PROBLEM), now)
            self._send_logout(None, now)
            return False
        sub = header.get(57)
        if (
            header[49] != self.target_comp_id
            or header[56] != self.sender_comp_id
            or (sub is not None and self.sender_sub_id is not None and sub != self.sender_sub_id)
        ):
            self._reject_counted(msg, SessionRejectError(R.COMPID_PROBLEM), now)
            self._send_logout(None, now)
            return False
        return True

    def _check_poss_dup(self, msg: FixMessage, header: dict[int, str], now: int) -> bool:
        """PossDupFlag=Y needs OrigSendingTime <= SendingTime (test cases 2f, 2g)."""
        orig = header.get(122)
        if orig is None:
            self._reject_counted(msg, SessionRejectError(R.REQUIRED_TAG_MISSING, 122), now)
            return False
        try:
            orig_ns = _instant(orig)
        except TimestampError:
            self._reject_counted(msg, SessionRejectError(BAD_FORMAT, 122), now)
            return False
        if orig_ns > _instant(header[52]):
            self._reject_counted(msg, SessionRejectError(R.SENDINGTIME_ACCURACY_PROBLEM), now)
            self._send_logout(None, now)
            return False
        return True

    def _too_low(
        self, msg: FixMessage, header: dict[int, str], seq: int, expected: int, now: int
    ) -> None:
        if header.get(43) != "Y":  # test case 2c
            text = f"MsgSeqNum too low, expecting {expected} but received {seq}"
            self._send_logout(text, now)
            self._close(text, peer_error=True)
            return
        if msg.msg_type != "4" and not self._check_poss_dup(msg, header, now):
            return
        self._events.append(  # test case 2e: already received, so ignored
            Ignored(self.session_id, f"possible duplicate {seq} already received")
        )

    def _queue_too_high(
        self, msg: FixMessage | None, seq: int, expected: int, now: int, msg_type: str
    ) -> None:
        if len(self._queue) >= self.config.max_queued:
            text = f"more than {self.config.max_queued} messages out of sequence"
            self._send_logout(text, now)
            self._close(text, peer_error=True)
            return
        self._queue[seq] = (msg, msg_type)
        if self._resend_until is None:
            self._resend_until = seq - 1
            self._send(FixMessage.of("2", (7, expected), (16, 0)), now)
            self._events.append(ResendRequested(self.session_id, expected, seq))

    def _drain_queue(self, now: int) -> None:
        while self._queue and self.state in (SessionState.LOGGED_ON, SessionState.LOGOUT_SENT):
            expected = self.store.next_target_seq
            if self._resend_until is not None and expected > self._resend_until:
                self._resend_until = None
            for stale in [s for s in self._queue if s < expected]:
                del self._queue[stale]
            item = self._queue.pop(expected, None)
            if item is None:
                return
            msg, _ = item
            if msg is None:  # processed when it arrived (a ResendRequest, a Logon)
                self._count(expected)
                continue
            self._process(msg, now)
        if self._resend_until is not None and self.store.next_target_seq > self._resend_until:
            self._resend_until = None

    # -- logon / logout --

    def _refuse(self, text: str, now: int) -> None:
        self._send(FixMessage.of("5", (58, text)), now)
        self._close(text, peer_error=True)

    def _on_logon(self, msg: FixMessage, header: dict[int, str], now: int) -> None:
        """The first Logon of a connection (acceptor: test cases 1a-1e; initiator: the answer)."""
        acceptor = self.config.role is Role.ACCEPTOR
        if header.get(8) != self.begin_string:
            self._refuse("Incorrect BeginString", now)  # test case 1d
            return
        seq = _int(header.get(34))
        if seq is None:
            self._refuse("MsgSeqNum (34) missing or not a number", now)
            return
        for tag in (49, 56, 52):
            if not header.get(tag):
                self._refuse(f"Logon without {_TAG_NAMES[tag]} ({tag})", now)
                return
        if header[49] != self.target_comp_id or header[56] != self.sender_comp_id:
            self._refuse("CompID problem", now)
            return
        if self.config.validate_fields:
            try:
                self.dictionary.validate(msg)
            except SessionRejectError as exc:
                where = f" (tag {exc.ref_tag})" if exc.ref_tag is not None else ""
                self._refuse(f"Invalid Logon: {exc.text}{where}", now)
                return
        try:
            sending = _instant(header[52])
        except TimestampError:
            self._refuse("SendingTime (52) is not a UTCTimestamp", now)
            return
        latency = self.config.max_latency_ns
        if latency is not None and abs(now - sending) > latency:  # test case 1d
            self._send_reject(msg, SessionRejectError(R.SENDINGTIME_ACCURACY_PROBLEM), now)
            self._refuse("SendingTime accuracy problem", now)
            return
        heartbeat = _int(msg.get(108))
        if heartbeat is None:
            self._refuse("HeartBtInt (108) missing or not a number", now)
            return
        if acceptor:
            low, high = self.config.heartbeat_min_s, self.config.heartbeat_max_s
            if not low <= heartbeat <= high:
                bounds = f"{low}" if low == high else f"between {low} and {high}"
                self._refuse(f"HeartBtInt must be {bounds} seconds, not {heartbeat}", now)
                return
            if msg.get(98) != "0":
                self._refuse("EncryptMethod (98) must be 0: encryption is not supported", now)
                return
        reset = msg.get(141) == "Y"
        if acceptor:
            self._daily_reset(now)
            if reset:
                self.store.reset(self.store.session_day)
        expected = self.store.next_target_seq
        if seq < expected and not reset:
            text = f"MsgSeqNum too low, expecting {expected} but received {seq}"
            self._refuse(text, now)
            return
        self._go(SessionInput.RECEIVE_LOGON)
        self.heartbeat_ns = heartbeat * SECOND if acceptor else self.heartbeat_ns
        if self.config.session_day is not None:
            self.day_end_ns = self.config.session_day.next_start_ns(now)
        if acceptor:
            answer = FixMessage.of("A", (98, 0), (108, heartbeat))
            if reset:
                answer.append(141, "Y")
            self._send(answer, now)
        self._events.append(LoggedOn(self.session_id, reset))
        if seq > expected:  # test case 1a (MsgSeqNum too high): Logon, then ResendRequest
            self._queue_too_high(None, seq, expected, now, "A")
        else:
            self._count(seq)

    def _on_logon_in_session(
        self, msg: FixMessage, header: dict[int, str], seq: int, now: int
    ) -> None:
        if msg.get(141) == "Y" and self.config.role is Role.ACCEPTOR and seq == 1:
            self.store.reset(self.store.session_day)  # QuickFIX SessionReset: renumber in session
            self._events.append(SequenceChanged(self.session_id, seq, 1, gap_fill=False))
            self._go(SessionInput.RECEIVE_LOGON)
            answer = FixMessage.of("A", (98, 0), (108, self.heartbeat_ns // SECOND), (141, "Y"))
            self._send(answer, now)
            self._count(1)
            self._events.append(LoggedOn(self.session_id, True))
            return
        text = "Logon received while already logged on"
        self._send_logout(text, now)
        self._close(text, peer_error=True)

    def _on_logout(self, msg: FixMessage, header: dict[int, str], now: int) -> None:
        seq = _int(header.get(34))
        if seq is not None and seq == self.store.next_target_seq:
            self._count(seq)
        self._events.append(AdminMessage(self.session_id, msg))
        self._events.append(LoggedOut(self.session_id, msg.get(58)))
        if self.state is SessionState.LOGOUT_SENT:
            self._go(SessionInput.RECEIVE_LOGOUT)
            self._close("logout complete")
            return
        self._send(FixMessage.of("5"), now)  # test case 13b: answer, then close
        self._go(SessionInput.RECEIVE_LOGOUT)
        self._close("logout requested by the counterparty")

    def _send_logout(self, text: str | None, now: int) -> None:
        if self.state is SessionState.CLOSING:
            return
        self._send(FixMessage.of("5", (58, text)), now)
        if self.state in (SessionState.LOGGED_ON, SessionState.LOGOUT_SENT):
            self._go(SessionInput.SEND_LOGOUT)
            self.logout_sent_ns = now
        else:
            self._close(text or "logout")

    # -- sequence numbers --

    def _count(self, seq: int | None) -> None:
        """Advance the expected inbound number past ``seq`` when it was the expected one."""
        if seq is not None and seq == self.store.next_target_seq:
            self.store.set_next_target_seq(seq + 1)

    def _on_sequence_reset(
        self, msg: FixMessage, header: dict[int, str], seq: int, now: int, *, gap_fill: bool
    ) -> None:
        """Test cases 10 (GapFill) and 11 (Reset): up is accepted, down is rejected."""
        new = _int(msg.get(36))
        if new is None:
            reason = R.REQUIRED_TAG_MISSING if msg.get(36) is None else BAD_FORMAT
            self._send_reject(msg, SessionRejectError(reason, 36), now)
            if gap_fill:
                self._count(seq)
            return
        expected = self.store.next_target_seq
        floor = seq + 1 if gap_fill else expected
        if new < floor or (gap_fill and new <= seq):
            text = (
                "Value is incorrect (out of range) for this tag: attempt to lower sequence "
                f"number, invalid value NewSeqNo={new}"
            )
            self._send_reject(msg, SessionRejectError(R.VALUE_IS_INCORRECT, 36, text), now)
            if gap_fill:
                self._count(seq)
            return
        self._events.append(AdminMessage(self.session_id, msg))
        if new == expected and not gap_fill:  # test case 11b: accepted, nothing changes
            self._events.append(Ignored(self.session_id, f"SequenceReset to {new}: no change"))
            return
        self.store.set_next_target_seq(new)
        self._events.append(SequenceChanged(self.session_id, expected, new, gap_fill))

    def _serve_resend(self, msg: FixMessage, now: int) -> None:
        """Answer a ResendRequest from the store (test case 8, FIX 4.4 Vol. 2 "Message Recovery").

        Application messages are resent with PossDupFlag (43=Y), their original SendingTime in
        OrigSendingTime (122) and a new SendingTime; session-level messages (and numbers the store
        no longer holds) are replaced by SequenceReset-GapFill (123=Y). EndSeqNo 0 is infinity.
        """
        begin = _int(msg.get(7))
        end = _int(msg.get(16))
        if begin is None or end is None:  # e.g. 7=-1: an INT in FIX 4.2, but no number to send
            tag = 7 if begin is None else 16
            self._send_reject(msg, SessionRejectError(R.VALUE_IS_INCORRECT, tag), now)
            return
        last = self.store.next_sender_seq - 1
        if end in INFINITY_END_SEQ or end > last:
            end = last
        if begin < 1:
            begin = 1
        if begin > end:
            self._events.append(ResendServed(self.session_id, begin, end, 0))
            return
        stored = dict(self.store.get_range(begin, end))
        gap_from: int | None = None
        resent = 0
        for seq in range(begin, end + 1):
            raw = stored.get(seq)
            original = None
            if raw is not None:
                try:
                    original = decode(raw)
                except GarbledMessageError:
                    original = None
            if original is None or original.msg_type in ADMIN:
                if gap_from is None:
                    gap_from = seq
                continue
            if gap_from is not None:
                self._gap_fill(gap_from, seq, now)
                gap_from = None
            self._resend(original, now)
            resent += 1
        if gap_from is not None:
            self._gap_fill(gap_from, end + 1, now)
        self._events.append(ResendServed(self.session_id, begin, end, resent))

    def _gap_fill(self, seq: int, new: int, now: int) -> None:
        stamp = self._stamp(now)
        message = FixMessage.of("4", (43, "Y"), (122, stamp), (123, "Y"), (36, new))
        self._write(build(self.begin_string, self._head(seq, stamp), message), now)

    def _resend(self, original: FixMessage, now: int) -> None:
        original.set(122, original.get(52, ""))
        original.set(52, self._stamp(now))
        original.set(43, "Y")
        self._write(build(self.begin_string, (), original), now)

    # -- outbound --

    def _stamp(self, now: int) -> str:
        precision = self.config.sending_time_precision
        digits = precision(now) if callable(precision) else precision
        return format_fix_timestamp(now, digits)

    def _head(self, seq: int, stamp: str) -> list[tuple[int, str]]:
        head = [(49, self.sender_comp_id), (56, self.target_comp_id), (34, str(seq)), (52, stamp)]
        if self.sender_sub_id:
            head.append((50, self.sender_sub_id))
        target_sub = self.target_sub_id or (
            self._peer_sub_id if self.config.role is Role.ACCEPTOR else None
        )
        if target_sub:
            head.append((57, target_sub))
        return head

    def _send(self, message: FixMessage, now: int) -> int:
        hook = self.faults
        msg_type = message.msg_type or ""
        if hook is not None:
            plan = hook.before_send(msg_type, now, self.state in _LIVE)
            if plan is not None:
                if plan.suppress and msg_type in KEEPALIVE_TYPES:
                    self.last_sent_ns = now  # as if sent, so the heartbeat timer does not spin
                    return 0
                if plan.skip:  # an outbound sequence gap: the numbers are simply never used
                    self.store.set_next_sender_seq(self.store.next_sender_seq + plan.skip)
        seq = self.store.next_sender_seq
        raw = build(self.begin_string, self._head(seq, self._stamp(now)), message)
        admin = msg_type in ADMIN
        if admin:  # never resent (gap-filled instead), so only the number is kept
            self.store.set_next_sender_seq(seq + 1)
        else:
            self.store.save(seq, raw)
        if self.state in _LIVE or (admin and self.state in _WRITABLE):
            fault = hook.on_write(msg_type, seq, raw, now) if hook is not None else None
            if fault is None:
                self._write(raw, now)
            else:
                self._apply_fault(fault, raw, now)
        return seq

    def _write(self, raw: bytes, now: int, hold_until: int | None = None) -> None:
        if hold_until is not None or self._held:  # delayed output keeps its order
            release = max(hold_until or 0, self._held[-1][0] if self._held else 0)
            self._held.append((release, raw))
        else:
            self._out.append(raw)
        self.messages_sent += 1
        self.last_sent_ns = now

    def _apply_fault(self, fault: OutboundFault, raw: bytes, now: int) -> None:
        """Apply what the fault plan decided for one stored outbound message (issue 6)."""
        if not fault.withhold:
            self._write(fault.replacement or raw, now, fault.hold_until_ns)
            if fault.duplicate:
                copy = decode(raw)
                copy.set(122, copy.get(52, ""))
                copy.set(52, self._stamp(now))
                copy.set(43, "Y")
                self._write(build(self.begin_string, (), copy), now, fault.hold_until_ns)
        if fault.close and self.state is not SessionState.CLOSING:
            if fault.logout:
                self._send_logout(fault.logout_text, now)
            self._close(fault.reason)

    def _release_held(self, now: int) -> None:
        held = self._held
        while held and held[0][0] <= now:
            self._out.append(held.popleft()[1])

    def drop(
        self, now_ns: int, *, logout: bool = False, text: str | None = None
    ) -> list[SessionEvent]:
        """End the connection now from the facility's side (fault injection): with a Logout
        carrying ``text`` first, or without one (the TCP connection simply closes)."""
        self._events = []
        if self.state in (SessionState.DISCONNECTED, SessionState.CLOSING):
            return self._events
        if logout and self.state is SessionState.LOGGED_ON:
            self._send_logout(text, now_ns)
        self._close(text or "dropped by the facility (fault injection)")
        return self._events

    def _send_reject(
        self, ref: FixMessage, error: SessionRejectError | BusinessRejectError, now: int
    ) -> None:
        ref_seq = _int(ref.get(34))
        ref_type = ref.msg_type
        fix42 = self.begin_string == FIX42
        if isinstance(error, BusinessRejectError):
            text = error.text if error.ref_tag is None else f"{error.text} (tag {error.ref_tag})"
            reason = int(error.reason)
            if fix42 and reason > _LAST_FIX42_BUSINESS_REASON:
                reason = int(BusinessRejectReason.OTHER)  # the text names the reason
            message = FixMessage.of("j", (45, ref_seq), (372, ref_type), (380, reason), (58, text))
        else:
            # FIX 4.2 has SessionRejectReason 0-11 only: a reason added in FIX 4.3 (13-16, 99)
            # is left out and the Text says it, as QuickFIX's Session::generateReject does.
            known = not fix42 or error.reason <= _LAST_FIX42_SESSION_REASON
            message = FixMessage.of(
                "3",
                (45, ref_seq if ref_seq is not None else 0),
                (58, error.text),
                (371, error.ref_tag),
                (372, ref_type),
                (373, int(error.reason) if known else None),
            )
        self._send(message, now)
        self._events.append(
            RejectSent(
                self.session_id,
                ref_seq,
                ref_type,
                int(error.reason),
                error.ref_tag,
                error.text,
                isinstance(error, BusinessRejectError),
            )
        )

    def _reject_counted(
        self, msg: FixMessage, error: SessionRejectError | BusinessRejectError, now: int
    ) -> None:
        """Reject and, when the message carried the expected number, count it (test case 14)."""
        self._send_reject(msg, error, now)
        if msg.msg_type not in ("A",):
            self._count(_int(msg.get(34)))

    def reject(
        self,
        message: FixMessage,
        error: SessionRejectError | BusinessRejectError,
        now_ns: int,
    ) -> list[SessionEvent]:
        """Answer an (already counted) application message with 35=3 or 35=j.

        The one place where a dialect's typed error becomes a wire reject (architecture.md
        principle 6). Facility-specific rejects (TRACE 35=AR) are application messages the dialect
        builds itself; this is for problems the facility answers at the FIX level.
        """
        self._events = []
        self._send_reject(message, error, now_ns)
        return self._events

    # -- timers --

    def next_deadline_ns(self) -> int | None:
        deadline = self._timer_deadline_ns()
        if self._held and self.state in _LIVE:  # delayed output (fault injection)
            release = self._held[0][0]
            return release if deadline is None else min(deadline, release)
        return deadline

    def _timer_deadline_ns(self) -> int | None:
        state = self.state
        if state is SessionState.CONNECTED:
            return self.connected_ns + self.config.logon_timeout_ns
        if state is SessionState.LOGON_SENT:
            return self.logon_sent_ns + self.config.logon_timeout_ns
        if state is SessionState.LOGOUT_SENT:
            return self.logout_sent_ns + self.config.logout_timeout_ns
        if state is not SessionState.LOGGED_ON:
            return None
        deadline = self.day_end_ns
        hb = self.heartbeat_ns
        if hb > 0:
            grace = hb * 6 // 5
            candidates = [self.last_sent_ns + hb]
            if self.test_request_sent_ns is None:
                candidates.append(self.last_received_ns + grace)
            else:
                candidates.append(self.test_request_sent_ns + grace)
            if deadline is not None:
                candidates.append(deadline)
            deadline = min(candidates)
        return deadline

    def on_timer(self, now_ns: int) -> list[SessionEvent]:
        """Fire whatever is due at ``now_ns`` (test cases 4a, 6; logon and logout time-outs).

        A TestRequest goes out after 1.2 x HeartBtInt without input; the connection closes only
        when that TestRequest has itself gone unanswered for 1.2 x HeartBtInt. So a jump of the
        simulated clock (``advance(15 * MINUTE)``) costs a TestRequest, never a disconnect.
        """
        self._events = []
        state = self.state
        now = now_ns
        if self._held and state in _LIVE:
            self._release_held(now)
        if state in (SessionState.CONNECTED, SessionState.LOGON_SENT):
            deadline = self.next_deadline_ns()
            if deadline is not None and now >= deadline:
                seconds = self.config.logon_timeout_ns / SECOND
                self._close(f"no Logon within {seconds:g} s", peer_error=True)
            return self._events
        if state is SessionState.LOGOUT_SENT:
            if now >= self.logout_sent_ns + self.config.logout_timeout_ns:
                self._close("no answer to our Logout", peer_error=True)
            return self._events
        if state is not SessionState.LOGGED_ON:
            return self._events
        if self.day_end_ns is not None and now >= self.day_end_ns:
            self._send_logout("End of session day: sequence numbers restart at 1", now)
            return self._events
        hb = self.heartbeat_ns
        if hb <= 0:
            return self._events
        grace = hb * 6 // 5
        if self.test_request_sent_ns is not None:
            if now - self.test_request_sent_ns >= grace:
                text = "TestRequest not answered: counterparty presumed gone"
                self._send_logout(text, now)
                self._close(text, peer_error=True)
                return self._events
        elif now - self.last_received_ns >= grace:
            self._send(FixMessage.of("1", (112, TEST_REQUEST_ID)), now)
            self.test_request_sent_ns = now
        if now - self.last_sent_ns >= hb:
            self._send(FixMessage.of("0"), now)
        return self._events

    # -- helpers --

    def _daily_reset(self, now: int) -> None:
        day_source = self.config.session_day
        if day_source is None:
            return
        day = day_source.day_of(now)
        if self.store.session_day != day:
            old = self.store.next_target_seq
            self.store.reset(day)
            if old != 1:
                self._events.append(SequenceChanged(self.session_id, old, 1, gap_fill=False))

    def _go(self, event: SessionInput) -> None:
        self.state = transition(self.state, event)

    def _close(self, reason: str, *, peer_error: bool = False) -> None:
        if self.state is not SessionState.CLOSING:
            self._go(SessionInput.CLOSE)
            self.close_reason = reason
            self._events.append(Closing(self.session_id, reason, peer_error))


_LIVE = frozenset({SessionState.LOGGED_ON, SessionState.LOGOUT_SENT})
_WRITABLE = _LIVE | {SessionState.CONNECTED, SessionState.LOGON_SENT}
_TAG_NAMES = {49: "SenderCompID", 56: "TargetCompID", 52: "SendingTime", 34: "MsgSeqNum"}


# -- connections and the acceptor's session directory --


@dataclass(frozen=True, slots=True)
class Resolution:
    session: FixSession | None
    reason: str = ""


class SessionDirectory:
    """The sessions an acceptor port serves, found by the Logon's CompIDs.

    Lookup is by (SenderCompID 49, TargetCompID 56) and, when several sessions share them (one
    firm's TRACE CA, SP and TS sessions behind one FNRA CompID), by TargetSubID (57).
    """

    def __init__(
        self,
        sessions: Iterable[FixSession],
        *,
        unknown_comp_ids: UnknownCompIdPolicy = UnknownCompIdPolicy.LOGOUT,
        facility_comp_id: str | None = None,
        begin_string: str | None = None,
    ) -> None:
        self.sessions: list[FixSession] = list(sessions)
        self.unknown_comp_ids = unknown_comp_ids
        first = self.sessions[0] if self.sessions else None
        self.facility_comp_id = facility_comp_id or (first.sender_comp_id if first else "")
        self.begin_string = begin_string or (first.begin_string if first else "FIX.4.4")
        self._index: dict[tuple[str, str], list[FixSession]] = {}
        for session in self.sessions:
            key = (session.target_comp_id, session.sender_comp_id)
            self._index.setdefault(key, []).append(session)

    def resolve(self, logon: FixMessage) -> Resolution:
        sender, target = logon.get(49), logon.get(56)
        candidates = self._index.get((sender or "", target or ""), [])
        if len(candidates) > 1:
            sub = logon.get(57)
            candidates = [s for s in candidates if s.sender_sub_id == sub]
        if len(candidates) == 1:
            return Resolution(candidates[0])
        return Resolution(
            None, f"no session for SenderCompID {sender!r} and TargetCompID {target!r} here"
        )


class FixConnection:
    """One transport connection (sans-I/O): frames bytes and feeds a session.

    Give ``directory`` for an acceptor connection (the session is chosen by the first Logon,
    FIX test cases 1b, 1c, 1e) or ``session`` for an initiator. ``closed`` (or a
    :class:`Closing` event) tells the transport to write :meth:`data_to_send` and close.
    """

    def __init__(
        self,
        *,
        directory: SessionDirectory | None = None,
        session: FixSession | None = None,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        logon_timeout_ns: int = 10 * SECOND,
    ) -> None:
        if (directory is None) == (session is None):
            raise ValueError("give either a directory (acceptor) or a session (initiator)")
        self.directory = directory
        self.session = session
        self.framer = Framer(max_message_size)
        self.logon_timeout_ns = logon_timeout_ns
        self.connected_ns = 0
        self.closed = False
        self.close_reason: str | None = None
        self._out: list[bytes] = []
        self.ignored = 0

    @property
    def should_close(self) -> bool:
        if self.closed:
            return True
        session = self.session
        return session is not None and session.state in (
            SessionState.CLOSING,
            SessionState.DISCONNECTED,
        )

    def connection_made(self, now_ns: int) -> list[SessionEvent]:
        self.connected_ns = now_ns
        if self.session is not None:
            return self.session.connection_made(now_ns)
        return []

    def receive_data(self, data: bytes, now_ns: int) -> list[SessionEvent]:
        events: list[SessionEvent] = []
        if self.should_close:
            return events
        session_id = self.session.session_id if self.session else None
        for frame in self.framer.feed(data):
            if isinstance(frame, FramingError):
                self.ignored += 1
                events.append(Ignored(session_id, f"{frame.problem.value}: {frame.detail}", True))
                if frame.fatal:
                    self._close(f"closed: {frame.detail}", events)
                    break
                if self.session is None:  # test case 1d: an invalid Logon closes the connection
                    self._close(f"invalid first message ({frame.problem.value})", events)
                    break
                continue
            assert isinstance(frame, Frame)
            try:
                message = decode(frame.raw)
            except GarbledMessageError as exc:  # test cases 2d, 2t, 3c: ignored, not counted
                self.ignored += 1
                events.append(Ignored(session_id, f"garbled: {exc}", True))
                if self.session is None:
                    self._close("invalid first message (garbled)", events)
                    break
                continue
            if self.session is None:
                self._bind(message, now_ns, events)
                session_id = self.session.session_id if self.session else None
            else:
                hook = self.session.faults
                if hook is not None and (
                    dropped := hook.on_inbound(message.msg_type or "", now_ns)
                ):
                    # fault injection: the connection drops with this message still on the wire
                    events.append(Ignored(session_id, dropped))
                    self.session.close_reason = dropped
                    self._close(dropped, events, peer_error=False)
                    break
                events.extend(self.session.receive(message, now_ns))
            if self.should_close:
                break
        return events

    def _bind(self, logon: FixMessage, now: int, events: list[SessionEvent]) -> None:
        directory = self.directory
        assert directory is not None
        if logon.msg_type != "A":  # test case 1e
            self._close(f"first message is not a Logon (35={logon.msg_type})", events)
            return
        resolution = directory.resolve(logon)
        session = resolution.session
        if session is None:  # test case 1c; TRACE: silently ignored
            policy = directory.unknown_comp_ids
            events.append(Ignored(None, f"Logon refused: {resolution.reason}", True))
            if policy is UnknownCompIdPolicy.LOGOUT:
                self._out.append(
                    build(
                        logon.get(8) or directory.begin_string,
                        [
                            (49, directory.facility_comp_id),
                            (56, logon.get(49) or "UNKNOWN"),
                            (34, "1"),
                            (52, format_fix_timestamp(now, 3)),
                        ],
                        FixMessage.of("5", (58, f"Logon refused: {resolution.reason}")),
                    )
                )
                self._close("Logon refused: unknown CompIDs", events)
            elif policy is UnknownCompIdPolicy.DISCONNECT:
                self._close("Logon refused: unknown CompIDs", events)
            return
        if session.state is not SessionState.DISCONNECTED:  # test case 1b: duplicate identity
            self._close(
                f"duplicate Logon: session {session.session_id} is already connected", events
            )
            return
        self.session = session
        session.connection_made(self.connected_ns or now)
        events.extend(session.receive(logon, now))

    def data_to_send(self) -> bytes:
        data = b"".join(self._out) if self._out else b""
        self._out.clear()
        if self.session is not None and self.session.state is not SessionState.DISCONNECTED:
            data += self.session.data_to_send()
        return data

    def next_deadline_ns(self) -> int | None:
        if self.closed:
            return None
        if self.session is not None:
            return self.session.next_deadline_ns()
        return self.connected_ns + self.logon_timeout_ns

    def on_timer(self, now_ns: int) -> list[SessionEvent]:
        if self.closed:
            return []
        if self.session is not None:
            return self.session.on_timer(now_ns)
        events: list[SessionEvent] = []
        if now_ns >= self.connected_ns + self.logon_timeout_ns:
            self._close(f"no Logon within {self.logon_timeout_ns / SECOND:g} s", events)
        return events

    def connection_lost(self, now_ns: int) -> list[SessionEvent]:
        self.closed = True
        if self.session is not None:
            return self.session.connection_lost(now_ns)
        return []

    def _close(self, reason: str, events: list[SessionEvent], *, peer_error: bool = True) -> None:
        if not self.closed:
            self.closed = True
            self.close_reason = reason
            session_id = self.session.session_id if self.session else None
            events.append(Closing(session_id, reason, peer_error))
