"""The journal's background checkpoint: the write-ahead log is folded off the writer's path,
stays bounded while the writer never pauses, the thread stops with the journal, and a failure
hands checkpointing back to SQLite."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from test_journal import make_report, submit

from simulator.journal import open_journal
from simulator.journal.checkpoint import AUTOCHECKPOINT_PAGES, Checkpointer


def _writer(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")  # as the journal sets it
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    return connection


def _wal_pages(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size // 4096 if wal.exists() else 0


def test_the_log_starts_over_although_the_writer_never_pauses(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    writer = _writer(path)
    checkpointer = Checkpointer(path, every=10**9, restart_pages=16)  # passes on request only
    try:
        for n in range(200):
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("INSERT INTO t (body) VALUES (?)", ("x" * 3000,))  # about a page
            if n % 5 == 4:  # the thread's pass runs while the writer is inside a transaction
                checkpointer.request()
                assert checkpointer.wait_for_pass()
            writer.execute("COMMIT")
            checkpointer.after_commit(writer)
        assert checkpointer.restarts >= 5  # about one per 16 pages
        assert _wal_pages(path) < 60  # 200 commits without a restart need over 200 pages
    finally:
        checkpointer.stop()
        writer.close()
    with sqlite3.connect(path) as reader:
        assert reader.execute("SELECT COUNT(*) FROM t").fetchone() == (200,)
    reader.close()


def test_a_file_journal_checkpoints_from_its_own_thread(tmp_path: Path) -> None:
    journal = open_journal(tmp_path, seed=2)
    checkpointer = journal._checkpointer
    assert checkpointer is not None and checkpointer.alive
    assert journal.connection.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
    for n in range(40):
        submit(journal, make_report(client_ref=f"R{n}"))
    checkpointer.request()
    assert checkpointer.wait_for_pass()
    assert checkpointer.checkpoints >= 1
    journal.close()
    assert not checkpointer.alive  # stopped with the journal, no thread left behind
    with open_journal(tmp_path) as reopened:
        assert len(reopened.query()) == 40


def test_a_memory_journal_has_no_thread() -> None:
    from simulator.journal import open_memory_journal

    with open_memory_journal() as journal:
        assert journal._checkpointer is None


def test_a_failed_thread_gives_checkpointing_back_to_sqlite(tmp_path: Path) -> None:
    journal = open_journal(tmp_path, seed=2)
    handed_back = threading.Event()

    def restore() -> None:
        journal._checkpoint_inline()
        handed_back.set()

    assert journal._checkpointer is not None
    journal._checkpointer.stop()
    # a directory is no database: the thread cannot open its connection and gives up
    journal._checkpointer = Checkpointer(tmp_path, on_failure=restore)
    assert handed_back.wait(10)
    assert journal.connection.execute("PRAGMA wal_autocheckpoint").fetchone() == (
        AUTOCHECKPOINT_PAGES,
    )
    journal.close()
