"""The asyncio shell around the sans-I/O FIX session: read, feed, write, arm one timer.

Each TCP connection gets a :class:`ConnectionHandler` that reads chunks of at most 64 KiB, feeds
them to its :class:`~simulator.fix.session.FixConnection` with the simulated ``now``, writes what
the connection has to send (the session flushes its store first), and keeps exactly one timer
armed at the connection's next deadline through :class:`~simulator.fix.scheduler.Scheduler`. It
knows no FIX rule and no facility rule.

Isolation: no exception escapes a connection's task (it is logged and that connection closed);
one connection's garbage, flood or silence never reaches another. A flood is bounded by the
framer's message-size cap and by ``writer.drain()`` back-pressure; a connection that sends
nothing is closed at the logon timeout (on the simulated clock).

:class:`FixListener` is one listening port (an acceptor, sessions found by CompID through a
:class:`~simulator.fix.session.SessionDirectory`); :class:`FixClient` is the firm side over TCP,
an initiator session on a real socket, used by the tests and the BDD harness.

Fault injection (issue 6) reaches this layer in two places only: a listener can be put *down*
(:meth:`FixListener.set_down`: its connections dropped without a Logout, new ones closed as soon
as they are accepted -- a primary gateway that failed, while its hot-hot secondary, another
listener over the same :class:`SessionDirectory`, carries on), and
:meth:`ConnectionHandler.close` drops one connection. Everything else a fault does happens in the
sans-I/O session, decided by :mod:`simulator.faults`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from simulator.clock import SECOND, Clock
from simulator.fix.framing import DEFAULT_MAX_MESSAGE_SIZE
from simulator.fix.message import FixMessage
from simulator.fix.scheduler import Scheduler, Timer
from simulator.fix.session import (
    AdminMessage,
    ApplicationMessage,
    Closing,
    Disconnected,
    FixConnection,
    FixSession,
    Ignored,
    LoggedOn,
    LoggedOut,
    RejectSent,
    SessionDirectory,
    SessionEvent,
    SessionState,
)

log = logging.getLogger("simulator.fix")

READ_SIZE = 64 * 1024

EventHandler = Callable[["ConnectionHandler", list[SessionEvent]], None]


def log_events(handler: ConnectionHandler, events: list[SessionEvent]) -> None:
    """Log what a person operating the simulator wants to see, one line per event."""
    for event in events:
        who = getattr(event, "session_id", None) or handler.peer
        if isinstance(event, Closing):
            log.info("%s: closing: %s", who, event.reason)
        elif isinstance(event, Ignored):
            log.warning("%s: ignored: %s", who, event.reason)
        elif isinstance(event, RejectSent):
            kind = "380" if event.business else "373"
            log.warning(
                "%s: rejected %s seq %s: %s=%s %s",
                who,
                event.ref_msg_type,
                event.ref_seq,
                kind,
                event.reason,
                event.text,
            )
        elif isinstance(event, LoggedOn):
            log.info("%s: logged on%s", who, " (sequence reset)" if event.reset else "")
        elif isinstance(event, LoggedOut):
            log.info("%s: logged out%s", who, f": {event.text}" if event.text else "")
        elif isinstance(event, Disconnected):
            log.info("%s: disconnected (%s)", who, event.reason)


class ConnectionHandler:
    """Runs one :class:`FixConnection` over an asyncio stream pair."""

    def __init__(
        self,
        connection: FixConnection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        clock: Clock,
        scheduler: Scheduler,
        *,
        on_events: EventHandler | None = None,
        read_size: int = READ_SIZE,
    ) -> None:
        self.connection = connection
        self.reader = reader
        self.writer = writer
        self.clock = clock
        self.scheduler = scheduler
        self.on_events = on_events
        self.read_size = read_size
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self._timer: Timer | None = None
        self._closed = False
        self.done = asyncio.Event()

    @property
    def session(self) -> FixSession | None:
        return self.connection.session

    async def run(self) -> None:
        """Serve the connection until it closes; never raises (except cancellation)."""
        try:
            self._handle(self.connection.connection_made(self.clock.now_ns()))
            while not self.connection.should_close:
                data = await self.reader.read(self.read_size)
                if not data:
                    break
                self._handle(self.connection.receive_data(data, self.clock.now_ns()))
                if not self._closed:
                    await self.writer.drain()
        except (ConnectionError, OSError) as exc:
            log.info("%s: connection error: %s", self.peer, exc)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s: closing after an internal error", self.peer)
        finally:
            self._finish()

    def _handle(self, events: list[SessionEvent]) -> None:
        if events and self.on_events is not None:
            try:
                self.on_events(self, events)
            except Exception:
                log.exception("%s: event handler failed", self.peer)
        self.flush()
        if self.connection.should_close:
            self._close_transport()
        else:
            self._rearm()

    def flush(self) -> None:
        """Write whatever the connection has to send (stored before written, by the session)."""
        if self._closed:
            return
        data = self.connection.data_to_send()
        if data:
            self.writer.write(data)

    def wake(self) -> None:
        """Write output produced outside this connection's own input (routed messages)."""
        self.flush()
        if self.connection.should_close:
            self._close_transport()
        else:
            self._rearm()

    def _rearm(self) -> None:
        deadline = self.connection.next_deadline_ns()
        timer = self._timer
        if timer is not None and not timer.cancelled and timer.instant_ns == deadline:
            return
        if timer is not None:
            timer.cancel()
            self._timer = None
        if deadline is not None:
            self._timer = self.scheduler.call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if self._closed:
            return
        try:
            self._handle(self.connection.on_timer(self.clock.now_ns()))
        except Exception:
            log.exception("%s: timer failed; closing", self.peer)
            self._close_transport()

    def _close_transport(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        with contextlib.suppress(Exception):
            self.writer.close()  # flushes what is buffered, then closes

    def close(self) -> None:
        """Close from outside (shutdown, fault injection)."""
        self._close_transport()

    def _finish(self) -> None:
        self._close_transport()
        try:
            events = self.connection.connection_lost(self.clock.now_ns())
            if events and self.on_events is not None:
                self.on_events(self, events)
        except Exception:
            log.exception("%s: error while closing", self.peer)
        finally:
            self.done.set()


class FixListener:
    """One listening acceptor port; its sessions are found by CompID."""

    def __init__(
        self,
        name: str,
        directory: SessionDirectory,
        clock: Clock,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        on_events: EventHandler | None = None,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        logon_timeout_ns: int = 10 * SECOND,
    ) -> None:
        self.name = name
        self.directory = directory
        self.clock = clock
        self.host = host
        self.port = port
        self.on_events = on_events
        self.max_message_size = max_message_size
        self.logon_timeout_ns = logon_timeout_ns
        self.handlers: set[ConnectionHandler] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self._scheduler: Scheduler | None = None
        #: down (a failed primary, fault injection): accepted connections are closed at once
        self.down = False
        self.refused = 0

    async def start(self) -> int:
        """Bind and listen; returns the bound port (useful with port 0)."""
        self._scheduler = Scheduler(self.clock)
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    def set_down(self, down: bool) -> int:
        """Put the port down (``True``: every connection dropped without a Logout, new ones
        closed on accept) or back up; returns how many connections were dropped."""
        self.down = down
        if not down:
            return 0
        dropped = list(self.handlers)
        for handler in dropped:
            handler.close()
        return len(dropped)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            self.refused += 1
            log.info("%s: down (failover): connection closed on accept", self.name)
            with contextlib.suppress(Exception):
                writer.close()
            return
        assert self._scheduler is not None
        connection = FixConnection(
            directory=self.directory,
            max_message_size=self.max_message_size,
            logon_timeout_ns=self.logon_timeout_ns,
        )
        handler = ConnectionHandler(
            connection, reader, writer, self.clock, self._scheduler, on_events=self._events
        )
        self.handlers.add(handler)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await handler.run()
        finally:
            self.handlers.discard(handler)
            if task is not None:
                self._tasks.discard(task)

    def _events(self, handler: ConnectionHandler, events: list[SessionEvent]) -> None:
        log_events(handler, events)
        if self.on_events is not None:
            self.on_events(handler, events)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for handler in list(self.handlers):
            handler.close()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None
        if self._scheduler is not None:
            self._scheduler.close()
            self._scheduler = None


class FixClient:
    """The firm side over TCP: an initiator :class:`FixSession` on a real socket.

    ``events`` receives every session event; ``messages`` every application message received.
    The waits take a real-time ``timeout`` only as a safety net against a dead peer.
    """

    def __init__(self, session: FixSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self.events: asyncio.Queue[SessionEvent] = asyncio.Queue()
        self.messages: asyncio.Queue[FixMessage] = asyncio.Queue()
        self.admin: asyncio.Queue[FixMessage] = asyncio.Queue()
        self.logged_on = asyncio.Event()
        self.handler: ConnectionHandler | None = None
        self._task: asyncio.Task[None] | None = None
        self._scheduler: Scheduler | None = None

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        session: FixSession,
        clock: Clock,
        *,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> FixClient:
        client = cls(session, clock)
        reader, writer = await asyncio.open_connection(host, port)
        client._scheduler = Scheduler(clock)
        connection = FixConnection(session=session, max_message_size=max_message_size)
        client.handler = ConnectionHandler(
            connection, reader, writer, clock, client._scheduler, on_events=client._on_events
        )
        client._task = asyncio.create_task(client.handler.run())
        await asyncio.sleep(0)  # let the handler attach the session (connection_made)
        return client

    def _on_events(self, handler: ConnectionHandler, events: list[SessionEvent]) -> None:
        for event in events:
            self.events.put_nowait(event)
            if isinstance(event, ApplicationMessage):
                self.messages.put_nowait(event.message)
            elif isinstance(event, AdminMessage):
                self.admin.put_nowait(event.message)
            elif isinstance(event, LoggedOn):
                self.logged_on.set()

    def _wake(self, events: list[SessionEvent]) -> None:
        assert self.handler is not None
        if events:
            self._on_events(self.handler, events)
        self.handler.wake()

    async def logon(self, *, reset_seq: bool | None = None, timeout: float = 5.0) -> None:
        """Send Logon and wait for the acceptor's; raises ``ConnectionError`` if refused."""
        if self.session.state is not SessionState.CONNECTED:
            reason = self.session.close_reason or self.session.state.value
            raise ConnectionError(f"cannot log on to {self.session.target_comp_id}: {reason}")
        self._wake(self.session.logon(self.clock.now_ns(), reset_seq=reset_seq))
        done = asyncio.ensure_future(self.logged_on.wait())
        assert self._task is not None
        await asyncio.wait({done, self._task}, timeout=timeout, return_when="FIRST_COMPLETED")
        if not self.logged_on.is_set():
            done.cancel()
            reason = self.session.close_reason or "no Logon answer in time"
            raise ConnectionError(f"Logon to {self.session.target_comp_id} failed: {reason}")

    def send(self, message: FixMessage) -> int:
        """Send an application message now; returns its MsgSeqNum."""
        seq = self.session.send_app(message, self.clock.now_ns())
        assert self.handler is not None
        self.handler.wake()
        return seq

    def send_raw(self, data: bytes) -> None:
        """Write bytes as they are (malformed input for tests and fault rehearsals)."""
        assert self.handler is not None
        self.handler.writer.write(data)

    async def receive(self, timeout: float = 5.0) -> FixMessage:
        """The next application message received."""
        return await asyncio.wait_for(self.messages.get(), timeout)

    async def next_admin(self, msg_type: str, timeout: float = 5.0) -> FixMessage:
        """The next received session-level message of ``msg_type`` (e.g. ``"0"``)."""

        async def wait() -> FixMessage:
            while True:
                message = await self.admin.get()
                if message.msg_type == msg_type:
                    return message

        return await asyncio.wait_for(wait(), timeout)

    async def logout(self, text: str | None = None, timeout: float = 5.0) -> None:
        self._wake(self.session.logout(self.clock.now_ns(), text))
        await self.wait_closed(timeout)

    async def wait_closed(self, timeout: float = 5.0) -> None:
        if self.handler is not None:
            await asyncio.wait_for(self.handler.done.wait(), timeout)

    async def close(self) -> None:
        if self.handler is not None:
            self.handler.close()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 5)
        if self._scheduler is not None:
            self._scheduler.close()
            self._scheduler = None

    @property
    def closed(self) -> bool:
        return self.session.state in (SessionState.DISCONNECTED, SessionState.CLOSING)
