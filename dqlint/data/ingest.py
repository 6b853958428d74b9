"""Load inputs into the canonical :class:`~dqlint.data.dataset.Dataset`: expand each input, read its
records, detect each record's format and map it to canonical columns.

Only an input that cannot be read at all (missing, binary, unknown type) raises
:class:`~dqlint.errors.InputError`, with one line naming it.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain, islice
from typing import Any, Callable, Iterable, Sequence

from dqlint.data.dataset import Dataset, InputFile, Location, Problem
from dqlint.data.formats import FieldMap, FormatTally, detect_format, to_canonical
from dqlint.data.limits import Limits, nesting_deeper_than
from dqlint.data.readers import json_type
from dqlint.data.schema import SPECIFIC_FORMATS, Schema, infer_schema
from dqlint.data.sources import (
    SKIPPED,
    InputSpec,
    Reader,
    normalise_split,
    unique_parts,
)
from dqlint.errors import UsageError

# Records read before the rest to infer a file's schema (they are kept, not read twice).
SCHEMA_SAMPLE = 1000

__all__ = ['load_inputs', 'dataset_from_records']


def load_inputs(
    specs: Sequence[InputSpec],
    *,
    fields: FieldMap | None = None,
    progress: Callable[[str], None] | None = None,
    limits: Limits | None = None,
    require_pins: bool = True,
) -> Dataset:
    """Load every input into one :class:`Dataset` (rows of all splits together). ``limits``
    bound what one record or file may make dqlint read (see :mod:`dqlint.data.limits`). With
    ``require_pins``, a pinned field that no record has stops the run (a production sample
    loaded beside the data may lack the training set's fields)."""
    fields = fields or FieldMap()
    limits = limits or Limits()
    ds = Dataset()
    parts = unique_parts(specs, limits)
    inputs = [part for part in parts if part.kind != SKIPPED]
    for part in parts:
        if progress:
            progress(f"loading {part.display}")
        if part.kind == SKIPPED:
            _note_skipped(ds, part.display, part.reader)
            continue
        # Split names in file names tell splits apart; a lone input is the training set
        # whatever its name (a set shipped as test.csv is still what the user wants to train on).
        lone = len(inputs) == 1 and part.forced is None and part.by_name not in (None, "train") and part.kind == "file"
        _ingest(ds, part.display, part.forced, None if lone else part.by_name, part.reader, fields, part.kind, limits)
        if lone:
            ds.files[-1].split_from = "lone"
    if require_pins:
        _check_pinned_fields(ds, fields)
    return ds


def _note_skipped(ds: Dataset, display: str, reader: Reader) -> None:
    """A folder entry that was not read is a problem at its path, not an input file."""
    for raw in reader():
        kind, message, fatal = raw.problem
        ds.problems.append(Problem(Location(display, None, None), kind, message, None, fatal))


def _check_pinned_fields(ds: Dataset, fields: FieldMap) -> None:
    """A pinned field that no record of any input has is a typo, not a finding: stop the run."""
    if not any(f.records for f in ds.files):
        return
    seen = set().union(*(f.field_types for f in ds.files))
    for role, keys in fields.pins().items():
        for key in keys:
            if key not in seen:
                paths = ", ".join(f.path for f in ds.files[:3]) + (f" and {len(ds.files) - 3} more" if len(ds.files) > 3 else "")
                have = ", ".join(sorted(map(str, seen))[:12])
                raise UsageError(f"field {role}={key!r} (--field or [fields]): no record of {paths} has a field {key!r}; its fields are {have}")


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
    by_column = False
    items = reader()
    head = list(islice(items, SCHEMA_SAMPLE))
    sample = [{k: v for k, v in r.value.items() if k != fields.split} for r in head if isinstance(r.value, dict)]
    schema = info.schema = _file_schema(sample, fields)
    if schema.source == "values":
        ds.problems.append(Problem(Location(display, None, None), "inferred-fields", _inferred_message(schema), None, False))
    reading = schema.reading_fields()
    for raw in chain(head, items):
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
        view = schema.view(rec)
        fmt = detect_format(view, reading)
        if schema.format and fmt in ("unknown", "text") and fmt != schema.format:
            fmt = schema.format  # a record missing some of its file's fields: say which
        tally.add(fmt)
        for key, value in rec.items():
            types = field_types.get(key)
            if types is None:
                types = field_types[key] = Counter()
            types[json_type(value)] += 1
        column = rec.get(fields.split) if forced is None else None
        row_split = forced or normalise_split(column) or fallback
        by_column = by_column or normalise_split(column) is not None
        row_splits.add(row_split)
        if column is not None and normalise_split(column) is None:
            unknown_split = ("split", f"{fields.split} value {column!r} is not a known split (train, validation, test); counted as {row_split}", False)
            raw = raw if raw.problem else raw._replace(problem=unknown_split)
        canon = to_canonical(view, fmt, reading)
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
    info.split_from = "forced" if forced else "column" if by_column else "name" if by_name else "default"
    info.iter_raw = lambda: ((r.record, r.value) for r in reader() if isinstance(r.value, dict))


def _file_schema(sample: list[dict], fields: FieldMap) -> Schema:
    """The schema of one file: the format most sampled records have by their own keys, when it
    is a specific one, else what the keys and values say (see :mod:`dqlint.data.schema`)."""
    plain = FieldMap()
    counts = Counter(detect_format(rec, plain) for rec in sample)
    top = counts.most_common(1)[0][0] if counts else None
    return infer_schema(sample, fields, top if top in SPECIFIC_FORMATS else None)


def _inferred_message(schema: Schema) -> str:
    mapping = ", ".join(f"{role}={'+'.join(keys)}" for role, keys in schema.fields.items())
    return (
        f"fields guessed from the values: read as {schema.format} with {mapping}; "
        f"pin them with {schema.pin_hint()} (or [tool.dqlint.fields] in config)"
    )


def _share_repeated_system_prompts(ds: Dataset, start: int) -> None:
    """Rows usually share one system prompt: keep one string object instead of a copy per row."""
    seen: dict[str, str] = {}
    column = ds.system
    for i in range(start, len(column)):
        column[i] = seen.setdefault(column[i], column[i])


