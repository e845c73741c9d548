"""Errors a user can act on. Anything else escaping to the user is a bug.

:class:`UserInputError` carries a message naming the input and what is wrong with it; the CLI
prints it on one line and exits with status 2 (no traceback), the web layer answers 4xx with it.
"""

from __future__ import annotations


class SimulatorError(Exception):
    """Base of the simulator's own errors."""


class UserInputError(SimulatorError):
    """Bad input from a person: an unknown facility, an unparsable time, a malformed file.

    ``source`` names the input (an option, a file with its line, a form field) so the message
    can say where to look.
    """

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class ConfigError(UserInputError):
    """A configuration or data file is wrong; the message names the file, line and field."""

    def __init__(
        self, path: str, message: str, *, line: int | None = None, field: str | None = None
    ):
        where = path if line is None else f"{path}:{line}"
        if field:
            where = f"{where}: field {field!r}"
        super().__init__(message, source=where)
        self.path = path
        self.line = line
        self.field = field
