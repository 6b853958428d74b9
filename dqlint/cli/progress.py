"""Progress and timings on stderr, never on stdout and never inside machine-readable output.

Each message starts a stage ("loading train.jsonl", "running near-duplicates"); with timings on,
the previous stage's duration is printed when the next begins, so a slow rule is easy to find.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

__all__ = ["StageReporter", "progress_wanted", "shown"]


def progress_wanted(flag: bool | None, quiet: bool, stream: TextIO | None = None) -> bool:
    """Progress shows on a terminal, not in CI logs, unless asked (``--progress``); never when quiet."""
    if quiet:
        return False
    if flag is not None:
        return flag
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("CI")


def shown(message: str) -> str:
    """A message as the terminal gets it. Stage names, errors and warnings may quote a file name or
    a value from the data, so secrets are masked and control characters shown visibly, as in every
    report (a file name holding an escape sequence must not drive the terminal)."""
    from dqlint.analysis.sensitive import mask_text
    from dqlint.reporters._common import visible

    return visible(mask_text(message))


class StageReporter:
    def __init__(self, *, show: bool, timings: bool, stream: TextIO | None = None) -> None:
        self.show = show
        self.timings = timings
        self.stream = stream or sys.stderr
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._stage: str | None = None
        self._started = time.perf_counter()
        self._run_started = self._started

    def __call__(self, message: str) -> None:
        self._finish_stage()
        if self.show or self.timings:  # masking costs an import; only pay it when something is printed
            message = shown(message)
        self._stage = message
        self._started = time.perf_counter()
        if self.show:
            if self._tty:
                self.stream.write("\r\033[K" + f"dqlint: {message} …"[:200])
            else:
                self.stream.write(f"dqlint: {message}\n")
            self.stream.flush()

    def close(self) -> None:
        self._finish_stage()
        self._stage = None
        if self.show and self._tty:
            self.stream.write("\r\033[K")
            self.stream.flush()
        if self.timings:
            self._write(f"dqlint: total {time.perf_counter() - self._run_started:.2f} s")

    def _finish_stage(self) -> None:
        if self._stage is not None and self.timings:
            self._write(f"dqlint: {self._stage}: {time.perf_counter() - self._started:.2f} s")

    def _write(self, line: str) -> None:
        if self.show and self._tty:
            self.stream.write("\r\033[K")
        self.stream.write(line + "\n")
        self.stream.flush()
