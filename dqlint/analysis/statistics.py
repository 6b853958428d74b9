"""Sampling statistics: Wilson intervals with a finite-population correction, sample sizes and a
seeded stratified sample (the reviewed label-accuracy estimate); a total estimated from a simple
random sample plus an exactly known part, and weighted percentiles (sampled token counts).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

from dqlint.errors import UsageError

if TYPE_CHECKING:
    pass

__all__ = ['SampledTotal', 'sampled_total', 'weighted_percentiles', 'wilson_interval', 'sample_size', 'more_rows_needed', 'stratified_sample']


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


@dataclass(frozen=True)
class SampledTotal:
    """A sum over a population: ``exact_part`` is known exactly (every such row measured); the
    other ``population`` rows are estimated from ``sampled`` of them drawn at random without
    replacement. ``low``/``high`` is the normal interval at ``confidence`` with the
    finite-population correction (equal to ``value`` when nothing was estimated)."""

    value: float
    low: float
    high: float
    sampled: int
    population: int
    confidence: float

    @property
    def exact(self) -> bool:
        return self.sampled >= self.population


def sampled_total(exact_part: float, sample: Sequence[float], population: int, confidence: float = 0.99) -> SampledTotal:
    """``exact_part`` + the estimated sum of ``population`` rows from a simple random ``sample``
    of them. A sample of every row (or of none, for an empty population) gives the exact sum."""
    import numpy as np

    values = np.asarray(sample, dtype=np.float64)
    s = int(values.size)
    if s >= population or population == 0:
        total = float(exact_part + values.sum())
        return SampledTotal(total, total, total, s, s, confidence)
    if s == 0:
        raise ValueError("cannot estimate a total from an empty sample")
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if s > 1 else 0.0
    half = z_value(confidence) * population * sd / math.sqrt(s) * math.sqrt(1 - s / population)
    value = exact_part + population * mean
    # The sampled rows themselves are known: the total is at least their sum.
    low = max(value - half, exact_part + float(values.sum()))
    return SampledTotal(value, low, value + half, s, population, confidence)


def weighted_percentiles(values: Sequence[float], weights: Sequence[float], percents: Sequence[float]) -> list[float]:
    """Percentiles of values each standing for ``weight`` rows (a sample expanded to its
    population): the smallest value whose cumulative weight reaches each percent."""
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    order = np.argsort(v, kind="stable")
    v, cumulative = v[order], np.cumsum(w[order])
    targets = np.asarray(percents, dtype=np.float64) / 100.0 * cumulative[-1]
    picks = np.minimum(np.searchsorted(cumulative, targets, side="left"), v.size - 1)
    return [float(x) for x in v[picks]]
