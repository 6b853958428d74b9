"""rules/near_duplicates.py — exact and near-duplicate examples within each split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dqlint.analysis.verify import SCORERS
from dqlint.rule import (
    CheckContext,
    Finding,
    Fix,
    Metric,
    Rule,
    RuleResult,
    Status,
    max_findings_option,
    option,
)
from dqlint.text import clip
from dqlint.toolkit.similarity import (
    COMPARED_FIELDS,
    Normalization,
    compared_text,
    dataset_index,
    normalized_column,
    unique_column,
)


class NearDuplicates(Rule):
    """Exact and near-duplicate examples.

    ## What it does
    Finds examples that are the same after normalisation (Unicode NFKC, case, whitespace and
    punctuation, each switchable) and examples that are nearly the same (a typo, a swapped or
    added word, different spacing): candidates come from MinHash with LSH banding over
    character 5-grams, and every candidate pair is verified with rapidfuzz at `threshold`
    (0-100, `fuzz.ratio`, also accepting word swaps by `token_sort_ratio`). Connected rows form
    one group, reported once with every member's location and the representative kept (the
    first occurrence). Groups whose members carry different labels are flagged as conflicting
    labels. With `check-inputs`, rows that share the same input but have different outputs
    ("one prompt, two answers") are reported too. Duplicates are looked for within each split;
    copies across splits are `train-test-leakage`'s job.

    The metric is the share of redundant rows (rows in groups minus one kept per group).

    ## Why it matters
    Duplicates weigh some examples several times, so the model overfits them and the loss
    looks better than it is; near copies with different labels or answers teach the model two
    things at once.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Reset my password"}, {"role": "assistant", "content": "Go to Settings > Security."}]}
    {"messages": [{"role": "user", "content": "reset my  password!"}, {"role": "assistant", "content": "Go to Settings > Security"}]}
    ```
    Lines 1 and 2 are one group (exact after normalisation); line 1 is kept.

    ## How to fix
    Keep one example per group (`dqlint clean` drops the rest), or rewrite near copies so they
    differ in what they teach. For conflicting labels, decide the right label and fix the
    others.
    """

    id = "near-duplicates"
    summary = "Exact and near-duplicate examples, grouped, with conflicting labels"
    criterion = "duplicates"
    fixable = True

    @dataclass
    class Options:
        max_ratio: float = option(0.05, "Largest allowed share of redundant rows (rows in groups minus one per group)", min=0, max=1)
        threshold: float = option(90.0, "Similarity (0-100) at or above which two texts are near duplicates; 100 = exact only", min=0, max=100)
        compare: str = option("example", "Which text is compared: the whole example, the input or the output", choices=COMPARED_FIELDS)
        check_inputs: bool = option(True, "Also report rows that share an input (after normalisation) but differ in output")
        near: bool = option(True, "Look for near duplicates too (off: exact duplicates after normalisation only)")
        scorer: str = option("ratio+token-sort", "How candidate pairs are verified (rapidfuzz scorers)", choices=SCORERS)
        nfkc: bool = option(True, "Apply Unicode NFKC normalisation before comparing")
        casefold: bool = option(True, "Ignore letter case")
        whitespace: bool = option(True, "Collapse runs of whitespace and strip the ends")
        punctuation: bool = option(True, "Ignore punctuation")
        splits: list = option(["train", "validation", "test"], "Splits searched (each on its own)", choices=("train", "validation", "test"))
        max_findings: int = max_findings_option("groups (largest first)")

    def check(self, ctx: CheckContext, options: Options) -> RuleResult:
        ds = ctx.dataset
        rows_by_split = {s: ds.rows(s) for s in options.splits}
        checked = sum(len(r) for r in rows_by_split.values())
        if checked == 0:
            return RuleResult.skipped("no rows in the searched splits")
        norm = Normalization(options.nfkc, options.casefold, options.whitespace, options.punctuation)
        index = dataset_index(
            ctx, options.compare, norm, threshold=options.threshold, near=options.near, scorer=options.scorer
        )

        ctx.progress("grouping duplicates and writing findings")
        groups: list[tuple[list[int], float]] = []
        for split in options.splits:
            if rows_by_split[split]:
                groups.extend(index.groups(rows_by_split[split]))
        redundant = sum(len(rows) - 1 for rows, _ in groups)
        ratio = redundant / checked
        conflicts = [_conflicting_labels(ds, rows) for rows, _ in groups] if ds.has_labels else [False] * len(groups)
        conflicting = sum(conflicts)
        # Findings only for the groups reported (a million rows can hold 50,000 groups).
        shown = _largest_first([len(rows) for rows, _ in groups], options.max_findings)
        group_findings = [self._group_finding(ds, options.compare, *groups[i], conflicts[i]) for i in shown]

        same_input: list[Finding] = []
        if options.check_inputs and options.compare != "input" and ds.has_outputs:
            same_input = self._same_input_findings(ctx, norm, index, options.compare, rows_by_split)

        findings = group_findings + [same_input[i] for i in _largest_first([f.details["size"] for f in same_input], options.max_findings)]
        exact = sum(1 for _, sim in groups if sim >= 100.0)
        message = (
            f"{redundant:,} redundant of {checked:,} rows ({ratio:.1%}) in {len(groups):,} duplicate "
            f"group{'' if len(groups) == 1 else 's'} ({exact:,} exact, {len(groups) - exact:,} near)"
        )
        if conflicting:
            message += f"; {conflicting:,} with conflicting labels"
        if same_input:
            message += f"; {len(same_input):,} inputs with different outputs"
        details: dict[str, Any] = {
            "groups": len(groups),
            "exact_groups": exact,
            "near_groups": len(groups) - exact,
            "redundant_rows": redundant,
            "rows": checked,
            "conflicting_label_groups": conflicting,
            "same_input_groups": len(same_input),
            "compared": options.compare,
            "threshold": options.threshold,
            "method": "exact after normalisation; MinHash LSH (char 5-grams, 16x8 bands) verified with rapidfuzz",
            # Counts only: a timing would make the JSON report differ from run to run.
            "index": {k: v for k, v in index.stats.items() if k != "seconds"},
            "charts": [_group_size_chart([len(rows) for rows, _ in groups])],
        }
        if len(groups) + len(same_input) > len(findings):
            details["findings_truncated"] = True
        result = RuleResult.judged(
            ratio <= options.max_ratio,
            message,
            Metric("redundant_ratio", round(ratio, 6), options.max_ratio),
            findings,
            details=details,
        )
        if result.status is Status.PASS and (conflicting or same_input):
            result.status = Status.WARN
        return result

    @staticmethod
    def _group_finding(ds: Any, what: str, rows: list[int], similarity: float, conflicting: bool) -> Finding:
        kind = "exact" if similarity >= 100.0 else "near"
        labels = [list(ds.labels_of(r)) for r in rows]
        distinct = {tuple(sorted(lab)) for lab in labels if lab}
        kept = ds.location(rows[0])
        how = "exact duplicates" if kind == "exact" else f"near duplicates (similarity {similarity:g})"
        message = f"{len(rows)} rows are {how}; keep {kept}"
        if conflicting:
            message += " — conflicting labels: " + ", ".join("/".join(d) for d in sorted(distinct))
        details: dict[str, Any] = {
            "kind": kind,
            "size": len(rows),
            "similarity": similarity,
            "kept": kept.to_dict(),
            "split": ds.split[rows[0]],
            "conflicting_labels": conflicting,
            "texts": [clip(compared_text(ds, what, r), 400) for r in rows],
        }
        if any(labels):
            details["labels"] = labels
        copy = "exact duplicate" if kind == "exact" else f"near duplicate (similarity {similarity})"
        note = " (the group has conflicting labels)" if conflicting else ""
        fix = Fix(tuple(range(len(rows))), f"{copy} of {{kept}}, which is kept{note}", "duplicate", kind, keep_one=True)
        return Finding(message, ds.locations(rows), clip(compared_text(ds, what, rows[0]), 120), details, fix)

    @staticmethod
    def _same_input_findings(
        ctx: CheckContext, norm: Normalization, index: Any, compare: str, rows_by_split: dict
    ) -> list[Finding]:
        """Rows whose inputs are equal after normalisation but whose outputs differ (with equal
        inputs, different normalised examples mean different outputs). Vectorised over the
        unique ids of inputs and of compared texts."""
        import numpy as np

        ds = ctx.dataset
        inputs = normalized_column(ctx, "input", norm)
        input_id = np.asarray(unique_column(ctx, "input", norm)[0], dtype=np.intp)
        answer_id = np.asarray(index.unique_of if compare == "example" else unique_column(ctx, compare, norm)[0], dtype=np.intp)
        has_input = np.fromiter(map(bool, inputs), dtype=bool, count=len(inputs))
        findings = []
        for split, split_rows in rows_by_split.items():
            rows = np.asarray(split_rows, dtype=np.intp)
            rows = rows[has_input[rows]] if len(rows) else rows
            if len(rows) < 2:
                continue
            a, b = input_id[rows], answer_id[rows]
            order = np.lexsort((rows, b, a))
            a, b, rows = a[order], b[order], rows[order]
            new_input = np.concatenate([[True], a[1:] != a[:-1]])
            new_answer = new_input | np.concatenate([[True], b[1:] != b[:-1]])
            run = np.cumsum(new_input) - 1
            sizes = np.bincount(run)
            answers = np.bincount(run, weights=new_answer).astype(int)
            starts = np.flatnonzero(new_input)
            for r in np.flatnonzero((sizes > 1) & (answers > 1)).tolist():
                members = sorted(rows[starts[r] : starts[r] + sizes[r]].tolist())
                findings.append(
                    Finding(
                        f"{len(members)} rows share one input but have {answers[r]} different outputs",
                        ds.locations(members),
                        clip(ds.input[members[0]], 120),
                        {
                            "kind": "same-input",
                            "size": len(members),
                            "split": split,
                            "texts": [clip(ds.output[m], 400) for m in members],
                            "input": clip(ds.input[members[0]], 400),
                        },
                    )
                )
        findings.sort(key=lambda f: (f.locations[0].path, f.locations[0].record or 0))
        return findings


def _conflicting_labels(ds: Any, rows: list[int]) -> bool:
    """Whether the group's labelled members disagree."""
    return len({tuple(sorted(ds.labels_of(r))) for r in rows if ds.labels_of(r)}) > 1


def _largest_first(sizes: list[int], limit: int) -> list[int]:
    """Indexes of the items to report, in their order: all when within ``limit``, else the
    ``limit`` largest groups."""
    if not limit or len(sizes) <= limit:  # 0 = every group
        return list(range(len(sizes)))
    return sorted(sorted(range(len(sizes)), key=lambda i: (-sizes[i], i))[:limit])


def _group_size_chart(sizes: list[int]) -> dict[str, Any]:
    from dqlint.report.charts import bar_chart

    buckets = ["2", "3", "4", "5-9", "10-99", "100+"]
    counts = dict.fromkeys(buckets, 0)
    for s in sizes:
        if s <= 4:
            counts[str(s)] += 1
        elif s < 10:
            counts["5-9"] += 1
        elif s < 100:
            counts["10-99"] += 1
        else:
            counts["100+"] += 1
    return bar_chart("Duplicate groups by size (rows per group)", buckets, {"groups": list(counts.values())})
