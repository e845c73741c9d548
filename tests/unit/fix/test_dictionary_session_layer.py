"""The FIX session layer is defined once, in ``simulator.fix.dictionary``.

The session validates with :func:`builtin`; the QuickFIX XML dictionaries shipped for the
dialects take their header, trailer, session-level messages and session field types from it.
These tests read the shipped files with plain ElementTree (neither project loader) and hold
them to the built-in dictionary, member by member, so the two can never drift; and they hold
the built-in dictionary to QuickFIX's own ``FIX42.xml``/``FIX44.xml``, the reference the project
cites, with each deliberate difference named.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import simulator.fix.dictionary as session_dictionary
from simulator.fix.codec import decode
from simulator.fix.dialects import all_specs
from simulator.fix.dialects.dictionary import (
    APP_FIELDS,
    DICTIONARY_DIR,
    FIELDS,
    check,
    load,
    render,
    session_layer,
)
from simulator.fix.dictionary import (
    FIX42,
    FIX44,
    SESSION_FIELDS,
    SESSION_MESSAGES,
    DataDictionary,
    Member,
    builtin,
    load_xml,
    parse_members,
    session_fields,
)
from simulator.fix.errors import (
    BusinessRejectError,
    BusinessRejectReason,
    SessionRejectError,
    SessionRejectReason,
)
from simulator.fix.framing import Frame, Framer
from simulator.fix.message import FixMessage

if TYPE_CHECKING:
    from conftest import AcceptorFactory

VERSIONS = (FIX42, FIX44)
SHIPPED = sorted(DICTIONARY_DIR.glob("*.xml"))
SPEC_DIR = Path(sys.prefix) / "share" / "quickfix"

# A member, normalised for comparison: (tag, required, group members or None).
Shape = tuple[int, bool, "tuple[Shape, ...] | None"]


def _shape(members: tuple[Member, ...]) -> tuple[Shape, ...]:
    return tuple(
        (m.tag, m.required, None if m.group is None else _shape(m.group.members)) for m in members
    )


class _Xml:
    """A QuickFIX XML dictionary read with ElementTree only, components inlined."""

    def __init__(self, path: Path) -> None:
        self.root = ET.parse(path).getroot()
        self.begin_string = f"FIX.{self.root.get('major')}.{self.root.get('minor')}"
        self.fields: dict[int, tuple[str, str, frozenset[str]]] = {}
        self.numbers: dict[str, int] = {}
        for element in self.root.iterfind("fields/field"):
            number = int(element.get("number", ""))
            values = frozenset(v.get("enum", "") for v in element.iterfind("value"))
            self.fields[number] = (element.get("name", ""), element.get("type", ""), values)
            self.numbers[element.get("name", "")] = number
        self.components = {c.get("name"): c for c in self.root.iterfind("components/component")}
        self.messages = {m.get("msgtype"): m for m in self.root.iterfind("messages/message")}

    def shape(self, element: ET.Element) -> tuple[Shape, ...]:
        out: list[Shape] = []
        for child in element:
            required = child.get("required") == "Y"
            if child.tag == "component":
                out.extend(self.shape(self.components[child.get("name")]))
            elif child.tag == "group":
                out.append((self.numbers[child.get("name", "")], required, self.shape(child)))
            else:
                out.append((self.numbers[child.get("name", "")], required, None))
        return tuple(out)

    def section(self, name: str) -> tuple[Shape, ...]:
        element = self.root.find(name)
        assert element is not None, f"<{name}> missing"
        return self.shape(element)


def _session_tags(dictionary: DataDictionary) -> set[int]:
    def walk(members: tuple[Member, ...]) -> set[int]:
        tags: set[int] = set()
        for m in members:
            tags.add(m.tag)
            if m.group is not None:
                tags |= walk(m.group.members)
        return tags

    tags = walk(dictionary.header.members) | walk(dictionary.trailer.members)
    for spec in dictionary.messages.values():
        tags |= walk(spec.members)
    return tags


# -- the shipped dictionaries carry the built-in session layer exactly --------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_dictionary_has_the_builtin_header_trailer_and_session_messages(path: Path) -> None:
    xml = _Xml(path)
    reference = builtin(xml.begin_string)
    assert xml.section("header") == _shape(reference.header.members)
    assert xml.section("trailer") == _shape(reference.trailer.members)
    for msg_type, spec in reference.messages.items():
        element = xml.messages[msg_type]
        assert element.get("name") == spec.name
        assert element.get("msgcat") == ("admin" if spec.admin else "app"), msg_type
        assert xml.shape(element) == _shape(spec.members), msg_type
    admin_in_xml = {t for t, m in xml.messages.items() if m.get("msgcat") == "admin"}
    assert admin_in_xml == {t for t, s in reference.messages.items() if s.admin}


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_dictionary_types_session_fields_as_the_builtin_does(path: Path) -> None:
    xml = _Xml(path)
    reference = builtin(xml.begin_string)
    assert _session_tags(reference) <= xml.fields.keys()
    for number, definition in reference.fields.items():
        name, type_, values = xml.fields[number]
        assert (name, type_) == (definition.name, definition.type), number
        assert values == (definition.enums or frozenset()), number
    # a tag of the other version's session layer is not smuggled in under its number
    other = builtin(FIX44 if xml.begin_string == FIX42 else FIX42)
    for number in other.fields.keys() - reference.fields.keys():
        assert number not in xml.fields or number in APP_FIELDS, number


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_loading_a_shipped_dictionary_changes_nothing_in_the_session_layer(path: Path) -> None:
    """``load_xml`` merges the XML over :func:`builtin`: for the session layer the merge must be
    a no-op, so a session validates admin messages the same with or without the port's file."""
    loaded = load_xml(path)
    reference = builtin(loaded.begin_string)
    assert loaded.header == reference.header
    assert loaded.trailer == reference.trailer
    for msg_type, spec in reference.messages.items():
        assert loaded.messages[msg_type] == spec
    for number, definition in reference.fields.items():
        assert loaded.fields[number] == definition


def test_every_dialect_dictionary_is_covered() -> None:
    assert sorted(p.stem for p in SHIPPED) == sorted(spec.name for spec in all_specs())
    assert {_Xml(p).begin_string for p in SHIPPED} == set(VERSIONS)


def test_the_rendered_xml_follows_a_change_to_the_builtin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The renderer has no session-layer table of its own: change the built-in definition and
    the rendered dictionary changes with it."""
    heartbeat = SESSION_MESSAGES[0]
    assert heartbeat.name == "Heartbeat"
    changed = replace(heartbeat, layouts={v: "112!" for v in VERSIONS})
    monkeypatch.setattr(session_dictionary, "SESSION_MESSAGES", (changed, *SESSION_MESSAGES[1:]))
    spec = next(s.dictionary() for s in all_specs() if s.begin_string == FIX44)
    text = render(spec)
    heartbeat_xml = ET.fromstring(text).find("messages/message[@msgtype='0']")
    assert heartbeat_xml is not None
    assert [(f.get("name"), f.get("required")) for f in heartbeat_xml] == [("TestReqID", "Y")]


def test_a_dialect_cannot_redefine_a_session_field() -> None:
    spec = next(s.dictionary() for s in all_specs() if s.begin_string == FIX44)
    narrowed = replace(spec, values={**spec.values, 373: (("0", "INVALID_TAG_NUMBER"),)})
    with pytest.raises(ValueError, match=r"session-layer fields \[373\]"):
        render(narrowed)


def test_the_application_catalogue_does_not_redefine_session_fields() -> None:
    session_tags = {f.number for f in SESSION_FIELDS}
    assert not session_tags & APP_FIELDS.keys()
    for definition in SESSION_FIELDS:
        catalogued = FIELDS[definition.number]
        newest = definition.types.get(FIX44, definition.types.get(FIX42))
        assert (catalogued.name, catalogued.type) == (definition.name, newest)
        assert catalogued.values == definition.values


def test_session_layer_for_rendering_is_the_builtin_dictionary() -> None:
    for version in VERSIONS:
        layer = session_layer(version)
        reference = builtin(version)
        assert [layout.msg_type for layout, _ in layer.messages] == list(reference.messages)
        assert [admin for _, admin in layer.messages] == [
            s.admin for s in reference.messages.values()
        ]
        assert {n: (f.name, f.type, f.values) for n, f in layer.fields.items()} == {
            n: (f.name, f.type, f.values) for n, f in reference.fields.items()
        }


# -- the rejects the session sends validate at the firm ------------------------------------------


def _rejects(make_acceptor: AcceptorFactory, begin_string: str) -> bytes:
    """What the session layer writes for every SessionRejectReason and BusinessRejectReason it
    has, on a logged-on session of ``begin_string`` (the wire bytes, as a firm receives them)."""
    acceptor = make_acceptor(begin_string)
    peer = acceptor.connect()
    peer.logon()
    session = acceptor.session
    ref = FixMessage([(35, "AE"), (34, "2")])
    now = peer.clock.now_ns()
    for reason in SessionRejectReason:
        session.reject(ref, SessionRejectError(reason, 55), now)
    for business in BusinessRejectReason:
        session.reject(ref, BusinessRejectError(business), now)
    return session.data_to_send()


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_reject_the_simulator_sends_validates_at_the_firm(
    path: Path, make_acceptor: AcceptorFactory
) -> None:
    """Firms validate our 35=3 and 35=j with these files: every SessionRejectReason and
    BusinessRejectReason the session layer can send must be a declared value of that file's
    version. FIX 4.2 has 373=0-11 and 380=0-5: a later reason is left out or sent as 0."""
    loaded = load(path)
    begin_string = _Xml(path).begin_string
    sent = [decode(f.raw) for f in Framer().feed(_rejects(make_acceptor, begin_string))]
    assert len(sent) == len(SessionRejectReason) + len(BusinessRejectReason)
    for message in sent:
        assert check(loaded, message) == [], message
    reasons = {m.get(373) for m in sent if m.msg_type == "3"}
    business = {m.get(380) for m in sent if m.msg_type == "j"}
    if begin_string == FIX42:
        assert reasons == {None, *map(str, range(12))}
        assert business == set(map(str, range(6)))
        repeated = next(m for m in sent if "appears more than once" in (m.get(58) or ""))
        assert repeated.get(373) is None and repeated.get(371) == "55"
    else:
        assert reasons == {str(int(r)) for r in SessionRejectReason}
        assert business == {str(int(r)) for r in BusinessRejectReason}
    reject = FixMessage([(35, "3"), (45, "2"), (373, "18")])
    assert any("SessionRejectReason(373)='18'" in p for p in check(loaded, reject))


# -- the built-in dictionary follows QuickFIX's FIX42.xml / FIX44.xml ---------------------------

#: Fields whose values the built-in dictionary deliberately declares differently from QuickFIX's
#: spec files (see ``SESSION_FIELDS``): no list for MsgType (is_valid_msg_type decides) or
#: BOOLEAN fields (the type admits only Y and N).


def _spec(version: str) -> _Xml:
    path = SPEC_DIR / f"FIX{version[4]}{version[6]}.xml"
    if not path.is_file():
        pytest.skip(f"QuickFIX's {path.name} is not installed (pip install quickfix)")
    return _Xml(path)


@pytest.mark.parametrize("version", VERSIONS)
def test_builtin_structure_is_quickfix_spec_structure(version: str) -> None:
    spec = _spec(version)
    reference = builtin(version)
    assert _shape(reference.header.members) == spec.section("header")
    assert _shape(reference.trailer.members) == spec.section("trailer")
    for msg_type, message in reference.messages.items():
        element = spec.messages[msg_type]
        assert element.get("name") == message.name
        assert element.get("msgcat") == ("admin" if message.admin else "app")
        assert _shape(message.members) == spec.shape(element), msg_type
    # every admin message of the spec is built in, except FIX 4.4's XMLnonFIX (35=n, no fields)
    admin = {t for t, m in spec.messages.items() if m.get("msgcat") == "admin"} - {"n"}
    assert admin == {t for t, m in reference.messages.items() if m.admin}


@pytest.mark.parametrize("version", VERSIONS)
def test_builtin_field_types_and_values_are_quickfix_spec_ones(version: str) -> None:
    spec = _spec(version)
    reference = builtin(version)
    assert set(reference.fields) == _session_tags(reference)  # no field without a member
    for number, definition in reference.fields.items():
        name, type_, values = spec.fields[number]
        assert (definition.name, definition.type) == (name, type_), number
        declared = definition.enums or frozenset()
        if number == 35 or type_ == "BOOLEAN":
            assert declared == frozenset(), number
        else:
            assert declared == values, number


# -- the member notation and the new session-layer boundaries -----------------------------------


def test_parse_members_reads_fields_required_flags_and_groups() -> None:
    members = parse_members(" 98! 108 384(372! 385 9(1 2)) 10! ")
    assert _shape(members) == (
        (98, True, None),
        (108, False, None),
        (
            384,
            False,
            (
                (372, True, None),
                (385, False, None),
                (9, False, ((1, False, None), (2, False, None))),
            ),
        ),
        (10, True, None),
    )
    group = members[2].group
    assert group is not None and group.delimiter == 372 and group.position[385] == 1
    assert _shape(parse_members("627!(628)")) == ((627, True, ((628, False, None),)),)
    assert parse_members("") == ()


@pytest.mark.parametrize("bad", ["98 (", "98 384(372", "372)", "98 x", "98!!", "384()"])
def test_parse_members_refuses_a_malformed_list(bad: str) -> None:
    with pytest.raises(ValueError, match=r"member list|unbalanced|no members"):
        parse_members(bad)


def test_session_fields_per_version() -> None:
    fix42, fix44 = session_fields(FIX42), session_fields(FIX44)
    assert (fix42[34].type, fix44[34].type) == ("INT", "SEQNUM")
    assert (fix42[9].type, fix44[9].type) == ("INT", "LENGTH")
    assert (fix42[93].type, fix44[93].type) == ("LENGTH", "LENGTH")
    assert (fix42[384].type, fix44[384].type) == ("INT", "NUMINGROUP")
    assert 370 in fix42 and 370 not in fix44
    assert {553, 554, 627, 789} <= fix44.keys() and not {553, 554, 627, 789} & fix42.keys()
    assert 797 not in fix44  # CopyMsgIndicator is a TradeCaptureReport field, not a session one
    with pytest.raises(ValueError, match=r"FIX\.5\.0"):
        session_fields("FIX.5.0")


_HEAD = [(49, "A"), (56, "B"), (34, "2"), (52, "20211115-14:30:00")]


def _reason(
    version: str,
    msg_type: str,
    *body: tuple[int, str],
    head: list[tuple[int, str]] | None = None,
) -> tuple[int, int | None] | None:
    fields = [(8, version), (35, msg_type), *(head if head is not None else _HEAD), *body]
    try:
        builtin(version).validate(FixMessage(fields))
    except SessionRejectError as exc:
        return int(exc.reason), exc.ref_tag
    return None


@pytest.mark.parametrize("version", VERSIONS)
def test_session_messages_take_their_spec_fields(version: str) -> None:
    last_reason, last_business = ("11", "5") if version == FIX42 else ("99", "7")
    assert _reason(version, "3", (45, "1"), (373, last_reason), (354, "2"), (355, "ab")) is None
    assert _reason(version, "3", (45, "1"), (373, "18")) == (5, 373)
    assert _reason(version, "5", (58, "bye"), (354, "3"), (355, "bye")) is None
    assert _reason(version, "j", (372, "AE"), (380, last_business)) is None
    assert _reason(version, "j", (372, "AE"), (380, "8")) == (5, 380)
    if version == FIX42:  # FIX 4.3 added 373=12-17 and 99, 380=6 and 7
        assert _reason(version, "3", (45, "1"), (373, "13")) == (5, 373)
        assert _reason(version, "j", (372, "AE"), (380, "6")) == (5, 380)
    logon = [(98, "0"), (108, "30"), (384, "1"), (372, "AE"), (385, "R")]
    assert _reason(version, "A", *logon) is None
    assert _reason(version, "A", *logon[:-1], (385, "X")) == (5, 385)
    # encryption is refused by the session with its own text, not by the dictionary
    assert _reason(version, "A", (98, "1"), (108, "30")) is None
    assert _reason(version, "A", (98, "7"), (108, "30")) == (5, 98)
    head = [*_HEAD, (347, "UTF-8")]
    assert _reason(version, "0", head=head) is None
    assert _reason(version, "0", head=[*_HEAD, (347, "latin-1")]) == (5, 347)


def test_fix44_header_carries_the_hops_group() -> None:
    hops = [*_HEAD, (627, "2"), (628, "HUB"), (629, "20211115-14:29:59"), (628, "HUB2")]
    assert _reason(FIX44, "0", head=hops) is None
    assert _reason(FIX44, "0", head=[*_HEAD, (627, "2"), (628, "HUB")]) == (16, 627)
    assert _reason(FIX44, "0", head=[*_HEAD, (370, "20211115-14:29:59")]) is not None


def test_fix42_header_carries_on_behalf_of_sending_time() -> None:
    head = [*_HEAD, (370, "20211115-14:29:59")]
    assert _reason(FIX42, "0", head=head) is None
    assert _reason(FIX42, "0", head=[*_HEAD, (370, "yesterday")]) == (6, 370)
    assert _reason(FIX42, "0", head=[*_HEAD, (627, "1"), (628, "HUB")]) is not None


# -- a real QuickFIX engine accepts every session message the simulator sends -------------------


def _framed(begin_string: str, msg_type: str, *body: tuple[int, str]) -> str:
    fields = [(35, msg_type), (49, "FNRA"), (56, "ABCD"), (34, "2")]
    fields += [(52, "20260105-15:00:00.000"), *body]
    text = "".join(f"{tag}={value}\x01" for tag, value in fields)
    head = f"8={begin_string}\x019={len(text.encode())}\x01"
    return f"{head}{text}10={sum((head + text).encode()) % 256:03d}\x01"


def _session_messages() -> list[tuple[str, tuple[tuple[int, str], ...]]]:
    """What :mod:`simulator.fix.session` writes besides its rejects (Logon, Heartbeat,
    TestRequest, ResendRequest, SequenceReset, Logout)."""
    return [
        ("A", ((98, "0"), (108, "30"), (141, "Y"))),
        ("0", ((112, "TEST-1"),)),
        ("1", ((112, "TEST-1"),)),
        ("2", ((7, "1"), (16, "0"))),
        ("4", ((123, "Y"), (36, "9"))),
        ("5", ((58, "Logout acknowledged"),)),
    ]


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_quickfix_accepts_every_session_message_the_simulator_sends(
    path: Path, make_acceptor: AcceptorFactory
) -> None:
    quickfix = pytest.importorskip("quickfix")
    dictionary = quickfix.DataDictionary(str(path))
    begin_string = _Xml(path).begin_string
    for msg_type, body in _session_messages():
        message = quickfix.Message(_framed(begin_string, msg_type, *body), dictionary, True)
        dictionary.validate(message)
    for frame in Framer().feed(_rejects(make_acceptor, begin_string)):
        assert isinstance(frame, Frame)
        message = quickfix.Message(frame.raw.decode(), dictionary, True)
        dictionary.validate(message)  # as the firm's engine does with our Rejects
    wrong = _framed(begin_string, "3", (45, "7"), (373, "18"))
    with pytest.raises(quickfix.IncorrectTagValue):
        dictionary.validate(quickfix.Message(wrong, dictionary, True))
