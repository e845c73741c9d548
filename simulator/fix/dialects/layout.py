"""Message layouts as data: the one description each dialect parses, writes and publishes.

A dialect's TradeCaptureReport (35=AE) and TradeCaptureReportAck (35=AR) are declared once, as a
tree of :class:`Field`, :class:`Group` and :class:`Component` items in wire order. The same tree

* parses inbound messages into a :class:`Record` (repeating groups resolved by their count tag and
  first "delimiter" field, as FIX 4.4 Vol. 1 "Repeating Groups" prescribes),
* encodes outbound records in exactly the declared order (so a validating engine never sees a
  group member out of order), and
* renders the QuickFIX data dictionary (:mod:`simulator.fix.dialects.dictionary`) and the field
  tables of ``docs/dialects/``.

Field names and types follow the FIX 4.4 repository (QuickFIX ``FIX44.xml`` naming); the FINRA
user-defined tags (5149, 9854, 22002-22036) are named as in FINRA's TRACE FIX specifications v2.1
(facilities.md section 3.3).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Union

from simulator.fix.message import FixMessage


@dataclass(frozen=True, slots=True)
class FieldDef:
    """A tag's name, QuickFIX type and (when the dictionary should enforce them) its values."""

    number: int
    name: str
    type: str
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Field:
    tag: int
    required: bool = False


@dataclass(frozen=True, slots=True)
class Group:
    """A repeating group: ``count_tag`` (NoXxx) then entries that start with ``items[0]``."""

    count_tag: int
    items: tuple[Item, ...]
    required: bool = False

    @property
    def delimiter(self) -> int:
        first = self.items[0]
        if isinstance(first, Field):
            return first.tag
        return first_tag(first.items)


@dataclass(frozen=True, slots=True)
class Component:
    """A named block of items (Instrument, Parties), inlined on the wire."""

    name: str
    items: tuple[Item, ...]
    required: bool = False


Item = Union[Field, Group, Component]  # noqa: UP007 - a runtime alias, used in isinstance-free code


def first_tag(items: tuple[Item, ...]) -> int:
    first = items[0]
    if isinstance(first, Field):
        return first.tag
    if isinstance(first, Group):
        return first.count_tag
    return first_tag(first.items)


@dataclass
class Record:
    """Parsed or to-be-written fields of one message (or one group entry).

    ``fields`` maps tag to value (a count tag maps to its count); ``groups`` maps a count tag to
    its entries, each a :class:`Record` of its own.
    """

    fields: dict[int, str] = field(default_factory=dict)
    groups: dict[int, list[Record]] = field(default_factory=dict)

    def get(self, tag: int, default: str | None = None) -> str | None:
        return self.fields.get(tag, default)

    def has(self, tag: int) -> bool:
        return tag in self.fields

    def entries(self, count_tag: int) -> list[Record]:
        return self.groups.get(count_tag, [])

    def set(self, tag: int, value: object | None) -> Record:
        """Set ``tag`` (``None`` removes it), returning self for chaining."""
        if value is None:
            self.fields.pop(tag, None)
        else:
            self.fields[tag] = value if isinstance(value, str) else str(value)
        return self

    def set_group(self, count_tag: int, entries: list[Record]) -> Record:
        if entries:
            self.groups[count_tag] = entries
            self.fields[count_tag] = str(len(entries))
        else:
            self.groups.pop(count_tag, None)
            self.fields.pop(count_tag, None)
        return self


@dataclass(frozen=True, slots=True)
class Layout:
    """The body of one message type of one dialect."""

    msg_type: str
    name: str
    items: tuple[Item, ...]

    def tags(self) -> frozenset[int]:
        """Every tag that may appear in the body, at any depth."""
        return frozenset(_walk_tags(self.items))


def _walk_tags(items: Iterable[Item]) -> Iterator[int]:
    for item in items:
        if isinstance(item, Field):
            yield item.tag
        elif isinstance(item, Group):
            yield item.count_tag
            yield from _walk_tags(item.items)
        else:
            yield from _walk_tags(item.items)


def direct_tags(items: Iterable[Item]) -> dict[int, Item]:
    """The tags at this level (components inlined), each mapped to its item."""
    found: dict[int, Item] = {}
    for item in items:
        if isinstance(item, Field):
            found[item.tag] = item
        elif isinstance(item, Group):
            found[item.count_tag] = item
        else:
            found.update(direct_tags(item.items))
    return found


@dataclass(frozen=True, slots=True)
class _Plan:
    """One level of a layout compiled for the hot path: its tags and the write order."""

    items: tuple[Item, ...]  # kept so the id() key below stays valid
    members: dict[int, Item]
    declared: frozenset[int]
    order: tuple[tuple[int, Group | None], ...]  # (tag, group or None) in wire order
    groups: dict[int, Group]  # count tag -> its group
    delimiter: int  # the tag that starts an entry, when these items are a group's


_PLANS: dict[int, _Plan] = {}


def _plan(items: tuple[Item, ...]) -> _Plan:
    """The compiled form of ``items`` (layouts are module constants, compiled once)."""
    plan = _PLANS.get(id(items))
    if plan is None or plan.items is not items:
        members = direct_tags(items)
        order: list[tuple[int, Group | None]] = []

        def flatten(level: tuple[Item, ...]) -> None:
            for item in level:
                if isinstance(item, Field):
                    order.append((item.tag, None))
                elif isinstance(item, Group):
                    order.append((item.count_tag, item))
                else:
                    flatten(item.items)

        flatten(items)
        groups = {tag: group for tag, group in order if group is not None}
        first = items[0]
        delimiter = first.tag if isinstance(first, Field) else first_tag(first.items)
        plan = _Plan(items, members, frozenset(members), tuple(order), groups, delimiter)
        _PLANS[id(items)] = plan
    return plan


class LayoutError(ValueError):
    """An inbound message does not fit the layout; ``tag`` is the offending field."""

    def __init__(self, message: str, tag: int | None = None) -> None:
        super().__init__(message)
        self.tag = tag


def parse(message: FixMessage, layout: Layout, *, ignore: Iterable[int] = ()) -> Record:
    """Read ``message`` into a :class:`Record` following ``layout``'s groups.

    Top-level tags that the layout does not declare are kept in the record (a dialect decides
    whether they matter); MsgType (35) and the tags in ``ignore`` (the header) are skipped.
    A group whose count disagrees with its entries, an entry that does not start with the
    group's first field, or a tag repeated outside a group raises :class:`LayoutError`.
    """
    skip = ignore if isinstance(ignore, frozenset) and 35 in ignore else frozenset({35, *ignore})
    fields = [(tag, value) for tag, value in message.fields if tag not in skip]
    groups = _plan(layout.items).groups
    record = Record()
    values = record.fields
    pos = 0
    end = len(fields)
    while pos < end:
        tag, value = fields[pos]
        group = groups.get(tag)
        if group is not None:
            values[tag] = value
            record.groups[tag], pos = _parse_group(fields, pos, group)
            continue
        if tag in values:
            raise LayoutError(f"tag {tag} appears more than once", tag)
        values[tag] = value
        pos += 1
    return record


def _parse_count(tag: int, value: str) -> int:
    if not value.isdigit():
        raise LayoutError(f"group count {tag}={value!r} is not a number", tag)
    return int(value)


def _parse_group(fields: list[tuple[int, str]], pos: int, group: Group) -> tuple[list[Record], int]:
    count_tag, count_text = fields[pos]
    count = _parse_count(count_tag, count_text)
    plan = _plan(group.items)
    members = plan.declared
    groups = plan.groups
    delimiter = plan.delimiter
    entries: list[Record] = []
    entry: Record | None = None
    pos += 1
    end = len(fields)
    while pos < end:
        tag, value = fields[pos]
        if tag not in members:
            break
        if tag == delimiter:
            entry = Record()
            entries.append(entry)
        elif entry is None:
            raise LayoutError(
                f"group {count_tag} must start each entry with tag {delimiter}, found {tag}", tag
            )
        nested = groups.get(tag)
        if nested is not None:
            entry.fields[tag] = value
            entry.groups[tag], pos = _parse_group(fields, pos, nested)
            continue
        if tag in entry.fields:
            raise LayoutError(f"tag {tag} repeated in one entry of group {count_tag}", tag)
        entry.fields[tag] = value
        pos += 1
    if len(entries) != count:
        raise LayoutError(
            f"group {count_tag} announces {count} entries but {len(entries)} follow", count_tag
        )
    return entries, pos


def encode(layout: Layout, record: Record) -> FixMessage:
    """Write ``record`` as a message body in layout order (35 first, no header or trailer).

    A tag the layout does not declare is a programming error, not a firm's: it raises
    ``ValueError`` so a test catches it before a firm's validating engine would.
    """
    message = FixMessage([(35, layout.msg_type)])
    try:
        _encode_items(layout.items, record, message)
    except _UnknownTags as exc:
        place = "/".join([layout.name, *(str(tag) for tag in reversed(exc.path))])
        raise ValueError(f"{place}: tags {exc.unknown} are not in the layout") from None
    return message


class _UnknownTags(ValueError):
    """Tags a record holds that its layout does not declare; ``path`` is the count tags of the
    groups it was found in, innermost first (built only on this error path)."""

    def __init__(self, unknown: list[int]) -> None:
        super().__init__(f"tags {unknown} are not in the layout")
        self.unknown = unknown
        self.path: list[int] = []


def _encode_items(items: tuple[Item, ...], record: Record, out: FixMessage) -> None:
    plan = _plan(items)
    fields = record.fields
    if not plan.declared.issuperset(fields):
        raise _UnknownTags([tag for tag in fields if tag not in plan.declared])
    append = out.fields.append
    get = fields.get
    for tag, group in plan.order:
        if group is None:
            value = get(tag)
            if value is not None:
                append((tag, value))
            continue
        entries = record.groups.get(tag)
        if entries:
            append((tag, str(len(entries))))
            for entry in entries:
                try:
                    _encode_items(group.items, entry, out)
                except _UnknownTags as exc:
                    exc.path.append(tag)
                    raise


def required_missing(items: tuple[Item, ...], record: Record) -> list[int]:
    """Required tags of ``items`` absent from ``record`` (groups checked entry by entry)."""
    missing: list[int] = []
    for item in items:
        if isinstance(item, Field):
            if item.required and item.tag not in record.fields:
                missing.append(item.tag)
        elif isinstance(item, Group):
            entries = record.groups.get(item.count_tag, [])
            if item.required and not entries:
                missing.append(item.count_tag)
            for entry in entries:
                missing.extend(required_missing(item.items, entry))
        elif item.required or any(tag in record.fields for tag in _walk_tags(item.items)):
            missing.extend(required_missing(item.items, record))
    return missing
