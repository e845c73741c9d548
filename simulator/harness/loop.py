"""The simulator's event loop on its own thread, for synchronous BDD steps.

pytest-bdd calls step functions synchronously and has no async steps (its issue #223): an
``async def`` step returns a coroutine nobody awaits, and the step *passes without running*.
So the simulator's asyncio loop runs on a background thread, the way aiosmtpd's ``controller.py``
does (a ready event, ``run_coroutine_threadsafe``), and each step submits work to it and blocks
for the answer (tooling notes section 1.4, pattern A). The servers keep running between steps and
while a step blocks, so real TCP and HTTP clients work against them.

:func:`async_step` lets a step library author write ``async def`` bodies anyway; the guard in
:mod:`simulator.harness.guard` fails any ``async def`` step that was not wrapped.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import inspect
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: Real seconds a single harness call may take before it is abandoned. Steps never sleep: a
#: call that needs this long is a hang, reported as one instead of freezing the run.
DEFAULT_TIMEOUT = 10.0


class HarnessTimeout(TimeoutError):
    """A call into the simulator's loop did not finish within its real-time budget."""


class LoopThread:
    """An asyncio loop running forever on a daemon thread, with a clean stop.

    ``stop()`` cancels every task still pending (a server's accept loop, a client's reader),
    waits for them, shuts down async generators and the default executor, then closes the loop,
    so no "Task was destroyed but it is pending" or unclosed-transport warning escapes into a run
    with ``filterwarnings = error``.
    """

    def __init__(self, name: str = "facsim-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._stopped = False

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stopped

    def start(self, timeout: float = 5.0) -> LoopThread:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise HarnessTimeout(f"the simulator loop did not start within {timeout} s")
        return self

    def run(self, awaitable: Awaitable[T], timeout: float | None = DEFAULT_TIMEOUT) -> T:
        """Run ``awaitable`` on the loop and return its result (or raise its exception)."""
        if threading.current_thread() is self._thread:
            _discard(awaitable)
            raise RuntimeError("LoopThread.run() called from the loop's own thread: it would block")
        if not self.running:
            _discard(awaitable)
            raise RuntimeError("the simulator loop is not running")
        future = asyncio.run_coroutine_threadsafe(_as_coroutine(awaitable), self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise HarnessTimeout(
                f"the simulator did not answer within {timeout} s of real time"
            ) from None

    def call(self, func: Callable[..., T], *args: Any, timeout: float = DEFAULT_TIMEOUT) -> T:
        """Run a plain function on the loop thread (for objects that are not thread-safe)."""

        async def invoke() -> T:
            return func(*args)

        return self.run(invoke(), timeout=timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Cancel pending tasks, stop the loop, join the thread and close the loop."""
        if self._stopped:
            return
        if self._thread.is_alive():
            with contextlib.suppress(HarnessTimeout, RuntimeError):
                self.run(_cancel_all_tasks(), timeout=timeout)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout)
        self._stopped = True
        if not self.loop.is_running():
            self.loop.close()

    def __enter__(self) -> LoopThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _discard(awaitable: Awaitable[Any]) -> None:
    """Close a coroutine that will never run, so it does not warn "never awaited"."""
    close = getattr(awaitable, "close", None)
    if inspect.iscoroutine(awaitable) and close is not None:
        close()


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def _cancel_all_tasks() -> None:
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks() if task is not current and not task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
    loop = asyncio.get_running_loop()
    await loop.shutdown_asyncgens()
    await loop.shutdown_default_executor()


LOOP_FIXTURE = "sim_loop"


def async_step(fn: Callable[..., Coroutine[Any, Any, T]]) -> Callable[..., T]:
    """Make an ``async def`` step body run on the simulator loop (tooling notes 1.4).

    Apply it *under* the pytest-bdd decorator::

        @when(parsers.parse("the firm logs on to {facility}"))
        @async_step
        async def logon(fix_client, facility): ...

    The wrapper is a plain function whose signature adds the ``sim_loop`` fixture (pytest-bdd
    reads the signature to decide which fixtures to pass), so the step really runs and its
    exceptions fail the scenario.
    """
    if not inspect.iscoroutinefunction(fn):
        raise TypeError(f"async_step expects an async def function, not {fn!r}")
    signature = inspect.signature(fn)
    wants_loop = LOOP_FIXTURE in signature.parameters
    parameters = list(signature.parameters.values())
    if not wants_loop:
        parameters.append(inspect.Parameter(LOOP_FIXTURE, inspect.Parameter.POSITIONAL_OR_KEYWORD))

    @functools.wraps(fn)
    def wrapper(**kwargs: Any) -> T:
        loop_thread: LoopThread = kwargs[LOOP_FIXTURE] if wants_loop else kwargs.pop(LOOP_FIXTURE)
        return loop_thread.run(fn(**kwargs))

    del wrapper.__wrapped__  # so inspect sees the wrapper, not the coroutine function
    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return wrapper
