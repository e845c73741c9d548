"""The trade journal: accepted reports, their lifecycle, rejects, deliveries, faults, audit.

``open_journal(data_dir)`` opens ``DATA_DIR/journal.sqlite3`` (WAL, durable against a process
crash); ``open_memory_journal()`` gives the same journal in memory for tests. The interface is
:class:`Journal`; the records it returns are in :mod:`simulator.journal.base`. See
``docs/journal.md`` for the schema, the durability promise and the lifecycle table.
"""

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
from simulator.journal.memory import open_memory_journal
from simulator.journal.sqlite import (
    JOURNAL_FILENAME,
    MEMORY,
    SCHEMA_VERSION,
    SqliteJournal,
    journal_path,
    open_journal,
)

__all__ = [
    "JOURNAL_FILENAME",
    "MEMORY",
    "SCHEMA_VERSION",
    "AuditRecord",
    "Delivery",
    "DeliveryNote",
    "DuplicateGroup",
    "FaultRecord",
    "Journal",
    "JournalClosed",
    "JournalStats",
    "LifecycleEvent",
    "RejectRecord",
    "ReportRef",
    "SqliteJournal",
    "StoredReport",
    "journal_path",
    "open_journal",
    "open_memory_journal",
    "report_to_json",
]
