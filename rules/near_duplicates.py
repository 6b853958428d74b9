"""rules/near_duplicates.py — exact and near-duplicate examples within each split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dqlint.analysis.affixes import SharedAffix, SharedLines
from dqlint.analysis.differences import differences
from dqlint.analysis.minhash import DuplicateGroup, SimilarityIndex
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
from dqlint.analysis.sensitive import masked_clip  # quoted dataset text: masked before it is cut
from dqlint.toolkit.similarity import (
    COMPARED_FIELDS,
    Normalization,
    compared_text,
    dataset_index,
    normalized_column,
    shared_affixes_of,
    shared_lines_of,
    unique_column,
)

_MAX_DIFFERENCES = 10
# A finding quotes the texts (and, for near copies, what differs) of at most this many of its
# rows; its locations still name every row, so `clean` and a reader miss none. A templated
# set's group can hold hundreds of rows: quoting 400 characters of each made the JSON report of
# 100k templated chats 115 MB, and the report was most of the check's memory.
_MAX_QUOTED = 20
# A template family has at least this many distinct texts (copies of one text are duplicates).
_TEMPLATE_TEXTS = 5


class NearDuplicates(Rule):
    """Exact and near-duplicate examples.

    ## What it does
    Finds examples that are the same after normalisation (Unicode NFKC, case, whitespace and
    punctuation, each switchable) and examples that are nearly the same (a typo, a swapped,
    added or dropped word, filler words, different spacing): candidates come from MinHash with
    LSH banding over character 5-grams, every candidate pair is verified with rapidfuzz at
    `threshold` (0-100, `fuzz.ratio`, also accepting word swaps by `token_sort_ratio`), and
    then by *what differs*: another number, a negation, or another content word in a short text
    (under 20 words: "capital of Mongolia" / "capital of Congo", "23rd" / "3rd president") makes
    another example, not a duplicate. Each near finding lists the differing spans.

    Groups do not chain: a near group is centred on the row it keeps (the first occurrence),
    and every member is within the threshold of that row. Copies that are identical after
    normalisation are always reported as their own exact group. The metric is the share of
    rows a dedup would really drop. Groups whose members carry different labels are flagged
    as conflicting labels. With `check-inputs`, rows that share the same input but have
    different outputs ("one prompt, two answers") are reported too.

    Text that a large share of rows start or end with (a tool preamble, a system prompt
    inlined in the instruction, a templated answer), and lines that a large share of rows
    contain anywhere (a form letter's body between a varying greeting and signature), are
    reported once ("100% of examples start with the same 1,200-character preamble") and left
    out when rows are compared, so what differs decides. When families of similar rows (one template with other slot values)
    cover at least `template-share` of the rows, one finding says so ("5 templates cover 99%
    of rows") with the largest families, and the rule warns.

    The search is bounded so a low-diversity set cannot make time grow faster than the rows:
    a text keeps at most 16 LSH candidates (the closest by the MinHash estimate; `details.index`
    counts them, and how many the cap dropped). On degenerate data (a few templates, a small
    vocabulary) some near copies may then go unfound, but every reported group is still
    verified against its kept row; on ordinary data nothing is capped.

    Deliberately ignored: copies across splits (`train-test-leakage`'s job; duplicates are
    looked for within each split), empty texts, and names that differ by one letter (a typo
    cannot be told from "Iran" / "Iraq" without a dictionary).

    ## Why it matters
    Duplicates weigh some examples several times, so the model overfits them and the loss
    looks better than it is; near copies with different labels or answers teach the model two
    things at once.

    ## Example
    ```jsonl
    {"messages": [{"role": "user", "content": "Reset my password"}, {"role": "assistant", "content": "Go to Settings > Security."}]}
    {"messages": [{"role": "user", "content": "reset my  password!"}, {"role": "assistant", "content": "Go to Settings > Security"}]}
    ```
    Lines 1 and 2 are one group (exact after normalisation); line 1 is kept. "Reset my
    password" and "Reset my email password" would not be: a short text with another word.

    ## How to fix
    Keep one example per group (`dqlint clean` drops the rest), or rewrite near copies so they
    differ in what they teach. For conflicting labels, decide the right label and fix the
    others.
    """

    id = "near-duplicates"
    summary = "Exact and near-duplicate examples, grouped, with conflicting labels"
    criterion = "duplicates"
    shares = ("similarity-index",)  # ctx.shared: dqlint.toolkit.similarity
    weight = 6.0  # the longest rule on large sets: an index over every row, then its groups
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
        template_share: float = option(0.5, "Say the set is dominated by templates when families of similar rows cover at least this share", min=0, max=1)
        max_findings: int = max_findings_option("groups (largest first)")

    @classmethod
    def shared_work(cls, options: Options) -> tuple[str, ...]:
        # One index per compared text: rules that compare other texts need not share a process.
        return (f"similarity-index:{options.compare}",)

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
        groups: list[DuplicateGroup] = []
        redundant = 0
        for split in options.splits:
            if rows_by_split[split]:
                split_groups, dropped = index.duplicate_groups(rows_by_split[split])
                groups.extend(split_groups)
                redundant += dropped
        # Templates span splits: one family per template over every searched row.
        families = index.template_families([r for rows in rows_by_split.values() for r in rows], min_texts=_TEMPLATE_TEXTS)
        conflicts = [_conflicting_labels(ds, g.rows) for g in groups] if ds.has_labels else [False] * len(groups)
        # Findings only for the groups reported (a million rows can hold 50,000 groups).
        shown = _largest_first([len(g.rows) for g in groups], options.max_findings)
        group_findings = [self._group_finding(ds, options.compare, index, groups[i], conflicts[i]) for i in shown]
        affixes = shared_affixes_of(ctx, options.compare, norm)
        lines = shared_lines_of(ctx, options.compare)
        same_input: list[Finding] = []
        if options.check_inputs and options.compare != "input" and ds.has_outputs:
            same_input = self._same_input_findings(ctx, norm, index, options.compare, rows_by_split)
        return _duplicates_result(
            ds, options, groups, redundant, checked, sum(conflicts), group_findings, families, lines, affixes, len(ds), same_input, index.stats
        )

    @staticmethod
    def _group_finding(ds: Any, what: str, index: SimilarityIndex, group: DuplicateGroup, conflicting: bool) -> Finding:
        rows = group.rows
        labels = [list(ds.labels_of(r)) for r in rows]
        distinct = {tuple(sorted(lab)) for lab in labels if lab}
        kept = ds.location(group.kept)
        copies = _named_copies(kept, [ds.location(r) for r in rows if r != group.kept])
        if group.kind == "exact":
            message = f"{len(rows)} rows are exact duplicates; keep {kept}, drop {copies}"
        else:
            verb = "are near duplicates" if len(rows) > 2 else "is a near duplicate"
            message = f"{copies} {verb} of {kept} (similarity {group.similarity:g}), which is kept"
        if conflicting:
            message += " — conflicting labels: " + ", ".join("/".join(d) for d in sorted(distinct))
        details: dict[str, Any] = {
            "kind": group.kind,
            "size": len(rows),
            "similarity": group.similarity,
            "kept": kept.to_dict(),
            "split": ds.split[rows[0]],
            "conflicting_labels": conflicting,
            "texts": [masked_clip(compared_text(ds, what, r), 400) for r in rows[:_MAX_QUOTED]],
        }
        if len(rows) > _MAX_QUOTED:
            details["texts_truncated"] = True
        if group.kind == "near":
            # What differs between the kept row and each near copy, so a person can judge at a glance.
            details["differences"] = [
                {
                    "row": ds.location(r).to_dict(),
                    "similarity": round(float(s), 2),
                    "differences": [d.to_dict() for d in differences(index.texts[r], index.texts[group.kept])[:_MAX_DIFFERENCES]],
                }
                for r, s in group.partners[: _MAX_QUOTED - 1]
            ]
            first = details["differences"][0]["differences"]
            if first:
                message += ": " + "; ".join(_say_difference(d) for d in first[:3])
        if any(labels):
            details["labels"] = labels
        copy = "exact duplicate" if group.kind == "exact" else f"near duplicate (similarity {group.similarity:g})"
        note = " (the group has conflicting labels)" if conflicting else ""
        # The kept row comes first among the locations (groups are centred on it).
        fix = Fix(tuple(range(len(rows))), f"{copy} of {{kept}}, which is kept{note}", "duplicate", group.kind, keep_one=True)
        return Finding(message, ds.locations(rows), masked_clip(compared_text(ds, what, group.kept), 120), details, fix)

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
        answer_id = np.asarray(unique_column(ctx, compare, norm)[0], dtype=np.intp)
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
                findings.append(_same_input_finding(ds, members, int(answers[r]), split))
        findings.sort(key=lambda f: (f.locations[0].path, f.locations[0].record or 0))
        return findings


def _same_input_finding(ds: Any, rows: list[int], answers: int, split: str) -> Finding:
    """One "same input, different outputs" finding (both engines: ``ds`` a Dataset or a fetched
    rows view), quoting the outputs of at most ``_MAX_QUOTED`` of its sorted ``rows``."""
    details = {
        "kind": "same-input",
        "size": len(rows),
        "split": split,
        "texts": [masked_clip(ds.output[m], 400) for m in rows[:_MAX_QUOTED]],
        "input": masked_clip(ds.input[rows[0]], 400),
    }
    if len(rows) > _MAX_QUOTED:
        details["texts_truncated"] = True
    return Finding(
        f"{len(rows)} rows share one input but have {answers} different outputs",
        ds.locations(rows),
        masked_clip(ds.input[rows[0]], 120),
        details,
    )


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


def _named_copies(kept: Any, copies: list[Any], shown: int = 3) -> str:
    """The copies a dedup drops, named so a person can open them: by line when in the kept row's
    file (``line 467``), else by path and line; past ``shown``, how many more."""
    def name(loc: Any) -> str:
        if loc.path == kept.path and loc.line is not None:
            return f"line {loc.line}"
        if loc.path == kept.path and loc.record is not None:
            return f"record {loc.record}"
        return str(loc)

    names = [name(loc) for loc in copies[:shown]]
    more = len(copies) - len(names)
    if more:
        return ", ".join(names) + f" and {more:,} more"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _say_difference(d: dict[str, str]) -> str:
    """One difference of a near copy from the kept row, in words: 'typo "predjudice" for "prejudice"'."""
    if d["this"] and d["other"]:
        return f'{d["kind"]} "{d["this"]}" for "{d["other"]}"'
    return f'{d["kind"]}: adds "{d["this"]}"' if d["this"] else f'{d["kind"]}: drops "{d["other"]}"'


def _duplicates_result(
    ds: Any, options: NearDuplicates.Options, groups: list[DuplicateGroup], redundant: int, checked: int, conflicting: int,
    group_findings: list[Finding], families: list[list[int]], lines: SharedLines | None, affixes: list[SharedAffix], total: int,
    same_input: list[Finding], stats: dict, sampled: dict | None = None,
) -> RuleResult:
    """The rule's result from its groups, findings, shared text and template families: one
    builder for the local check and for the Ray engine's ``run_distributed``, so both engines
    say the same. ``ds`` is a Dataset or the Ray engine's view of the rows findings name;
    ``sampled`` says how shared text was found when it was on a sample (Ray engine only)."""
    ratio = redundant / checked
    template_findings = [_lines_finding(ds, options.compare, lines, total)] if lines else []
    template_findings += [_affix_finding(ds, options.compare, a, total) for a in affixes]
    templates = _templates(ds, options.compare, families, checked, options.template_share)
    if templates is not None:
        template_findings.append(templates[0])
    findings = template_findings + group_findings + [same_input[i] for i in _largest_first([f.details["size"] for f in same_input], options.max_findings)]
    exact = sum(1 for g in groups if g.kind == "exact")
    message = (
        f"{redundant:,} redundant of {checked:,} rows ({ratio:.1%}) in {len(groups):,} duplicate "
        f"group{'' if len(groups) == 1 else 's'} ({exact:,} exact, {len(groups) - exact:,} near)"
    )
    if conflicting:
        message += f"; {conflicting:,} with conflicting labels"
    if same_input:
        message += f"; {len(same_input):,} inputs with different outputs"
    if templates is not None:
        message += f"; {templates[0].message}"
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
        "method": "exact after normalisation; MinHash LSH (char 5-grams, 16x8 bands) verified with rapidfuzz "
        "and by what differs (numbers, names, content words); groups centred on the kept row",
        # Counts only: a timing would make the JSON report differ from run to run.
        "index": {k: v for k, v in stats.items() if k != "seconds"},
        "charts": [_group_size_chart([len(g.rows) for g in groups])],
    }
    shared = [{"where": "lines", "chars": lines.chars, "rows": len(lines.rows)}] if lines else []
    shared += [{"where": a.where, "chars": len(a.text), "rows": len(a.rows)} for a in affixes]
    if shared:
        details["shared_text"] = shared
    if sampled is not None:
        details["shared_text_sampled"] = sampled
    if templates is not None:
        details["templates"] = templates[1]
    if len(groups) + len(same_input) > len(findings):
        details["findings_truncated"] = True
    result = RuleResult.judged(
        ratio <= options.max_ratio,
        message,
        Metric("redundant_ratio", round(ratio, 6), options.max_ratio),
        findings,
        details=details,
    )
    if result.status is Status.PASS and (conflicting or same_input or templates is not None):
        result.status = Status.WARN
    return result


_WHAT = {"example": "examples", "input": "inputs", "output": "outputs"}


def _affix_finding(ds: Any, what: str, affix: SharedAffix, total: int) -> Finding:
    """One finding for a start (or end) a large share of rows share, which is left out of comparison."""
    share = len(affix.rows) / max(total, 1)
    verb = "start" if affix.where == "prefix" else "end"
    message = (
        f"{share:.0%} of {_WHAT.get(what, 'rows')} {verb} with the same {len(affix.text):,}-character "
        f"{'preamble' if affix.where == 'prefix' else 'ending'}; it is left out when rows are compared"
    )
    rows = list(affix.rows)
    return Finding(
        message,
        ds.locations(rows[:20]),
        masked_clip(affix.text, 120),
        {"kind": f"shared-{affix.where}", "rows": len(rows), "share": round(share, 4), "chars": len(affix.text), "text": masked_clip(affix.text, 400)},
    )


def _lines_finding(ds: Any, what: str, lines: SharedLines, total: int) -> Finding:
    """One finding for the lines many rows contain (a form letter's body), left out of comparison."""
    share = len(lines.rows) / max(total, 1)
    n = len(lines.lines)
    message = (
        f"{share:.0%} of {_WHAT.get(what, 'rows')} contain the same {n:,} line{'s' if n > 1 else ''} "
        f"({lines.chars:,} characters) as many other rows; {'they are' if n > 1 else 'it is'} left out when rows are compared"
    )
    return Finding(
        message,
        ds.locations(list(lines.rows[:20])),
        masked_clip(lines.lines[0], 120),
        {"kind": "shared-lines", "rows": len(lines.rows), "share": round(share, 4), "chars": lines.chars,
         "lines": [masked_clip(line, 400) for line in lines.lines[:10]]},
    )


def _templates(ds: Any, what: str, families: list[list[int]], checked: int, min_share: float) -> tuple[Finding, dict] | None:
    """'N templates cover X % of rows' when families of similar rows (one template, other slot
    values) of at least 1 % of the rows (and 5 rows) together cover ``min_share`` of them."""
    if not checked or not families:
        return None
    floor = max(5, int(0.01 * checked))
    big = sorted((f for f in families if len(f) >= floor), key=lambda f: (-len(f), f[0]))
    covered = sum(len(f) for f in big)
    if not big or covered / checked < min_share or min_share <= 0:
        return None
    largest = [
        {"rows": len(f), "share": round(len(f) / checked, 4), "example": ds.location(f[0]).to_dict(), "text": masked_clip(compared_text(ds, what, f[0]), 200)}
        for f in big[:10]
    ]
    message = f"{len(big):,} template{'s cover' if len(big) > 1 else ' covers'} {covered / checked:.0%} of rows"
    finding = Finding(
        message + f" (largest: {len(big[0]):,} rows like {ds.location(big[0][0])})",
        ds.locations([f[0] for f in big[:20]]),
        masked_clip(compared_text(ds, what, big[0][0]), 120),
        {"kind": "templates", "templates": len(big), "rows": covered, "share": round(covered / checked, 4), "largest": largest},
    )
    return finding, {"templates": len(big), "rows": covered, "share": round(covered / checked, 4), "largest": largest}


# ---------------------------------------------------------------- the Ray engine (docs/scaling.md, "The pipeline")

def _run_distributed(self: NearDuplicates, inputs: Any, options: NearDuplicates.Options) -> RuleResult:
    """``check()`` on the Ray engine: the same result from the distributed MinHash-LSH index
    (dqlint/engine/ray/dedup.py); only the rows findings report reach the driver."""
    import numpy as np

    from dqlint.engine.ray.dedup import DedupSettings, GlobalTexts, RowsView, fetch_rows, ray_index

    split_of = inputs.split_rows()
    rows_by_split = {s: split_of.get(s, np.zeros(0, np.int64)) for s in options.splits}
    checked = sum(len(r) for r in rows_by_split.values())
    if checked == 0:
        return RuleResult.skipped("no rows in the searched splits")
    norm = Normalization(options.nfkc, options.casefold, options.whitespace, options.punctuation)
    inputs.progress(f"indexing {options.compare} texts for similarity on Ray")
    index, _, lines, affixes, sampled = ray_index(
        inputs, options.compare, _flags(norm), DedupSettings(threshold=options.threshold, near=options.near, scorer=options.scorer)
    )
    groups: list[DuplicateGroup] = []
    redundant = 0
    for split in options.splits:
        if len(rows_by_split[split]):
            split_groups, dropped = index.duplicate_groups(rows_by_split[split].tolist())
            groups.extend(split_groups)
            redundant += dropped
    searched = np.sort(np.concatenate(list(rows_by_split.values()))) if rows_by_split else np.zeros(0, np.int64)
    families = index.template_families(searched.tolist(), min_texts=_TEMPLATE_TEXTS)
    shown = _largest_first([len(g.rows) for g in groups], options.max_findings)
    # Rows the findings name: group members, template examples, shared-text examples.
    wanted: set[int] = {r for i in shown for r in groups[i].rows}
    wanted |= {f[0] for f in families}
    wanted |= set(lines.rows[:20]) if lines else set()
    wanted |= {r for a in affixes for r in a.rows[:20]}
    every = inputs.rows(["row", *RowsView.COLUMNS])
    has_labels = inputs.has("label")
    conflict_rows = {r for g in groups for r in g.rows} if has_labels else set()
    fetched = fetch_rows(every, wanted | conflict_rows, RowsView.COLUMNS)
    view = RowsView(fetched, has_labels, True)
    conflicts = [_conflicting_labels(view, g.rows) for g in groups] if has_labels else [False] * len(groups)
    conflicting = sum(conflicts)
    index.prefetch(r for i in shown for g in [groups[i]] if g.kind == "near" for r in g.rows)
    index.texts = GlobalTexts(index)  # type: ignore[attr-defined]
    group_findings = [self._group_finding(view, options.compare, index, groups[i], conflicts[i]) for i in shown]
    same_input: list[Finding] = []
    if options.check_inputs and options.compare != "input" and inputs.has("output"):
        same_input = _ray_same_input_findings(inputs, every, norm, options.compare, options.splits)
    total = sum(len(rows) for rows in split_of.values())
    return _duplicates_result(
        view, options, groups, redundant, checked, conflicting, group_findings, families, lines, affixes, total, same_input, index.stats, sampled
    )


def _same_input_partition(batch: dict) -> dict:
    """One partition by input hash: rows of (split, input) runs with more than one answer."""
    import numpy as np

    split = np.asarray(batch["split"], dtype=object).astype(str)
    key = np.stack([batch["i1"], batch["i2"]], axis=1)
    order = np.lexsort((batch["row"], batch["a1"], batch["a2"], key[:, 1], key[:, 0], split))
    rows, a1, a2, k, sp = batch["row"][order], batch["a1"][order], batch["a2"][order], key[order], split[order]
    new = np.ones(len(rows), dtype=bool)
    new[1:] = (k[1:] != k[:-1]).any(axis=1) | (sp[1:] != sp[:-1])
    new_answer = new.copy()
    new_answer[1:] |= (a1[1:] != a1[:-1]) | (a2[1:] != a2[:-1])
    run = np.cumsum(new) - 1
    sizes = np.bincount(run) if len(run) else np.zeros(0, np.int64)
    answers = np.bincount(run, weights=new_answer).astype(np.int64) if len(run) else np.zeros(0, np.int64)
    keep = (sizes[run] > 1) & (answers[run] > 1) if len(run) else np.zeros(0, bool)
    first = rows[np.flatnonzero(new)][run] if len(run) else rows
    return {"row": rows[keep], "group": first[keep], "answers": answers[run][keep] if len(run) else rows[keep]}


def _ray_same_input_findings(inputs: Any, every: Any, norm: Normalization, compare: str, splits: list) -> list[Finding]:
    """``_same_input_findings`` on Ray: hashes of the normalised input and compared text per
    row on the workers, a shuffle by input hash, and only the rows of reported groups fetched."""
    import hashlib

    import numpy as np

    from dqlint.engine.ray.dedup import RowsView, _part, fetch_rows, normalised_compared, shuffle_partitions

    flags = _flags(norm)
    wanted_splits = list(splits)
    parts = shuffle_partitions(every.count(), getattr(inputs, "num_cpus", 2))

    def hashes(batch: dict) -> dict:
        def h(texts: Any) -> np.ndarray:
            d = b"".join(hashlib.blake2b(str(t).encode("utf-8", "surrogatepass"), digest_size=16).digest() for t in texts)
            return np.frombuffer(d, dtype=np.int64).reshape(-1, 2) if len(texts) else np.zeros((0, 2), np.int64)

        ins = normalised_compared(batch, "input", flags)["text"]
        ans = normalised_compared(batch, compare, flags)["text"]
        keep = np.asarray([bool(t) for t in ins], dtype=bool) & np.isin(np.asarray(batch["split"], dtype=object), wanted_splits)
        hi, ha = h(ins[keep]), h(ans[keep])
        return {"row": np.asarray(batch["row"], dtype=np.int64)[keep], "split": np.asarray(batch["split"], dtype=object)[keep],
                "i1": hi[:, 0].copy(), "i2": hi[:, 1].copy(), "a1": ha[:, 0].copy(), "a2": ha[:, 1].copy(),
                "part": _part(hi[:, 0], parts=parts)}

    grouped = (
        inputs.rows(["row", "split", "input", "output"]).map_batches(hashes, batch_format="numpy")
        .groupby("part", num_partitions=parts).map_groups(_same_input_partition, batch_format="numpy")
    )
    got: dict[str, list] = {"row": [], "group": [], "answers": []}
    for batch in grouped.iter_batches(batch_format="numpy", batch_size=None):
        for c in got:
            got[c].extend(np.asarray(batch[c]).tolist())
    if not got["row"]:
        return []
    members: dict[int, list[int]] = {}
    answers: dict[int, int] = {}
    for r, g, a in zip(got["row"], got["group"], got["answers"]):
        members.setdefault(g, []).append(r)
        answers[g] = a
    view = RowsView(fetch_rows(every, got["row"], RowsView.COLUMNS), False, True)
    findings = []
    for g, rows in members.items():
        rows = sorted(rows)
        findings.append(_same_input_finding(view, rows, answers[g], view.split[rows[0]]))
    findings.sort(key=lambda f: (f.locations[0].path, f.locations[0].record or 0))
    return findings


def _flags(norm: Normalization) -> dict[str, bool]:
    return {"nfkc": norm.nfkc, "casefold": norm.casefold, "whitespace": norm.whitespace, "punctuation": norm.punctuation}


NearDuplicates.scales = "distributed"  # type: ignore[attr-defined]
NearDuplicates.run_distributed = _run_distributed  # type: ignore[attr-defined]
