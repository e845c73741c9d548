"""``facsim supervision`` and ``facsim journal``: output, exit codes and one-line errors."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.clock import MILLISECOND, MINUTE, SECOND
from simulator.domain.decision import Decision, Status
from simulator.domain.lifecycle import Reason
from simulator.domain.trade import Environment, Route, Side, TradeReport
from simulator.journal import ReportRef, SqliteJournal, StoredReport, open_journal
from simulator.timestamps import format_iso8601, local_ns

DAY0 = dt.date(2021, 3, 10)
START = local_ns(DAY0, 10, 0)
ROSTER = """\
firm = "Acme Securities LLC"

[[mpid]]
mpid = "ACME"
desk = "Cash equities"
supervisor = "Morgan Ellis"
email = "morgan.ellis@acme.example"

[[mpid]]
mpid = "ACMX"
desk = "Convertible bonds"
supervisor = "Priya Raman"
email = "priya.raman@acme.example"
"""


def _report(mpid: str, i: int, route: Route = Route.FIX, **changes: object) -> TradeReport:
    report = TradeReport(
        facility="nasdaq-trf-carteret",
        reporting_mpid=mpid,
        side=Side.SELL,
        security="ACME",
        quantity=Decimal(200),
        price=Decimal("25.10"),
        executed_ns=START + i * MINUTE,
        trade_date=DAY0,
        client_ref=f"{mpid}-{i}-{route.value}",
        route=route,
    )
    return report.with_changes(**changes) if changes else report


def _submit(journal: SqliteJournal, report: TradeReport, delay_ns: int) -> StoredReport:
    received = report.executed_ns + delay_ns
    late = delay_ns > 10 * SECOND
    decision = Decision(
        facility=report.facility,
        executed_ns=report.executed_ns,
        received_ns=received,
        status=Status.LATE if late else Status.ON_TIME,
        modifier="Z" if late else None,
        facility_code="I" if late else "0",
        as_of=False,
        deadline_ns=report.executed_ns + 10 * SECOND,
        rule="FINRA Rule 6380A(a)(1)",
        explanation="test",
    )
    return journal.submit(report, decision)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A journal with an at-the-edge desk (ACME), a clean one (ACMX) and an unmapped MPID."""
    directory = tmp_path / "data"
    with open_journal(directory, seed=4) as journal:
        for i in range(30):
            slip = i % 10 == 5
            delay = 10 * SECOND + 100 * MILLISECOND if slip else 9 * SECOND + 700 * MILLISECOND
            _submit(journal, _report("ACME", i), delay)
            _submit(journal, _report("ACMX", i), 2 * SECOND)
        for i in range(3):
            _submit(journal, _report("ZZZZ", i), SECOND)
        _submit(journal, _report("ACME", 100, environment=Environment.UAT), 20 * SECOND)
        # seed 001: the same trade by both TRAQS routes
        _submit(journal, _report("ACMX", 200, Route.WEB_CERTIFICATE), SECOND)
        dup = _submit(journal, _report("ACMX", 200, Route.WEB_MFA), 2 * SECOND)
        journal.record_delivery(
            recipient="QCCX", msg_type="AE", ns=dup.received_ns, report_id=dup.report_id,
            registered=False,
        )  # fmt: skip
        journal.reject(_report("ACME", 300), Reason("028", "INVAVLID MPID"), START)
        journal.cancel(ReportRef("nasdaq-trf-carteret", "ACMX", client_ref="ACMX-0-fix"), START)
        journal.record_fault(START, "session:trace-ca:ACMEFIX", "withhold", "fault 1: armed")
        journal.record_fault(
            START + SECOND, "session:trace-ca:ACMEFIX", "counterparty-error",
            "disconnected: MsgSeqNum too low, expecting 12 but received 9",
        )  # fmt: skip
    return directory


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.toml"
    path.write_text(ROSTER, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- facsim supervision -------------------------------------------------------------------------


def test_supervision_table(
    capsys: pytest.CaptureFixture[str], data_dir: Path, roster: Path
) -> None:
    code, out, err = run(capsys, "supervision", "--data-dir", data_dir, "--roster", roster)
    assert (code, err) == (0, "")
    assert "Late-report supervision for Acme Securities LLC" in out
    assert "FLAG desk Cash equities" in out
    assert "Convertible bonds" in out and "FLAG desk Convertible bonds" not in out
    assert "UNMAPPED ZZZZ: 3 reports (0 late)" in out
    acme = next(line for line in out.splitlines() if line.startswith("ACME "))
    assert "Morgan Ellis" in acme and " 30 " in acme and " 3 " in acme  # 30 reports, 3 late
    # ACME 30, ACMX 30 + the duplicate pair, ZZZZ 3; the UAT report does not count
    assert "65 reports, 3 late." in out


def test_supervision_json_and_strict(
    capsys: pytest.CaptureFixture[str], data_dir: Path, roster: Path
) -> None:
    code, out, _ = run(
        capsys, "supervision", "--journal", data_dir / "journal.sqlite3", "--roster", roster,
        "--json", "--strict",
    )  # fmt: skip
    assert code == 1  # flagged and unmapped
    data = json.loads(out)
    assert [f["group"] for f in data["pattern_flags"]] == ["Cash equities"]
    assert data["pattern_flags"][0]["kind"] == "at-the-edge"
    assert [u["mpid"] for u in data["unmapped_mpids"]] == ["ZZZZ"]
    acme = next(row for row in data["by_mpid"] if row["group"] == "ACME")
    assert (acme["reports"], acme["late"], acme["supervisor"]) == (30, 3, "Morgan Ellis")
    assert acme["worst_late"] == "0.1 s"


def test_supervision_parameters_and_period(
    capsys: pytest.CaptureFixture[str], data_dir: Path, roster: Path
) -> None:
    code, out, _ = run(
        capsys, "supervision", "--data-dir", data_dir, "--roster", roster, "--json",
        "--edge-ratio", "100%", "--late-ratio", "0.5", "--by", "mpid",
    )  # fmt: skip
    data = json.loads(out)
    assert code == 0 and data["pattern_flags"] == [] and data["group_by"] == "mpid"
    until = format_iso8601(START + 10 * MINUTE)
    code, out, _ = run(
        capsys, "supervision", "--data-dir", data_dir, "--roster", roster, "--json",
        "--from", "2021-03-10T09:00", "--to", until, "--window", "5",
    )  # fmt: skip
    data = json.loads(out)
    assert data["reports"] == 10 + 10 + 3  # executions 10:00..10:09 of each desk, and ZZZZ
    assert data["rule"]["window_reports"] == 5 and data["rule"]["min_reports"] == 5


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--data-dir", "{tmp}/nowhere"], "nowhere/journal.sqlite3: no journal here"),
        (["--from", "yesterday"], "--from: 'yesterday' is not an ISO 8601 instant"),
        (["--from", "2021-03-11", "--to", "2021-03-10"], "--to: '2021-03-10' is not after"),
        (["--min-reports", "30", "--window", "20"], "--min-reports cannot exceed --window"),
    ],
)
def test_supervision_errors_are_one_line(
    capsys: pytest.CaptureFixture[str],
    data_dir: Path,
    roster: Path,
    tmp_path: Path,
    args: list[str],
    needle: str,
) -> None:
    argv = ["supervision", "--roster", str(roster)]
    argv += [a.format(tmp=tmp_path) for a in args]
    if "--data-dir" not in argv:
        argv += ["--data-dir", str(data_dir)]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("facsim supervision: ")
    assert needle in err
    assert not (tmp_path / "nowhere").exists()


def test_a_bad_roster_is_named_with_line_and_field(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("mpid,desk,supervisor,email\nACME,A,B,b@x.io\nacmx,C,D,d@x.io\n")
    code, _, err = run(capsys, "supervision", "--data-dir", data_dir, "--roster", bad)
    assert code == 2
    assert err == (
        f"facsim supervision: {bad}:3: field 'mpid': 'acmx' is not an MPID "
        "(exactly four uppercase letters A-Z)\n"
    )


def test_a_bad_ratio_is_an_argument_error(
    capsys: pytest.CaptureFixture[str], data_dir: Path, roster: Path
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["supervision", "--data-dir", str(data_dir), "--roster", str(roster),
              "--late-ratio", "150%"])  # fmt: skip
    assert caught.value.code == 2
    assert "'150%' is not between 0 and 1" in capsys.readouterr().err


# -- facsim journal -------------------------------------------------------------------------------


def test_journal_reports_table_and_json(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, _ = run(capsys, "journal", "reports", "--data-dir", data_dir, "--mpid", "ACME")
    assert code == 0 and out.strip().endswith("31 report(s)")  # 30 production, 1 UAT
    code, out, _ = run(
        capsys, "journal", "reports", "--data-dir", data_dir, "--late", "--json",
        "--environment", "production",
    )  # fmt: skip
    late = json.loads(out)
    assert len(late) == 3 and {r["decision"]["modifier"] for r in late} == {"Z"}
    code, out, _ = run(capsys, "journal", "reports", "--data-dir", data_dir, "--duplicates")
    assert "1 report(s)" in out and "web-mfa" in out
    code, out, _ = run(
        capsys, "journal", "reports", "--data-dir", data_dir, "--state", "cancelled", "--json"
    )
    assert [r["report"]["client_ref"] for r in json.loads(out)] == ["ACMX-0-fix"]


def test_journal_other_views(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, _ = run(capsys, "journal", "duplicates", "--data-dir", data_dir, "--json")
    assert code == 0
    (group,) = json.loads(out)
    assert group["routes"] == ["web-certificate", "web-mfa"]
    code, out, _ = run(capsys, "journal", "deliveries", "--data-dir", data_dir)
    assert code == 0 and "QCCX" in out and "NO" in out  # received though not registered
    code, out, _ = run(capsys, "journal", "rejects", "--data-dir", data_dir, "--json")
    assert code == 0 and [r["code"] for r in json.loads(out)] == ["028"]
    code, out, _ = run(capsys, "journal", "events", "--data-dir", data_dir, "--report-id", "2")
    assert code == 0 and "accepted -> cancelled" in out
    code, out, _ = run(
        capsys, "journal", "faults", "--data-dir", data_dir, "--kind", "counterparty-error"
    )
    assert code == 0 and "1 record(s)" in out and "MsgSeqNum too low" in out
    assert "armed" not in out
    code, out, _ = run(capsys, "journal", "faults", "--data-dir", data_dir, "--json")
    assert code == 0 and [f["kind"] for f in json.loads(out)] == ["withhold", "counterparty-error"]
    with pytest.raises(SystemExit):
        main(["journal", "faults", "--data-dir", str(data_dir), "--kind", "oops"])
    assert "invalid choice: 'oops'" in capsys.readouterr().err
    _, out, _ = run(capsys, "journal", "stats", "--data-dir", data_dir, "--json")
    stats = json.loads(out)
    assert stats["reports"] == 66 and stats["rejects"] == 1 and stats["deliveries"] == 1


def test_journal_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "journal", "reports", "--journal", tmp_path / "none.sqlite3")
    assert code == 2 and "none.sqlite3: no journal here" in err
    assert not (tmp_path / "none.sqlite3").exists()
    code, out, _ = run(capsys, "journal")
    assert code == 2 and "reports" in out


def test_journal_bench_measures_all_four_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(
        capsys, "journal", "bench", "--reports", "200", "--batch-size", "50", "--dir", tmp_path,
        "--json",
    )  # fmt: skip
    assert code == 0
    results = json.loads(out)
    assert [(r["storage"], r["mode"]) for r in results] == [
        ("memory", "commit per call"),
        ("memory", "batch of 50"),
        ("file", "commit per call"),
        ("file", "batch of 50"),
    ]
    assert all(r["reports"] == 200 and r["reports_per_second"] > 0 for r in results)
    with open_journal(tmp_path / "run2", create=False) as journal:
        assert journal.stats().reports == 200
    code, _, err = run(capsys, "journal", "bench", "--reports", "10", "--dir", tmp_path)
    assert code == 2 and "exists; give an empty --dir" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["supervision", "--help"],
        *(
            ["journal", name, "--help"]
            for name in (
                "reports", "rejects", "deliveries", "duplicates", "events", "faults", "stats",
                "lifecycle", "bench",
            )
        ),
    ],
)  # fmt: skip
def test_help_texts_render(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 0
    assert "usage: facsim" in capsys.readouterr().out


def test_lifecycle_command_prints_the_documented_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "journal", "lifecycle")
    docs = Path(__file__).resolve().parents[2] / "docs" / "journal.md"
    assert code == 0 and out in docs.read_text(encoding="utf-8")
    code, out, _ = run(capsys, "journal", "lifecycle", "--json")
    data = json.loads(out)
    assert len(data["transitions"]) == 5 and len(data["refusals"]) == 25
