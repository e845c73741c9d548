"""The crash drill: kill ``facsim serve`` with SIGKILL mid-burst, restart it, check nothing is lost.

Issue 6, "Crash recovery": every report that was acknowledged is in the journal exactly once;
none that was not acknowledged is half-written; each firm's session resumes its sequence numbers
and a ResendRequest is answered from the store; the web front's sessions and accounts survive.
One :meth:`CrashDrill.round` does exactly that against a real ``facsim serve`` child process:

1. start ``facsim serve --ports auto --at ...`` on the data directory and read its endpoints from
   the control API; a tester (:class:`WebProbe`) logs in to the MFA service, enrols a phone
   for text-message codes (a number of the round's own), and logs in to production TRAQS with
   it -- each answer of the web front is saved before it is sent;
2. log firms on (the simulator's own initiator over TCP, validating with the facilities' data
   dictionaries, as a firm's engine does) and pipeline trade reports on every session at once;
3. SIGKILL the server as soon as ``kill_after`` acknowledgements have arrived (mid-burst: the
   rest is in flight), then read whatever the sockets still hold;
4. restart it on the same data directory (its clock where the first one stopped) and log every
   firm on again *without* a sequence reset: the numbers continue, the facility asks for what it
   never read, the firm asks for what it never received, both answered from the stores;
5. send one more report per session and wait for its acknowledgement (so recovery is complete);
6. make one firm forget everything it received and log on again: its ResendRequest from 1 is
   answered from the facility's store, which must hold an acknowledgement of every report that
   firm was ever acknowledged;
7. check the web front: the account is there, the tester's TRAQS session cookie from before the
   kill still opens the trade entry with the same CSRF token, and the phone enrolled before the
   kill is the account's text-message factor (``docs/resilience.md``, "What the web front
   keeps");
8. stop the server (SIGTERM) and read the journal: every acknowledged report exactly once, no
   report without its lifecycle event, the databases' integrity checks clean.

:class:`RoundResult` holds the counts; ``tests/integration/test_crash_recovery.py`` runs one small
round in CI, ``bench/crash_recovery.py`` many at full speed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from simulator.clock import SECOND, OffsetClock
from simulator.domain.facility import FacilityId, PortType, Region
from simulator.fix.application import SessionInfo
from simulator.fix.message import FixMessage
from simulator.fix.session import FixSession, Role, SessionConfig
from simulator.fix.store import MemoryStore
from simulator.fix.transport import FixClient
from simulator.runtime import Endpoint
from simulator.timestamps import format_iso8601, local_ns

DEFAULT_AT = local_ns(dt.date(2021, 11, 15), 10, 0)
DEFAULT_FIRMS = ("ACMEFIX", "BETAFIX", "GAMMAFIX")
DEFAULT_PORTS = ("trace-ca", "nasdaq-trf-carteret")
WEB_USER = "tom.trader@acme.example"
MPP = "mpp.nasdaq.com"
TRAQS = "finratraqs.org"


class DrillError(RuntimeError):
    """The drill could not run (the server did not start, a firm could not log on)."""


@dataclass
class RoundResult:
    """What one crash round found. The invariants hold when :attr:`ok` is true."""

    round: int
    sent: int = 0
    acked_before_kill: int = 0
    acked_total: int = 0
    journaled: int = 0
    duplicates: int = 0
    acked_not_journaled: int = 0
    journaled_never_acked: int = 0
    lost_unacknowledged: int = 0
    recovered_by_resend: int = 0
    resent_from_store: int = 0
    store_covers_acks: bool = False
    sequences_resumed: bool = False
    half_written: int = 0
    integrity: str = ""
    web_account: bool | None = None
    web_session: bool | None = None
    web_change: bool | None = None
    kill_after_seconds: float = 0.0
    restart_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def check(self) -> None:
        """Fill :attr:`problems` from the counts (the guarantees of ``docs/resilience.md``)."""
        if self.duplicates:
            self.problems.append(f"{self.duplicates} report(s) journaled more than once")
        if self.acked_not_journaled:
            self.problems.append(f"{self.acked_not_journaled} acknowledged report(s) not journaled")
        if self.half_written:
            self.problems.append(f"{self.half_written} report(s) without a lifecycle event")
        if not self.sequences_resumed:
            self.problems.append("a firm's session did not resume its sequence numbers")
        if not self.store_covers_acks:
            self.problems.append("the ResendRequest after restart missed acknowledged reports")
        if self.integrity != "ok":
            self.problems.append(f"integrity check: {self.integrity}")
        if self.web_account is False:
            self.problems.append(f"the web account {WEB_USER} is gone after the restart")
        if self.web_session is False:
            self.problems.append("the tester's TRAQS session did not survive the restart")
        if self.web_change is False:
            self.problems.append("the phone factor enrolled before the kill is gone")

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["ok"] = self.ok
        return body


# -- the server process ---------------------------------------------------------------------------


class ServeProcess:
    """``facsim serve`` as a child process, on ``--ports auto`` and an ``--at`` clock."""

    def __init__(self, data_dir: Path, *, config: Path | None = None, web: bool = True) -> None:
        self.data_dir = data_dir
        self.config = config
        self.web = web
        self.process: asyncio.subprocess.Process | None = None
        self.endpoints: dict[str, Endpoint] = {}
        self.control_url = ""
        self.output: list[str] = []
        self._reader: asyncio.Task[None] | None = None

    async def start(self, at_ns: int, timeout: float = 60.0) -> dict[str, Endpoint]:
        command = [
            sys.executable, "-m", "simulator.cli", "serve",
            "--ports", "auto",
            "--at", format_iso8601(at_ns),
            "--data-dir", str(self.data_dir),
            "--log-level", "error",
        ]  # fmt: skip
        if self.config is not None:
            command += ["--config", str(self.config)]
        self.process = await asyncio.create_subprocess_exec(
            *command,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                raw = await asyncio.wait_for(self.process.stdout.readline(), max(remaining, 0.01))
            except TimeoutError:
                raise DrillError(f"facsim serve did not start in {timeout:g} s") from None
            if not raw:
                raise DrillError("facsim serve exited: " + " | ".join(self.output[-10:]))
            line = raw.decode(errors="replace").rstrip()
            self.output.append(line)
            parts = line.split()
            if parts[:1] == ["http"] and len(parts) > 2 and parts[2] == "control-api":
                self.control_url = f"http://{parts[1]}"
            if line.startswith("ready"):
                break
        self._reader = asyncio.create_task(self._drain())
        if not self.control_url:
            raise DrillError("facsim serve printed no control API endpoint")
        found = await self.get("/endpoints")
        self.endpoints = {
            item["name"]: Endpoint(
                item["component"], item["name"], item["kind"], item["host"], item["port"],
                {str(k): str(v) for k, v in item["details"].items()},
            )
            for item in found["endpoints"]
        }  # fmt: skip
        return self.endpoints

    async def _drain(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.output.append(line.decode(errors="replace").rstrip())
            del self.output[:-200]

    async def clock_ns(self) -> int:
        """The server's simulated time now (firms stamp their reports from it)."""
        answer = await self.get("/clock")
        return int(answer["now_ns"])

    async def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        """A control API GET (``None`` for a 404)."""
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=10)
        async with (
            aiohttp.ClientSession() as http,
            http.get(self.control_url + path, params=params, timeout=timeout) as answer,
        ):
            if answer.status == 404:
                return None
            answer.raise_for_status()
            return json.loads(await answer.read())

    def kill(self) -> None:
        """SIGKILL: no flush, no clean shutdown -- a crash."""
        if self.process is not None and self.process.returncode is None:
            os.kill(self.process.pid, signal.SIGKILL)

    async def wait(self, timeout: float = 30.0) -> int:
        if self.process is None:
            return 0
        code = await asyncio.wait_for(self.process.wait(), timeout)
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 5)
        return code

    async def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM: every port closed, the journal flushed."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await self.wait(timeout)


# -- the firms ------------------------------------------------------------------------------------


class DrillFirm:
    """One firm session at one port, reporting and collecting acknowledgements by its refs."""

    def __init__(self, comp_id: str, endpoint: Endpoint, clock: OffsetClock) -> None:
        from simulator.fix.dialects import dictionary_path
        from simulator.fix.dictionary import for_session

        self.comp_id = comp_id
        self.endpoint = endpoint
        self.clock = clock
        facility = FacilityId(endpoint.details["facility"])
        port_type = PortType(endpoint.details["port_type"])
        target, _, sub = endpoint.details["comp_id"].partition("/")
        begin = endpoint.details["begin"]
        self.facility = facility
        self.trace = facility.is_trace
        info = SessionInfo(
            session_id=f"drill:{comp_id}:{endpoint.name}",
            facility=facility,
            begin_string=begin,
            facility_comp_id=target,
            firm_comp_id=comp_id,
            firm=comp_id,
            port_type=port_type,
            region=Region(endpoint.details.get("region", "production")),
            facility_sub_id=sub or None,
        )
        self.session = FixSession(
            SessionConfig(
                info=info,
                role=Role.INITIATOR,
                heartbeat_s=30,
                max_latency_ns=None,
                sending_time_precision=0 if self.trace else 3,
                dictionary=for_session(begin, str(dictionary_path(facility, port_type))),
            ),
            MemoryStore(),
        )
        self.client: FixClient | None = None
        self.sent: list[str] = []
        self.acked: set[str] = set()
        self.resent: set[str] = set()  # refs whose acknowledgement came again with 43=Y
        self.rejected = 0
        self.count = 0
        self.tag = ""
        self._collector: asyncio.Task[None] | None = None

    async def connect(self, endpoint: Endpoint | None = None, *, reset: bool = False) -> None:
        if endpoint is not None:
            self.endpoint = endpoint
        self.client = await FixClient.connect(
            self.endpoint.host, self.endpoint.port, self.session, self.clock
        )
        await self.client.logon(reset_seq=reset, timeout=15)
        self._collector = asyncio.create_task(self._collect(self.client))

    async def _collect(self, client: FixClient) -> None:
        while True:
            message = await client.messages.get()
            ref = message.get(572)  # the firm's TradeReportID, echoed by every acknowledgement
            if message.msg_type == "AE" and ref and message.get(856) != "1":  # 856=1: an allege
                self.acked.add(ref)
                if message.get(43) == "Y":
                    self.resent.add(ref)
            elif message.msg_type in ("AR", "j", "3"):
                self.rejected += 1

    def report(self, ref: str, executed_ns: int | None = None) -> FixMessage:
        """A new report; executed five seconds ago by default (clocks a few ms apart)."""
        from simulator.harness.adapter import TradeRequest
        from simulator.harness.fix_messages import trade_message

        trade = TradeRequest(
            facility=self.facility.value,
            mpid={"ACMEFIX": "ACME", "BETAFIX": "BETA", "GAMMAFIX": "GAMM"}.get(
                self.comp_id, self.comp_id[:4]
            ),
            side="S",
            symbol="037833100" if self.trace else "AAPL",
            quantity=Decimal(100),
            price=Decimal("10.25"),
            executed_ns=self.clock.now_ns() - 5 * SECOND if executed_ns is None else executed_ns,
            client_ref=ref,
        )
        return trade_message(trade, trace=self.trace, digits=0 if self.trace else 3)

    def send(self, prefix: str, count: int) -> list[str]:
        """Queue ``count`` reports in one write (a pipelined burst)."""
        assert self.client is not None and self.client.handler is not None
        refs = []
        now = self.clock.now_ns()
        for _ in range(count):
            self.count += 1
            ref = f"{prefix}{self.tag}{self.count}"
            self.session.send_app(self.report(ref), now)
            refs.append(ref)
        self.client.handler.wake()
        self.sent += refs
        return refs

    async def until_acked(self, refs: Sequence[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not set(refs) <= self.acked:
            if time.monotonic() > deadline:
                missing = sorted(set(refs) - self.acked)[:5]
                raise DrillError(f"{self.comp_id}@{self.endpoint.name}: no ack of {missing}")
            await asyncio.sleep(0.005)

    async def closed(self, timeout: float = 15.0) -> None:
        if self.client is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await self.client.wait_closed(timeout)
            await asyncio.sleep(0)  # let the collector take the last messages
            await self.client.close()
        if self._collector is not None:
            self._collector.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._collector
            self._collector = None


# -- the web tester -------------------------------------------------------------------------------


class WebProbe:
    """A tester in a browser, before and after the kill: what the web front acknowledged to
    them must be there after the restart (issue 6: "the web front's sessions and accounts
    survive").

    Before the kill: log in to the MFA service (``mpp.nasdaq.com``) with MFA, enrol a phone for
    text-message codes -- a number of the round's own, so each round's change is told apart --
    and log in to production TRAQS (``finratraqs.org``), keeping the session cookie and the
    CSRF token of the trade entry page. After the restart, with the same browser (cookies kept,
    pointed at the new port): the trade entry opens without a login and shows the same CSRF
    token, and the control API lists the round's phone as the account's SMS factor.

    Logins use the text-message factor once one is enrolled (each code is new), so rounds in
    the same 30-second step never present an authenticator code already used.
    """

    def __init__(self, username: str, round_number: int) -> None:
        from simulator.harness.web_client import load_credentials

        self.username = username
        self.credentials = load_credentials()[username.casefold()]
        self.phone = f"+1 212 555 {round_number % 10000:04d}"
        self.browser: Any = None
        self.csrf: str | None = None

    @staticmethod
    def _web(endpoints: dict[str, Endpoint]) -> tuple[int, Path]:
        web = [e for e in endpoints.values() if e.component == "web"]
        pki = next((e.details["pki"] for e in web if "pki" in e.details), None)
        if not web or pki is None:
            raise DrillError("facsim serve printed no web front endpoint with its test CA")
        return web[0].port, Path(pki)

    async def _factors(self, server: ServeProcess) -> list[dict[str, str]]:
        found = await server.get(f"/entitlement/accounts/{self.username}")
        return list(found["mfa_factors"]) if found else []

    async def _sms_code(self, server: ServeProcess) -> str:
        """The code in the latest text message the simulator sent this user (the drill is the
        only one sending them)."""
        found = await server.get("/outbox", {"channel": "sms"})
        mine = [
            m
            for m in (found or {}).get("messages", [])
            if m.get("tags", {}).get("username") == self.username and m.get("code")
        ]
        if not mine:
            raise DrillError(f"no text-message code reached {self.username}")
        return str(mine[-1]["code"])

    async def _login(self, server: ServeProcess, host: str) -> Any:
        """Password, security question, second factor; the page after the login."""
        from simulator.web.client import totp_code

        creds, browser = self.credentials, self.browser
        await browser.get(host, "/login")
        form = {"method": "mfa", "username": creds.username, "password": creds.password}
        page = await browser.post(host, "/login", form)
        if page.question is not None:
            answer = creds.answers.get(page.question, "")
            page = await browser.post(host, "/login/question", {"answer": answer})
        if any(f["kind"] == "sms" for f in await self._factors(server)):
            await browser.post(host, "/login/factor", {"kind": "sms", "action": "send"})
            kind, code = "sms", await self._sms_code(server)
        elif creds.totp_secret:
            kind, code = "totp", totp_code(creds.totp_secret, await server.clock_ns())
        else:
            raise DrillError(f"{self.username} has no second factor to log in with")
        verify = {"kind": kind, "action": "verify", "code": code}
        page = await browser.post(host, "/login/factor", verify)
        if page.status != 200 or "/login" in page.url:
            raise DrillError(f"{self.username} could not log in to {host}: {page.error}")
        return page

    async def before(self, server: ServeProcess, endpoints: dict[str, Endpoint]) -> None:
        """Log in, enrol the round's phone, log in to TRAQS; raise :class:`DrillError` if the
        web front does not let the tester do it (the drill cannot run)."""
        from simulator.web.client import WebClient

        port, pki = self._web(endpoints)
        self.browser = WebClient(port, ca=pki / "ca.pem")
        await self.browser.__aenter__()
        await self._login(server, MPP)
        start = {"action": "phone-start", "kind": "sms", "phone": self.phone}
        await self.browser.post(MPP, "/factor/setup", start)
        code = await self._sms_code(server)
        confirm = {"action": "phone-confirm", "code": code}
        page = await self.browser.post(MPP, "/factor/setup", confirm)
        if not page.url.endswith("/profile"):
            raise DrillError(f"the phone was not enrolled: {page.error or page.url}")
        await self._login(server, TRAQS)
        page = await self.browser.get(TRAQS, "/trades/new")
        if page.status != 200 or not page.csrf:
            raise DrillError(f"TRAQS trade entry did not open: {page.status} {page.url}")
        self.csrf = page.csrf

    async def after(
        self, server: ServeProcess, endpoints: dict[str, Endpoint]
    ) -> tuple[bool, bool]:
        """(the session survived, the phone factor survived)."""
        port, _ = self._web(endpoints)
        self.browser.port = port
        page = await self.browser.get(TRAQS, "/trades/new")
        session = page.status == 200 and page.url.endswith("/trades/new") and page.csrf == self.csrf
        last_four = self.phone.replace(" ", "")[-4:]
        change = any(
            f["kind"] == "sms" and f["description"].endswith(last_four)
            for f in await self._factors(server)
        )
        return session, change

    async def close(self) -> None:
        if self.browser is not None:
            browser, self.browser = self.browser, None
            await browser.__aexit__(None, None, None)


# -- the drill ------------------------------------------------------------------------------------


class CrashDrill:
    """Rounds of crash and recovery against ``facsim serve`` on one data directory."""

    def __init__(
        self,
        data_dir: Path,
        *,
        firms: Sequence[str] = DEFAULT_FIRMS,
        ports: Sequence[str] = DEFAULT_PORTS,
        at_ns: int = DEFAULT_AT,
        config: Path | None = None,
        check_web: bool = True,
    ) -> None:
        self.data_dir = data_dir
        self.firms = tuple(firms)
        self.ports = tuple(ports)
        self.at_ns = at_ns
        self.config = config
        self.check_web = check_web
        self.rounds = 0

    async def round(self, *, burst: int = 200, kill_after: int = 100) -> RoundResult:
        """One crash and recovery (see the module docstring); never raises for a broken
        guarantee -- that is in :attr:`RoundResult.problems`."""
        self.rounds += 1
        result = RoundResult(self.rounds)
        prefix = f"R{self.rounds}-"
        server = ServeProcess(self.data_dir, config=self.config)
        endpoints = await server.start(self.at_ns)
        probe = WebProbe(WEB_USER, self.rounds) if self.check_web else None
        try:
            if probe is not None:
                await probe.before(server, endpoints)
        except BaseException:
            server.kill()
            with contextlib.suppress(Exception):
                await server.wait()
            if probe is not None:
                await probe.close()
            raise
        started = time.monotonic()
        clock = OffsetClock(await server.clock_ns(), 1)  # the firms' engines keep the server's time
        firms = [
            DrillFirm(comp_id, endpoints[port], clock)
            for port in self.ports
            for comp_id in self.firms
        ]
        for index, firm in enumerate(firms):
            firm.tag = f"F{index}-"  # refs unique across the round's sessions
        try:
            for firm in firms:  # a new day for the drill's firms: both numbers start at 1
                await firm.connect(reset=True)
            for firm in firms:
                firm.send(prefix, burst)
            while sum(len(f.acked) for f in firms) < kill_after:
                if time.monotonic() - started > 60:
                    raise DrillError("no acknowledgements arrived before the kill")
                await asyncio.sleep(0.001)
            server.kill()
            result.kill_after_seconds = round(time.monotonic() - started, 3)
            await server.wait()
            for firm in firms:
                await firm.closed()
            acked_before = {(f.comp_id, f.endpoint.name): set(f.acked) for f in firms}
            result.acked_before_kill = sum(len(v) for v in acked_before.values())

            restarted = time.monotonic()
            self.at_ns = clock.now_ns() + SECOND
            server = ServeProcess(self.data_dir, config=self.config)
            endpoints = await server.start(self.at_ns)
            clock = OffsetClock(await server.clock_ns(), 1)
            result.restart_seconds = round(time.monotonic() - restarted, 3)
            resumed = True
            for firm in firms:
                firm.clock = clock
                before = firm.session.next_sender_seq
                await firm.connect(endpoints[firm.endpoint.name])  # no reset: 141 not sent
                # the facility's Logon answer continued its numbers (a facility that had started
                # again from 1 would be "too low" for the firm, which would have logged out)
                resumed = resumed and firm.session.next_sender_seq == before + 1
                resumed = resumed and firm.session.next_target_seq > 2
            for firm in firms:
                marker = firm.send(f"{prefix}after-", 1)
                await firm.until_acked(marker, 30)
            result.sequences_resumed = resumed
            result.recovered_by_resend = sum(len(f.resent) for f in firms)

            # a firm that lost its inbound store asks for everything from 1
            first = firms[0]
            await first.client.logout(timeout=10) if first.client else None
            await first.closed()
            first.session.store.set_next_target_seq(1)
            before_resend = set(first.resent)
            first.resent.clear()
            await first.connect(endpoints[first.endpoint.name])
            marker = first.send(f"{prefix}resend-", 1)
            await first.until_acked(marker, 30)
            result.resent_from_store = len(first.resent)
            everything = acked_before[(first.comp_id, first.endpoint.name)] | before_resend
            result.store_covers_acks = everything <= first.resent | set(marker)

            if probe is not None:
                found = await server.get(f"/entitlement/accounts/{WEB_USER}")
                result.web_account = found is not None and found.get("username") == WEB_USER
                result.web_session, result.web_change = await probe.after(server, endpoints)
            for firm in firms:
                if firm.client is not None and not firm.client.closed:
                    with contextlib.suppress(Exception):
                        await firm.client.logout(timeout=5)
                await firm.closed()
            await server.stop()
        except BaseException:
            server.kill()
            with contextlib.suppress(Exception):
                await server.wait()
            for firm in firms:
                with contextlib.suppress(Exception):
                    await firm.closed(1)
            raise
        finally:
            if probe is not None:
                await probe.close()
        self._verify(result, firms, prefix, acked_before)
        result.check()
        return result

    def _verify(
        self,
        result: RoundResult,
        firms: Sequence[DrillFirm],
        prefix: str,
        acked_before: dict[tuple[str, str], set[str]],
    ) -> None:
        from simulator.journal import open_journal

        sent = {ref for f in firms for ref in f.sent}
        acked = {ref for f in firms for ref in f.acked}
        result.sent = len(sent)
        result.acked_total = len(acked)
        journal = open_journal(self.data_dir, create=False)
        try:
            reports = [s for s in journal.query() if (s.report.client_ref or "").startswith(prefix)]
            counts: dict[str, int] = {}
            for stored in reports:
                ref = stored.report.client_ref or ""
                counts[ref] = counts.get(ref, 0) + 1
                if not journal.events(stored.report_id):
                    result.half_written += 1
        finally:
            journal.close()
        journaled = set(counts)
        result.journaled = len(journaled)
        result.duplicates = sum(1 for n in counts.values() if n > 1)
        result.acked_not_journaled = len(acked - journaled)
        result.journaled_never_acked = len(journaled - acked)
        result.lost_unacknowledged = len(sent - journaled - acked)
        result.integrity = _integrity(self.data_dir)


def _integrity(data_dir: Path) -> str:
    """``PRAGMA integrity_check`` of every SQLite file in the data directory."""
    problems = []
    for path in sorted(data_dir.glob("*.sqlite3")):
        try:
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                (answer,) = connection.execute("PRAGMA integrity_check").fetchone()
            finally:
                connection.close()
        except sqlite3.Error as exc:
            answer = str(exc)
        if answer != "ok":
            problems.append(f"{path.name}: {answer}")
    return "; ".join(problems) or "ok"


__all__ = ["CrashDrill", "DrillError", "DrillFirm", "RoundResult", "ServeProcess", "WebProbe"]
