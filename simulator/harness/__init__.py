"""The BDD harness: the simulator on its own loop thread, driven by synchronous steps.

* :mod:`~simulator.harness.loop` -- :class:`LoopThread` and :func:`async_step`;
* :mod:`~simulator.harness.guard` -- fail an ``async def`` step instead of passing it unrun;
* :mod:`~simulator.harness.controller` -- :class:`SimHarness`, in-process on a manual clock;
* :mod:`~simulator.harness.remote` -- the same interface over a running ``facsim serve``;
* :mod:`~simulator.harness.adapter` -- :class:`FirmAdapter`, how a firm plugs in its own system;
* :mod:`~simulator.harness.trace` -- what happened in a scenario, for the reports;
* :mod:`~simulator.harness.timetext` -- instants and durations as testers write them.
"""

from simulator.harness.loop import HarnessTimeout, LoopThread, async_step

__all__ = ["HarnessTimeout", "LoopThread", "async_step"]
