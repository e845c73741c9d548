"""The SQLite journal: one file under the data directory (or ``:memory:`` for tests).

Durability promise: *an acknowledged report is in the journal before its acknowledgement is
written*. Every write method commits before it returns (or, inside :meth:`SqliteJournal.batch`,
when the batch exits; write acknowledgements after that). The file runs in WAL mode with
``synchronous=NORMAL``: a committed transaction is in the write-ahead log in the operating
system's cache, so it survives the simulator process being killed (SIGKILL, a crash), which is
what the simulator promises. It may not survive a power cut or kernel crash before the next
checkpoint; that would need ``synchronous=FULL`` at several times the cost per commit
(https://www.sqlite.org/pragma.html#pragma_synchronous, https://www.sqlite.org/wal.html).

Threads: the journal is written from the asyncio loop thread and read by the control API and
tests from others. One connection (``check_same_thread=False``) is guarded by one re-entrant
lock; every method takes it. The FIX message store keeps its own tables in the same database:
it uses :attr:`SqliteJournal.connection` under :attr:`SqliteJournal.lock`, or better
:meth:`SqliteJournal.transaction`, which also lets it commit a sent message in the same
transaction as the report it acknowledges.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from importlib import resources
from pathlib import Path
from typing import Any, Final

from simulator.domain.decision import Decision
from simulator.domain.ids import IdGenerator, is_control_number
from simulator.domain.lifecycle import (
    CANNOT_PROCESS,
    CLIENT_TRADE_ID_MISMATCH,
    INVALID_CONTROL_DATE,
    INVALID_CONTROL_NUMBER,
    NO_CONTROL_NUMBER,
    LifecycleAction,
    LifecycleError,
    Reason,
    ReferenceMismatch,
    TradeNotFound,
    WrongFirm,
    transition,
)
from simulator.domain.trade import Action, Environment, ReportState, Route, TradeReport
from simulator.errors import ConfigError
from simulator.journal.base import (
    AuditRecord,
    Delivery,
    DeliveryNote,
    DuplicateGroup,
    FaultRecord,
    Journal,
    JournalClosed,
    JournalStats,
    LifecycleEvent,
    RejectRecord,
    ReportRef,
    StoredReport,
    report_to_json,
)
from simulator.journal.checkpoint import AUTOCHECKPOINT_PAGES, Checkpointer
from simulator.journal.rows import (
    DELIVERY_COLUMNS,
    EVENT_COLUMNS,
    INSERT_DELIVERY,
    INSERT_DELIVERY_FOR_REJECT,
    INSERT_DELIVERY_FOR_REPORT,
    INSERT_PRODUCTION_REPORT,
    INSERT_REPORT,
    REJECT_COLUMNS,
    REPORT_COLUMNS,
    delivery_from_row,
    event_from_row,
    match_key,
    parse_date,
    reject_from_row,
    report_from_row,
    report_values,
)

SCHEMA_VERSION: Final = 2
JOURNAL_FILENAME: Final = "journal.sqlite3"
MEMORY: Final = ":memory:"
FILE_SUFFIXES: Final = (".sqlite3", ".sqlite", ".db")

_INSERT_EVENT: Final = (
    "INSERT INTO events (report_id, ns, action, from_state, to_state, actor, reason, "
    "control_number, control_date, session_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_COUNTER: Final = (
    "INSERT INTO id_counters (name, value) VALUES (?, ?) "
    "ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)"
)
# record_deliveries: the single-delivery statements without RETURNING (executemany reads no rows).
_DELIVER_REPORT: Final = INSERT_DELIVERY_FOR_REPORT.split(" RETURNING ")[0]
_DELIVER_REJECT: Final = INSERT_DELIVERY_FOR_REJECT.split(" RETURNING ")[0]
_DELIVER: Final = INSERT_DELIVERY.split(" RETURNING ")[0]
_ACCEPTED: Final = transition(ReportState.NEW, LifecycleAction.ACCEPT)
_SEQUENCE_PREFIX: Final = "sequence/"  # next_in_sequence's counters, apart from the ids'
_TABLES: Final = ("reports", "events", "rejects", "deliveries", "faults", "audit", "id_counters")


def journal_path(data_dir: str | os.PathLike[str]) -> Path:
    """Where the journal of a data directory lives."""
    return Path(data_dir) / JOURNAL_FILENAME


class _Where:
    """A small builder for ``WHERE a = ? AND b >= ?`` clauses from optional filters."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, value: Any) -> None:
        if value is not None:
            self.clauses.append(clause)
            self.params.append(value)

    def sql(self) -> str:
        return (" WHERE " + " AND ".join(self.clauses)) if self.clauses else ""


def _value(value: Any) -> Any:
    """Enum members to their stored text; everything else unchanged."""
    return getattr(value, "value", value)


class SqliteJournal:
    """The journal on one SQLite connection. Open with :meth:`open` (or ``open_journal``)."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None, seed: int) -> None:
        self._conn: sqlite3.Connection | None = connection
        self.path = path
        self.seed = seed
        self.lock = threading.RLock()
        self._depth = 0  # open transactions, batches and savepoints
        # Per open transaction/savepoint: each id counter it used -> the value before that use.
        self._touched: list[dict[str, int]] = []
        # Per open transaction/savepoint, like _touched: what to undo in memory if that block
        # rolls back (on_rollback).
        self._undo: list[list[Callable[[], None]]] = []
        counters = dict(connection.execute("SELECT name, value FROM id_counters").fetchall())
        self.ids = IdGenerator(seed, counters, on_allocate=self._persist_counter)
        # A file journal checkpoints its log from a thread of its own (checkpoint.py), so no
        # acknowledgement waits for a checkpoint's copy and fsync.
        self._checkpointer: Checkpointer | None = None
        if path is not None:
            connection.execute("PRAGMA wal_autocheckpoint=0")
            self._checkpointer = Checkpointer(path, on_failure=self._checkpoint_inline)

    def _checkpoint_inline(self) -> None:
        """The background checkpoint failed: let SQLite checkpoint in the commits again."""
        with self.lock:
            if self._conn is not None:
                self._conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")

    # -- opening and closing --

    @classmethod
    def open(
        cls,
        location: str | os.PathLike[str] = MEMORY,
        *,
        seed: int | None = None,
        create: bool = True,
    ) -> SqliteJournal:
        """Open (or create) a journal.

        ``location`` is ``":memory:"``, a journal file, or a data directory (the journal is then
        ``DIR/journal.sqlite3``). A path that does not exist yet is a file if it ends in
        ``.sqlite3``, ``.sqlite`` or ``.db``, and a data directory otherwise. ``create=False``
        refuses to make a new one (for commands that only read). ``seed`` must match the seed
        the journal was created with (ids replay from it); ``None`` takes the stored seed.
        Problems are :class:`ConfigError` naming the file.
        """
        if str(location) == MEMORY:
            connection = sqlite3.connect(MEMORY, check_same_thread=False, isolation_level=None)
            cls._prepare(connection, MEMORY, fresh=True)
            stored = cls._settle_seed(connection, MEMORY, seed)
            return cls(connection, None, stored)
        path = Path(location)
        if path.is_dir() or (not path.exists() and path.suffix.lower() not in FILE_SUFFIXES):
            path = journal_path(path)
        shown = str(path)
        exists = path.exists()
        if not exists and not create:
            raise ConfigError(shown, "no journal here (give a data directory or journal file)")
        if exists and not path.is_file():
            raise ConfigError(shown, "is not a file")
        if not exists:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(shown, f"cannot create the directory: {exc.strerror}") from None
        try:
            connection = sqlite3.connect(
                path, check_same_thread=False, isolation_level=None, timeout=10.0
            )
        except sqlite3.Error as exc:
            raise ConfigError(shown, f"cannot open the journal: {exc}") from None
        try:
            cls._prepare(connection, shown, fresh=not exists or path.stat().st_size == 0)
            stored = cls._settle_seed(connection, shown, seed)
        except BaseException:
            connection.close()
            raise
        return cls(connection, path, stored)

    @staticmethod
    def _prepare(connection: sqlite3.Connection, shown: str, *, fresh: bool) -> None:
        try:
            mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if shown != MEMORY and str(mode).lower() != "wal":
                raise ConfigError(shown, f"cannot switch the journal to WAL mode (got {mode})")
            connection.execute("PRAGMA synchronous=NORMAL")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            tables = {
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
        except sqlite3.OperationalError as exc:  # permissions, a locked or missing directory
            raise ConfigError(shown, f"cannot open the journal: {exc}") from None
        except sqlite3.DatabaseError as exc:  # "file is not a database"
            raise ConfigError(shown, f"is not a facsim journal ({exc})") from None
        if version > SCHEMA_VERSION:
            raise ConfigError(
                shown,
                f"was written by a newer facsim (schema {version}; this one reads "
                f"{SCHEMA_VERSION})",
            )
        if not fresh and "reports" not in tables and tables - {"meta"}:
            raise ConfigError(shown, "is a SQLite database but not a facsim journal")
        script = resources.files("simulator.journal").joinpath("schema.sql").read_text("utf-8")
        try:
            connection.executescript(script)
            connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise ConfigError(shown, f"cannot create the journal schema: {exc}") from None

    @staticmethod
    def _settle_seed(connection: sqlite3.Connection, shown: str, seed: int | None) -> int:
        row = connection.execute("SELECT value FROM meta WHERE key = 'seed'").fetchone()
        if row is None:
            chosen = 0 if seed is None else int(seed)
            connection.execute("INSERT INTO meta (key, value) VALUES ('seed', ?)", (str(chosen),))
            return chosen
        stored = int(row[0])
        if seed is not None and int(seed) != stored:
            raise ConfigError(
                shown,
                f"the journal was created with seed {stored}, not {seed}; its ids continue from "
                f"that seed (use seed {stored}, or a new data directory)",
                field="seed",
            )
        return stored

    def close(self) -> None:
        """Close the connection (idempotent). SQLite checkpoints the WAL on the last close."""
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:  # outside the lock: its failure path takes the lock
            checkpointer.stop()
        with self.lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> SqliteJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The one connection (use it under :attr:`lock`, or through :meth:`transaction`)."""
        if self._conn is None:
            raise JournalClosed("the journal is closed")
        return self._conn

    @property
    def closed(self) -> bool:
        return self._conn is None

    # -- transactions --

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run writes atomically: commit on success, roll back on any exception.

        The outermost block is a transaction committed when it exits; a block inside another
        (or inside a :meth:`batch`) is a savepoint, so a failure undoes only that block. Ids
        allocated in a block that rolls back are given back, so a retry issues the same ids.
        """
        with self.lock:
            conn = self.connection
            if self._depth:
                conn.execute("SAVEPOINT op")
                self._depth += 1
                self._touched.append({})
                self._undo.append([])
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK TO op")
                    conn.execute("RELEASE op")
                    self._rewind(self._touched.pop())
                    self._run_undo(self._undo.pop())
                    raise
                else:
                    conn.execute("RELEASE op")
                    self._merge_touched()
                finally:
                    self._depth -= 1
                return
            with self._outermost(conn):
                yield conn

    @contextmanager
    def _statement(self) -> Iterator[sqlite3.Connection]:
        """An operation that writes with exactly ONE SQL statement.

        Outside a transaction it is one (:meth:`transaction`), so the id counters it used are
        committed with its row. Inside one (a :meth:`batch`, typically) it needs no savepoint:
        SQLite undoes a failed statement by itself and the transaction goes on
        (https://www.sqlite.org/lang_conflict.html, ABORT), so only the ids it took are given
        back. This is what keeps a batch of accepted reports at one INSERT per report and per
        delivery instead of four statements each.
        """
        with self.lock:
            if not self._depth:
                with self.transaction() as conn:
                    yield conn
                return
            self._touched.append({})
            self._undo.append([])
            try:
                yield self.connection
            except BaseException:
                self._rewind(self._touched.pop())
                self._run_undo(self._undo.pop())
                raise
            else:
                self._merge_touched()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group many writes into one commit (group commit for high throughput).

        Every operation inside still succeeds or fails on its own (a savepoint for a
        multi-statement operation, SQLite's statement rollback for a single-statement one); all
        of them become durable together when the block exits, and none does if an exception
        escapes it. Write the acknowledgements of a batch after it exits. The journal's lock is
        held for the whole block, so do not ``await`` inside it. A batch inside a transaction or
        another batch joins it.
        """
        with self.lock:
            conn = self.connection
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            with self._outermost(conn):
                yield

    @contextmanager
    def _outermost(self, conn: sqlite3.Connection) -> Iterator[None]:
        conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        self._touched = [{}]
        self._undo = [[]]
        try:
            yield
        except BaseException:
            if conn.in_transaction:  # SQLite may have rolled back already (disk full, I/O)
                conn.execute("ROLLBACK")
            self._rewind(self._touched[0])
            self._run_undo(self._undo[0])
            raise
        else:
            try:
                self._save_counters(conn, self._touched[0])
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # e.g. disk full: leave no half-open transaction
                    conn.execute("ROLLBACK")
                self._rewind(self._touched[0])
                self._run_undo(self._undo[0])
                raise
            if self._checkpointer is not None:
                self._checkpointer.after_commit(conn)
        finally:
            self._depth = 0
            self._touched = []
            self._undo = []

    @property
    def in_batch(self) -> bool:
        """Whether a transaction or batch is open (on the calling thread, under :attr:`lock`)."""
        return self._depth > 0

    def on_rollback(self, undo: Callable[[], None]) -> None:
        """Call ``undo`` if the rows just written are rolled back instead of committed: by the
        innermost open block (a savepoint) or, once that block has succeeded, by whichever
        enclosing block -- up to the outermost transaction -- rolls back.

        For state kept in memory beside rows written in the transaction -- the FIX message
        store's buffered numbers and messages (simulator/fix/store.py) -- so memory and file
        agree again after a failed commit. Outside a transaction there is nothing to undo.
        """
        with self.lock:
            if self._undo:
                self._undo[-1].append(undo)

    @staticmethod
    def _run_undo(undo: list[Callable[[], None]]) -> None:
        for step in reversed(undo):
            step()

    def _persist_counter(self, name: str, value: int) -> None:
        """Record that id counter ``name`` moved to ``value``.

        Outside a transaction the counter is written at once. Inside one, the value it had
        before is noted and the counter is written once, just before the outermost COMMIT
        (:meth:`_save_counters`): a batch of a thousand reports writes each counter once, not a
        thousand times, and the counters still commit or roll back with the rows that used them.
        ``max`` keeps the stored value from going backwards when two threads allocate from
        the same counter and persist out of order.
        """
        with self.lock:
            if self._touched:
                self._touched[-1].setdefault(name, value - 1)
                return
            self.connection.execute(_UPSERT_COUNTER, (name, value))

    def _save_counters(self, conn: sqlite3.Connection, touched: dict[str, int]) -> None:
        if touched:
            conn.executemany(_UPSERT_COUNTER, [(name, self.ids.peek(name)) for name in touched])

    def _merge_touched(self) -> None:
        """A block inside another succeeded: its counters and undo steps become the enclosing
        block's."""
        inner = self._touched.pop()
        outer = self._touched[-1]
        for name, before in inner.items():
            outer.setdefault(name, before)
        undo = self._undo.pop()
        self._undo[-1].extend(undo)

    def _rewind(self, touched: dict[str, int]) -> None:
        """Give back the ids a rolled-back block took: reset those counters to the values they
        had when the block first used them (other counters are left alone)."""
        if touched:
            self.ids.rewind(touched)

    # -- reports --

    def submit(
        self, report: TradeReport, decision: Decision, received_ns: int | None = None
    ) -> StoredReport:
        """Accept ``report``: assign its control number and date, journal it and its accept
        event, and commit before returning (the ack may then be written).

        One SQL statement: the INSERT finds a likely duplicate itself (a scalar subquery) and
        the schema's ``reports_accept_event`` trigger writes the accept event, so inside a
        :meth:`batch` an accepted report costs one statement and no savepoint.
        """
        received = decision.received_ns if received_ns is None else received_ns
        _check_decision(report, decision, received)
        state = transition(ReportState.NEW, LifecycleAction.ACCEPT)
        with self._statement() as conn:
            return self._insert_report(conn, report, decision, received, state, Action.NEW, None)

    def _insert_report(
        self,
        conn: sqlite3.Connection,
        report: TradeReport,
        decision: Decision,
        received_ns: int,
        state: ReportState,
        origin: Action,
        replaces_id: int | None,
    ) -> StoredReport:
        """Insert one accepted report (its accept event follows by trigger, schema.sql)."""
        if state is not _ACCEPTED:  # pragma: no cover - the lifecycle table decides this
            raise ValueError(f"the accept event trigger expects state {_ACCEPTED}, not {state}")
        control_date = self.ids.control_date(received_ns)
        control_number = self.ids.control_number(control_date)
        values = report_values(
            report,
            decision,
            control_number=control_number,
            control_date=control_date,
            received_ns=received_ns,
            state=state,
            origin=origin,
            replaces_id=replaces_id,
            duplicate_of=None,
        )
        if report.environment is Environment.PRODUCTION:
            # duplicate_of = the earliest production report with the same MPID, execution time
            # and match key that came by another route (seed 001), found by the INSERT itself.
            params = (*values[:-1], report.reporting_mpid, report.executed_ns, values[-2],
                      report.route.value)  # fmt: skip
            report_id, duplicate_of = conn.execute(INSERT_PRODUCTION_REPORT, params).fetchall()[0]
        else:
            report_id, duplicate_of = conn.execute(INSERT_REPORT, values).fetchall()[0]
        return StoredReport(
            report_id=report_id,
            control_number=control_number,
            control_date=control_date,
            report=report,
            decision=decision,
            state=state,
            received_ns=received_ns,
            state_ns=received_ns,
            origin=origin,
            replaces_id=replaces_id,
            duplicate_of=duplicate_of,
        )

    def reject(
        self,
        subject: TradeReport | ReportRef,
        reason: Reason,
        ns: int,
        *,
        action: Action = Action.NEW,
        detail: str = "",
        route: Route | None = None,
        session_id: str | None = None,
    ) -> RejectRecord:
        """Journal a refused submission with the facility's reason code and text.

        ``subject`` is the report as submitted, or (for a refused cancel, or a message too
        broken to become a report) the identification it carried.
        """
        if action is Action.NEW:
            transition(ReportState.NEW, LifecycleAction.REJECT)  # the table decides, always
        with self._statement() as conn:
            return self._insert_reject(conn, subject, reason, ns, action, detail, route, session_id)

    def _insert_reject(
        self,
        conn: sqlite3.Connection,
        subject: TradeReport | ReportRef,
        reason: Reason,
        ns: int,
        action: Action,
        detail: str,
        route: Route | None,
        session_id: str | None,
        submitted: TradeReport | None = None,
    ) -> RejectRecord:
        """Insert one reject; ``submitted`` is the report a refused reference came with."""
        if isinstance(subject, TradeReport):
            facility = str(subject.facility)
            mpid = subject.reporting_mpid
            client_ref: str | None = subject.client_ref
            control_number = None
            control_date = None
            environment = subject.environment
            route = subject.route if route is None else route
            session_id = subject.session_id if session_id is None else session_id
            report: TradeReport | None = subject
        else:
            facility = str(subject.facility)
            mpid = subject.mpid
            client_ref = subject.client_ref
            control_number = subject.control_number
            control_date = subject.control_date
            environment = subject.environment
            report = submitted
        cursor = conn.execute(
            f"INSERT INTO rejects ({REJECT_COLUMNS.split(', ', 1)[1]}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ns,
                facility,
                mpid,
                action.value,
                reason.code,
                reason.text,
                detail,
                client_ref,
                control_number,
                None if control_date is None else control_date.isoformat(),
                environment.value,
                None if route is None else route.value,
                session_id,
                None if report is None else json.dumps(report_to_json(report), sort_keys=True),
            ),
        )
        assert cursor.lastrowid is not None
        return RejectRecord(
            reject_id=cursor.lastrowid,
            ns=ns,
            facility=facility,
            mpid=mpid,
            action=action,
            code=reason.code,
            text=reason.text,
            detail=detail,
            client_ref=client_ref,
            control_number=control_number,
            control_date=control_date,
            environment=environment,
            route=route,
            session_id=session_id,
            report=report,
        )

    # -- lifecycle of accepted reports --

    def resolve(self, ref: ReportRef) -> StoredReport:
        """The report ``ref`` points at, if the requesting MPID may act on it.

        Refusals, in the order the facility would find them: no reference (104); malformed
        control number (302); unknown (303); another MPID's report (313, checked before
        anything about the report is revealed); control date (301) or client trade id (312)
        that disagree with the control number. This only reads: the caller journals a refusal
        (``reject()``); ``cancel``/``correct``/``reverse`` do that themselves.
        """
        with self.lock:
            return self._resolve(self.connection, ref)

    def _resolve(self, conn: sqlite3.Connection, ref: ReportRef) -> StoredReport:
        facility = str(ref.facility)
        environment = ref.environment.value
        if ref.control_number is None and ref.client_ref is None:
            raise ReferenceMismatch(
                NO_CONTROL_NUMBER, "give the control number (and date) or the client reference"
            )
        if ref.control_number is not None:
            if not is_control_number(ref.control_number):
                raise ReferenceMismatch(
                    INVALID_CONTROL_NUMBER,
                    f"{ref.control_number!r} is not a control number (ten digits, the first a 2)",
                )
            rows = conn.execute(
                f"SELECT {REPORT_COLUMNS} FROM reports WHERE control_number = ? "
                "AND facility = ? AND environment = ? ORDER BY report_id DESC",
                (ref.control_number, facility, environment),
            ).fetchall()
            if not rows:
                raise TradeNotFound(f"no {facility} report has control number {ref.control_number}")
            own = [row for row in rows if row[4] == ref.mpid]
            if not own:
                raise WrongFirm(
                    f"control number {ref.control_number} was not reported by MPID {ref.mpid}"
                )
            if ref.control_date is not None:
                dated = [row for row in own if row[2] == ref.control_date.isoformat()]
                if not dated:
                    raise ReferenceMismatch(
                        INVALID_CONTROL_DATE,
                        f"control number {ref.control_number} was not issued on "
                        f"{ref.control_date.isoformat()}",
                    )
                own = dated
            stored = report_from_row(own[0])
            if ref.client_ref is not None and stored.report.client_ref != ref.client_ref:
                raise ReferenceMismatch(
                    CLIENT_TRADE_ID_MISMATCH,
                    f"control number {ref.control_number} is not client reference "
                    f"{ref.client_ref!r}",
                )
            return stored
        row = conn.execute(
            f"SELECT {REPORT_COLUMNS} FROM reports WHERE reporting_mpid = ? AND client_ref = ? "
            "AND facility = ? AND environment = ? ORDER BY report_id DESC LIMIT 1",
            (ref.mpid, ref.client_ref, facility, environment),
        ).fetchone()
        if row is None:
            raise TradeNotFound(
                f"MPID {ref.mpid} has no {facility} report with client reference {ref.client_ref!r}"
            )
        return report_from_row(row)

    def cancel(
        self,
        ref: ReportRef,
        ns: int,
        *,
        actor: str | None = None,
        reason: str | None = None,
        session_id: str | None = None,
    ) -> StoredReport:
        """Cancel the referenced report; returns it in state ``cancelled``."""
        with self.lock:
            try:
                with self.transaction() as conn:
                    old = self._resolve(conn, ref)
                    new_state = transition(old.state, LifecycleAction.CANCEL)
                    return self._move(
                        conn,
                        old,
                        LifecycleAction.CANCEL,
                        new_state,
                        ns,
                        actor or ref.mpid,
                        reason,
                        session_id,
                        None,
                    )
            except LifecycleError as exc:
                self._journal_refusal(exc, ref, ns, Action.CANCEL, None, session_id)
                raise

    def correct(
        self,
        ref: ReportRef,
        replacement: TradeReport,
        decision: Decision,
        ns: int | None = None,
        *,
        actor: str | None = None,
        reason: str | None = None,
        session_id: str | None = None,
    ) -> StoredReport:
        """Replace the referenced report with ``replacement`` under a NEW control number.

        The original becomes ``corrected`` and names the new control number; the returned
        report is the replacement (``origin`` correct, ``replaces_id`` the original).
        """
        received = decision.received_ns if ns is None else ns
        _check_decision(replacement, decision, received)
        with self.lock:
            try:
                with self.transaction() as conn:
                    old = self._resolve(conn, ref)
                    if replacement.reporting_mpid != ref.mpid:
                        raise WrongFirm(
                            f"MPID {ref.mpid} cannot correct a report into MPID "
                            f"{replacement.reporting_mpid}"
                        )
                    if (
                        str(replacement.facility) != str(ref.facility)
                        or replacement.environment is not ref.environment
                    ):
                        raise ReferenceMismatch(
                            CANNOT_PROCESS,
                            "a correction stays at the same facility and environment",
                        )
                    new_state = transition(old.state, LifecycleAction.CORRECT)
                    accepted = transition(ReportState.NEW, LifecycleAction.ACCEPT)
                    new = self._insert_report(
                        conn,
                        replacement,
                        decision,
                        received,
                        accepted,
                        Action.CORRECT,
                        old.report_id,
                    )
                    self._move(
                        conn,
                        old,
                        LifecycleAction.CORRECT,
                        new_state,
                        received,
                        actor or ref.mpid,
                        reason,
                        session_id,
                        (new.control_number, new.control_date),
                    )
                    return new
            except LifecycleError as exc:
                self._journal_refusal(exc, ref, received, Action.CORRECT, replacement, session_id)
                raise

    def reverse(
        self,
        ref: ReportRef,
        ns: int,
        *,
        actor: str | None = None,
        reason: str | None = None,
        session_id: str | None = None,
    ) -> StoredReport:
        """Reverse the referenced report; the reversal gets its own control number (TRACE
        ``CAHX`` carries a new 1003/22011), named in the returned report's successor fields."""
        with self.lock:
            try:
                with self.transaction() as conn:
                    old = self._resolve(conn, ref)
                    new_state = transition(old.state, LifecycleAction.REVERSE)
                    control_date = self.ids.control_date(ns)
                    issued = (self.ids.control_number(control_date), control_date)
                    return self._move(
                        conn,
                        old,
                        LifecycleAction.REVERSE,
                        new_state,
                        ns,
                        actor or ref.mpid,
                        reason,
                        session_id,
                        issued,
                    )
            except LifecycleError as exc:
                self._journal_refusal(exc, ref, ns, Action.REVERSE, None, session_id)
                raise

    def _move(
        self,
        conn: sqlite3.Connection,
        old: StoredReport,
        action: LifecycleAction,
        new_state: ReportState,
        ns: int,
        actor: str,
        reason: str | None,
        session_id: str | None,
        issued: tuple[str, dt.date] | None,
    ) -> StoredReport:
        number = None if issued is None else issued[0]
        day = None if issued is None else issued[1]
        cursor = conn.execute(
            "UPDATE reports SET state = ?, state_ns = ?, successor_control_number = ?, "
            "successor_control_date = ? WHERE report_id = ? AND state = ?",
            (
                new_state.value,
                ns,
                number,
                None if day is None else day.isoformat(),
                old.report_id,
                old.state.value,
            ),
        )
        if cursor.rowcount != 1:  # pragma: no cover - the lock makes this impossible
            raise RuntimeError(f"report {old.report_id} changed under the journal lock")
        conn.execute(
            _INSERT_EVENT,
            (
                old.report_id,
                ns,
                action.value,
                old.state.value,
                new_state.value,
                actor,
                reason,
                number,
                None if day is None else day.isoformat(),
                session_id,
            ),
        )
        return dataclasses.replace(
            old,
            state=new_state,
            state_ns=ns,
            successor_control_number=number,
            successor_control_date=day,
        )

    def _journal_refusal(
        self,
        exc: LifecycleError,
        ref: ReportRef,
        ns: int,
        action: Action,
        replacement: TradeReport | None,
        session_id: str | None,
    ) -> None:
        with self._statement() as conn:
            exc.reject = self._insert_reject(
                conn, ref, exc.reason, ns, action, exc.detail, None, session_id, replacement
            )

    # -- reading --

    def get(self, report_id: int) -> StoredReport | None:
        with self.lock:
            row = self.connection.execute(
                f"SELECT {REPORT_COLUMNS} FROM reports WHERE report_id = ?", (report_id,)
            ).fetchone()
        return None if row is None else report_from_row(row)

    def query(
        self,
        *,
        facility: str | None = None,
        mpid: str | None = None,
        environment: Environment | None = None,
        state: ReportState | None = None,
        late: bool | None = None,
        since_ns: int | None = None,
        until_ns: int | None = None,
        route: Route | None = None,
        client_ref: str | None = None,
        session_id: str | None = None,
        origin: Action | None = None,
        duplicates_only: bool = False,
        limit: int | None = None,
    ) -> list[StoredReport]:
        """Reports matching every filter given, oldest first. ``since_ns``/``until_ns`` bound
        the receipt time (half-open: ``since <= received < until``)."""
        where = _Where()
        where.add("facility = ?", None if facility is None else str(facility))
        where.add("reporting_mpid = ?", mpid)
        where.add("environment = ?", _value(environment))
        where.add("state = ?", _value(state))
        if late is not None:
            where.add("status = ?", "late" if late else "on_time")
        where.add("received_ns >= ?", since_ns)
        where.add("received_ns < ?", until_ns)
        where.add("route = ?", _value(route))
        where.add("client_ref = ?", client_ref)
        where.add("session_id = ?", session_id)
        where.add("origin = ?", _value(origin))
        if duplicates_only:
            where.clauses.append("duplicate_of IS NOT NULL")
        sql = f"SELECT {REPORT_COLUMNS} FROM reports{where.sql()} ORDER BY report_id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self.lock:
            rows = self.connection.execute(sql, where.params).fetchall()
        return [report_from_row(row) for row in rows]

    def events(self, report_id: int | None = None) -> list[LifecycleEvent]:
        """Lifecycle events of one report (or all), in the order they happened."""
        where = _Where()
        where.add("report_id = ?", report_id)
        with self.lock:
            rows = self.connection.execute(
                f"SELECT {EVENT_COLUMNS} FROM events{where.sql()} ORDER BY event_id",
                where.params,
            ).fetchall()
        return [event_from_row(row) for row in rows]

    def rejects(
        self,
        *,
        facility: str | None = None,
        mpid: str | None = None,
        environment: Environment | None = None,
        since_ns: int | None = None,
        until_ns: int | None = None,
    ) -> list[RejectRecord]:
        where = _Where()
        where.add("facility = ?", None if facility is None else str(facility))
        where.add("mpid = ?", mpid)
        where.add("environment = ?", _value(environment))
        where.add("ns >= ?", since_ns)
        where.add("ns < ?", until_ns)
        with self.lock:
            rows = self.connection.execute(
                f"SELECT {REJECT_COLUMNS} FROM rejects{where.sql()} ORDER BY reject_id",
                where.params,
            ).fetchall()
        return [reject_from_row(row) for row in rows]

    def likely_duplicates(
        self,
        *,
        facility: str | None = None,
        mpid: str | None = None,
        since_ns: int | None = None,
        until_ns: int | None = None,
    ) -> list[DuplicateGroup]:
        """Production reports equal in MPID, security, quantity, price, side and execution time
        that reached the facility by more than one route (seed 001: during the parallel period
        both TRAQS routes reach the production host; both are accepted, and flagged here)."""
        where = _Where()
        where.clauses.append("environment = 'production'")
        where.add("facility = ?", None if facility is None else str(facility))
        where.add("reporting_mpid = ?", mpid)
        where.add("received_ns >= ?", since_ns)
        where.add("received_ns < ?", until_ns)
        sql = (
            f"WITH groups AS (SELECT reporting_mpid, executed_ns, match_key FROM reports"
            f"{where.sql()} GROUP BY reporting_mpid, executed_ns, match_key "
            "HAVING COUNT(DISTINCT route) > 1) "
            f"SELECT {', '.join('r.' + c for c in REPORT_COLUMNS.split(', '))} "
            "FROM reports r JOIN groups g ON r.reporting_mpid = g.reporting_mpid "
            "AND r.executed_ns = g.executed_ns AND r.match_key = g.match_key "
            "WHERE r.environment = 'production' "
            "ORDER BY r.executed_ns, r.reporting_mpid, r.match_key, r.report_id"
        )
        with self.lock:
            rows = self.connection.execute(sql, where.params).fetchall()
        grouped: dict[tuple[str, int, str], list[StoredReport]] = {}
        for row in rows:
            stored = report_from_row(row)
            key = (stored.mpid, stored.report.executed_ns, match_key(stored.report))
            grouped.setdefault(key, []).append(stored)
        return [
            DuplicateGroup(
                mpid=members[0].mpid,
                security=members[0].report.security,
                quantity=members[0].report.quantity,
                price=members[0].report.price,
                side=members[0].report.side.value,
                executed_ns=members[0].report.executed_ns,
                reports=tuple(members),
            )
            for members in grouped.values()
        ]

    # -- deliveries, faults, audit --

    def record_delivery(
        self,
        *,
        recipient: str,
        msg_type: str,
        ns: int,
        report_id: int | None = None,
        reject_id: int | None = None,
        environment: Environment | None = None,
        session_id: str | None = None,
        copy: bool = False,
        registered: bool | None = None,
        detail: str = "",
    ) -> Delivery:
        """Record that ``recipient`` was sent ``msg_type`` about a report or reject.

        The control number/date and the environment are taken from the report when one is
        named; ``environment`` overrides (e.g. a reject during a UAT).
        """
        env = None if environment is None else environment.value
        flags = (session_id, int(copy), None if registered is None else int(registered), detail)
        with self._statement() as conn:
            # One statement: the INSERT reads the control number, date and environment from the
            # report (or the environment from the reject) itself, and RETURNING hands them back.
            params: tuple[Any, ...]
            if report_id is not None:
                sql = INSERT_DELIVERY_FOR_REPORT
                params = (ns, recipient, msg_type, env, reject_id, *flags, report_id)
            elif reject_id is not None:
                sql = INSERT_DELIVERY_FOR_REJECT
                params = (ns, recipient, msg_type, env, *flags, reject_id)
            else:
                sql = INSERT_DELIVERY
                params = (ns, recipient, msg_type, env, *flags)
            rows = conn.execute(sql, params).fetchall()
        if not rows:
            kind = "report" if report_id is not None else "reject"
            missing = report_id if report_id is not None else reject_id
            raise KeyError(f"no {kind} {missing} in the journal")
        delivery_id, stored_env, control_number, control_date = rows[0]
        return Delivery(
            delivery_id=delivery_id,
            ns=ns,
            recipient=recipient,
            msg_type=msg_type,
            environment=Environment(stored_env),
            report_id=report_id,
            reject_id=reject_id,
            control_number=control_number,
            control_date=parse_date(control_date),
            session_id=session_id,
            copy=copy,
            registered=registered,
            detail=detail,
        )

    def record_deliveries(self, notes: Sequence[DeliveryNote]) -> None:
        """Record several deliveries with one ``executemany`` per kind (about a report, about a
        reject, about neither): what :meth:`record_delivery` stores, for each note, without
        reading anything back. All or none: a note naming a missing report or reject raises
        ``KeyError`` and none of them is kept."""
        if not notes:
            return
        about_report: list[tuple[Any, ...]] = []
        about_reject: list[tuple[Any, ...]] = []
        about_neither: list[tuple[Any, ...]] = []
        for note in notes:
            env = None if note.environment is None else note.environment.value
            head = (note.ns, note.recipient, note.msg_type, env)
            flags = (
                note.session_id,
                int(note.copy),
                None if note.registered is None else int(note.registered),
                note.detail,
            )
            if note.report_id is not None:
                about_report.append((*head, note.reject_id, *flags, note.report_id))
            elif note.reject_id is not None:
                about_reject.append((*head, *flags, note.reject_id))
            else:
                about_neither.append((*head, *flags))
        batches = (
            (_DELIVER_REPORT, about_report, "report"),
            (_DELIVER_REJECT, about_reject, "reject"),
            (_DELIVER, about_neither, ""),
        )
        with self.transaction() if len(notes) > 1 else self._statement() as conn:
            for sql, rows, kind in batches:
                if rows:
                    written = conn.executemany(sql, rows).rowcount
                    if written != len(rows):
                        raise KeyError(f"a delivery names a {kind} that is not in the journal")

    def deliveries(
        self,
        *,
        report_id: int | None = None,
        recipient: str | None = None,
        session_id: str | None = None,
        environment: Environment | None = None,
        since_ns: int | None = None,
        until_ns: int | None = None,
    ) -> list[Delivery]:
        where = _Where()
        where.add("report_id = ?", report_id)
        where.add("recipient = ?", recipient)
        where.add("session_id = ?", session_id)
        where.add("environment = ?", _value(environment))
        where.add("ns >= ?", since_ns)
        where.add("ns < ?", until_ns)
        with self.lock:
            rows = self.connection.execute(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries{where.sql()} ORDER BY delivery_id",
                where.params,
            ).fetchall()
        return [delivery_from_row(row) for row in rows]

    # -- named sequences --

    def next_in_sequence(self, name: str) -> int:
        """The next number (1, 2, 3, ...) of sequence ``name``, kept in ``id_counters`` with
        the journal's rows: inside a batch it commits or rolls back with them, outside one it
        is committed before it is returned. So a number handed out is never handed out again
        after a restart, however the process ended (the TRAQS ``WEB`` references)."""
        return self.ids.next_count(_SEQUENCE_PREFIX + name) + 1

    def advance_sequence(self, name: str, next_value: int) -> None:
        """Make :meth:`next_in_sequence` of ``name`` return at least ``next_value`` (a
        sequence carried over from an older data directory)."""
        self.ids.advance(_SEQUENCE_PREFIX + name, next_value - 1)

    def record_fault(self, ns: int, scope: str, kind: str, detail: str = "") -> FaultRecord:
        with self._statement() as conn:
            cursor = conn.execute(
                "INSERT INTO faults (ns, scope, kind, detail) VALUES (?, ?, ?, ?)",
                (ns, scope, kind, detail),
            )
            assert cursor.lastrowid is not None
            return FaultRecord(cursor.lastrowid, ns, scope, kind, detail)

    def faults(
        self,
        *,
        scope: str | None = None,
        kind: str | None = None,
        since_ns: int | None = None,
        until_ns: int | None = None,
    ) -> list[FaultRecord]:
        where = _Where()
        where.add("scope = ?", scope)
        where.add("kind = ?", kind)
        where.add("ns >= ?", since_ns)
        where.add("ns < ?", until_ns)
        with self.lock:
            rows = self.connection.execute(
                "SELECT fault_id, ns, scope, kind, detail FROM faults"
                f"{where.sql()} ORDER BY fault_id",
                where.params,
            ).fetchall()
        return [FaultRecord(*row) for row in rows]

    def record_audit(
        self, ns: int, actor: str, action: str, outcome: str, detail: str = ""
    ) -> AuditRecord:
        with self._statement() as conn:
            cursor = conn.execute(
                "INSERT INTO audit (ns, actor, action, outcome, detail) VALUES (?, ?, ?, ?, ?)",
                (ns, actor, action, outcome, detail),
            )
            assert cursor.lastrowid is not None
            return AuditRecord(cursor.lastrowid, ns, actor, action, outcome, detail)

    def audit(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        since_ns: int | None = None,
        until_ns: int | None = None,
        limit: int | None = None,
    ) -> list[AuditRecord]:
        where = _Where()
        where.add("actor = ?", actor)
        where.add("action = ?", action)
        where.add("ns >= ?", since_ns)
        where.add("ns < ?", until_ns)
        sql = (
            f"SELECT audit_id, ns, actor, action, outcome, detail FROM audit{where.sql()} "
            "ORDER BY audit_id"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self.lock:
            rows = self.connection.execute(sql, where.params).fetchall()
        return [AuditRecord(*row) for row in rows]

    # -- housekeeping --

    def stats(self) -> JournalStats:
        """Row counts, and the bytes of the database and of its write-ahead log."""
        with self.lock:
            conn = self.connection
            counts = {
                table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in _TABLES
            }
            present = {
                name
                for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            for table in ("fix_session", "fix_message"):  # the FIX message store, if any
                counts[table] = (
                    conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                    if table in present
                    else 0
                )
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        wal = 0
        if self.path is not None:
            wal_path = self.path.with_name(self.path.name + "-wal")
            wal = wal_path.stat().st_size if wal_path.exists() else 0
        return JournalStats(
            reports=counts["reports"],
            events=counts["events"],
            rejects=counts["rejects"],
            deliveries=counts["deliveries"],
            faults=counts["faults"],
            audit=counts["audit"],
            database_bytes=pages * page_size,
            wal_bytes=wal,
            fix_sessions=counts["fix_session"],
            fix_messages=counts["fix_message"],
        )

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file and truncate it (waiting for the
        background checkpoint's pass in progress, if any: SQLite runs one at a time)."""
        checkpointer = self._checkpointer
        with checkpointer.paused() if checkpointer is not None else nullcontext(), self.lock:
            self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def reset(self) -> None:
        """Empty every journal table and restart the ids from the seed (control API reset).

        The FIX message store's tables are the store's to reset.
        """
        with self.transaction() as conn:
            for table in _TABLES:
                conn.execute(f"DELETE FROM {table}")
        self.ids.restore({})


def _check_decision(report: TradeReport, decision: Decision, received_ns: int) -> None:
    """A decision is about one report at one receipt time; anything else is a caller's bug."""
    if (
        str(decision.facility) != str(report.facility)
        or decision.executed_ns != report.executed_ns
        or decision.received_ns != received_ns
    ):
        raise ValueError(
            f"decision for {decision.facility} executed {decision.executed_ns} received "
            f"{decision.received_ns} does not belong to a {report.facility} report executed "
            f"{report.executed_ns} received {received_ns}"
        )


def _satisfies_protocol(journal: SqliteJournal) -> Journal:
    """Never called: mypy checks here that :class:`SqliteJournal` implements :class:`Journal`."""
    return journal


def open_journal(
    location: str | os.PathLike[str] = MEMORY, *, seed: int | None = None, create: bool = True
) -> SqliteJournal:
    """Open the journal at ``location`` (a data directory, a file, or ``":memory:"``)."""
    return SqliteJournal.open(location, seed=seed, create=create)


__all__ = [
    "JOURNAL_FILENAME",
    "MEMORY",
    "SCHEMA_VERSION",
    "SqliteJournal",
    "journal_path",
    "match_key",
    "open_journal",
]
