"""Cut a TCP byte stream into FIX messages by BeginString, BodyLength and CheckSum.

Nothing parses a message before it is framed and its CheckSum verified here. simplefix validates
nothing and re-slices its whole buffer for every field (tooling-notes section 3), so a client that
writes 10,000 messages in one burst would be served in quadratic time; this framer keeps one
``bytearray`` and an offset, scans forward only, and compacts the consumed prefix once per
``feed`` call, so the cost is linear in the bytes received however they are chunked.

What it does with bad input (FIX Session Layer Test Cases, FIX 4.2/4.4 Vol. 2):

* bytes before ``8=FIX`` (garbage between messages) are discarded up to the next ``8=FIX``
  and reported as :attr:`FrameProblem.GARBAGE`;
* a BodyLength that does not land on a ``10=nnn<SOH>`` trailer (test case 2m) is reported as
  :attr:`FrameProblem.BODY_LENGTH`; scanning resumes just after that ``8=FIX``, so the next
  good message is found even if it was swallowed by a too-long BodyLength;
* a wrong CheckSum (test case 3b) is reported as :attr:`FrameProblem.CHECKSUM` and the message
  is skipped;
* a BodyLength above ``max_message_size`` is :attr:`FrameProblem.OVERSIZE`, which is fatal: the
  framer stops and the connection must be closed (a 10 MB message never gets buffered).

Ignored messages are not counted: the session never sees them, so MsgSeqNum is not incremented.
The buffer holds at most one incomplete message (bounded by ``max_message_size``) plus one read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

SOH = 0x01
BEGIN = b"8=FIX"
#: ``8=FIXT.1.1`` is the longest BeginString; anything without an SOH by then is garbage.
MAX_BEGIN_STRING_FIELD = 16
#: Up to 9 BodyLength digits, plus ``9=`` and the SOH.
MAX_BODY_LENGTH_FIELD = 12
TRAILER_LENGTH = 7  # "10=nnn\x01"
DEFAULT_MAX_MESSAGE_SIZE = 1 << 20  # 1 MiB: far above any trade report, far below a flood


class FrameProblem(StrEnum):
    GARBAGE = "garbage"
    BODY_LENGTH = "body-length"
    CHECKSUM = "checksum"
    OVERSIZE = "oversize"


@dataclass(frozen=True, slots=True)
class Frame:
    """One complete message whose BodyLength and CheckSum are right."""

    raw: bytes


@dataclass(frozen=True, slots=True)
class FramingError:
    """Bytes the framer threw away, and why. ``fatal`` means: close the connection."""

    problem: FrameProblem
    detail: str
    discarded: int = 0

    @property
    def fatal(self) -> bool:
        return self.problem is FrameProblem.OVERSIZE


FrameEvent = Frame | FramingError


def checksum(data: bytes | bytearray | memoryview) -> int:
    """FIX CheckSum (10): sum of every byte up to and including the SOH before ``10=``, mod 256."""
    return sum(data) % 256


class Framer:
    """Incremental framer: ``feed(chunk)`` returns the frames and problems it completed."""

    __slots__ = ("_buf", "_closed", "_pos", "_scan_from", "bytes", "max_message_size", "messages")

    def __init__(self, max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE) -> None:
        if max_message_size < 32:
            raise ValueError("max_message_size must allow at least a minimal message")
        self.max_message_size = max_message_size
        self._buf = bytearray()
        self._pos = 0
        self._scan_from = 0
        self._closed = False
        self.messages = 0
        self.bytes = 0

    @property
    def buffered(self) -> int:
        """Bytes held for an incomplete message (what the memory cap bounds)."""
        return len(self._buf) - self._pos

    @property
    def closed(self) -> bool:
        return self._closed

    def feed(self, data: bytes | bytearray | memoryview) -> list[FrameEvent]:
        if self._closed:
            return []
        self.bytes += len(data)
        buf = self._buf
        if self._pos:
            # Drop what earlier calls consumed: one memmove per feed, not per message.
            del buf[: self._pos]
            self._scan_from = max(0, self._scan_from - self._pos)
            self._pos = 0
        buf += data
        events: list[FrameEvent] = []
        while not self._closed:
            event = self._next()
            if event is None:
                break
            events.append(event)
        return events

    def _garbage(self, upto: int, why: str) -> FramingError:
        discarded = upto - self._pos
        self._pos = upto
        self._scan_from = upto
        return FramingError(FrameProblem.GARBAGE, why, discarded)

    def _next(self) -> FrameEvent | None:
        buf = self._buf
        pos = self._pos
        end_of_data = len(buf)
        if pos >= end_of_data:
            return None
        start = buf.find(BEGIN, pos)
        if start < 0:
            # Keep a tail that could be the start of "8=FIX"; everything before it is garbage.
            keep_from = max(pos, end_of_data - (len(BEGIN) - 1))
            if keep_from > pos:
                return self._garbage(keep_from, "bytes before BeginString (8=FIX)")
            return None
        if start > pos:
            return self._garbage(start, "bytes before BeginString (8=FIX)")
        # 8=FIX.x.y<SOH>
        soh1 = buf.find(b"\x01", start, start + MAX_BEGIN_STRING_FIELD)
        if soh1 < 0:
            if end_of_data - start >= MAX_BEGIN_STRING_FIELD:
                return self._garbage(start + 1, "BeginString is not followed by SOH")
            return None
        # 9=nnn<SOH>
        if end_of_data - soh1 < 3:
            return None
        if buf[soh1 + 1 : soh1 + 3] != b"9=":
            return self._garbage(start + 1, "BodyLength (9) is not the second field")
        soh2 = buf.find(b"\x01", soh1 + 3, soh1 + 1 + MAX_BODY_LENGTH_FIELD)
        if soh2 < 0:
            if end_of_data - soh1 > MAX_BODY_LENGTH_FIELD:
                return self._garbage(start + 1, "BodyLength (9) is not a number")
            return None
        digits = bytes(buf[soh1 + 3 : soh2])
        if not digits.isdigit():
            return self._garbage(start + 1, f"BodyLength (9) {digits!r} is not a number")
        body_length = int(digits)
        if body_length > self.max_message_size:
            self._closed = True
            return FramingError(
                FrameProblem.OVERSIZE,
                f"BodyLength {body_length} exceeds the {self.max_message_size}-byte limit",
                end_of_data - pos,
            )
        body_start = soh2 + 1
        trailer = body_start + body_length
        end = trailer + TRAILER_LENGTH
        if end > end_of_data:
            # A BodyLength too long swallows what follows; if a complete message already
            # follows this one's real trailer, report the bad length now rather than waiting.
            return self._early_length_check(start, body_start)
        if (
            buf[trailer - 1] != SOH
            or buf[trailer : trailer + 3] != b"10="
            or buf[end - 1] != SOH
            or not bytes(buf[trailer + 3 : end - 1]).isdigit()
        ):
            self._pos = start + 1
            self._scan_from = self._pos
            return FramingError(
                FrameProblem.BODY_LENGTH,
                f"BodyLength {body_length} does not end at a CheckSum (10) field",
                1,
            )
        declared = int(buf[trailer + 3 : end - 1])
        actual = checksum(memoryview(buf)[start:trailer])
        self._pos = end
        self._scan_from = end
        if declared != actual:
            return FramingError(
                FrameProblem.CHECKSUM,
                f"CheckSum {declared:03d} is wrong (computed {actual:03d})",
                end - start,
            )
        self.messages += 1
        return Frame(bytes(buf[start:end]))

    def _early_length_check(self, start: int, body_start: int) -> FrameEvent | None:
        buf = self._buf
        scan = max(body_start, self._scan_from)
        while True:
            hit = buf.find(b"\x0110=", scan)
            if hit < 0 or hit + 1 + TRAILER_LENGTH + len(BEGIN) > len(buf):
                self._scan_from = max(body_start, len(buf) - (TRAILER_LENGTH + len(BEGIN) + 1))
                return None
            after = hit + 1 + TRAILER_LENGTH
            if (
                buf[after - 1] == SOH
                and bytes(buf[hit + 4 : after - 1]).isdigit()
                and buf[after : after + len(BEGIN)] == BEGIN
            ):
                self._pos = start + 1
                self._scan_from = self._pos
                return FramingError(
                    FrameProblem.BODY_LENGTH,
                    "BodyLength runs past the end of the message into the next one",
                    1,
                )
            scan = hit + 1
