"""docs/dialects/ stays true: its sample exchanges run through the dialects and come back
exactly as printed, its field tables name every tag the layouts use, and the reject table
lists every reason a dialect can send."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator.domain.facility import FacilityId, PortType
from simulator.facilities.timeliness import assess
from simulator.fix.application import SessionInfo
from simulator.fix.dialects import all_specs, create_dialect
from simulator.fix.dialects.base import REASONS
from simulator.fix.dialects.reporting import ReportingService
from simulator.fix.message import FixMessage
from simulator.journal import open_memory_journal
from simulator.timestamps import parse_iso8601

DOCS = Path(__file__).resolve().parents[4] / "docs" / "dialects"
HEADING = re.compile(r"# in on (\S+) (\S+), received (\S+)")
PAGES = {
    "trace-ca": ["trace.md"],
    "trace-sp": ["trace.md"],
    "trace-ts": ["trace.md"],
    "nasdaq-trf-native": ["nasdaq-trf.md"],
    "nasdaq-trf-legacy": ["nasdaq-trf.md"],
    "nyse-trf": ["equity-fields.md", "nyse-trf.md"],
    "adf": ["equity-fields.md", "adf.md"],
    "orf": ["equity-fields.md", "orf.md"],
}


def _fields(line: str) -> list[tuple[int, str]]:
    pairs = []
    for part in line.strip().split("|"):
        tag, _, value = part.partition("=")
        pairs.append((int(tag), value))
    return pairs


def exchanges() -> list[tuple[str, list[str]]]:
    found = []
    for page in sorted(DOCS.glob("*.md")):
        for block in re.findall(r"```fix\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            found.append((page.name, block.strip().splitlines()))
    return found


EXCHANGES = exchanges()


def test_every_dialect_page_has_a_sample():
    pages = {page for page, _ in EXCHANGES}
    assert pages == {"trace.md", "nasdaq-trf.md", "nyse-trf.md", "adf.md", "orf.md"}


@pytest.mark.parametrize(("page", "lines"), EXCHANGES, ids=[p for p, _ in EXCHANGES])
def test_sample_exchange_is_what_the_dialect_sends(page, lines):
    heading = HEADING.fullmatch(lines[0])
    assert heading, lines[0]
    facility, port, received = heading.groups()
    journal = open_memory_journal(seed=0)
    dialect = create_dialect(facility, port, ReportingService(journal, assess))
    session = SessionInfo(
        session_id="S",
        facility=FacilityId(facility),
        begin_string=dialect.spec.begin_string,
        facility_comp_id="FNRA",
        firm_comp_id="ABCD",
        firm="Alpha",
        port_type=PortType(port),
        mpids=("ABCD",),
    )
    inbound = FixMessage(_fields(lines[1]))
    expected = []
    for marker, line in zip(lines[2::2], lines[3::2], strict=True):
        to_firm = marker.removeprefix("# out").removeprefix(" to ").strip() or None
        expected.append((to_firm, _fields(line)))
    outbound = dialect.on_message(session, inbound, parse_iso8601(received))
    assert [(o.to_firm, o.message.fields) for o in outbound] == expected
    journal.close()


@pytest.mark.parametrize("spec", all_specs(), ids=[s.name for s in all_specs()])
def test_field_tables_name_every_tag(spec):
    text = "\n".join((DOCS / page).read_text(encoding="utf-8") for page in PAGES[spec.name])
    documented = {int(tag) for tag in re.findall(r"\b(\d{1,5})\b", text)}
    missing = sorted(tag for tag in spec.ae.tags() | spec.ar.tags() if tag not in documented)
    assert missing == []
    for code, _ in spec.events.values():
        assert f"`{code}`" in text


def test_reject_table_lists_every_reason():
    readme = (DOCS / "README.md").read_text(encoding="utf-8")
    for code, reason in REASONS.items():
        assert re.search(rf"\| {code}\b.*\| {re.escape(reason.text)}", readme) or (
            code in ("182", "184", "301", "302") and reason.text.split()[0] in readme
        ), code
