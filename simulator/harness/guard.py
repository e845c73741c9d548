"""Fail ``async def`` steps instead of letting them pass silently.

pytest-bdd calls a step function and ignores what it returns: an ``async def`` step returns a
coroutine that is never awaited, and the step passes without having run (pytest-bdd issue #223;
verified in tooling notes section 1.4, where only ``filterwarnings = error`` happens to catch it,
through an unraisable-exception warning, and only sometimes). This guard makes it a clear failure
before the step runs. It is installed by the root ``conftest.py`` of this repository and by the
``facsim`` pytest plugin, so a firm's own repository gets it too.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest


def is_async_step(step_func: Callable[..., Any]) -> bool:
    """True for a step function pytest-bdd would call without awaiting."""
    return inspect.iscoroutinefunction(step_func) or inspect.isasyncgenfunction(step_func)


def fail_async_step(step_func: Callable[..., Any], step_text: str) -> None:
    """Fail the scenario if ``step_func`` is asynchronous."""
    if is_async_step(step_func):
        pytest.fail(
            f"step {step_text!r} is implemented by async function {step_func.__name__!r}: "
            "pytest-bdd would not await it and the step would pass without running. "
            "Wrap it with @simulator.harness.async_step (under the @given/@when/@then decorator).",
            pytrace=False,
        )
