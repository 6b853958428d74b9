"""Inputs as blocks: contiguous runs of one file's records whose locations stay exact.

A JSON-lines file is cut into byte ranges that end at a line end; every other file is one block.
Reading is two passes over the blocks, both on workers:

1. *scan*: each block counts its lines and records and tallies formats, field types and splits,
   with the file's schema (inferred on the driver from the same leading sample as the local
   engine, then broadcast). The driver sums the counts into each block's first line and first
   record, and the tallies into each file's entry (its format, split, records).
2. *read*: each block becomes a :class:`~dqlint.data.dataset.Dataset` holding the block's rows
   with global locations and every file's whole-file entry, the view rules check.

Records are parsed and mapped by dqlint's own readers and format mapping, so a block holds
exactly the rows, problems and canonical fields the local engine makes of the same records.
"""

from __future__ import annotations

import dataclasses
import io
import os
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Iterator, Sequence

from dqlint.data.dataset import Dataset, InputFile, Location, Problem
from dqlint.data.formats import FieldMap, FormatTally, detect_format
from dqlint.data.ingest import SCHEMA_SAMPLE, RecordMapper, file_schema
from dqlint.data.limits import Limits
from dqlint.data.readers import BOM, Raw, file_reader, json_type
from dqlint.data.schema import Schema
from dqlint.data.sources import SKIPPED, InputSpec, normalise_split, split_from_name, unique_parts
from dqlint.engine.rule import Block
from dqlint.errors import InputError, UsageError

__all__ = ["FilePlan", "BlockScan", "plan_files", "plan_blocks", "scan_block", "read_block", "whole_file_entry"]

JSONL_SUFFIXES = (".jsonl", ".ndjson")
# Blocks of a few MB keep every core busy on a 100 MB file and bound a worker's memory.
MIN_BLOCK_BYTES = 1 << 20
MAX_BLOCK_BYTES = 64 << 20


@dataclass
class FilePlan:
    """One input file as the engine reads it."""

    index: int
    display: str  # the path in locations, as the user gave it (a URL stays a URL)
    url: bool  # read through fsspec
    ranged: bool  # JSON lines read in byte ranges; else the whole file is one block
    size: int
    forced: str | None  # split forced by --test/--eval
    by_name: str | None  # split its name implies (None for a lone input)
    lone: bool
    schema: Schema = field(default_factory=Schema)


@dataclass
class BlockScan:
    """What the scan pass learns of one block (counts are the block's own)."""

    lines: int = 0
    records: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    field_types: dict[str, Counter] = field(default_factory=dict)
    splits: set[str] = field(default_factory=set)
    by_column: bool = False


# -- planning (driver) ---------------------------------------------------------------------------


def is_url(source: Any) -> bool:
    return isinstance(source, str) and "://" in source and not source.startswith("hf://")


def plan_files(specs: Sequence[InputSpec], fields: FieldMap, limits: Limits) -> tuple[list[FilePlan], list[Problem]]:
    """Every input file once (as the local engine expands them), with its schema; and the
    problems of folder entries that are skipped. Raises InputError/UsageError as the local
    engine does for inputs that cannot be read at all."""
    parts: list[tuple[str, str | None, str | None, bool]] = []  # display, forced, by_name, url
    skipped: list[Problem] = []
    local = [s for s in specs if not is_url(s.source)]
    for part in unique_parts(local, limits):
        if part.kind == SKIPPED:
            for raw in part.reader():
                kind, message, fatal = raw.problem
                skipped.append(Problem(Location(part.display, None, None), kind, message, None, fatal))
            continue
        if part.kind != "file":
            raise UsageError(f"{part.display}: the ray engine reads files, folders of files and fsspec URLs; check this input with --engine local")
        parts.append((part.display, part.forced, part.by_name, False))
    for spec in specs:
        if is_url(spec.source):
            parts += [(url, spec.split, split_from_name(url), True) for url in _expand_url(spec.source)]
    inputs = len(parts)
    plans = []
    for index, (display, forced, by_name, url) in enumerate(parts):
        # Names tell splits apart among several inputs; a lone input is the training set.
        lone = inputs == 1 and forced is None and by_name not in (None, "train")
        ranged = display.lower().endswith(JSONL_SUFFIXES)
        size = _url_size(display) if url else os.path.getsize(display)
        if not url:
            file_reader(display, limits=limits)  # refuses missing, binary, oversized files in one line
        elif size > limits.max_file_size:
            raise InputError(f"{display}: is larger than the max-file-size limit; raise [limits] max-file-size to read it")
        plan = FilePlan(index, display, url, ranged, size, forced, None if lone else by_name, lone)
        plans.append(plan)
    return plans, skipped


def _expand_url(url: str) -> list[str]:
    """A URL names one file, or a folder whose data files are read in name order."""
    fs, path = _fs(url)
    if not fs.exists(path):
        raise InputError(f"{url}: no such file or folder")
    if not fs.isdir(path):
        return [url]
    base = url.rstrip("/")
    names = sorted(os.path.basename(p.rstrip("/")) for p in fs.ls(path, detail=False))
    files = [f"{base}/{n}" for n in names if n.lower().endswith(JSONL_SUFFIXES + (".json", ".csv", ".tsv", ".parquet"))]
    if not files:
        raise InputError(f"{url}: folder holds no data files")
    return files


def _fs(url: str) -> tuple[Any, str]:
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise UsageError(f"{url}: reading URLs needs fsspec (pip install fsspec and the filesystem's package)") from None
    try:
        return url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise UsageError(f"{url}: {exc}") from None


def _url_size(url: str) -> int:
    fs, path = _fs(url)
    return int(fs.size(path))


def infer_file_schema(plan: FilePlan, fields: FieldMap, limits: Limits) -> None:
    """The file's schema from its first SCHEMA_SAMPLE records, by the local engine's own inference."""
    head: list[Raw] = list(islice(_file_raws(plan, limits), SCHEMA_SAMPLE))
    sample = [{k: v for k, v in r.value.items() if k != fields.split} for r in head if isinstance(r.value, dict)]
    plan.schema = file_schema(sample, fields)


def plan_blocks(plan: FilePlan, target_bytes: int) -> list[tuple[int, int]]:
    """Byte ranges of a JSON-lines file, each ending just after a line end (or at the file's end)."""
    if not plan.ranged or plan.size <= target_bytes:
        return [(0, -1 if not plan.ranged else plan.size)]
    ranges = []
    start = 0
    with _open(plan) as fh:
        while start < plan.size:
            end = _line_end_after(fh, min(start + target_bytes, plan.size), plan.size)
            ranges.append((start, end))
            start = end
    return ranges


def block_bytes(total_bytes: int, cpus: int) -> int:
    """About four blocks per CPU, within 1-64 MB."""
    return max(MIN_BLOCK_BYTES, min(MAX_BLOCK_BYTES, total_bytes // max(1, 4 * cpus) + 1))


def _line_end_after(fh: Any, offset: int, size: int) -> int:
    """The offset just after the first line end at or after ``offset - 1``."""
    if offset >= size:
        return size
    fh.seek(offset - 1)
    pos = offset - 1
    while True:
        chunk = fh.read(1 << 16)
        if not chunk:
            return size
        at = chunk.find(b"\n")
        if at >= 0:
            return pos + at + 1
        pos += len(chunk)


def _open(plan: FilePlan) -> Any:
    if plan.url:
        fs, path = _fs(plan.display)
        return fs.open(path, "rb")
    from dqlint.data.files import open_regular

    return open_regular(plan.display)


# -- reading (workers) ---------------------------------------------------------------------------


def _range_bytes(plan: FilePlan, start: int, end: int) -> bytes:
    with _open(plan) as fh:
        fh.seek(start)
        return fh.read(end - start)


def _file_raws(plan: FilePlan, limits: Limits) -> Iterator[Raw]:
    """The file's records from its start (for the schema sample): the local reader's items."""
    if not plan.url:
        yield from file_reader(plan.display, limits=limits)()
        return
    if not plan.ranged:
        raise UsageError(f"{plan.display}: over a URL the ray engine reads JSON lines (.jsonl, .ndjson); copy other files locally")
    yield from _range_raws(plan, 0, plan.size, limits)


def _range_raws(plan: FilePlan, start: int, end: int, limits: Limits) -> Iterator[Raw]:
    """The items of one byte range, numbered from line 1 and record 0 of the range. A range not
    at the file's start that begins with a BOM gets a line before it, so the BOM is read as the
    local reader reads it mid-file (not stripped); its numbering is shifted back by the caller."""
    from dqlint.data.readers import _read_jsonl  # the local JSON-lines reader, over a byte range

    data = _range_bytes(plan, start, end)
    if start > 0 and data.startswith(BOM):
        data = b"\n" + data
    yield from _read_jsonl(plan.display, lambda: io.BytesIO(data), False, limits)


def block_raws(plan: FilePlan, block: Block, limits: Limits, file_records: int | None = None) -> Iterator[Raw]:
    """The block's items with the file's own line and record numbers."""
    if block.end == -1:
        yield from _file_raws(plan, limits)
        return
    shift_line = block.first_line - 1
    if block.start > 0 and _starts_with_bom(plan, block.start):
        shift_line -= 1
    for raw in _range_raws(plan, block.start, block.end, limits):
        if raw.record is None and raw.line is None:  # "file holds no records" of this range only
            if block.first_in_file and file_records == 0:
                yield raw
            continue
        yield raw._replace(
            record=None if raw.record is None else raw.record + block.first_record,
            line=None if raw.line is None else raw.line + shift_line,
        )


def _starts_with_bom(plan: FilePlan, start: int) -> bool:
    with _open(plan) as fh:
        fh.seek(start)
        return fh.read(len(BOM)) == BOM


def _records(raws: Iterator[Raw], plan: FilePlan, fields: FieldMap) -> Iterator[tuple[Raw, Any, str, Any, str]]:
    """(raw, record, detected format, schema view, row split) for every item; record is None for
    items that are not records (their problem is in ``raw.problem``). As dqlint.data.ingest."""
    schema = plan.schema
    reading = schema.reading_fields()
    fallback = plan.by_name or "train"
    for raw in raws:
        rec = raw.value
        if rec is not None and not isinstance(rec, dict):
            raw = raw._replace(problem=("not-object", f"record is a JSON {json_type(rec)}, not an object", True))
            rec = None
        if rec is None:
            yield raw, None, "", None, ""
            continue
        view = schema.view(rec)
        fmt = detect_format(view, reading)
        if schema.format and fmt in ("unknown", "text") and fmt != schema.format:
            fmt = schema.format  # a record missing some of its file's fields: say which
        column = rec.get(fields.split) if plan.forced is None else None
        row_split = plan.forced or normalise_split(column) or fallback
        if column is not None and normalise_split(column) is None and not raw.problem:
            raw = raw._replace(problem=("split", f"{fields.split} value {column!r} is not a known split (train, validation, test); counted as {row_split}", False))
        yield raw, rec, fmt, view, row_split


def scan_block(plan: FilePlan, block: Block, fields: FieldMap, limits: Limits) -> BlockScan:
    """Pass 1 over one block: its line and record counts and its tallies (no rows kept)."""
    scan = BlockScan()
    if block.end != -1:
        data_lines = _range_line_count(plan, block.start, block.end)
        scan.lines = data_lines
    records = 0
    field_types = scan.field_types
    tally = FormatTally(scan.formats)
    raws = _range_raws(plan, block.start, block.end, limits) if block.end != -1 else _file_raws(plan, limits)
    for raw, rec, fmt, _view, row_split in _records(raws, plan, fields):
        if raw.record is not None:
            records = max(records, raw.record + 1)
        if rec is None:
            continue
        tally.add(fmt)
        for key, value in rec.items():
            types = field_types.get(key)
            if types is None:
                types = field_types[key] = Counter()
            types[json_type(value)] += 1
        scan.splits.add(row_split)
        scan.by_column = scan.by_column or (plan.forced is None and normalise_split(rec.get(fields.split)) is not None)
    scan.records = records
    return scan


def _range_line_count(plan: FilePlan, start: int, end: int) -> int:
    data = _range_bytes(plan, start, end)
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def whole_file_entry(plan: FilePlan, scans: Sequence[BlockScan]) -> InputFile:
    """The file's entry as the local engine makes it, from its blocks' scans (in order)."""
    formats: dict[str, int] = {}
    field_types: dict[str, Counter] = {}
    splits: set[str] = set()
    for scan in scans:
        for fmt, n in scan.formats.items():
            formats[fmt] = formats.get(fmt, 0) + n
        for key, types in scan.field_types.items():
            field_types.setdefault(key, Counter()).update(types)
        splits |= scan.splits
    fallback = plan.by_name or "train"
    info = InputFile(path=plan.display, split=plan.forced or fallback, format=FormatTally(formats).dominant(), kind="file")
    info.schema = plan.schema
    info.records = sum(s.records for s in scans)
    info.format_counts = Counter(formats)
    info.field_types = field_types
    if plan.forced is None and len(splits) > 1:
        info.split = "mixed"
    elif splits:
        info.split = next(iter(splits))
    by_column = any(s.by_column for s in scans)
    info.split_from = "forced" if plan.forced else "column" if by_column else "name" if plan.by_name else "default"
    if plan.lone:
        info.split_from = "lone"
    return info


def read_block(plan: FilePlan, block: Block, files: Sequence[InputFile], fields: FieldMap, limits: Limits) -> Dataset:
    """Pass 2: the block as a Dataset: its rows and problems with the file's own locations, and
    every file's whole-file entry (the block's own entry re-reads only the block). The records
    are mapped by the local engine's RecordMapper, started at the block's first record."""
    ds = Dataset()
    ds.files = [dataclasses.replace(f, iter_raw=None) for f in files[: block.file_index]]
    mapper = RecordMapper(ds, plan.display, plan.forced, plan.by_name, fields, "file", plan.schema, limits)
    if not block.first_in_file:
        ds.problems.clear()  # the file's own problems (fields guessed from values): its first block says them
    info = files[block.file_index]
    mapper.count = block.first_record  # rows without a record number are numbered on from here
    mapper.add(block_raws(plan, block, limits, info.records))
    # The whole-file entry (formats, splits, records of every block) replaces the block's own.
    ds.files[block.file_index] = dataclasses.replace(
        info, iter_raw=lambda: ((r.record, r.value) for r in block_raws(plan, block, limits, info.records) if isinstance(r.value, dict))
    )
    ds.files.extend(dataclasses.replace(f, iter_raw=None) for f in files[block.file_index + 1 :])
    return ds


def check_pinned_fields(files: Sequence[InputFile], fields: FieldMap) -> None:
    """A pinned field that no record has stops the run, as on the local engine."""
    if not any(f.records for f in files):
        return
    seen = set().union(*(f.field_types for f in files))
    for role, keys in fields.pins().items():
        for key in keys:
            if key not in seen:
                paths = ", ".join(f.path for f in files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
                have = ", ".join(sorted(map(str, seen))[:12])
                raise UsageError(f"field {role}={key!r} (--field or [fields]): no record of {paths} has a field {key!r}; its fields are {have}")
