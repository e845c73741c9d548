"""Reports a person opens without installing anything: ``facsim report`` -> ``reports/index.html``.

:mod:`~simulator.reporting.model` reads Cucumber JSON, JUnit XML, the harness's per-scenario
traces and ``facsim rehearse`` results; :mod:`~simulator.reporting.html` renders one
self-contained HTML file (inline CSS, no script, no external asset).
"""
