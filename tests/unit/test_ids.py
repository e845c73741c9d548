"""The seeded id generator: formats, determinism, uniqueness, resumption."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from simulator.domain.ids import (
    IdGenerator,
    control_namespace,
    is_control_number,
)
from simulator.timestamps import local_ns

DAY = dt.date(2021, 3, 20)


def test_control_numbers_are_ten_digits_starting_with_2() -> None:
    ids = IdGenerator(seed=1)
    numbers = [ids.control_number(DAY) for _ in range(1000)]
    assert all(len(n) == 10 and n[0] == "2" and n.isdigit() for n in numbers)
    assert all(is_control_number(n) for n in numbers)


def test_control_numbers_are_unique_within_a_control_date() -> None:
    ids = IdGenerator(seed=3)
    numbers = [ids.control_number(DAY) for _ in range(50_000)]
    assert len(set(numbers)) == len(numbers)


def test_control_numbers_are_scattered_not_sequential() -> None:
    ids = IdGenerator(seed=0)
    first, second = ids.control_number(DAY), ids.control_number(DAY)
    assert abs(int(second) - int(first)) > 1


def test_same_seed_same_calls_same_ids() -> None:
    def run(seed: int) -> list[str]:
        ids = IdGenerator(seed)
        out = []
        for i in range(20):
            out.append(ids.control_number(DAY + dt.timedelta(days=i % 3)))
            out.append(ids.trade_id())
            out.append(ids.message_id("ABCD"))
        return out

    assert run(42) == run(42)
    assert run(42) != run(43)


def test_namespaces_do_not_shift_each_other() -> None:
    plain = IdGenerator(seed=5)
    busy = IdGenerator(seed=5)
    for _ in range(7):
        busy.trade_id()
        busy.message_id()
        busy.control_number(DAY - dt.timedelta(days=1))
    assert [plain.control_number(DAY) for _ in range(5)] == [
        busy.control_number(DAY) for _ in range(5)
    ]


def test_each_control_date_has_its_own_sequence() -> None:
    ids = IdGenerator(seed=9)
    ids.control_number(DAY)
    assert ids.peek(control_namespace(DAY)) == 1
    assert ids.peek(control_namespace(DAY + dt.timedelta(days=1))) == 0


def test_resuming_from_counters_continues_the_sequence() -> None:
    straight = IdGenerator(seed=11)
    expected = [straight.control_number(DAY) for _ in range(10)]
    first = IdGenerator(seed=11)
    head = [first.control_number(DAY) for _ in range(4)]
    resumed = IdGenerator(seed=11, counters=first.counters())
    tail = [resumed.control_number(DAY) for _ in range(6)]
    assert head + tail == expected


def test_allocation_listener_sees_every_new_counter_value() -> None:
    seen: list[tuple[str, int]] = []
    ids = IdGenerator(seed=0, on_allocate=lambda name, value: seen.append((name, value)))
    ids.control_number(DAY)
    ids.control_number(DAY)
    ids.trade_id()
    assert seen == [(control_namespace(DAY), 1), (control_namespace(DAY), 2), ("trade", 1)]


def test_restore_rewinds_to_a_snapshot() -> None:
    ids = IdGenerator(seed=2)
    snapshot = ids.counters()
    first = ids.control_number(DAY)
    ids.restore(snapshot)
    assert ids.control_number(DAY) == first


def test_control_date_is_the_new_york_date_of_acceptance() -> None:
    ids = IdGenerator()
    # 23:59:59.999999999 ET on Friday 2021-03-19 is 03:59:59.999999999Z on the 20th.
    last_ns = local_ns(dt.date(2021, 3, 20), 0) - 1
    assert ids.control_date(last_ns) == dt.date(2021, 3, 19)
    assert ids.control_date(last_ns + 1) == dt.date(2021, 3, 20)
    # Across the DST change of 2021-03-14 and back again: the cache must not leak a day.
    assert ids.control_date(local_ns(dt.date(2021, 3, 14), 3, 30)) == dt.date(2021, 3, 14)
    assert ids.control_date(local_ns(dt.date(2021, 3, 13), 23, 59)) == dt.date(2021, 3, 13)
    assert ids.control_date(local_ns(dt.date(2021, 11, 7), 23, 59)) == dt.date(2021, 11, 7)


def test_trade_and_message_ids_have_the_asked_width_and_do_not_repeat() -> None:
    ids = IdGenerator(seed=4)
    trades = [ids.trade_id() for _ in range(2000)]
    assert all(len(t) == 12 and t.isdigit() for t in trades)
    assert len(set(trades)) == 2000
    short = [ids.next_id("tiny", width=2) for _ in range(100)]
    assert sorted(short) == [f"{i:02d}" for i in range(100)]  # a permutation of the space
    with pytest.raises(OverflowError):
        ids.next_id("tiny", width=2)
    with pytest.raises(ValueError):
        ids.next_id("x", width=0)


def test_rng_is_deterministic_per_namespace() -> None:
    a = IdGenerator(seed=8).rng("prices")
    b = IdGenerator(seed=8).rng("prices")
    c = IdGenerator(seed=8).rng("sizes")
    draws = [a.random() for _ in range(5)]
    assert draws == [b.random() for _ in range(5)]
    assert draws != [c.random() for _ in range(5)]


def test_concurrent_allocation_never_duplicates() -> None:
    ids = IdGenerator(seed=1)
    results: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = [ids.control_number(DAY) for _ in range(2000)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == len(set(results)) == 8000


@pytest.mark.parametrize(
    "text",
    [
        "1234567890",
        "200000000",
        "20000000000",
        "2x00000000",
        "2\u0663\u0663\u0663\u0663\u0663\u0663\u0663\u0663\u0663",
        "",
    ],
)
def test_malformed_control_numbers(text: str) -> None:
    assert not is_control_number(text)
