"""The reference-data API: certificate + login + password until 2024-09-30, then tokens."""

from __future__ import annotations

import base64
from collections.abc import Callable

from simulator.refdata import is_valid_cusip

TOM = "tom.trader@acme.example"
BOB = "bob.trader@bravo.example"
PASSWORD = "Trader-2021"
API = "download2.finratraqs.org"


def basic(user: str, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_certificate_login_and_password_download_a_file(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser(cert=TOM) as client:
            listing = await client.request("GET", API, "/api/files", headers=basic(TOM))
            assert listing.status == 200, listing.text
            files = listing.json()["files"]
            names = [f["name"] for f in files]
            assert "CAMASTER_20210319.txt" in names  # Friday: Saturday has no files
            assert not any("20210320" in n for n in names)
            page = await client.request(
                "GET", API, "/api/files/CAMASTER_20210319.txt", headers=basic(TOM)
            )
            assert page.status == 200
            assert page.headers["Content-Disposition"].endswith('"CAMASTER_20210319.txt"')
            lines = page.text.splitlines()
            assert lines[0].startswith("CUSIP|SYMBOL|")
            assert lines[-1] == f"TOTAL RECORDS|{len(lines) - 2}"
            assert all(is_valid_cusip(line.split("|")[0]) for line in lines[1:-1])
            again = await client.request(
                "GET", API, "/api/files/CAMASTER_20210319.txt", headers=basic(TOM)
            )
            assert again.text == page.text  # generated from the seed: stable
        assert "ok" in sim.audit("api-download", TOM)

    web_sim(body)


def test_missing_certificate_or_credentials_and_foreign_certificate(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser() as client:
            page = await client.request("GET", API, "/api/files", headers=basic(TOM))
            assert page.status == 401 and page.json()["error"] == "certificate-missing"
            assert page.headers["WWW-Authenticate"].startswith("Basic")
        async with sim.browser(cert=TOM) as client:
            page = await client.request("GET", API, "/api/files")
            assert page.status == 401 and page.json()["error"] == "credentials-missing"
            wrong = await client.request("GET", API, "/api/files", headers=basic(TOM, "nope-1234"))
            assert wrong.status == 401 and wrong.json()["error"] == "bad-credentials"
        async with sim.browser(cert=BOB) as client:
            page = await client.request("GET", API, "/api/files", headers=basic(TOM))
            assert page.status == 403 and page.json()["error"] == "certificate-not-registered"
        outcomes = sim.audit("api-auth")
        assert {
            "refused:certificate-missing",
            "refused:credentials-missing",
            "refused:certificate-not-registered",
        } <= set(outcomes)

    web_sim(body)


def test_unknown_and_unpublished_files(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser(cert=TOM) as client:
            for name, words in [
                ("../../etc/passwd", "no page"),
                ("CAMASTER_20210322.txt", "not published yet"),
                ("CAMASTER_20210320.txt", "not a business day"),
                ("NOPE_20210319.txt", "not a reference-data file name"),
            ]:
                page = await client.request("GET", API, f"/api/files/{name}", headers=basic(TOM))
                assert page.status == 404, name
                assert words in page.text, (name, page.text)

    web_sim(body)


def test_permanent_api_host_opens_on_april_19(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser(cert=TOM) as client:
            page = await client.request(
                "GET", "download.finratraqs.org", "/api/files", headers=basic(TOM)
            )
            assert page.status == 503 and "download2.finratraqs.org" in page.json()["message"]
            sim.at("2021-04-19T09:00:00-04:00")
            page = await client.request(
                "GET", "download.finratraqs.org", "/api/files", headers=basic(TOM)
            )
            assert page.status == 200

    web_sim(body)


def test_after_the_api_mfa_date_certificates_give_way_to_tokens(web_sim: Callable) -> None:
    async def body(sim) -> None:
        async with sim.browser(cert=TOM) as client:
            page = await client.request("GET", API, "/api/files", headers=basic(TOM))
            assert page.status == 401 and page.json()["error"] == "token-missing"
            await sim.login(client, "finratraqs.org", TOM)
            await client.get("finratraqs.org", "/api-token")
            issued = await client.post("finratraqs.org", "/api-token", {})
            refresh = issued.text.split('id="refresh-token">')[1].split("<")[0]
            token = await client.request(
                "POST",
                API,
                "/api/token",
                data={"grant_type": "refresh_token", "refresh_token": refresh},
            )
            assert token.status == 200, token.text
            access = token.json()["access_token"]
            listing = await client.request(
                "GET", API, "/api/files", headers={"Authorization": f"Bearer {access}"}
            )
            assert listing.status == 200
            sim.clock.advance(31 * 60 * 1_000_000_000)
            expired = await client.request(
                "GET", API, "/api/files", headers={"Authorization": f"Bearer {access}"}
            )
            assert expired.status == 401 and expired.json()["error"] == "expired-access-token"

    web_sim(body, at="2024-10-01T10:00:00-04:00")
