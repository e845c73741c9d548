"""Root conftest: the guard that fails ``async def`` steps (pytest-bdd would pass them unrun).

The step library and fixtures come from the ``facsim`` pytest plugin (``simulator.pytest_plugin``,
loaded through its entry point), which installs the same guard for a firm's own repository; it is
repeated here so this repository is protected even when the plugin is disabled with
``-p no:facsim`` (tooling notes section 1.4).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from simulator.harness.guard import fail_async_step


def pytest_bdd_before_step_call(
    request: pytest.FixtureRequest,
    feature: Any,
    scenario: Any,
    step: Any,
    step_func: Callable[..., Any],
    step_func_args: dict[str, Any],
) -> None:
    fail_async_step(step_func, step.name)
