"""One guard for every file dqlint writes: it never writes over its input.

An input is any file a run reads: data files (folders expanded to the files they hold, a saved
dataset folder as a whole), review sheets, expectation suites and reference samples. Paths are
compared after resolving links, and hard links are caught with ``samefile``. Nothing is written
inside an input folder, at any depth: the next check of the folder would read a report there as
training data (dqlint also skips its own outputs in folders, for files put there by hand).
"""

from __future__ import annotations

import os
from typing import Iterable

from dqlint.errors import UsageError

__all__ = ["refuse_unsafe_output"]


def refuse_unsafe_output(path: str, protected: Iterable[object], *, force: bool, what: str = "output") -> None:
    """Raise UsageError when writing ``path`` would touch an input, is a folder, or (without
    ``force``) would replace an existing file. Non-path entries of ``protected`` are ignored."""
    if os.path.isdir(path):
        raise UsageError(f"{path}: is a folder; give a file name for the {what}")
    real = os.path.realpath(path)
    for source in protected:
        if not isinstance(source, (str, os.PathLike)) or "://" in os.fspath(source):
            continue
        source = os.fspath(source)
        if os.path.isdir(source) and _is_inside(real, source):
            # The next check of the folder would read a report there as training data.
            raise UsageError(
                f"{path}: is inside input folder {source}; dqlint never modifies its input (write the {what} elsewhere)"
            )
        if _is_same_or_inside(real, path, source):
            raise UsageError(f"{path}: is an input of this run; dqlint never modifies its input (write the {what} elsewhere)")
    if os.path.exists(path) and not force:
        raise UsageError(f"{path}: file exists; use --force to replace it")


def _is_inside(real: str, folder: str) -> bool:
    return real.startswith(os.path.realpath(folder).rstrip(os.sep) + os.sep)


def _is_same_or_inside(real: str, path: str, source: str) -> bool:
    source_real = os.path.realpath(source)
    if os.path.isdir(source):
        # A folder input: its data files are inputs, and a saved dataset folder is one whole.
        from dqlint.data.sources import folder_input_files

        files = folder_input_files(source)
        if files is None:
            return real.startswith(source_real.rstrip(os.sep) + os.sep)
        return any(_is_same_or_inside(real, path, f) for f in files)
    if real == source_real:
        return True
    try:
        return os.path.exists(path) and os.path.exists(source) and os.path.samefile(source, path)
    except OSError:
        return False
