"""Load inputs into the canonical :class:`~dqlint.data.dataset.Dataset`: expand each input, read its
records, detect each record's format and map it to canonical columns.

Only an input that cannot be read at all (missing, binary, unknown type) raises
:class:`~dqlint.errors.InputError`, with one line naming it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Iterable, Sequence

from dqlint.data.dataset import Dataset, InputFile, Location, Problem
from dqlint.data.formats import FieldMap, FormatTally, detect_format, to_canonical
from dqlint.data.limits import Limits, nesting_deeper_than
from dqlint.data.readers import json_type
from dqlint.data.sources import SKIPPED, InputSpec, Reader, normalise_split, unique_parts

__all__ = ['load_inputs', 'dataset_from_records']


def load_inputs(
    specs: Sequence[InputSpec],
    *,
    fields: FieldMap | None = None,
    progress: Callable[[str], None] | None = None,
    limits: Limits | None = None,
) -> Dataset:
    """Load every input into one :class:`Dataset` (rows of all splits together). ``limits``
    bound what one record or file may make dqlint read (see :mod:`dqlint.data.limits`)."""
    fields = fields or FieldMap()
    limits = limits or Limits()
    ds = Dataset()
    for part in unique_parts(specs, limits):
        if progress:
            progress(f"loading {part.display}")
        if part.kind == SKIPPED:
            _note_skipped(ds, part.display, part.reader)
        else:
            _ingest(ds, part.display, part.forced, part.by_name, part.reader, fields, part.kind, limits)
    return ds


def _note_skipped(ds: Dataset, display: str, reader: Reader) -> None:
    """A folder entry that was not read is a problem at its path, not an input file."""
    for raw in reader():
        kind, message, fatal = raw.problem
        ds.problems.append(Problem(Location(display, None, None), kind, message, None, fatal))


def dataset_from_records(
    records: Iterable[Any],
    *,
    path: str = "memory",
    split: str = "train",
    fields: FieldMap | None = None,
) -> Dataset:
    """A Dataset from in-memory records (dicts), detecting the format as for files."""
    return load_inputs([InputSpec(list(records), split=split, name=path)], fields=fields)


def _ingest(
    ds: Dataset, display: str, forced: str | None, by_name: str | None, reader: Reader, fields: FieldMap, kind: str,
    limits: Limits | None = None,
) -> None:
    """Rows of one input. A row's split: the one forced by --test/--eval, else its split
    column, else the one its file name implies, else train."""
    file_index = len(ds.files)
    fallback = by_name or "train"
    info = InputFile(path=display, split=forced or fallback, format="empty", kind=kind)
    ds.files.append(info)
    tally = FormatTally()
    field_types = info.field_types
    row_splits: set[str] = set()
    count = 0
    first_row = len(ds)
    for raw in reader():
        location = Location(display, raw.line, raw.record)
        if raw.record is not None:
            count = max(count, raw.record + 1)
        rec = raw.value
        if kind == "memory" and rec is not None and nesting_deeper_than(rec, (limits or Limits()).max_depth):
            # File readers check while parsing; objects handed over in memory are checked here.
            max_depth = (limits or Limits()).max_depth
            raw = raw._replace(problem=("too-deep", f"record nests objects or arrays more than {max_depth} levels deep (max-depth): skipped", True))
            rec = None
        if rec is not None and not isinstance(rec, dict):
            raw = raw._replace(problem=("not-object", f"record is a JSON {json_type(rec)}, not an object", True))
            rec = None
        if rec is None:
            if raw.problem:
                kind_, message, fatal = raw.problem
                ds.problems.append(Problem(location, kind_, message, None, fatal))
            continue
        fmt = detect_format(rec, fields)
        tally.add(fmt)
        for key, value in rec.items():
            types = field_types.get(key)
            if types is None:
                types = field_types[key] = Counter()
            types[json_type(value)] += 1
        column = rec.get(fields.split) if forced is None else None
        row_split = forced or normalise_split(column) or fallback
        row_splits.add(row_split)
        if column is not None and normalise_split(column) is None:
            unknown_split = ("split", f"{fields.split} value {column!r} is not a known split (train, validation, test); counted as {row_split}", False)
            raw = raw if raw.problem else raw._replace(problem=unknown_split)
        canon = to_canonical(rec, fmt, fields)
        row = ds.add_row(
            file_index=file_index,
            record=raw.record if raw.record is not None else count,
            line=raw.line,
            input=canon.input,
            output=canon.output,
            system=canon.system,
            label=canon.label,
            split=row_split,
            turns=canon.turns,
            format=fmt,
        )
        if raw.problem:
            kind_, message, fatal = raw.problem
            ds.problems.append(Problem(location, kind_, message, row, fatal))
    _share_repeated_system_prompts(ds, first_row)
    info.records = count
    info.format = tally.dominant()
    info.format_counts = Counter(tally.counts)
    if forced is None and len(row_splits) > 1:
        info.split = "mixed"
    elif row_splits:
        info.split = next(iter(row_splits))
    info.iter_raw = lambda: ((r.record, r.value) for r in reader() if isinstance(r.value, dict))


def _share_repeated_system_prompts(ds: Dataset, start: int) -> None:
    """Rows usually share one system prompt: keep one string object instead of a copy per row."""
    seen: dict[str, str] = {}
    column = ds.system
    for i in range(start, len(column)):
        column[i] = seen.setdefault(column[i], column[i])


