"""The MPID roster: the sample loads; every malformed roster names its file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.errors import ConfigError
from simulator.supervision.roster import (
    Supervisor,
    load_roster,
    parse_roster_csv,
    parse_roster_toml,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "scenarios" / "rosters" / "sample-roster.toml"

GOOD_TOML = """\
# a comment
firm = "Example Securities"

[[mpid]]
mpid = "EQTY"
desk = "Cash equities"
supervisor = "Dana Whitfield"
email = "dana@example.com"

[[mpid]]  # the convertibles desk
mpid = "CONV"
desk = "Convertibles"
supervisor = "Omar Reyes"
email = "omar@example.com"

[[mpid]]
mpid = "EQTB"
desk = "Cash equities"
supervisor = "Dana Whitfield"
email = "dana@example.com"
"""

GOOD_CSV = """\
mpid,desk,supervisor,email
# comment rows and blank rows are ignored

EQTY,Cash equities,Dana Whitfield,dana@example.com
CONV,"Convertibles, US",Omar Reyes,omar@example.com
"""


def test_the_sample_roster_loads() -> None:
    roster = load_roster(SAMPLE)
    assert roster.firm == "Acme Securities LLC"
    assert roster.mpids == ("ACME", "ACMX")
    assert roster.desks == ("Cash equities", "Convertible bonds")
    entry = roster.get("ACME")
    assert entry is not None and entry.supervisor.email == "morgan.ellis@acme.example"
    assert entry.line == SAMPLE.read_text().splitlines().index('mpid = "ACME"') + 1


def test_toml_roster() -> None:
    roster = parse_roster_toml(GOOD_TOML, "r.toml")
    assert roster.mpids == ("EQTY", "CONV", "EQTB")
    assert roster.desks == ("Cash equities", "Convertibles")
    assert roster.supervisors == (
        Supervisor("Dana Whitfield", "dana@example.com"),
        Supervisor("Omar Reyes", "omar@example.com"),
    )
    assert [e.line for e in roster] == [5, 11, 17]
    assert "CONV" in roster and "NOPE" not in roster and len(roster) == 3


def test_csv_roster_with_bom_quotes_comments_and_blank_rows(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD_CSV.encode())
    roster = load_roster(path)
    assert roster.mpids == ("EQTY", "CONV")
    assert roster.get("CONV").desk == "Convertibles, US"  # type: ignore[union-attr]
    assert [e.line for e in roster] == [4, 5]
    assert roster.firm is None


def test_csv_columns_may_come_in_any_order_and_case() -> None:
    text = "Email,MPID,Supervisor,Desk\nx@example.com,ABCD,Sam,Rates\n"
    (entry,) = parse_roster_csv(text, "r.csv")
    assert (entry.mpid, entry.desk, entry.supervisor.name) == ("ABCD", "Rates", "Sam")


def _toml(mpid: str = "ABCD", **fields: str) -> str:
    values = {"mpid": mpid, "desk": "Rates", "supervisor": "Sam Poe", "email": "sam@example.com"}
    values.update(fields)
    body = "".join(f'{key} = "{value}"\n' for key, value in values.items() if value != "-")
    return f"[[mpid]]\n{body}"


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (_toml("abcd"), 2, "mpid", "four uppercase letters"),
        (_toml("ABC"), 2, "mpid", "not an MPID"),
        (_toml("ABCDE"), 2, "mpid", "not an MPID"),
        (_toml("AB1D"), 2, "mpid", "not an MPID"),
        (_toml("ÄBCD"), 2, "mpid", "not an MPID"),
        (_toml() + "\n" + _toml(), 8, "mpid", "listed twice (first on line 2)"),
        (_toml(desk="-"), 1, "desk", "missing"),
        (_toml(supervisor="  "), 4, "supervisor", "empty"),
        (_toml(email="sam.example.com"), 5, "email", "not an email"),
        (_toml() + 'supervsior = "x"\n', 6, "supervsior", "unknown field"),
        (_toml() + "\n" + _toml("EFGH") + "phone = 5\n", 12, "phone", "unknown field"),
        ('[[mpid]]\nmpid = "ABCD"\ndesk = 7\nsupervisor = "S"\nemail = "s@x.io"\n', 3, "desk",
         "must be text"),
        ('firm = "X"\nfirms = "Y"\n' + _toml(), 2, "firms", "unknown top-level key"),
        ('firm = ""\n' + _toml(), 1, None, "firm must be"),
        ('firm = "X"\n', None, "mpid", "no [[mpid]] tables"),
        ("[[mpid]]\nmpid = ABCD\n", 2, None, "not valid TOML"),
    ],
)  # fmt: skip
def test_toml_errors_name_the_file_line_and_field(
    text: str, line: int | None, field: str | None, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_roster_toml(text, "rosters/firm.toml")
    error = caught.value
    assert (error.path, error.line, error.field) == ("rosters/firm.toml", line, field)
    assert words in str(error)
    where = "rosters/firm.toml" if line is None else f"rosters/firm.toml:{line}"
    assert str(error).startswith(where)


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        ("mpid,desk,supervisor\nABCD,Rates,Sam\n", 1, "email", "lacks this column"),
        ("mpid,desk,supervisor,email,phone\n", 1, "phone", "unknown column"),
        ("mpid,desk,supervisor,email,mpid\n", 1, "mpid", "appears twice"),
        ("mpid,desk,supervisor,email\nABCD,Rates,Sam,s@x.io,extra\n", 2, None, "5 values"),
        ("mpid,desk,supervisor,email\nABCD,Rates,Sam\n", 2, "email", "empty"),
        ("mpid,desk,supervisor,email\nAbcd,Rates,Sam,s@x.io\n", 2, "mpid", "not an MPID"),
        ("mpid,desk,supervisor,email\nABCD,R,S,s@x.io\n\nABCD,Q,T,t@x.io\n", 4, "mpid",
         "listed twice (first on line 2)"),
        ("mpid,desk,supervisor,email\n", None, "mpid", "lists no MPIDs"),
        ("\n\n", None, None, "empty"),
    ],
)  # fmt: skip
def test_csv_errors_name_the_file_line_and_field(
    text: str, line: int | None, field: str | None, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_roster_csv(text, "firm.csv")
    error = caught.value
    assert (error.line, error.field) == (line, field)
    assert words in str(error)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_roster(tmp_path / "missing.toml")
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    with pytest.raises(ConfigError, match="is a directory"):
        load_roster(folder)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("mpid,desk,supervisor,email\nABCD,Dépôt,Sam,s@x.io\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8") as caught:
        load_roster(latin)
    assert caught.value.path == str(latin)
    with pytest.raises(ConfigError, match=r"\.toml or \.csv"):
        load_roster(tmp_path / "roster.yaml")
