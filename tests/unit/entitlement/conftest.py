"""Fixtures for the entitlement tests: a directory with two organisations, on a fixed instant."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from simulator.domain.facility import Region
from simulator.entitlement import AccountKind, Directory
from simulator.timestamps import parse_iso8601

T0 = parse_iso8601("2021-03-20T09:00:00-04:00")
FAST_KDF = 2**8  # scrypt still, at a cost a unit test can afford hundreds of times


@dataclass
class AuditLog:
    rows: list[tuple[int, str, str, str, str]] = field(default_factory=list)

    def __call__(self, ns: int, actor: str, action: str, outcome: str, detail: str) -> None:
        self.rows.append((ns, actor, action, outcome, detail))

    def outcomes(self, action: str) -> list[str]:
        return [row[3] for row in self.rows if row[2] == action]


@pytest.fixture
def audit() -> AuditLog:
    return AuditLog()


@pytest.fixture
def directory(audit: AuditLog) -> Directory:
    d = Directory(audit=audit, kdf_cost=FAST_KDF)
    d.add_organisation(
        "100001", "Acme Securities LLC", mpids=["ACME", "ACMX"], cco_email="cco@acme.example"
    )
    d.designate_saa("100001", "saa@acme.example", "Sam Saa", T0, phone="+1 212 555 0100")
    d.activate("saa@acme.example", "Saa-pass-1", T0)
    d.create_account("saa@acme.example", "aa@acme.example", "Alex Aa", T0, kind=AccountKind.AA)
    d.activate("aa@acme.example", "Aa-pass-1", T0)
    d.entitle(
        "saa@acme.example",
        "aa@acme.example",
        T0,
        admin_privileges=["traqs.report", "traqs.view", "admin.assign-roles"],
    )
    d.create_role(
        "saa@acme.example", "Trader", "trade reporting", ["traqs.report", "traqs.view"], T0
    )
    d.create_account("saa@acme.example", "tina@acme.example", "Tina", T0)
    d.activate("tina@acme.example", "Tina-pass-1", T0)
    d.entitle(
        "saa@acme.example", "tina@acme.example", T0, mpids=["ACME"], regions=[Region.PRODUCTION]
    )
    d.assign_role("saa@acme.example", "tina@acme.example", "Trader", T0)
    d.set_security_questions(
        "tina@acme.example",
        [
            "What is the name of the street you grew up on?",
            "What was the name of your first pet?",
            "In what city were you born?",
        ],
        ["Main Street", "Rex", "Boston"],
        T0,
    )
    d.add_organisation("100002", "Bravo Capital", mpids=["BRVO"])
    d.designate_saa("100002", "saa@bravo.example", "Beth Saa", T0)
    d.create_account("saa@bravo.example", "bob@bravo.example", "Bob", T0)
    d.activate("bob@bravo.example", "Bob-pass-1", T0)
    d.create_role("saa@bravo.example", "Trader", "trade reporting", ["traqs.report"], T0)
    d.entitle("saa@bravo.example", "bob@bravo.example", T0, mpids=["BRVO"], regions=["production"])
    d.assign_role("saa@bravo.example", "bob@bravo.example", "Trader", T0)
    audit.rows.clear()
    return d
