"""The MPID roster: which desk and which supervisor answer for each MPID.

A member may use several MPIDs to separate its reporting by desk or business unit, and "the
principal must maintain a roster mapping each MPID to its responsible desk and supervisor"
(seed 004; FINRA Trade Reporting FAQ section 104 on multiple MPIDs, facilities.md section 4).
The roster is a file a compliance officer edits, TOML or CSV, in ``scenarios/rosters/``:

TOML (one ``[[mpid]]`` table per MPID; ``firm`` is optional)::

    firm = "Example Securities LLC"

    [[mpid]]
    mpid = "EXCH"
    desk = "Cash equities"
    supervisor = "Dana Whitfield"
    email = "dana.whitfield@example.com"

CSV (a header row, then one row per MPID)::

    mpid,desk,supervisor,email
    EXCH,Cash equities,Dana Whitfield,dana.whitfield@example.com

Loading validates everything and stops at the first problem with a :class:`ConfigError` that
names the file, the line and the field: an MPID that is not exactly four uppercase letters
(FINRA's four-character MPID; TRACE tag 448 is at most four characters), the same MPID twice, a
missing or empty field, an unknown field, an email without a domain, an unreadable file.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from simulator.errors import ConfigError

FIELDS: Final = ("mpid", "desk", "supervisor", "email")
_MPID: Final = re.compile(r"[A-Z]{4}")
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TOML_LINE: Final = re.compile(r"line (\d+)")


@dataclass(frozen=True, slots=True)
class Supervisor:
    """The registered principal responsible for a desk's reporting."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One MPID's desk and supervisor, and where in the file it was written."""

    mpid: str
    desk: str
    supervisor: Supervisor
    line: int


@dataclass(frozen=True, slots=True)
class Roster:
    """Every MPID of a firm, in file order, with lookup by MPID."""

    source: str
    entries: tuple[RosterEntry, ...]
    firm: str | None = None
    _by_mpid: dict[str, RosterEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_mpid", {entry.mpid: entry for entry in self.entries})

    def get(self, mpid: str) -> RosterEntry | None:
        return self._by_mpid.get(mpid)

    def __contains__(self, mpid: object) -> bool:
        return isinstance(mpid, str) and mpid in self._by_mpid

    def __iter__(self) -> Iterator[RosterEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def mpids(self) -> tuple[str, ...]:
        return tuple(entry.mpid for entry in self.entries)

    @property
    def desks(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(entry.desk for entry in self.entries))

    @property
    def supervisors(self) -> tuple[Supervisor, ...]:
        return tuple(dict.fromkeys(entry.supervisor for entry in self.entries))


def load_roster(path: str | Path) -> Roster:
    """Read and validate a roster file (``.toml`` or ``.csv``, chosen by its suffix)."""
    file = Path(path)
    shown = str(path)
    suffix = file.suffix.lower()
    if suffix not in (".toml", ".csv"):
        raise ConfigError(shown, "a roster is a .toml or .csv file")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(shown, "the roster file does not exist") from None
    except IsADirectoryError:
        raise ConfigError(shown, "is a directory, not a roster file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(shown, f"is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ConfigError(shown, f"cannot be read: {exc.strerror}") from None
    if suffix == ".toml":
        return parse_roster_toml(text, shown)
    return parse_roster_csv(text, shown)


def parse_roster_csv(text: str, source: str = "<roster>") -> Roster:
    """Parse CSV roster text: a header naming the four fields, then one row per MPID."""
    reader = csv.reader(io.StringIO(text))
    numbered: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if _has_content(row):
                numbered.append((reader.line_num, row))
    except csv.Error as exc:
        raise ConfigError(source, f"is not valid CSV: {exc}", line=reader.line_num) from None
    if not numbered:
        raise ConfigError(
            source, "the roster is empty (expected a header: mpid,desk,supervisor,email)"
        )
    header_line, header = numbered[0]
    names = [cell.strip().lower() for cell in header]
    for name in names:
        if name not in FIELDS:
            raise ConfigError(
                source,
                f"unknown column (expected {', '.join(FIELDS)})",
                line=header_line,
                field=name,
            )
    for name in FIELDS:
        if name not in names:
            raise ConfigError(source, "the header lacks this column", line=header_line, field=name)
    if len(set(names)) != len(names):
        duplicate = next(name for name in names if names.count(name) > 1)
        raise ConfigError(source, "the column appears twice", line=header_line, field=duplicate)
    records = []
    for number, row in numbered[1:]:
        if len(row) > len(names):
            raise ConfigError(
                source, f"has {len(row)} values for {len(names)} columns", line=number
            )
        values: dict[str, object] = {
            name: (row[i] if i < len(row) else "") for i, name in enumerate(names)
        }
        records.append(_Record(number, values, dict.fromkeys(FIELDS, number)))
    return _build(source, records, firm=None)


def parse_roster_toml(text: str, source: str = "<roster>") -> Roster:
    """Parse TOML roster text: an optional ``firm`` and ``[[mpid]]`` tables."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        line = int(found.group(1)) if found else None
        raise ConfigError(source, f"is not valid TOML: {exc}", line=line) from None
    for key in data:
        if key not in ("firm", "mpid"):
            raise ConfigError(
                source,
                "unknown top-level key (expected firm and [[mpid]] tables)",
                line=_key_line(text, key),
                field=key,
            )
    firm = data.get("firm")
    if firm is not None and (not isinstance(firm, str) or not firm.strip()):
        raise ConfigError(source, "firm must be a non-empty string", line=_key_line(text, "firm"))
    tables = data.get("mpid")
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(source, "the roster has no [[mpid]] tables", field="mpid")
    starts = _table_lines(text)
    records = []
    for index, table in enumerate(tables):
        start = starts[index] if index < len(starts) else None
        end = starts[index + 1] if index + 1 < len(starts) else None
        for key in table:
            if key not in FIELDS:
                raise ConfigError(
                    source,
                    f"unknown field (expected {', '.join(FIELDS)})",
                    line=_key_line(text, key, start, end) or start,
                    field=key,
                )
        lines = {name: _key_line(text, name, start, end) or start for name in FIELDS}
        records.append(_Record(start, dict(table), lines))
    return _build(source, records, firm=firm.strip() if isinstance(firm, str) else None)


def _has_content(row: list[str]) -> bool:
    if not any(cell.strip() for cell in row):
        return False
    return not row[0].lstrip().startswith("#")


def _table_lines(text: str) -> list[int]:
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if re.fullmatch(r"\s*\[\[\s*mpid\s*\]\]\s*(#.*)?", line)
    ]


def _key_line(text: str, key: str, start: int | None = None, end: int | None = None) -> int | None:
    pattern = re.compile(rf"\s*{re.escape(key)}\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if start is not None and number <= start:
            continue
        if end is not None and number >= end:
            break
        if pattern.match(line):
            return number
    return None


@dataclass(frozen=True, slots=True)
class _Record:
    """One MPID's raw values, the line it starts on and the line of each field."""

    line: int | None
    values: dict[str, object]
    lines: dict[str, int | None]


def _build(source: str, records: Iterable[_Record], firm: str | None) -> Roster:
    entries: list[RosterEntry] = []
    seen: dict[str, int | None] = {}
    for record in records:
        entries.append(_entry(source, record, seen))
    if not entries:
        raise ConfigError(source, "the roster lists no MPIDs", field="mpid")
    return Roster(source=source, entries=tuple(entries), firm=firm)


def _entry(source: str, record: _Record, seen: dict[str, int | None]) -> RosterEntry:
    cleaned: dict[str, str] = {}
    for name in FIELDS:
        line = record.lines.get(name) or record.line
        value = record.values.get(name)
        if value is None:
            raise ConfigError(source, "missing", line=record.line, field=name)
        if not isinstance(value, str):
            raise ConfigError(source, "must be text", line=line, field=name)
        if not value.strip():
            raise ConfigError(source, "is empty", line=line, field=name)
        cleaned[name] = value.strip()
    mpid = cleaned["mpid"]
    mpid_line = record.lines.get("mpid") or record.line
    if not _MPID.fullmatch(mpid):
        raise ConfigError(
            source,
            f"{mpid!r} is not an MPID (exactly four uppercase letters A-Z)",
            line=mpid_line,
            field="mpid",
        )
    if mpid in seen:
        first = seen[mpid]
        where = f" (first on line {first})" if first is not None else ""
        raise ConfigError(
            source,
            f"MPID {mpid} is listed twice{where}; each MPID has one desk and supervisor",
            line=mpid_line,
            field="mpid",
        )
    seen[mpid] = mpid_line
    if not _EMAIL.fullmatch(cleaned["email"]):
        raise ConfigError(
            source,
            f"{cleaned['email']!r} is not an email address",
            line=record.lines.get("email") or record.line,
            field="email",
        )
    return RosterEntry(
        mpid=mpid,
        desk=cleaned["desk"],
        supervisor=Supervisor(cleaned["supervisor"], cleaned["email"]),
        line=mpid_line or 0,
    )


__all__ = [
    "FIELDS",
    "Roster",
    "RosterEntry",
    "Supervisor",
    "load_roster",
    "parse_roster_csv",
    "parse_roster_toml",
]
