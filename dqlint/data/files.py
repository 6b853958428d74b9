"""What dqlint may open, and what it must not read as data.

Only regular files are opened: a FIFO blocks ``open`` forever and ``/dev/zero`` never ends, so a
special file in a data folder (or a link to one) is skipped with a finding, never read. The
check opens with ``O_NONBLOCK`` and looks at the opened descriptor, so a file swapped for a FIFO
between the check and the open cannot block either.

dqlint's own outputs are not data: a report written with ``--format json``, a baseline file, the cleaned copy
``X.clean.EXT`` beside its original ``X.EXT`` and the ``*.dropped.jsonl`` file of ``dqlint clean``.
A folder input skips them, so a re-run never reads its previous run's output. They are told apart
by content (reports, dropped files) or by their original standing beside them (clean copies), so
a user's own ``data.clean.jsonl`` with no ``data.jsonl`` beside it is still data.
"""

from __future__ import annotations

import fcntl
import os
import re
import stat
from typing import BinaryIO

from dqlint.errors import InputError

__all__ = ["is_regular_file", "not_regular_reason", "open_regular", "own_output_kind"]

# The first bytes of a dqlint JSON report (the JSON reporter writes these two keys first).
_REPORT_HEAD = re.compile(rb'\A\s*\{\s*"schema_version"\s*:\s*\d+\s*,\s*"dqlint_version"\s*:')
# The first bytes of a `dqlint baseline` file.
_BASELINE_HEAD = re.compile(rb'\A\s*\{\s*"dqlint_baseline"\s*:')
# The first bytes of a `dqlint clean` dropped-records file (one object per line, path first).
_DROPPED_HEAD = re.compile(rb'\A\{"path": "(?:[^"\\]|\\.)*", "line": (?:\d+|null), "record": (?:\d+|null), "split": ')
_CLEAN_COPY = re.compile(r"\A(?P<stem>.+)\.clean(?P<ext>\.[^.]+(?:\.(?:gz|bz2|xz))?)\Z", re.IGNORECASE)
_DROPPED_NAME = re.compile(r"(?:\A|\.)dropped\.jsonl\Z", re.IGNORECASE)
_SNIFF_BYTES = 4096


def not_regular_reason(path: str) -> str | None:
    """None for a regular file (links followed), else what it is instead, for a message."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "a broken link" if os.path.islink(path) else "missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    return None if stat.S_ISREG(mode) else _kind(mode)


def is_regular_file(path: str) -> bool:
    return not_regular_reason(path) is None


def open_regular(path: str) -> BinaryIO:
    """Open ``path`` for reading bytes; raise InputError when it is not a regular file. The
    open itself never blocks (O_NONBLOCK), and the descriptor is what is checked."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"{path}: not a regular file ({_kind(mode)}); dqlint reads only regular files")
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def own_output_kind(path: str) -> str | None:
    """What dqlint output ``path`` is ("report", "clean copy", "dropped records"), or None for
    anything else. ``path`` is a regular file in a folder being listed."""
    name = os.path.basename(path)
    folder = os.path.dirname(path)
    copy = _CLEAN_COPY.match(name)
    if copy and os.path.exists(os.path.join(folder, copy["stem"] + copy["ext"])):
        return "clean copy"
    lower = name.lower()
    if not (lower.endswith(".json") or _DROPPED_NAME.search(lower)):
        return None
    try:
        with open_regular(path) as fh:
            head = fh.read(_SNIFF_BYTES)
    except InputError:
        return None
    if lower.endswith(".json") and _REPORT_HEAD.match(head):
        return "report"
    if lower.endswith(".json") and _BASELINE_HEAD.match(head):
        return "baseline"
    if _DROPPED_NAME.search(lower) and _DROPPED_HEAD.match(head):
        return "dropped records"
    return None


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"
