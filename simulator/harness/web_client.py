"""The harness's TRAQS tester: the web front driven the way a person in a browser drives it.

:class:`TraqsClient` wraps the web front's own client (:mod:`simulator.web.client`: every site
name resolved to loopback, real TLS against the simulator's test CA, cookies and CSRF tokens kept
like a browser) with the tester's tasks of a UAT script: register the firm, enrol in MFA from
the invitation email, log in, report and correct trades, read the trade display, download a
reference-data file. Each task answers a word the script's ``expect`` is compared with and a
sentence from the page.

Credentials are the simulator's published test credentials: the organisation files the web front
loads (``scenarios/orgs/*.toml``, packaged under ``simulator/web/data/orgs``) hold each tester's
password, security answers and, when pre-enrolled, authenticator secret.
"""

from __future__ import annotations

import base64
import html
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from simulator.harness.controller import HarnessError, SimHarness
from simulator.harness.timetext import et_wall
from simulator.harness.uat_script import Tester, UatScript

TRAQS_PARALLEL = "beta.finratraqs.org"  # MFA route, new infrastructure (seed 001)
TRAQS_CERTIFICATE = "finratraqs.org"  # certificate route until 2021-04-19
MPP = "mpp.nasdaq.com"
API = "download2.finratraqs.org"
_ROW = re.compile(r'<tr id="trade-(\d+)"[^>]*data-state="([a-z]+)"[^>]*>(.*?)</tr>', re.DOTALL)
_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.DOTALL)
_SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
_REFRESH = re.compile(r'id="refresh-token">([^<]+)<')
_UAT_ERROR = re.compile(r'id="uat-error">(.*?)</p>', re.DOTALL)


@dataclass
class Credentials:
    username: str
    password: str
    answers: dict[str, str] = field(default_factory=dict)
    totp_secret: str | None = None


@dataclass
class Answer:
    result: str
    message: str = ""


def _org_files() -> list[Path]:
    try:
        from simulator.web.component import default_org_files

        return list(default_org_files())
    except ImportError:  # pragma: no cover - no web front installed
        return []


def load_credentials(files: list[Path] | None = None) -> dict[str, Credentials]:
    """Test credentials by user name, from the organisation files the web front loads."""
    from simulator.entitlement.questions import QUESTION_CATALOGUE

    found: dict[str, Credentials] = {}
    for path in files if files is not None else _org_files():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for account in data.get("accounts", []):
            answers = account.get("security_answers", [])
            questions = account.get("security_questions", QUESTION_CATALOGUE[: len(answers)])
            found[str(account["username"]).casefold()] = Credentials(
                username=str(account["username"]),
                password=str(account.get("password", "")),
                answers=dict(zip(questions, answers, strict=False)),
                totp_secret=account.get("totp_secret"),
            )
    return found


class TraqsClient:
    """One tester's browser sessions (one per user name) against the simulator's web front."""

    def __init__(self, sim: SimHarness, script: UatScript | None = None) -> None:
        self.sim = sim
        self.script = script
        self.credentials = load_credentials()
        web = [e for e in sim.endpoints() if e.component == "web"]
        if not web:
            raise HarnessError("the simulator serves no TRAQS web front")
        self.port = web[0].port
        pki = next((e.details["pki"] for e in web if "pki" in e.details), None)
        if pki is None:
            raise HarnessError("the web front did not say where its test CA is")
        self.pki_dir = Path(pki)
        self._browsers: dict[str, Any] = {}
        self.trades: dict[str, int] = {}  # client ref -> report id shown by TRAQS

    # -- plumbing --------------------------------------------------------------------------------
    def _creds(self, username: str) -> Credentials:
        try:
            return self.credentials[username.casefold()]
        except KeyError:
            raise HarnessError(
                f"{username} has no test credentials in the simulator's organisation files"
            ) from None

    def _certificate(self, username: str) -> Any:
        from simulator.tls import ClientCertificate, _client_paths

        pem, cert, key = _client_paths(self.pki_dir, username)
        if not cert.exists():
            return None
        return ClientCertificate(username, pem, cert, key, "")

    def _browser(self, username: str, *, certificate: bool = True) -> Any:
        """The user's browser: with the client certificate FINRA issued them (when they have
        one) or, ``certificate=False``, a second browser that presents none."""
        key = username if certificate else f"{username} (no certificate)"
        browser = self._browsers.get(key)
        if browser is None:
            from simulator.web.client import WebClient

            cert = self._certificate(username) if certificate else None
            browser = WebClient(self.port, ca=self.pki_dir / "ca.pem", cert=cert)
            self.sim.loop.run(browser.__aenter__())
            self._browsers[key] = browser
        return browser

    def _run(self, coro: Any) -> Any:
        return self.sim.loop.run(coro, timeout=30)

    def _page(self, what: str, page: Any) -> Any:
        self.sim.record(
            "page", "tester", f"{what}: {page.status} {page.url}", (page.error or "")[:300]
        )
        return page

    def follow_restart(self) -> bool:
        """After the simulator restarted on its data directory (new ports, the same test CA),
        point every browser at the web front's new port, cookies kept -- a browser left open
        while the server restarted. Returns whether the port changed."""
        web = [e for e in self.sim.endpoints() if e.component == "web"]
        if not web or web[0].port == self.port:
            return False
        self.port = web[0].port
        for browser in self._browsers.values():
            browser.port = self.port
        return True

    def browser(self, username: str) -> Any:
        """The user's browser (with the client certificate FINRA issued them, if any)."""
        return self._browser(username)

    def close(self) -> None:
        for browser in self._browsers.values():
            if self.sim.loop.running:
                self.sim.loop.run(browser.__aexit__(None, None, None))
        self._browsers.clear()

    # -- tasks -----------------------------------------------------------------------------------
    def login(self, tester: Tester, route: str = "mfa", site: str | None = None) -> Answer:
        from simulator.web.client import totp_code

        creds = self._creds(tester.username)
        browser = self._browser(tester.username)
        if route == "certificate":
            host = site or TRAQS_CERTIFICATE
            page = self._run(browser.login_certificate(host, creds.username, creds.password))
        else:
            host = site or TRAQS_PARALLEL
            secret = creds.totp_secret
            code = totp_code(secret, self.sim.now_ns()) if secret else None
            page = self._run(
                browser.login_mfa(
                    host,
                    creds.username,
                    creds.password,
                    answer=lambda question: creds.answers.get(question, ""),
                    code=code,
                )
            )
        self._page(f"login {route} at {host}", page)
        if page.status == 200 and "/login" not in page.url:
            return Answer("logged_in", page.url)
        return Answer("refused", page.error or f"{page.status} {page.url}")

    def enrol_mfa(self, tester: Tester, factor: str = "totp") -> Answer:
        from simulator.web.client import totp_code

        if factor != "totp":
            raise HarnessError("the harness enrols with an authenticator app (totp) only")
        creds = self._creds(tester.username)
        invitations = [
            m
            for m in self.sim.outbox(to=tester.username)
            if m.get("tags", {}).get("kind") == "mfa-invitation"
        ]
        if not invitations:
            return Answer("no_invitation", f"no MFA invitation email for {tester.username}")
        link = invitations[-1]["links"][0]
        path = link.split(f":{self.port}", 1)[1]
        browser = self._browser(tester.username)
        page = self._page("invitation link", self._run(browser.get(MPP, path)))
        page = self._run(browser.post(MPP, "/enrol/password", {"password": creds.password}))
        page = self._run(browser.post(MPP, "/factor/setup", {"action": "totp-start"}))
        found = _SECRET.search(page.text)
        if found is None:
            return Answer("refused", page.error or "no authenticator secret shown")
        creds.totp_secret = found.group(1)
        code = totp_code(creds.totp_secret, self.sim.now_ns())
        page = self._page(
            "enrol authenticator",
            self._run(browser.post(MPP, "/factor/setup", {"action": "totp-confirm", "code": code})),
        )
        if 'id="enrolled"' in page.text:
            return Answer("enrolled", "authenticator app enrolled")
        return Answer("refused", page.error or page.url)

    def register_for_uat(
        self,
        *,
        tester: Tester,
        uat: str,
        firm: str,
        mpids: list[str],
        testers: list[str],
        usernames: list[str],
    ) -> Answer:
        creds = self._creds(tester.username)
        browser = self._browser(tester.username)
        host = TRAQS_CERTIFICATE
        self._run(browser.login_certificate(host, creds.username, creds.password))
        self._run(browser.get(host, "/uat"))
        form = {
            "uat": uat,
            "firm_name": firm,
            "mpids": " ".join(mpids),
            "testers": "\n".join(testers),
            "web_usernames": ", ".join(usernames),
        }
        page = self._page("UAT registration", self._run(browser.post(host, "/uat", form)))
        if page.status == 200 and "is registered" in page.text:
            return Answer("accepted", "registered")
        found = _UAT_ERROR.search(page.text)
        why = html.unescape(found.group(1)).strip() if found else page.error
        return Answer("refused", why or f"{page.status}")

    def report(self, tester: Tester, trade: Any, host: str = TRAQS_PARALLEL) -> Answer:
        browser = self._browser(tester.username)
        self._run(browser.get(host, "/trades/new"))
        wall = et_wall(trade.executed_ns)
        fraction = f"{trade.executed_ns % 1_000_000_000:09d}"
        form = {
            "facility": trade.facility,
            "reporting_mpid": trade.mpid,
            "side": trade.side,
            "security": trade.security,
            "security_type": "auto",
            "quantity": str(trade.quantity),
            "price": str(trade.price),
            "trade_date": wall.date().isoformat(),
            "execution_time": f"{wall:%H:%M:%S}.{fraction}",
            "contra_mpid": trade.contra or "C",
            "capacity": "P",
            "client_ref": trade.ref,
            "memo": "",
        }
        page = self._page(f"report {trade.ref}", self._run(browser.post(host, "/trades", form)))
        found = re.search(r"highlight=(\d+)", page.url)
        if page.status == 200 and found:
            self.trades[trade.ref] = int(found.group(1))
            self.sim.data.setdefault("web_forms", {})[trade.ref] = form
            return Answer("accepted", page.url)
        return Answer("refused", page.error or f"{page.status}")

    def correct(
        self, tester: Tester, ref: str, changes: dict[str, Any], host: str = TRAQS_PARALLEL
    ) -> Answer:
        report_id = self.trades.get(ref)
        form = self.sim.data.get("web_forms", {}).get(ref)
        if report_id is None or form is None:
            raise HarnessError(f"{ref} was not reported through TRAQS in this script")
        browser = self._browser(tester.username)
        self._run(browser.get(host, f"/trades/{report_id}/correct"))
        fixed = dict(form, client_ref=f"{ref}R")
        for key, value in changes.items():
            fixed[key] = str(Decimal(str(value)))
        page = self._page(
            f"correct {ref}",
            self._run(browser.post(host, f"/trades/{report_id}/correct", fixed)),
        )
        found = re.search(r"highlight=(\d+)", page.url)
        if page.status == 200 and found:
            self.trades[f"{ref}R"] = int(found.group(1))
            return Answer("accepted", page.url)
        return Answer("refused", page.error or f"{page.status}")

    def cancel(self, tester: Tester, ref: str, host: str = TRAQS_PARALLEL) -> Answer:
        """Cancel a trade reported (or corrected) through TRAQS in this session, by its
        reference: the Cancel button on its row of the trade display."""
        report_id = self.trades.get(ref)
        if report_id is None:
            raise HarnessError(f"{ref} was not reported through TRAQS in this session")
        browser = self._browser(tester.username)
        self._run(browser.get(host, "/trades"))
        page = self._page(
            f"cancel {ref}", self._run(browser.post(host, f"/trades/{report_id}/cancel", {}))
        )
        if page.status == 200 and "cancelled" in page.text:
            return Answer("accepted", page.url)
        return Answer("refused", page.error or f"{page.status}")

    def display(self, tester: Tester, host: str = TRAQS_PARALLEL) -> dict[str, str]:
        """Each trade's lifecycle as the display shows it: ``accepted``, ``corrected`` (its
        replacement is live) or ``cancelled`` (its last version was cancelled), by first ref."""
        browser = self._browser(tester.username)
        page = self._page("trade display", self._run(browser.get(host, "/trades")))
        rows: dict[str, list[str]] = {}
        for _report_id, state, body in _ROW.findall(page.text):
            cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in _CELL.findall(body)]
            ref = next((c for c in reversed(cells) if c), "")
            for cell in cells:
                if cell and (cell in self._known_refs()):
                    ref = cell
            base = ref[:-1] if ref.endswith("R") and ref[:-1] in self._known_refs() else ref
            rows.setdefault(base, []).append(state)
        shown: dict[str, str] = {}
        for ref, states in rows.items():
            if "cancelled" in states:
                shown[ref] = "cancelled"
            elif "corrected" in states:
                shown[ref] = "corrected"
            else:
                shown[ref] = states[-1]
        return shown

    def _known_refs(self) -> set[str]:
        refs = set(self.trades)
        refs |= {ref for ref in self.sim.data.get("uat_refs", ())}
        return refs

    def download(
        self,
        tester: Tester,
        host: str = API,
        *,
        certificate: bool = True,
        token: str | None = None,
    ) -> Answer:
        """List the reference-data files and download the newest: with the certificate, login
        ID and password (HTTP Basic) until the API's MFA date, or with an access token
        (``Authorization: Bearer``) from it."""
        creds = self._creds(tester.username)
        browser = self._browser(tester.username, certificate=certificate and token is None)
        if token is not None:
            headers = {"Authorization": f"Bearer {token}"}
        else:
            basic = base64.b64encode(f"{creds.username}:{creds.password}".encode()).decode()
            headers = {"Authorization": f"Basic {basic}"}
        listing = self._page(
            f"API file list at {host}",
            self._run(browser.request("GET", host, "/api/files", headers=headers)),
        )
        if listing.status != 200:
            return Answer("refused", _api_message(listing))
        files = listing.json().get("files", [])
        if not files:
            return Answer("no_files", "the API lists no file")
        name = files[-1]["name"]
        page = self._page(
            f"API download {name}",
            self._run(browser.request("GET", host, f"/api/files/{name}", headers=headers)),
        )
        if page.status == 200 and page.text:
            return Answer("downloaded", f"{name}: {len(page.text.splitlines())} lines")
        return Answer("refused", _api_message(page))

    def api_token(self, tester: Tester, api_host: str, traqs_host: str = TRAQS_CERTIFICATE) -> str:
        """An access token for the reference-data API in its MFA era: log in to TRAQS with
        MFA, issue a refresh token on the API token page, exchange it at ``POST /api/token``."""
        answer = self.login(tester, route="mfa", site=traqs_host)
        if answer.result != "logged_in":
            raise HarnessError(f"{tester.username} could not log in to {traqs_host}: {answer}")
        browser = self._browser(tester.username)
        self._run(browser.get(traqs_host, "/api-token"))
        page = self._page("API token", self._run(browser.post(traqs_host, "/api-token", {})))
        found = _REFRESH.search(page.text)
        if page.status != 200 or found is None:
            raise HarnessError(f"TRAQS issued no refresh token: {page.error or page.status}")
        exchange = {"grant_type": "refresh_token", "refresh_token": found.group(1)}
        issued = self._page(
            "API token exchange",
            self._run(browser.request("POST", api_host, "/api/token", data=exchange)),
        )
        if issued.status != 200:
            raise HarnessError(f"the API refused the refresh token: {_api_message(issued)}")
        return str(issued.json()["access_token"])


def _api_message(page: Any) -> str:
    """The API's JSON refusal (``{"error", "message"}``), or the start of the page."""
    try:
        body = page.json()
    except ValueError:
        return str(page.text[:200])
    if isinstance(body, dict) and "message" in body:
        return f"{page.status} {body.get('error', '')}: {body['message']}"
    return str(page.text[:200])


def uat_day(script: UatScript) -> str:
    """The UAT key the web front uses: the Saturday's date."""
    return et_wall(script.window_start_ns).date().isoformat()
