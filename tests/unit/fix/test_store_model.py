"""The journal-backed message store against a model: whatever mix of saves, number changes,
resets, take-backs, flushes and rolled-back journal batches, what the store says and what its
database holds after the next flush agree with a plain in-memory model.

The FIX component relies on this after a failed commit (simulator/fix/component.py): the store's
buffered writes go back in memory through ``journal.on_rollback`` and a later flush must write
exactly what the sessions believe.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.fix.store import MemoryStore, SqliteStoreFactory
from simulator.journal.sqlite import SqliteJournal, open_journal

SESSIONS = ("a", "b")

op = st.one_of(
    st.tuples(st.just("save"), st.sampled_from(SESSIONS), st.integers(1, 12)),
    st.tuples(st.just("target"), st.sampled_from(SESSIONS), st.integers(1, 50)),
    st.tuples(st.just("reset"), st.sampled_from(SESSIONS), st.just(0)),
    st.tuples(st.just("discard"), st.sampled_from(SESSIONS), st.integers(1, 12)),
    st.tuples(st.just("flush"), st.sampled_from(SESSIONS), st.just(0)),
)
#: (how the block ends, operations): the batch commits, the batch rolls back, or the operations
#: run in a savepoint that rolls back inside a batch that commits
step = st.tuples(st.sampled_from(["commit", "rollback", "savepoint"]), st.lists(op, max_size=6))


class _Aborted(Exception):
    pass


def _apply(store: object, kind: str, number: int) -> None:
    if kind == "save":
        store.save(number, b"m%d" % number)  # type: ignore[attr-defined]
    elif kind == "target":
        store.set_next_target_seq(number)  # type: ignore[attr-defined]
    elif kind == "reset":
        store.reset("")  # type: ignore[attr-defined]
    elif kind == "discard":
        store.discard_from(number)  # type: ignore[attr-defined]
    else:
        store.flush()  # type: ignore[attr-defined]


def _file_state(journal: SqliteJournal, session: str) -> tuple[int, int, list[tuple[int, bytes]]]:
    conn = journal.connection
    sender, target = conn.execute(
        "SELECT next_sender, next_target FROM fix_session WHERE session_id = ?", (session,)
    ).fetchone()
    rows = conn.execute(
        "SELECT seq, raw FROM fix_message WHERE session_id = ? ORDER BY seq", (session,)
    ).fetchall()
    return int(sender), int(target), [(int(seq), bytes(raw)) for seq, raw in rows]


@settings(max_examples=60, deadline=None)
@given(st.lists(step, max_size=8))
def test_memory_and_file_agree_after_any_mix_of_commits_and_rollbacks(
    tmp_path_factory: object, steps: list[tuple[str, list[tuple[str, str, int]]]]
) -> None:
    directory: Path = tmp_path_factory.mktemp("store")  # type: ignore[attr-defined]
    journal = open_journal(directory)
    factory = SqliteStoreFactory(journal=journal)
    stores = {s: factory.store(s) for s in SESSIONS}
    model = {s: MemoryStore() for s in SESSIONS}
    try:
        for ending, operations in steps:
            # a rolled-back block changes nothing in the file, and the sessions keep their
            # memory (the component takes back output itself with discard_from, which the
            # operations exercise separately)
            def run(operations: list[tuple[str, str, int]] = operations) -> None:
                for kind, session, number in operations:
                    _apply(stores[session], kind, number)
                    _apply(model[session], kind, number)

            try:
                with journal.batch():
                    if ending == "savepoint":
                        try:
                            with journal.transaction():
                                run()
                                raise _Aborted
                        except _Aborted:
                            pass
                    else:
                        run()
                        if ending == "rollback":
                            raise _Aborted
            except _Aborted:
                pass
            factory.flush()
            for session in SESSIONS:
                expected = model[session]
                sender, target, messages = _file_state(journal, session)
                assert (sender, target) == (expected.next_sender_seq, expected.next_target_seq)
                assert messages == expected.get_range(1, 100)
                assert stores[session].get_range(1, 100) == expected.get_range(1, 100)
                assert stores[session].next_sender_seq == expected.next_sender_seq
    finally:
        journal.close()
