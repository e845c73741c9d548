"""Registration for a Saturday production UAT (seed 000).

"Firms must register with FINRA Market Operations of their intent to participate in the UAT ...
Please include the firm name, MPID(s) used, names of testers and web usernames, if applicable,
no later than noon on Wednesday, March 17, 2021." The real registration was an email; here it is
a TRAQS page that files the same four items, refused after the deadline with a clear message, and
confirmed by an email in the captured outbox.

The deadline comes from the timeline (``UatWindow.registration_open``: up to and including the
deadline instant, "no later than noon"). Registrations are kept per UAT window and organisation
(registering again before the deadline replaces the earlier one) and published to the other
components (``context.services["uat_registrations"]``): seed 000 notes that FIX clients that are
connected but not taking part may still receive acknowledgements, which the FIX side records.
Registrations are saved with the rest of the web front's state
(:mod:`simulator.web.persistence`): a firm registered before a restart is still registered.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from simulator.errors import UserInputError
from simulator.snapshot import Fields
from simulator.timeline import UatWindow
from simulator.timestamps import NEW_YORK, datetime_from_ns, format_iso8601

MAX_TESTERS = 50
MAX_NAME = 100


@dataclass(frozen=True, slots=True)
class Registration:
    uat_key: str
    org_id: str
    firm_name: str
    mpids: tuple[str, ...]
    testers: tuple[str, ...]
    web_usernames: tuple[str, ...]
    registered_ns: int
    registered_by: str

    def to_json(self) -> dict[str, Any]:
        return {
            "uat": self.uat_key,
            "org_id": self.org_id,
            "firm_name": self.firm_name,
            "mpids": list(self.mpids),
            "testers": list(self.testers),
            "web_usernames": list(self.web_usernames),
            "registered": format_iso8601(self.registered_ns),
            "registered_by": self.registered_by,
        }


def describe_instant(ns: int) -> str:
    """``12:00 p.m. ET on Wednesday, March 17, 2021`` -- the notice's own style."""
    moment = datetime_from_ns(ns, NEW_YORK)
    hour = moment.hour % 12 or 12
    suffix = "a.m." if moment.hour < 12 else "p.m."
    clock = f"{hour}:{moment.minute:02d}"
    if moment.second:
        clock += f":{moment.second:02d}"
    return f"{clock} {suffix} ET on {moment:%A}, {moment:%B} {moment.day}, {moment.year}"


def describe_day(day: dt.date) -> str:
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


class RegistrationClosed(UserInputError):
    """Registration was attempted after the deadline."""


class UatRegistry:
    """Registrations by (UAT key, organisation)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], Registration] = {}
        self._lock = threading.Lock()

    def register(
        self,
        uat: UatWindow,
        *,
        org_id: str,
        org_mpids: set[str],
        org_usernames: set[str],
        firm_name: str,
        mpids: list[str],
        testers: list[str],
        web_usernames: list[str],
        registered_by: str,
        now_ns: int,
    ) -> Registration:
        """Validate and file a registration; :class:`RegistrationClosed` after the deadline,
        :class:`UserInputError` naming the field for anything else."""
        if not uat.registration_open(now_ns):
            deadline = uat.registration_deadline_ns or uat.start_ns
            raise RegistrationClosed(
                f"Registration for the {describe_day(uat.day)} production test closed at "
                f"{describe_instant(deadline)}. Firms had to register no later than that "
                "(FINRA technical notice, seed 000); contact FINRA Market Operations.",
                source="registration",
            )
        name = firm_name.strip()
        if not name:
            raise UserInputError("give the firm name", source="firm name")
        if len(name) > MAX_NAME:
            raise UserInputError(f"at most {MAX_NAME} characters", source="firm name")
        chosen = list(dict.fromkeys(m.strip().upper() for m in mpids if m.strip()))
        if not chosen:
            raise UserInputError("list at least one MPID used in the test", source="MPIDs")
        for mpid in chosen:
            if mpid not in org_mpids:
                raise UserInputError(
                    f"{mpid} is not one of your firm's MPIDs ({', '.join(sorted(org_mpids))})",
                    source="MPIDs",
                )
        people = list(dict.fromkeys(t.strip() for t in testers if t.strip()))
        if not people:
            raise UserInputError("give the name of at least one tester", source="testers")
        if len(people) > MAX_TESTERS:
            raise UserInputError(f"at most {MAX_TESTERS} testers", source="testers")
        for person in people:
            if len(person) > MAX_NAME:
                raise UserInputError(f"{person[:20]}... is too long", source="testers")
        known = {u.casefold() for u in org_usernames}
        users = list(dict.fromkeys(u.strip() for u in web_usernames if u.strip()))
        for user in users:
            if user.casefold() not in known:
                raise UserInputError(
                    f"{user} is not a web user name of your firm", source="web usernames"
                )
        registration = Registration(
            uat_key=uat.key,
            org_id=org_id,
            firm_name=name,
            mpids=tuple(chosen),
            testers=tuple(people),
            web_usernames=tuple(users),
            registered_ns=now_ns,
            registered_by=registered_by,
        )
        with self._lock:
            self._by_key[(uat.key, org_id)] = registration
        return registration

    def registrations(self, uat_key: str | None = None) -> list[Registration]:
        with self._lock:
            found = list(self._by_key.values())
        return sorted(
            (r for r in found if uat_key is None or r.uat_key == uat_key),
            key=lambda r: (r.uat_key, r.registered_ns, r.org_id),
        )

    def registration(self, uat_key: str, org_id: str) -> Registration | None:
        with self._lock:
            return self._by_key.get((uat_key, org_id))

    def is_registered(
        self, uat_key: str, *, mpid: str | None = None, org_id: str | None = None
    ) -> bool:
        """Whether an MPID (or an organisation) registered for the UAT ``uat_key``."""
        return any(
            (mpid is None or mpid in r.mpids) and (org_id is None or r.org_id == org_id)
            for r in self.registrations(uat_key)
        )

    def reset(self) -> None:
        with self._lock:
            self._by_key.clear()

    def snapshot(self) -> list[dict[str, Any]]:
        """Every registration, in the order :meth:`registrations` lists them."""
        return [
            {
                "uat": r.uat_key,
                "org_id": r.org_id,
                "firm_name": r.firm_name,
                "mpids": list(r.mpids),
                "testers": list(r.testers),
                "web_usernames": list(r.web_usernames),
                "registered_ns": r.registered_ns,
                "registered_by": r.registered_by,
            }
            for r in self.registrations()
        ]

    def restore(self, data: Any) -> None:
        """Replace every registration with a :meth:`snapshot`'s; raises
        :class:`~simulator.snapshot.SnapshotError` naming a bad field (nothing changed then)."""
        if not isinstance(data, list):
            data = Fields(data, "uat").items("registrations")  # names the problem
        restored: dict[tuple[str, str], Registration] = {}
        for index, value in enumerate(data):
            item = Fields(value, f"uat[{index}]")
            registration = Registration(
                uat_key=item.text("uat"),
                org_id=item.text("org_id"),
                firm_name=item.text("firm_name"),
                mpids=tuple(item.texts("mpids")),
                testers=tuple(item.texts("testers")),
                web_usernames=tuple(item.texts("web_usernames")),
                registered_ns=item.integer("registered_ns"),
                registered_by=item.text("registered_by"),
            )
            restored[(registration.uat_key, registration.org_id)] = registration
        with self._lock:
            self._by_key = restored
