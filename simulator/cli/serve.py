"""``facsim serve``: every configured facility port (and the web front) on one clock.

::

    facsim serve [--config FILE] [--at ISO8601] [--speed X | --clock manual] [--data-dir DIR]
                 [--seed N] [--port-offset N | --ports auto] [--check] [--log-level LEVEL]

With no ``--config`` the embedded default (``simulator/default_config.toml``) is served: every
facility on fixed loopback ports, three sample firms, one drop-copy session. ``--at`` starts an
offset clock ("it is 2021-03-20 09:00 ET and running", ``--speed`` times real time); without it
the system clock is used. ``--clock manual`` (or ``--speed 0``) freezes the clock at ``--at``
(or at the start): only the control API moves it, so a remote BDD run crosses a 10-second
boundary to the nanosecond exactly as an in-process one does. The journal and the FIX message
store live under ``--data-dir`` (default ``./facsim-data``), so a restart on the same directory
resumes every session's sequence numbers. The endpoints are printed one per line; SIGINT or
SIGTERM stops every listener, then closes the journal (flushed) and exits 0.

:func:`build_simulator` is the assembly this command runs; the BDD harness uses the same one with
a manual clock and ``auto_ports=True``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from simulator.clock import Clock, ManualClock, OffsetClock, SystemClock
from simulator.config import ServeConfig, load_config
from simulator.errors import ConfigError, UserInputError
from simulator.fix.component import FixComponent
from simulator.runtime import Component, Endpoint, Simulator, SimulatorContext
from simulator.timestamps import TimestampError, format_iso8601, parse_iso8601

DEFAULT_DATA_DIR = "./facsim-data"
DEFAULT_WEB_PORT = 8443
DEFAULT_CONTROL_PORT = 8080


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the facilities' FIX ports (and the web front) on loopback",
        description=(
            "Start every configured FIX session (and the TRAQS web front and control API when "
            "installed) and print each endpoint. Ctrl-C or SIGTERM stops cleanly."
        ),
    )
    parser.add_argument("--config", metavar="FILE", help="TOML config (default: embedded)")
    parser.add_argument(
        "--at", metavar="ISO8601", help="start the clock at this instant (naive = New York)"
    )
    parser.add_argument(
        "--speed",
        metavar="X",
        help="clock speed, a multiple of real time (default 1; 0 is the same as --clock manual)",
    )
    parser.add_argument(
        "--clock",
        choices=("running", "manual"),
        default="running",
        help="manual: a frozen clock (at --at, or the start) that only the control API moves; "
        "what remote BDD runs use (default running)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=DEFAULT_DATA_DIR,
        help=f"journal and FIX message store (default {DEFAULT_DATA_DIR})",
    )
    parser.add_argument("--seed", metavar="N", help="seed of every generated id")
    ports = parser.add_mutually_exclusive_group()
    ports.add_argument(
        "--port-offset",
        metavar="N",
        default="0",
        help="add N to every configured port (two simulators side by side)",
    )
    ports.add_argument(
        "--ports",
        choices=("fixed", "auto"),
        default="fixed",
        help="auto: let the system choose free ports (printed at start)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="validate the config, print what would be served, and exit",
    )
    parser.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default="info",
        help="what to log on stderr: logons, rejects, disconnects (default info)",
    )
    parser.set_defaults(func=run)


# -- options --


def build_clock(at: str | None, speed: str | None, mode: str = "running") -> Clock:
    """``--at``/``--speed`` -> an offset clock; neither -> the system clock.

    ``mode="manual"`` or a speed of 0 -> a :class:`~simulator.clock.ManualClock` at ``--at`` (or
    the system's current instant): frozen, moved only through the control API, so boundaries
    such as "10 seconds and 1 nanosecond" hold exactly against a served simulator.
    """
    if mode not in ("running", "manual"):
        raise UserInputError(f"{mode!r} is not running or manual", source="--clock")
    factor: float | None = None
    if speed is not None:
        try:
            factor = float(speed)
        except ValueError:
            raise UserInputError(f"{speed!r} is not a number", source="--speed") from None
        if not 0 <= factor <= 1_000_000:  # also refuses nan and inf
            raise UserInputError(
                f"{speed} must be above 0 (at most 1000000), or 0 for a manual clock",
                source="--speed",
            )
    manual = mode == "manual" or factor == 0
    if manual and factor not in (None, 0):
        raise UserInputError(
            f"a manual clock does not run; drop --speed {speed} or --clock manual",
            source="--speed",
        )
    start: int | None = None
    if at is not None:
        try:
            start = parse_iso8601(at)
        except TimestampError as exc:
            raise UserInputError(str(exc), source="--at") from None
    if manual:
        return ManualClock(start if start is not None else SystemClock().now_ns())
    if start is None:
        if factor is None or factor == 1:
            return SystemClock()
        return OffsetClock(SystemClock().now_ns(), factor)
    return OffsetClock(start, factor or 1)


def describe_clock(clock: Clock) -> str:
    now = format_iso8601(clock.now_ns(), precision=3)
    if isinstance(clock, OffsetClock):
        return f"offset clock at {now} ET, x{clock.speed} real time"
    if isinstance(clock, ManualClock):
        return f"manual clock at {now} ET (moves only when told)"
    return f"system clock ({now} ET)"


def _int_option(value: str | None, name: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise UserInputError(f"{value!r} is not a whole number", source=name) from None
    if not low <= number <= high:
        raise UserInputError(f"{number} must be between {low} and {high}", source=name)
    return number


def _data_dir(text: str) -> Path:
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise UserInputError(f"{text} exists and is not a directory", source="--data-dir")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(f"cannot create {text}: {exc.strerror}", source="--data-dir") from None
    return path


# -- assembly --


def _optional(module: str, attribute: str) -> Any:
    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError):
        return None


def open_journal(data_dir: Path | None, seed: int | None) -> Any:
    """The journal under ``data_dir`` (``None``: in memory), when the journal package exists."""
    opener = _optional("simulator.journal", "open_journal")
    if opener is None:
        return None
    return opener(str(data_dir) if data_dir is not None else ":memory:", seed=seed)


def _section_port(config: ServeConfig, name: str, default: int) -> tuple[str, int, bool]:
    section = config.sections.get(name) or {}
    where = f"{config.source}: [{name}]"
    if not isinstance(section, dict):
        raise ConfigError(config.source, f"[{name}] must be a table")
    unknown = set(section) - {"host", "port", "enabled"}
    if unknown:
        raise ConfigError(config.source, f"unknown key {sorted(unknown)[0]!r} in [{name}]")
    host = section.get("host", config.host)
    port = section.get("port", default)
    enabled = section.get("enabled", True)
    if not isinstance(host, str) or not host:
        raise UserInputError("host must be a non-empty string", source=where)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise UserInputError(f"port must be 0-65535, not {port!r}", source=where)
    if not isinstance(enabled, bool):
        raise UserInputError("enabled must be true or false", source=where)
    return host, port, enabled


def _component(factory: Any, host: str, port: int) -> Component:
    parameters = inspect.signature(factory).parameters
    if "host" in parameters and "port" in parameters:
        component: Component = factory(host=host, port=port)
    else:
        component = factory()
    return component


class OptionalComponent:
    """A component the FIX ports do not depend on (web front, control API).

    If it fails to start, ``facsim serve`` says so on stderr in one line and serves the rest,
    rather than losing every FIX port to, say, a busy web port.
    """

    def __init__(self, inner: Component, label: str) -> None:
        self.inner = inner
        self.name = inner.name
        self.label = label
        self.started = False
        self.error: str | None = None

    async def start(self, context: SimulatorContext) -> list[Endpoint]:
        try:
            endpoints = await self.inner.start(context)
        except Exception as exc:
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self.error = f"{type(exc).__name__}: {detail}"
            print(
                f"facsim serve: the {self.label} could not start ({self.error}); "
                "serving without it",
                file=sys.stderr,
            )
            with contextlib.suppress(Exception):
                await self.inner.stop()
            return []
        self.started = True
        return endpoints

    async def stop(self) -> None:
        if self.started:
            self.started = False
            await self.inner.stop()


def build_simulator(
    config: ServeConfig,
    *,
    clock: Clock,
    data_dir: Path,
    seed: int | None = None,
    port_offset: int = 0,
    auto_ports: bool = False,
    journal: Any = None,
    timeline: Any = None,
    web: bool = True,
) -> Simulator:
    """The simulator ``facsim serve`` runs: FIX ports, then web front and control API if present.

    ``journal`` defaults to the SQLite journal under ``data_dir``; the timeline to the packaged
    one. ``auto_ports`` binds every port to 0 (tests, one simulator per xdist worker).
    """
    if journal is None:
        journal = open_journal(data_dir, seed)
    if timeline is None:
        timeline_cls = _optional("simulator.timeline", "Timeline")
        timeline = timeline_cls.default() if timeline_cls is not None else None
    outbox_cls = _optional("simulator.outbox", "Outbox")
    context = SimulatorContext(
        clock=clock,
        journal=journal,
        timeline=timeline,
        data_dir=data_dir,
        seed=seed if seed is not None else int(getattr(journal, "seed", 0) or 0),
        outbox=outbox_cls() if outbox_cls is not None else None,
        config=config,
    )
    components: list[Component] = [
        FixComponent(config, port_offset=port_offset, auto_ports=auto_ports)
    ]
    if web:
        for attribute, section, default, label in (
            ("WebComponent", "web", DEFAULT_WEB_PORT, "web front"),
            ("ControlComponent", "control", DEFAULT_CONTROL_PORT, "control API"),
        ):
            factory = _optional("simulator.web.component", attribute)
            host, port, enabled = _section_port(config, section, default)
            if factory is None or not enabled:
                continue
            port = 0 if auto_ports or port == 0 else port + port_offset
            components.append(OptionalComponent(_component(factory, host, port), label))
    return Simulator(context, components)


# -- running --


class SimulatedTime(logging.Filter):
    """Stamps each log record with the simulated time, the time the firm's messages carry."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock

    def filter(self, record: logging.LogRecord) -> bool:
        record.sim_time = format_iso8601(self.clock.now_ns(), precision=3)
        return True


@contextlib.contextmanager
def logging_to_stderr(clock: Clock, level: str) -> Iterator[None]:
    """Log the simulator's events on stderr, stamped with simulated time, for the run."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(SimulatedTime(clock))
    handler.setFormatter(logging.Formatter("%(sim_time)s %(levelname)-7s %(message)s"))
    logger = logging.getLogger("simulator")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def format_endpoint(endpoint: Endpoint) -> str:
    if endpoint.kind != "fix":
        return endpoint.describe()
    details = endpoint.details
    extra = " drop-copy" if details.get("drop_copy") else ""
    region = f" region={details['region']}" if details.get("region") != "production" else ""
    return (
        f"fix   {endpoint.host}:{endpoint.port:<5} {endpoint.name:<28} {details.get('begin')} "
        f"facility {details.get('comp_id')}  firms {details.get('firms')}{region}{extra}"
    )


async def serve_async(
    config: ServeConfig,
    *,
    clock: Clock,
    data_dir: Path,
    seed: int | None = None,
    port_offset: int = 0,
    auto_ports: bool = False,
    stop: asyncio.Event | None = None,
    out: TextIO | None = None,
    ready: Callable[[Simulator], None] | None = None,
) -> int:
    """Run until ``stop`` is set (or SIGINT/SIGTERM in the main thread); returns the exit code."""
    out = out or sys.stdout
    stop = stop or asyncio.Event()
    simulator = build_simulator(
        config,
        clock=clock,
        data_dir=data_dir,
        seed=seed,
        port_offset=port_offset,
        auto_ports=auto_ports,
    )
    try:
        endpoints = await simulator.start()
    except OSError as exc:
        await simulator.stop()
        hint = "another facsim serve? try --port-offset N or --ports auto"
        raise UserInputError(f"cannot listen: {exc.strerror or exc} ({hint})") from None
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
                installed.append(signum)
    try:
        print(f"facsim serve: {describe_clock(clock)}", file=out)
        print(f"config {config.source}; data {data_dir}", file=out)
        for endpoint in endpoints:
            print(format_endpoint(endpoint), file=out)
        print("ready; Ctrl-C or SIGTERM stops", file=out, flush=True)
        if ready is not None:
            ready(simulator)
        await stop.wait()
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
        await simulator.stop()
        print("stopped; journal closed", file=out, flush=True)
    return 0


def check(config: ServeConfig, out: TextIO, port_offset: int, auto_ports: bool) -> int:
    print(f"config {config.source}: {len(config.ports)} ports, {len(config.firms)} firms", file=out)
    for port in config.ports:
        number = 0 if auto_ports or not port.port else port.port + port_offset
        sub = f"/{port.facility_sub_id}" if port.facility_sub_id else ""
        firms = ",".join(login.comp_id for login in port.logins)
        print(
            f"fix   {port.host}:{number:<5} {port.name:<28} {port.begin_string} "
            f"facility {port.facility_comp_id}{sub}  firms {firms}",
            file=out,
        )
    return 0


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    offset = _int_option(args.port_offset, "--port-offset", -60000, 60000) or 0
    auto = args.ports == "auto"
    if not auto:
        for port in config.ports:
            if port.port and not 1 <= port.port + offset <= 65535:
                raise UserInputError(
                    f"moves port {port.port} of {port.name} out of range", source="--port-offset"
                )
    if args.check:
        return check(config, sys.stdout, offset, auto)
    clock = build_clock(args.at, args.speed, args.clock)
    seed = _int_option(args.seed, "--seed", 0, 2**63 - 1)
    data_dir = _data_dir(args.data_dir)
    with logging_to_stderr(clock, args.log_level):
        return asyncio.run(
            serve_async(
                config,
                clock=clock,
                data_dir=data_dir,
                seed=seed,
                port_offset=offset,
                auto_ports=auto,
            )
        )
