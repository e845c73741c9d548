"""An in-memory journal for unit tests: the SQLite journal on ``:memory:``.

There is deliberately one implementation: tests exercise the same SQL, transactions and
lifecycle checks that production uses, only without a file. Nothing survives ``close()``.
"""

from __future__ import annotations

from simulator.journal.sqlite import MEMORY, SqliteJournal


def open_memory_journal(seed: int = 0) -> SqliteJournal:
    """A fresh, empty journal that lives only in this process."""
    return SqliteJournal.open(MEMORY, seed=seed)


__all__ = ["open_memory_journal"]
