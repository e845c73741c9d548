"""Message stores: sequence numbers and sent messages survive a restart; stored before written."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from simulator.clock import SECOND
from simulator.fix.errors import StoreError
from simulator.fix.message import FixMessage
from simulator.fix.session import FixSession, SessionState
from simulator.fix.store import (
    IMPORTED_SUFFIX,
    STORE_FILENAME,
    MemoryStore,
    MessageStore,
    SqliteStoreFactory,
    import_store_file,
)
from simulator.journal.sqlite import JOURNAL_FILENAME, open_journal

if TYPE_CHECKING:
    from conftest import AcceptorFactory


@pytest.fixture(params=["memory", "sqlite", "in-journal"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MessageStore:
    if request.param == "memory":
        return MemoryStore()
    if request.param == "in-journal":
        return SqliteStoreFactory(journal=open_journal(tmp_path)).store("s1")
    return SqliteStoreFactory(tmp_path).store("s1")


def test_discarding_takes_back_messages_and_their_numbers(store: MessageStore) -> None:
    for seq in (1, 2, 3):
        store.save(seq, b"m%d" % seq)
    store.flush()  # 3 is in the file already
    store.save(4, b"m4")
    store.discard_from(3)
    assert store.next_sender_seq == 3
    store.save(3, b"again")
    store.flush()
    assert store.get_range(1, 10) == [(1, b"m1"), (2, b"m2"), (3, b"again")]


def test_a_new_store_starts_at_one(store: MessageStore) -> None:
    assert (store.next_sender_seq, store.next_target_seq, store.session_day) == (1, 1, "")
    assert isinstance(store, MessageStore)


def test_saving_advances_the_sender_number_and_keeps_the_bytes(store: MessageStore) -> None:
    store.save(1, b"one")
    store.save(2, b"two")
    store.set_next_sender_seq(5)  # 3 and 4 were session messages: numbers only
    store.save(5, b"five")
    store.set_next_target_seq(9)
    store.flush()
    assert store.next_sender_seq == 6
    assert store.next_target_seq == 9
    assert store.get_range(1, 10) == [(1, b"one"), (2, b"two"), (5, b"five")]
    assert store.get_range(2, 4) == [(2, b"two")]


def test_reset_forgets_everything_and_records_the_day(store: MessageStore) -> None:
    store.save(1, b"one")
    store.set_next_target_seq(4)
    store.reset("2021-11-16")
    store.flush()
    assert (store.next_sender_seq, store.next_target_seq, store.session_day) == (
        1,
        1,
        "2021-11-16",
    )
    assert store.get_range(1, 10) == []


def test_sqlite_store_resumes_after_a_restart(tmp_path: Path) -> None:
    factory = SqliteStoreFactory(tmp_path)
    one, two = factory.store("one"), factory.store("two")
    one.save(1, b"a")
    one.set_next_target_seq(7)
    two.reset("2021-11-16")
    two.save(1, b"b")
    factory.close()
    again = SqliteStoreFactory(tmp_path / STORE_FILENAME)
    one, two = again.store("one"), again.store("two")
    assert (one.next_sender_seq, one.next_target_seq) == (2, 7)
    assert one.get_range(1, 1) == [(1, b"a")]
    assert (two.next_sender_seq, two.session_day) == (2, "2021-11-16")
    assert again.store("one") is one
    again.close()


def test_sqlite_writes_are_invisible_until_flushed(tmp_path: Path) -> None:
    factory = SqliteStoreFactory(tmp_path)
    store = factory.store("s")
    factory.flush()
    store.save(1, b"ack")
    store.set_next_target_seq(3)
    reader = sqlite3.connect(tmp_path / STORE_FILENAME)

    def seen() -> tuple[int, int]:
        count = reader.execute("SELECT count(*) FROM fix_message").fetchone()[0]
        target = reader.execute("SELECT next_target FROM fix_session").fetchone()[0]
        return count, target

    assert seen() == (0, 1)
    store.flush()
    assert seen() == (1, 3)
    reader.close()
    factory.close()


def test_a_store_that_cannot_be_opened_names_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot open the FIX message store") as caught:
        SqliteStoreFactory(blocker / "sub" / "store.sqlite3")
    assert str(blocker) in str(caught.value)


def test_session_stores_before_it_writes(make_acceptor: AcceptorFactory) -> None:
    """The session hands out bytes only after flushing its store (durability order)."""
    flushed: list[int] = []

    class Spy(MemoryStore):
        def flush(self) -> None:
            flushed.append(self.next_sender_seq)

    acceptor = make_acceptor(store=Spy())
    peer = acceptor.connect()
    peer.connection.receive_data(peer.build("A", (98, 0), (108, 30)), peer.clock.now_ns())
    assert flushed == []  # nothing handed out yet
    data = peer.connection.data_to_send()
    assert data.startswith(b"8=FIX.4.4")
    assert flushed == [2]  # the Logon (seq 1) was counted before its bytes left


def test_a_restarted_acceptor_resumes_numbers_and_answers_a_resend_from_the_store(
    make_acceptor: AcceptorFactory, tmp_path: Path
) -> None:
    factory = SqliteStoreFactory(tmp_path)
    first = make_acceptor(store=factory.store("trace-ca:ACMEFIX"))
    peer = first.connect()
    peer.logon()
    clock = peer.clock
    sent_at = peer.stamp()
    for n in range(3):  # admin 2-4
        peer.send("1", (112, f"hello {n}"))
    for ref in ("A1", "A2"):  # app 5-6
        first.session.send_app(FixMessage.of("AE", (571, ref), (939, 0)), clock.now_ns())
    peer.take()
    assert (first.session.next_sender_seq, first.session.next_target_seq) == (7, 5)
    # The process dies: no Logout, nothing else flushed. A new process opens the same file.
    factory._db.close()
    clock.advance(60 * SECOND)
    reopened = SqliteStoreFactory(tmp_path)
    second = make_acceptor(store=reopened.store("trace-ca:ACMEFIX"))
    assert isinstance(second.session, FixSession)
    assert (second.session.next_sender_seq, second.session.next_target_seq) == (7, 5)
    again = second.connect()
    again.seq = 5
    [logon] = again.logon()
    assert logon.get(34) == "7"
    assert second.session.state is SessionState.LOGGED_ON
    again.send("2", (7, 1), (16, 0))
    resent = again.take()
    assert [(m.msg_type, m.get(34), m.get(36), m.get(43)) for m in resent] == [
        ("4", "1", "5", "Y"),
        ("AE", "5", None, "Y"),
        ("AE", "6", None, "Y"),
        ("4", "7", "8", "Y"),
    ]
    assert resent[1].get(122) == sent_at
    assert resent[1].get(571) == "A1"
    reopened.close()


def test_in_the_journal_a_flush_joins_the_open_batch_and_commits_with_it(tmp_path: Path) -> None:
    journal = open_journal(tmp_path)
    factory = SqliteStoreFactory(journal=journal)
    store = factory.store("s")
    reader = sqlite3.connect(tmp_path / JOURNAL_FILENAME)

    def numbers() -> int:
        return int(reader.execute("SELECT next_target FROM fix_session").fetchone()[0])

    with journal.batch():
        store.set_next_target_seq(5)
        store.save(1, b"ack")
        store.flush()
        assert numbers() == 1  # not committed while the batch is open
    assert numbers() == 5
    assert reader.execute("SELECT count(*) FROM fix_message").fetchone()[0] == 1
    reader.close()
    journal.close()


def test_a_rolled_back_batch_puts_the_stores_writes_back(tmp_path: Path) -> None:
    """Memory and file agree after a failed commit: what the batch would have written is
    pending again, and the next flush writes it."""
    journal = open_journal(tmp_path)
    factory = SqliteStoreFactory(journal=journal)
    store = factory.store("s")
    with pytest.raises(RuntimeError), journal.batch():
        store.set_next_target_seq(9)
        store.save(1, b"ack")
        store.flush()
        raise RuntimeError("the report could not be journaled")
    assert factory.pending
    row = journal.connection.execute("SELECT next_target FROM fix_session").fetchone()
    assert row == (1,)
    store.flush()
    assert not factory.pending
    row = journal.connection.execute("SELECT next_target FROM fix_session").fetchone()
    assert row == (9,)
    assert store.get_range(1, 1) == [(1, b"ack")]
    journal.close()


def test_a_store_file_of_its_own_is_taken_into_the_journal_once(tmp_path: Path) -> None:
    old = SqliteStoreFactory(tmp_path)
    first = old.store("trace-ca:ACMEFIX")
    first.save(1, b"ack")
    first.set_next_target_seq(4)
    old.close()
    journal = open_journal(tmp_path)
    factory = SqliteStoreFactory(journal=journal)
    assert import_store_file(factory, tmp_path / STORE_FILENAME) == 1
    assert not (tmp_path / STORE_FILENAME).exists()
    assert (tmp_path / (STORE_FILENAME + IMPORTED_SUFFIX)).is_file()
    store = factory.store("trace-ca:ACMEFIX")
    assert (store.next_sender_seq, store.next_target_seq) == (2, 4)
    assert store.get_range(1, 5) == [(1, b"ack")]
    assert import_store_file(factory, tmp_path / STORE_FILENAME) == 0  # nothing left to take
    journal.close()


def test_a_rolled_back_savepoint_puts_back_the_writes_made_inside_it(tmp_path: Path) -> None:
    """A flush inside a journal savepoint that rolls back (the enclosing batch goes on and
    commits): the store's writes made inside it are pending again and reach the file later."""
    journal = open_journal(tmp_path)
    factory = SqliteStoreFactory(journal=journal)
    store = factory.store("s")
    with journal.batch():
        with pytest.raises(RuntimeError), journal.transaction():
            store.save(1, b"ack")
            store.flush()
            raise RuntimeError("this operation failed; the batch goes on")
        assert factory.pending
    assert journal.connection.execute("SELECT count(*) FROM fix_message").fetchone() == (0,)
    store.flush()
    assert store.get_range(1, 1) == [(1, b"ack")]
    journal.close()
