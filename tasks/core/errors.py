"""Errors that mean "the input is wrong", as opposed to a defect in yoloop.

The stages and the CLI print them as `error: <file or key>: <reason>`, one line
per problem, and exit with code 2 before any output is touched.
"""

from __future__ import annotations

import errno
import sys

EXIT_BAD_INPUT = 2


class InputError(ValueError):
    """Bad input; `lines` holds one message per problem, each naming its file, line or key."""

    def __init__(self, lines: list[str] | str):
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(self.lines))


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


class DiskFull(InputError):
    """The disk (or quota) filled up while writing `where`; what was there before is kept."""

    def __init__(self, where: object, exc: OSError):
        code = errno.errorcode.get(exc.errno or 0, str(exc.errno))
        super().__init__(
            f"{where}: no space left on the device ({code}); nothing was replaced: free some space and run again"
        )


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


def disk_full_or_raise(exc: OSError, where: object) -> DiskFull:
    """`exc` as a DiskFull naming `where` (and the file it names, which may be a copy's source); any other
    OSError is raised again as it was."""
    if not is_disk_full(exc):
        raise exc
    return DiskFull(f"{where} (at {exc.filename})" if exc.filename else where, exc)


def print_input_error(exc: InputError) -> int:
    """`error: <line>` on stderr for each line of `exc`; the exit code of bad input."""
    for line in exc.lines:
        print(f"error: {line}", file=sys.stderr)
    return EXIT_BAD_INPUT
