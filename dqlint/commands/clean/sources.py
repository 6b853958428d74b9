"""Re-reading the inputs for cleaning with the check's own readers, keeping each record's source bytes
and what surrounds the records (a CSV header, the text around a JSON array).
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

from dqlint.data.limits import Limits
from dqlint.errors import InputError, UsageError

if TYPE_CHECKING:

    pass


def json_bytes(value: Any) -> bytes:
    return json.dumps(jsonable(value), ensure_ascii=False, sort_keys=False).encode("utf-8")


def jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)




Key = tuple[str, int]  # (display path, record index)


# A record's value is parsed only where it is needed (returned frames, dropped Parquet rows).
NOT_PARSED: Any = type("NotParsed", (), {"__repr__": lambda self: "NOT_PARSED"})()


WantValue = Callable[[int], bool]


@dataclass
class RawRecord:
    """One record as it stands in its file: ``raw`` is its original bytes (None for Parquet and
    in-memory data), ``value`` the parsed object (None when it could not be parsed, NOT_PARSED
    when nobody needed it)."""

    record: int | None
    line: int | None
    raw: bytes | None
    value: Any


@dataclass
class Source:
    """One input file read for cleaning, with what surrounds its records (a CSV header, the
    text around a JSON array) so the cleaned copy can be reassembled in the same format."""

    path: str
    split: str
    kind: str  # jsonl | csv | json | parquet | memory
    records: list[RawRecord] = field(default_factory=list)
    head: bytes = b""
    separator: bytes = b""
    tail: bytes = b""
    newline: bytes = b"\n"
    # Content that belongs to no record (a file whose records could not be told apart).
    orphan: RawRecord | None = None


def read_sources(report: dict[str, Any], specs: Sequence[Any], want: Callable[[str, int], bool], *, limits: Limits | None = None) -> list[Source]:
    """Re-read every input the report names, record for record as the loader numbered them
    (with the check's ``limits``, so a record it skipped as too large is skipped here too);
    ``want(path, record)`` says whose parsed value to keep (the rest keep only their bytes)."""
    from dqlint.data.readers import data_suffix

    memory = {spec.name: spec.source for spec in specs if not isinstance(spec.source, (str, os.PathLike))}
    sources = []
    for info in report["inputs"]:
        path, split = info["path"], info["split"]
        if path in memory:
            source = _read_memory(path, split, memory[path])
        elif os.path.isfile(path) and data_suffix(path):
            source = _read_file(path, split, lambda record, path=path: want(path, record), limits)
        else:
            raise UsageError(f"{path}: clean works on data files (JSONL, JSON, CSV/TSV, Parquet), DataFrames and record lists")
        count = sum(1 for r in source.records if r.record is not None)
        if count != info["records"]:
            raise InputError(f"{path}: read {count} records but the check counted {info['records']}; nothing written")
        sources.append(source)
    return sources


# Which Source layout each data suffix is written back in.
FILE_KINDS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "csv", ".parquet": "parquet"}


def _read_file(path: str, split: str, want: WantValue, limits: Limits | None = None) -> Source:
    """Read with the check's own file reader, asked to keep each item's source text: records are
    numbered as the check numbered them by construction, and the text between them (a CSV
    header, the brackets and wrapper of a JSON array) is what the cleaned copy is framed in."""
    from dqlint.data.readers import data_suffix, file_reader

    source = Source(path, split, FILE_KINDS[data_suffix(path)[0]])  # type: ignore[index]
    outside: list[list[bytes]] = [[]]  # text between records: before the first, then after each
    stopped = False  # the last record is unreadable JSON (in an array, where the reader stops)
    for raw in file_reader(path, keep_source=True, limits=limits)():
        if raw.record is None:
            if raw.source is not None and raw.problem is not None:
                source.orphan = RawRecord(None, 1, raw.source, None)  # a file with no readable record
            elif raw.source is not None:
                outside[-1].append(raw.source)
            continue  # any other problem is the file's, and the check reported it
        if raw.problem is not None and raw.problem[2]:
            value = None  # unreadable: never kept, wanted or not
        else:
            value = raw.value if want(raw.record) else NOT_PARSED
        source.records.append(RawRecord(raw.record, raw.line, raw.source, value))
        outside.append([])
        stopped = raw.problem is not None and raw.problem[0] == "invalid-json"
    between = [b"".join(texts) for texts in outside]
    if source.kind == "json" and not any(text.strip() for text in between):
        source.kind = "jsonl"  # a .json file holding one object per line is read as JSONL
    if source.kind == "jsonl":
        _end_lines(source.records, (b"\n",), b"\n")  # blank lines are no records and are left out
    elif source.kind == "csv":
        _set_csv_frame(source, outside[0])
    elif source.kind == "json":
        _set_json_frame(source, between, stopped)
    return source


def _end_lines(records: list[RawRecord], endings: tuple[bytes, ...], newline: bytes) -> None:
    """A last record without a line ending gets one, so a record kept from the end of the file
    and one kept after it stay on separate lines."""
    for rec in records:
        if rec.raw is not None and not rec.raw.endswith(endings):
            rec.raw += newline


def _set_csv_frame(source: Source, before_records: list[bytes]) -> None:
    """The header is the first text before the records (blank lines after it are left out);
    its line ending is the one the copy uses."""
    if not before_records:
        return  # an empty file, or a header the csv module could not read (an orphan)
    head = before_records[0]
    source.newline = b"\r\n" if head.endswith(b"\r\n") else b"\n"
    source.head = head if head.endswith((b"\n", b"\r")) else head + source.newline
    _end_lines(source.records, (b"\n", b"\r"), source.newline)


def _set_json_frame(source: Source, between: list[bytes], stopped: bool) -> None:
    """Keep the original look: the text before the first element, between elements, after the
    last (the closing bracket and any wrapper). A file cut short (an array never closed, or an
    element the reader stopped at) gets a plain closing bracket. ``between[i]`` is the text
    before record ``i``; ``between[-1]`` the text after the last."""
    records = source.records
    readable = len(records) - stopped
    if stopped:  # the element's line is where it starts (the reader reports where decoding failed)
        before = sum(text.count(b"\n") for text in between[:-1]) + sum(rec.raw.count(b"\n") for rec in records[:-1])  # type: ignore[union-attr]
        records[-1].line = before + 1
    closed = b"]" in between[-1]  # text after the last element holds the closing bracket
    if not records and closed:
        source.head = between[0]  # an empty array: the whole file
        return
    source.head = between[0] if readable else _through_bracket(between[0])
    source.separator = between[1] if readable > 1 and between[1].count(b",") == 1 else b",\n"
    if closed:
        source.tail = between[-1]
    else:
        wrapped = between[0].decode("utf-8").lstrip().startswith("{")
        source.tail = b"\n]" + (b"}" if wrapped else b"") + b"\n"


def _through_bracket(text: bytes) -> bytes:
    """The text up to the array's ``[``, without the blanks and commas the reader skipped after it."""
    decoded = text.decode("utf-8")
    end = len(decoded)
    while end and (decoded[end - 1].isspace() or decoded[end - 1] == ","):
        end -= 1
    return decoded[:end].encode("utf-8")


def _read_memory(path: str, split: str, obj: Any) -> Source:
    source = Source(path, split, "memory")
    if type(obj).__name__ == "DataFrame":
        records = obj.to_dict("records")
    elif isinstance(obj, (list, tuple)):
        records = list(obj)
    else:
        raise UsageError(f"{path}: clean works on data files, DataFrames and record lists, not {type(obj).__name__}")
    for i, rec in enumerate(records):
        is_object = isinstance(rec, dict)
        source.records.append(RawRecord(i, None, None if is_object else json_bytes(rec), rec if is_object else None))
    return source
