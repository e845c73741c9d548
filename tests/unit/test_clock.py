"""The injected clock: exact integer nanoseconds, manual and offset clocks, jump listeners.

No test sleeps: the offset clock's monotonic source is replaced by a counter the test moves.
"""

from __future__ import annotations

import time
from fractions import Fraction

import pytest

from simulator import clock as clock_module
from simulator.clock import (
    DAY,
    HOUR,
    MICROSECOND,
    MILLISECOND,
    MINUTE,
    SECOND,
    Clock,
    ManualClock,
    OffsetClock,
    SystemClock,
    is_settable,
)

START = 1_616_245_200_000_000_000  # 2021-03-20T09:00:00-04:00


class FakeMonotonic:
    """Stands in for time.monotonic_ns inside simulator.clock."""

    def __init__(self, start: int = 5_000_000_000) -> None:
        self.value = start

    def __call__(self) -> int:
        return self.value


@pytest.fixture
def mono(monkeypatch: pytest.MonkeyPatch) -> FakeMonotonic:
    fake = FakeMonotonic()
    monkeypatch.setattr(clock_module.time, "monotonic_ns", fake)
    return fake


def test_units_are_exact_integers() -> None:
    assert (MICROSECOND, MILLISECOND, SECOND) == (1_000, 1_000_000, 1_000_000_000)
    assert MINUTE == 60 * SECOND and HOUR == 60 * MINUTE and DAY == 24 * HOUR
    assert all(isinstance(unit, int) for unit in (SECOND, MINUTE, HOUR, DAY))


def test_manual_clock_is_frozen_until_moved() -> None:
    clock = ManualClock(START)
    assert clock.now_ns() == START
    assert clock.now_ns() == START
    assert clock.advance(15 * MINUTE + 1) == START + 15 * MINUTE + 1
    assert clock.now_ns() == START + 15 * MINUTE + 1
    clock.set_ns(START - DAY)  # set may go back
    assert clock.now_ns() == START - DAY


def test_manual_clock_keeps_every_nanosecond() -> None:
    clock = ManualClock(START)
    for _ in range(1000):
        clock.advance(1)
    assert clock.now_ns() == START + 1000


def test_manual_clock_refuses_to_advance_backwards() -> None:
    clock = ManualClock(START)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)
    assert clock.now_ns() == START


def test_manual_clock_waits_for_jumps_not_for_real_time() -> None:
    clock = ManualClock(START)
    assert clock.real_seconds_until(START) == 0.0
    assert clock.real_seconds_until(START - 1) == 0.0
    assert clock.real_seconds_until(START + 1) is None
    assert clock.speed == 0


def test_listeners_hear_every_jump_until_removed() -> None:
    clock = ManualClock(START)
    heard: list[int] = []

    def listener() -> None:
        heard.append(clock.now_ns())

    clock.add_listener(listener)
    clock.advance(SECOND)
    clock.set_ns(START)
    clock.remove_listener(listener)
    clock.remove_listener(listener)  # removing twice is harmless
    clock.advance(SECOND)
    assert heard == [START + SECOND, START]


def test_offset_clock_starts_at_the_chosen_instant_and_runs(mono: FakeMonotonic) -> None:
    clock = OffsetClock(START)
    assert clock.now_ns() == START
    mono.value += 1_500 * MILLISECOND
    assert clock.now_ns() == START + 1_500 * MILLISECOND


def test_offset_clock_speed_is_exact(mono: FakeMonotonic) -> None:
    clock = OffsetClock(START, speed=Fraction(1, 3))
    mono.value += 1  # one real ns at a third of the speed
    assert clock.now_ns() == START
    mono.value += 2
    assert clock.now_ns() == START + 1
    fast = OffsetClock(START, speed=60)
    mono.value += SECOND
    assert fast.now_ns() == START + MINUTE
    assert fast.speed == 60


def test_offset_clock_set_and_advance_re_anchor(mono: FakeMonotonic) -> None:
    clock = OffsetClock(START, speed=2)
    heard: list[int] = []
    clock.add_listener(lambda: heard.append(1))
    mono.value += SECOND
    assert clock.now_ns() == START + 2 * SECOND
    clock.set_ns(START + DAY)
    assert clock.now_ns() == START + DAY
    mono.value += SECOND
    assert clock.now_ns() == START + DAY + 2 * SECOND
    clock.advance(HOUR)
    assert clock.now_ns() == START + DAY + 2 * SECOND + HOUR
    assert heard == [1, 1]


def test_offset_clock_real_seconds_until_scales_with_speed(mono: FakeMonotonic) -> None:
    clock = OffsetClock(START, speed=4)
    assert clock.real_seconds_until(START - 1) == 0.0
    assert clock.real_seconds_until(START + 4 * SECOND) == pytest.approx(1.0)


@pytest.mark.parametrize("speed", [0, -1, Fraction(-1, 2)])
def test_offset_clock_rejects_non_positive_speed(speed: int | Fraction) -> None:
    with pytest.raises(ValueError, match="positive"):
        OffsetClock(START, speed=speed)


def test_system_clock_reads_the_wall_clock() -> None:
    clock = SystemClock()
    before = time.time_ns()
    now = clock.now_ns()
    after = time.time_ns()
    assert before <= now <= after
    assert clock.real_seconds_until(now - SECOND) == 0.0
    assert 0.0 < (clock.real_seconds_until(now + HOUR) or 0.0) <= 3600.0


def test_every_clock_satisfies_the_protocol_and_only_some_are_settable() -> None:
    clocks: list[SystemClock | ManualClock | OffsetClock] = [
        SystemClock(),
        ManualClock(START),
        OffsetClock(START),
    ]
    assert all(isinstance(c, Clock) for c in clocks)
    assert [is_settable(c) for c in clocks] == [False, True, True]
    assert [c.describe() for c in clocks] == ["system", "manual", "offset x1"]
