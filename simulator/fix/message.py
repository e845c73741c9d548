"""A FIX message as an ordered list of (tag, value) fields.

Values are ``str`` (FIX is 7-bit ASCII on every facility; TRACE spec section 3.1 "Encoding").
Order is kept because repeating groups are positional. The framer and codec produce these from
validated bytes; dialects read and build them; the session layer adds the standard header and
trailer (8, 9, 35 first; 10 last) when it encodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


class FixMessage:
    """Ordered FIX fields with convenient lookups. ``msg_type`` is tag 35."""

    __slots__ = ("fields",)

    def __init__(self, fields: Iterable[tuple[int, str]] = ()) -> None:
        self.fields: list[tuple[int, str]] = list(fields)

    @classmethod
    def of(cls, msg_type: str, *pairs: tuple[int, object]) -> FixMessage:
        message = cls([(35, msg_type)])
        for tag, value in pairs:
            if value is not None:
                message.append(tag, value)
        return message

    @property
    def msg_type(self) -> str | None:
        return self.get(35)

    def append(self, tag: int, value: object) -> FixMessage:
        self.fields.append((int(tag), value if isinstance(value, str) else str(value)))
        return self

    def get(self, tag: int, default: str | None = None, nth: int = 1) -> str | None:
        seen = 0
        for field_tag, value in self.fields:
            if field_tag == tag:
                seen += 1
                if seen == nth:
                    return value
        return default

    def get_all(self, tag: int) -> list[str]:
        return [value for field_tag, value in self.fields if field_tag == tag]

    def has(self, tag: int) -> bool:
        return any(field_tag == tag for field_tag, _ in self.fields)

    def set(self, tag: int, value: object) -> FixMessage:
        """Replace the first occurrence of ``tag`` (or append it)."""
        text = value if isinstance(value, str) else str(value)
        for index, (field_tag, _) in enumerate(self.fields):
            if field_tag == tag:
                self.fields[index] = (tag, text)
                return self
        self.fields.append((tag, text))
        return self

    def remove(self, tag: int) -> FixMessage:
        self.fields = [(t, v) for t, v in self.fields if t != tag]
        return self

    def copy(self) -> FixMessage:
        return FixMessage(self.fields)

    def __iter__(self) -> Iterator[tuple[int, str]]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FixMessage) and self.fields == other.fields

    def __repr__(self) -> str:
        return "FixMessage(" + "|".join(f"{t}={v}" for t, v in self.fields) + ")"
