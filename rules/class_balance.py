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


def _unseen_holdout_labels(ds, train_counts: Counter) -> dict[str, list[int]]:
    unseen: dict[str, list[int]] = {}
    for row in ds.rows(("validation", "test")):
        for label in ds.labels_of(row):
            if label not in train_counts:
                unseen.setdefault(label, []).append(row)
    return unseen
