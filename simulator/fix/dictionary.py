"""The data dictionary the session validates messages against, with typed reject reasons.

A :class:`DataDictionary` knows, for one BeginString, the standard header and trailer, each
message's fields, components and repeating groups, and each field's type and enumerated values.
``validate(message)`` walks a decoded message once and raises
:class:`~simulator.fix.errors.SessionRejectError` with the SessionRejectReason (373) and RefTagID
(371) the FIX Session Layer Test Cases prescribe (FIX 4.2/4.4 Vol. 2, cases 14a-14i):

==========  ======================================================  =====
test case   condition                                               373
==========  ======================================================  =====
14a         tag not defined in the specification (<= 0, or a gap)   0
14b         required tag missing                                    1
14c         tag defined in the spec but not for this message type   2
(user)      tag in the user-defined range (>= 5000) nobody defined  3
14d         tag specified without a value                           4
14e         value not one of the field's enumerated values          5
14f         value in the wrong data format (e.g. ``38=+200``)       6
14g         header/body/trailer fields out of order                 14
14h         a tag (outside a repeating group) appears twice         13
(groups)    group instance fields out of the dictionary's order     15
14i         NumInGroup count differs from the instances sent        16
==========  ======================================================  =====

QuickFIX's acceptance suite sends 373=0 for tag 5000 (its 14a); we answer 373=3 "Undefined Tag"
for tags in the user-defined range (FIX 4.4 Vol. 1: 5000-9999 user-defined, 10000+ internal),
which is what that code is for. Checks per field follow QuickFIX's ``DataDictionary::validate``
order: tag number, empty value, data format, enumerated value, then "defined for this message".

Dictionaries come from two places: :func:`builtin` (the standard header and trailer and the
session-level messages of FIX 4.2 or 4.4, so a session works with no XML at all) and
:func:`load_xml` (a QuickFIX-format XML data dictionary such as the dialects ship under
``simulator/fix/dictionaries/``), merged over the built-in one so the admin messages are always
defined. Messages a dictionary does not define are not field-validated; whether their MsgType is
valid at all is :meth:`DataDictionary.is_valid_msg_type` (the standard MsgType values of the
version, user-defined ``U...`` types, and any message the XML declares, such as a custom
TradeCaptureReport on a FIX 4.2 TRF port).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from simulator.fix.errors import DictionaryLoadError, SessionRejectError
from simulator.fix.errors import SessionRejectReason as R
from simulator.fix.message import FixMessage
from simulator.timestamps import TimestampError, parse_fix_date, parse_fix_timestamp

FIX42 = "FIX.4.2"
FIX44 = "FIX.4.4"

#: Highest tag number the FIX specification defines (QuickFIX spec/FIX42.xml and FIX44.xml).
MAX_STANDARD_TAG = {FIX42: 446, FIX44: 956}
USER_DEFINED_FROM = 5000

_MSG_TYPES_42 = frozenset(
    (
        *"0123456789ABCDEFGHJKLMNPQRSTVWXYZ",
        *"abcdefghijklm",
    )
)
_MSG_TYPES_44 = _MSG_TYPES_42 | frozenset(
    (
        *"nopqrstuvwxyz",
        *(f"A{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        *(f"B{c}" for c in "ABCDEFGH"),
    )
)
#: MsgType values each version defines (FIX 4.2 / FIX 4.4 Vol. 1, field 35).
STANDARD_MSG_TYPES = {FIX42: _MSG_TYPES_42, FIX44: _MSG_TYPES_44}
ADMIN_MSG_TYPES = frozenset("012345A")


@dataclass(frozen=True, slots=True)
class FieldType:
    """A field's number, name, QuickFIX type name and enumerated values (``None``: any)."""

    number: int
    name: str
    type: str
    enums: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """A field of a message or group; ``group`` is set when the field is a NumInGroup count."""

    tag: int
    required: bool
    group: GroupSpec | None = None


@dataclass(frozen=True, slots=True)
class GroupSpec:
    """A repeating group: its members in dictionary order; the first is the delimiter."""

    count_tag: int
    members: tuple[Member, ...]
    position: Mapping[int, int] = field(default_factory=dict)

    @property
    def delimiter(self) -> int:
        return self.members[0].tag


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """A message (or the header/trailer): its top-level members, components expanded."""

    msg_type: str
    name: str
    admin: bool
    members: tuple[Member, ...]
    index: Mapping[int, Member] = field(default_factory=dict)
    required: tuple[int, ...] = ()


def _group(count_tag: int, members: Iterable[Member]) -> GroupSpec:
    members = tuple(members)
    if not members:
        raise DictionaryLoadError(f"repeating group {count_tag} has no fields")
    return GroupSpec(count_tag, members, {m.tag: i for i, m in enumerate(members)})


def _spec(msg_type: str, name: str, admin: bool, members: Iterable[Member]) -> MessageSpec:
    members = tuple(members)
    return MessageSpec(
        msg_type,
        name,
        admin,
        members,
        {m.tag: m for m in members},
        tuple(m.tag for m in members if m.required),
    )


# -- data formats (FIX 4.4 Vol. 1 "Data types"; QuickFIX FieldConvertors) --

_INT = re.compile(r"-?\d+")
_UINT = re.compile(r"\d+")
_FLOAT = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")
_TIME_ONLY = re.compile(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?")
_MONTH_YEAR = re.compile(r"\d{4}(0[1-9]|1[0-2])(?:\d{2}|w[1-5])?")

_INT_TYPES = frozenset({"INT", "DAYOFMONTH", "TAGNUM"})
_UINT_TYPES = frozenset({"LENGTH", "NUMINGROUP", "SEQNUM"})
_FLOAT_TYPES = frozenset({"FLOAT", "PRICE", "QTY", "AMT", "PRICEOFFSET", "PERCENTAGE"})
_DATE_TYPES = frozenset({"UTCDATEONLY", "UTCDATE", "LOCALMKTDATE", "DATE"})
_MULTI_TYPES = frozenset({"MULTIPLEVALUESTRING", "MULTIPLECHARVALUE", "MULTIPLESTRINGVALUE"})


@lru_cache(maxsize=4096)
def _timestamp_ok(value: str) -> bool:
    # cached: pipelined messages repeat the same SendingTime/TransactTime text
    try:
        parse_fix_timestamp(value)
    except TimestampError:
        return False
    return True


def _date_ok(value: str) -> bool:
    try:
        parse_fix_date(value)
    except (TimestampError, ValueError):
        return False
    return True


def _pattern(regex: re.Pattern[str]) -> Callable[[str], bool]:
    match = regex.fullmatch
    return lambda value: match(value) is not None


_CHECKS: dict[str, Callable[[str], bool]] = {
    **dict.fromkeys(_INT_TYPES, _pattern(_INT)),
    **dict.fromkeys(_UINT_TYPES, _pattern(_UINT)),
    **dict.fromkeys(_FLOAT_TYPES, _pattern(_FLOAT)),
    "CHAR": lambda value: len(value) == 1,
    "BOOLEAN": lambda value: value in ("Y", "N"),
    "UTCTIMESTAMP": _timestamp_ok,
    "TIME": _timestamp_ok,
    **dict.fromkeys(_DATE_TYPES, _date_ok),
    "UTCTIMEONLY": _pattern(_TIME_ONLY),
    "UTCTIME": _pattern(_TIME_ONLY),
    "MONTHYEAR": _pattern(_MONTH_YEAR),
}


def format_ok(type_name: str, value: str) -> bool:
    """Whether ``value`` is well formed for the QuickFIX ``type_name`` (unknown types: yes)."""
    check = _CHECKS.get(type_name)
    return True if check is None else check(value)


#: Per tag: (format check or None, enumerated values or None, multiple-value type?)
_Rule = tuple[Callable[[str], bool] | None, frozenset[str] | None, bool]


class DataDictionary:
    """Fields, header, trailer and messages of one FIX version; validates decoded messages."""

    def __init__(
        self,
        begin_string: str,
        fields: Mapping[int, FieldType],
        header: MessageSpec,
        trailer: MessageSpec,
        messages: Mapping[str, MessageSpec],
        *,
        source: str = "built-in",
    ) -> None:
        self.begin_string = begin_string
        self.fields = dict(fields)
        self.header = header
        self.trailer = trailer
        self.messages = dict(messages)
        self.source = source
        self._rules: dict[int, _Rule] = {
            tag: (_CHECKS.get(f.type), f.enums, f.type in _MULTI_TYPES)
            for tag, f in self.fields.items()
        }
        self.max_standard_tag = MAX_STANDARD_TAG.get(
            begin_string, max((t for t in self.fields if t < USER_DEFINED_FROM), default=0)
        )
        self._standard_types = STANDARD_MSG_TYPES.get(begin_string, _MSG_TYPES_44)

    # -- message types --

    def is_valid_msg_type(self, msg_type: str) -> bool:
        """Defined by the version, declared by this dictionary, or user-defined (``U...``)."""
        return (
            msg_type in self._standard_types
            or msg_type in self.messages
            or (len(msg_type) > 1 and msg_type.startswith("U"))
        )

    def is_admin(self, msg_type: str) -> bool:
        spec = self.messages.get(msg_type)
        return spec.admin if spec is not None else msg_type in ADMIN_MSG_TYPES

    def has_message(self, msg_type: str) -> bool:
        return msg_type in self.messages

    @property
    def app_msg_types(self) -> frozenset[str]:
        return frozenset(t for t, spec in self.messages.items() if not spec.admin)

    # -- validation --

    def validate(self, message: FixMessage) -> None:
        """Raise :class:`SessionRejectError` for the first problem found, in wire order."""
        fields = message.fields
        n = len(fields)
        msg_type = fields[1][1] if n > 1 and fields[1][0] == 35 else ""
        spec = self.messages.get(msg_type)
        seen: set[int] = {8, 35}
        i = 2
        header_index = self.header.index
        while i < n and fields[i][0] in header_index:
            i = self._member(header_index[fields[i][0]], fields, i, seen)
        for tag in self.header.required:
            if tag not in seen and tag not in (8, 9, 35):
                raise SessionRejectError(R.REQUIRED_TAG_MISSING, tag)
        trailer_index = self.trailer.index
        body_seen: set[int] = set()
        while i < n:
            tag, value = fields[i]
            if tag in trailer_index:
                break
            if tag in header_index:
                raise SessionRejectError(R.TAG_SPECIFIED_OUT_OF_REQUIRED_ORDER, tag)
            if spec is None:
                i += 1  # a message this dictionary does not define: its body is not checked
                continue
            member = spec.index.get(tag)
            if member is None:
                self._field(tag, value)
                raise SessionRejectError(R.TAG_NOT_DEFINED_FOR_THIS_MESSAGE_TYPE, tag)
            i = self._member(member, fields, i, body_seen)
        while i < n:
            tag, value = fields[i]
            member = trailer_index.get(tag)
            if member is None:
                raise SessionRejectError(R.TAG_SPECIFIED_OUT_OF_REQUIRED_ORDER, tag)
            i = self._member(member, fields, i, seen)
        if spec is not None:
            for tag in spec.required:
                if tag not in body_seen:
                    raise SessionRejectError(R.REQUIRED_TAG_MISSING, tag)

    def _field(self, tag: int, value: str) -> None:
        """Check one field's tag number, presence of a value, format and enumeration."""
        rule = self._rules.get(tag)
        if rule is None:
            if tag <= 0 or (self.max_standard_tag < tag < USER_DEFINED_FROM):
                raise SessionRejectError(R.INVALID_TAG_NUMBER, tag)
            if tag >= USER_DEFINED_FROM:
                raise SessionRejectError(R.UNDEFINED_TAG, tag)
            if not value:
                raise SessionRejectError(R.TAG_SPECIFIED_WITHOUT_A_VALUE, tag)
            return
        if not value:
            raise SessionRejectError(R.TAG_SPECIFIED_WITHOUT_A_VALUE, tag)
        check, enums, multi = rule
        if check is not None and not check(value):
            raise SessionRejectError(R.INCORRECT_DATA_FORMAT_FOR_VALUE, tag)
        if enums is not None:
            if multi:
                if any(part not in enums for part in value.split(" ")):
                    raise SessionRejectError(R.VALUE_IS_INCORRECT, tag)
            elif value not in enums:
                raise SessionRejectError(R.VALUE_IS_INCORRECT, tag)

    def _member(self, member: Member, fields: list[tuple[int, str]], i: int, seen: set[int]) -> int:
        tag, value = fields[i]
        self._field(tag, value)
        if tag in seen:
            raise SessionRejectError(R.TAG_APPEARS_MORE_THAN_ONCE, tag)
        seen.add(tag)
        if member.group is None:
            return i + 1
        if _UINT.fullmatch(value) is None:
            raise SessionRejectError(R.INCORRECT_DATA_FORMAT_FOR_VALUE, tag)
        return self._group(member.group, fields, i + 1, int(value))

    def _group(self, group: GroupSpec, fields: list[tuple[int, str]], i: int, declared: int) -> int:
        n = len(fields)
        position = group.position
        if i < n and declared > 0 and fields[i][0] in position and fields[i][0] != group.delimiter:
            raise SessionRejectError(R.REPEATING_GROUP_FIELDS_OUT_OF_ORDER, fields[i][0])
        instances = 0
        while i < n and fields[i][0] == group.delimiter:
            instances += 1
            seen: set[int] = set()
            last = -1
            while i < n:
                tag = fields[i][0]
                where = position.get(tag)
                if where is None or (tag == group.delimiter and seen):
                    break
                if tag in seen:
                    raise SessionRejectError(R.TAG_APPEARS_MORE_THAN_ONCE, tag)
                if where < last:
                    raise SessionRejectError(R.REPEATING_GROUP_FIELDS_OUT_OF_ORDER, tag)
                last = where
                i = self._member(group.members[where], fields, i, seen)
            for member in group.members:
                if member.required and member.tag not in seen:
                    raise SessionRejectError(R.REQUIRED_TAG_MISSING, member.tag)
        if instances != declared:
            reason = R.INCORRECT_NUMINGROUP_COUNT_FOR_REPEATING_GROUP
            raise SessionRejectError(reason, group.count_tag)
        return i


# -- the built-in dictionary: header, trailer and session-level messages --


def _f(number: int, name: str, type_: str, enums: str | None = None) -> FieldType:
    return FieldType(number, name, type_, frozenset(enums.split()) if enums else None)


_BUILTIN_FIELDS: tuple[FieldType, ...] = (
    _f(7, "BeginSeqNo", "SEQNUM"),
    _f(8, "BeginString", "STRING"),
    _f(9, "BodyLength", "LENGTH"),
    _f(10, "CheckSum", "STRING"),
    _f(16, "EndSeqNo", "SEQNUM"),
    _f(34, "MsgSeqNum", "SEQNUM"),
    _f(35, "MsgType", "STRING"),
    _f(36, "NewSeqNo", "SEQNUM"),
    _f(43, "PossDupFlag", "BOOLEAN"),
    _f(45, "RefSeqNum", "SEQNUM"),
    _f(49, "SenderCompID", "STRING"),
    _f(50, "SenderSubID", "STRING"),
    _f(52, "SendingTime", "UTCTIMESTAMP"),
    _f(56, "TargetCompID", "STRING"),
    _f(57, "TargetSubID", "STRING"),
    _f(58, "Text", "STRING"),
    _f(89, "Signature", "DATA"),
    _f(90, "SecureDataLen", "LENGTH"),
    _f(91, "SecureData", "DATA"),
    _f(93, "SignatureLength", "LENGTH"),
    _f(95, "RawDataLength", "LENGTH"),
    _f(96, "RawData", "DATA"),
    _f(97, "PossResend", "BOOLEAN"),
    _f(98, "EncryptMethod", "INT", "0 1 2 3 4 5 6"),
    _f(108, "HeartBtInt", "INT"),
    _f(112, "TestReqID", "STRING"),
    _f(115, "OnBehalfOfCompID", "STRING"),
    _f(116, "OnBehalfOfSubID", "STRING"),
    _f(122, "OrigSendingTime", "UTCTIMESTAMP"),
    _f(123, "GapFillFlag", "BOOLEAN"),
    _f(128, "DeliverToCompID", "STRING"),
    _f(129, "DeliverToSubID", "STRING"),
    _f(141, "ResetSeqNumFlag", "BOOLEAN"),
    _f(142, "SenderLocationID", "STRING"),
    _f(143, "TargetLocationID", "STRING"),
    _f(144, "OnBehalfOfLocationID", "STRING"),
    _f(145, "DeliverToLocationID", "STRING"),
    _f(212, "XmlDataLen", "LENGTH"),
    _f(213, "XmlData", "DATA"),
    _f(347, "MessageEncoding", "STRING"),
    _f(354, "EncodedTextLen", "LENGTH"),
    _f(355, "EncodedText", "DATA"),
    _f(369, "LastMsgSeqNumProcessed", "SEQNUM"),
    _f(370, "OnBehalfOfSendingTime", "UTCTIMESTAMP"),
    _f(371, "RefTagID", "INT"),
    _f(372, "RefMsgType", "STRING"),
    _f(373, "SessionRejectReason", "INT"),
    _f(379, "BusinessRejectRefID", "STRING"),
    _f(380, "BusinessRejectReason", "INT"),
    _f(383, "MaxMessageSize", "LENGTH"),
    _f(384, "NoMsgTypes", "NUMINGROUP"),
    _f(385, "MsgDirection", "CHAR", "S R"),
)
_BUILTIN_FIELDS_44: tuple[FieldType, ...] = (
    _f(464, "TestMessageIndicator", "BOOLEAN"),
    _f(553, "Username", "STRING"),
    _f(554, "Password", "STRING"),
    _f(627, "NoHops", "NUMINGROUP"),
    _f(628, "HopCompID", "STRING"),
    _f(629, "HopSendingTime", "UTCTIMESTAMP"),
    _f(630, "HopRefID", "SEQNUM"),
    _f(789, "NextExpectedMsgSeqNum", "SEQNUM"),
    _f(797, "CopyMsgIndicator", "BOOLEAN"),
)


def _members(spec: str) -> list[Member]:
    """``"98! 108! 95 96"`` -> members; ``!`` marks a required field."""
    return [Member(int(t.rstrip("!")), t.endswith("!")) for t in spec.split()]


def builtin(begin_string: str) -> DataDictionary:
    """Header, trailer and session messages of FIX 4.2 or FIX 4.4 (QuickFIX FIX42/44.xml)."""
    if begin_string not in (FIX42, FIX44):
        raise ValueError(f"no built-in dictionary for {begin_string!r} (FIX.4.2 or FIX.4.4)")
    is44 = begin_string == FIX44
    fields = {f.number: f for f in _BUILTIN_FIELDS + (_BUILTIN_FIELDS_44 if is44 else ())}
    header = _members("8! 9! 35! 49! 56! 115 128 90 91 34! 50 142 57 143 116 144 129 145")
    header += _members("43 97 52! 122 212 213 347 369")
    if is44:
        header.append(Member(627, False, _group(627, _members("628 629 630"))))
    else:
        header += _members("370")
    no_msg_types = Member(384, False, _group(384, _members("372 385")))
    logon = [*_members("98! 108! 95 96 141"), *(_members("789") if is44 else [])]
    logon += [*_members("383"), no_msg_types, *(_members("464 553 554") if is44 else [])]
    messages = [
        _spec("0", "Heartbeat", True, _members("112")),
        _spec("1", "TestRequest", True, _members("112!")),
        _spec("2", "ResendRequest", True, _members("7! 16!")),
        _spec("3", "Reject", True, _members("45! 371 372 373 58 354 355")),
        _spec("4", "SequenceReset", True, _members("123 36!")),
        _spec("5", "Logout", True, _members("58 354 355")),
        _spec("A", "Logon", True, logon),
        _spec("j", "BusinessMessageReject", False, _members("45 372! 379 380! 58 354 355")),
    ]
    return DataDictionary(
        begin_string,
        fields,
        _spec("header", "Header", True, header),
        _spec("trailer", "Trailer", True, _members("93 89 10!")),
        {m.msg_type: m for m in messages},
    )


# -- QuickFIX XML --


def load_xml(source: str | Path, *, text: str | None = None) -> DataDictionary:
    """Read a QuickFIX-format XML data dictionary, merged over :func:`builtin`.

    ``source`` is a path (or a name to report when ``text`` is given). Problems raise
    :class:`DictionaryLoadError` naming the file and the element.
    """
    shown = str(source)
    try:
        root = ET.fromstring(text) if text is not None else ET.parse(source).getroot()
    except (OSError, ET.ParseError) as exc:
        raise DictionaryLoadError(f"{shown}: cannot read the dictionary: {exc}") from None
    if root.tag != "fix":
        raise DictionaryLoadError(f"{shown}: the root element must be <fix>, not <{root.tag}>")
    major, minor = root.get("major"), root.get("minor")
    begin_string = f"FIX.{major}.{minor}"
    base = builtin(begin_string) if begin_string in (FIX42, FIX44) else None

    fields: dict[int, FieldType] = dict(base.fields) if base else {}
    by_name: dict[str, int] = {f.name: f.number for f in fields.values()}
    for element in root.iterfind("fields/field"):
        try:
            number = int(element.get("number", ""))
        except ValueError:
            raise DictionaryLoadError(
                f"{shown}: field {element.get('name')!r} has no numeric 'number'"
            ) from None
        name = element.get("name") or f"Field{number}"
        values = [v.get("enum", "") for v in element.iterfind("value")]
        fields[number] = FieldType(
            number, name, (element.get("type") or "STRING").upper(), frozenset(values) or None
        )
        by_name[name] = number

    components = {c.get("name", ""): c for c in root.iterfind("components/component")}

    def members(parent: ET.Element, where: str, optional: bool, depth: int = 0) -> list[Member]:
        if depth > 20:
            raise DictionaryLoadError(f"{shown}: components nest too deeply at {where}")
        out: list[Member] = []
        for child in parent:
            name = child.get("name", "")
            required = child.get("required", "N").upper() == "Y" and not optional
            if child.tag == "component":
                component = components.get(name)
                if component is None:
                    raise DictionaryLoadError(f"{shown}: {where} uses unknown component {name!r}")
                out += members(component, f"component {name}", not required, depth + 1)
                continue
            if child.tag not in ("field", "group"):
                continue
            if name not in by_name:
                raise DictionaryLoadError(f"{shown}: {where} uses undefined field {name!r}")
            tag = by_name[name]
            if child.tag == "group":
                inner = members(child, f"group {name}", False, depth + 1)
                out.append(Member(tag, required, _group(tag, inner)))
            else:
                out.append(Member(tag, required))
        return out

    messages: dict[str, MessageSpec] = dict(base.messages) if base else {}
    for element in root.iterfind("messages/message"):
        msg_type = element.get("msgtype")
        if not msg_type:
            raise DictionaryLoadError(f"{shown}: message {element.get('name')!r} has no msgtype")
        name = element.get("name", msg_type)
        admin = element.get("msgcat", "app") == "admin"
        body = members(element, f"message {name}", False)
        messages[msg_type] = _spec(msg_type, name, admin, body)

    def section(tag: str, fallback: MessageSpec | None) -> MessageSpec:
        element = root.find(tag)
        if element is None or len(element) == 0:
            if fallback is None:
                raise DictionaryLoadError(f"{shown}: no <{tag}> section")
            return fallback
        return _spec(tag, tag.title(), True, members(element, tag, False))

    header = section("header", base.header if base else None)
    trailer = section("trailer", base.trailer if base else None)
    return DataDictionary(begin_string, fields, header, trailer, messages, source=shown)


def for_session(begin_string: str, xml_path: str | Path | None = None) -> DataDictionary:
    """The dictionary a session uses: ``xml_path`` if given and present, else the built-in one."""
    if xml_path is not None and Path(xml_path).is_file():
        loaded = load_xml(xml_path)
        if loaded.begin_string != begin_string:
            raise DictionaryLoadError(
                f"{xml_path}: is a {loaded.begin_string} dictionary, the session is {begin_string}"
            )
        return loaded
    return builtin(begin_string)
