"""The FIX session state machine: every state, input and transition, in one table.

Everything that changes :attr:`simulator.fix.session.FixSession.state` goes through
:func:`transition`, which looks the (state, input) pair up in :data:`TRANSITIONS` and raises
:class:`~simulator.fix.errors.InvalidSessionTransition` for a pair the table does not list -- the
shape of h11's ``_state.py`` (architecture.md principle 3). :data:`TIMERS` says which timer
runs in each state and :data:`ACCEPTS` which inbound messages the state processes;
``docs/fix-session.md`` reproduces :func:`describe` so the documentation cannot drift.

Sources: FIX 4.2/4.4 Vol. 2 "Session protocol" (logon, logout, heartbeat, test request) and
QuickFIX ``SessionState.h`` (logon timeout, logout timeout, heartbeat and test request timers).
"""

from __future__ import annotations

from enum import StrEnum

from simulator.fix.errors import InvalidSessionTransition


class SessionState(StrEnum):
    DISCONNECTED = "disconnected"  # no transport attached
    CONNECTED = "connected"  # transport up; acceptor waits for Logon, initiator about to send it
    LOGON_SENT = "logon-sent"  # initiator sent Logon, waits for the acceptor's Logon
    LOGGED_ON = "logged-on"  # both Logons exchanged; application messages flow
    LOGOUT_SENT = "logout-sent"  # we sent Logout and wait for the answering Logout
    CLOSING = "closing"  # the exchange is over; the transport closes after writing what is queued


class SessionInput(StrEnum):
    CONNECT = "connect"
    SEND_LOGON = "send-logon"
    RECEIVE_LOGON = "receive-logon"
    SEND_LOGOUT = "send-logout"
    RECEIVE_LOGOUT = "receive-logout"
    CLOSE = "close"  # we end the exchange (refused logon, MsgSeqNum too low, time-out, ...)
    DISCONNECT = "disconnect"  # the transport is gone


S = SessionState
I = SessionInput  # noqa: E741 - a table reads best with one-letter aliases

#: (state, input) -> next state. Anything not listed is a bug in the caller.
TRANSITIONS: dict[tuple[SessionState, SessionInput], SessionState] = {
    (S.DISCONNECTED, I.CONNECT): S.CONNECTED,
    (S.CONNECTED, I.SEND_LOGON): S.LOGON_SENT,  # initiator
    (S.CONNECTED, I.RECEIVE_LOGON): S.LOGGED_ON,  # acceptor: valid Logon, answered with Logon
    (S.LOGON_SENT, I.RECEIVE_LOGON): S.LOGGED_ON,  # initiator: the acceptor's Logon arrived
    (S.LOGGED_ON, I.RECEIVE_LOGON): S.LOGGED_ON,  # Logon with ResetSeqNumFlag=Y in session
    (S.LOGGED_ON, I.SEND_LOGOUT): S.LOGOUT_SENT,
    (S.LOGGED_ON, I.RECEIVE_LOGOUT): S.CLOSING,  # unsolicited Logout: answer it, then close
    (S.LOGOUT_SENT, I.RECEIVE_LOGOUT): S.CLOSING,  # the answer to our Logout
    (S.LOGOUT_SENT, I.SEND_LOGOUT): S.LOGOUT_SENT,
    (S.CONNECTED, I.CLOSE): S.CLOSING,
    (S.LOGON_SENT, I.CLOSE): S.CLOSING,
    (S.LOGGED_ON, I.CLOSE): S.CLOSING,
    (S.LOGOUT_SENT, I.CLOSE): S.CLOSING,
    (S.CLOSING, I.CLOSE): S.CLOSING,
    (S.CONNECTED, I.DISCONNECT): S.DISCONNECTED,
    (S.LOGON_SENT, I.DISCONNECT): S.DISCONNECTED,
    (S.LOGGED_ON, I.DISCONNECT): S.DISCONNECTED,
    (S.LOGOUT_SENT, I.DISCONNECT): S.DISCONNECTED,
    (S.CLOSING, I.DISCONNECT): S.DISCONNECTED,
    (S.DISCONNECTED, I.DISCONNECT): S.DISCONNECTED,
}

#: The timer that runs in each state (QuickFIX SessionState: logon/logout time-outs, heartbeat).
TIMERS: dict[SessionState, str] = {
    S.DISCONNECTED: "none",
    S.CONNECTED: "logon timeout (from connect): close",
    S.LOGON_SENT: "logon timeout (from Logon sent): close",
    S.LOGGED_ON: (
        "heartbeat after HeartBtInt without sending; TestRequest after 1.2 x HeartBtInt without "
        "receiving; close when that TestRequest goes unanswered for 1.2 x HeartBtInt; Logout at "
        "the end of the session day"
    ),
    S.LOGOUT_SENT: "logout timeout (from Logout sent): close",
    S.CLOSING: "none (the transport closes)",
}

#: What each state does with an inbound message.
ACCEPTS: dict[SessionState, str] = {
    S.DISCONNECTED: "nothing (no transport)",
    S.CONNECTED: "acceptor: Logon only; any other first message closes the connection",
    S.LOGON_SENT: "the acceptor's Logon (or its Logout, which closes)",
    S.LOGGED_ON: "every message",
    S.LOGOUT_SENT: "every message; the answering Logout closes",
    S.CLOSING: "nothing (ignored)",
}


def transition(state: SessionState, event: SessionInput) -> SessionState:
    """The state after ``event``; :class:`InvalidSessionTransition` if the table forbids it."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise InvalidSessionTransition(state.value, event.value) from None


def describe() -> str:
    """The tables as Markdown, for ``docs/fix-session.md``."""
    lines = ["| state | input | next state |", "|---|---|---|"]
    for (state, event), target in TRANSITIONS.items():
        lines.append(f"| `{state.value}` | `{event.value}` | `{target.value}` |")
    lines += ["", "| state | timer | inbound messages |", "|---|---|---|"]
    for state in SessionState:
        lines.append(f"| `{state.value}` | {TIMERS[state]} | {ACCEPTS[state]} |")
    return "\n".join(lines)
