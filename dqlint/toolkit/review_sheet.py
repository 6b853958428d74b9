"""The review sheet: its columns, writing it safely and reading a filled-in one back.


Shared by ``dqlint sample`` (which writes a review sheet) and the ``label-accuracy`` rule
(which reads a filled sheet back and judges the accuracy estimate against a bar).

The workflow::

    dqlint sample train.jsonl -n 200 -o review.csv     # 1. draw a random sample
    # 2. a person fills the `correct` column (yes/no) and, where wrong, `corrected_label`
    dqlint check train.jsonl --review review.csv         # 3. estimate with a 95 % interval

Why these choices:

- *Stratified by label, proportional allocation* (largest remainder): every label gets its
  share of the sample, so the plain share of correct rows is an unbiased estimate of the whole
  set's accuracy without weights. Rows are written in random order, so a reviewer who stops
  half way still leaves a random sample.
- *Wilson score interval*: unlike the normal ("Wald") interval it stays inside [0, 1] and keeps
  its coverage at the edges (all correct, none correct, ten rows).
- *Row hashes*: the sheet stores a content hash of each row's input, output and label; a row
  that no longer matches (edited data) is detected instead of silently judged.
- *Model suspects* may be listed first in a section of their own (``section = model-suspect``).
  They are never part of the estimate: they were chosen because they look wrong.
- *Spreadsheet safety*: CSV cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR get a
  leading ``'`` so no formula runs when the sheet is opened (OWASP CSV injection); reading the
  sheet back removes that quote again.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dqlint.data.dataset import Dataset, Location
from dqlint.data.labels import label_text
from dqlint.errors import InputError, UsageError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ['SECTION_RANDOM', 'SECTION_SUSPECT', 'SHEET_COLUMNS', 'write_sheet', 'SheetEntry', 'read_sheet']


def row_hash(input: str, output: str, label: str) -> str:
    """Content hash of one row (input, output and label text), 16 hex digits."""
    h = hashlib.blake2b(digest_size=8)
    for part in (input, output, label):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def row_hashes(ds: Dataset) -> list[str]:
    return [row_hash(i, o, label_text(lab)) for i, o, lab in zip(ds.input, ds.output, ds.label)]



SECTION_RANDOM = "random-sample"


SECTION_SUSPECT = "model-suspect"


SHEET_COLUMNS = [
    "section",
    "path",
    "line",
    "record",
    "row_hash",
    "input",
    "output",
    "given_label",
    "suggested_label",
    "suspect_score",
    "correct",
    "corrected_label",
]


DEFAULT_ROWS = 200


# Excel keeps at most 32,767 characters in a cell; longer texts are cut with a pointer back.
MAX_CELL_CHARS = 32_000


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


YES = {"yes", "y", "1", "true"}


NO = {"no", "n", "0", "false"}


def neutralise(cell: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with a single quote."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def unneutralise(cell: str) -> str:
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def _cell_text(text: str, where: Location) -> str:
    if len(text) <= MAX_CELL_CHARS:
        return text
    return text[:MAX_CELL_CHARS] + f" … [cut: {len(text):,} characters, see {where}]"


def sheet_frame(
    ds: Dataset,
    random_rows: Sequence[int],
    suspects: Sequence[Any] = (),
    suggestions: dict[int, tuple[str | None, float]] | None = None,
) -> pd.DataFrame:
    """The review sheet as a DataFrame: model suspects first (their own section), then the
    random sample. ``suspects`` are objects with ``row``, ``suggested`` and ``score``."""
    import pandas as pd

    suggestions = dict(suggestions or {})
    hashes = {r: row_hash(ds.input[r], ds.output[r], label_text(ds.label[r])) for r in random_rows}
    records: list[dict[str, Any]] = []

    def record(section: str, r: int, suggested: str | None, score: float | None) -> dict[str, Any]:
        loc = ds.location(r)
        return {
            "section": section,
            "path": loc.path,
            "line": loc.line,
            "record": loc.record,
            "row_hash": hashes.get(r) or row_hash(ds.input[r], ds.output[r], label_text(ds.label[r])),
            "input": _cell_text(ds.input[r], loc),
            "output": _cell_text(ds.output[r], loc),
            "given_label": label_text(ds.label[r]),
            "suggested_label": suggested or "",
            "suspect_score": None if score is None else round(float(score), 4),
            "correct": "",
            "corrected_label": "",
        }

    in_sample = set(random_rows)
    for s in suspects:
        if s.row not in in_sample:
            records.append(record(SECTION_SUSPECT, s.row, s.suggested, s.score))
    for r in random_rows:
        suggested, score = suggestions.get(r, (None, None))
        records.append(record(SECTION_RANDOM, r, suggested, score))
    frame = pd.DataFrame.from_records(records, columns=SHEET_COLUMNS)
    frame["line"] = frame["line"].astype("Int64")
    frame["record"] = frame["record"].astype("Int64")
    return frame


def write_sheet(frame: pd.DataFrame, path: str, *, force: bool = False) -> None:
    """Write the sheet as CSV (UTF-8 with BOM, so spreadsheets read accents) or JSONL, by the
    file's extension. Refuses to replace an existing file unless ``force``."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".csv", ".jsonl", ".ndjson"):
        raise UsageError(f"{path}: review sheet must end in .csv or .jsonl")
    if os.path.exists(path) and not force:
        raise UsageError(f"{path}: file exists; use --force to replace it")
    rows = [[None if _missing(v) else v for v in rec] for rec in frame[SHEET_COLUMNS].itertuples(index=False)]
    mode = "w" if force else "x"
    try:
        if ext == ".csv":
            with open(path, mode, encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(SHEET_COLUMNS)
                for rec in rows:
                    writer.writerow(["" if v is None else neutralise(v) for v in rec])
        else:
            with open(path, mode, encoding="utf-8") as fh:
                for rec in rows:
                    obj = {k: (int(v) if k in ("line", "record") and v is not None else v) for k, v in zip(SHEET_COLUMNS, rec)}
                    fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
    except FileExistsError:
        raise UsageError(f"{path}: file exists; use --force to replace it") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot write review sheet: {exc.strerror or exc}") from None


def _missing(value: Any) -> bool:
    try:
        import pandas as pd

        return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
    except ImportError:  # pragma: no cover - pandas is a dependency
        return value is None


@dataclass
class SheetEntry:
    """One row of a review sheet as read back. ``correct`` is None when not reviewed."""

    sheet_line: int
    section: str
    row_hash: str
    location: Location | None
    given_label: str
    corrected_label: str
    correct: bool | None
    problem: str | None = None  # e.g. an unreadable `correct` cell


def parse_verdict(value: Any) -> tuple[bool | None, str | None]:
    """yes/no, y/n, 1/0, true/false (any case) -> True/False; blank -> None (not reviewed)."""
    if value is None or isinstance(value, bool):
        return value, None
    if isinstance(value, (int, float)) and value in (0, 1):  # JSONL sheets may hold numbers
        return bool(value), None
    text = str(value).strip().lower()
    if text == "":
        return None, None
    if text in YES:
        return True, None
    if text in NO:
        return False, None
    return None, f"`correct` is {str(value)!r}: use yes/no, y/n, 1/0 or true/false"


def read_sheet(path: str) -> list[SheetEntry]:
    """Read a (partly) filled review sheet. Raises InputError (one line) when it cannot be read
    or lacks the ``row_hash`` and ``correct`` columns."""
    if not os.path.isfile(path):
        raise InputError(f"{path}: review sheet not found")
    ext = os.path.splitext(path)[1].lower()
    try:
        if ext in (".jsonl", ".ndjson"):
            rows = list(_read_jsonl_sheet(path))
        elif ext in (".csv", ".tsv"):
            rows = list(_read_csv_sheet(path, "\t" if ext == ".tsv" else ","))
        else:
            raise InputError(f"{path}: review sheet must be .csv or .jsonl")
    except UnicodeDecodeError:
        raise InputError(f"{path}: review sheet is not UTF-8 text") from None
    except csv.Error as exc:
        raise InputError(f"{path}: unreadable CSV: {exc}") from None
    entries = []
    for line, rec in rows:
        if "row_hash" not in rec or "correct" not in rec:
            raise InputError(f"{path}:{line}: review sheet needs `row_hash` and `correct` columns")
        entries.append(_entry(line, rec))
    return entries


def _read_csv_sheet(path: str, delimiter: str) -> Iterable[tuple[int, dict[str, Any]]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        if reader.fieldnames is None or not {"row_hash", "correct"} <= {f.strip() for f in reader.fieldnames}:
            raise InputError(f"{path}:1: review sheet needs `row_hash` and `correct` columns")
        start = 2
        for rec in reader:
            clean = {(k or "").strip(): unneutralise(v) if isinstance(v, str) else v for k, v in rec.items()}
            yield start, clean
            start = reader.line_num + 1


def _read_jsonl_sheet(path: str) -> Iterable[tuple[int, dict[str, Any]]]:
    with open(path, encoding="utf-8-sig") as fh:
        for number, text in enumerate(fh, 1):
            if not text.strip():
                continue
            try:
                rec = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not valid JSON: {exc.msg}") from None
            if not isinstance(rec, dict):
                raise InputError(f"{path}:{number}: each line must be a JSON object")
            yield number, {k: unneutralise(v) if isinstance(v, str) else v for k, v in rec.items()}


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        return None


def _entry(line: int, rec: dict[str, Any]) -> SheetEntry:
    given = "" if rec.get("given_label") is None else str(rec.get("given_label"))
    corrected = "" if rec.get("corrected_label") is None else str(rec.get("corrected_label")).strip()
    verdict, problem = parse_verdict(rec.get("correct"))
    if verdict is None and problem is None and corrected and corrected != given:
        verdict = False  # a corrected label different from the given one says "wrong"
    path = rec.get("path")
    location = Location(str(path), _int_or_none(rec.get("line")), _int_or_none(rec.get("record"))) if path else None
    section = str(rec.get("section") or SECTION_RANDOM).strip() or SECTION_RANDOM
    return SheetEntry(line, section, str(rec.get("row_hash") or "").strip(), location, given, corrected, verdict, problem)
