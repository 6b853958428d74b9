"""File readers that keep locations: JSONL, JSON (array or wrapper), CSV/TSV, Parquet, compressed.

Why not ``datasets.load_dataset("json", ...)`` for local files? It reports neither line numbers
nor survives a malformed line, and both are the point of a linter: every record keeps the
1-based line where it starts and its 0-based record index, and a record that cannot be parsed
becomes a problem at its line while the rest is read.

The same readers serve ``dqlint clean``, which writes each kept record back as it was written:
asked with ``keep_source=True``, a reader also hands over the text each item was read from (see
:attr:`Raw.source`), so both commands number records by one piece of code.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import os
import re
import sys
import zlib
from collections import Counter
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from dqlint.data.files import not_regular_reason, open_regular
from dqlint.data.limits import Limits, format_size, nesting_deeper_than
from dqlint.errors import InputError, first_line

__all__ = ['Raw', 'file_reader', 'wrapped_array_start']

HUB_PREFIX = "hf://"
DATA_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet")

COMPRESSIONS: dict[str, Callable[..., Any]] = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
# What a broken file or compressed stream raises while being read (zlib's and lzma's errors
# are not OSErrors): an input error naming the file, never an internal one.
STREAM_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)

Reader = Callable[[], Iterator["Raw"]]

def data_suffix(path: str) -> tuple[str, str | None] | None:
    """(data suffix, compression suffix or None) for a data file name, else None."""
    lower = path.lower()
    compression = None
    for comp in COMPRESSIONS:
        if lower.endswith(comp):
            compression = comp
            lower = lower[: -len(comp)]
            break
    for suffix in DATA_SUFFIXES:
        if lower.endswith(suffix):
            return suffix, compression
    return None

def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "null" if value != value else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    if hasattr(value, "tolist"):
        return "array"
    return type(value).__name__



BOM = b"\xef\xbb\xbf"


class Raw(NamedTuple):
    """One record as a reader saw it. ``value`` is None when it could not be parsed; then
    ``problem`` says why. A problem beside a value (a BOM, a salvaged encoding) keeps the row.

    ``source`` is filled only when the reader was asked to keep it (``keep_source=True``; the
    check never asks, so it pays nothing for it): the exact text the item was read from, as
    bytes. For a record, its JSONL line (with its line ending, after a BOM), its CSV record
    (quoted line breaks and all) or its JSON array element; the text between records comes as
    items of its own, with no record, value or problem (a CSV header, blank lines, the
    brackets, commas and wrapper around JSON elements); a problem saying a file holds no
    readable records carries the whole file. In order, the sources spell out the file after its
    BOM (JSON text re-encoded as UTF-8 when the file was not). Parquet rows have no source.
    """

    record: int | None
    line: int | None
    value: Any
    problem: tuple[str, str, bool] | None = None  # (kind, message, fatal)
    source: bytes | None = None


def file_reader(path: str, *, keep_source: bool = False, limits: Limits | None = None) -> Reader:
    """The reader of one data file; with ``keep_source`` its items carry their source text
    (:attr:`Raw.source`). Raises :class:`InputError` for a file that cannot be read at all, or
    one over ``limits.max_file_size`` (counted after decompression, as it is read)."""
    limits = limits or Limits()
    kind = data_suffix(path)
    if not os.path.exists(path):
        hint = f" (for a Hub dataset write {HUB_PREFIX}{path})" if re.fullmatch(r"[\w.-]+/[\w.-]+", path) else ""
        raise InputError(f"{path}: no such file or folder{hint}")
    if kind is None:
        raise InputError(
            f"{path}: unknown file type (expected {', '.join(DATA_SUFFIXES)}, optionally .gz/.bz2/.xz)"
        )
    reason = not_regular_reason(path)
    if reason is not None:  # a FIFO or device would block or never end
        raise InputError(f"{path}: not a regular file ({reason}); dqlint reads only regular files")
    suffix, compression = kind
    opener = COMPRESSIONS.get(compression or "")
    if opener is None and suffix != ".parquet" and os.path.getsize(path) > limits.max_file_size:
        raise InputError(_file_too_large(path, limits))

    def open_binary() -> Any:
        try:
            if opener is None:
                return open_regular(path)
            # Count what the decompressor hands over: a bomb stops at the limit.
            return io.BufferedReader(_SizeLimited(opener(open_regular(path), "rb"), path, limits), CHUNK)
        except OSError as exc:
            raise InputError(f"{path}: cannot open: {exc.strerror or exc}") from None

    if suffix == ".parquet":
        return lambda: _read_parquet(path, limits)
    if opener is not None:
        _measure_decompressed(path, open_binary)
    _check_text_file(path, open_binary)
    if suffix in (".jsonl", ".ndjson"):
        return lambda: _read_jsonl(path, open_binary, keep_source, limits)
    if suffix == ".json":
        return lambda: _read_json(path, open_binary, keep_source, limits)
    return lambda: _read_csv(path, open_binary, "\t" if suffix == ".tsv" else ",", keep_source, limits)


CHUNK = 1 << 16


class _SizeLimited(io.RawIOBase):
    """A decompressed stream that raises InputError once more than ``max_file_size`` bytes
    came out of it. It owns (and closes) the stream and the file under it."""

    def __init__(self, inner: Any, path: str, limits: Limits) -> None:
        self._inner, self._path, self._limits, self._count = inner, path, limits, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._inner.readinto(buffer)
        self._count += n
        if self._count > self._limits.max_file_size:
            raise InputError(_file_too_large(self._path, self._limits, decompressed=True))
        return n

    def close(self) -> None:
        if not self.closed:
            inner_file = getattr(self._inner, "fileobj", None) or getattr(self._inner, "_fp", None)
            self._inner.close()
            if inner_file is not None and hasattr(inner_file, "close"):
                inner_file.close()  # gzip/bz2/lzma leave a file object they were given open
        super().close()


def _measure_decompressed(path: str, open_binary: Callable[[], Any]) -> None:
    """Decompress once without keeping anything, so a file over max-file-size is refused before
    a single record of it is held in memory (the size-limited stream raises InputError). Costs
    one extra decompression of a compressed input (gzip: ~0.3 s per 100 MB here)."""
    buffer = bytearray(1 << 20)
    try:
        with open_binary() as fh:
            while fh.readinto(buffer):
                pass
    except STREAM_ERRORS as exc:  # a corrupt stream: the same error reading would give
        raise InputError(f"{path}: cannot read: {first_line(exc)}") from None


def _file_too_large(path: str, limits: Limits, decompressed: bool = False) -> str:
    what = "decompresses to more than" if decompressed else "is larger than"
    return f"{path}: {what} the max-file-size limit of {format_size(limits.max_file_size)}; raise [limits] max-file-size to read it"


def _record_too_large(size: int, limits: Limits) -> tuple[str, str, bool]:
    return ("record-too-large", f"record of {format_size(size)} is over the max-record-size limit of {format_size(limits.max_record_size)}: skipped", True)


def _too_deep(limits: Limits) -> tuple[str, str, bool]:
    return ("too-deep", f"record nests objects or arrays more than {limits.max_depth} levels deep (max-depth): skipped", True)


def _maybe_too_deep(text: bytes | str, value: Any, limits: Limits) -> bool:
    """Deeper than max-depth? Only a record with that many brackets can be, so the walk is
    paid only by the rare record that has them."""
    opens = text.count(b"{" if isinstance(text, bytes) else "{") + text.count(b"[" if isinstance(text, bytes) else "[")
    return opens > limits.max_depth and nesting_deeper_than(value, limits.max_depth)


def bounded_lines(fh: Any, limit: int) -> Iterator[bytes | int]:
    """The lines of a binary file; a line longer than ``limit`` bytes (line ending aside) comes
    as its length, an int, and is never held in memory whole."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        size = len(line)
        while chunk := fh.readline(CHUNK):
            size += len(chunk)
            if chunk.endswith(b"\n"):
                break
        yield size


def stdin_reader(name: str = "<stdin>", limits: Limits | None = None) -> Reader:
    """The reader of data piped to standard input (``dqlint check -``): read once, then parsed as
    a JSON array when it starts with ``[``, as JSON lines when it starts with ``{``, else as CSV.
    More than max-file-size bytes is refused before parsing."""
    limits = limits or Limits()
    data = sys.stdin.buffer.read(limits.max_file_size + 1)
    if len(data) > limits.max_file_size:
        raise InputError(_file_too_large(name, limits))
    head = data.lstrip(BOM + b" \t\r\n")[:1]

    def open_binary() -> Any:
        return io.BytesIO(data)

    if head == b"[":
        return lambda: _read_json(name, open_binary, limits=limits)
    if head == b"{":
        return lambda: _read_jsonl(name, open_binary, limits=limits)
    return lambda: _read_csv(name, open_binary, ",", limits=limits)


def _check_text_file(path: str, open_binary: Callable[[], Any]) -> None:
    """Refuse binary files and UTF-16 up front: nothing in them is a record."""
    try:
        with open_binary() as fh:
            head = fh.read(8192)
    except STREAM_ERRORS as exc:
        raise InputError(f"{path}: cannot read: {first_line(exc)}") from None
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise InputError(f"{path}: UTF-32 text; save it as UTF-8")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path}: UTF-16 text; save it as UTF-8")
    nul = head.find(b"\x00")
    if nul >= 0:
        raise InputError(f"{path}: binary file (NUL byte at offset {nul}), not a text data file")


def _read_jsonl(path: str, open_binary: Callable[[], Any], keep_source: bool = False, limits: Limits | None = None) -> Iterator[Raw]:
    import orjson

    limits = limits or Limits()
    record = 0
    saw_any = False
    with open_binary() as fh:
        try:
            depth = limits.max_depth
            for lineno, raw in enumerate(bounded_lines(fh, limits.max_record_size), 1):
                if isinstance(raw, int):  # over max-record-size: measured, not read
                    saw_any = True
                    yield Raw(record, lineno, None, _record_too_large(raw, limits), b"" if keep_source else None)
                    record += 1
                    continue
                bom_problem = None
                if lineno == 1 and raw.startswith(BOM):
                    raw = raw[len(BOM):]
                    bom_problem = ("bom", "file starts with a UTF-8 byte-order mark (BOM); some trainers reject it", False)
                # Only a line that starts with white space can be blank: the others are not copied.
                if (not raw or raw[0] in _SPACE) and not raw.strip():
                    if keep_source:
                        yield Raw(None, lineno, None, None, raw)
                    continue
                saw_any = True
                source = raw if keep_source else None
                try:
                    # The line ending is JSON white space: parse the line as read, without a copy.
                    value = orjson.loads(raw)
                    problem = bom_problem
                except orjson.JSONDecodeError:
                    ends_line = raw.endswith(b"\n")
                    raw = raw.rstrip(b"\r\n")
                    try:  # again without the line ending, so messages give the line's own columns
                        value, problem = orjson.loads(raw), bom_problem
                    except orjson.JSONDecodeError as exc:
                        value, problem = _salvage_json_line(raw, exc, ends_line)
                        if "recursion" in str(exc):
                            value, problem = None, _too_deep(limits)
                # Deeper than max-depth? Only a line with that many brackets can be (the walk is
                # paid only by the rare record that has them).
                if value is not None and len(raw) > depth and raw.count(b"{") + raw.count(b"[") > depth and nesting_deeper_than(value, depth):
                    value, problem = None, _too_deep(limits)
                if not isinstance(value, dict) and (problem is None or problem[2] is False):
                    # Parsed, but a string, number, array or null is not a record.
                    value, problem = None, ("not-object", f"record is a JSON {json_type(value)}, not an object", True)
                yield Raw(record, lineno, value, problem, source)
                record += 1
        except STREAM_ERRORS as exc:  # a corrupt .gz stream
            raise InputError(f"{path}: cannot read: {first_line(exc)}") from None
    if not saw_any:
        yield Raw(None, None, None, ("empty-file", "file holds no records", True))


_SPACE = frozenset(b" \t\r\n\x0b\x0c")  # what bytes.strip() strips


def _salvage_json_line(raw: bytes, exc: Exception, ends_line: bool) -> tuple[Any, tuple[str, str, bool]]:
    """A line orjson refused: say why; if the cause is a non-UTF-8 byte, still read the record."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as uexc:
        text = raw.decode("cp1252", errors="replace")
        bad = f"byte 0x{raw[uexc.start]:02x} at column {uexc.start + 1}"
        try:
            return json.loads(text), ("encoding", f"not valid UTF-8 ({bad}); read as Windows-1252", True)
        except (ValueError, RecursionError):
            return None, ("encoding", f"not valid UTF-8 ({bad}) and not valid JSON", True)
    msg = getattr(exc, "msg", str(exc))
    col = getattr(exc, "colno", None)
    where = f" at column {col}" if col else ""
    truncated = "" if ends_line else " (last line has no newline: the file may be truncated)"
    return None, ("invalid-json", f"invalid JSON: {msg}{where}{truncated}", True)


def _read_json(path: str, open_binary: Callable[[], Any], keep_source: bool = False, limits: Limits | None = None) -> Iterator[Raw]:
    """A JSON array of records (or an object wrapping one array), with each element's line."""
    limits = limits or Limits()
    with open_binary() as fh:
        try:
            data = fh.read()
        except STREAM_ERRORS as exc:  # a corrupt .gz stream
            raise InputError(f"{path}: cannot read: {first_line(exc)}") from None
    problems: list[tuple[str, str, bool]] = []
    if data.startswith(BOM):
        data = data[len(BOM):]
        problems.append(("bom", "file starts with a UTF-8 byte-order mark (BOM); some trainers reject it", False))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as uexc:
        line = data.count(b"\n", 0, uexc.start) + 1
        yield Raw(None, line, None, ("encoding", f"not valid UTF-8 (byte 0x{data[uexc.start]:02x}); read as Windows-1252", True))
        text = data.decode("cp1252", errors="replace")
    whole = data if keep_source else None  # the source of a file whose records cannot be told apart
    stripped = text.lstrip()
    if not stripped:
        yield Raw(None, None, None, ("empty-file", "file holds no records", True))
        return
    offset = len(text) - len(stripped)
    if stripped[0] == "{":
        # One object per line saved as .json, or an object wrapping the record list.
        if _looks_like_jsonl(stripped):
            yield from _read_jsonl(path, lambda: io.BytesIO(data), keep_source, limits)
            return
        yield from _json_wrapped(text, offset, problems, whole, limits)
        return
    if stripped[0] != "[":
        yield Raw(None, 1, None, ("not-object", "file is not a JSON array of records", True), whole)
        return
    yield from json_array_elements(text, offset, problems, keep_source, limits)


def _looks_like_jsonl(text: str) -> bool:
    head = text.split("\n", 1)[0].strip()
    if not head.endswith("}"):
        return False
    try:
        json.loads(head)
    except (ValueError, RecursionError):
        return False
    return "\n{" in text or "\n {" in text


def _json_wrapped(text: str, offset: int, problems: list, whole: bytes | None = None, limits: Limits | None = None) -> Iterator[Raw]:
    """``{"data": [...]}``: read the single list of records it wraps. ``whole`` (the file, given
    when sources are kept) is the source of a problem that leaves no record to read."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        yield Raw(None, getattr(exc, "lineno", None), None, ("invalid-json", f"invalid JSON: {first_line(exc)}", True), whole)
        return
    lists = [k for k, v in value.items() if isinstance(v, list)]
    if len(lists) != 1:
        yield Raw(None, 1, None, ("not-object", "file is one JSON object, not an array of records", True), whole)
        return
    yield from json_array_elements(text, wrapped_array_start(text, offset, lists[0]), problems, whole is not None, limits)


def wrapped_array_start(text: str, offset: int, key: str) -> int:
    """Index of the ``[`` that opens ``key``'s value in the top-level object starting at
    ``offset``: keys and values are decoded in turn, so brackets inside strings never mislead."""
    decoder = json.JSONDecoder()
    ws = re.compile(r"[\s,:]*")
    pos = ws.match(text, offset + 1).end()
    while pos < len(text) and text[pos] != "}":
        name, pos = decoder.raw_decode(text, pos)
        pos = ws.match(text, pos).end()
        if name == key:
            return pos
        _, pos = decoder.raw_decode(text, pos)
        pos = ws.match(text, pos).end()
    raise ValueError(f"key {key!r} not found")  # unreachable: json.loads found it


def json_array_elements(text: str, start: int, problems: list, keep_source: bool = False, limits: Limits | None = None) -> Iterator[Raw]:
    """The elements of the array whose ``[`` is at ``start``. With ``keep_source`` the text
    before, between and after them comes too (from the file's start to its end), and an
    element that cannot be decoded takes the rest of the file: reading stops there. An element
    over max-record-size or max-depth is a problem at its line, and reading goes on after it."""
    limits = limits or Limits()
    decoder = json.JSONDecoder()
    pos = start + 1
    line = text.count("\n", 0, pos) + 1
    record = 0
    length = len(text)
    ws = re.compile(r"[\s,]*")
    gap, gap_line = 0, 1  # where the text not yet handed over starts (used with keep_source)
    while True:
        match = ws.match(text, pos)
        new_pos = match.end()
        line += text.count("\n", pos, new_pos)
        pos = new_pos
        if pos >= length:
            if keep_source:
                yield Raw(None, gap_line, None, None, text[gap:].encode("utf-8"))
            yield Raw(None, line, None, ("invalid-json", "invalid JSON: the array is not closed (file truncated?)", True))
            return
        if text[pos] == "]":
            break
        if keep_source:
            yield Raw(None, gap_line, None, None, text[gap:pos].encode("utf-8"))
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            rest = text[pos:].encode("utf-8") if keep_source else None
            yield Raw(record, exc.lineno, None, ("invalid-json", f"invalid JSON: {exc.msg} at column {exc.colno}; the rest of the file was not read", True), rest)
            return
        except RecursionError:
            end = skip_json_value(text, pos)
            if end is None:
                rest = text[pos:].encode("utf-8") if keep_source else None
                yield Raw(record, line, None, ("invalid-json", "JSON value nested too deeply; the rest of the file was not read", True), rest)
                return
            value = _TOO_DEEP
        problem = problems.pop(0) if problems else None
        if end - pos > limits.max_record_size:
            value, problem = None, _record_too_large(len(text[pos:end].encode("utf-8")), limits)
        elif value is _TOO_DEEP or _maybe_too_deep(text[pos:end], value, limits):
            value, problem = None, _too_deep(limits)
        elif not isinstance(value, dict):
            value, problem = None, ("not-object", f"record is a JSON {json_type(value)}, not an object", True)
        yield Raw(record, line, value, problem, text[pos:end].encode("utf-8") if keep_source else None)
        record += 1
        line += text.count("\n", pos, end)
        pos = gap = end
        gap_line = line
    if keep_source:
        yield Raw(None, gap_line, None, None, text[gap:].encode("utf-8"))
    if record == 0:
        yield Raw(None, None, None, ("empty-file", "file holds no records (empty array)", True))


_TOO_DEEP = object()  # an element too deep for the JSON decoder's own recursion


def skip_json_value(text: str, pos: int) -> int | None:
    """The end of the JSON value starting at ``pos`` found without decoding it (brackets
    counted outside strings), or None when it does not end. Iterative, so any depth is fine."""
    depth, i, n = 0, pos, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
        elif depth == 0 and ch in ",\n":
            return i
        i += 1
    return None


def _read_csv(path: str, open_binary: Callable[[], Any], delimiter: str, keep_source: bool = False, limits: Limits | None = None) -> Iterator[Raw]:
    limits = limits or Limits()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1, limits.max_record_size))
    with open_binary() as fb:
        head = fb.peek(3)[:3] if hasattr(fb, "peek") else b""
        bom = head == BOM
        text = io.TextIOWrapper(fb, encoding="utf-8-sig" if bom else "utf-8", errors="surrogateescape", newline="")
        consumed: list[str] = []  # with keep_source: the lines read for the item at hand

        def take() -> bytes:
            """The source of the item at hand: what the csv module read for it, as it was."""
            raw = "".join(consumed).encode("utf-8", "surrogateescape")
            consumed.clear()
            return raw

        oversized: dict[int, int] = {}  # physical lines over max-record-size -> their length
        lines = _bounded_text_lines(text, limits.max_record_size, oversized)
        reader = csv.reader(_recorded(lines, consumed) if keep_source else lines, delimiter=delimiter)

        def too_large() -> tuple[str, str, bool] | None:
            """The problem of the item just read when it spans an over-long line."""
            spanned = [n for n in oversized if prev_line < n <= reader.line_num]
            return _record_too_large(sum(oversized.pop(n) for n in spanned), limits) if spanned else None

        try:
            header = next(reader, None)
        except csv.Error as exc:
            whole = (take() + text.read().encode("utf-8", "surrogateescape")) if keep_source else None
            yield Raw(None, 1, None, ("invalid-csv", f"invalid CSV header: {exc}", True), whole)
            return
        if header is None:
            yield Raw(None, None, None, ("empty-file", "file holds no records", True))
            return
        if keep_source:
            yield Raw(None, 1, None, None, take())
        header = [_repair_encoding(h)[0] for h in header]
        pending = []
        if bom:
            pending.append(("bom", "file starts with a UTF-8 byte-order mark (BOM); some trainers reject it", False))
        dupes = [h for h, n in Counter(header).items() if n > 1]
        if dupes:
            yield Raw(None, 1, None, ("invalid-csv", f"duplicate column name(s) in header: {', '.join(dupes)}", True))
        record = 0
        prev_line = reader.line_num
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                problem = too_large() or _csv_problem(exc, limits)
                yield Raw(record, prev_line + 1, None, problem, take() if keep_source else None)
                record += 1
                prev_line = reader.line_num
                continue
            start_line = prev_line + 1
            big = too_large()
            prev_line = reader.line_num
            if big:
                yield Raw(record, start_line, None, big, take() if keep_source else None)
                record += 1
                continue
            if not row or (len(row) == 1 and row[0] == "" and len(header) > 1):
                if keep_source:
                    yield Raw(None, start_line, None, None, take())
                continue  # blank line
            source = take() if keep_source else None
            problem = pending.pop(0) if pending else None
            cells = []
            for cell in row:
                fixed, bad = _repair_encoding(cell)
                if bad and problem is None:
                    problem = ("encoding", "not valid UTF-8 (read as Windows-1252; is the file Latin-1?)", True)
                cells.append(fixed)
            if len(cells) != len(header):
                yield Raw(record, start_line, None, ("invalid-csv", f"row has {len(cells)} fields, header has {len(header)}", True), source)
            else:
                yield Raw(record, start_line, dict(zip(header, cells)), problem, source)
            record += 1
        if record == 0:
            yield Raw(None, None, None, ("empty-file", "file holds a header but no records", True))


def _csv_problem(exc: csv.Error, limits: Limits) -> tuple[str, str, bool]:
    if "field larger than field limit" in str(exc):  # a quoted field over many lines
        return ("record-too-large", f"record is over the max-record-size limit of {format_size(limits.max_record_size)}: skipped", True)
    return ("invalid-csv", f"invalid CSV: {exc}", True)


def _bounded_text_lines(text: Any, limit: int, oversized: dict[int, int]) -> Iterator[str]:
    """The lines of a text stream for the csv module; a line longer than ``limit`` characters
    is measured, not kept: it is noted in ``oversized`` (line number -> length) and passed on
    as an empty line."""
    number = 0
    while line := text.readline(limit + 1):
        number += 1
        if len(line) <= limit or line.endswith(("\n", "\r")):
            yield line
            continue
        size = len(line)
        while chunk := text.readline(CHUNK):
            size += len(chunk)
            if chunk.endswith(("\n", "\r")):
                break
        oversized[number] = size
        yield "\n"


def _recorded(lines: Iterable[str], into: list[str]) -> Iterator[str]:
    """Pass the lines on, keeping each in ``into`` until the reader takes them as a source."""
    for line in lines:
        into.append(line)
        yield line


# The lone surrogates surrogateescape decodes bytes that are not UTF-8 to.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _repair_encoding(cell: str) -> tuple[str, bool]:
    """Cells decoded with surrogateescape hold lone surrogates where bytes were not UTF-8."""
    if cell.isascii() or not _ESCAPED_BYTE.search(cell):  # one C-level scan, not a generator per character
        return cell, False
    return cell.encode("utf-8", "surrogateescape").decode("cp1252", errors="replace"), True


def _read_parquet(path: str, limits: Limits | None = None) -> Iterator[Raw]:
    """Rows of a Parquet file. Corrupt pages (a checksum, a decompression or a thrift error) end
    the run with one line naming the file and the record where reading stopped: the rows of a
    file that cannot be read through cannot be vouched for."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    limits = limits or Limits()
    try:
        pfile = pq.ParquetFile(path)
        size = sum(pfile.metadata.row_group(i).total_byte_size for i in range(pfile.metadata.num_row_groups))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable Parquet file: {first_line(exc)}") from None
    if size > limits.max_file_size:
        raise InputError(_file_too_large(path, limits, decompressed=True))
    record = 0
    batches = pfile.iter_batches(batch_size=16384)
    while True:
        try:
            batch = next(batches, None)
            rows = batch.to_pylist() if batch is not None else None
        except (pa.ArrowException, OSError, ValueError, IndexError) as exc:
            raise InputError(f"{path}: not a readable Parquet file: corrupt data after record {record}: {first_line(exc)}") from None
        if rows is None:
            break
        for rec in rows:
            yield Raw(record, None, rec)
            record += 1
    if record == 0:
        yield Raw(None, None, None, ("empty-file", "file holds no records", True))
