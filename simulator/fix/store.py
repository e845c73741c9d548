"""Where a FIX session keeps its sequence numbers and the messages it sent.

The port follows QuickFIX's ``MessageStore`` (memory, file, null): the next sender and target
MsgSeqNum, every sent message by sequence number (so a ResendRequest is answered from the store,
FIX 4.4 Vol. 2 "Message Recovery"), and the session day the numbers belong to (TRACE resets to 1
each morning, facilities.md section 3.1). Two implementations:

* :class:`MemoryStore` -- for unit tests and throw-away sessions.
* :class:`SqliteStore`, made by :class:`SqliteStoreFactory` -- SQLite tables (WAL,
  ``synchronous=NORMAL``, durable against a process crash) shared by every session of a
  simulator, so a restart on the same data directory resumes each session's numbers.

Where the tables live. ``facsim serve`` keeps them **in the journal's database**
(``SqliteStoreFactory(journal=...)``), so one SQLite transaction holds a read's inbound
sequence numbers, the reports it journaled and the acknowledgements it stored: a crash either
keeps all of them or none, and the firm's engine resends what the facility never counted (the
order in docs/fix-session.md, "Durability"). Without a journal (tests, a bare FIX component) the
tables are in a file of their own (``SqliteStoreFactory(path)``, ``fix-store.sqlite3``).

Durability order. Writes are buffered in memory and :meth:`MessageStore.flush` writes them in
one transaction -- or, when a journal batch is open, inside that batch, which commits them with
everything else of the read. The session calls ``flush`` before it hands any bytes to the
transport (:meth:`simulator.fix.session.FixSession.data_to_send`), so a message is stored before
it is written to the socket, and the inbound sequence number that led to it is stored too.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from simulator.fix.errors import StoreError

if TYPE_CHECKING:
    from simulator.journal.sqlite import SqliteJournal

STORE_FILENAME = "fix-store.sqlite3"
#: What a legacy store file is renamed to once the journal has taken its rows in.
IMPORTED_SUFFIX = ".imported"


@runtime_checkable
class MessageStore(Protocol):
    """Sequence numbers and sent messages of one session."""

    @property
    def next_sender_seq(self) -> int: ...

    @property
    def next_target_seq(self) -> int: ...

    @property
    def session_day(self) -> str:
        """The trading day the numbers belong to (``""``: the session has no daily reset)."""
        ...

    def set_next_sender_seq(self, seq: int) -> None: ...

    def set_next_target_seq(self, seq: int) -> None: ...

    def save(self, seq: int, raw: bytes) -> None:
        """Keep a sent message for resending, and advance the next sender number past it."""
        ...

    def get_range(self, begin: int, end: int) -> list[tuple[int, bytes]]:
        """Stored messages with ``begin <= seq <= end``, in order (gaps are simply absent)."""
        ...

    def reset(self, session_day: str = "") -> None:
        """Both numbers back to 1 and the stored messages forgotten (logon 141=Y, a new day)."""
        ...

    def flush(self) -> None:
        """Make every change so far durable (a no-op for memory)."""
        ...

    def discard_from(self, seq: int) -> None:
        """Forget the messages from ``seq`` on and make ``seq`` the next sender number: they
        were never written to the socket, and the transaction that stored them rolled back."""
        ...


class MemoryStore:
    """A store in a dict: fast, gone when the process ends."""

    def __init__(self, next_sender: int = 1, next_target: int = 1, session_day: str = "") -> None:
        self._sender = next_sender
        self._target = next_target
        self._day = session_day
        self._messages: dict[int, bytes] = {}

    @property
    def next_sender_seq(self) -> int:
        return self._sender

    @property
    def next_target_seq(self) -> int:
        return self._target

    @property
    def session_day(self) -> str:
        return self._day

    def set_next_sender_seq(self, seq: int) -> None:
        self._sender = seq

    def set_next_target_seq(self, seq: int) -> None:
        self._target = seq

    def save(self, seq: int, raw: bytes) -> None:
        self._messages[seq] = raw
        if seq >= self._sender:
            self._sender = seq + 1

    def get_range(self, begin: int, end: int) -> list[tuple[int, bytes]]:
        return [(s, self._messages[s]) for s in range(begin, end + 1) if s in self._messages]

    def reset(self, session_day: str = "") -> None:
        self._sender = self._target = 1
        self._day = session_day
        self._messages.clear()

    def flush(self) -> None:
        return None

    def discard_from(self, seq: int) -> None:
        for number in [n for n in self._messages if n >= seq]:
            del self._messages[number]
        self._sender = seq

    @property
    def stored(self) -> int:
        return len(self._messages)


SCHEMA = """
CREATE TABLE IF NOT EXISTS fix_session (
    session_id  TEXT PRIMARY KEY,
    next_sender INTEGER NOT NULL,
    next_target INTEGER NOT NULL,
    session_day TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS fix_message (
    session_id TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    raw        BLOB NOT NULL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
"""

_INSERT_SESSION = (
    "INSERT OR IGNORE INTO fix_session (session_id, next_sender, next_target, session_day)"
    " VALUES (?, ?, ?, ?)"
)
_UPDATE_SESSION = (
    "UPDATE fix_session SET next_sender=?, next_target=?, session_day=? WHERE session_id=?"
)
_SAVE = "INSERT OR REPLACE INTO fix_message (session_id, seq, raw) VALUES (?, ?, ?)"
_FORGET = "DELETE FROM fix_message WHERE session_id=? AND seq>=?"


class _Database(Protocol):
    """Where the store's tables are: a file of their own, or the journal's database."""

    shown: str
    lock: threading.RLock

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]: ...

    def reader(self) -> sqlite3.Connection: ...

    def written(self, undo: Callable[[], None]) -> None:
        """The last transaction's writes are in; ``undo`` puts them back in memory if the
        transaction they joined rolls back later."""
        ...

    def close(self) -> None: ...


class _OwnFile:
    """The tables in a file of their own, one connection, a transaction per flush."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        shown = str(path)
        try:
            if self.path is not None:
                if self.path.is_dir():
                    self.path = self.path / STORE_FILENAME
                    shown = str(self.path)
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                shown, check_same_thread=False, isolation_level=None, timeout=10.0
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{shown}: cannot open the FIX message store: {exc}") from None
        self.shown = shown
        self.lock = threading.RLock()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def reader(self) -> sqlite3.Connection:
        return self._conn

    def written(self, undo: Callable[[], None]) -> None:
        return None  # committed already

    def close(self) -> None:
        with self.lock:
            self._conn.close()


class _InJournal:
    """The tables in the journal's database: a flush joins the journal's open batch (one
    commit per read for reports and sequence numbers), or is a journal transaction of its own."""

    def __init__(self, journal: SqliteJournal) -> None:
        self.journal = journal
        self.shown = str(journal.path) if journal.path is not None else ":memory:"
        self.lock = journal.lock
        try:
            with journal.lock:
                journal.connection.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.shown}: cannot open the FIX message store: {exc}") from None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.journal.batch():
            yield self.journal.connection

    def reader(self) -> sqlite3.Connection:
        return self.journal.connection

    def written(self, undo: Callable[[], None]) -> None:
        self.journal.on_rollback(undo)  # no-op when the flush was a transaction of its own

    def close(self) -> None:
        return None  # the journal is closed by its owner


class SqliteStoreFactory:
    """The stores of every session in one SQLite database; ``store(session_id)`` opens one.

    ``SqliteStoreFactory(path)`` keeps them in a file of their own (a directory means
    ``fix-store.sqlite3`` in it); ``SqliteStoreFactory(journal=journal)`` in the journal's
    database. Every store's writes are buffered here and ``flush()`` on any of them writes all
    pending changes at once (group commit: one transaction per read of input, not per message).
    """

    def __init__(
        self, path: str | Path | None = None, *, journal: SqliteJournal | None = None
    ) -> None:
        if (path is None) == (journal is None):
            raise ValueError("give either a path or a journal")
        self._db: _Database = _InJournal(journal) if journal is not None else _OwnFile(path or "")
        self.shown = self._db.shown
        self.lock = self._db.lock
        self.in_journal = journal is not None
        self._dirty: dict[str, SqliteStore] = {}
        self._saved: list[tuple[str, int, bytes]] = []
        self._forget: list[tuple[str, int]] = []  # (session, from this number on)
        self._stores: dict[str, SqliteStore] = {}

    @property
    def pending(self) -> bool:
        """Whether anything is waiting for :meth:`flush`."""
        return bool(self._dirty or self._saved or self._forget)

    def store(self, session_id: str) -> SqliteStore:
        with self.lock:
            existing = self._stores.get(session_id)
            if existing is not None:
                return existing
            row = self._select(session_id)
            if row is None:
                row = (1, 1, "")
                self._run(lambda conn: conn.execute(_INSERT_SESSION, (session_id, 1, 1, "")))
            store = SqliteStore(self, session_id, int(row[0]), int(row[1]), str(row[2]))
            self._stores[session_id] = store
            return store

    def _select(self, session_id: str) -> tuple[int, int, str] | None:
        sql = "SELECT next_sender, next_target, session_day FROM fix_session WHERE session_id=?"
        try:
            row: tuple[int, int, str] | None = (
                self._db.reader().execute(sql, (session_id,)).fetchone()
            )
        except sqlite3.Error as exc:
            raise StoreError(f"{self.shown}: cannot read the FIX message store: {exc}") from None
        return row

    def _run(self, work: Callable[[sqlite3.Connection], object]) -> None:
        try:
            with self._db.transaction() as conn:
                work(conn)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{self.shown}: cannot write the FIX message store: {exc}") from None

    def _mark(self, store: SqliteStore) -> None:
        self._dirty[store.session_id] = store

    def _save(self, store: SqliteStore, seq: int, raw: bytes) -> None:
        self._saved.append((store.session_id, seq, raw))
        self._dirty[store.session_id] = store

    def _reset(self, store: SqliteStore) -> None:
        sid = store.session_id
        self._saved = [row for row in self._saved if row[0] != sid]
        self._forget.append((sid, 0))
        self._dirty[sid] = store

    def flush(self) -> None:
        """Write every pending change in one transaction (inside an open journal batch, in it)."""
        with self.lock:
            if not self.pending:
                return
            forget, saved, dirty = self._forget, self._saved, list(self._dirty.values())
            self._forget, self._saved, self._dirty = [], [], {}
            updates = [(s._sender, s._target, s._day, s.session_id) for s in dirty]

            def write(conn: sqlite3.Connection) -> None:
                if forget:
                    conn.executemany(_FORGET, forget)
                if saved:
                    conn.executemany(_SAVE, saved)
                conn.executemany(_UPDATE_SESSION, updates)

            try:
                self._run(write)
            except BaseException:
                self._requeue(forget, saved, dirty)  # nothing was written: keep it pending
                raise
            self._db.written(lambda: self._requeue(forget, saved, dirty))

    def _requeue(
        self,
        forget: list[tuple[str, int]],
        saved: list[tuple[str, int, bytes]],
        dirty: list[SqliteStore],
    ) -> None:
        """Writes that did not reach the file go back in front of what is pending now.

        A flush deletes before it inserts, so a message saved before a reset or a take-back that
        is pending now would come back; those are dropped here (what is pending now happened
        after the writes being put back)."""
        with self.lock:
            later = self._forget
            if later:
                saved = [
                    row
                    for row in saved
                    if not any(sid == row[0] and row[1] >= first for sid, first in later)
                ]
            self._forget = forget + later
            self._saved = saved + self._saved
            self._dirty = {**{s.session_id: s for s in dirty}, **self._dirty}

    def _discard_from(self, store: SqliteStore, seq: int) -> None:
        with self.lock:
            sid = store.session_id
            self._saved = [row for row in self._saved if row[0] != sid or row[1] < seq]
            self._forget.append((sid, seq))  # and any already in the file
            self._dirty[sid] = store

    def get_range(self, session_id: str, begin: int, end: int) -> list[tuple[int, bytes]]:
        with self.lock:
            self.flush()  # a resend reads what was stored, pending included
            try:
                rows = (
                    self._db.reader()
                    .execute(
                        "SELECT seq, raw FROM fix_message WHERE session_id=?"
                        " AND seq BETWEEN ? AND ? ORDER BY seq",
                        (session_id, begin, end),
                    )
                    .fetchall()
                )
            except sqlite3.Error as exc:
                message = f"{self.shown}: cannot read the FIX message store: {exc}"
                raise StoreError(message) from None
        return [(int(seq), bytes(raw)) for seq, raw in rows]

    def close(self) -> None:
        with self.lock:
            try:
                self.flush()
            finally:
                self._db.close()


class SqliteStore:
    """One session's view of a :class:`SqliteStoreFactory`."""

    def __init__(
        self, factory: SqliteStoreFactory, session_id: str, sender: int, target: int, day: str
    ) -> None:
        self._factory = factory
        self.session_id = session_id
        self._sender = sender
        self._target = target
        self._day = day

    @property
    def next_sender_seq(self) -> int:
        return self._sender

    @property
    def next_target_seq(self) -> int:
        return self._target

    @property
    def session_day(self) -> str:
        return self._day

    def set_next_sender_seq(self, seq: int) -> None:
        self._sender = seq
        self._factory._mark(self)

    def set_next_target_seq(self, seq: int) -> None:
        self._target = seq
        self._factory._mark(self)

    def save(self, seq: int, raw: bytes) -> None:
        if seq >= self._sender:
            self._sender = seq + 1
        self._factory._save(self, seq, raw)

    def get_range(self, begin: int, end: int) -> list[tuple[int, bytes]]:
        return self._factory.get_range(self.session_id, begin, end)

    def reset(self, session_day: str = "") -> None:
        self._sender = self._target = 1
        self._day = session_day
        self._factory._reset(self)

    def flush(self) -> None:
        self._factory.flush()

    def discard_from(self, seq: int) -> None:
        self._factory._discard_from(self, seq)
        self._sender = seq


def import_store_file(factory: SqliteStoreFactory, path: Path) -> int:
    """Take the sessions and messages of a store file of its own into ``factory`` (the journal's
    database), once: only when the journal holds no session yet. The file is then renamed
    ``...imported`` so it is never read again. Returns the number of sessions taken in.

    A data directory written before the store moved into the journal has its numbers in
    ``fix-store.sqlite3``; without this a restart on it would start every session at 1.
    """
    if not path.is_file():
        return 0
    with factory.lock:
        reader = factory._db.reader()
        if reader.execute("SELECT count(*) FROM fix_session").fetchone()[0]:
            return 0
        try:
            old = sqlite3.connect(path)  # not read-only: a crashed writer's log is recovered
            try:
                sessions = old.execute(
                    "SELECT session_id, next_sender, next_target, session_day FROM fix_session"
                ).fetchall()
                messages = old.execute("SELECT session_id, seq, raw FROM fix_message").fetchall()
            finally:
                old.close()
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot read the FIX message store: {exc}") from None

        def write(conn: sqlite3.Connection) -> None:
            conn.executemany(_INSERT_SESSION, sessions)
            conn.executemany(_SAVE, messages)

        factory._run(write)
    path.rename(path.with_name(path.name + IMPORTED_SUFFIX))
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(OSError):
            path.with_name(path.name + suffix).unlink()
    return len(sessions)
