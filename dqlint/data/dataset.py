"""The canonical record view every rule reads.

Whatever the file format (OpenAI chat, Alpaca, ShareGPT, CSV classification, ...), each
example becomes one *row* with the same columns: ``input`` (the prompt side, without the
system prompt), ``output`` (the response the model learns), ``system`` (the system prompt, ""
when none), ``label`` (``None``, a string, or a tuple of strings for multi-label), ``split``
and its location (file, 1-based line, 0-based record index).

Columns are sequences a rule indexes and iterates (``ds.input[i]``, ``zip(ds.input, ds.output)``):
texts are lists of ``str``; integers (``file_index``, ``record``, ``line``, ``turns``) are typed
arrays (:mod:`dqlint.data.columns`) that NumPy reads without a copy; what repeats across rows
(system prompt, label, split, format) is one shared object per distinct value. So a million
rows cost little beyond their text; ``to_frame()`` gives a pandas DataFrame when a rule wants one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from array import array

from dqlint.data.columns import NO_LINE, Interner, IntColumn, OptionalIntColumn, append_int
from dqlint.data.schema import Schema

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Dataset", "InputFile", "Location", "Problem", "SPLITS"]

# Canonical split names. File names and split columns map onto these (see dqlint.data.sources).
SPLITS = ("train", "validation", "test")
HOLDOUT_SPLITS = ("validation", "test")

Label = "str | tuple[str, ...] | None"


@dataclass(frozen=True, order=True)
class Location:
    """Where a record lives: the path as the user gave it, its 1-based starting line (None
    where the format has no lines, e.g. Parquet) and its 0-based record index in the file."""

    path: str
    line: int | None
    record: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "record": self.record}

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.path}:{self.line}"
        if self.record is not None:
            return f"{self.path}#{self.record}"
        return self.path


@dataclass
class Problem:
    """A record-level problem met while loading: unparseable JSON, a record that is not an
    object, a schema violation of the detected format, a bad encoding. ``row`` is the
    canonical row when the record still became an example, else None."""

    location: Location
    kind: str
    message: str
    row: int | None = None
    # A problem that still lets the record be used (e.g. a BOM) is not a "format error" that
    # `clean` drops.
    fatal: bool = True


@dataclass
class InputFile:
    """One loaded input: a file, a folder saved by ``datasets``, a Hub dataset or an object."""

    path: str
    split: str
    format: str
    records: int = 0
    # How many records of each detected shape the file held (detects mixed formats).
    format_counts: Counter = field(default_factory=Counter)
    # Raw top-level field name -> Counter of JSON type names seen (for schema export).
    field_types: dict[str, Counter] = field(default_factory=dict)
    # Re-reads the source and yields (record_index, raw record) for every object record.
    iter_raw: Callable[[], Iterator[tuple[int, dict]]] | None = field(default=None, repr=False)
    # For text files: the encoding actually used and whether it began with a BOM.
    encoding: str | None = None
    kind: str = "file"  # file | folder | hub | memory
    # How its records are read (inferred per file; see dqlint.data.schema).
    schema: Schema = field(default_factory=Schema)
    # Why it has its split: "forced" (--test/--eval), "name", "column", "lone" (the only input,
    # checked as the training set whatever its name) or "default".
    split_from: str = "default"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "split": self.split,
            "format": self.format,
            "records": self.records,
            "fields": {role: list(keys) for role, keys in self.schema.fields.items()},
            "fields_from": self.schema.source,
        }


class Dataset:
    """All loaded examples of one run, as columns. Row ``i`` is one example."""

    def __init__(self) -> None:
        self.files: list[InputFile] = []
        self.input: list[str] = []
        self.output: list[str] = []
        self.system: list[str] = []
        self.label: list[Any] = []
        self.split: list[str] = []
        self.file_index: IntColumn = IntColumn("b")
        self.record: IntColumn = IntColumn("i")
        self.line: OptionalIntColumn = OptionalIntColumn("i")
        self.problems: list[Problem] = []
        # Per-row number of messages/turns, for token overhead and edge-case estimates.
        self.turns: IntColumn = IntColumn("b")
        # Per-row detected record format (a file's format is its most common one).
        self.format: list[str] = []
        # One object per distinct system prompt and label (each its own table, so a column of
        # unique system prompts does not stop labels from being shared). Split and format
        # names come from small fixed sets of string objects already.
        self._systems, self._labels = Interner(), Interner()

    # -- building --------------------------------------------------------------------------
    def add_row(
        self,
        *,
        file_index: int,
        record: int,
        line: int | None,
        input: str,
        output: str,
        system: str = "",
        label: Any = None,
        split: str = "train",
        turns: int = 1,
        format: str = "unknown",
    ) -> int:
        row = len(self.input)
        try:
            self.file_index.append(file_index)
            self.record.append(record)
            array.append(self.line, NO_LINE if line is None else line)  # C append, None as its sentinel
            self.turns.append(turns)
        except OverflowError:  # a value wider than its column: widen the columns it did not reach
            self._append_wide(row, file_index=file_index, record=record, line=line, turns=turns)
        self.input.append(input)
        self.output.append(output)
        # Only strings are shared: 1 == True would merge labels of different types.
        self.system.append(self._systems[system] if type(system) is str else system)
        self.label.append(self._labels[label] if type(label) is str else label)
        self.split.append(split)
        self.format.append(format)
        return row

    def _append_wide(self, row: int, **values: int | None) -> None:
        for name, value in values.items():
            column = getattr(self, name)
            if len(column) == row:
                setattr(self, name, append_int(column, value))

    # -- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.input)

    def location(self, row: int) -> Location:
        return Location(self.files[self.file_index[row]].path, self.line[row], self.record[row])

    def locations(self, rows: Sequence[int]) -> list[Location]:
        return [self.location(r) for r in rows]

    def rows(self, split: str | Sequence[str] | None = None) -> list[int]:
        """Row indexes, optionally only those of one split (or several)."""
        if split is None:
            return list(range(len(self)))
        wanted = {split} if isinstance(split, str) else set(split)
        return [i for i, s in enumerate(self.split) if s in wanted]

    def split_counts(self) -> Counter:
        return Counter(self.split)

    @property
    def has_labels(self) -> bool:
        return any(label is not None for label in self.label)

    @property
    def has_outputs(self) -> bool:
        return any(self.output)

    def labels_of(self, row: int) -> tuple[str, ...]:
        """The row's labels as a tuple (empty when unlabelled; several when multi-label)."""
        label = self.label[row]
        if label is None:
            return ()
        if isinstance(label, tuple):
            return label
        return (label,)

    def example_text(self, row: int) -> str:
        """The whole example as one string, without the system prompt that rows share."""
        out = self.output[row]
        return self.input[row] + ("\n" + out if out else "")

    def iter_raw(self) -> Iterator[tuple[int, dict]]:
        """Yield (row, raw record) for every row, re-reading sources as needed.

        For rules that need fields the canonical view does not keep (tags, tool calls,
        per-message content). Records that failed to parse are not rows and are not yielded.
        """
        for fi, info in enumerate(self.files):
            if info.iter_raw is None:
                continue
            span = self._record_ordered_span(fi)
            if span is None:
                yield from self._iter_raw_by_lookup(fi, info.iter_raw)
                continue
            # The file's rows are one run in record order (as loading adds them): walk the rows
            # and the re-read records in step instead of building a lookup table of every row.
            at, end = span
            record = self.record
            for rec_index, obj in info.iter_raw():
                while at < end and record[at] < rec_index:
                    at += 1
                if at == end:
                    break
                if record[at] == rec_index:
                    yield at, obj

    def _record_ordered_span(self, fi: int) -> tuple[int, int] | None:
        """(first row, end row) when the rows of file ``fi`` are contiguous with increasing record
        indexes; (0, 0) when it has none; None when they are neither (rows added by hand)."""
        import numpy as np

        rows = np.flatnonzero(np.asarray(self.file_index) == fi)
        if not len(rows):
            return 0, 0
        start, end = int(rows[0]), int(rows[-1]) + 1
        records = np.asarray(self.record)[start:end]
        if end - start != len(rows) or not bool(np.all(records[1:] > records[:-1])):
            return None
        return start, end

    def _iter_raw_by_lookup(self, fi: int, reader: Callable[[], Iterator[tuple[int, dict]]]) -> Iterator[tuple[int, dict]]:
        row_of = {self.record[i]: i for i, f in enumerate(self.file_index) if f == fi}
        for rec_index, obj in reader():
            row = row_of.get(rec_index)
            if row is not None:
                yield row, obj

    def to_frame(self) -> pd.DataFrame:
        """The canonical view as a pandas DataFrame (one row per example, with locations)."""
        import pandas as pd

        return pd.DataFrame(
            {
                "path": [self.files[f].path for f in self.file_index],
                "line": pd.array(self.line.tolist(), dtype="Int64"),
                "record": self.record.tolist(),
                "split": self.split,
                "input": self.input,
                "output": self.output,
                "system": self.system,
                "label": self.label,
            }
        )

    def subset_files(self, splits: Sequence[str]) -> list[int]:
        """Indexes of files whose split is one of ``splits``."""
        return [i for i, f in enumerate(self.files) if f.split in splits]
