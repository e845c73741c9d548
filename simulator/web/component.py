"""The web front and the control API as :class:`simulator.runtime.Component` s.

``facsim serve`` (and the BDD harness) start them like the FIX acceptors::

    web = WebComponent(host="127.0.0.1", port=8443)       # port 0: any free port
    control = ControlComponent(host="127.0.0.1", port=8080)
    simulator = Simulator(context, [fix, web, control])
    endpoints = await simulator.start()

:class:`WebComponent` loads the organisations (``org_files``; by default the samples packaged in
``simulator/web/data/orgs``, the same files as ``scenarios/orgs``), creates or reuses the test
PKI in ``DATA_DIR/pki`` (server certificate for every site name of the timeline, client
certificates for the users marked ``certificate = true``), binds ONE HTTPS listener and reports
one endpoint per site, the first carrying the PKI directory. It publishes its
:class:`~simulator.web.state.WebState` as ``context.services["web"]``, the UAT registry as
``context.services["uat_registrations"]`` and its reset hook in
``context.services["reset_hooks"]``.

Durability: with ``persist=True`` (the default) the web front keeps its state in
``DATA_DIR/web-state.sqlite3`` (:mod:`simulator.web.persistence`). At start it reads back what
is saved there, over the organisation files (:meth:`~simulator.web.state.WebState.attach_store`);
then :func:`persist_middleware`, the outermost middleware of the web application and of the
control API, saves every change a request made *before* its answer is sent -- a login step, a
factor enrolled, a UAT registration, an invitation sent because the clock moved. A save that
fails answers ``503`` instead of the page: nothing unsaved is ever confirmed.

:class:`ControlComponent` serves the control API on plain HTTP (loopback only: it can reset and
move the clock) and sets ``context.services["reset"]`` -- the callable the in-process harness
uses between scenarios.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import ssl
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from simulator.entitlement.passwords import DEFAULT_COST
from simulator.outbox import Outbox
from simulator.runtime import Endpoint, SimulatorContext
from simulator.supervision.roster import Roster, load_roster
from simulator.timeline import Timeline
from simulator.tls import Pki, ensure_pki
from simulator.web.app import SESSION, SNI, build_web_app, install_sni_recorder
from simulator.web.control import READY, build_control_app, reset_simulator
from simulator.web.errors import Handler, json_error
from simulator.web.persistence import StateNotSaved, WebStateStore
from simulator.web.state import WebState

log = logging.getLogger("simulator.web")


def default_org_files() -> list[Path]:
    """The packaged sample organisations (identical to ``scenarios/orgs/*.toml``)."""
    return sorted((Path(__file__).parent / "data" / "orgs").glob("*.toml"))


#: Set on the control API's application (its errors are JSON, as the API's are).
CONTROL = web.AppKey("control_api", bool)


def _save(state: WebState, request: web.Request) -> web.StreamResponse | None:
    """Save what the request changed; ``None`` when saved (or nothing to save), else the 503
    that replaces the answer."""
    session = request.get(SESSION)
    if session is not None:
        state.sessions.touch(session)  # whatever the handler did to it after obtaining it
    try:
        state.persist()
    except StateNotSaved as exc:
        log.error("%s", exc)
        message = (
            "The simulator could not save this change, so it was not confirmed "
            f"({exc}). Try again; if it keeps failing, check the data directory."
        )
        if request.path.startswith("/api/") or request.app.get(CONTROL) is not None:
            return json_error(503, "state-not-saved", message)
        return web.Response(status=503, text=message, content_type="text/plain")
    return None


def persist_middleware(state_of: Callable[[], WebState | None]) -> Any:
    """The outermost middleware: save the web front's state before any answer leaves.

    It wraps the error pages and the redirects (raised as ``HTTPException``) too, so a change
    made by a request answered 303, 400 or 403 is saved like one answered 200."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        state = state_of()
        if state is None:
            return await handler(request)
        try:
            response = await handler(request)
        except web.HTTPException:
            failed = _save(state, request)
            if failed is not None:
                return failed
            raise
        except BaseException:
            with contextlib.suppress(StateNotSaved):
                _save(state, request)
            raise
        failed = _save(state, request)
        return failed if failed is not None else response

    return middleware


def _bound_port(runner: web.AppRunner) -> int:
    for site in runner.sites:
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:
            return int(server.sockets[0].getsockname()[1])
    raise RuntimeError("the listener did not bind")


class WebComponent:
    """TRAQS sites, the MFA service and the reference-data API on one HTTPS listener."""

    name = "web"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        org_files: Sequence[Path] | None = None,
        roster_files: Sequence[Path] = (),
        pki_dir: Path | None = None,
        tls: bool = True,
        kdf_cost: int = DEFAULT_COST,
        persist: bool = True,
    ) -> None:
        self.host = host
        self.port = port
        self.org_files = list(org_files) if org_files is not None else None
        self.roster_files = list(roster_files)
        self.pki_dir = pki_dir
        self.tls = tls
        self.kdf_cost = kdf_cost
        self.persist = persist
        self.state: WebState | None = None
        self.pki: Pki | None = None
        self._runner: web.AppRunner | None = None

    def _roster(self, context: SimulatorContext) -> Roster | None:
        published = context.services.get("roster")
        if isinstance(published, Roster):
            return published
        if not self.roster_files:
            return None
        rosters = [load_roster(path) for path in self.roster_files]
        entries = tuple(entry for roster in rosters for entry in roster.entries)
        return Roster(source=", ".join(r.source for r in rosters), entries=entries)

    async def start(self, context: SimulatorContext) -> list[Endpoint]:
        if context.outbox is None:
            context.outbox = Outbox()
        if context.timeline is None:
            context.timeline = Timeline.default()
        if context.journal is None:
            from simulator.journal import open_memory_journal

            context.journal = open_memory_journal(context.seed)
        now = context.clock.now_ns()
        state = WebState(
            clock=context.clock,
            journal=context.journal,
            timeline=context.timeline,
            outbox=context.outbox,
            seed=context.seed,
            org_files=self.org_files if self.org_files is not None else default_org_files(),
            roster=self._roster(context),
            kdf_cost=self.kdf_cost,
        )
        state.load(now)
        self.state = state  # stop() closes the state file even if the start fails below
        if self.persist:
            store = WebStateStore.open(Path(context.data_dir))
            try:
                state.attach_store(store, now)
            except BaseException:
                store.close()
                raise
        ssl_context: ssl.SSLContext | None = None
        if self.tls:
            directory = self.pki_dir or Path(context.data_dir) / "pki"
            self.pki = ensure_pki(
                directory, list(context.timeline.hosts()), state.certificate_users()
            )
            state.pki = self.pki
            state.register_certificates()
            ssl_context = self.pki.server_context()
        app = build_web_app(state)
        app.middlewares.insert(0, persist_middleware(lambda: state))
        if ssl_context is not None:
            install_sni_recorder(ssl_context, app[SNI])
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        self._runner = runner  # stop() cleans up even if binding fails
        site = web.TCPSite(runner, self.host, self.port, ssl_context=ssl_context)
        await site.start()
        state.port = _bound_port(runner)
        state.tick(context.clock.now_ns())
        state.persist()
        context.services["web"] = state
        context.services["pki"] = self.pki
        context.services["uat_registrations"] = state.uat
        context.services.setdefault("reset_hooks", []).append(("web", state.reset))
        context.services.setdefault("components", []).append(self.name)
        kind = "https" if self.tls else "http"
        endpoints = []
        for index, host in enumerate(context.timeline.hosts()):
            site_info = context.timeline.site(host)
            details = {
                "role": site_info.role,
                "region": site_info.region.value if site_info.region else "any",
                "url": state.url(host) if self.tls else f"http://{host}:{state.port}/",
            }
            if index == 0 and self.pki is not None:
                details["pki"] = str(self.pki.directory)
            if index == 0 and state.store is not None:
                details["state"] = state.store.shown
            endpoints.append(Endpoint("web", host, kind, self.host, state.port, details))
        return endpoints

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        if self.state is not None:
            try:
                self.state.close_store()
            except StateNotSaved as exc:
                log.error("%s", exc)


class ControlComponent:
    """The control API on plain HTTP (bind it to loopback)."""

    name = "control"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self.bound_port: int | None = None

    async def start(self, context: SimulatorContext) -> list[Endpoint]:
        if context.outbox is None:
            context.outbox = Outbox()
        app = build_control_app(context)
        app[CONTROL] = True
        app.middlewares.insert(0, persist_middleware(lambda: context.services.get("web")))
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        self._runner = runner  # stop() cleans up even if binding fails
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self.bound_port = _bound_port(runner)
        context.services["reset"] = functools.partial(reset_simulator, context)
        context.services.setdefault("components", []).append(self.name)
        app[READY]["ready"] = True
        return [
            Endpoint(
                "control",
                "control-api",
                "http",
                self.host,
                self.bound_port,
                {"url": f"http://{self.host}:{self.bound_port}/", "openapi": "/openapi.json"},
            )
        ]

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
