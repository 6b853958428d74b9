"""Matching a filled-in review sheet to the rows of today's data (by content hash, so edits since the
sample are detected) and estimating label accuracy from the verdicts.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dqlint.analysis.statistics import more_rows_needed, wilson_interval
from dqlint.data.dataset import Dataset, Location
from dqlint.data.labels import label_text
from dqlint.toolkit.review_sheet import (
    SECTION_SUSPECT,
    SheetEntry,
    row_hash,
    row_hashes,
)

if TYPE_CHECKING:
    pass

__all__ = ['row_hash', 'row_hashes', 'ReviewMatch', 'match_review', 'AccuracyEstimate', 'estimate_accuracy']






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
