"""Reading saved state back: typed field access that names what is wrong.

The web front's components save themselves as plain JSON (``snapshot()``) and read it back
(``restore(data)``) when ``facsim serve`` restarts on the same data directory
(:mod:`simulator.web.persistence`). Saved state is input like any file a person could edit or
damage, so reading it back never trusts its shape: :class:`Fields` checks each value's type and
raises :class:`SnapshotError` naming the field (``directory.accounts[3].kind``), which the store
turns into a :class:`~simulator.errors.ConfigError` naming the file -- never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class SnapshotError(ValueError):
    """Saved state does not have the shape this version writes; the message names the field."""


class Fields:
    """One saved JSON object, read field by field with its type checked."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise SnapshotError(f"{where}: expected an object, found {type(data).__name__}")
        self.data = data
        self.where = where

    def _at(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _get(self, key: str) -> Any:
        if key not in self.data:
            raise SnapshotError(f"{self._at(key)}: missing")
        return self.data[key]

    def has(self, key: str) -> bool:
        return key in self.data

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise SnapshotError(f"{self._at(key)}: expected text, found {type(value).__name__}")
        return value

    def opt_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise SnapshotError(f"{self._at(key)}: expected text, found {type(value).__name__}")
        return value

    def integer(self, key: str) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise SnapshotError(
                f"{self._at(key)}: expected a whole number, found {type(value).__name__}"
            )
        return value

    def opt_int(self, key: str) -> int | None:
        if self.data.get(key) is None:
            return None
        return self.integer(key)

    def flag(self, key: str, default: bool | None = None) -> bool:
        if default is not None and key not in self.data:
            return default
        value = self._get(key)
        if not isinstance(value, bool):
            raise SnapshotError(
                f"{self._at(key)}: expected true or false, found {type(value).__name__}"
            )
        return value

    def items(self, key: str) -> list[Any]:
        value = self._get(key)
        if not isinstance(value, list):
            raise SnapshotError(f"{self._at(key)}: expected a list, found {type(value).__name__}")
        return value

    def texts(self, key: str) -> list[str]:
        values = self.items(key)
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise SnapshotError(f"{self._at(key)}[{index}]: expected text")
        return values

    def ints(self, key: str) -> list[int]:
        values = self.items(key)
        for index, value in enumerate(values):
            if isinstance(value, bool) or not isinstance(value, int):
                raise SnapshotError(f"{self._at(key)}[{index}]: expected a whole number")
        return values

    def objects(self, key: str) -> list[Fields]:
        return [Fields(item, f"{self._at(key)}[{i}]") for i, item in enumerate(self.items(key))]

    def obj(self, key: str) -> Fields:
        return Fields(self._get(key), self._at(key))

    def opt_obj(self, key: str) -> Fields | None:
        if self.data.get(key) is None:
            return None
        return self.obj(key)

    def mapping(self, key: str) -> dict[str, Any]:
        value = self._get(key)
        if not isinstance(value, dict):
            raise SnapshotError(f"{self._at(key)}: expected an object")
        return value

    def choice(self, key: str, parse: Callable[[str], T]) -> T:
        """A text field converted by ``parse`` (an enum, a date); its ``ValueError`` named."""
        value = self.text(key)
        try:
            return parse(value)
        except ValueError:
            raise SnapshotError(f"{self._at(key)}: {value!r} is not a valid value") from None

    def opt_choice(self, key: str, parse: Callable[[str], T]) -> T | None:
        if self.data.get(key) is None:
            return None
        return self.choice(key, parse)
