"""Fault injection (issue 6): rehearse what goes wrong, repeatable to the message.

* :mod:`simulator.faults.spec` -- what a fault is (kind, scope, trigger, parameters) and how it
  is read from a control API body, a ``[[faults]]`` config table or a Gherkin step;
* :mod:`simulator.faults.plan` -- the pure plan that decides, message by message and instant by
  instant, what each armed fault does;
* :mod:`simulator.faults.garble` -- how a message is corrupted;
* :mod:`simulator.faults.runtime` -- the thin shell that applies the plan to the running FIX
  ports and records every injected fault in the journal;
* :mod:`simulator.faults.drill` -- the crash drill (``facsim serve`` killed mid-burst and
  restarted) used by the crash-recovery test and benchmark.

``docs/faults.md`` documents every switch; ``docs/resilience.md`` the crash, fuzz and soak
guarantees and how they are measured. The runtime is not imported here (it depends on the FIX
component, which depends on the configuration, which reads fault specs).
"""

from simulator.faults.plan import Fault, FaultEvent, FaultPlan, FaultStatus, SessionRef
from simulator.faults.spec import FaultKind, FaultSpec, FaultSpecError, parse_fault

__all__ = [
    "Fault",
    "FaultEvent",
    "FaultKind",
    "FaultPlan",
    "FaultSpec",
    "FaultSpecError",
    "FaultStatus",
    "SessionRef",
    "parse_fault",
]
