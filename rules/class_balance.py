"""class-balance: no class starved."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from dqlint.report.charts import bar_chart
from dqlint.rule import CheckContext, Finding, Metric, Rule, RuleResult, Status, option


class ClassBalance(Rule):
    """No class is starved: each label has a fair share of the training examples.

    ## What it does
    Counts the labels of the training split (each label of a multi-label row counts once) and
    checks the rarest class's share, the ratio of the largest to the smallest class, and a
    minimum number of examples per class. Labels that appear in test/validation but never in
    train are reported too. Skipped when the data has no labels.

    ## Why it matters
    A class with a handful of examples is one the model barely learns: it will be predicted
    rarely and wrongly, and its test score is noise. Heavy imbalance also makes overall
    accuracy look good while the rare classes fail.

    ## Example
    `refund: 1,204 · shipping: 980 · fraud: 6` — `fraud` holds 0.3 % of the rows, below the
    2 % floor, and the imbalance ratio is 200.

    ## How to fix
    Collect or write more examples of the starved classes (they are also good edge cases),
    merge classes that are really one, or down-sample the largest classes. Raise the
    thresholds only when the production distribution is really that skewed.
    """

    id = "class-balance"
    summary = "Label distribution: rarest-class share, imbalance ratio and examples per class."
    criterion = "class balance"

    @dataclass
    class Options:
        min_class_share: float = option(0.02, "Smallest allowed share of the training rows for one class.", min=0, max=1)
        max_imbalance_ratio: float = option(20.0, "Largest allowed ratio of the biggest to the smallest class.", min=1)
        min_class_count: int = option(10, "Fewest training examples allowed for one class.", min=0)

    def check(self, ctx: CheckContext, options: Options) -> RuleResult:
        ds = ctx.dataset
        if not ds.has_labels:
            return RuleResult.skipped("no labels: class balance applies to labelled (classification) data")
        train_rows = ds.rows("train") or ds.rows()
        counts: Counter = Counter()
        rows_of: dict[str, list[int]] = {}
        for row in train_rows:
            for label in ds.labels_of(row):
                counts[label] += 1
                rows_of.setdefault(label, []).append(row)
        labelled = sum(1 for r in train_rows if ds.labels_of(r))
        if not counts:
            return RuleResult.skipped("no labels in the training split")
        ranked = counts.most_common()
        largest, smallest = ranked[0][1], ranked[-1][1]
        ratio = largest / smallest
        findings = []
        starved = []
        for label, n in reversed(ranked):
            share = n / labelled
            reasons = []
            if share < options.min_class_share:
                reasons.append(f"{share:.1%} of rows < {options.min_class_share:.1%}")
            if n < options.min_class_count:
                reasons.append(f"{n} examples < {options.min_class_count}")
            if reasons:
                starved.append(label)
                findings.append(
                    Finding(
                        f"class {label!r} is starved: {'; '.join(reasons)}",
                        ds.locations(rows_of[label][:50]),
                        None,
                        {"label": label, "count": n, "share": round(share, 6)},
                    )
                )
        for label, rows in _unseen_holdout_labels(ds, counts).items():
            findings.append(Finding(f"label {label!r} appears in {ds.split[rows[0]]} but never in train", ds.locations(rows[:50]), None, {"label": label}))
        return _balance_result(counts, ranked, ratio, smallest, labelled, starved, findings, options)


def _unseen_holdout_labels(ds, train_counts: Counter) -> dict[str, list[int]]:
    unseen: dict[str, list[int]] = {}
    for row in ds.rows(("validation", "test")):
        for label in ds.labels_of(row):
            if label not in train_counts:
                unseen.setdefault(label, []).append(row)
    return unseen


# -- distributed execution (--engine ray; docs/plugins.md) -------------------------------------------
# Each block counts its labels (train rows, and all rows for a set without a train split) with the
# first 50 rows of each, and its held-out labels; the merge judges the pooled counts as check().
from typing import Any  # noqa: E402  (kept apart from check()'s imports)

from dqlint.rule import RUNS_BLOCK  # noqa: E402


@dataclass
class LabelCounts:
    rows: int = 0
    labelled: int = 0
    counts: Counter = None  # type: ignore[assignment]
    first: dict = None  # type: ignore[assignment]  # label -> first 50 locations

    def __post_init__(self) -> None:
        self.counts = self.counts if self.counts is not None else Counter()
        self.first = self.first if self.first is not None else {}

    def add(self, ds: Any, rows: list) -> LabelCounts:
        self.rows += len(rows)
        for row in rows:
            labels = ds.labels_of(row)
            self.labelled += bool(labels)
            for label in labels:
                self.counts[label] += 1
                kept = self.first.setdefault(label, [])
                if len(kept) < 50:
                    kept.append(ds.location(row))
        return self

    def pool(self, other: LabelCounts) -> None:
        self.rows += other.rows
        self.labelled += other.labelled
        self.counts.update(other.counts)
        for label, locations in other.first.items():
            kept = self.first.setdefault(label, [])
            kept.extend(locations[: 50 - len(kept)])


@dataclass
class BalancePartial:
    has_labels: bool
    train: LabelCounts
    every: LabelCounts
    holdout: dict  # label -> [split of its first row, first 50 locations]


def _balance_partial(self: ClassBalance, ctx: CheckContext, options: ClassBalance.Options) -> BalancePartial:
    ds = ctx.dataset
    holdout: dict = {}
    for row in ds.rows(("validation", "test")):
        for label in ds.labels_of(row):
            entry = holdout.setdefault(label, [ds.split[row], []])
            if len(entry[1]) < 50:
                entry[1].append(ds.location(row))
    return BalancePartial(ds.has_labels, LabelCounts().add(ds, ds.rows("train")), LabelCounts().add(ds, ds.rows()), holdout)


def _balance_merge(self: ClassBalance, partials: list, options: ClassBalance.Options, ctx: CheckContext) -> RuleResult:
    parts = [p.value for p in partials]
    if not any(p.has_labels for p in parts):
        return RuleResult.skipped("no labels: class balance applies to labelled (classification) data")
    train, every = LabelCounts(), LabelCounts()
    holdout: dict = {}
    for part in parts:
        train.pool(part.train)
        every.pool(part.every)
        for label, (split, locations) in part.holdout.items():
            entry = holdout.setdefault(label, [split, []])
            entry[1].extend(locations[: 50 - len(entry[1])])
    pooled = train if train.rows else every
    counts, labelled = pooled.counts, pooled.labelled
    if not counts:
        return RuleResult.skipped("no labels in the training split")
    ranked = counts.most_common()
    largest, smallest = ranked[0][1], ranked[-1][1]
    ratio = largest / smallest
    findings = []
    starved = []
    for label, n in reversed(ranked):
        share = n / labelled
        reasons = []
        if share < options.min_class_share:
            reasons.append(f"{share:.1%} of rows < {options.min_class_share:.1%}")
        if n < options.min_class_count:
            reasons.append(f"{n} examples < {options.min_class_count}")
        if reasons:
            starved.append(label)
            findings.append(Finding(f"class {label!r} is starved: {'; '.join(reasons)}", pooled.first[label][:50], None, {"label": label, "count": n, "share": round(share, 6)}))
    for label, (split, locations) in holdout.items():
        if label not in counts:
            findings.append(Finding(f"label {label!r} appears in {split} but never in train", locations[:50], None, {"label": label}))
    return _balance_result(counts, ranked, ratio, smallest, labelled, starved, findings, options)


ClassBalance.scales = RUNS_BLOCK
ClassBalance.partial = _balance_partial  # type: ignore[method-assign]
ClassBalance.merge = _balance_merge  # type: ignore[method-assign]


def _balance_result(counts: Any, ranked: list, ratio: float, smallest: int, labelled: int, starved: list, findings: list, options: Any) -> RuleResult:
    """The rule's result from the training label counts and its findings: one builder for the
    local check and for the merge of per-block partials, so both engines say the same."""
    distribution = {label: n for label, n in ranked}
    details = {
        "distribution": distribution,
        "classes": len(counts),
        "imbalance_ratio": round(ratio, 4),
        "charts": [bar_chart("Training label distribution", list(distribution), {"train": list(distribution.values())}, highlight=starved)],
    }
    metric = Metric("min_class_share", round(smallest / labelled, 6), options.min_class_share)
    too_skewed = ratio > options.max_imbalance_ratio
    if starved or too_skewed:
        parts = []
        if starved:
            parts.append(f"{len(starved)} starved class(es): {', '.join(map(repr, starved[:5]))}")
        if too_skewed:
            parts.append(f"imbalance ratio {ratio:.1f} > {options.max_imbalance_ratio:g}")
        return RuleResult(Status.FAIL, "; ".join(parts), metric, findings, details)
    status = Status.WARN if findings else Status.PASS
    return RuleResult(status, f"{len(counts)} classes; rarest {ranked[-1][0]!r} at {smallest / labelled:.1%}; imbalance ratio {ratio:.1f}", metric, findings, details)
