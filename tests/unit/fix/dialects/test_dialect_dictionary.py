"""The QuickFIX data dictionaries: shipped files match the layouts, load, and validate every
message the dialects send (FIX 4.2 ones declare AE/AR as custom messages)."""

from __future__ import annotations

import pytest
from dialect_support import exercise, with_header

from simulator.fix.dialects import all_specs, create_dialect, dialect_spec, dictionary_path
from simulator.fix.dialects.dictionary import (
    DICTIONARY_DIR,
    FIELDS,
    DictionaryError,
    check,
    load,
    render,
)
from simulator.fix.message import FixMessage

SPECS = all_specs()
IDS = [spec.name for spec in SPECS]


def test_one_dictionary_per_dialect_is_shipped():
    shipped = sorted(path.stem for path in DICTIONARY_DIR.glob("*.xml"))
    assert shipped == sorted(IDS)
    assert len(IDS) == 8


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_shipped_file_equals_the_layout(spec):
    """Regenerate with ``python -m simulator.fix.dialects`` after changing a layout."""
    assert spec.dictionary().path.read_text(encoding="utf-8") == render(spec.dictionary())


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_dictionary_loads_like_quickfix_would(spec):
    loaded = load(spec.dictionary().path)
    assert loaded.begin_string == spec.begin_string
    assert loaded.message_names["AE"] == "TradeCaptureReport"
    assert loaded.message_names["AR"] == "TradeCaptureReportAck"
    for msg_type in ("0", "A", "1", "2", "3", "4", "5", "j"):
        assert msg_type in loaded.messages
    for required in ("BeginString", "BodyLength", "MsgType", "SenderCompID", "SendingTime"):
        assert any(name == required and req for _, name, req in loaded.header.items)
    assert [name for _, name, _ in loaded.trailer.items][-1] == "CheckSum"
    # every tag of the layouts is a defined field of this dictionary
    for layout in (spec.ae, spec.ar):
        for tag in layout.tags():
            assert loaded.fields_by_number[tag] == FIELDS[tag].name
    # the event codes are enforced values of 1011
    assert loaded.fields_by_name["MessageEventSource"][2] == {c for c, _ in spec.events.values()}


def test_fix42_dictionaries_use_fix42_types():
    text = dictionary_path("nasdaq-trf-carteret", "native-fix42").read_text()
    assert '<fix type="FIX" major="4" minor="2"' in text
    assert 'msgtype="AE"' in text and 'msgtype="AR"' in text
    assert 'name="NoSides" type="INT"' in text
    assert 'type="NUMINGROUP"' not in text and 'type="SEQNUM"' not in text


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_message_a_dialect_sends_is_valid(spec, service, session_factory):
    facility = spec.facilities[0]
    dialect = create_dialect(facility, spec.port_type, service)
    session = session_factory(facility, port_type=spec.port_type)
    loaded = load(spec.dictionary().path)
    sent = exercise(dialect, session)
    kinds = {(m.msg_type, m.get(1011)) for m in sent}
    assert ("AR", None) in kinds
    assert len({code for _, code in kinds if code}) == len(spec.events.values())
    reversal = "4" if spec.reversal.value == "487=4" else "1"
    assert any(m.get(487) == reversal and m.get(1011) == spec.events.reverse for m in sent)
    for message in sent:
        assert check(loaded, message) == [], message
        with_copy = message.copy().append(797, "Y")  # what the drop copy adds
        assert check(loaded, with_copy) == [], with_copy


def _loaded():
    return load(dialect_spec("trace-ca", "fix44").dictionary().path)


def _ack() -> FixMessage:
    return FixMessage(
        [(35, "AR"), (571, "R1"), (150, "8"), (939, "1"), (751, "060"), (58, "INVALID CUSIP")]
    )


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda m: m.append(9999, "X"), "tag 9999 is not defined"),
        (lambda m: m.set(939, "7"), "TrdRptStatus(939)='7' is not one of"),
        (lambda m: m.set(150, "XX"), "is not a valid CHAR"),
        (lambda m: m.remove(571), "required TradeReportID(571) is missing"),
        (lambda m: m.append(571, "R2"), "appears more than once"),
        (lambda m: m.append(48, "X"), "tag 48 is not defined for message AR"),
    ],
    ids=["undefined", "enum", "type", "required", "repeated", "not-in-message"],
)
def test_check_finds_what_quickfix_would(mutate, problem):
    message = _ack()
    assert check(_loaded(), message) == []
    mutate(message)
    problems = check(_loaded(), message)
    assert any(problem in p for p in problems), problems


def test_check_validates_groups():
    loaded = _loaded()
    body = [(35, "AE"), (571, "X"), (570, "N"), (32, "1"), (31, "1"), (75, "20260105")]
    body += [(60, "20260105-15:00:00")]
    good = FixMessage([*body, (552, "1"), (54, "1"), (453, "1"), (448, "ABCD"), (452, "1")])
    assert check(loaded, good) == []
    count = FixMessage([*body, (552, "2"), (54, "1")])
    assert any("NoSides=2 but 1 entries" in p for p in check(loaded, count))
    order = FixMessage([*body, (552, "1"), (37, "NONE"), (54, "1")])
    assert check(loaded, order)  # an entry must start with Side(54)


def test_load_refuses_what_quickfix_refuses():
    text = render(dialect_spec("adf", "fix44").dictionary())
    with pytest.raises(DictionaryError, match="not defined in <fields>"):
        load(text.replace('<field number="55" name="Symbol" type="STRING" />', ""))
    with pytest.raises(DictionaryError, match="<fields> is missing"):
        start, end = text.index("<fields>"), text.index("</fields>") + len("</fields>")
        load(text[:start] + text[end:])


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_quickfix_loads_and_validates(spec, service, session_factory):
    """With QuickFIX's Python package installed, the real engine loads each dictionary and
    validates every message the dialect sends, framed with a standard header."""
    quickfix = pytest.importorskip("quickfix")
    dictionary = quickfix.DataDictionary(str(spec.dictionary().path))
    assert dictionary.getVersion() == spec.begin_string
    facility = spec.facilities[0]
    dialect = create_dialect(facility, spec.port_type, service)
    session = session_factory(facility, port_type=spec.port_type)
    for body in exercise(dialect, session):
        message = quickfix.Message(with_header(body, spec.begin_string), dictionary, True)
        dictionary.validate(message)
