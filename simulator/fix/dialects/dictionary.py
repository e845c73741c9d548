"""QuickFIX-format data dictionaries for the dialects: render, load and check messages.

A firm's QuickFIX (C++, Python, /J, /n) engine with ``UseDataDictionary=Y`` validates every
message it receives against an XML dictionary: the header and trailer, one ``<message>`` per
MsgType it may see (admin messages included), the components and the ``<fields>`` with their
types and enumerations. :func:`render` writes that XML: the header, trailer, session-level
messages and their fields from the session layer's own definition
(:func:`simulator.fix.dictionary.builtin`, the dictionary the simulator's sessions validate
with), and the TradeCaptureReport messages from the dialect's :class:`Layout` data, so the
shipped file (``simulator/fix/dictionaries/<dialect>.xml``) always matches what the session and
the dialect send; :func:`load` reads a dictionary back with :mod:`xml.etree` and :func:`check`
validates a message against it the way QuickFIX's ``DataDictionary::validate`` does (tags
defined for the message, group order and counts, required fields, enumerated values).

FIX 4.2 has no TradeCaptureReport: AE and AR are declared as custom messages in the FIX 4.2
dictionaries, and tags above 446 are declared as user fields (Nasdaq's FIX 4.2 trade reporting
uses TradeCaptureReport-style tags, facilities.md section 3.5, INFERENCE).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from simulator.fix.dialects.layout import (
    Component,
    Field,
    FieldDef,
    Group,
    Item,
    Layout,
)
from simulator.fix.dictionary import (
    FIX42,
    FIX44,
    DataDictionary,
    FieldType,
    Member,
    MessageSpec,
    builtin,
)
from simulator.fix.message import FixMessage
from simulator.timestamps import TimestampError, parse_fix_date, parse_fix_timestamp

DICTIONARY_DIR = Path(__file__).resolve().parent.parent / "dictionaries"


def _f(number: int, name: str, type_: str, *values: tuple[str, str]) -> FieldDef:
    return FieldDef(number, name, type_, tuple(values))


#: The application-level tags the dialects use, named as in the FIX 4.4 repository (or, for
#: FINRA user-defined tags, as in the TRACE FIX specification v2.1). Session-layer tags are not
#: here: they are defined once, in :data:`simulator.fix.dictionary.SESSION_FIELDS`.
APP_FIELDS: Mapping[int, FieldDef] = {
    d.number: d
    for d in (
        # TradeCaptureReport (35=AE) and TradeCaptureReportAck (35=AR), FIX 4.4.
        _f(1011, "MessageEventSource", "STRING"),
        _f(571, "TradeReportID", "STRING"),
        _f(572, "TradeReportRefID", "STRING"),
        _f(1041, "FirmTradeID", "STRING"),
        _f(1042, "SecondaryFirmTradeID", "STRING"),
        _f(1003, "TradeID", "STRING"),
        _f(1126, "OrigTradeID", "STRING"),
        _f(
            487,
            "TradeReportTransType",
            "INT",
            ("0", "NEW"),
            ("1", "CANCEL"),
            ("2", "REPLACE"),
            ("3", "RELEASE"),
            ("4", "REVERSE"),
        ),
        _f(
            856,
            "TradeReportType",
            "INT",
            ("0", "SUBMIT"),
            ("1", "ALLEGED"),
            ("2", "ACCEPT"),
            ("3", "DECLINE"),
            ("4", "ADDENDUM"),
            ("5", "NO_WAS"),
            ("6", "TRADE_REPORT_CANCEL"),
            ("7", "LOCKED_IN_TRADE_BREAK"),
        ),
        _f(570, "PreviouslyReported", "BOOLEAN"),
        _f(1015, "AsOfIndicator", "CHAR", ("0", "FALSE"), ("1", "TRUE")),
        _f(64, "SettlDate", "LOCALMKTDATE"),
        _f(55, "Symbol", "STRING"),
        _f(48, "SecurityID", "STRING"),
        _f(22, "SecurityIDSource", "STRING", ("1", "CUSIP"), ("8", "EXCHANGE_SYMBOL")),
        _f(454, "NoSecurityAltID", "NUMINGROUP"),
        _f(455, "SecurityAltID", "STRING"),
        _f(456, "SecurityAltIDSource", "STRING", ("1", "CUSIP"), ("8", "EXCHANGE_SYMBOL")),
        _f(423, "PriceType", "INT"),
        _f(63, "SettlType", "STRING"),
        _f(228, "Factor", "FLOAT"),
        _f(32, "LastQty", "QTY"),
        _f(31, "LastPx", "PRICE"),
        _f(75, "TradeDate", "LOCALMKTDATE"),
        _f(60, "TransactTime", "UTCTIMESTAMP"),
        _f(483, "TransBkdTime", "UTCTIMESTAMP"),
        _f(552, "NoSides", "NUMINGROUP"),
        _f(
            54,
            "Side",
            "CHAR",
            ("1", "BUY"),
            ("2", "SELL"),
            ("5", "SELL_SHORT"),
            ("6", "SELL_SHORT_EXEMPT"),
            ("8", "CROSS"),
        ),
        _f(37, "OrderID", "STRING"),
        _f(453, "NoPartyIDs", "NUMINGROUP"),
        _f(448, "PartyID", "STRING"),
        _f(447, "PartyIDSource", "CHAR", ("C", "GENERALLY_ACCEPTED_MARKET_PARTICIPANT_IDENTIFIER")),
        _f(
            452,
            "PartyRole",
            "INT",
            ("1", "EXECUTING_FIRM"),
            ("7", "ENTERING_FIRM"),
            ("14", "GIVEUP_CLEARING_FIRM"),
            ("17", "CONTRA_FIRM"),
            ("83", "CLEARING_ACCOUNT"),
        ),
        _f(802, "NoPartySubIDs", "NUMINGROUP"),
        _f(523, "PartySubID", "STRING"),
        _f(803, "PartySubIDType", "INT"),
        _f(
            528,
            "OrderCapacity",
            "CHAR",
            ("A", "AGENCY"),
            ("P", "PRINCIPAL"),
            ("R", "RISKLESS_PRINCIPAL"),
        ),
        _f(12, "Commission", "AMT"),
        _f(13, "CommType", "CHAR", ("1", "PER_UNIT"), ("2", "PERCENTAGE"), ("3", "ABSOLUTE")),
        _f(80, "AllocQty", "QTY"),
        _f(150, "ExecType", "CHAR", ("8", "REJECTED")),
        _f(939, "TrdRptStatus", "INT", ("0", "ACCEPTED"), ("1", "REJECTED")),
        _f(751, "TradeReportRejectReason", "INT"),
        _f(797, "CopyMsgIndicator", "BOOLEAN"),
        _f(277, "TradeCondition", "MULTIPLEVALUESTRING"),
        _f(828, "TrdType", "INT"),
        _f(8217, "TrdTypeCategory2", "STRING"),
        _f(852, "PublishTrdIndicator", "BOOLEAN"),
        _f(577, "ClearingInstruction", "INT"),
        _f(527, "SecondaryExecID", "STRING"),
        _f(881, "SecondaryTradeReportRefID", "STRING"),
        # FINRA user-defined fields (TRACE FIX specification v2.1, "Custom values and user
        # defined fields"; facilities.md section 3.3).
        _f(5149, "Memo", "STRING"),
        _f(9854, "OverrideFlag", "BOOLEAN"),
        _f(22002, "TradeModifier2", "CHAR"),
        _f(22003, "TradeModifier3", "CHAR", ("T", "T"), ("U", "U"), ("Z", "Z")),
        _f(22004, "TradeModifier4", "CHAR"),
        _f(22005, "SpecialProcessingFlag", "CHAR", ("N", "NO"), ("Y", "YES"), ("A", "AFFILIATE")),
        _f(22006, "SpecialPriceIndicator", "BOOLEAN"),
        _f(22009, "PreparationTime", "UTCTIMEONLY"),
        _f(22011, "ControlDate", "LOCALMKTDATE"),
        _f(22012, "OrigControlDate", "LOCALMKTDATE"),
        _f(22013, "LockedInIndicator", "BOOLEAN"),
        _f(22016, "TradingMarketIndicator", "STRING", ("P1", "P1"), ("S1", "S1")),
        _f(22022, "ServiceBureauPrepTime", "UTCTIMEONLY"),
        _f(22034, "NoRemunerationIndicator", "CHAR", ("N", "NO")),
        _f(22036, "ATSExecutionMPID", "STRING"),
    )
}


def _field_def(definition: FieldType) -> FieldDef:
    return FieldDef(definition.number, definition.name, definition.type, definition.values)


def _session_catalogue() -> dict[int, FieldDef]:
    """Every session-layer tag of either version, with its FIX 4.4 type where it has one."""
    found: dict[int, FieldDef] = {}
    for begin_string in (FIX42, FIX44):
        for number, definition in builtin(begin_string).fields.items():
            found[number] = _field_def(definition)
    return found


_SESSION_CATALOGUE = _session_catalogue()
if _SESSION_CATALOGUE.keys() & APP_FIELDS.keys():  # pragma: no cover - a programming error
    raise RuntimeError(
        f"tags {sorted(_SESSION_CATALOGUE.keys() & APP_FIELDS.keys())} are defined both by the "
        "session layer (simulator.fix.dictionary) and in APP_FIELDS; define them once"
    )

#: Every tag any dialect or the session layer uses: the session layer's fields (from
#: :func:`simulator.fix.dictionary.builtin`) and :data:`APP_FIELDS`.
FIELDS: Mapping[int, FieldDef] = {**_SESSION_CATALOGUE, **APP_FIELDS}

#: FIX 4.2 predates some type names (QuickFIX ``FIX42.xml`` calls counts and sequence numbers
#: INT); applied to the application fields only, the session layer carries its own FIX 4.2 types.
_FIX42_TYPES = {"SEQNUM": "INT", "NUMINGROUP": "INT"}


def _items(members: Iterable[Member]) -> tuple[Item, ...]:
    """Session-layer members as layout items (a NumInGroup member becomes a :class:`Group`)."""
    return tuple(
        Field(m.tag, m.required)
        if m.group is None
        else Group(m.tag, _items(m.group.members), m.required)
        for m in members
    )


@dataclass(frozen=True, slots=True)
class SessionLayer:
    """The session layer of one FIX version as the dictionaries render it, taken from
    :func:`simulator.fix.dictionary.builtin`: header, trailer, session-level messages (with
    whether QuickFIX files them as ``admin``) and the fields with that version's types."""

    begin_string: str
    header: tuple[Item, ...]
    trailer: tuple[Item, ...]
    messages: tuple[tuple[Layout, bool], ...]
    fields: Mapping[int, FieldDef]


def session_layer(begin_string: str) -> SessionLayer:
    """The session layer of ``begin_string`` (FIX.4.2 or FIX.4.4) for rendering."""
    dictionary: DataDictionary = builtin(begin_string)

    def layout(spec: MessageSpec) -> tuple[Layout, bool]:
        return Layout(spec.msg_type, spec.name, _items(spec.members)), spec.admin

    return SessionLayer(
        begin_string,
        _items(dictionary.header.members),
        _items(dictionary.trailer.members),
        tuple(layout(spec) for spec in dictionary.messages.values()),
        {number: _field_def(f) for number, f in dictionary.fields.items()},
    )


@dataclass(frozen=True, slots=True)
class DictionarySpec:
    """What one dialect's dictionary contains beyond the standard session layer."""

    name: str
    begin_string: str
    app_layouts: tuple[Layout, ...]
    values: Mapping[int, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    description: str = ""

    @property
    def path(self) -> Path:
        return DICTIONARY_DIR / f"{self.name}.xml"


def _version(begin_string: str) -> tuple[str, str]:
    if not begin_string.startswith("FIX.") or "." not in begin_string[4:]:
        raise ValueError(f"unsupported BeginString {begin_string!r}")
    major, minor = begin_string[4:].split(".", 1)
    return major, minor


def _components(items: Iterable[Item], found: dict[str, Component]) -> None:
    for item in items:
        if isinstance(item, Component):
            found.setdefault(item.name, item)
            _components(item.items, found)
        elif isinstance(item, Group):
            _components(item.items, found)


def _used_tags(items: Iterable[Item], found: set[int]) -> None:
    for item in items:
        if isinstance(item, Field):
            found.add(item.tag)
        elif isinstance(item, Group):
            found.add(item.count_tag)
            _used_tags(item.items, found)
        else:
            _used_tags(item.items, found)


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def _items_xml(parent: ET.Element, items: Iterable[Item]) -> None:
    for item in items:
        if isinstance(item, Field):
            ET.SubElement(parent, "field", name=FIELDS[item.tag].name, required=_yn(item.required))
        elif isinstance(item, Group):
            group = ET.SubElement(
                parent, "group", name=FIELDS[item.count_tag].name, required=_yn(item.required)
            )
            _items_xml(group, item.items)
        else:
            ET.SubElement(parent, "component", name=item.name, required=_yn(item.required))


def _definition(spec: DictionarySpec, session: SessionLayer, number: int) -> FieldDef:
    """The field as ``spec``'s dictionary declares it: the session layer's own definition for a
    session-layer tag, else the application catalogue's (with FIX 4.2 type names, and the
    dialect's values where it restricts them)."""
    definition = session.fields.get(number)
    if definition is not None:
        return definition
    if number in _SESSION_CATALOGUE:
        raise ValueError(
            f"{spec.name}: tag {number} is a session-layer field of another FIX version "
            f"than {spec.begin_string}"
        )
    definition = APP_FIELDS[number]
    type_ = definition.type
    if spec.begin_string == FIX42:
        type_ = _FIX42_TYPES.get(type_, type_)
    values = spec.values.get(number, definition.values)
    return FieldDef(number, definition.name, type_, values)


def render(spec: DictionarySpec) -> str:
    """The QuickFIX XML dictionary of ``spec`` as text (deterministic, for a golden file).

    The header, trailer, session-level messages and the session-layer fields come from
    :func:`session_layer` (the built-in dictionary of the session); a dialect may restrict the
    values of its own fields (``spec.values``) but not of a session-layer field.
    """
    major, minor = _version(spec.begin_string)
    session = session_layer(spec.begin_string)
    overridden = sorted(spec.values.keys() & session.fields.keys())
    if overridden:
        raise ValueError(
            f"{spec.name}: the values of session-layer fields {overridden} are defined by "
            "simulator.fix.dictionary, not by a dialect"
        )
    root = ET.Element("fix", type="FIX", major=major, minor=minor, servicepack="0")
    header = ET.SubElement(root, "header")
    _items_xml(header, session.header)
    messages = ET.SubElement(root, "messages")
    entries = (*session.messages, *((layout, False) for layout in spec.app_layouts))
    for layout, admin in entries:
        message = ET.SubElement(
            messages,
            "message",
            name=layout.name,
            msgtype=layout.msg_type,
            msgcat="admin" if admin else "app",
        )
        _items_xml(message, layout.items)
    trailer = ET.SubElement(root, "trailer")
    _items_xml(trailer, session.trailer)
    components: dict[str, Component] = {}
    for layout, _ in entries:
        _components(layout.items, components)
    comps = ET.SubElement(root, "components")
    for component in components.values():
        element = ET.SubElement(comps, "component", name=component.name)
        _items_xml(element, component.items)
    used: set[int] = set()
    _used_tags(session.header, used)
    _used_tags(session.trailer, used)
    for layout, _ in entries:
        _used_tags(layout.items, used)
    fields = ET.SubElement(root, "fields")
    for number in sorted(used):
        definition = _definition(spec, session, number)
        element = ET.SubElement(
            fields, "field", number=str(number), name=definition.name, type=definition.type
        )
        for enum, description in definition.values:
            ET.SubElement(element, "value", enum=enum, description=description)
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    comment = f"<!-- {spec.description} -->\n" if spec.description else ""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + comment + body + "\n"


def write(spec: DictionarySpec) -> Path:
    """Render ``spec`` to its file under :data:`DICTIONARY_DIR` and return the path."""
    spec.path.parent.mkdir(parents=True, exist_ok=True)
    spec.path.write_text(render(spec), encoding="utf-8")
    return spec.path


# ---------------------------------------------------------------------------------------------
# Loading and checking, the way QuickFIX's DataDictionary validates a received message.


@dataclass
class _Node:
    """A message, component or group definition: its direct items in order."""

    items: list[tuple[str, str, bool]]  # (kind, name, required); kind is field/group/component
    groups: dict[str, _Node] = field(default_factory=dict)


@dataclass
class LoadedDictionary:
    """A dictionary read back from XML: what QuickFIX would build from the file."""

    begin_string: str
    fields_by_name: dict[str, tuple[int, str, frozenset[str]]]
    fields_by_number: dict[int, str]
    header: _Node
    trailer: _Node
    messages: dict[str, _Node]
    message_names: dict[str, str]
    components: dict[str, _Node]

    def tags_of(self, node: _Node) -> dict[int, tuple[str, str, bool]]:
        """Direct tags of ``node`` with components inlined: tag -> (kind, name, required)."""
        found: dict[int, tuple[str, str, bool]] = {}
        for kind, name, required in node.items:
            if kind == "component":
                found.update(self.tags_of(self.components[name]))
            else:
                found[self.fields_by_name[name][0]] = (kind, name, required)
        return found

    def group_node(self, node: _Node, name: str) -> _Node:
        if name in node.groups:
            return node.groups[name]
        for kind, component, _ in node.items:
            if kind == "component":
                found = self._find_group(self.components[component], name)
                if found is not None:
                    return found
        raise KeyError(name)

    def _find_group(self, node: _Node, name: str) -> _Node | None:
        if name in node.groups:
            return node.groups[name]
        for kind, component, _ in node.items:
            if kind == "component":
                found = self._find_group(self.components[component], name)
                if found is not None:
                    return found
        return None


class DictionaryError(ValueError):
    """The XML is not a dictionary QuickFIX would load (undefined field, missing part...)."""


def _node(element: ET.Element) -> _Node:
    node = _Node(items=[])
    for child in element:
        name = child.get("name")
        required = child.get("required")
        if name is None or required not in ("Y", "N"):
            raise DictionaryError(f"<{child.tag}> needs name and required='Y'|'N'")
        node.items.append((child.tag, name, required == "Y"))
        if child.tag == "group":
            node.groups[name] = _node(child)
    return node


def load(source: str | Path) -> LoadedDictionary:
    """Parse a dictionary and check what QuickFIX checks when it loads one.

    Every field named in the header, trailer, messages, components and groups must be defined
    in ``<fields>`` with a number and a type; every component used must be defined; every
    message needs a name and a msgtype; a group's name must be a field too.
    """
    text = Path(source).read_text(encoding="utf-8") if isinstance(source, Path) else source
    root = ET.fromstring(text)
    if root.tag != "fix":
        raise DictionaryError("the root element must be <fix>")
    begin = f"{root.get('type', 'FIX')}.{root.get('major')}.{root.get('minor')}"
    parts = {part: root.find(part) for part in ("header", "trailer", "messages", "fields")}
    for part, element in parts.items():
        if element is None:
            raise DictionaryError(f"<{part}> is missing")
    fields_by_name: dict[str, tuple[int, str, frozenset[str]]] = {}
    fields_by_number: dict[int, str] = {}
    for element in parts["fields"] or ():
        number, name, type_ = element.get("number"), element.get("name"), element.get("type")
        if number is None or name is None or type_ is None or not number.isdigit():
            raise DictionaryError(f"field {name!r} needs number, name and type")
        if name in fields_by_name or int(number) in fields_by_number:
            raise DictionaryError(f"field {name} ({number}) is defined twice")
        values = frozenset(v.get("enum", "") for v in element.findall("value"))
        fields_by_name[name] = (int(number), type_, values)
        fields_by_number[int(number)] = name
    components_element = root.find("components")
    components = {
        c.get("name", ""): _node(c)
        for c in (components_element if components_element is not None else ())
    }
    messages: dict[str, _Node] = {}
    names: dict[str, str] = {}
    for element in parts["messages"] or ():
        msgtype, name = element.get("msgtype"), element.get("name")
        if not msgtype or not name or element.get("msgcat") not in ("admin", "app"):
            raise DictionaryError("a <message> needs name, msgtype and msgcat")
        messages[msgtype] = _node(element)
        names[msgtype] = name
    loaded = LoadedDictionary(
        begin,
        fields_by_name,
        fields_by_number,
        _node(parts["header"]),  # type: ignore[arg-type]
        _node(parts["trailer"]),  # type: ignore[arg-type]
        messages,
        names,
        components,
    )
    for where, node in [
        ("header", loaded.header),
        ("trailer", loaded.trailer),
        *((f"message {t}", n) for t, n in messages.items()),
        *((f"component {c}", n) for c, n in components.items()),
    ]:
        _check_node(loaded, node, where)
    for required in ("BeginString", "BodyLength", "MsgType", "CheckSum"):
        if required not in fields_by_name:
            raise DictionaryError(f"field {required} is not defined")
    return loaded


def _check_node(loaded: LoadedDictionary, node: _Node, where: str) -> None:
    for kind, name, _ in node.items:
        if kind == "component":
            if name not in loaded.components:
                raise DictionaryError(f"{where}: component {name} is not defined")
        elif name not in loaded.fields_by_name:
            raise DictionaryError(f"{where}: field {name} is not defined in <fields>")
        if kind == "group":
            _check_node(loaded, node.groups[name], f"{where}/{name}")


def _value_ok(type_: str, value: str) -> bool:
    if value == "":
        return False
    try:
        if type_ in ("INT", "SEQNUM", "LENGTH", "NUMINGROUP"):
            int(value)
        elif type_ in ("PRICE", "QTY", "AMT", "FLOAT", "PRICEOFFSET", "PERCENTAGE"):
            float(value)
        elif type_ == "CHAR":
            return len(value) == 1
        elif type_ == "BOOLEAN":
            return value in ("Y", "N")
        elif type_ == "UTCTIMESTAMP":
            parse_fix_timestamp(value)
        elif type_ in ("LOCALMKTDATE", "UTCDATEONLY", "UTCDATE"):
            parse_fix_date(value)
        elif type_ == "UTCTIMEONLY":
            parse_fix_timestamp("19700101-" + value)
    except (ValueError, TimestampError):
        return False
    return True


def valid_value(tag: int, value: str | None) -> bool:
    """True when ``value`` is well formed for ``tag``'s type and declared values (the
    catalogue's), so echoing it back cannot make a firm's validating engine reject us."""
    definition = FIELDS.get(tag)
    if definition is None or value is None or not _value_ok(definition.type, value):
        return False
    if not definition.values:
        return True
    allowed = {enum for enum, _ in definition.values}
    parts = value.split(" ") if definition.type == "MULTIPLEVALUESTRING" else [value]
    return all(part in allowed for part in parts)


def check(dictionary: LoadedDictionary, message: FixMessage) -> list[str]:
    """Problems QuickFIX would report validating ``message`` (body only, or full message).

    Header and trailer tags are accepted anywhere a session layer may have put them; the body
    is walked against the message definition: undefined tags, tags not defined for the message
    type, repeated tags, group count mismatches and member order, missing required fields,
    values of the wrong type or outside the declared enumeration.
    """
    problems: list[str] = []
    msg_type = message.msg_type
    if msg_type is None or msg_type not in dictionary.messages:
        return [f"MsgType {msg_type!r} is not defined"]
    header_tags = dictionary.tags_of(dictionary.header)
    trailer_tags = dictionary.tags_of(dictionary.trailer)
    body = [(t, v) for t, v in message.fields if t not in header_tags and t not in trailer_tags]
    for tag, value in message.fields:
        if tag in header_tags or tag in trailer_tags:
            problems.extend(_check_value(dictionary, tag, value))
    node = dictionary.messages[msg_type]
    position = _check_level(dictionary, node, body, 0, problems, msg_type)
    for tag, _ in body[position:]:
        if tag not in dictionary.fields_by_number:
            problems.append(f"tag {tag} is not defined in the dictionary")
        else:
            problems.append(f"tag {tag} is not defined for message {msg_type} here")
    return problems


def _check_value(dictionary: LoadedDictionary, tag: int, value: str) -> list[str]:
    name = dictionary.fields_by_number.get(tag)
    if name is None:
        return [f"tag {tag} is not defined in the dictionary"]
    _, type_, values = dictionary.fields_by_name[name]
    if not _value_ok(type_, value):
        return [f"{name}({tag})={value!r} is not a valid {type_}"]
    if values:
        parts = value.split(" ") if type_ == "MULTIPLEVALUESTRING" else [value]
        if any(part not in values for part in parts):
            return [f"{name}({tag})={value!r} is not one of {sorted(values)}"]
    return []


def _check_level(
    dictionary: LoadedDictionary,
    node: _Node,
    fields: list[tuple[int, str]],
    position: int,
    problems: list[str],
    where: str,
    stop_at_delimiter: int | None = None,
) -> int:
    allowed = dictionary.tags_of(node)
    seen: set[int] = set()
    while position < len(fields):
        tag, value = fields[position]
        if tag == stop_at_delimiter and seen:
            break
        if tag not in allowed:
            break
        if tag in seen:
            problems.append(f"{where}: tag {tag} appears more than once")
        seen.add(tag)
        problems.extend(_check_value(dictionary, tag, value))
        kind, name, _ = allowed[tag]
        position += 1
        if kind == "group":
            group = dictionary.group_node(node, name)
            count = int(value) if value.isdigit() else -1
            delimiter = dictionary.fields_by_name[group.items[0][1]][0]
            entries = 0
            while position < len(fields) and fields[position][0] == delimiter:
                entries += 1
                position = _check_level(
                    dictionary, group, fields, position, problems, f"{where}/{name}", delimiter
                )
            if entries != count:
                problems.append(f"{where}: {name}={value} but {entries} entries follow")
    for tag, (_, name, required) in allowed.items():
        if required and tag not in seen:
            problems.append(f"{where}: required {name}({tag}) is missing")
    return position
