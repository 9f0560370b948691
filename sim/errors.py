"""Error types raised at the input boundary.

Every problem with user input (a scenario, a sweep file, a CLI value) becomes an
:class:`InputError` that knows the file, the line and the field, so the CLI can
print one clear line and exit with code 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


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


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the candidates closest to a misspelt name, or ``""`` if none is close.

    A name that is one of the candidates is no misspelling: ``""`` at once. (The reference checks build their
    messages before they know whether a name is unknown, for every reference of a scenario.)"""
    names = {str(c) for c in candidates}
    if str(word) in names:
        return ""
    close = difflib.get_close_matches(str(word), sorted(names), n=3, cutoff=0.75)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"
