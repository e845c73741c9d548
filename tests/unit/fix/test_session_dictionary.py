"""The data dictionary: built-in admin messages, QuickFIX XML loading, typed reject reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.fix.dictionary import builtin, for_session, format_ok, load_xml
from simulator.fix.errors import DictionaryLoadError, SessionRejectError
from simulator.fix.message import FixMessage

HEADER = [(8, "FIX.4.4"), (35, "0"), (49, "A"), (56, "B"), (34, "2"), (52, "20211115-14:30:00")]


def reason(dictionary, fields) -> tuple[int, int | None] | None:
    try:
        dictionary.validate(FixMessage(fields))
    except SessionRejectError as exc:
        return int(exc.reason), exc.ref_tag
    return None


@pytest.mark.parametrize("begin_string", ["FIX.4.2", "FIX.4.4"])
def test_builtin_dictionary_accepts_every_session_message(begin_string: str) -> None:
    d = builtin(begin_string)
    head = [(8, begin_string), *HEADER[1:]]
    logon = [(8, begin_string), (35, "A"), *HEADER[2:], (98, "0"), (108, "30"), (141, "Y")]
    assert reason(d, head) is None
    assert reason(d, logon) is None
    assert reason(d, [*logon, (384, "2"), (372, "AE"), (385, "R"), (372, "AR"), (385, "S")]) is None
    resend = [(8, begin_string), (35, "2"), *HEADER[2:], (7, "1"), (16, "0")]
    assert reason(d, resend) is None
    assert d.is_admin("A") and not d.is_admin("AE")


def test_builtin_knows_the_versions_apart() -> None:
    assert builtin("FIX.4.4").is_valid_msg_type("AE")
    assert not builtin("FIX.4.2").is_valid_msg_type("AE")  # AE is FIX 4.3+
    assert builtin("FIX.4.2").is_valid_msg_type("UXYZ")  # user-defined
    assert not builtin("FIX.4.4").is_valid_msg_type("*")
    with pytest.raises(ValueError):
        builtin("FIX.5.0")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ((999, "x"), (0, 999)),  # not in FIX 4.4 (highest 956)
        ((0, "x"), (0, 0)),
        ((-5, "x"), (0, -5)),
        ((5001, "x"), (3, 5001)),  # user-defined range nobody defined
        ((55, "IBM"), (2, 55)),  # standard tag, not a Heartbeat field
        ((112, ""), (4, 112)),
    ],
)
def test_field_level_reasons(extra: tuple[int, str], expected: tuple[int, int]) -> None:
    assert reason(builtin("FIX.4.4"), [*HEADER, extra]) == expected


def test_fix42_tag_range_is_its_own() -> None:
    assert reason(builtin("FIX.4.2"), [(8, "FIX.4.2"), *HEADER[1:], (500, "x")]) == (0, 500)


def test_a_value_checked_once_is_still_checked_per_tag_and_a_bad_one_every_time() -> None:
    """The dictionary remembers (tag, value) pairs that passed; a pair that failed is never
    remembered, and a value that passed for one tag proves nothing for another."""
    d = builtin("FIX.4.4")
    good = [*HEADER[:2], (49, "A"), (56, "B"), (34, "2"), (52, "20211115-14:30:00")]
    assert reason(d, [*good, (112, "PING")]) is None
    assert reason(d, [*good, (112, "PING")]) is None  # remembered
    assert reason(d, [*HEADER[:4], (34, "2"), (52, "x")]) == (6, 52)
    assert reason(d, [*HEADER[:4], (34, "2"), (52, "x")]) == (6, 52)  # never remembered
    assert reason(d, [*HEADER[:4], (34, "PING"), (52, "20211115-14:30:00")]) == (6, 34)


def test_header_problems() -> None:
    d = builtin("FIX.4.4")
    assert reason(d, [(8, "FIX.4.4"), (35, "0"), (49, "A"), (34, "2"), (52, "x")]) == (6, 52)
    no_target = [(8, "FIX.4.4"), (35, "0"), (49, "A"), (34, "2"), (52, "20211115-14:30:00")]
    assert reason(d, no_target) == (1, 56)
    assert reason(d, [*HEADER, (112, "body"), (49, "again")]) == (14, 49)
    assert reason(d, [*HEADER, (49, "again")]) == (13, 49)
    assert reason(d, [*HEADER[:3], (49, "A"), *HEADER[3:]]) == (13, 49)
    assert reason(d, [*HEADER, (93, "3"), (112, "late")]) == (14, 112)
    assert reason(d, [*HEADER, (112, "ok"), (93, "3"), (89, "sig")]) is None


def test_enumerations_and_formats_of_session_fields() -> None:
    d = builtin("FIX.4.4")
    logon = [(8, "FIX.4.4"), (35, "A"), *HEADER[2:], (98, "9"), (108, "30")]
    assert reason(d, logon) == (5, 98)
    logon = [(8, "FIX.4.4"), (35, "A"), *HEADER[2:], (98, "0"), (108, "thirty")]
    assert reason(d, logon) == (6, 108)
    logon = [(8, "FIX.4.4"), (35, "A"), *HEADER[2:], (98, "0"), (108, "30"), (141, "y")]
    assert reason(d, logon) == (6, 141)
    assert reason(d, [(8, "FIX.4.4"), (35, "A"), *HEADER[2:], (108, "30")]) == (1, 98)


@pytest.mark.parametrize(
    ("type_name", "good", "bad"),
    [
        ("INT", ["0", "-12", "42"], ["+1", "1.0", " 1", ""]),
        ("SEQNUM", ["1", "0"], ["-1", "a"]),
        ("QTY", ["200", "200.00", ".5", "-1.5"], ["+200.00", "1e3", "1,000"]),
        ("CHAR", ["Y", "1"], ["YY"]),
        ("BOOLEAN", ["Y", "N"], ["y", "T"]),
        ("UTCTIMESTAMP", ["20211115-14:30:00", "20211115-14:30:00.123456789"], ["2021-11-15"]),
        ("LOCALMKTDATE", ["20211115"], ["20211315", "2021111"]),
        ("UTCTIMEONLY", ["14:30:00", "14:30:00.123"], ["24:00:00"]),
        ("MONTHYEAR", ["202111", "20211115", "202111w2"], ["202113"]),
        ("STRING", ["anything"], []),
    ],
)
def test_data_formats(type_name: str, good: list[str], bad: list[str]) -> None:
    assert all(format_ok(type_name, v) for v in good)
    assert not any(format_ok(type_name, v) for v in bad)


NESTED = """
<fix major="4" minor="4">
  <messages>
    <message name="TradeCaptureReport" msgtype="AE" msgcat="app">
      <field name="TradeReportID" required="Y"/>
      <component name="Instrument" required="Y"/>
      <group name="NoSides" required="Y">
        <field name="Side" required="Y"/>
        <component name="Parties" required="N"/>
        <field name="Text" required="N"/>
      </group>
    </message>
  </messages>
  <components>
    <component name="Instrument">
      <field name="Symbol" required="Y"/>
      <field name="SecurityID" required="N"/>
    </component>
    <component name="Parties">
      <group name="NoPartyIDs" required="N">
        <field name="PartyID" required="Y"/>
        <field name="PartyRole" required="N"/>
      </group>
    </component>
  </components>
  <fields>
    <field number="571" name="TradeReportID" type="STRING"/>
    <field number="55" name="Symbol" type="STRING"/>
    <field number="48" name="SecurityID" type="STRING"/>
    <field number="552" name="NoSides" type="NUMINGROUP"/>
    <field number="54" name="Side" type="CHAR"><value enum="1"/><value enum="2"/></field>
    <field number="453" name="NoPartyIDs" type="NUMINGROUP"/>
    <field number="448" name="PartyID" type="STRING"/>
    <field number="452" name="PartyRole" type="INT"/>
    <field number="58" name="Text" type="STRING"/>
  </fields>
</fix>
"""


def ae(*body: tuple[int, str]) -> list[tuple[int, str]]:
    return [(8, "FIX.4.4"), (35, "AE"), *HEADER[2:], *body]


def test_xml_dictionary_nested_components_and_groups() -> None:
    d = load_xml("nested.xml", text=NESTED)
    assert d.has_message("AE") and d.has_message("A")  # admin messages merged in
    sides = [(552, "2"), (54, "1"), (453, "2"), (448, "ACME"), (452, "1"), (448, "BETA"),
             (452, "17"), (58, "first side"), (54, "2")]  # fmt: skip
    assert reason(d, ae((571, "T1"), (55, "IBM"), *sides)) is None
    assert reason(d, ae((571, "T1"), *sides)) == (1, 55)  # required inside a component
    assert reason(d, ae((571, "T1"), (55, "IBM"))) == (1, 552)
    wrong_count = [(552, "1"), (54, "1"), (453, "3"), (448, "A"), (448, "B")]
    assert reason(d, ae((571, "T1"), (55, "IBM"), *wrong_count)) == (16, 453)
    missing_in_group = [(552, "1"), (54, "1"), (453, "1"), (452, "1")]
    assert reason(d, ae((571, "T1"), (55, "IBM"), *missing_in_group)) == (15, 452)
    order = [(552, "1"), (54, "1"), (58, "text"), (453, "1"), (448, "A")]
    assert reason(d, ae((571, "T1"), (55, "IBM"), *order)) == (15, 453)
    assert reason(d, ae((571, "T1"), (55, "IBM"), (552, "1"), (54, "3"))) == (5, 54)
    assert reason(d, ae((571, "T1"), (55, "IBM"), (552, "x"), (54, "1"))) == (6, 552)


def test_the_shipped_dialect_dictionaries_load() -> None:
    folder = Path(__file__).resolve().parents[3] / "simulator" / "fix" / "dictionaries"
    files = sorted(folder.glob("*.xml"))
    if not files:
        pytest.skip("no dialect dictionaries in this checkout")
    for path in files:
        d = load_xml(path)
        assert d.has_message("AE"), path.name
        assert d.has_message("0") and d.has_message("A"), path.name


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<fix major='4' minor='4'><messages>", "cannot read"),
        ("<notfix/>", "root element"),
        ("<fix major='4' minor='4'><fields><field name='X' number='x'/></fields></fix>", "numeric"),
        (
            "<fix major='4' minor='4'><messages><message name='M' msgtype='U1'>"
            "<field name='Nope' required='Y'/></message></messages></fix>",
            "undefined field 'Nope'",
        ),
        (
            "<fix major='4' minor='4'><messages><message name='M' msgtype='U1'>"
            "<component name='Gone' required='Y'/></message></messages></fix>",
            "unknown component 'Gone'",
        ),
        ("<fix major='4' minor='4'><messages><message name='M'/></messages></fix>", "msgtype"),
    ],
)
def test_bad_dictionaries_name_the_file_and_the_problem(text: str, problem: str) -> None:
    with pytest.raises(DictionaryLoadError, match=problem) as caught:
        load_xml("broken.xml", text=text)
    assert "broken.xml" in str(caught.value)


def test_for_session_falls_back_and_checks_the_version(tmp_path: Path) -> None:
    assert for_session("FIX.4.2", tmp_path / "missing.xml").source == "built-in"
    path = tmp_path / "d.xml"
    path.write_text(NESTED)
    assert for_session("FIX.4.4", path).has_message("AE")
    with pytest.raises(DictionaryLoadError, match=r"FIX\.4\.4 dictionary"):
        for_session("FIX.4.2", path)
