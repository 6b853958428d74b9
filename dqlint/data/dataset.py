"""The canonical record view every rule reads.

Whatever the file format (OpenAI chat, Alpaca, ShareGPT, CSV classification, ...), each
example becomes one *row* with the same columns: ``input`` (the prompt side, without the
system prompt), ``output`` (the response the model learns), ``system`` (the system prompt, ""
when none), ``label`` (``None``, a string, or a tuple of strings for multi-label), ``split``
and its location (file, 1-based line, 0-based record index).

Columns are plain lists, so a million rows cost a few hundred MB and rules can vectorise
over them; ``to_frame()`` gives a pandas DataFrame when a rule wants one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

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
        self.file_index: list[int] = []
        self.record: list[int] = []
        self.line: list[int | None] = []
        self.problems: list[Problem] = []
        # Per-row number of messages/turns, for token overhead and edge-case estimates.
        self.turns: list[int] = []
        # Per-row detected record format (a file's format is its most common one).
        self.format: list[str] = []

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
        self.input.append(input)
        self.output.append(output)
        self.system.append(system)
        self.label.append(label)
        self.split.append(split)
        self.file_index.append(file_index)
        self.record.append(record)
        self.line.append(line)
        self.turns.append(turns)
        self.format.append(format)
        return len(self.input) - 1

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
        row_of: dict[tuple[int, int], int] = {
            (f, r): i for i, (f, r) in enumerate(zip(self.file_index, self.record))
        }
        for fi, info in enumerate(self.files):
            if info.iter_raw is None:
                continue
            for rec_index, obj in info.iter_raw():
                row = row_of.get((fi, rec_index))
                if row is not None:
                    yield row, obj

    def to_frame(self) -> pd.DataFrame:
        """The canonical view as a pandas DataFrame (one row per example, with locations)."""
        import pandas as pd

        return pd.DataFrame(
            {
                "path": [self.files[f].path for f in self.file_index],
                "line": pd.array(self.line, dtype="Int64"),
                "record": self.record,
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
