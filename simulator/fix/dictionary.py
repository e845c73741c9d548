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

The session layer itself (:data:`SESSION_FIELDS`, :data:`SESSION_HEADER`,
:data:`SESSION_TRAILER`, :data:`SESSION_MESSAGES`) is defined here and only here: the dialects'
XML dictionaries are rendered from :func:`builtin` (:mod:`simulator.fix.dialects.dictionary`), so
what the simulator validates and what a firm's engine validates cannot differ.
"""

from __future__ import annotations

import dataclasses
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
    """A field's number, name, QuickFIX type name and enumerated values.

    ``values`` are ``(enum, description)`` pairs in dictionary order (what a QuickFIX XML
    ``<value>`` element carries); empty means any value of the type.
    """

    number: int
    name: str
    type: str
    values: tuple[tuple[str, str], ...] = ()

    @property
    def enums(self) -> frozenset[str] | None:
        """The enumerated values, or ``None`` when the field takes any value of its type."""
        return frozenset(enum for enum, _ in self.values) or None


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


#: How many checked (tag, value) pairs a dictionary remembers before it starts over.
_PASSED_LIMIT = 50_000

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
        # (tag, value) pairs that passed _field: a check depends on nothing else, and most of a
        # report's values (side, security, quantity, parties, codes) recur from message to message
        self._passed: set[tuple[int, str]] = set()

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
        pair = fields[i]
        tag, value = pair
        if pair not in self._passed:
            self._field(tag, value)
            if len(self._passed) >= _PASSED_LIMIT:
                self._passed.clear()  # bounded: timestamps and references never recur
            self._passed.add(pair)
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
#
# This is the one definition of the FIX session layer in the project. The session validates
# with it (:func:`builtin`), and the QuickFIX XML dictionaries shipped for the dialects take
# their header, trailer, session messages and session field types from it
# (:mod:`simulator.fix.dialects.dictionary`), so the two cannot disagree; a unit test
# (``tests/unit/fix/test_dictionary_session_layer.py``) holds the shipped files and QuickFIX's
# FIX42.xml/FIX44.xml to it.


@dataclass(frozen=True, slots=True)
class SessionField:
    """A session-layer field: its QuickFIX type in each version (``None``: not in it)."""

    number: int
    name: str
    types: Mapping[str, str]
    values: tuple[tuple[str, str], ...] = ()
    #: how many of ``values`` FIX 4.2 has, when it has fewer (the reject reasons)
    fix42_values: int | None = None

    def in_version(self, begin_string: str) -> FieldType | None:
        type_ = self.types.get(begin_string)
        if type_ is None:
            return None
        values = self.values
        if begin_string == FIX42 and self.fix42_values is not None:
            values = values[: self.fix42_values]
        return FieldType(self.number, self.name, type_, values)


def _s(
    number: int, name: str, fix42: str | None, fix44: str | None, *values: tuple[str, str]
) -> SessionField:
    types = {v: t for v, t in ((FIX42, fix42), (FIX44, fix44)) if t is not None}
    return SessionField(number, name, types, tuple(values))


_ENCRYPT_METHODS = (
    ("0", "NONE"),
    ("1", "PKCS"),
    ("2", "DES"),
    ("3", "PKCSDES"),
    ("4", "PGPDES"),
    ("5", "PGPDESMD5"),
    ("6", "PEM"),
)
_MESSAGE_ENCODINGS = (
    ("ISO-2022-JP", "ISO2022_JP"),
    ("EUC-JP", "EUCJP"),
    ("Shift_JIS", "SHIFT_JIS"),
    ("UTF-8", "UTF8"),
)
_SESSION_REJECT_REASONS = (
    ("0", "INVALID_TAG_NUMBER"),
    ("1", "REQUIRED_TAG_MISSING"),
    ("2", "TAG_NOT_DEFINED_FOR_THIS_MESSAGE_TYPE"),
    ("3", "UNDEFINED_TAG"),
    ("4", "TAG_SPECIFIED_WITHOUT_A_VALUE"),
    ("5", "VALUE_IS_INCORRECT"),
    ("6", "INCORRECT_DATA_FORMAT_FOR_VALUE"),
    ("7", "DECRYPTION_PROBLEM"),
    ("8", "SIGNATURE_PROBLEM"),
    ("9", "COMP_ID_PROBLEM"),
    ("10", "SENDING_TIME_ACCURACY_PROBLEM"),
    ("11", "INVALID_MSG_TYPE"),
    ("12", "XML_VALIDATION_ERROR"),
    ("13", "TAG_APPEARS_MORE_THAN_ONCE"),
    ("14", "TAG_SPECIFIED_OUT_OF_REQUIRED_ORDER"),
    ("15", "REPEATING_GROUP_FIELDS_OUT_OF_ORDER"),
    ("16", "INCORRECT_NUM_IN_GROUP_COUNT_FOR_REPEATING_GROUP"),
    ("17", "NON_DATA_VALUE_INCLUDES_FIELD_DELIMITER"),
    ("99", "OTHER"),
)
_BUSINESS_REJECT_REASONS = (
    ("0", "OTHER"),
    ("1", "UNKNOWN_ID"),
    ("2", "UNKNOWN_SECURITY"),
    ("3", "UNSUPPORTED_MESSAGE_TYPE"),
    ("4", "APPLICATION_NOT_AVAILABLE"),
    ("5", "CONDITIONALLY_REQUIRED_FIELD_MISSING"),
    ("6", "NOT_AUTHORIZED"),
    ("7", "DELIVER_TO_FIRM_NOT_AVAILABLE_AT_THIS_TIME"),
)

#: Every field of the standard header and trailer and of the session-level messages, with its
#: type in FIX 4.2 and in FIX 4.4 as QuickFIX's ``FIX42.xml`` and ``FIX44.xml`` declare it (FIX
#: 4.2 has no SEQNUM or NUMINGROUP type and calls those fields INT). Deliberate differences from
#: those files, each pinned by a test:
#:
#: * MsgType (35) is not enumerated: which MsgTypes are valid is
#:   :meth:`DataDictionary.is_valid_msg_type`, and the FIX 4.2 dictionaries declare AE and AR;
#: * BOOLEAN fields do not list Y and N: the BOOLEAN type admits nothing else.
SESSION_FIELDS: tuple[SessionField, ...] = (
    _s(7, "BeginSeqNo", "INT", "SEQNUM"),
    _s(8, "BeginString", "STRING", "STRING"),
    _s(9, "BodyLength", "INT", "LENGTH"),
    _s(10, "CheckSum", "STRING", "STRING"),
    _s(16, "EndSeqNo", "INT", "SEQNUM"),
    _s(34, "MsgSeqNum", "INT", "SEQNUM"),
    _s(35, "MsgType", "STRING", "STRING"),
    _s(36, "NewSeqNo", "INT", "SEQNUM"),
    _s(43, "PossDupFlag", "BOOLEAN", "BOOLEAN"),
    _s(45, "RefSeqNum", "INT", "SEQNUM"),
    _s(49, "SenderCompID", "STRING", "STRING"),
    _s(50, "SenderSubID", "STRING", "STRING"),
    _s(52, "SendingTime", "UTCTIMESTAMP", "UTCTIMESTAMP"),
    _s(56, "TargetCompID", "STRING", "STRING"),
    _s(57, "TargetSubID", "STRING", "STRING"),
    _s(58, "Text", "STRING", "STRING"),
    _s(89, "Signature", "DATA", "DATA"),
    _s(90, "SecureDataLen", "LENGTH", "LENGTH"),
    _s(91, "SecureData", "DATA", "DATA"),
    _s(93, "SignatureLength", "LENGTH", "LENGTH"),
    _s(95, "RawDataLength", "LENGTH", "LENGTH"),
    _s(96, "RawData", "DATA", "DATA"),
    _s(97, "PossResend", "BOOLEAN", "BOOLEAN"),
    _s(98, "EncryptMethod", "INT", "INT", *_ENCRYPT_METHODS),
    _s(108, "HeartBtInt", "INT", "INT"),
    _s(112, "TestReqID", "STRING", "STRING"),
    _s(115, "OnBehalfOfCompID", "STRING", "STRING"),
    _s(116, "OnBehalfOfSubID", "STRING", "STRING"),
    _s(122, "OrigSendingTime", "UTCTIMESTAMP", "UTCTIMESTAMP"),
    _s(123, "GapFillFlag", "BOOLEAN", "BOOLEAN"),
    _s(128, "DeliverToCompID", "STRING", "STRING"),
    _s(129, "DeliverToSubID", "STRING", "STRING"),
    _s(141, "ResetSeqNumFlag", "BOOLEAN", "BOOLEAN"),
    _s(142, "SenderLocationID", "STRING", "STRING"),
    _s(143, "TargetLocationID", "STRING", "STRING"),
    _s(144, "OnBehalfOfLocationID", "STRING", "STRING"),
    _s(145, "DeliverToLocationID", "STRING", "STRING"),
    _s(212, "XmlDataLen", "LENGTH", "LENGTH"),
    _s(213, "XmlData", "DATA", "DATA"),
    _s(347, "MessageEncoding", "STRING", "STRING", *_MESSAGE_ENCODINGS),
    _s(354, "EncodedTextLen", "LENGTH", "LENGTH"),
    _s(355, "EncodedText", "DATA", "DATA"),
    _s(369, "LastMsgSeqNumProcessed", "INT", "SEQNUM"),
    _s(370, "OnBehalfOfSendingTime", "UTCTIMESTAMP", None),
    _s(371, "RefTagID", "INT", "INT"),
    _s(372, "RefMsgType", "STRING", "STRING"),
    dataclasses.replace(  # FIX 4.2 stops at 11 (13-17 and 99 came with FIX 4.3)
        _s(373, "SessionRejectReason", "INT", "INT", *_SESSION_REJECT_REASONS), fix42_values=12
    ),
    _s(379, "BusinessRejectRefID", "STRING", "STRING"),
    dataclasses.replace(  # FIX 4.2 stops at 5 (6 and 7 came with FIX 4.3)
        _s(380, "BusinessRejectReason", "INT", "INT", *_BUSINESS_REJECT_REASONS), fix42_values=6
    ),
    _s(383, "MaxMessageSize", "INT", "LENGTH"),
    _s(384, "NoMsgTypes", "INT", "NUMINGROUP"),
    _s(385, "MsgDirection", "CHAR", "CHAR", ("S", "SEND"), ("R", "RECEIVE")),
    _s(464, "TestMessageIndicator", None, "BOOLEAN"),
    _s(553, "Username", None, "STRING"),
    _s(554, "Password", None, "STRING"),
    _s(627, "NoHops", None, "NUMINGROUP"),
    _s(628, "HopCompID", None, "STRING"),
    _s(629, "HopSendingTime", None, "UTCTIMESTAMP"),
    _s(630, "HopRefID", None, "SEQNUM"),
    _s(789, "NextExpectedMsgSeqNum", None, "SEQNUM"),
)


@dataclass(frozen=True, slots=True)
class SessionMessage:
    """A session-level message's members in each version, in the member notation of
    :func:`parse_members`; ``admin`` is QuickFIX's ``msgcat`` (BusinessMessageReject is an
    application message that the session layer sends)."""

    msg_type: str
    name: str
    admin: bool
    layouts: Mapping[str, str]


def _m(msg_type: str, name: str, fix42: str, fix44: str | None = None) -> SessionMessage:
    layouts = {FIX42: fix42, FIX44: fix42 if fix44 is None else fix44}
    return SessionMessage(msg_type, name, msg_type in ADMIN_MSG_TYPES, layouts)


_HEADER = "8! 9! 35! 49! 56! 115 128 90 91 34! 50 142 57 143 116 144 129 145 43 97 52! 122"
_HEADER += " 212 213 347 369"

#: The standard header and trailer (FIX 4.2/4.4 Vol. 2 "Standard Message Header"/"Trailer").
SESSION_HEADER = {FIX42: f"{_HEADER} 370", FIX44: f"{_HEADER} 627(628 629 630)"}
SESSION_TRAILER = {FIX42: "93 89 10!", FIX44: "93 89 10!"}

#: The session-level messages (FIX 4.2/4.4 Vol. 2 "Session Protocol") and BusinessMessageReject,
#: in the order the shipped dictionaries list them.
SESSION_MESSAGES: tuple[SessionMessage, ...] = (
    _m("0", "Heartbeat", "112"),
    _m(
        "A",
        "Logon",
        "98! 108! 95 96 141 383 384(372 385)",
        "98! 108! 95 96 141 789 383 384(372 385) 464 553 554",
    ),
    _m("1", "TestRequest", "112!"),
    _m("2", "ResendRequest", "7! 16!"),
    _m("3", "Reject", "45! 371 372 373 58 354 355"),
    _m("4", "SequenceReset", "123 36!"),
    _m("5", "Logout", "58 354 355"),
    _m("j", "BusinessMessageReject", "45 372! 379 380! 58 354 355"),
)

_MEMBER_NOTATION = re.compile(r"(?:\s*(?:\d+!?\(?|\)))*\s*")
_MEMBER_TOKEN = re.compile(r"\d+!?\(?|\)")


@lru_cache(maxsize=64)
def parse_members(notation: str) -> tuple[Member, ...]:
    """Members from their notation: ``"98! 108 384(372 385)"``; ``!`` marks a required field
    and ``N(...)`` the repeating group counted by tag ``N``, its members in order. (Cached: the
    members are immutable and every session builds its dictionary from the same few lists.)"""
    if _MEMBER_NOTATION.fullmatch(notation) is None:
        raise ValueError(f"not a member list: {notation!r}")
    levels: list[list[Member]] = [[]]
    groups: list[tuple[int, bool]] = []
    for token in _MEMBER_TOKEN.findall(notation):
        if token == ")":
            if not groups:
                raise ValueError(f"unbalanced ')' in {notation!r}")
            count_tag, required = groups.pop()
            inner = levels.pop()
            if not inner:
                raise ValueError(f"group {count_tag} has no members in {notation!r}")
            levels[-1].append(Member(count_tag, required, _group(count_tag, inner)))
        elif token.endswith("("):
            groups.append((int(token[:-1].rstrip("!")), token[:-1].endswith("!")))
            levels.append([])
        else:
            levels[-1].append(Member(int(token.rstrip("!")), token.endswith("!")))
    if groups:
        raise ValueError(f"unbalanced '(' in {notation!r}")
    return tuple(levels[0])


def session_fields(begin_string: str) -> dict[int, FieldType]:
    """The session-layer fields of FIX 4.2 or FIX 4.4 with that version's types."""
    _check_version(begin_string)
    found = (f.in_version(begin_string) for f in SESSION_FIELDS)
    return {f.number: f for f in found if f is not None}


def _check_version(begin_string: str) -> None:
    if begin_string not in (FIX42, FIX44):
        raise ValueError(f"no built-in dictionary for {begin_string!r} (FIX.4.2 or FIX.4.4)")


def builtin(begin_string: str) -> DataDictionary:
    """Header, trailer and session messages of FIX 4.2 or FIX 4.4 (QuickFIX FIX42/44.xml)."""
    _check_version(begin_string)
    messages = [
        _spec(m.msg_type, m.name, m.admin, parse_members(m.layouts[begin_string]))
        for m in SESSION_MESSAGES
    ]
    return DataDictionary(
        begin_string,
        session_fields(begin_string),
        _spec("header", "Header", True, parse_members(SESSION_HEADER[begin_string])),
        _spec("trailer", "Trailer", True, parse_members(SESSION_TRAILER[begin_string])),
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
        values = tuple(
            (v.get("enum", ""), v.get("description", "")) for v in element.iterfind("value")
        )
        fields[number] = FieldType(number, name, (element.get("type") or "STRING").upper(), values)
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
