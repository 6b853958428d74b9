"""dataset-size: enough examples, and about 20 % held out for evaluation."""

from __future__ import annotations

from dataclasses import dataclass

from dqlint.rule import CheckContext, Metric, Rule, RuleResult, Status, option


class DatasetSize(Rule):
    """Enough training examples for the task, and a fair share held out for evaluation.

    ## What it does
    Counts the training examples against size tiers (fewer than `min-examples` fails; fewer
    than `recommended-examples` warns that edge cases will be thin) and measures the share of
    examples held out in validation/test splits, warning when there is no held-out split or
    when its share is far from the target (about 20 %).

    ## Why it matters
    Fine-tuning on a few dozen examples mostly teaches format, not behaviour, and a run with no
    held-out data cannot tell whether it improved anything or just memorised.

    ## Example
    `train.jsonl` with 64 examples and no test file: fails (64 < 100) and warns that nothing is
    held out. A lone input is the training set whatever its name (`test.csv` alone is checked
    as training data, and the message says so); names decide splits only among several inputs.
    With only `--test`/`--eval` data it warns that size and hold-out were not checked. Under
    `--target`, fewer examples than the provider's minimum (OpenAI: 10) fail.

    ## How to fix
    Add examples (start with the edge cases); split off about a fifth of the data as a test or
    validation file (`--test test.jsonl`, or a file named `*test*`/`*valid*`, or a `split`
    column), drawn at random from the same distribution as train.
    """

    id = "dataset-size"
    summary = "Example count against size tiers, and the share held out for evaluation."
    criterion = "size and holdout"

    @dataclass
    class Options:
        min_examples: int = option(100, "Fewer training examples than this fails.", min=0)
        recommended_examples: int = option(500, "Fewer training examples than this warns (edge cases will be thin).", min=0)
        holdout_target: float = option(0.2, "Share of all examples that should be held out for evaluation.", min=0, max=1)
        holdout_tolerance: float = option(0.1, "Warn when the held-out share differs from the target by more than this.", min=0, max=1)

    def check(self, ctx: CheckContext, options: Options) -> RuleResult:
        ds = ctx.dataset
        splits = ds.split_counts()
        train = splits.get("train", 0)
        holdout = splits.get("validation", 0) + splits.get("test", 0)
        total = train + holdout
        share = holdout / total if total else 0.0
        metric = Metric("train_examples", train, options.min_examples)
        details = {"train": train, "validation": splits.get("validation", 0), "test": splits.get("test", 0), "holdout_share": round(share, 4)}
        if train == 0 and holdout:
            return only_held_out(holdout, metric, details)
        notes = []
        status = Status.PASS
        lone = [f.path for f in ds.files if f.split_from == "lone"]
        if lone:
            details["lone_input"] = lone[0]
            notes.append(f"{lone[0]} is the only input: checked as the training set (name the held-out split with --test or --eval)")
        minimum = ctx.target.min_examples
        if train < minimum:
            status = Status.FAIL
            notes.append(f"{train:,} training examples < {minimum:,}, the least {ctx.target.display} accepts")
        elif train < options.min_examples:
            status = Status.FAIL
            notes.append(f"{train:,} training examples < {options.min_examples:,}")
        elif train < options.recommended_examples:
            status = Status.WARN
            notes.append(f"{train:,} training examples < {options.recommended_examples:,}: edge cases will be thin")
        if holdout == 0:
            notes.append("no validation or test split held out")
        elif abs(share - options.holdout_target) > options.holdout_tolerance:
            notes.append(f"held-out share {share:.0%} is far from {options.holdout_target:.0%}")
        if notes and status is Status.PASS:
            status = Status.WARN
        if not notes:
            notes.append(f"{train:,} training examples; {share:.0%} held out")
        return RuleResult(status, "; ".join(notes), metric, [], details)


def only_held_out(holdout: int, metric: Metric, details: dict) -> RuleResult:
    """Only test/validation data given: say what that lets dqlint check and what it does not."""
    return RuleResult(
        Status.WARN,
        f"no training set given, only {holdout:,} held-out examples: training-set size and the held-out share "
        "are not checked, nor leakage into train; format, duplicates and content checks ran on the held-out data",
        metric,
        [],
        details,
    )


# -- distributed execution (--engine ray; docs/plugins.md) -------------------------------------------
# The rule reads only the split counts and the input files: each block counts its rows per split,
# and check() judges the pooled counts.
from collections import Counter  # noqa: E402  (kept apart from check()'s imports)

from dqlint.rule import RUNS_BLOCK  # noqa: E402


class _SplitTotals:
    """The part of a Dataset this rule reads: the files and the rows per split."""

    def __init__(self, files: list, counts: Counter) -> None:
        self.files = files
        self._counts = counts

    def split_counts(self) -> Counter:
        return Counter(self._counts)


def _size_partial(self: DatasetSize, ctx: CheckContext, options: DatasetSize.Options) -> Counter:
    return ctx.dataset.split_counts()


def _size_merge(self: DatasetSize, partials: list, options: DatasetSize.Options, ctx: CheckContext) -> RuleResult:
    import copy

    totals: Counter = Counter()
    for p in partials:
        totals.update(p.value)
    pooled = copy.copy(ctx)
    pooled.dataset = _SplitTotals(ctx.dataset.files, totals)  # type: ignore[assignment]
    return self.check(pooled, options)


DatasetSize.scales = RUNS_BLOCK
DatasetSize.partial = _size_partial  # type: ignore[method-assign]
DatasetSize.merge = _size_merge  # type: ignore[method-assign]
