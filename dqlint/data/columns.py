"""Compact columns for the canonical view: integers in typed arrays, repeated values shared.

A million rows of Python ints cost 36 bytes each (an 8-byte list slot and a 28-byte int); an
:class:`IntColumn` stores each in 1 to 8 bytes and widens itself when a value does not fit. It
*is* an ``array.array``, so indexing and iterating run at C speed and NumPy reads it without a
copy (``np.asarray(ds.record)``). :class:`OptionalIntColumn` holds ``None`` too (a line number
of a format without lines). Both compare equal to a list of the same values, as the lists
they replace did.

Text columns stay lists of ``str``: rules index them, iterate them and build lists of the very
same string objects, which an Arrow or bytes store would have to copy out on every access (see
docs/benchmarks.md). What repeats across rows (a system prompt, a label, a split name) is
shared instead: :class:`Interner` hands back one object per distinct value.
"""

from __future__ import annotations

import sys
from array import array
from typing import Any, Hashable, Iterator

__all__ = ["IntColumn", "OptionalIntColumn", "Interner", "NO_LINE", "append_int", "extend_int", "list_bytes"]

# Signed typecodes from narrowest to widest; a column moves up one when a value overflows.
_WIDTHS = ("b", "h", "i", "q")


class IntColumn(array):
    """A column of integers, as narrow as its values allow (see the module docstring)."""

    def __new__(cls, typecode: str = "b", values: Any = ()) -> "IntColumn":
        return super().__new__(cls, typecode, values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple)):
            return self.tolist() == list(other)
        return array.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]  # mutable, as a list

    def widened(self, value: int) -> "IntColumn":
        """A copy of this column in the narrowest typecode that also holds ``value``."""
        for code in _WIDTHS[_WIDTHS.index(self.typecode) + 1:]:
            try:
                array(code, [value])
            except OverflowError:
                continue
            return type(self)(code, array.tolist(self))  # the stored values, sentinels and all
        raise OverflowError(f"{value} does not fit in a 64-bit integer column")

    @property
    def nbytes(self) -> int:
        return sys.getsizeof(self)


# The stored value of None in an OptionalIntColumn. Line numbers are 1-based, so -1 is free.
NO_LINE = -1


class OptionalIntColumn(IntColumn):
    """An :class:`IntColumn` whose rows may be ``None`` (stored as -1: values are never negative)."""

    def __getitem__(self, index: Any) -> Any:
        value = array.__getitem__(self, index)
        if isinstance(index, slice):
            return [None if v == NO_LINE else v for v in value]
        return None if value == NO_LINE else value

    def __iter__(self) -> Iterator[int | None]:
        return (None if v == NO_LINE else v for v in array.__iter__(self))

    def append(self, value: int | None) -> None:
        array.append(self, NO_LINE if value is None else value)

    def tolist(self) -> list[int | None]:  # type: ignore[override]
        return [None if v == NO_LINE else v for v in array.tolist(self)]

    def __repr__(self) -> str:
        return f"OptionalIntColumn({self.tolist()!r})"


def append_int(column: IntColumn, value: int | None) -> IntColumn:
    """Append ``value``; returns the column to keep (a wider copy when the value did not fit)."""
    try:
        column.append(value)
        return column
    except OverflowError:
        wider = column.widened(NO_LINE if value is None else value)
        wider.append(value)
        return wider


def extend_int(column: IntColumn, values: Any) -> IntColumn:
    """Append ``values`` (None as the sentinel in an optional column); returns the column to
    keep, widened first when a value does not fit (``array.extend`` would stop half-way)."""
    stored = [NO_LINE if v is None else v for v in values] if isinstance(column, OptionalIntColumn) else list(values)
    if stored:
        for extreme in (min(stored), max(stored)):
            try:
                array(column.typecode, [extreme])
            except OverflowError:
                column = column.widened(extreme)
    array.extend(column, stored)
    return column


class Interner(dict):
    """One shared object per distinct value: rows that repeat a system prompt or a label hold the
    same string instead of a copy each (``shared = interner[value]``; a hit is one dict lookup).
    Past ``limit`` distinct values new ones are no longer remembered (a column of unique texts
    would only pay for the table), but are still handed back as they are."""

    __slots__ = ("limit",)

    def __init__(self, limit: int = 1 << 16) -> None:
        super().__init__()
        self.limit = limit

    def __missing__(self, value: Hashable) -> Any:
        if len(self) < self.limit:
            self[value] = value
        return value


def list_bytes(column: list) -> int:
    """Bytes a list column holds: the list and each distinct object in it once."""
    seen: set[int] = set()
    total = sys.getsizeof(column)
    for value in column:
        if id(value) not in seen:
            seen.add(id(value))
            total += sys.getsizeof(value)
            if isinstance(value, tuple):
                total += sum(sys.getsizeof(v) for v in value)
    return total
