"""Load inputs into the canonical :class:`~dqlint.data.dataset.Dataset`: expand each input, read its
records, detect each record's format and map it to canonical columns.

Only an input that cannot be read at all (missing, binary, unknown type) raises
:class:`~dqlint.errors.InputError`, with one line naming it.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain, islice
from typing import Any, Callable, Iterable, Iterator, Sequence

from dqlint.data.dataset import Dataset, InputFile, Location, Problem
from dqlint.data.formats import FieldMap, FormatTally, detect_format, to_canonical
from dqlint.data.limits import Limits, nesting_deeper_than
from dqlint.data.readers import Raw, json_type
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

__all__ = ['load_inputs', 'dataset_from_records', 'RecordMapper', 'file_schema']


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
    items = reader()
    head = list(islice(items, SCHEMA_SAMPLE))
    sample = [{k: v for k, v in r.value.items() if k != fields.split} for r in head if isinstance(r.value, dict)]
    mapper = RecordMapper(ds, display, forced, by_name, fields, kind, file_schema(sample, fields), limits)
    mapper.add(chain(head, items))
    mapper.finish(lambda: ((r.record, r.value) for r in reader() if isinstance(r.value, dict)))


# Python types whose JSON type name needs no look at the value (a float may be NaN: "null").
_TYPE_NAMES = {str: "string", int: "integer", bool: "boolean", type(None): "null", dict: "object", list: "array", tuple: "array"}
_PLAIN_TYPES = frozenset(_TYPE_NAMES)
# Distinct key sets whose detected format is remembered per file (detection reads keys only).
_DETECT_CACHE = 256


class RecordMapper:
    """Maps the records of one input to rows of a :class:`Dataset`, block by block.

    Made once per input (it appends the input's :class:`InputFile` to ``ds.files``); ``add``
    takes any run of reader items (:class:`~dqlint.data.readers.Raw`, with their own record
    indexes and lines), so an engine that reads a file in blocks maps each block with the same
    code; ``finish`` settles the file's format, split and record count once all are added."""

    def __init__(
        self, ds: Dataset, display: str, forced: str | None, by_name: str | None, fields: FieldMap, kind: str,
        schema: Schema, limits: Limits | None = None,
    ) -> None:
        self.ds, self.display, self.forced, self.by_name, self.fields, self.kind = ds, display, forced, by_name, fields, kind
        self.limits = limits or Limits()
        self.file_index = len(ds.files)
        self.fallback = by_name or "train"
        self.info = InputFile(path=display, split=forced or self.fallback, format="empty", kind=kind, schema=schema)
        ds.files.append(self.info)
        if schema.source == "values":
            ds.problems.append(Problem(Location(display, None, None), "inferred-fields", _inferred_message(schema), None, False))
        self.schema, self.reading = schema, schema.reading_fields()
        self.tally = FormatTally()
        self.row_splits: set[str] = set()
        self.by_column = False
        self.count = 0
        # (keys, value types or type names) -> records: the field types, counted per shape.
        self.shapes: dict[tuple, int] = {}
        self.formats: dict[tuple, str] = {}

    def add(self, items: Iterable[Raw]) -> None:
        """Map each item to a row (or a problem), in order. The loop runs once per record of
        every input, so it binds what it calls and builds a Location only for a problem."""
        ds, display, forced, fallback, split_key = self.ds, self.display, self.forced, self.fallback, self.fields.split
        schema, reading, kind, file_index = self.schema, self.reading, self.kind, self.file_index
        view_of = schema.view if schema.renames else None
        own_format = schema.format
        tally_add, row_splits, shapes, formats = self.tally.add, self.row_splits, self.shapes, self.formats
        add_row, problems = ds.add_row, ds.problems
        count, by_column = self.count, self.by_column
        max_depth = self.limits.max_depth
        for raw in items:
            record = raw.record
            if record is not None and record >= count:
                count = record + 1
            rec = raw.value
            if kind == "memory" and rec is not None and nesting_deeper_than(rec, max_depth):
                # File readers check while parsing; objects handed over in memory are checked here.
                raw = raw._replace(problem=("too-deep", f"record nests objects or arrays more than {max_depth} levels deep (max-depth): skipped", True))
                rec = None
            if rec is not None and not isinstance(rec, dict):
                raw = raw._replace(problem=("not-object", f"record is a JSON {json_type(rec)}, not an object", True))
                rec = None
            if rec is None:
                if raw.problem:
                    kind_, message, fatal = raw.problem
                    problems.append(Problem(Location(display, raw.line, record), kind_, message, None, fatal))
                continue
            view = view_of(rec) if view_of is not None else rec
            keys = tuple(view)
            fmt = formats.get(keys)
            if fmt is None:
                fmt = detect_format(view, reading)
                if own_format and fmt in ("unknown", "text") and fmt != own_format:
                    fmt = own_format  # a record missing some of its file's fields: say which
                if len(formats) < _DETECT_CACHE:
                    formats[keys] = fmt
            tally_add(fmt)
            types = tuple(map(type, rec.values()))
            if not _PLAIN_TYPES.issuperset(types):
                types = tuple(map(json_type, rec.values()))
            shape = (tuple(rec) if view is not rec else keys, types)
            shapes[shape] = shapes.get(shape, 0) + 1
            problem = raw.problem
            if forced is not None:
                row_split = forced
            else:
                column = rec.get(split_key)
                named = normalise_split(column) if column is not None else None
                row_split = named or fallback
                if named is not None:
                    by_column = True
                elif column is not None and problem is None:
                    problem = ("split", f"{split_key} value {column!r} is not a known split (train, validation, test); counted as {row_split}", False)
            row_splits.add(row_split)
            canon = to_canonical(view, fmt, reading)
            row = add_row(
                file_index=file_index,
                record=record if record is not None else count,
                line=raw.line,
                input=canon.input,
                output=canon.output,
                system=canon.system,
                label=canon.label,
                split=row_split,
                turns=canon.turns,
                format=fmt,
            )
            if problem:
                kind_, message, fatal = problem
                problems.append(Problem(Location(display, raw.line, record), kind_, message, row, fatal))
        self.count, self.by_column = count, by_column

    def finish(self, iter_raw: Callable[[], Iterator[tuple[int, dict]]] | None = None) -> InputFile:
        """Settle the file's record count, format, field types and split; ``iter_raw`` re-reads
        its raw records for the rules that need them (see :meth:`Dataset.iter_raw`)."""
        info, forced = self.info, self.forced
        field_types = info.field_types
        for (keys, types), n in self.shapes.items():
            for key, t in zip(keys, types):
                counter = field_types.get(key)
                if counter is None:
                    counter = field_types[key] = Counter()
                counter[t if type(t) is str else _TYPE_NAMES[t]] += n
        self.shapes.clear()
        info.records = self.count
        info.format = self.tally.dominant()
        info.format_counts = Counter(self.tally.counts)
        if forced is None and len(self.row_splits) > 1:
            info.split = "mixed"
        elif self.row_splits:
            info.split = next(iter(self.row_splits))
        info.split_from = "forced" if forced else "column" if self.by_column else "name" if self.by_name else "default"
        info.iter_raw = iter_raw
        return info


def file_schema(sample: list[dict], fields: FieldMap) -> Schema:
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
