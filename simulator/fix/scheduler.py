"""Timers on the simulated clock, for the asyncio shell.

A session's heartbeat, test-request, logon and logout timers are deadlines in simulated
nanoseconds (:meth:`simulator.fix.session.FixSession.next_deadline_ns`). This scheduler turns a
deadline into an asyncio timer by asking the clock how many *real* seconds remain
(:meth:`simulator.clock.Clock.real_seconds_until`): on an offset clock at speed 60 a 30-second
heartbeat is half a real second away; on a frozen manual clock it is never reached by waiting.

When the clock jumps (a test or the control API sets or advances it) the clock calls its
listeners, possibly from another thread; the scheduler then re-evaluates every timer on the loop
thread at once (``loop.call_soon_threadsafe``), so ``clock.advance(30 * SECOND)`` sends the
heartbeat that is due without anyone sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from simulator.clock import Clock

log = logging.getLogger("simulator.fix.scheduler")

#: If the clock says a deadline is this close (real seconds), fire instead of arming a timer.
_EPSILON_S = 0.000_05


class Timer:
    """One armed deadline; :meth:`cancel` it, or let it fire once."""

    __slots__ = ("_callback", "_handle", "_scheduler", "cancelled", "instant_ns")

    def __init__(self, scheduler: Scheduler, instant_ns: int, callback: Callable[[], None]):
        self._scheduler = scheduler
        self.instant_ns = instant_ns
        self._callback = callback
        self._handle: asyncio.Handle | asyncio.TimerHandle | None = None
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._scheduler._timers.discard(self)

    def _arm(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self.cancelled:
            return
        loop = self._scheduler.loop
        delay = self._scheduler.clock.real_seconds_until(self.instant_ns)
        if delay is None:
            return  # a frozen clock: wait for it to be moved
        if delay <= _EPSILON_S:
            self._handle = loop.call_soon(self._fire)
        else:
            self._handle = loop.call_later(delay, self._fire)

    def _fire(self) -> None:
        self._handle = None
        if self.cancelled:
            return
        if self._scheduler.clock.now_ns() < self.instant_ns:
            self._arm()  # an offset clock's float arithmetic fired us a hair early
            return
        self.cancelled = True
        self._scheduler._timers.discard(self)
        try:
            self._callback()
        except Exception:  # a timer callback must never take the loop down
            log.exception("timer callback failed")


class Scheduler:
    """Arms :class:`Timer` objects on ``loop`` against ``clock``; re-arms them on clock jumps."""

    def __init__(self, clock: Clock, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.clock = clock
        self.loop = loop or asyncio.get_running_loop()
        self._timers: set[Timer] = set()
        self._closed = False
        clock.add_listener(self._on_jump)

    def call_at(self, instant_ns: int, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` on the loop once the clock reads ``instant_ns`` or later."""
        timer = Timer(self, instant_ns, callback)
        self._timers.add(timer)
        timer._arm()
        return timer

    def _on_jump(self) -> None:
        if self._closed:
            return
        with contextlib.suppress(RuntimeError):  # a closed loop has nothing left to wake
            self.loop.call_soon_threadsafe(self._reevaluate)

    def _reevaluate(self) -> None:
        for timer in list(self._timers):
            timer._arm()

    @property
    def pending(self) -> int:
        return len(self._timers)

    def close(self) -> None:
        self._closed = True
        self.clock.remove_listener(self._on_jump)
        for timer in list(self._timers):
            timer.cancel()
