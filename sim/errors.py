"""Error types raised at the input boundary.

Every problem with user input (a scenario, a sweep file, a CLI value) becomes an
:class:`InputError` that knows the file, the line and the field, so the CLI can
print one clear line and exit with code 2.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad user input, reported as ``file:line: field: message``."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 field: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"
