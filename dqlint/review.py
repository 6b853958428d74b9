"""Label-accuracy review: seeded stratified samples, review sheets and the interval maths.

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
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

from dqlint.dataset import Dataset, Location
from dqlint.errors import InputError, UsageError
from dqlint.outputs import refuse_unsafe_output

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SECTION_RANDOM",
    "SECTION_SUSPECT",
    "SHEET_COLUMNS",
    "AccuracyEstimate",
    "ReviewMatch",
    "SheetEntry",
    "estimate_accuracy",
    "label_text",
    "match_review",
    "more_rows_needed",
    "read_sheet",
    "row_hash",
    "row_hashes",
    "sample",
    "sample_size",
    "stratified_sample",
    "wilson_interval",
    "write_sheet",
]

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
LABEL_SEPARATOR = "|"


# -- row identity --------------------------------------------------------------------------------


def label_text(label: Any) -> str:
    """A label as one string: "" when missing, labels of a multi-label row joined by ``|``."""
    if label is None:
        return ""
    if isinstance(label, tuple):
        return LABEL_SEPARATOR.join(label)
    return str(label)


def row_hash(input: str, output: str, label: str) -> str:
    """Content hash of one row (input, output and label text), 16 hex digits."""
    h = hashlib.blake2b(digest_size=8)
    for part in (input, output, label):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def row_hashes(ds: Dataset) -> list[str]:
    return [row_hash(i, o, label_text(lab)) for i, o, lab in zip(ds.input, ds.output, ds.label)]


# -- interval maths ------------------------------------------------------------------------------


def z_value(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def wilson_interval(
    correct: float, reviewed: float, confidence: float = 0.95, population: int | None = None
) -> tuple[float, float]:
    """Wilson score interval for a proportion ``correct / reviewed``; (0, 1) when nothing was
    reviewed; exactly 1.0 / 0.0 at the edges (all correct / none correct).

    With ``population`` (rows the sample was drawn from, without replacement) the sample counts
    as ``n (N - 1) / (N - n)`` rows (finite-population correction): reviewing most of a small
    set narrows the interval, reviewing all of it leaves the exact share."""
    if reviewed <= 0:
        return 0.0, 1.0
    p = correct / reviewed
    n = float(reviewed)
    if population:
        if reviewed >= population:
            return p, p
        n = reviewed * (population - 1) / (population - reviewed)
    z = z_value(confidence)
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / n + z2n / (4 * n))
    low = 0.0 if correct <= 0 else max(0.0, centre - half)
    high = 1.0 if correct >= reviewed else min(1.0, centre + half)
    return low, high


def sample_size(margin: float, population: int, *, confidence: float = 0.95, expected: float = 0.95) -> int:
    """Smallest number of rows whose Wilson interval, at an accuracy of ``expected``, reaches
    no further than ``margin`` from it on either side (capped at the population).

    Sized with the same interval the rule judges with. At ``expected=0.95`` (the usual bar)
    +-3 points needs 315 rows (the wider side is the lower one); ``expected=0.5`` is the worst
    case, 1,064 rows."""
    if not 0 < margin < 1:
        raise UsageError(f"--margin must be between 0 and 1 (e.g. 0.03), got {margin}")
    if not 0 < expected < 1:
        raise UsageError(f"expected accuracy must be between 0 and 1 (exclusive), got {expected}")
    limit = population if population > 0 else 10_000_000

    def fits(n: int) -> bool:
        return max(expected_margin(n, confidence, expected, population or None)) <= margin

    lo, hi = 0, 1
    while not fits(hi):
        if hi >= limit:
            return limit
        lo, hi = hi, min(hi * 2, limit)
    return _smallest_true(fits, lo, hi)


def _smallest_true(predicate: Callable[[int], bool], lo: int, hi: int) -> int:
    """The smallest n in (lo, hi] with ``predicate(n)``, given it is false at lo and true at
    hi and turns true once (bisection)."""
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        if predicate(mid):
            hi = mid
        else:
            lo = mid
    return hi


def expected_margin(
    n: int, confidence: float = 0.95, expected: float = 0.95, population: int | None = None
) -> tuple[float, float]:
    """How far below and above ``expected`` the Wilson interval of ``n`` rows reaches."""
    low, high = wilson_interval(expected * n, n, confidence, population)
    return expected - low, high - expected


def more_rows_needed(
    correct: int, reviewed: int, bar: float, *, confidence: float = 0.95, population: int | None = None
) -> int | None:
    """How many more reviewed rows, at the accuracy seen so far, would move the interval off
    the bar (0 when it is off already). None when no number of rows can: the estimate sits
    on the bar, or (without a population) more than ten million rows would be needed."""
    if reviewed <= 0:
        return None
    p = correct / reviewed

    def settled(extra: int) -> bool:
        low, high = wilson_interval(p * (reviewed + extra), reviewed + extra, confidence, population)
        return low >= bar or high < bar

    if settled(0):
        return 0
    limit = max(0, population - reviewed) if population else 10_000_000
    if limit == 0 or not settled(limit) or (p == bar and not population):
        return None
    return _smallest_true(settled, 0, limit)


# -- sampling ------------------------------------------------------------------------------------


def stratified_sample(strata: Sequence[str], n: int, seed: int = 0) -> list[int]:
    """``n`` row indexes drawn without replacement, each stratum getting its proportional share
    (largest remainder; ties broken by the seeded generator), returned in random order."""
    import numpy as np

    rng = np.random.default_rng(seed)
    total = len(strata)
    n = max(0, min(n, total))
    if n == 0:
        return []
    by_stratum: dict[str, list[int]] = {}
    for i, s in enumerate(strata):
        by_stratum.setdefault(s, []).append(i)
    names = sorted(by_stratum)
    sizes = np.array([len(by_stratum[s]) for s in names], dtype=float)
    quotas = sizes * n / total
    alloc = np.floor(quotas).astype(int)
    short = n - int(alloc.sum())
    if short:
        # Largest remainder first; a random key breaks ties so no label is always favoured.
        order = np.lexsort((rng.random(len(names)), -(quotas - alloc)))
        alloc[order[:short]] += 1
    chosen: list[int] = []
    for name, k in zip(names, alloc):
        if k:
            members = np.asarray(by_stratum[name])
            chosen.extend(members[rng.choice(len(members), size=int(k), replace=False)].tolist())
    order = rng.permutation(len(chosen))
    return [chosen[i] for i in order]


# -- the sheet -----------------------------------------------------------------------------------


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


# -- matching a sheet to the data and estimating ------------------------------------------------


@dataclass
class ReviewMatch:
    """A sheet matched against the current data."""

    # (entry, dataset row) for reviewed random-sample rows that still match (or were fixed).
    reviewed: list[tuple[SheetEntry, int]] = field(default_factory=list)
    # Reviewed rows whose label was changed to the reviewer's corrected label: now correct.
    fixed: list[tuple[SheetEntry, int]] = field(default_factory=list)
    # Entries whose row was edited or removed since the sheet was written: (entry, row or None, why).
    stale: list[tuple[SheetEntry, int | None, str]] = field(default_factory=list)
    not_reviewed: int = 0
    unreadable: list[SheetEntry] = field(default_factory=list)
    # Reviewed model suspects: (entry, row) — reported apart, never in the estimate.
    suspects_reviewed: list[tuple[SheetEntry, int]] = field(default_factory=list)

    @property
    def correct(self) -> int:
        return sum(1 for e, _ in self.reviewed if e.correct) + len(self.fixed)

    @property
    def count(self) -> int:
        return len(self.reviewed) + len(self.fixed)


class _RowFinder:
    """The dataset row at a sheet location: the path as given, normalised, or a unique
    basename (the sheet may have been written from another folder), and the record index."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self._rows: dict[tuple[int, int], int] | None = None

    def row_at(self, loc: Location | None) -> int | None:
        if loc is None or loc.record is None:
            return None
        paths = [f.path for f in self.ds.files]
        candidates = [i for i, p in enumerate(paths) if p == loc.path]
        if not candidates:
            candidates = [i for i, p in enumerate(paths) if os.path.normpath(p) == os.path.normpath(loc.path)]
        if not candidates:
            base = os.path.basename(loc.path)
            candidates = [i for i, p in enumerate(paths) if os.path.basename(p) == base]
        if len(candidates) != 1:
            return None
        if self._rows is None:  # built on the first stale row only
            self._rows = {(f, r): i for i, (f, r) in enumerate(zip(self.ds.file_index, self.ds.record))}
        return self._rows.get((candidates[0], loc.record))


def match_review(ds: Dataset, entries: Sequence[SheetEntry], hashes: Sequence[str] | None = None) -> ReviewMatch:
    """Match sheet entries to the data by content hash; detect stale and fixed rows."""
    hashes = list(hashes) if hashes is not None else row_hashes(ds)
    by_hash: dict[str, int] = {}
    for row, h in enumerate(hashes):
        by_hash.setdefault(h, row)
    out = ReviewMatch()
    finder = _RowFinder(ds)
    for e in entries:
        if e.problem:
            out.unreadable.append(e)
            continue
        if e.correct is None:
            out.not_reviewed += 1
            continue
        row = by_hash.get(e.row_hash)
        if row is not None:
            if e.section == SECTION_SUSPECT:
                out.suspects_reviewed.append((e, row))
            else:
                out.reviewed.append((e, row))
            continue
        here = finder.row_at(e.location)
        if here is not None and row_hash(ds.input[here], ds.output[here], e.given_label) == e.row_hash:
            current = label_text(ds.label[here])
            if e.correct is False and e.corrected_label and current == e.corrected_label:
                if e.section != SECTION_SUSPECT:
                    out.fixed.append((e, here))
                continue
            out.stale.append((e, here, f"label changed from {e.given_label!r} to {current!r} since review"))
        elif here is not None:
            out.stale.append((e, here, "row edited since review"))
        else:
            out.stale.append((e, None, "row no longer in the data"))
    return out


@dataclass
class AccuracyEstimate:
    correct: int
    reviewed: int
    accuracy: float | None
    low: float
    high: float
    bar: float
    confidence: float
    verdict: str  # pass | fail | warn | unreviewed
    more_rows: int | None  # when warn: rows still to review at the accuracy seen so far
    population: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "correct": self.correct,
            "reviewed": self.reviewed,
            "accuracy": self.accuracy,
            "interval": [self.low, self.high],
            "bar": self.bar,
            "confidence": self.confidence,
            "verdict": self.verdict,
            "more_rows_needed": self.more_rows,
            "population": self.population,
        }


def estimate_accuracy(
    correct: int, reviewed: int, *, bar: float = 0.95, confidence: float = 0.95, population: int = 0
) -> AccuracyEstimate:
    """Pass when the interval's lower bound clears the bar, fail when its upper bound is below
    it, warn when it straddles the bar (with how many more rows would settle it)."""
    low, high = wilson_interval(correct, reviewed, confidence, population or None)
    if reviewed == 0:
        return AccuracyEstimate(0, 0, None, low, high, bar, confidence, "unreviewed", None, population)
    if low >= bar:
        verdict = "pass"
    elif high < bar:
        verdict = "fail"
    else:
        verdict = "warn"
    more = None
    if verdict == "warn":
        more = more_rows_needed(correct, reviewed, bar, confidence=confidence, population=population or None)
    return AccuracyEstimate(correct, reviewed, correct / reviewed, low, high, bar, confidence, verdict, more, population)


# -- the Python API behind `dqlint sample` -------------------------------------------------------


def _as_dataset(data: Any, fields: Any = None) -> Dataset:
    if isinstance(data, Dataset):
        return data
    from dqlint.api import as_specs
    from dqlint.loading import load_inputs

    return load_inputs(as_specs(data), fields=fields)


def sample(
    data_or_dataset: Any,
    n: int | None = None,
    margin: float | None = None,
    seed: int = 0,
    suspects: bool = False,
    output: str | os.PathLike | None = None,
    force: bool = False,
    *,
    confidence: float = 0.95,
    expected_accuracy: float = 0.95,
    max_suspects: int | None = None,
    fields: Any = None,
) -> pd.DataFrame:
    """Draw a seeded random sample stratified by label and return it as a review sheet.

    ``data_or_dataset``: a path (or list of paths), a DataFrame, a list of dicts, a
    ``datasets.Dataset`` or a loaded :class:`~dqlint.dataset.Dataset`. Give ``n`` rows, or a
    ``margin`` of error to size the sample (at ``confidence``, assuming an accuracy near
    ``expected_accuracy``); the default is 200 rows. ``suspects=True`` runs the model-based
    checks, fills ``suggested_label`` and lists the suspects first in a ``model-suspect``
    section (at most ``max_suspects``, default as many as the sample) that the estimate ignores.
    With ``output`` the sheet is also written (.csv or .jsonl), never over an existing file
    unless ``force``. ``fields`` (a :class:`~dqlint.formats.FieldMap`) must match the one
    ``dqlint check`` uses, or the row hashes will not match. ``frame.attrs["summary"]``
    describes the draw.
    """
    if n is not None and margin is not None:
        raise UsageError("give a number of rows (-n) or a margin of error (--margin), not both")
    if n is not None and n < 1:
        raise UsageError(f"-n must be at least 1, got {n}")
    if output is not None:
        output = os.fspath(output)
        if os.path.splitext(output)[1].lower() not in (".csv", ".jsonl", ".ndjson"):
            raise UsageError(f"{output}: review sheet must end in .csv or .jsonl")
        if os.path.exists(output) and not force:
            raise UsageError(f"{output}: file exists; use --force to replace it")
    ds = _as_dataset(data_or_dataset, fields)
    if output is not None:
        refuse_unsafe_output(output, [f.path for f in ds.files], force=True, what="review sheet")
    population = len(ds)
    if population == 0:
        raise InputError("no records to sample: the input holds no usable rows")
    if margin is not None:
        n = sample_size(margin, population, confidence=confidence, expected=expected_accuracy)
    n = min(n or DEFAULT_ROWS, population)
    strata = [label_text(lab) for lab in ds.label]
    rows = stratified_sample(strata, n, seed)

    suspect_list: list[Any] = []
    suggestions: dict[int, tuple[str | None, float]] = {}
    suspect_summary: dict[str, Any] | None = None
    if suspects:
        from dqlint.label_suspects import find_label_suspects

        found = find_label_suspects(ds, seed=seed)
        suspect_summary = found.summary()
        suggestions = {s.row: (s.suggested, s.score) for s in found.suspects}
        in_sample = set(rows)
        limit = max_suspects if max_suspects is not None else n
        suspect_list = [s for s in found.suspects if s.row not in in_sample][:limit]

    frame = sheet_frame(ds, rows, suspect_list, suggestions)
    low, high = expected_margin(n, confidence, expected_accuracy, population)
    frame.attrs["summary"] = {
        "population": population,
        "random_rows": len(rows),
        "suspect_rows": len(suspect_list),
        "seed": seed,
        "strata": dict(sorted(Counter(strata[r] for r in rows).items())),
        "margin": round(max(low, high), 4),
        "confidence": confidence,
        "expected_accuracy": expected_accuracy,
        "suspects": suspect_summary,
    }
    if output is not None:
        write_sheet(frame, output, force=force)
    return frame


