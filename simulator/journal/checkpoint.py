"""Fold the journal's write-ahead log into the database off the writer's path.

In WAL mode a commit appends pages to ``journal.sqlite3-wal``; a *checkpoint* later copies them
into the database file and fsyncs it. By default SQLite runs that checkpoint inside the commit
that pushes the log past 1,000 pages (https://www.sqlite.org/wal.html#automatic_checkpoint), so
about one acknowledgement in a hundred waits for a copy of megabytes and an fsync: 5 to 60 ms on
the machine of docs/performance.md, which raised the mean cost of a lone report's commit from
about 90 us to 110-280 us and put those milliseconds in its p99.

:class:`Checkpointer` turns the automatic checkpoint off on the writer's connection and runs
``PRAGMA wal_checkpoint(PASSIVE)`` from a connection of its own, in a daemon thread, after every
``every`` commits. A passive checkpoint never blocks the writer (SQLite releases the GIL while it
copies, so it also runs on another core). Durability is unchanged: a transaction is durable when
its commit is in the log, which is before the acknowledgement is written; the checkpoint only
moves it. The thread wakes on commits, never on a timer, so it reads no clock.

A checkpoint running beside a busy writer never lets the log start over: SQLite rewinds the
log only when a write transaction begins with every frame already copied, and a writer that
commits continuously always has new frames by then (a ``RESTART`` checkpoint from the thread
would wait for a gap between transactions that a busy writer never leaves). So once a pass finds
``restart_pages`` pages in the log, the thread marks a restart due and the *writer* runs one
passive checkpoint itself, between two of its transactions (:meth:`after_commit`): it copies the
few frames the thread has not, syncs the database, and its next transaction writes from the
start of the log. The writer pays that once per ``restart_pages`` pages (16 MiB by default)
instead of a full checkpoint once per 1,000 pages, and the log stays bounded.

If the thread fails, it logs why and turns the automatic checkpoint back on for the writer, so
the log never grows without bound.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

DEFAULT_EVERY: Final = 32  # commits between checkpoints
DEFAULT_RESTART_PAGES: Final = 4096  # log pages (16 MiB of 4 KiB pages) before a restart
AUTOCHECKPOINT_PAGES: Final = 1000  # SQLite's default, restored if the thread fails


class Checkpointer:
    """A background checkpoint of one WAL database (see the module docstring)."""

    def __init__(
        self,
        path: Path,
        *,
        every: int = DEFAULT_EVERY,
        restart_pages: int = DEFAULT_RESTART_PAGES,
        on_failure: Callable[[], None] | None = None,
    ) -> None:
        if every < 1 or restart_pages < 1:
            raise ValueError("every and restart_pages must be at least 1")
        self.path = path
        self.every = every
        self.restart_pages = restart_pages
        self.on_failure = on_failure
        self.checkpoints = 0  # passes of the thread, for tests and stats
        self.restarts = 0  # checkpoints by the writer that let the log start over
        self.restart_due = False
        self._commits = 0
        self._wake = threading.Event()
        self._passed = threading.Event()
        self._running = threading.Lock()  # held during a pass; see paused()
        self._stopping = False
        self._thread = threading.Thread(
            target=self._run, name=f"journal-checkpoint:{path.name}", daemon=True
        )
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def after_commit(self, connection: sqlite3.Connection) -> None:
        """Called by the writer after each commit, outside any transaction, on its connection.

        Every ``every`` commits it wakes the thread; when a restart is due it checkpoints the
        rest of the log itself, so the next transaction starts the log over.
        """
        self._commits += 1
        if self._commits >= self.every:
            self._commits = 0
            self._wake.set()
        if self.restart_due:
            try:
                busy, log_pages, copied = connection.execute(
                    "PRAGMA wal_checkpoint(PASSIVE)"
                ).fetchone()
            except sqlite3.OperationalError:  # the thread is checkpointing: next commit
                return
            if not busy and log_pages == copied:
                self.restart_due = False
                self.restarts += 1

    def request(self) -> None:
        """Checkpoint as soon as possible (whatever the number of commits); a following
        :meth:`wait_for_pass` waits for a pass that started after this call."""
        self._commits = 0
        self._passed.clear()
        self._wake.set()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No pass runs inside this block (one in progress is waited for): SQLite refuses a
        second checkpoint while one runs, so an explicit full checkpoint takes this first."""
        with self._running:
            yield

    def wait_for_pass(self, timeout: float = 10.0) -> bool:
        """Block until the thread completes a pass (for tests: after :meth:`request`; the
        ``timeout`` only guards against a dead thread). Returns whether one completed."""
        done = self._passed.wait(timeout)
        self._passed.clear()
        return done

    def stop(self) -> None:
        """Stop the thread (after the checkpoint it may be running) and wait for it."""
        self._stopping = True
        self._wake.set()
        if self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self.path, check_same_thread=False, timeout=10.0)
        except sqlite3.Error:
            log.exception("%s: cannot open a checkpoint connection", self.path)
            self._failed()
            return
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                with self._running:
                    row = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                _, log_pages, _ = row
                self.checkpoints += 1
                if log_pages >= self.restart_pages:
                    self.restart_due = True
                self._passed.set()
        except Exception:
            log.exception("%s: background checkpoint failed; SQLite checkpoints again", self.path)
            self._failed()
        finally:
            connection.close()

    def _failed(self) -> None:
        if self.on_failure is not None:
            try:
                self.on_failure()
            except Exception:
                log.exception("%s: could not turn the automatic checkpoint back on", self.path)


__all__ = ["AUTOCHECKPOINT_PAGES", "DEFAULT_EVERY", "DEFAULT_RESTART_PAGES", "Checkpointer"]
