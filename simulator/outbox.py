"""The captured outbox: every email, SMS and voice message the simulator "sends".

Nothing leaves the machine. The facility's messages to people -- the MFA invitation ("an email
will then be sent to the user containing an invitation to access the NASDAQ MFA service", seed
000), one-time codes by SMS or voice call (the second factors of facilities.md section 5), UAT
registration confirmations, certification reminders (seed 003 Q50) -- are appended here with the
simulated instant they were sent. Tests, BDD steps and the control API (``GET /outbox``) read
them back the way a tester would read a mailbox or a phone.

The outbox is shared between the asyncio loop that serves the web front and the threads that
read it (control API, harness), so every method takes one lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from simulator.timestamps import format_iso8601


class Channel(StrEnum):
    """How a message reached its recipient."""

    EMAIL = "email"
    SMS = "sms"
    VOICE = "voice"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One captured message. ``code`` is set for one-time codes; ``links`` for emails that carry
    a link the recipient is expected to follow (an enrolment invitation)."""

    id: int
    channel: Channel
    to: str
    subject: str
    body: str
    sent_ns: int
    code: str | None = None
    links: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "channel": self.channel.value,
            "to": self.to,
            "subject": self.subject,
            "body": self.body,
            "sent_ns": self.sent_ns,
            "sent": format_iso8601(self.sent_ns),
            "code": self.code,
            "links": list(self.links),
            "tags": dict(self.tags),
        }


class Outbox:
    """An append-only, thread-safe list of captured messages (cleared only by :meth:`clear`)."""

    def __init__(self) -> None:
        self._messages: list[OutboxMessage] = []
        self._lock = threading.Lock()
        self._next_id = 1

    def _append(
        self,
        channel: Channel,
        to: str,
        subject: str,
        body: str,
        sent_ns: int,
        code: str | None,
        links: tuple[str, ...],
        tags: dict[str, str] | None,
    ) -> OutboxMessage:
        with self._lock:
            message = OutboxMessage(
                id=self._next_id,
                channel=channel,
                to=to,
                subject=subject,
                body=body,
                sent_ns=sent_ns,
                code=code,
                links=links,
                tags=dict(tags or {}),
            )
            self._next_id += 1
            self._messages.append(message)
            return message

    def send_email(
        self,
        to: str,
        subject: str,
        body: str,
        *,
        sent_ns: int,
        links: tuple[str, ...] = (),
        tags: dict[str, str] | None = None,
    ) -> OutboxMessage:
        """Capture an email to ``to``."""
        return self._append(Channel.EMAIL, to, subject, body, sent_ns, None, links, tags)

    def send_code(
        self,
        channel: Channel,
        to: str,
        code: str,
        *,
        sent_ns: int,
        purpose: str = "login",
        tags: dict[str, str] | None = None,
    ) -> OutboxMessage:
        """Capture a one-time code sent by SMS or voice call to the phone number ``to``."""
        if channel is Channel.EMAIL:
            raise ValueError("one-time codes go by SMS or voice call")
        spoken = " ".join(code) if channel is Channel.VOICE else code
        body = f"Your NASDAQ MFA verification code is {spoken}. It is valid for 5 minutes."
        merged = {"purpose": purpose, **(tags or {})}
        return self._append(channel, to, "Verification code", body, sent_ns, code, (), merged)

    def messages(
        self,
        *,
        channel: Channel | str | None = None,
        to: str | None = None,
        since_ns: int | None = None,
        tag: tuple[str, str] | None = None,
    ) -> list[OutboxMessage]:
        """Messages in the order sent, optionally filtered (``to`` ignores case)."""
        wanted = Channel(channel) if channel is not None else None
        with self._lock:
            found = list(self._messages)
        return [
            m
            for m in found
            if (wanted is None or m.channel is wanted)
            and (to is None or m.to.casefold() == to.casefold())
            and (since_ns is None or m.sent_ns >= since_ns)
            and (tag is None or m.tags.get(tag[0]) == tag[1])
        ]

    def latest(
        self, *, channel: Channel | str | None = None, to: str | None = None
    ) -> OutboxMessage | None:
        """The most recent message matching the filters, or ``None``."""
        found = self.messages(channel=channel, to=to)
        return found[-1] if found else None

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def reset(self) -> None:
        """Control-API reset: empty the outbox (ids keep increasing, so none is reused)."""
        self.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._messages)
