"""Errors that end a run before it can be judged (exit code 2).

Each carries one line a person reads: it names the file (and line, where there is one).
Problems inside records are never raised: they become findings.
"""

from __future__ import annotations


class DqlintError(Exception):
    """Base class: a run that cannot be judged. ``str(err)`` is the one-line message."""


class ConfigError(DqlintError):
    """Bad configuration: unknown rule or option, wrong type, unreadable config file."""


class InputError(DqlintError):
    """An input that cannot be read at all: missing, binary, unknown format, unreachable."""


class UsageError(DqlintError):
    """A command used wrongly (conflicting options, an output file that exists)."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when it has none)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
