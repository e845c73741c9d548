"""Seeded fake data for rehearsals: firms, traders, 4-letter MPIDs, symbols, CUSIPs.

Faker's core has no tickers, MPIDs or CUSIPs (tooling notes section 6), so this module adds a
provider. Everything comes from one seed, printed in the test report header and the HTML report
(``facsim report``), so a run that generated "Harbor Point Securities, MPID HPSX, CUSIP
38259P508" can be replayed exactly with ``--facsim-seed``.

* An MPID is four capital letters (FINRA: "a four-character code", seed 004).
* A CUSIP is nine characters: six for the issuer, two for the issue, and a check digit computed
  with the modulus-10 "double-add-double" rule of the CUSIP standard (ANSI X9.6): values 0-9 for
  digits, 10-35 for A-Z, 36-38 for ``*``, ``@``, ``#``; every second value doubled; digits of the
  products summed; check = (10 - sum mod 10) mod 10.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from faker import Faker
from faker.providers import BaseProvider

_CUSIP_SPECIAL = {"*": 36, "@": 37, "#": 38}
_FIRM_SUFFIXES = ("Securities LLC", "Capital Markets LLC", "Trading LLC", "Brokerage Inc.", "& Co.")
_DESKS = ("Equities", "Program Trading", "ETF Desk", "Convertibles", "Fixed Income", "Retail")


def cusip_value(char: str) -> int:
    """The numeric value of one CUSIP character."""
    if char.isdigit():
        return int(char)
    if char in string.ascii_uppercase:
        return ord(char) - ord("A") + 10
    if char in _CUSIP_SPECIAL:
        return _CUSIP_SPECIAL[char]
    raise ValueError(f"{char!r} cannot appear in a CUSIP")


def cusip_check_digit(base: str) -> str:
    """Check digit of an 8-character CUSIP base (issuer + issue)."""
    if len(base) != 8:
        raise ValueError(f"a CUSIP base has 8 characters, not {len(base)}: {base!r}")
    total = 0
    for index, char in enumerate(base.upper()):
        value = cusip_value(char)
        if index % 2 == 1:
            value *= 2
        total += value // 10 + value % 10
    return str((10 - total % 10) % 10)


def is_valid_cusip(text: str) -> bool:
    """True for a 9-character CUSIP whose last character is its check digit."""
    if len(text) != 9:
        return False
    try:
        return cusip_check_digit(text[:8]) == text[8]
    except ValueError:
        return False


def is_mpid(text: str) -> bool:
    return len(text) == 4 and all(c in string.ascii_uppercase for c in text)


@dataclass(frozen=True, slots=True)
class FakeTrader:
    name: str
    username: str  # TRAQS user names are email addresses (seed 000)
    phone: str
    desk: str


@dataclass(frozen=True, slots=True)
class FakeFirm:
    name: str
    mpids: tuple[str, ...]
    desks: dict[str, str]  # MPID -> desk
    supervisors: dict[str, str]  # desk -> supervisor
    traders: tuple[FakeTrader, ...] = field(default_factory=tuple)


class FacsimProvider(BaseProvider):
    """``fake.mpid()``, ``fake.cusip()``, ``fake.symbol()``, ``fake.firm_name()``, ..."""

    def mpid(self) -> str:
        """Four capital letters, e.g. ``HPSX``."""
        return "".join(self.random_element(string.ascii_uppercase) for _ in range(4))

    def symbol(self) -> str:
        """An equity ticker of 1 to 4 capital letters (no class suffix)."""
        length = self.random_element((1, 2, 3, 3, 4, 4, 4))
        return "".join(self.random_element(string.ascii_uppercase) for _ in range(length))

    def cusip(self) -> str:
        """A 9-character CUSIP with a valid check digit (issuer 6, issue 2, check 1)."""
        alphabet = string.digits + string.ascii_uppercase
        issuer = "".join(self.random_element(alphabet) for _ in range(6))
        issue = "".join(self.random_element(string.digits) for _ in range(2))
        base = issuer + issue
        return base + cusip_check_digit(base)

    def comp_id(self) -> str:
        """A FIX CompID a firm might use, e.g. ``HPSXFIX1``."""
        return self.mpid() + "FIX" + str(self.random_int(1, 9))

    def firm_name(self) -> str:
        last = self.generator.last_name()
        second = self.generator.last_name()
        return f"{last} {second} {self.random_element(_FIRM_SUFFIXES)}"

    def desk(self) -> str:
        return str(self.random_element(_DESKS))

    def price(self, low: int = 1, high: int = 500) -> Decimal:
        """A price with two to four decimals, never a float."""
        cents = self.random_int(low * 100, high * 100)
        return Decimal(cents).scaleb(-2)

    def quantity(self) -> Decimal:
        return Decimal(self.random_int(1, 100) * 100)


def make_faker(seed: int) -> Any:
    """A Faker (en_US) with :class:`FacsimProvider`, seeded for this instance only."""
    fake = Faker("en_US")
    fake.add_provider(FacsimProvider)
    fake.seed_instance(seed)
    return fake


def fake_firm(fake: Any, mpids: int = 2, traders: int = 2) -> FakeFirm:
    """A firm with distinct MPIDs, one desk per MPID, a supervisor per desk, and traders."""
    if mpids < 1:
        raise ValueError("a firm has at least one MPID")
    seen: set[str] = set()
    codes: list[str] = []
    while len(codes) < mpids:
        code = fake.mpid()
        if code not in seen:
            seen.add(code)
            codes.append(code)
    desks: dict[str, str] = {}
    used_desks: set[str] = set()
    for code in codes:
        desk = fake.desk()
        while desk in used_desks and len(used_desks) < len(_DESKS):
            desk = fake.desk()
        used_desks.add(desk)
        desks[code] = desk
    supervisors = {desk: fake.name() for desk in desks.values()}
    name = fake.firm_name()
    domain = "".join(c for c in name.split()[0].lower() if c.isalpha()) + ".example"
    people = []
    for _ in range(traders):
        person = fake.name()
        user = ".".join(person.lower().replace("'", "").split()[:2]) + "@" + domain
        people.append(
            FakeTrader(
                name=person,
                username=user,
                phone=fake.numerify("+1-212-555-####"),
                desk=str(fake.random_element(sorted(desks.values()))),
            )
        )
    return FakeFirm(
        name=name,
        mpids=tuple(codes),
        desks=desks,
        supervisors=supervisors,
        traders=tuple(people),
    )
