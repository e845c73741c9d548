"""The answer of the timeliness engine: on time or late, the modifier, the deadline and the rule."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from simulator.timestamps import format_iso8601


class Status(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether one report met its facility's deadline, and what the facility marks on it.

    ``modifier`` is the industry letter (equities: ``T`` outside normal market hours, ``Z`` late
    inside them, ``U`` both; TRACE: the Trade Modifier 3 value it generates itself), or ``None``.
    ``facility_code`` is that modifier as the facility writes it on its FIX port, where known.
    ``rule`` is a short citation (e.g. ``FINRA Rule 6380A(a)(1)``) and ``explanation`` a sentence.
    """

    facility: str
    executed_ns: int
    received_ns: int
    status: Status
    modifier: str | None
    facility_code: str | None
    as_of: bool
    deadline_ns: int
    rule: str
    explanation: str

    @property
    def late(self) -> bool:
        return self.status is Status.LATE

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data["deadline"] = format_iso8601(self.deadline_ns)
        data["executed"] = format_iso8601(self.executed_ns)
        data["received"] = format_iso8601(self.received_ns)
        return data
