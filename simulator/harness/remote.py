"""Remote mode: drive a running ``facsim serve`` through its control API.

The control API is plain HTTP with JSON on a loopback port (``facsim serve`` prints it). The
harness uses it for what in-process mode does by reference: reset, the clock, the endpoints, the
journal and the outbox. FIX and web traffic go to the served endpoints over TCP exactly as in
in-process mode. Calls use :mod:`urllib` synchronously: they come from step functions, which are
synchronous, and need no event loop.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from simulator.clock import SettableClock
from simulator.harness.controller import HarnessError, SimHarness
from simulator.harness.loop import LoopThread
from simulator.runtime import Endpoint

REMOTE_TIMEOUT = 10.0


class ControlClient:
    """A thin JSON client of the control API. Errors become :class:`HarnessError` naming the
    request, so a failing remote step says which call the simulator refused and why."""

    def __init__(self, base_url: str, timeout: float = REMOTE_TIMEOUT) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise HarnessError(
                f"--sim-url {base_url!r} is not an http(s) URL of a facsim control API "
                "(e.g. http://127.0.0.1:9000)"
            )
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            raise HarnessError(f"{method} {path} answered {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise HarnessError(
                f"cannot reach the simulator's control API at {self.base_url} ({exc}); "
                "is `facsim serve` running?"
            ) from None
        if not payload:
            return None
        return json.loads(payload)

    def get(self, path: str, **query: Any) -> Any:
        if query:
            path += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        return self.request("GET", path)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.request("POST", path, body or {})


class MirrorClock(SettableClock):
    """The firm side's copy of the served clock (remote mode), for stamping SendingTime.

    Moving the served clock makes the facility's sessions act at once (a TestRequest after a
    jump of half an hour, say), before the control API has even answered. So the harness first
    *presets* the mirror to the new instant -- any answer the firm sends is stamped with the
    facility's new time -- then moves the served clock, then :meth:`set_ns` notifies the
    firm's own session timers, which therefore never run ahead of the facility."""

    def __init__(self, start_ns: int = 0) -> None:
        super().__init__()
        self._ns = int(start_ns)

    def now_ns(self) -> int:
        return self._ns

    def preset(self, instant_ns: int) -> None:
        self._ns = int(instant_ns)

    def set_ns(self, instant_ns: int) -> None:
        self._ns = int(instant_ns)
        self._notify()

    def real_seconds_until(self, instant_ns: int) -> float | None:
        return 0.0 if instant_ns <= self._ns else None

    def describe(self) -> str:
        return "mirror of the served clock"


class RemoteHarness(SimHarness):
    """A ``facsim serve`` elsewhere (another process or CI service), same interface as
    :class:`~simulator.harness.controller.InProcessHarness`. Serve it with ``--clock manual``
    so that only the harness moves its clock and boundaries hold to the nanosecond."""

    mode = "remote"

    def __init__(self, loop: LoopThread, seed: int, url: str) -> None:
        super().__init__(loop, seed)
        self._control = ControlClient(url)
        self._endpoints: list[Endpoint] | None = None
        self._mirror = MirrorClock(0)

    def start(self) -> RemoteHarness:
        self.control.get("/health")
        return self

    def stop(self) -> None:
        pass

    def reset(self, start_ns: int) -> None:
        self._mirror.preset(start_ns)
        answer = self.control.post("/reset", {"set_ns": start_ns})
        self._mirror.set_ns(int(answer["now_ns"]) if answer else start_ns)
        self._endpoints = None

    def now_ns(self) -> int:
        answer = self.control.get("/clock")
        now = int(answer["now_ns"])
        self._mirror.set_ns(now)
        return now

    @property
    def firm_clock(self) -> MirrorClock:
        """A local mirror of the served clock, moved whenever the harness reads or moves it."""
        return self._mirror

    def _set_clock(self, instant_ns: int) -> None:
        self._mirror.preset(instant_ns)
        answer = self.control.post("/clock", {"set_ns": instant_ns})
        self._mirror.set_ns(int(answer["now_ns"]) if answer else instant_ns)

    def endpoints(self) -> list[Endpoint]:
        if self._endpoints is None:
            answer = self.control.get("/endpoints")
            self._endpoints = [
                Endpoint(
                    component=str(item.get("component", "")),
                    name=str(item["name"]),
                    kind=str(item.get("kind", "")),
                    host=str(item.get("host", "127.0.0.1")),
                    port=int(item["port"]),
                    details={str(k): str(v) for k, v in (item.get("details") or {}).items()},
                )
                for item in answer.get("endpoints", answer)
            ]
        return self._endpoints
