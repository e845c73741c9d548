"""FixMessage <-> bytes: the standard header and trailer, and field splitting of framed bytes.

Encoding puts BeginString (8), BodyLength (9) and MsgType (35) first and CheckSum (10) last, as
FIX 4.2/4.4 Vol. 1 "Message format" requires, then the rest of the standard header before the body
(test case 14g: header fields after body fields are "out of required order"). BodyLength and
CheckSum are computed here; simplefix is not used on this path because it can write only 0, 3 or 6
fractional digits (tooling-notes section 3) and the facilities send nanoseconds.

Decoding takes bytes the :mod:`~simulator.fix.framing` layer has already framed and checksummed,
splits them on SOH and returns a :class:`~simulator.fix.message.FixMessage` that starts with
``(8, BeginString)`` and ``(35, MsgType)`` and keeps every other field in received order; 9 and 10
are dropped (they were verified by the framer). Structural problems -- MsgType not the third field
(test case 2t), a field without ``=``, a tag that is not a number (3c) -- raise
:class:`~simulator.fix.errors.GarbledMessageError` and the message is ignored. Everything finer
(unknown tags, empty values, order, groups) is the data dictionary's job, which answers with a
Reject the firm can read.

Values are decoded as latin-1 so no byte is ever lost; the facilities use 7-bit ASCII (TRACE
specification section 3.1 "Encoding").
"""

from __future__ import annotations

from collections.abc import Iterable

from simulator.fix.errors import GarbledMessageError
from simulator.fix.message import FixMessage

SOH = "\x01"

#: Standard header tags of FIX 4.2 and 4.4 (QuickFIX FIX42.xml/FIX44.xml ``<header>``), in the
#: order the encoder writes them after 8, 9 and 35. 627-630 are the FIX 4.4 NoHops group.
HEADER_ORDER: tuple[int, ...] = (
    49, 56, 115, 128, 90, 91, 34, 50, 142, 57, 143, 116, 144, 129, 145,
    43, 97, 52, 122, 212, 213, 347, 369, 370, 627, 628, 629, 630,
)  # fmt: skip
HEADER_TAGS: frozenset[int] = frozenset((8, 9, 35, *HEADER_ORDER))
TRAILER_TAGS: frozenset[int] = frozenset((93, 89, 10))
_HEADER_RANK = {tag: rank for rank, tag in enumerate(HEADER_ORDER)}


def encode(begin_string: str, fields: Iterable[tuple[int, str]]) -> bytes:
    """Wire bytes for ``fields`` (MsgType first, no 8/9/10), computing BodyLength and CheckSum.

    The caller orders the fields; :func:`build` does it for messages assembled from parts.
    """
    body = "".join([f"{tag}={value}{SOH}" for tag, value in fields]).encode("latin-1")
    head = f"8={begin_string}{SOH}9={len(body)}{SOH}".encode("latin-1")
    total = (sum(head) + sum(body)) % 256
    return b"".join((head, body, b"10=%03d\x01" % total))


def build(begin_string: str, header: Iterable[tuple[int, str]], message: FixMessage) -> bytes:
    """Encode an application or admin ``message`` under the session's ``header`` fields.

    ``message`` carries MsgType (35) and its body, as dialects build them; any header tags it
    also carries (e.g. DeliverToCompID 128 for a TRACE service bureau, TargetSubID 57) are moved
    into the header, where a value the message sets wins over the session's. 8, 9 and 10 in
    ``message`` are ignored.
    """
    msg_type = message.msg_type
    if msg_type is None:
        raise ValueError("a message to send needs a MsgType (35)")
    head: dict[int, str] = dict(header)
    body: list[tuple[int, str]] = []
    for tag, value in message.fields:
        if tag in HEADER_TAGS:
            if tag not in (8, 9, 35):
                head[tag] = value
        elif tag not in TRAILER_TAGS:
            body.append((tag, value))
    ordered = sorted(head.items(), key=lambda item: _HEADER_RANK.get(item[0], len(_HEADER_RANK)))
    return encode(begin_string, [(35, msg_type), *ordered, *body])


def decode(raw: bytes) -> FixMessage:
    """Fields of one framed message; 8 first, then 35, then the rest in order (no 9, no 10)."""
    text = raw.decode("latin-1")
    if not text.endswith(SOH):
        raise GarbledMessageError("message does not end with SOH")
    parts = text[:-1].split(SOH)
    if len(parts) < 4:
        raise GarbledMessageError("message has fewer than four fields")
    fields: list[tuple[int, str]] = []
    append = fields.append
    for index, part in enumerate(parts):
        tag_text, sep, value = part.partition("=")
        if sep and tag_text.isdecimal():  # not isdigit(): latin-1 "²" is a digit, not decimal
            append((int(tag_text), value))
            continue
        if not sep:
            raise GarbledMessageError(f"field {index + 1} {part[:20]!r} has no '='")
        if tag_text.startswith("-") and tag_text[1:].isdecimal():
            append((int(tag_text), value))  # a negative tag: 373=0 from the dictionary
            continue
        raise GarbledMessageError(f"field {index + 1} tag {tag_text[:20]!r} is not a number")
    if fields[0][0] != 8 or fields[1][0] != 9:
        raise GarbledMessageError("BeginString (8) and BodyLength (9) must be the first fields")
    if fields[2][0] != 35:
        raise GarbledMessageError("MsgType (35) must be the third field")
    if fields[-1][0] != 10:
        raise GarbledMessageError("CheckSum (10) must be the last field")
    del fields[-1]
    del fields[1]
    return FixMessage(fields)


def with_soh_as_pipe(raw: bytes | bytearray) -> str:
    """A message as people read it in logs and test failures: SOH shown as ``|``."""
    return bytes(raw).decode("latin-1").replace(SOH, "|")


def from_pipes(text: str) -> bytes:
    """Wire bytes from a ``|``-separated message whose 9 and 10 are recomputed (for tests/docs).

    ``8=FIX.4.4|35=0|34=2|...`` (with or without 9=/10=) becomes a correctly framed message.
    """
    parts = [p for p in text.strip().strip("|").split("|") if p]
    fields: list[tuple[int, str]] = []
    begin_string = None
    for part in parts:
        tag_text, _, value = part.partition("=")
        tag = int(tag_text)
        if tag == 8:
            begin_string = value
        elif tag not in (9, 10):
            fields.append((tag, value))
    if begin_string is None:
        raise ValueError("the message needs 8=BeginString")
    return encode(begin_string, fields)
