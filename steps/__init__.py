"""The facsim step library: a Gherkin vocabulary that reads like the facilities' own scripts.

One module per domain (:mod:`steps.time`, :mod:`steps.timeliness`, :mod:`steps.supervision`,
:mod:`steps.fix`, :mod:`steps.web`, :mod:`steps.uat`, :mod:`steps.entitlement`,
:mod:`steps.journal`, :mod:`steps.browser`). Steps are
synchronous and thin: each parses its words and calls the harness
(:mod:`simulator.harness`), which runs the simulator on its own loop thread. The ``facsim`` pytest
plugin loads every module, so a firm's repository gets the whole vocabulary after
``pip install``. The reference, generated from these modules, is ``docs/steps.md``.

Each step function's docstring says what the step does and ends with an ``Example:`` line; the
documentation generator prints both and a unit test checks that every example matches its step.
"""
