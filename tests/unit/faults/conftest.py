"""Fixtures for the fault tests (helpers in :mod:`fault_support`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fault_support import T0, Link

from simulator.clock import ManualClock
from simulator.faults.plan import FaultPlan


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def make_link(clock: ManualClock) -> Callable[..., Link]:
    def make(plan: FaultPlan | None = None, **config: Any) -> Link:
        return Link(clock, plan, **config)

    return make
