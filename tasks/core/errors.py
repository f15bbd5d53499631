"""Errors that mean "the input is wrong", as opposed to a defect in yoloop.

The stages and the CLI print them as `error: <file or key>: <reason>`, one line
per problem, and exit with code 2 before any output is touched.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input; `lines` holds one message per problem, each naming its file, line or key."""

    def __init__(self, lines: list[str] | str):
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(self.lines))
