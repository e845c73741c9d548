"""Where a FIX session keeps its sequence numbers and the messages it sent.

The port follows QuickFIX's ``MessageStore`` (memory, file, null): the next sender and target
MsgSeqNum, every sent message by sequence number (so a ResendRequest is answered from the store,
FIX 4.4 Vol. 2 "Message Recovery"), and the session day the numbers belong to (TRACE resets to 1
each morning, facilities.md section 3.1). Two implementations:

* :class:`MemoryStore` -- for unit tests and throw-away sessions.
* :class:`SqliteStore`, made by :class:`SqliteStoreFactory` -- one SQLite file (WAL,
  ``synchronous=NORMAL``, durable against a process crash) shared by every session of a
  simulator, so a restart on the same data directory resumes each session's numbers.

Durability order. Writes collect in one open transaction and :meth:`MessageStore.flush`
commits them; the session calls ``flush`` before it hands any bytes to the transport
(:meth:`simulator.fix.session.FixSession.data_to_send`), so a message is stored before it is
written to the socket, and the inbound sequence number that led to it is stored too. The store
uses its own file (``fix-store.sqlite3``), never the journal's connection: the journal commits on
its own schedule and a shared open transaction would make one wait on the other.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

from simulator.fix.errors import StoreError

STORE_FILENAME = "fix-store.sqlite3"


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

    @property
    def stored(self) -> int:
        return len(self._messages)


_SCHEMA = """
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


class SqliteStoreFactory:
    """One SQLite file holding the stores of every session; ``store(session_id)`` opens one.

    All stores share a connection and one open transaction; ``flush()`` on any of them commits
    all pending changes (group commit: one commit per batch of input, not per message).
    """

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
            self._conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{shown}: cannot open the FIX message store: {exc}") from None
        self.shown = shown
        self.lock = threading.RLock()
        self._in_transaction = False
        self._dirty: dict[str, SqliteStore] = {}
        self._stores: dict[str, SqliteStore] = {}

    def store(self, session_id: str) -> SqliteStore:
        with self.lock:
            existing = self._stores.get(session_id)
            if existing is not None:
                return existing
            row = self._conn.execute(
                "SELECT next_sender, next_target, session_day FROM fix_session WHERE session_id=?",
                (session_id,),
            ).fetchone()
            if row is None:
                self._write(
                    "INSERT INTO fix_session (session_id, next_sender, next_target, session_day)"
                    " VALUES (?, 1, 1, '')",
                    (session_id,),
                )
                row = (1, 1, "")
            store = SqliteStore(self, session_id, int(row[0]), int(row[1]), str(row[2]))
            self._stores[session_id] = store
            return store

    def _write(self, sql: str, params: tuple[object, ...]) -> None:
        with self.lock:
            try:
                if not self._in_transaction:
                    self._conn.execute("BEGIN")
                    self._in_transaction = True
                self._conn.execute(sql, params)
            except sqlite3.Error as exc:
                message = f"{self.shown}: cannot write the FIX message store: {exc}"
                raise StoreError(message) from None

    def _mark(self, store: SqliteStore) -> None:
        self._dirty[store.session_id] = store

    def _read(self, sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        with self.lock:
            return self._conn.execute(sql, params).fetchall()

    def flush(self) -> None:
        with self.lock:
            if self._dirty:
                dirty = list(self._dirty.values())
                self._dirty.clear()
                for store in dirty:
                    self._write(
                        "UPDATE fix_session SET next_sender=?, next_target=?, session_day=?"
                        " WHERE session_id=?",
                        (store._sender, store._target, store._day, store.session_id),
                    )
            if self._in_transaction:
                try:
                    self._conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    message = f"{self.shown}: cannot commit the FIX message store: {exc}"
                    raise StoreError(message) from None
                self._in_transaction = False

    def close(self) -> None:
        with self.lock:
            try:
                self.flush()
            finally:
                self._conn.close()


class SqliteStore:
    """One session's view of a :class:`SqliteStoreFactory` file."""

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
        self._factory._write(
            "INSERT OR REPLACE INTO fix_message (session_id, seq, raw) VALUES (?, ?, ?)",
            (self.session_id, seq, raw),
        )
        if seq >= self._sender:
            self._sender = seq + 1
        self._factory._mark(self)

    def get_range(self, begin: int, end: int) -> list[tuple[int, bytes]]:
        rows = self._factory._read(
            "SELECT seq, raw FROM fix_message WHERE session_id=? AND seq BETWEEN ? AND ?"
            " ORDER BY seq",
            (self.session_id, begin, end),
        )
        return [(int(seq), bytes(raw)) for seq, raw in rows]  # type: ignore[call-overload]

    def reset(self, session_day: str = "") -> None:
        self._factory._write("DELETE FROM fix_message WHERE session_id=?", (self.session_id,))
        self._sender = self._target = 1
        self._day = session_day
        self._factory._mark(self)

    def flush(self) -> None:
        self._factory.flush()
