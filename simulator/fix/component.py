"""The FIX component: a listener per configured port, the facility dialects, routing, drop copy.

:class:`FixComponent` is a :class:`~simulator.runtime.Component`. ``start(context)`` builds one
:class:`~simulator.fix.session.FixSession` per firm per configured port (sequence numbers in the
SQLite message store under the data directory, so a restart resumes them), binds each port (port
0 allowed) and returns the endpoints ``facsim serve`` prints. It publishes itself as
``context.services["fix"]`` for the control API (``snapshot()``, ``disconnect(session_id)``) and
its ``reset`` in ``context.services["reset_hooks"]`` (every session back to sequence number 1).

Routing. An in-sequence application message goes to the session's
:class:`~simulator.fix.application.Application` (the facility dialect from
:func:`simulator.fix.dialects.application_for`, when that package is present). Each
:class:`~simulator.fix.application.Outbound` it returns is sent on the same session, or, with
``to_firm`` (a TRACE contra-party allege), to every logged-on session of that firm -- matched by
firm name or MPID -- at the same facility and region. Every acknowledgement and reject marked
``copy_to_drop`` is copied to the receiving firm's drop-copy sessions at that facility with
CopyMsgIndicator 797=Y (TRACE FIX specification, facilities.md 3.1 "Drop copy"); a drop copy is
stored even while its consumer is away and recovered by ResendRequest at its next Logon.

Fault injection (issue 6). At start the component creates the simulator's
:class:`~simulator.faults.runtime.FaultRuntime` (``context.services["faults"]``: the control
API's ``/faults``, the BDD fault steps) and arms the config's ``[[faults]]``. The runtime hooks
the sessions, times the faults and writes each to the journal; this component supplies what it
needs -- the sessions and their live connections, ports that can go down, hot-hot secondary
listeners (``secondary_port``, or started when a failover is armed) -- and asks it, for each
inbound application message, whether a throttle refuses it.

Durability (issue 3, "an acknowledged report is durable"): the sessions' message store lives in
the journal's database, and one journal transaction per read of input holds the inbound sequence
numbers, the reports the dialect journals and every answer the sessions store; the transport
writes the answers only after it commits (``_journal_then_deliver``).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from simulator.clock import SECOND, Clock, SystemClock
from simulator.config import FirmConfig, PortConfig, ServeConfig
from simulator.config import session_id as make_session_id
from simulator.domain.facility import FacilityId, Region
from simulator.faults.plan import SessionRef
from simulator.faults.runtime import FaultRuntime
from simulator.faults.spec import (
    BUSINESS_REJECT,
    COUNTERPARTY_ERROR,
    SESSION_REJECT,
    ThrottleAction,
)
from simulator.fix.application import Application, Outbound, SessionInfo
from simulator.fix.dictionary import DataDictionary, for_session
from simulator.fix.errors import BusinessRejectError, BusinessRejectReason, SessionRejectError
from simulator.fix.message import FixMessage
from simulator.fix.session import (
    ApplicationMessage,
    Closing,
    DailyReset,
    Disconnected,
    FixSession,
    Ignored,
    LoggedOn,
    RejectSent,
    Role,
    SessionConfig,
    SessionDirectory,
    SessionEvent,
)
from simulator.fix.store import (
    STORE_FILENAME,
    MemoryStore,
    MessageStore,
    SqliteStoreFactory,
    import_store_file,
)
from simulator.fix.transport import ConnectionHandler, FixListener
from simulator.journal.sqlite import SqliteJournal
from simulator.runtime import Endpoint, SimulatorContext

log = logging.getLogger("simulator.fix")

ApplicationFactory = Callable[[SessionInfo, SimulatorContext], Application | None]
SERVICE_KEY = "fix"
#: Counterparty errors and session-level rejects journaled per connection before they are only
#: counted (see FixComponent._record_incidents).
INCIDENTS_PER_CONNECTION = 100


def _dialects() -> Any:
    try:
        return importlib.import_module("simulator.fix.dialects")
    except ImportError:
        return None


def dialect_application(info: SessionInfo, context: SimulatorContext) -> Application | None:
    """The facility dialect for ``info``, or ``None`` when the dialects are not installed."""
    dialects = _dialects()
    if dialects is None:
        return None
    app: Application = dialects.application_for(info, context)
    return app


class FixComponent:
    """Serves every configured FIX port of a :class:`~simulator.config.ServeConfig`."""

    name = "fix"

    def __init__(
        self,
        config: ServeConfig,
        *,
        application_factory: ApplicationFactory | None = dialect_application,
        port_offset: int = 0,
        auto_ports: bool = False,
        store_path: Path | str | None = None,
        memory_store: bool = False,
    ) -> None:
        self.config = config
        self.application_factory = application_factory
        self.port_offset = port_offset
        self.auto_ports = auto_ports
        self.store_path = store_path
        self.memory_store = memory_store
        self.sessions: dict[str, FixSession] = {}
        self.listeners: dict[str, FixListener] = {}
        self._apps: dict[str, Application | None] = {}
        self._live: dict[str, ConnectionHandler] = {}
        # Answers held while a read's journal batch is open (see _journal_then_deliver).
        self._held: list[Callable[[], object]] | None = None
        # incidents journaled per connection (_record_incidents); forgotten with the connection
        self._incidents: weakref.WeakKeyDictionary[ConnectionHandler, int] = (
            weakref.WeakKeyDictionary()
        )
        # Each session's output before the open read's transaction (see _journal_then_deliver).
        self._marks: dict[str, tuple[FixSession, tuple[int, int, int, int]]] | None = None
        self._firm_of: dict[str, str] = {}  # firm name or MPID -> firm name
        self._trading: dict[tuple[str, FacilityId, Region], list[FixSession]] = {}
        self._drops: dict[tuple[str, FacilityId, Region], list[FixSession]] = {}
        self._stores: SqliteStoreFactory | None = None
        self._context: SimulatorContext | None = None
        self._touched: set[str] = set()
        self._refs: dict[str, SessionRef] = {}
        self._ports: dict[str, PortConfig] = {}
        self._directories: dict[str, SessionDirectory] = {}
        self.secondaries: dict[str, FixListener] = {}
        self._secondary_endpoints: dict[str, Endpoint] = {}
        self.faults: FaultRuntime | None = None
        self._endpoint_lists: Any = None

    # -- lifecycle --

    async def start(self, context: SimulatorContext) -> list[Endpoint]:
        self._context = context
        # the simulator's own list of endpoints (``Simulator.endpoints``, which the control API
        # and the harness read); a secondary started later by a failover is added to it
        self._endpoint_lists = context.services.get("endpoints")
        clock = context.clock
        if not self.memory_store:
            self._stores = self._store_factory(context)
        for name, firm in self.config.firms.items():
            self._firm_of[name] = name
            for mpid in firm.mpids:
                self._firm_of[mpid] = name
        dictionaries: dict[tuple[str, str], DataDictionary] = {}
        endpoints: list[Endpoint] = []
        try:
            for port in self.config.ports:
                sessions = [
                    self._session(port, self.config.firms[login.firm], login, clock, dictionaries)
                    for login in port.logins
                ]
                directory = SessionDirectory(
                    sessions,
                    unknown_comp_ids=port.unknown_comp_ids,
                    facility_comp_id=port.facility_comp_id,
                    begin_string=port.begin_string,
                )
                listener = FixListener(
                    port.name,
                    directory,
                    clock,
                    host=port.host,
                    port=0 if self.auto_ports or not port.port else port.port + self.port_offset,
                    on_events=self._on_events,
                    max_message_size=port.max_message_size,
                    logon_timeout_ns=port.logon_timeout * SECOND,
                )
                bound = await listener.start()
                self.listeners[port.name] = listener
                self._ports[port.name] = port
                self._directories[port.name] = directory
                endpoints.append(self._endpoint(port, bound))
            for port in self.config.ports:
                if port.secondary_port is not None:
                    endpoints.append(await self._start_secondary(port, port.secondary_port))
            self.faults = FaultRuntime(self, context)
            await self.faults.start(self.config.faults)
        except BaseException:
            await self.stop()
            raise
        context.services[SERVICE_KEY] = self
        context.services["faults"] = self.faults
        context.services.setdefault("reset_hooks", []).append(("fix", self.reset))
        return endpoints

    def _store_factory(self, context: SimulatorContext) -> SqliteStoreFactory:
        """The sessions' message store: in the journal's database when the journal is SQLite
        (one commit per read, see _journal_then_deliver), else a file of its own. A store file
        left by an earlier version in the data directory is taken into the journal once."""
        journal = context.journal
        if self.store_path is None and isinstance(journal, SqliteJournal):
            factory = SqliteStoreFactory(journal=journal)
            if context.data_dir is not None:
                import_store_file(factory, Path(context.data_dir) / STORE_FILENAME)
            return factory
        path = Path(self.store_path) if self.store_path else Path(context.data_dir)
        return SqliteStoreFactory(path if path.suffix else path / STORE_FILENAME)

    def _session(
        self,
        port: PortConfig,
        firm: FirmConfig,
        login: Any,
        clock: Clock,
        dictionaries: dict[tuple[str, str], DataDictionary],
    ) -> FixSession:
        sid = make_session_id(port.name, login.comp_id, login.sub_id)
        self._refs[sid] = SessionRef(
            sid, port.name, port.facility, firm.name, login.comp_id, firm.mpids
        )
        info = SessionInfo(
            session_id=sid,
            facility=port.facility,
            begin_string=port.begin_string,
            facility_comp_id=port.facility_comp_id,
            firm_comp_id=login.comp_id,
            firm=firm.name,
            port_type=port.port_type,
            region=port.region,
            facility_sub_id=port.facility_sub_id,
            firm_sub_id=login.sub_id,
            mpids=firm.mpids,
            uat_registered=firm.uat_registered,
            drop_copy=port.drop_copy,
        )
        assert self._context is not None
        app = None
        if not port.drop_copy and self.application_factory is not None:
            app = self.application_factory(info, self._context)
        self._apps[sid] = app
        dictionary = self._dictionary(port, dictionaries)
        if port.drop_copy:
            supported: frozenset[str] | None = frozenset()  # outbound only: 35=j 380=3
        else:
            supported = getattr(app, "msg_types", None)
        store: MessageStore = self._stores.store(sid) if self._stores is not None else MemoryStore()
        session = FixSession(
            SessionConfig(
                info=info,
                role=Role.ACCEPTOR,
                heartbeat_min_s=port.heartbeat_min,
                heartbeat_max_s=port.heartbeat_max,
                logon_timeout_ns=port.logon_timeout * SECOND,
                max_latency_ns=self._latency(port, clock),
                sending_time_precision=self._precision(info),
                session_day=DailyReset(port.daily_reset) if port.daily_reset else None,
                dictionary=dictionary,
                supported_app_types=frozenset(supported) if supported is not None else None,
                validate_fields=port.validate_fields,
            ),
            store,
        )
        self.sessions[sid] = session
        key = (firm.name, port.facility, port.region)
        (self._drops if port.drop_copy else self._trading).setdefault(key, []).append(session)
        return session

    @staticmethod
    def _latency(port: PortConfig, clock: Clock) -> int | None:
        if port.max_latency == "off":
            return None
        if port.max_latency == "auto":
            # A firm's engine stamps SendingTime with its own wall clock. The 2-minute check
            # (test case 2o) can only hold where the facility reads that same clock: on a
            # simulator "as of" another date (offset or frozen clock) every message would fail.
            return 120 * SECOND if isinstance(clock, SystemClock) else None
        return int(port.max_latency) * SECOND

    @staticmethod
    def _precision(info: SessionInfo) -> int | Callable[[int], int]:
        dialects = _dialects()
        precision = getattr(dialects, "outbound_precision", None)
        if precision is None:
            return 3

        def digits(now_ns: int) -> int:
            try:
                return int(precision(info, now_ns))
            except Exception:  # a profile gap must not stop a heartbeat
                log.exception("%s: no outbound precision; using milliseconds", info.session_id)
                return 3

        return digits

    @staticmethod
    def _dictionary(
        port: PortConfig, cache: dict[tuple[str, str], DataDictionary]
    ) -> DataDictionary:
        path: str | None = port.dictionary
        if path is None:
            dialects = _dialects()
            finder = getattr(dialects, "dictionary_path", None)
            if finder is not None:
                with contextlib.suppress(Exception):
                    path = str(finder(port.facility, port.port_type))
        key = (port.begin_string, path or "")
        if key not in cache:
            cache[key] = for_session(port.begin_string, path)
        return cache[key]

    def _endpoint(self, port: PortConfig, bound: int) -> Endpoint:
        facility_ids = f"{port.facility_comp_id}" + (
            f"/{port.facility_sub_id}" if port.facility_sub_id else ""
        )
        firms = ",".join(
            login.comp_id + (f"/{login.sub_id}" if login.sub_id else "") for login in port.logins
        )
        details = {
            "begin": port.begin_string,
            "facility": port.facility.value,
            "port_type": port.port_type.value,
            "region": port.region.value,
            "comp_id": facility_ids,
            "firms": firms,
        }
        if port.drop_copy:
            details["drop_copy"] = "yes"
        return Endpoint("fix", port.name, "fix", port.host, bound, details)

    async def stop(self) -> None:
        if self.faults is not None:
            await self.faults.stop()
        for listener in [*self.listeners.values(), *self.secondaries.values()]:
            try:
                await listener.stop()
            except Exception:
                log.exception("%s: error while stopping", listener.name)
        self.listeners.clear()
        self.secondaries.clear()
        self._live.clear()
        if self._stores is not None:
            try:
                self._stores.close()
            finally:
                self._stores = None

    # -- events and routing --

    def _on_events(self, handler: ConnectionHandler, events: list[SessionEvent]) -> None:
        context = self._context
        now = context.clock.now_ns() if context is not None else 0
        self._record_incidents(handler, events, now)
        apps = [e for e in events if isinstance(e, ApplicationMessage)]
        if apps:
            self._journal_then_deliver(handler, events, apps, now)
        else:
            for event in events:
                self._event(handler, event, now)
        self._wake_others(handler)

    def _journal_then_deliver(
        self,
        handler: ConnectionHandler,
        events: list[SessionEvent],
        apps: list[ApplicationMessage],
        now: int,
    ) -> None:
        """Handle a read's application messages in one journal transaction, then answer.

        Issue 3: "an acknowledged report is in the journal before its acknowledgement is
        written". With the message store in the journal's database (``facsim serve``), one
        transaction holds the read's inbound sequence numbers, its reports and the answers
        stored for every session they go to (acknowledgements, alleges, drop copies); the
        transport writes them only after it commits. A crash keeps all of it or none: what
        was never counted the firm's engine sends again when the facility asks for it
        (ResendRequest at the next Logon), so nothing is journaled twice or lost.

        If the transaction fails, nothing of it is written: every session takes back what it
        was about to send (their numbers are used again, so no peer sees a gap) and each
        application message of the read gets a Business Message Reject (380=4, application
        not available) instead, so the firm knows to send it again.
        """
        origin = self.sessions[apps[0].session_id]
        if self._stores is None or not self._stores.in_journal:
            origin.store.flush()  # a store of its own: count before journaling
        self._marks = {origin.session_id: (origin, origin.output_mark())}
        self._held = []
        try:
            with self._journal_batch():
                for event in events:
                    self._event(handler, event, now)
                held, self._held = self._held, None
                for answer in held:  # in the order the read's messages were handled
                    answer()
                if self._stores is not None:
                    self._stores.flush()  # in the batch: committed with the reports
        except Exception:
            log.exception("%s: the journal could not commit a read", origin.session_id)
            self._held = None
            for session, mark in self._marks.values():
                session.take_back(mark)
            self._marks = None
            text = "the facility could not record this message; it was not accepted, send it again"
            reason = BusinessRejectReason.APPLICATION_NOT_AVAILABLE
            for event in apps:
                error = BusinessRejectError(reason, text=text)
                session = self.sessions[event.session_id]
                self._log_reject(session.reject(event.message, error, now), now)
            return
        finally:
            self._held = None
        self._marks = None

    def _record_incidents(
        self, handler: ConnectionHandler | None, events: list[SessionEvent], now: int
    ) -> None:
        """Journal what a counterparty did wrong and what the facility answered at the session
        level (issue 6, "Bad input": the simulator answers, isolates *and records* it), so a
        firm's tester can ask the journal what their engine did wrong in a rehearsal:

        * ``counterparty-error`` -- input ignored because it broke the protocol (garbled bytes,
          a bad frame, a Logon for unknown CompIDs) or a disconnect the counterparty forced
          (MsgSeqNum too low, no Logon in time, a duplicate Logon, an unanswered TestRequest);
        * ``session-reject`` / ``business-reject`` -- every 35=3 and 35=j sent, with its code.

        At most :data:`INCIDENTS_PER_CONNECTION` per connection, then one record saying how
        many more there were: a client that floods garbage cannot flood the journal.
        """
        journal = self._context.journal if self._context is not None else None
        record = getattr(journal, "record_fault", None)
        if record is None:
            return
        for event in events:
            if isinstance(event, (Ignored, Closing)) and event.peer_error:
                kind, detail = COUNTERPARTY_ERROR, event.reason
                if isinstance(event, Closing):
                    detail = f"disconnected: {event.reason}"
            elif isinstance(event, RejectSent):
                code = f"380={event.reason}" if event.business else f"373={event.reason}"
                tag = f" tag {event.ref_tag}" if event.ref_tag is not None else ""
                kind = BUSINESS_REJECT if event.business else SESSION_REJECT
                detail = f"{code}{tag} on {event.ref_msg_type} seq {event.ref_seq}: {event.text}"
            else:
                continue
            if handler is not None:  # a session away from its connection is not capped
                count = self._incidents.get(handler, 0) + 1
                self._incidents[handler] = count
                if count > INCIDENTS_PER_CONNECTION + 1:
                    continue
                if count == INCIDENTS_PER_CONNECTION + 1:
                    kind = COUNTERPARTY_ERROR
                    detail = (
                        f"more than {INCIDENTS_PER_CONNECTION} incidents: the rest not recorded"
                    )
            session = getattr(event, "session_id", None)
            peer = handler.peer if handler is not None else "?"
            scope = f"session:{session}" if session else f"connection:{peer}"
            try:
                record(now, scope, kind, detail)
            except Exception:  # the journal closing under us at shutdown, say
                log.exception("could not journal %s", event)

    def _mark(self, session: FixSession) -> None:
        """Note where ``session``'s output stood before this read's transaction touches it."""
        marks = self._marks
        if marks is not None and session.session_id not in marks:
            marks[session.session_id] = (session, session.output_mark())

    def _answer(self, send: Callable[[], object]) -> None:
        """Send now, or once every message of the read has been handled (keeping the read's
        order; still inside its transaction, and written only after it commits)."""
        if self._held is not None:
            self._held.append(send)
        else:
            send()

    def _refuse(
        self,
        session: FixSession,
        message: FixMessage,
        error: SessionRejectError | BusinessRejectError,
        now: int,
    ) -> None:
        self._answer(lambda: self._log_reject(session.reject(message, error, now), now))

    def _journal_batch(self) -> contextlib.AbstractContextManager[Any]:
        journal = self._context.journal if self._context is not None else None
        batch = getattr(journal, "batch", None)
        return batch() if batch is not None else contextlib.nullcontext()

    def _event(self, handler: ConnectionHandler, event: SessionEvent, now: int) -> None:
        if isinstance(event, ApplicationMessage):
            self._dispatch(self.sessions[event.session_id], event, now)
        elif isinstance(event, LoggedOn):
            self._live[event.session_id] = handler
            session = self.sessions[event.session_id]
            app = self._apps.get(event.session_id)
            if app is not None:
                try:
                    outbound = app.on_logon(session.info, now)
                except Exception:
                    log.exception("%s: application failed on logon", event.session_id)
                    outbound = []
                for out in outbound:
                    self._deliver(session, out, now)
        elif isinstance(event, Disconnected) and self._live.get(event.session_id) is handler:
            del self._live[event.session_id]

    def _dispatch(self, session: FixSession, event: ApplicationMessage, now: int) -> None:
        app = self._apps.get(session.session_id)
        message = event.message
        if app is None:
            error = BusinessRejectError(
                BusinessRejectReason.APPLICATION_NOT_AVAILABLE,
                text="no trade-reporting application is configured on this port",
            )
            self._refuse(session, message, error, now)
            return
        faults = self.faults
        if faults is not None:
            throttled = faults.throttle(session.session_id, message.msg_type or "", now)
            if throttled is not None:  # fault injection: beyond the session's rate
                if throttled.action is ThrottleAction.DISCONNECT:
                    text = throttled.text
                    self._answer(lambda: session.drop(now, logout=True, text=text))
                else:
                    error = BusinessRejectError(BusinessRejectReason.OTHER, text=throttled.text)
                    self._refuse(session, message, error, now)
                return
        try:
            outbound = app.on_message(session.info, message, now)
        except (SessionRejectError, BusinessRejectError) as exc:
            self._refuse(session, message, exc, now)
            return
        except Exception:  # a dialect bug must not take the session down (principle 6)
            log.exception("%s: application failed on seq %s", session.session_id, event.seq)
            error = BusinessRejectError(BusinessRejectReason.APPLICATION_NOT_AVAILABLE)
            self._refuse(session, message, error, now)
            return
        for out in outbound:
            self._deliver(session, out, now)

    def _log_reject(self, events: list[SessionEvent], now: int) -> None:
        for event in events:
            log.warning("%s", event)
        session_id = next((getattr(e, "session_id", None) for e in events), None)
        self._record_incidents(self._live.get(session_id or ""), events, now)

    def _deliver(self, origin: FixSession, outbound: Outbound, now: int) -> None:
        if self._held is not None:  # the read's messages are being handled: deliver after them
            self._held.append(lambda: self._deliver(origin, outbound, now))
            return
        info = origin.info
        if outbound.to_firm is None:
            targets = [origin]
        else:
            firm = self._firm_of.get(outbound.to_firm, outbound.to_firm)
            candidates = self._trading.get((firm, info.facility, info.region), [])
            targets = [s for s in candidates if s.is_logged_on]
            if not targets:
                log.info(
                    "%s: no logged-on session of %s for %s",
                    info.session_id,
                    outbound.to_firm,
                    outbound.message.msg_type,
                )
        for target in targets:
            self._mark(target)
            target.send_app(outbound.message, now)
            self._touched.add(target.session_id)
            if outbound.copy_to_drop:
                self._drop_copy(target, outbound, now)

    def _drop_copy(self, target: FixSession, outbound: Outbound, now: int) -> None:
        info = target.info
        for drop in self._drops.get((info.firm, info.facility, info.region), []):
            copy = outbound.message.copy()
            copy.set(797, "Y")  # CopyMsgIndicator
            self._mark(drop)
            drop.send_app(copy, now)
            self._touched.add(drop.session_id)
            self._record_copy(drop, copy, now)

    def _record_copy(self, drop: FixSession, message: Any, now: int) -> None:
        journal = self._context.journal if self._context is not None else None
        record = getattr(journal, "record_delivery", None)
        if record is None:
            return
        try:
            record(
                recipient=drop.info.firm,
                msg_type=str(message.msg_type),
                ns=now,
                session_id=drop.session_id,
                copy=True,
                detail="drop copy (797=Y)",
            )
        except Exception:
            log.exception("%s: could not journal the drop copy", drop.session_id)

    def _wake_others(self, current: ConnectionHandler) -> None:
        touched, self._touched = self._touched, set()
        for session_id in touched:
            handler = self._live.get(session_id)
            if handler is not None and handler is not current:
                handler.wake()

    # -- for the control API and tests --

    def session(self, session_id: str) -> FixSession:
        return self.sessions[session_id]

    def sessions_of(self, firm: str) -> list[FixSession]:
        name = self._firm_of.get(firm, firm)
        return [s for s in self.sessions.values() if s.info.firm == name]

    def snapshot(self) -> list[dict[str, object]]:
        """Every session's state and sequence numbers (control API, ``facsim serve`` logs)."""
        out = []
        for session in self.sessions.values():
            item = session.describe()
            item["firm"] = session.info.firm
            item["facility"] = session.info.facility.value
            item["drop_copy"] = session.info.drop_copy
            item["connected"] = session.session_id in self._live
            out.append(item)
        return out

    # -- for the fault runtime (simulator.faults.runtime.FixPorts) --

    def session_refs(self) -> list[SessionRef]:
        return list(self._refs.values())

    def port_facilities(self) -> dict[str, FacilityId]:
        return {name: port.facility for name, port in self._ports.items()}

    def live_handler(self, session_id: str) -> ConnectionHandler | None:
        return self._live.get(session_id)

    async def ensure_secondary(self, port: str) -> Endpoint:
        """The hot-hot secondary of ``port``, started now (on any free port) if it is not up."""
        endpoint = self._secondary_endpoints.get(port)
        if endpoint is not None:
            return endpoint
        return await self._start_secondary(self._ports[port], 0)

    def secondary_endpoint(self, port: str) -> Endpoint | None:
        return self._secondary_endpoints.get(port)

    def set_port_down(self, port: str, down: bool) -> int:
        listener = self.listeners.get(port)
        return listener.set_down(down) if listener is not None else 0

    async def _start_secondary(self, port: PortConfig, number: int) -> Endpoint:
        """A second listener over the primary's sessions (one store, one directory): a firm that
        logs on there continues the session's sequence numbers, as on the facilities' hot-hot
        primary/secondary gateways (Nasdaq native TRF FIX, facilities.md section 3; TRACE "state
        replicated to a primary and a secondary gateway", section 3.1)."""
        assert self._context is not None
        bound_to = 0 if self.auto_ports or not number else number + self.port_offset
        listener = FixListener(
            f"{port.name}-secondary",
            self._directories[port.name],
            self._context.clock,
            host=port.host,
            port=bound_to,
            on_events=self._on_events,
            max_message_size=port.max_message_size,
            logon_timeout_ns=port.logon_timeout * SECOND,
        )
        bound = await listener.start()
        self.secondaries[port.name] = listener
        primary = self._endpoint(port, bound)
        details = {**primary.details, "role": "secondary", "primary": port.name}
        endpoint = Endpoint("fix", f"{port.name}-secondary", "fix", port.host, bound, details)
        self._secondary_endpoints[port.name] = endpoint
        if self.faults is not None:  # started after start(): publish it where endpoints are read
            lists = [self._endpoint_lists, self._context.services.get("endpoints")]
            for published in {id(x): x for x in lists if isinstance(x, list)}.values():
                published.append(endpoint)
        return endpoint

    def disconnect(self, session_id: str) -> bool:
        """Drop a session's connection without a Logout (fault rehearsal); ``False`` if none."""
        handler = self._live.get(session_id)
        if handler is None:
            return False
        handler.close()
        return True

    def reset(self) -> None:
        """Close every connection and restart every session's numbers at 1 (between scenarios);
        every fault is cancelled and the configured ones armed again."""
        if self.faults is not None:
            self.faults.reset()
        for handler in list(self._live.values()):
            handler.close()
        for session in self.sessions.values():
            session.store.reset("")
            session.store.flush()

    def handlers(self) -> Iterator[ConnectionHandler]:
        for listener in self.listeners.values():
            yield from listener.handlers
