"""The web front's durable state: one SQLite file in the data directory, ``web-state.sqlite3``.

``facsim serve`` promises for the web front what it promises for FIX reports: *what was
acknowledged is durable*. Every request that changes the web front's state -- a login step, a
password or security questions set, a second factor enrolled, a lockout, a role assigned, a UAT
registration, an API token issued, an invitation sent when the clock crossed its date -- is
written here, in one transaction, before its HTTP answer leaves (the middleware in
:mod:`simulator.web.component`). Killed with SIGKILL and started again on the same
``--data-dir``, the simulator reads it back (:meth:`simulator.web.state.WebState.attach_store`).

Like the journal and the FIX message store (:mod:`simulator.journal.sqlite`,
:mod:`simulator.fix.store`) the file runs in WAL mode with ``synchronous=NORMAL``: a committed
transaction survives the process being killed, not necessarily a power cut before the next
checkpoint (https://www.sqlite.org/pragma.html#pragma_synchronous). It has a file of its own,
so a web request never waits on the journal's group commits nor the FIX store's.

Layout (schema version :data:`SCHEMA_VERSION`, in ``PRAGMA user_version``):

* ``web_component(name, data)`` -- one JSON document per component: ``directory``
  (organisations and accounts, :mod:`simulator.entitlement.snapshot`), ``mfa`` (factors, codes,
  invitations, the seeded random source's state), ``tokens`` (API token digests), ``uat``
  (registrations), ``sessions`` (the "Remember this computer" signing key) and ``web`` (the
  web front's own counters). A component is rewritten only when its text changed.
* ``web_session(key, data)`` -- one row per browser session, keyed by the SHA-256 of its cookie
  token (:func:`simulator.web.sessions.token_key`); only the sessions a request touched are
  written.

The file holds **test secrets**: password and security-answer hashes, TOTP secrets as the MFA
service holds them, pending SMS codes, the cookie-signing key. It is a simulator's data
directory; treat it like the test PKI next to it (``pki/``), not like a production database.

A file that cannot be read -- not SQLite, written by a newer facsim, a saved document that is
not JSON or not the shape this version writes -- is a :class:`~simulator.errors.ConfigError`
naming the file (and the part), never a traceback; a failed write is a :class:`StateNotSaved`,
which the web front answers with ``503`` and a sentence saying nothing was confirmed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from simulator.errors import ConfigError, SimulatorError

STATE_FILENAME: Final = "web-state.sqlite3"
SCHEMA_VERSION: Final = 1
MEMORY: Final = ":memory:"
_TABLES: Final = frozenset({"web_component", "web_session"})
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS web_component (
    name TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS web_session (
    key  TEXT PRIMARY KEY,
    data TEXT NOT NULL
) WITHOUT ROWID;
"""
_ADVICE: Final = (
    "move the file aside to start the web front from the organisation files, or use another "
    "--data-dir"
)


class StateNotSaved(SimulatorError):
    """A change could not be written to the state file (disk full, file removed...)."""


def dumps(data: Any) -> str:
    """The one canonical text of a snapshot: keys sorted, no spaces (equal state, equal text)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def state_path(data_dir: str | os.PathLike[str]) -> Path:
    """Where the web front's state lives in a data directory."""
    return Path(data_dir) / STATE_FILENAME


@dataclass
class SavedState:
    """What a state file held: each component's parsed document and text, and the sessions."""

    components: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.components and not self.sessions


@dataclass(frozen=True, slots=True)
class WriteStats:
    """What one save wrote (for the cost measurements and the log)."""

    components: tuple[str, ...]
    sessions_written: int
    sessions_removed: int


class WebStateStore:
    """The state file on one connection, guarded by one lock (requests run on the event loop;
    the control API and tests may read from other threads)."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        self._conn: sqlite3.Connection | None = connection
        self.path = path
        self.shown = str(path) if path is not None else MEMORY
        self.lock = threading.RLock()

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, location: str | os.PathLike[str] = MEMORY) -> WebStateStore:
        """Open (or create) the state file: ``":memory:"``, a data directory (the file is then
        ``DIR/web-state.sqlite3``) or a ``.sqlite3`` file. Problems are :class:`ConfigError`
        naming the file."""
        if str(location) == MEMORY:
            connection = sqlite3.connect(MEMORY, check_same_thread=False, isolation_level=None)
            connection.executescript(_SCHEMA)
            return cls(connection, None)
        path = Path(location)
        if path.is_dir() or (not path.exists() and path.suffix.lower() != ".sqlite3"):
            path = state_path(path)
        shown = str(path)
        if path.exists() and not path.is_file():
            raise ConfigError(shown, "is not a file")
        fresh = not path.exists() or path.stat().st_size == 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                path, check_same_thread=False, isolation_level=None, timeout=10.0
            )
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(shown, f"cannot open the web front's state file: {exc}") from None
        try:
            cls._prepare(connection, shown, fresh=fresh)
        except BaseException:
            connection.close()
            raise
        return cls(connection, path)

    @staticmethod
    def _prepare(connection: sqlite3.Connection, shown: str, *, fresh: bool) -> None:
        try:
            mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            connection.execute("PRAGMA synchronous=NORMAL")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            tables = {
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
        except sqlite3.DatabaseError as exc:  # "file is not a database", a locked file
            raise ConfigError(shown, f"is not a facsim web-state file ({exc}); {_ADVICE}") from None
        if str(mode).lower() != "wal":
            raise ConfigError(shown, f"cannot switch the state file to WAL mode (got {mode})")
        if version > SCHEMA_VERSION:
            raise ConfigError(
                shown,
                f"was written by a newer facsim (web-state schema {version}; this one reads "
                f"{SCHEMA_VERSION}); {_ADVICE}",
            )
        if not fresh and tables and not tables & _TABLES:
            raise ConfigError(
                shown, f"is a SQLite database but not a facsim web-state file; {_ADVICE}"
            )
        try:
            connection.executescript(_SCHEMA)
            connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise ConfigError(shown, f"cannot create the web-state tables: {exc}") from None

    def close(self) -> None:
        """Close the connection (idempotent); SQLite checkpoints the WAL on the last close."""
        with self.lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @property
    def closed(self) -> bool:
        return self._conn is None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StateNotSaved(f"{self.shown}: the web front's state file is closed")
        return self._conn

    # -- reading ---------------------------------------------------------------------------

    def load(self) -> SavedState:
        """Everything saved (empty for a new file). A document that is not JSON is a
        :class:`ConfigError` naming the file and the part."""
        saved = SavedState()
        with self.lock:
            try:
                components = (
                    self._connection()
                    .execute("SELECT name, data FROM web_component ORDER BY name")
                    .fetchall()
                )
                sessions = (
                    self._connection()
                    .execute("SELECT key, data FROM web_session ORDER BY key")
                    .fetchall()
                )
            except sqlite3.DatabaseError as exc:
                raise ConfigError(
                    self.shown, f"cannot read the web front's state ({exc}); {_ADVICE}"
                ) from None
        for name, text in components:
            saved.components[name] = self._parse(text, name)
            saved.texts[name] = text
        for key, text in sessions:
            saved.sessions[key] = self._parse(text, f"session {str(key)[:8]}...")
        return saved

    def _parse(self, text: Any, part: str) -> Any:
        try:
            return json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                self.shown, f"the saved {part} is not readable JSON ({exc}); {_ADVICE}"
            ) from None

    # -- writing ---------------------------------------------------------------------------

    def write(
        self,
        components: Mapping[str, str],
        sessions: Mapping[str, str] | None = None,
        gone: Iterable[str] = (),
        *,
        replace_sessions: bool = False,
    ) -> WriteStats:
        """Write changed component texts and sessions in ONE transaction: all or nothing.

        ``replace_sessions`` deletes every saved session first (a reset, or a retry after a
        failed save). Raises :class:`StateNotSaved` if SQLite refuses (nothing written)."""
        sessions = sessions or {}
        removed = [] if replace_sessions else [(key,) for key in gone]
        with self.lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    if replace_sessions:
                        conn.execute("DELETE FROM web_session")
                    conn.executemany(
                        "INSERT INTO web_component (name, data) VALUES (?, ?) "
                        "ON CONFLICT (name) DO UPDATE SET data = excluded.data",
                        list(components.items()),
                    )
                    conn.executemany(
                        "INSERT INTO web_session (key, data) VALUES (?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET data = excluded.data",
                        list(sessions.items()),
                    )
                    conn.executemany("DELETE FROM web_session WHERE key = ?", removed)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StateNotSaved(
                    f"{self.shown}: cannot save the web front's state: {exc}"
                ) from None
        return WriteStats(tuple(components), len(sessions), len(removed))

    def clear(self) -> None:
        """Forget everything saved (the control API's ``POST /reset``)."""
        with self.lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("DELETE FROM web_component")
                conn.execute("DELETE FROM web_session")
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise StateNotSaved(
                    f"{self.shown}: cannot clear the web front's state: {exc}"
                ) from None

    def counts(self) -> dict[str, int]:
        """Rows per table (tests, ``GET /web``)."""
        with self.lock:
            conn = self._connection()
            return {
                table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                for table in sorted(_TABLES)
            }


__all__ = [
    "STATE_FILENAME",
    "SavedState",
    "StateNotSaved",
    "WebStateStore",
    "WriteStats",
    "dumps",
    "state_path",
]
