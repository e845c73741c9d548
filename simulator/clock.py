"""The one clock of the simulator: integer nanoseconds since the Unix epoch, UTC.

Every facility rule, FIX session timer and web page takes "now" from a :class:`Clock` passed in;
this module is the only place in :mod:`simulator` that reads the wall clock. Three kinds exist:

* :class:`SystemClock` -- the machine's time, for a simulator that mirrors today.
* :class:`OffsetClock` -- starts at a chosen instant ("as of 2021-03-20 09:00 ET") and runs
  forward at real speed or a chosen multiple of it; it can also be set or advanced by the control
  API, so a live rehearsal can jump over a weekend.
* :class:`ManualClock` -- frozen until told to move, for tests and BDD steps: a 15-minute TRACE
  window is crossed by ``advance(15 * MINUTE)``, never by sleeping.

Clocks that can jump notify listeners (the asyncio :mod:`simulator.scheduler` uses this to
re-evaluate heartbeat and test-request timers at once). Listeners may be called from any thread.

Relation to freezegun: a firm's own code that reads ``datetime.now()`` can be frozen with
``freezegun.freeze_time(..., real_asyncio=True)`` while the simulator runs; freezegun does not
affect these clocks except :class:`SystemClock` (which then reads the frozen time, at
microsecond resolution and with float rounding in ``time_ns``). Pass the simulator a
:class:`ManualClock` or :class:`OffsetClock` instead of relying on freezegun for its time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Protocol, runtime_checkable

NANOSECOND = 1
MICROSECOND = 1_000
MILLISECOND = 1_000_000
SECOND = 1_000_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

Listener = Callable[[], None]


@runtime_checkable
class Clock(Protocol):
    """What every consumer of time needs: the current instant in integer ns (UTC epoch)."""

    def now_ns(self) -> int:
        """Current simulated instant, nanoseconds since 1970-01-01T00:00:00Z."""
        ...

    def real_seconds_until(self, instant_ns: int) -> float | None:
        """Real seconds to wait until the clock reaches ``instant_ns``.

        ``0.0`` if it is already there, ``None`` if the clock will never get there by itself
        (a frozen manual clock): the caller then waits for a jump notification.
        """
        ...

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener()`` whenever the clock jumps (set or advanced)."""
        ...

    def remove_listener(self, listener: Listener) -> None: ...


class _Listeners:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def add_listener(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener()


class SystemClock(_Listeners):
    """The machine's wall clock. It never jumps, so listeners are never called."""

    def now_ns(self) -> int:
        return time.time_ns()

    def real_seconds_until(self, instant_ns: int) -> float | None:
        return max(0.0, (instant_ns - time.time_ns()) / SECOND)

    def describe(self) -> str:
        return "system"


class SettableClock(_Listeners):
    """Base of the clocks a test or the control API may set and advance."""

    def now_ns(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def set_ns(self, instant_ns: int) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def advance(self, duration_ns: int) -> int:
        """Move forward by ``duration_ns`` (never backwards) and return the new instant."""
        if duration_ns < 0:
            raise ValueError("a clock only advances forward; use set_ns to go back")
        self.set_ns(self.now_ns() + duration_ns)
        return self.now_ns()

    def real_seconds_until(self, instant_ns: int) -> float | None:  # pragma: no cover
        raise NotImplementedError


class ManualClock(SettableClock):
    """A frozen clock that moves only when told to: exact to the nanosecond, no float."""

    def __init__(self, start_ns: int) -> None:
        super().__init__()
        self._ns = int(start_ns)
        self._lock_ns = threading.Lock()

    def now_ns(self) -> int:
        return self._ns

    def set_ns(self, instant_ns: int) -> None:
        with self._lock_ns:
            self._ns = int(instant_ns)
        self._notify()

    def real_seconds_until(self, instant_ns: int) -> float | None:
        return 0.0 if instant_ns <= self._ns else None

    @property
    def speed(self) -> Fraction:
        return Fraction(0)

    def describe(self) -> str:
        return "manual"


class OffsetClock(SettableClock):
    """Starts at ``start_ns`` and runs forward at ``speed`` times real time.

    Arithmetic is on integers and a :class:`~fractions.Fraction` speed, so a clock started at
    09:00:00.000000000 reads exact nanoseconds, never a float approximation.
    """

    def __init__(self, start_ns: int, speed: float | Fraction | int = 1) -> None:
        super().__init__()
        speed_fraction = Fraction(speed).limit_denominator(1_000_000)
        if speed_fraction <= 0:
            raise ValueError("speed must be positive")
        self._speed = speed_fraction
        self._anchor_sim = int(start_ns)
        self._anchor_mono = time.monotonic_ns()
        self._lock_ns = threading.Lock()

    @property
    def speed(self) -> Fraction:
        return self._speed

    def now_ns(self) -> int:
        elapsed = time.monotonic_ns() - self._anchor_mono
        return self._anchor_sim + (elapsed * self._speed.numerator) // self._speed.denominator

    def set_ns(self, instant_ns: int) -> None:
        with self._lock_ns:
            self._anchor_sim = int(instant_ns)
            self._anchor_mono = time.monotonic_ns()
        self._notify()

    def real_seconds_until(self, instant_ns: int) -> float | None:
        remaining = instant_ns - self.now_ns()
        if remaining <= 0:
            return 0.0
        return float(Fraction(remaining, SECOND) / self._speed)

    def describe(self) -> str:
        return f"offset x{self._speed}"


def is_settable(clock: Clock) -> bool:
    """True for clocks the control API and steps may set and advance."""
    return isinstance(clock, SettableClock)
