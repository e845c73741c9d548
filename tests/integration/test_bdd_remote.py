"""The whole BDD suite in remote mode, against a real ``facsim serve`` started as a process.

Issue 5: "two modes, same features ... CI runs both". This test is the second mode in the
README's single test command: it starts ``facsim serve --ports auto --clock manual`` (a frozen
clock only the control API moves, so every boundary holds to the nanosecond), runs
``pytest tests/bdd --sim-url=<its control API>`` in a child process, and checks that every
scenario passed except those tagged ``@in_process`` (skipped, with that reason), then that the
server stops cleanly on SIGTERM. No sleeping: the server's "ready" line is read from its pipe.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from simulator.timestamps import parse_iso8601

ROOT = Path(__file__).resolve().parents[2]
START = "2021-11-15T09:30:00-05:00"
READY_TIMEOUT_S = 60
SUITE_TIMEOUT_S = 600

pytestmark = pytest.mark.slow


def _lines(stream: object, into: queue.Queue[str | None]) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        into.put(line)
    into.put(None)


def _wait_ready(server: subprocess.Popen[str], lines: queue.Queue[str | None]) -> str:
    """The control API's URL, from the lines ``facsim serve`` prints before "ready"."""
    url = None
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=READY_TIMEOUT_S)
        except queue.Empty:
            raise AssertionError(f"facsim serve printed no 'ready' line: {seen}") from None
        if line is None:
            stderr = server.stderr.read() if server.stderr else ""
            raise AssertionError(f"facsim serve exited ({server.wait()}): {seen} {stderr}")
        seen.append(line.rstrip())
        if "control-api" in line:
            url = next(part[4:] for part in line.split() if part.startswith("url="))
        if line.startswith("ready"):
            assert url, f"no control API among the endpoints: {seen}"
            return url.rstrip("/")


def test_every_feature_passes_against_a_served_simulator(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("FACSIM_URL", "PYTEST_ADDOPTS")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator.cli",
            "serve",
            "--ports",
            "auto",
            "--clock",
            "manual",
            "--at",
            START,
            "--data-dir",
            str(tmp_path / "data"),
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_lines, args=(server.stdout, lines), daemon=True)
    reader.start()
    try:
        url = _wait_ready(server, lines)
        junit = tmp_path / "remote.xml"
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "tests/bdd",
                f"--sim-url={url}",
                f"--junitxml={junit}",
                "-q",
                "-p",
                "no:xdist",
                "-p",
                "no:randomly",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=SUITE_TIMEOUT_S,
        )
        tail = (run.stdout + run.stderr)[-4000:]
        assert run.returncode == 0, f"the remote BDD run failed:\n{tail}"
        suite = ET.parse(junit).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        assert suite is not None
        total, failures = int(suite.get("tests", 0)), int(suite.get("failures", 0))
        errors = int(suite.get("errors", 0))
        assert total > 100 and failures == 0 and errors == 0, tail
        reasons = [s.get("message", "") for s in suite.iter("skipped")]
        # the @in_process scenarios are skipped with their reason: the run was in remote mode
        assert reasons and all("needs the in-process simulator" in r for r in reasons), reasons
        assert len(reasons) < total // 10, f"{len(reasons)} of {total} skipped remotely"
        # and it drove this server: its frozen clock was moved by the scenarios
        with urllib.request.urlopen(f"{url}/clock", timeout=10) as answer:
            clock = json.loads(answer.read())
        assert clock["mode"] == "manual" and clock["now_ns"] != parse_iso8601(START), clock
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        reader.join(timeout=5)
        if server.stdout:
            server.stdout.close()
        if server.stderr:
            server.stderr.close()
    assert code == 0, f"facsim serve exited {code} on SIGTERM"
