"""rules/label_accuracy.py — are the labels right? A sampling audit plus model-based suspects."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from dqlint.data.dataset import Dataset, Location
from dqlint.report.charts import band_chart, bar_chart
from dqlint.rule import CheckContext, Finding, Metric, Rule, RuleResult, Status, option
from dqlint.analysis.sensitive import masked_clip, masked_window

SNIPPET_CHARS = 200
TEXT_CHARS = 400


class LabelAccuracy(Rule):
    """Label accuracy: estimated from a human-reviewed random sample, with model-based suspects.

    ## What it does
    With a filled review sheet (`dqlint check train.jsonl --review review.csv`, the sheet drawn by
    `dqlint sample`), it estimates label accuracy from the reviewed random-sample rows with a
    Wilson 95 % interval and judges it against the bar (default 0.95): **pass** when the lower
    bound clears the bar, **fail** when the upper bound is below it, **warn** when the interval
    straddles it — then it says how many more rows to review. Sheet rows whose data changed
    since the review (content hash differs) are reported and left out; a row whose label was
    changed to the reviewer's `corrected_label` counts as correct. Rows the reviewer marked
    wrong are listed. Model suspects in the sheet never enter the estimate.

    Without a review it warns "not reviewed" and lists model-based suspects (no review needed):
    - *conflicting labels*: the same or nearly the same input (similarity >= 95) with different
      labels;
    - *confident learning*: out-of-fold probabilities of three views of each text — word
      1-2-grams and character n-grams (TF-IDF) and WordLlama embeddings (when the package is
      installed), logistic regression each (k-fold cross-validation, on at most
      `max-training-rows` rows), combined by geometric mean — fed to cleanlab's
      `find_label_issues` (`prune_by_noise_rate`, cleanlab's default); each suspect has its given label, a suggested label
      and a score (1 - the probability of the given label). It also estimates the label-noise
      rate with a 95 % bootstrap interval (`details.suspects.estimated_noise_interval`). The
      estimate is the model's, not a reviewed one: a weak classifier (short, subjective texts)
      overstates it, so it never stands in for the reviewed accuracy.

    Data without labels (chat / instruction sets) is skipped unless a review sheet is given
    (then the reviewer judges each response, and the estimate is response accuracy).

    ## Why it matters
    "Label accuracy above 95 %" is the first line of every fine-tuning checklist. A model
    learns wrong labels as faithfully as right ones, and a test set with wrong labels measures
    the wrong thing. Nobody can read 50,000 rows; 200 random rows give an honest interval.

    ## Example
    ```
    $ dqlint check tickets.csv --review review.csv
    label-accuracy  WARN  label accuracy 94.5 % (95 % CI 90.7 %–96.8 %, 189 of 200 reviewed rows
                          correct) straddles the bar 95.0 %: review about 1,371 more rows; model
                          estimates 5.1 % wrong labels (95 % interval 4.1–6.3 %), 102 suspect rows,
                          2 conflicting-label groups
      tickets.csv:1437  reviewer marked label 'shipping' wrong; corrected label 'returns'
      tickets.csv:718   label 'shipping' looks wrong; the model suggests 'returns' (score 1.00)
    ```

    ## How to fix
    Review the suspects first: fix each wrong label at its file and line. For the estimate,
    run `dqlint sample train.csv -n 200 -o review.csv`, fill `correct` (yes/no) and, where
    wrong, `corrected_label`, then run `dqlint check train.csv --review review.csv`.
    """

    id = "label-accuracy"
    summary = "labels are right: reviewed-sample accuracy (Wilson interval) and model suspects"
    criterion = "label accuracy"
    shares = ("similarity-index",)  # ctx.shared: dqlint.toolkit.similarity
    weight = 2.0  # cross-validated models, and the inputs' similarity index

    @dataclass
    class Options:
        bar: float = option(0.95, "smallest acceptable label accuracy", min=0, max=1)
        confidence: float = option(0.95, "confidence level of the interval", min=0.5, max=0.999)
        suspects: bool = option(True, "look for suspect labels with a classifier and conflicting duplicates")
        max_suspects: int = option(0, "most suspect rows (and conflict groups) listed as findings; 0 = all, so the JSON report carries every finding", min=0)
        cv_folds: int = option(5, "cross-validation folds for the out-of-fold probabilities")
        max_training_rows: int = option(20_000, "largest random sample the classifier is cross-validated on", min=100)
        features: str = option("word+char+embedding", "classifier views (geometric mean): word 1-2-grams, character n-grams, WordLlama embeddings (when installed)", choices=("word+char+embedding", "word+char", "word"))
        filter_by: str = option(
            "prune_by_noise_rate", "cleanlab filter for label issues",
            choices=("prune_by_noise_rate", "both", "prune_by_class", "confident_learning"),
        )
        conflict_similarity: float = option(95.0, "similarity (0-100) at which two inputs count as the same; 100 = exact", min=0, max=100)
        seed: int = option(0, "random seed of the folds and the training sample")

    @classmethod
    def shared_work(cls, options: Options) -> tuple[str, ...]:
        # One index per compared text: rules that compare other texts need not share a process.
        return ("similarity-index:input",)

    def check(self, ctx: CheckContext, options: Options) -> RuleResult:
        ds = ctx.dataset
        if not ds.has_labels and not ctx.review:
            return RuleResult.skipped("no labels to check (chat/instruction data); give --review to audit responses")

        findings: list[Finding] = []
        details: dict[str, Any] = {"charts": []}
        estimate = None
        review_note = ""
        if ctx.review:
            estimate, review_findings, review_details = self._review(ctx, ds, options)
            findings += review_findings
            details["review"] = review_details
            review_note = _review_note(review_details)
            if estimate.accuracy is not None:
                details["charts"].append(band_chart("Label accuracy (reviewed sample)", estimate.accuracy, options.bar, 1.0))

        suspects = None
        if ds.has_labels and options.suspects:
            suspects = ctx.shared(("label-accuracy/suspects", _option_key(options)), lambda: self._suspects(ctx, ds, options))
            findings += self._suspect_findings(ds, suspects, options)
            details["suspects"] = suspects.summary()
            if suspects.suspects:
                per_label = Counter(s.given for s in suspects.suspects)
                cats = sorted(per_label, key=lambda c: -per_label[c])[:30]
                details["charts"].append(bar_chart("Suspect labels per given label", cats, {"suspects": [per_label[c] for c in cats]}))
        suspect_note = _suspect_note(suspects)

        if estimate is not None and estimate.accuracy is not None:
            return self._judge(estimate, findings, details, review_note, suspect_note, options)
        noise = suspects.noise_rate if suspects is not None else None
        metric = Metric("model_estimated_label_accuracy", round(1 - noise, 4), options.bar) if noise is not None else Metric("label_accuracy", None, options.bar)
        lead = "review sheet has no reviewed rows yet" if ctx.review else "not reviewed: draw a review sheet with `dqlint sample` and pass it with --review"
        message = "; ".join(x for x in (lead, review_note, suspect_note) if x)
        return RuleResult(Status.WARN, message, metric, findings, details)

    # -- review -------------------------------------------------------------------------------
    def _review(self, ctx: CheckContext, ds: Dataset, options: Options) -> tuple[Any, list[Finding], dict[str, Any]]:
        from dqlint.toolkit.review_match import estimate_accuracy, match_review
        from dqlint.toolkit.review_sheet import read_sheet

        sheet = str(ctx.review)
        entries = read_sheet(sheet)
        match = match_review(ds, entries)
        # The sample was drawn from the files its rows live in (not e.g. a --test file added later).
        files = {ds.file_index[row] for _, row in match.reviewed + match.fixed}
        population = sum(1 for f in ds.file_index if f in files) if files else len(ds)
        estimate = estimate_accuracy(match.correct, match.count, bar=options.bar, confidence=options.confidence, population=population)
        findings: list[Finding] = []
        for e, row, why in match.stale:
            locs = ([ds.location(row)] if row is not None else ([e.location] if e.location else [])) + [Location(sheet, e.sheet_line, None)]
            findings.append(Finding(f"review sheet row is stale ({why}); it is left out of the estimate — review it again", locs,
                                    details={"kind": "stale-review", "row_hash": e.row_hash}))
        for e in match.unreadable:
            findings.append(Finding(f"review sheet: {e.problem}; counted as not reviewed", [Location(sheet, e.sheet_line, None)],
                                    details={"kind": "unreadable-review"}))
        for kind, pairs in (("reviewed-wrong", match.reviewed), ("suspect-confirmed-wrong", match.suspects_reviewed)):
            for e, row in pairs:
                if e.correct is False:
                    fix = f"; corrected label {e.corrected_label!r}" if e.corrected_label else ""
                    findings.append(Finding(f"reviewer marked label {e.given_label!r} wrong{fix}", [ds.location(row)],
                                            _snippet(ds.input[row] or ds.example_text(row)),
                                            {"kind": kind, "given_label": e.given_label, "corrected_label": e.corrected_label or None}))
        suspects_wrong = sum(1 for e, _ in match.suspects_reviewed if e.correct is False)
        details = {
            "sheet": sheet,
            **estimate.to_dict(),
            "fixed": len(match.fixed),
            "stale": len(match.stale),
            "not_reviewed": match.not_reviewed,
            "unreadable": len(match.unreadable),
            "suspects_reviewed": len(match.suspects_reviewed),
            "suspects_confirmed_wrong": suspects_wrong,
        }
        return estimate, findings, details

    def _judge(self, est: Any, findings: list[Finding], details: dict[str, Any], review_note: str, suspect_note: str, options: Options) -> RuleResult:
        pct = lambda v: f"{100 * v:.1f} %"
        conf = f"{100 * options.confidence:g} %"
        head = (f"label accuracy {pct(est.accuracy)} ({conf} CI {pct(est.low)}–{pct(est.high)}, "
                f"{est.correct} of {est.reviewed} reviewed rows correct)")
        if est.verdict == "pass":
            status, text = Status.PASS, f"{head} clears the bar {pct(options.bar)}"
        elif est.verdict == "fail":
            status, text = Status.FAIL, f"{head} is below the bar {pct(options.bar)}"
        else:
            status = Status.WARN
            more = (f"review about {est.more_rows:,} more rows" if est.more_rows
                    else "no number of extra rows settles it at this accuracy")
            text = f"{head} straddles the bar {pct(options.bar)}: {more}"
        message = "; ".join(x for x in (text, review_note, suspect_note) if x)
        return RuleResult(status, message, Metric("label_accuracy", round(est.accuracy, 4), options.bar), findings, details)

    # -- suspects -----------------------------------------------------------------------------
    def _suspects(self, ctx: CheckContext, ds: Dataset, options: Options) -> Any:
        from dqlint.toolkit.label_suspects import find_label_suspects
        from dqlint.toolkit.similarity import Normalization, mixed_groups

        # The same index train-test-leakage builds over inputs (threshold 90), once per run;
        # conflicts need only its groups holding two labels, so alone this rule verifies only
        # the pairs that can start or join one.
        exact_only = options.conflict_similarity >= 100

        def conflict_groups(label_of: dict[int, str]) -> list[list[int]]:
            return mixed_groups(
                ctx, "input", Normalization(), label_of, threshold=min(90.0, options.conflict_similarity),
                near=not exact_only, min_score=options.conflict_similarity,
            )

        return find_label_suspects(
            ds, folds=options.cv_folds, max_training_rows=options.max_training_rows, seed=options.seed,
            conflict_similarity=options.conflict_similarity, features=options.features,
            filter_by=options.filter_by, conflict_groups=conflict_groups, progress=ctx.progress,
        )

    def _suspect_findings(self, ds: Dataset, result: Any, options: Options) -> list[Finding]:
        findings = []
        for group in result.conflicts[: options.max_suspects or None]:
            shown = group.rows[:20]
            labels = Counter(group.labels)
            listed = ", ".join(f"{lab!r} x{k}" for lab, k in labels.most_common())
            hint = ""
            if group.majority and group.resolved_by == "model":
                hint = f"; the model prefers {group.majority!r}"
            elif group.majority:
                hint = f"; most say {group.majority!r}"
            findings.append(Finding(
                f"same input, different labels ({listed}){hint}", ds.locations(shown),
                _snippet(ds.input[shown[0]] or ds.example_text(shown[0])),
                {"kind": "conflicting-labels", "labels": group.labels[:20], "suggested_label": group.majority,
                 "resolved_by": group.resolved_by if group.majority else None,
                 "texts": [masked_window(ds.input[r] or ds.example_text(r), 0, TEXT_CHARS) for r in shown], "size": len(group.rows)},
            ))
        model = [s for s in result.suspects if s.kind.startswith("confident-learning")]
        for s in model[: options.max_suspects or None]:
            findings.append(Finding(
                f"label {s.given!r} looks wrong; the model suggests {s.suggested!r} (score {s.score:.2f})",
                [ds.location(s.row)], _snippet(ds.input[s.row] or ds.example_text(s.row)),
                {"kind": s.kind, "given_label": s.given, "suggested_label": s.suggested, "score": s.score,
                 "given_label_probability": s.given_probability},
            ))
        return findings


def _snippet(text: str) -> str:
    return masked_clip(text, SNIPPET_CHARS, flat=True)


def _option_key(options: Any) -> tuple:
    return (options.cv_folds, options.max_training_rows, options.seed, options.conflict_similarity, options.features, options.filter_by)


def _review_note(review: dict[str, Any]) -> str:
    parts = []
    if review.get("stale"):
        parts.append(f"{review['stale']} stale sheet rows left out")
    if review.get("fixed"):
        parts.append(f"{review['fixed']} fixed rows counted correct")
    if review.get("unreadable"):
        parts.append(f"{review['unreadable']} unreadable verdicts")
    if review.get("suspects_reviewed"):
        parts.append(f"{review['suspects_confirmed_wrong']} of {review['suspects_reviewed']} reviewed suspects confirmed wrong")
    return ", ".join(parts)


def _suspect_note(result: Any) -> str:
    if result is None:
        return ""
    parts = []
    if result.noise_rate is not None:
        interval = ""
        if result.noise_interval:
            low, high = result.noise_interval
            interval = f" (95 % interval {100 * low:.1f}–{100 * high:.1f} %)"
        parts.append(f"model estimates {100 * result.noise_rate:.1f} % wrong labels{interval}")
    if result.suspects:
        parts.append(f"{len(result.suspects)} suspect rows")
    elif result.model_skipped is None:
        parts.append("no suspect rows")
    if result.conflicts:
        parts.append(f"{len(result.conflicts)} conflicting-label groups")
    if result.model_skipped and result.model_skipped != "no labelled rows":
        parts.append(f"classifier skipped: {result.model_skipped}")
    return ", ".join(parts)


# -- distributed execution (--engine ray; docs/plugins.md) -------------------------------------------
# Fits a model (or aggregates the whole frame): on a distributed engine it runs on the driver over
# a bounded seeded sample of the rows (the whole set when it is small), and the report says so.
from dqlint.rule import RUNS_SAMPLE  # noqa: E402  (kept apart from check()'s imports)

LabelAccuracy.scales = RUNS_SAMPLE
