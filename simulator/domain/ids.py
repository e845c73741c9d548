"""One seeded generator for every id the simulator makes up, so a scenario replays exactly.

Ids are drawn from named counters ("control/2021-03-20", "trade", "message/ABCD") and each value
is a pure function of the seed, the counter's name and its position: the same seed and the same
sequence of calls give the same ids, and a call in one namespace never shifts another's ids.

Formats:

* **Control numbers** follow TRACE's ``1003`` TradeID: ten digits starting with ``2``, unique per
  control date (FINRA TRACE CA FIX spec v2.1; facilities.md sections 3.2 and 3.4, field limit
  "1003 <= 10 digits"). The nine digits after the ``2`` are an affine permutation of the counter
  (``(a*n + b) mod 10**9`` with ``a`` coprime to 10), so numbers look scattered as the facility's
  do but never repeat within a date for the first 10**9 reports. The scattering is INFERENCE:
  FINRA does not publish how it assigns control numbers. Equity facilities get numbers of the same
  shape; their dialects render them as their own trade identifiers.
* **Control dates** are the America/New_York date of acceptance (TRACE 22011 ControlDate).
* **Trade ids** and **message ids** are fixed-width digit strings for other generated ids
  (execution ids, web confirmations), drawn the same way.

Restart safety: the counters are the whole state. :meth:`IdGenerator.counters` gives them and
``IdGenerator(seed, counters)`` resumes; the journal persists each counter in the same
transaction as the row that used it (``on_allocate``), so a restarted simulator continues the
sequence and never reuses a control number.

:meth:`IdGenerator.rng` gives a deterministic :class:`random.Random` per namespace for
scenario data. It is predictable by design: never use it for passwords, OTP secrets or tokens.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import threading
from collections.abc import Callable, Mapping
from typing import Final

from simulator.timestamps import local_date, local_ns

CONTROL_NUMBER_DIGITS: Final = 10
_CONTROL_SPACE: Final = 10**9  # the nine digits after the leading "2"
_MULTIPLIER: Final = 387_420_489  # 3**18: coprime with 10, so n -> a*n+b is a bijection mod 10**k
CONTROL_NUMBER_RE: Final = re.compile(r"2[0-9]{9}")

AllocationListener = Callable[[str, int], None]


def _digest(*parts: object) -> int:
    text = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def is_control_number(text: str) -> bool:
    """True for a well-formed control number (ten digits, the first ``2``)."""
    return CONTROL_NUMBER_RE.fullmatch(text) is not None


def control_namespace(control_date: dt.date) -> str:
    """The counter that numbers the control numbers of one control date."""
    return f"control/{control_date.isoformat()}"


class IdGenerator:
    """Deterministic ids from a seed and named counters; thread-safe.

    ``on_allocate(name, next_value)`` is called after every allocation with the counter's new
    value, inside the caller's transaction when there is one (the journal uses it to persist).
    """

    def __init__(
        self,
        seed: int = 0,
        counters: Mapping[str, int] | None = None,
        *,
        on_allocate: AllocationListener | None = None,
    ) -> None:
        self.seed = int(seed)
        self._counters: dict[str, int] = dict(counters or {})
        self._lock = threading.Lock()
        self.on_allocate = on_allocate
        self._offsets: dict[tuple[str, int], int] = {}
        self._day: tuple[int, int, dt.date] = (0, 0, dt.date.min)

    def next_count(self, namespace: str) -> int:
        """Take the next position (0, 1, 2, ...) of counter ``namespace``."""
        with self._lock:
            value = self._counters.get(namespace, 0)
            self._counters[namespace] = value + 1
        if self.on_allocate is not None:
            self.on_allocate(namespace, value + 1)
        return value

    def peek(self, namespace: str) -> int:
        """The position the next :meth:`next_count` of ``namespace`` will return."""
        with self._lock:
            return self._counters.get(namespace, 0)

    def counters(self) -> dict[str, int]:
        """A snapshot of every counter (the generator's whole state besides the seed)."""
        with self._lock:
            return dict(self._counters)

    def restore(self, counters: Mapping[str, int]) -> None:
        """Replace all the counters (a reset, or resuming from a snapshot)."""
        with self._lock:
            self._counters = dict(counters)

    def advance(self, namespace: str, position: int) -> None:
        """Make the next :meth:`next_count` of ``namespace`` return at least ``position``
        (a counter carried over from elsewhere never goes backwards)."""
        with self._lock:
            if self._counters.get(namespace, 0) >= position:
                return
            self._counters[namespace] = position
        if self.on_allocate is not None:
            self.on_allocate(namespace, position)

    def rewind(self, counters: Mapping[str, int]) -> None:
        """Set only the named counters (giving back ids of a rolled-back transaction)."""
        with self._lock:
            for name, value in counters.items():
                if value:
                    self._counters[name] = value
                else:
                    self._counters.pop(name, None)

    def _scatter(self, namespace: str, position: int, space: int) -> int:
        if position >= space:
            raise OverflowError(f"id counter {namespace!r} exhausted its {space} values")
        offset = self._offsets.get((namespace, space))
        if offset is None:
            offset = self._offsets[namespace, space] = _digest(self.seed, namespace) % space
        return (_MULTIPLIER * position + offset) % space

    # -- facility identifiers ---------------------------------------------------------------

    def control_number(self, control_date: dt.date) -> str:
        """The next control number of ``control_date``: ``2`` and nine digits, unique per date."""
        namespace = control_namespace(control_date)
        value = self._scatter(namespace, self.next_count(namespace), _CONTROL_SPACE)
        return f"2{value:09d}"

    def control_date(self, accepted_ns: int) -> dt.date:
        """The control date of a report accepted at ``accepted_ns``: its New York date."""
        start, end, day = self._day
        if start <= accepted_ns < end:
            return day
        day = local_date(accepted_ns)
        self._day = (local_ns(day, 0), local_ns(day + dt.timedelta(days=1), 0), day)
        return day

    def trade_id(self, width: int = 12) -> str:
        """The next generated trade identifier, ``width`` digits."""
        return self.next_id("trade", width)

    def message_id(self, scope: str = "", width: int = 12) -> str:
        """The next message identifier (e.g. an ExecID) of ``scope``, ``width`` digits."""
        return self.next_id(f"message/{scope}" if scope else "message", width)

    def next_id(self, namespace: str, width: int = 12) -> str:
        """The next id of ``namespace``: ``width`` digits, unique within the namespace."""
        if not 1 <= width <= 30:
            raise ValueError(f"width must be 1..30 digits, not {width}")
        space = 10**width
        return f"{self._scatter(namespace, self.next_count(namespace), space):0{width}d}"

    # -- scenario randomness ------------------------------------------------------------------

    def rng(self, namespace: str) -> random.Random:
        """A :class:`random.Random` seeded from the seed and ``namespace`` (not for secrets)."""
        return random.Random(_digest(self.seed, "rng", namespace))


__all__ = [
    "CONTROL_NUMBER_DIGITS",
    "CONTROL_NUMBER_RE",
    "IdGenerator",
    "control_namespace",
    "is_control_number",
]
