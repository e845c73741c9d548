"""Reference-data files for the API, generated from a seed (facilities.md section 5).

FINRA's reference-data API serves pipe-delimited files -- for TRACE corporates and agencies a
security master (CAMASTER) and daily lists (DAILYLISTCA), with Treasury and equity equivalents,
history for one rolling year ([S107]-[S109]). The real layouts are in the TRACE Web API
specification, which is not among the project's sources, so the columns here are
**INFERENCE**: what such files carry (CUSIP, symbol, issuer, coupon, maturity, ...), in the
facility's style -- a header row, ``|`` between fields, one record per line, and a trailer
``TOTAL RECORDS|n``.

Everything is a pure function of ``(seed, date)``: the same seed gives the same files, so a test
can assert a download byte for byte. CUSIPs carry a valid check digit (the "modulus 10 double
add double" of the CUSIP standard), Treasuries use the Treasury issuer prefix 912.

Publication (**INFERENCE**): the files dated business day D are published at 06:00 ET on D;
the listing shows the last :data:`LISTING_DAYS` published business days, and any business day
within the rolling year can be downloaded by name.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from decimal import Decimal

from faker import Faker

from simulator.calendar import Market, is_business_day
from simulator.timestamps import local_date, local_ns

PUBLISH_HOUR = 6
LISTING_DAYS = 5
HISTORY_DAYS = 366
MASTER_SIZE = 40
DAILY_ADDS = 3

_CUSIP_VALUES = {str(d): d for d in range(10)}
_CUSIP_VALUES.update({chr(ord("A") + i): 10 + i for i in range(26)})
_CUSIP_VALUES.update({"*": 36, "@": 37, "#": 38})
_NAME = re.compile(r"(?P<kind>[A-Z]+)_(?P<date>\d{8})\.txt")


def cusip_check_digit(base: str) -> str:
    """The ninth character of a CUSIP from its first eight (CUSIP standard, modulus 10 double
    add double)."""
    if len(base) != 8:
        raise ValueError(f"a CUSIP base has 8 characters, not {len(base)}")
    total = 0
    for index, char in enumerate(base.upper()):
        if char not in _CUSIP_VALUES:
            raise ValueError(f"{char!r} cannot appear in a CUSIP")
        value = _CUSIP_VALUES[char]
        if index % 2 == 1:
            value *= 2
        total += value // 10 + value % 10
    return str((10 - total % 10) % 10)


def is_valid_cusip(cusip: str) -> bool:
    try:
        return len(cusip) == 9 and cusip_check_digit(cusip[:8]) == cusip[8]
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class FileKind:
    """One kind of reference-data file."""

    code: str  # file name prefix
    product: str
    description: str


FILE_KINDS: tuple[FileKind, ...] = (
    FileKind("CAMASTER", "trace-ca", "TRACE corporate and agency security master"),
    FileKind("DAILYLISTCA", "trace-ca", "TRACE corporate and agency daily list (adds, deletes)"),
    FileKind("TSMASTER", "trace-ts", "TRACE Treasury security master"),
    FileKind("OTCEQUITY", "orf", "OTC equity security list (ORF)"),
)
_KINDS = {k.code: k for k in FILE_KINDS}


@dataclass(frozen=True, slots=True)
class RefFileInfo:
    name: str
    kind: str
    product: str
    description: str
    date: dt.date
    published_ns: int


@dataclass(frozen=True, slots=True)
class RefFile:
    info: RefFileInfo
    content: str

    @property
    def size(self) -> int:
        return len(self.content.encode("ascii"))


def _market(product: str) -> Market:
    """TRACE files follow the bond-market (SIFMA) calendar, equity files the NYSE one."""
    return Market.SIFMA if product.startswith("trace-") else Market.NYSE


def _is_business_day(day: dt.date, product: str) -> bool:
    return is_business_day(day, _market(product))


def _faker(seed: int, *salt: object) -> tuple[Faker, random.Random]:
    rng = random.Random(":".join(str(s) for s in (seed, *salt)))
    fake = Faker("en_US")
    fake.seed_instance(rng.getrandbits(64))
    return fake, rng


def _base8(rng: random.Random, prefix: str = "") -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
    return prefix + "".join(rng.choice(alphabet) for _ in range(8 - len(prefix)))


def _cusip(rng: random.Random, prefix: str = "") -> str:
    base = _base8(rng, prefix)
    return base + cusip_check_digit(base)


def _symbol(rng: random.Random, name: str) -> str:
    letters = "".join(c for c in name.upper() if c.isalpha())[:4] or "XXXX"
    return f"{letters}{rng.randrange(1000, 9999)}"


def _corporate(rng: random.Random, fake: Faker, issued: dt.date) -> list[str]:
    issuer = fake.company().upper().replace("|", " ")
    maturity = issued + dt.timedelta(days=365 * rng.randrange(2, 31))
    coupon = Decimal(rng.randrange(0, 800)) / 100
    return [
        _cusip(rng),
        _symbol(rng, issuer),
        issuer,
        f"{coupon:.3f}",
        maturity.strftime("%Y%m%d"),
        rng.choice(["I", "H"]),  # investment grade / high yield
        rng.choice(["N", "N", "N", "Y"]),  # Rule 144A
    ]


def _master_rows(seed: int) -> list[list[str]]:
    fake, rng = _faker(seed, "camaster")
    return [_corporate(rng, fake, dt.date(2015, 1, 1)) for _ in range(MASTER_SIZE)]


def _daily_adds(seed: int, day: dt.date) -> list[list[str]]:
    fake, rng = _faker(seed, "dailyca", day.isoformat())
    return [_corporate(rng, fake, day) for _ in range(DAILY_ADDS)]


def _render(header: list[str], rows: list[list[str]]) -> str:
    lines = ["|".join(header), *("|".join(row) for row in rows), f"TOTAL RECORDS|{len(rows)}"]
    return "\n".join(lines) + "\n"


def _content(kind: str, seed: int, day: dt.date) -> str:
    if kind == "CAMASTER":
        rows = _master_rows(seed) + _daily_adds(seed, day)
        header = ["CUSIP", "SYMBOL", "ISSUER_NAME", "COUPON", "MATURITY", "GRADE", "RULE_144A"]
        return _render(header, sorted(rows))
    if kind == "DAILYLISTCA":
        _, rng = _faker(seed, "dailydel", day.isoformat())
        deleted = rng.choice(_master_rows(seed))
        rows = [["A", *row[:5]] for row in _daily_adds(seed, day)]
        rows.append(["D", *deleted[:5]])
        header = ["ACTION", "CUSIP", "SYMBOL", "ISSUER_NAME", "COUPON", "MATURITY"]
        return _render(header, rows)
    if kind == "TSMASTER":
        _, rng = _faker(seed, "tsmaster")
        rows = []
        for _ in range(MASTER_SIZE // 2):
            years = rng.choice([2, 3, 5, 7, 10, 20, 30])
            issued = dt.date(2015 + rng.randrange(6), rng.randrange(1, 13), 15)
            maturity = issued.replace(year=issued.year + years)
            coupon = Decimal(rng.randrange(0, 500)) / 1000 * 8
            kind_name = "NOTE" if years <= 10 else "BOND"
            rows.append(
                [
                    _cusip(rng, "912"),
                    f"US TREASURY {kind_name} {coupon:.3f}% {maturity:%m/%d/%Y}",
                    f"{coupon:.3f}",
                    maturity.strftime("%Y%m%d"),
                    issued.strftime("%Y%m%d"),
                ]
            )
        header = ["CUSIP", "SECURITY_DESCRIPTION", "COUPON", "MATURITY", "ISSUE_DATE"]
        return _render(header, sorted(rows))
    if kind == "OTCEQUITY":
        fake, rng = _faker(seed, "otcequity")
        rows = []
        seen: set[str] = set()
        while len(rows) < MASTER_SIZE // 2:
            symbol = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(5))
            if symbol in seen:
                continue
            seen.add(symbol)
            rows.append([symbol, fake.company().upper().replace("|", " "), _cusip(rng), "OTC"])
        return _render(["SYMBOL", "SECURITY_NAME", "CUSIP", "MARKET_CATEGORY"], sorted(rows))
    raise KeyError(kind)


def published_ns(day: dt.date) -> int:
    return local_ns(day, PUBLISH_HOUR)


def file_info(kind: str, day: dt.date) -> RefFileInfo:
    meta = _KINDS[kind]
    return RefFileInfo(
        name=f"{kind}_{day:%Y%m%d}.txt",
        kind=kind,
        product=meta.product,
        description=meta.description,
        date=day,
        published_ns=published_ns(day),
    )


def published_days(now_ns: int, product: str, count: int = LISTING_DAYS) -> list[dt.date]:
    """The last ``count`` business days (of ``product``'s calendar) whose files are published
    at ``now_ns``, newest first."""
    day = local_date(now_ns)
    days: list[dt.date] = []
    while len(days) < count:
        if _is_business_day(day, product) and published_ns(day) <= now_ns:
            days.append(day)
        day -= dt.timedelta(days=1)
    return days


def list_files(now_ns: int, *, product: str | None = None) -> list[RefFileInfo]:
    """What the API lists at ``now_ns``: each kind for its recent published business days,
    newest first."""
    found = [
        file_info(kind.code, day)
        for kind in FILE_KINDS
        if product is None or kind.product == product
        for day in published_days(now_ns, kind.product)
    ]
    return sorted(found, key=lambda info: (-info.date.toordinal(), info.name))


class RefDataError(LookupError):
    """A file name that does not exist (yet) at the simulated instant; the message says why."""


def get_file(name: str, seed: int, now_ns: int) -> RefFile:
    """The file called ``name`` as published at ``now_ns``.

    Raises :class:`RefDataError` for an unknown name, a non-business day, a file not published
    yet or older than the rolling year."""
    match = _NAME.fullmatch(name)
    if match is None or match["kind"] not in _KINDS:
        known = ", ".join(k.code for k in FILE_KINDS)
        raise RefDataError(
            f"{name!r} is not a reference-data file name (KIND_YYYYMMDD.txt; {known})"
        )
    try:
        day = dt.datetime.strptime(match["date"], "%Y%m%d").date()
    except ValueError:
        raise RefDataError(f"{name!r} does not carry a valid date") from None
    info = file_info(match["kind"], day)
    if not _is_business_day(day, info.product):
        raise RefDataError(f"no files are published for {day.isoformat()} (not a business day)")
    if info.published_ns > now_ns:
        raise RefDataError(f"{name} is not published yet (files for a day appear at 06:00 ET)")
    if (local_date(now_ns) - day).days > HISTORY_DAYS:
        raise RefDataError(f"{name} is older than the one-year history the API keeps")
    return RefFile(info=info, content=_content(match["kind"], seed, day))
