-- facsim trade journal, schema version 2 (PRAGMA user_version). Version 2 adds the accept-event
-- trigger and replaces the (MPID, execution time) index with reports_duplicates; opening a
-- version 1 journal upgrades it in place (this script is idempotent).
--
-- Times are integer nanoseconds since the Unix epoch (UTC); dates are ISO text (YYYY-MM-DD,
-- America/New_York); decimals are exact text (Python Decimal str()). Enumerations are stored
-- as the values of the simulator.domain enums. The FIX message store (simulator/fix/store.py)
-- keeps its own tables in the same file.

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- The id generator's counters (simulator.domain.ids): persisted in the transaction that used
-- them, so a restart continues the sequence and never reuses a control number.
CREATE TABLE IF NOT EXISTS id_counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per control number issued for an accepted report (a correction is a new row).
CREATE TABLE IF NOT EXISTS reports (
    report_id          INTEGER PRIMARY KEY,
    control_number     TEXT    NOT NULL,
    control_date       TEXT    NOT NULL,
    -- TradeReport
    facility           TEXT    NOT NULL,
    reporting_mpid     TEXT    NOT NULL,
    contra_mpid        TEXT,
    side               TEXT    NOT NULL,
    security           TEXT    NOT NULL,
    security_id_source TEXT    NOT NULL,
    quantity           TEXT    NOT NULL,
    price              TEXT    NOT NULL,
    executed_ns        INTEGER NOT NULL,
    trade_date         TEXT    NOT NULL,
    client_ref         TEXT    NOT NULL,
    as_of              INTEGER NOT NULL,
    capacity           TEXT,
    route              TEXT    NOT NULL,
    environment        TEXT    NOT NULL,
    region             TEXT    NOT NULL,
    session_id         TEXT,
    user               TEXT,
    memo               TEXT,
    extra              TEXT,              -- JSON object, NULL when empty
    -- facility's handling
    origin             TEXT    NOT NULL,  -- new | correct
    received_ns        INTEGER NOT NULL,
    status             TEXT    NOT NULL,  -- on_time | late (simulator.domain.decision.Status)
    modifier           TEXT,
    facility_code      TEXT,
    decision_as_of     INTEGER NOT NULL,
    deadline_ns        INTEGER NOT NULL,
    rule               TEXT    NOT NULL,
    explanation        TEXT    NOT NULL,
    state              TEXT    NOT NULL,  -- simulator.domain.trade.ReportState
    state_ns           INTEGER NOT NULL,
    replaces_id        INTEGER,           -- for a correction: the report it replaced
    successor_control_number TEXT,        -- for a corrected/reversed report: the id it got
    successor_control_date   TEXT,
    match_key          TEXT    NOT NULL,  -- security|side|quantity|price, canonical decimals
    duplicate_of       INTEGER            -- earlier production report matched by another route
);
CREATE UNIQUE INDEX IF NOT EXISTS reports_control ON reports (control_number, control_date);
CREATE INDEX IF NOT EXISTS reports_client_ref ON reports (reporting_mpid, client_ref);
CREATE INDEX IF NOT EXISTS reports_received ON reports (received_ns);
-- The likely-duplicate lookup made by every production INSERT (seed 001). With the match key in
-- the index a burst of reports by one MPID in the same second (TRACE CA/SP time is whole
-- seconds) stays one index probe each; (MPID, execution time) alone made it a scan per report.
DROP INDEX IF EXISTS reports_execution;
CREATE INDEX IF NOT EXISTS reports_duplicates ON reports (reporting_mpid, executed_ns, match_key);

-- One row per lifecycle transition (simulator.domain.lifecycle.TRANSITIONS).
CREATE TABLE IF NOT EXISTS events (
    event_id       INTEGER PRIMARY KEY,
    report_id      INTEGER NOT NULL,
    ns             INTEGER NOT NULL,
    action         TEXT    NOT NULL,
    from_state     TEXT    NOT NULL,
    to_state       TEXT    NOT NULL,
    actor          TEXT    NOT NULL,
    reason         TEXT,
    control_number TEXT,                  -- id issued by this event (correction, reversal)
    control_date   TEXT,
    session_id     TEXT
);
CREATE INDEX IF NOT EXISTS events_report ON events (report_id);

-- Every accepted report (a new report, or the replacement a correction creates) gets its accept
-- event in the same statement: new --accept--> accepted (simulator.domain.lifecycle.TRANSITIONS),
-- at the receipt time, by the user, else the session, else the reporting MPID. The journal
-- inserts the report; SQLite writes the event. tests/unit/test_journal.py checks these literals
-- against the lifecycle table.
CREATE TRIGGER IF NOT EXISTS reports_accept_event AFTER INSERT ON reports
BEGIN
    INSERT INTO events (report_id, ns, action, from_state, to_state, actor, reason,
                        control_number, control_date, session_id)
    VALUES (NEW.report_id, NEW.received_ns, 'accept', 'new', NEW.state,
            coalesce(nullif(NEW.user, ''), nullif(NEW.session_id, ''), NEW.reporting_mpid),
            NULL, NEW.control_number, NEW.control_date, NEW.session_id);
END;

-- Every refused submission, with the facility's code and text and what was sent.
CREATE TABLE IF NOT EXISTS rejects (
    reject_id      INTEGER PRIMARY KEY,
    ns             INTEGER NOT NULL,
    facility       TEXT    NOT NULL,
    mpid           TEXT    NOT NULL,
    action         TEXT    NOT NULL,      -- simulator.domain.trade.Action
    code           TEXT    NOT NULL,
    text           TEXT    NOT NULL,
    detail         TEXT    NOT NULL,
    client_ref     TEXT,
    control_number TEXT,
    control_date   TEXT,
    environment    TEXT    NOT NULL,
    route          TEXT,
    session_id     TEXT,
    report         TEXT                   -- JSON of the submitted report, when there was one
);
CREATE INDEX IF NOT EXISTS rejects_ns ON rejects (ns);

-- Who received which acknowledgement or reject (seed 000: non-registered UAT firms too).
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id    INTEGER PRIMARY KEY,
    ns             INTEGER NOT NULL,
    recipient      TEXT    NOT NULL,
    msg_type       TEXT    NOT NULL,
    environment    TEXT    NOT NULL,
    report_id      INTEGER,
    reject_id      INTEGER,
    control_number TEXT,
    control_date   TEXT,
    session_id     TEXT,
    copy           INTEGER NOT NULL,
    registered     INTEGER,
    detail         TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_report ON deliveries (report_id);
CREATE INDEX IF NOT EXISTS deliveries_recipient ON deliveries (recipient, ns);

-- Injected faults (issue 6).
CREATE TABLE IF NOT EXISTS faults (
    fault_id INTEGER PRIMARY KEY,
    ns       INTEGER NOT NULL,
    scope    TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    detail   TEXT    NOT NULL
);

-- Audit log of the web front.
CREATE TABLE IF NOT EXISTS audit (
    audit_id INTEGER PRIMARY KEY,
    ns       INTEGER NOT NULL,
    actor    TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    outcome  TEXT    NOT NULL,
    detail   TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_actor ON audit (actor, ns);
