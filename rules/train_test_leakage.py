"""rules/train_test_leakage.py — test and validation rows that also appear in training data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from dqlint.analysis.arrays import sorted_unique
from dqlint.analysis.differences import differences
from dqlint.analysis.ngrams import ngram_overlaps
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
    compared_column,
    compared_text,
    dataset_candidates,
)

# Which splits a held-out split must not share rows with.
_HOLDOUT_AGAINST = {"validation": ("train",), "test": ("train", "validation")}
_MAX_MATCH_LOCATIONS = 20


class TrainTestLeakage(Rule):
    """Test and validation rows that also appear, exactly or nearly, in training data.

    ## What it does
    For every validation and test row, looks for training rows (and, for test rows,
    validation rows) whose input is the same after normalisation, or nearly the same
    (MinHash LSH candidates verified with rapidfuzz at `threshold` and by what differs, the
    same machinery as `near-duplicates`: a question about another place or number is not a
    leak), and rows that share word 13-grams with it (`ngram`), the check used to
    decontaminate benchmarks, which catches a test question pasted inside a longer training
    text. One finding per leaked row, naming the rows it matches, the differing spans of a near
    match and, for n-gram overlap, the shared spans and the share of the row they cover.

    An n-gram leak needs the shared spans to cover at least `ngram-min-coverage` of the row's
    words, with no number outside them (a template with other slot values is another
    example). N-grams found in more than `ngram-max-rows` rows (training and held-out
    together) are boilerplate (a reviewer's header, a signature, a licence, a template) and
    ignored, as is text most rows start or end with (see `near-duplicates`).

    Near matches come from the index `near-duplicates` uses, with the same bound (at most 16
    LSH candidates a text, the closest by the MinHash estimate): on degenerate templated data a
    held-out row may list fewer near matches; exact and n-gram matches are not capped. Only
    the candidate pairs that touch a held-out text are scored and compared word by word (the
    same verdicts the whole index gives them, at a fraction of its cost when training rows are
    most of the set).

    ## Why it matters
    A test row the model has trained on measures memory, not skill: evaluation scores go up
    while real quality does not, and the go / no-go decision is made on a lie.

    ## Example
    `train.jsonl` line 812 and `test.jsonl` line 5 both ask "How do I reset my password?" (one
    with a trailing space): the test row leaks.

    ## How to fix
    Remove the leaked rows from the test (or validation) split, or drop their matches from
    training; split by source or user before sampling so near copies stay on one side.
    """

    id = "train-test-leakage"
    summary = "Test/validation rows found in training data (exact, near, 13-gram overlap)"
    criterion = "leakage"
    shares = ("similarity-index",)  # ctx.shared: dqlint.toolkit.similarity
    weight = 2.0  # an index of its own over the inputs
    fixable = True

    @dataclass
    class Options:
        max_leaked: int = option(0, "Largest allowed number of leaked validation/test rows", min=0)
        compare: list = option(["input"], "Texts compared (any of: example, input, output); a match on any counts")
        threshold: float = option(90.0, "Similarity (0-100) at or above which two texts match; 100 = exact only", min=0, max=100)
        near: bool = option(True, "Look for near matches too (off: exact matches after normalisation only)")
        scorer: str = option("ratio+token-sort", "How candidate pairs are verified (rapidfuzz scorers)", choices=SCORERS)
        ngram: int = option(13, "Word n-gram size for contamination overlap; 0 turns it off")
        ngram_max_rows: int = option(5, "N-grams found in more rows than this (training and held-out together) are boilerplate and ignored")
        ngram_min_coverage: float = option(0.5, "Share of a held-out row's words that shared n-grams must cover for a leak", min=0, max=1)
        nfkc: bool = option(True, "Apply Unicode NFKC normalisation before comparing")
        casefold: bool = option(True, "Ignore letter case")
        whitespace: bool = option(True, "Collapse runs of whitespace and strip the ends")
        punctuation: bool = option(True, "Ignore punctuation")
        max_findings: int = max_findings_option("leaked rows")

    @classmethod
    def shared_work(cls, options: Options) -> tuple[str, ...]:
        # One index per compared text: rules that compare other texts need not share a process.
        return tuple(f"similarity-index:{field}" for field in options.compare)

    def check(self, ctx: CheckContext, options: Options) -> RuleResult:
        ds = ctx.dataset
        counts = ds.split_counts()
        holdouts = [s for s in _HOLDOUT_AGAINST if counts.get(s)]
        if not counts.get("train") or not holdouts:
            return RuleResult.skipped("needs training rows and validation or test rows (give --test or --eval)")
        bad = [c for c in options.compare if c not in COMPARED_FIELDS]
        if bad:
            return RuleResult(Status.ERROR, f"unknown text to compare {bad[0]!r} (one of {', '.join(COMPARED_FIELDS)})")
        fields = [f for f in options.compare if _has_text(ds, f)] or ["example"]
        norm = Normalization(options.nfkc, options.casefold, options.whitespace, options.punctuation)

        # row -> {matched row: (kind, score)}; best evidence per matched row.
        leaks: dict[int, dict[int, tuple[str, float]]] = {}
        for what in fields:
            # Only the pairs of held-out texts are verified (unless another rule builds the whole index).
            index = dataset_candidates(ctx, what, norm, threshold=options.threshold, near=options.near, scorer=options.scorer)
            holdout_rows = {split: [r for r in ds.rows(split) if index.unique_of[r] >= 0] for split in holdouts}
            # Only the unique texts of held-out rows and their near neighbours matter.
            wanted = {index.unique_of[r] for rows in holdout_rows.values() for r in rows}
            neighbours = index.neighbours_of(wanted)
            wanted |= {v for u in list(wanted) for v, _ in neighbours.get(u, ())}
            members = index.rows_of(wanted)
            for split, rows in holdout_rows.items():
                against = _HOLDOUT_AGAINST[split]
                for row in rows:
                    uid = index.unique_of[row]
                    found = [(r, "exact", 100.0) for r in members.get(uid, ()) if ds.split[r] in against]
                    for other, score in neighbours.get(uid, ()):
                        found += [(r, "near", float(score)) for r in members.get(other, ()) if ds.split[r] in against]
                    for r, kind, score in found:
                        _keep_best(leaks.setdefault(row, {}), r, kind, score)

        spans: dict[tuple[int, int], Any] = {}
        if options.ngram > 0:
            spans = self._ngram_leaks(ctx, fields[0], holdouts, options, leaks)

        ctx.progress(f"writing {len(leaks):,} leakage findings")
        compared = compared_column(ctx, fields[0], norm)
        quote = _quoter(ds, fields[0])
        findings = [self._finding(ds, fields, row, matches, spans, compared, quote) for row, matches in sorted(leaks.items())]
        return _leakage_result(findings, holdouts, counts, fields, options)

    @staticmethod
    def _ngram_leaks(
        ctx: CheckContext, what: str, holdouts: list[str], options: Any, leaks: dict
    ) -> dict[tuple[int, int], Any]:
        """Add rows sharing a word n-gram with an earlier split; return their overlaps."""
        ds = ctx.dataset
        texts = compared_column(ctx, what, Normalization())
        spans: dict[tuple[int, int], Any] = {}
        for split in holdouts:
            queries = [r for r in ds.rows(split) if r not in leaks]
            corpus = ds.rows(_HOLDOUT_AGAINST[split])
            if not queries or not corpus:
                continue
            ctx.progress(f"looking for {options.ngram}-gram overlap of {len(queries):,} {split} rows")
            overlaps = ngram_overlaps(
                [texts[r] for r in queries],
                [texts[r] for r in corpus],
                options.ngram,
                max_corpus_rows=options.ngram_max_rows,
                normalize=False,
                min_coverage=options.ngram_min_coverage,
            )
            for o in overlaps:
                row, other = queries[o.query], corpus[o.corpus]
                spans[(row, other)] = o
                _keep_best(leaks.setdefault(row, {}), other, "ngram", round(100.0 * o.covered, 2))
        return spans

    @staticmethod
    def _finding(ds: Any, fields: list[str], row: int, matches: dict, spans: dict, texts: list[str], quote: Callable[[int], str]) -> Finding:
        order = sorted(matches, key=lambda r: (_RANK[matches[r][0]], -matches[r][1], r))
        best = order[0]
        kind, score = matches[best]
        shown = order[:_MAX_MATCH_LOCATIONS]
        where = ", ".join(str(ds.location(r)) for r in shown[:3]) + (f" and {len(order) - 3} more" if len(order) > 3 else "")
        split = ds.split[row]
        if kind == "exact":
            how = f"its {fields[0]} equals"
        elif kind == "near":
            how = f"its {fields[0]} nearly equals (similarity {round(float(score), 2):g})"
        else:
            how = f"{spans[(row, best)].covered:.0%} of its words are in word n-gram spans shared with"
        details: dict[str, Any] = {
            "kind": kind,
            "split": split,
            "against": sorted({ds.split[r] for r in order}),
            "matches": len(order),
            "similarity": round(float(score), 2),
            "texts": [quote(r) for r in [row, *shown]],
            "match_kinds": [matches[r][0] for r in shown],
        }
        if kind == "near":
            # What differs, so a person can judge the match at a glance.
            details["differences"] = [d.to_dict() for d in differences(texts[row], texts[best])[:10]]
        if kind == "ngram":
            o = spans[(row, best)]
            details["span"] = masked_clip(o.span, 400)
            details["spans"] = [masked_clip(sp, 400) for sp in o.spans[:5]]
            details["covered"] = o.covered
            details["shared_ngrams"] = o.shared
            details["ngrams"] = o.total
            details.pop("similarity")
            details["score"] = score
        note = ""
        if len(order) > len(shown):
            details["matches_truncated"] = True
            note = "some held-out rows match more training rows than train-test-leakage lists: run clean again on the output"
        message = f"{split} row {ds.location(row)} leaks: {how} {where}"
        # By default the training copies go and the held-out row stays, so the evaluation set
        # keeps its size; the "held-out" variant drops the held-out row instead.
        fix = Fix(
            tuple(range(1, 1 + len(shown))), f"{kind} match of held-out row {ds.location(row)} (kept there)", "leak", kind,
            note=note, alternatives=(Fix((0,), message, "leak", kind, variant="held-out"),),
        )
        return Finding(
            message,
            ds.locations([row, *shown]),
            masked_clip(details.get("span") or compared_text(ds, fields[0], row), 120),
            details,
            fix,
        )


_RANK = {"exact": 0, "near": 1, "ngram": 2}


def _quoter(ds: Any, what: str) -> Callable[[int], str]:
    """A row's compared text as findings quote it (masked, cut), made once per row: a training
    row matched by many held-out rows is quoted by each of their findings (on a million templated
    rows, 903,410 quotes of 413,561 rows), and they share the one string."""
    quoted: dict[int, str] = {}

    def quote(row: int) -> str:
        if row not in quoted:
            quoted[row] = masked_clip(compared_text(ds, what, row), 400)
        return quoted[row]

    return quote


def _keep_best(matches: dict[int, tuple[str, float]], row: int, kind: str, score: float) -> None:
    old = matches.get(row)
    if old is None or (_RANK[kind], -score) < (_RANK[old[0]], -old[1]):
        matches[row] = (kind, score)


def _has_text(ds: Any, what: str) -> bool:
    if what == "input":
        return any(ds.input)
    if what == "output":
        return any(ds.output)
    return any(ds.input) or any(ds.output)


def _leakage_result(findings: list[Finding], holdouts: list[str], counts: dict[str, int], fields: list[str], options: Any) -> RuleResult:
    """The rule's result from one finding per leaked held-out row (in row order): one builder
    for the local check and for the Ray engine's ``run_distributed``, so both engines say the same."""
    leaked = len(findings)
    by_split = {s: sum(1 for f in findings if f.details["split"] == s) for s in holdouts}
    kinds = {k: sum(1 for f in findings if f.details["kind"] == k) for k in ("exact", "near", "ngram")}
    holdout_rows = sum(counts.get(s, 0) for s in holdouts)
    message = (
        f"{leaked:,} of {holdout_rows:,} held-out rows leak ("
        + ", ".join(f"{n:,} {s}" for s, n in by_split.items())
        + f"): {kinds['exact']:,} exact, {kinds['near']:,} near, {kinds['ngram']:,} by {options.ngram}-gram overlap"
    )
    details = {
        "leaked_rows": leaked,
        "by_split": by_split,
        "by_kind": kinds,
        "holdout_rows": holdout_rows,
        "compared": fields,
        "threshold": options.threshold,
        "ngram": options.ngram,
    }
    if options.max_findings and leaked > options.max_findings:
        details["findings_truncated"] = True
    return RuleResult.judged(
        leaked <= options.max_leaked,
        message,
        Metric("leaked_rows", leaked, options.max_leaked),
        findings[: options.max_findings or None],
        details=details,
    )


# ---------------------------------------------------------------- the Ray engine (docs/scaling.md, "The pipeline")


def _run_distributed(self: TrainTestLeakage, inputs: Any, options: TrainTestLeakage.Options) -> RuleResult:
    """``check()`` on the Ray engine: exact and near leaks from the distributed index shared with
    near-duplicates; n-gram leaks by scanning the training rows on the workers for the held-out
    rows' n-grams, so only held-out texts and the training rows sharing one of their n-grams
    reach the driver (then ngram_overlaps runs on exactly the rows it would use)."""
    import numpy as np

    from dqlint.engine.ray.dedup import DedupSettings, GlobalTexts, RowsView, fetch_rows, ray_index

    split_rows = inputs.split_rows()
    counts = {s: len(r) for s, r in split_rows.items()}
    holdouts = [s for s in _HOLDOUT_AGAINST if counts.get(s)]
    if not counts.get("train") or not holdouts:
        return RuleResult.skipped("needs training rows and validation or test rows (give --test or --eval)")
    bad = [c for c in options.compare if c not in COMPARED_FIELDS]
    if bad:
        return RuleResult(Status.ERROR, f"unknown text to compare {bad[0]!r} (one of {', '.join(COMPARED_FIELDS)})")
    fields = [f for f in options.compare if _ray_has_text(inputs, f)] or ["example"]  # as _has_text
    norm = Normalization(options.nfkc, options.casefold, options.whitespace, options.punctuation)
    flags = {"nfkc": norm.nfkc, "casefold": norm.casefold, "whitespace": norm.whitespace, "punctuation": norm.punctuation}
    settings = DedupSettings(threshold=options.threshold, near=options.near, scorer=options.scorer)
    split_of = {int(r): s for s, rows in split_rows.items() for r in rows.tolist()}

    leaks: dict[int, dict[int, tuple[str, float]]] = {}
    first_index = None
    for what in fields:
        inputs.progress(f"indexing {what} texts for leakage on Ray")
        index = ray_index(inputs, what, flags, settings)[0]
        first_index = first_index or index
        neighbours = index.index.neighbours()
        held = np.concatenate([split_rows[s] for s in holdouts])
        uid_of = index.unique_of_rows(held.tolist())  # held-out rows in any group or pair
        wanted = set(uid_of.values())
        wanted |= {v for u in list(wanted) for v, _ in neighbours.get(u, ())}
        members = index.rows_of(wanted)
        for split in holdouts:
            against = _HOLDOUT_AGAINST[split]
            for row in split_rows[split].tolist():
                uid = uid_of.get(row)
                if uid is None:
                    continue
                found = [(r, "exact", 100.0) for r in members.get(uid, ()) if split_of[r] in against]
                for other, score in neighbours.get(uid, ()):
                    found += [(r, "near", float(score)) for r in members.get(other, ()) if split_of[r] in against]
                for r, kind, score in found:
                    _keep_best(leaks.setdefault(row, {}), r, kind, score)

    spans: dict[tuple[int, int], Any] = {}
    if options.ngram > 0:
        spans = _ray_ngram_leaks(inputs, fields[0], holdouts, split_rows, options, leaks)

    inputs.progress(f"writing {len(leaks):,} leakage findings")
    shown_rows = {row for row in leaks} | {r for m in leaks.values() for r in m}
    every = inputs.rows(["row", *RowsView.COLUMNS])
    view = RowsView(fetch_rows(every, shown_rows, RowsView.COLUMNS), False, True)
    index = ray_index(inputs, fields[0], flags, settings)[0]
    index.prefetch(shown_rows)
    texts = GlobalTexts(index)
    quote = _quoter(view, fields[0])
    findings = [self._finding(view, fields, row, matches, spans, texts, quote) for row, matches in sorted(leaks.items())]
    return _leakage_result(findings, holdouts, counts, fields, options)


def _ray_has_text(inputs: Any, what: str) -> bool:
    """``_has_text`` on the Ray engine (the block pass knows which columns any row has)."""
    return any(inputs.has(c) for c in (("input",) if what == "input" else ("output",) if what == "output" else ("input", "output")))


def _ray_ngram_leaks(inputs: Any, what: str, holdouts: list[str], split_rows: dict, options: Any, leaks: dict) -> dict:
    """``_ngram_leaks`` on Ray. The held-out queries' compared texts come to the driver; the
    workers keep only the training rows that share one of the queries' n-grams. Every corpus row
    holding a query n-gram is among them, so ngram_overlaps' boilerplate counts (rows per
    n-gram, both sides) and its results are the ones over the whole corpus."""
    import numpy as np
    import ray

    from dqlint.analysis.ngrams import _word_gram_hashes
    from dqlint.engine.ray.dedup import fetch_texts, materialized_compared

    # The n-gram check compares texts under the default normalisation (as check() does).
    defaults = {"nfkc": True, "casefold": True, "whitespace": True, "punctuation": True}
    compared = materialized_compared(inputs, what, defaults)[0]
    spans: dict[tuple[int, int], Any] = {}
    for split in holdouts:
        queries = [r for r in split_rows[split].tolist() if r not in leaks]
        against = _HOLDOUT_AGAINST[split]
        corpus_rows = np.sort(np.concatenate([split_rows[s] for s in against if s in split_rows] or [np.zeros(0, np.int64)]))
        if not queries or not len(corpus_rows):
            continue
        inputs.progress(f"looking for {options.ngram}-gram overlap of {len(queries):,} {split} rows")
        q_text = fetch_texts(compared, queries)
        q_texts = [q_text.get(r, "") for r in queries]
        qh = sorted_unique(_word_gram_hashes(q_texts, options.ngram)[0])
        if not len(qh):
            continue
        refs = ray.put((qh, corpus_rows))
        n = options.ngram

        def sharing(batch: dict, refs: Any = refs) -> dict:
            grams, rows_in = ray.get(refs)
            r = np.asarray(batch["row"], dtype=np.int64)
            keep = np.isin(r, rows_in)
            texts = [str(t) for t in np.asarray(batch["text"], dtype=object)[keep]]
            r = r[keep]
            h, d, _ = _word_gram_hashes(texts, n)
            hit = sorted_unique(d[np.isin(h, grams)]) if len(h) else np.zeros(0, np.intp)
            return {"row": r[hit], "text": np.asarray([texts[i] for i in hit.tolist()], dtype=object)}

        got: dict[int, str] = {}
        for batch in compared.select_columns(["row", "text"]).map_batches(sharing, batch_format="numpy").iter_batches(batch_format="numpy", batch_size=None):
            got.update(zip(np.asarray(batch["row"]).tolist(), (str(t) for t in batch["text"])))
        corpus = sorted(got)
        overlaps = ngram_overlaps(
            q_texts, [got[r] for r in corpus], options.ngram,
            max_corpus_rows=options.ngram_max_rows, normalize=False, min_coverage=options.ngram_min_coverage,
        )
        for o in overlaps:
            row, other = queries[o.query], corpus[o.corpus]
            spans[(row, other)] = o
            _keep_best(leaks.setdefault(row, {}), other, "ngram", round(100.0 * o.covered, 2))
    return spans


TrainTestLeakage.scales = "distributed"  # type: ignore[attr-defined]
TrainTestLeakage.run_distributed = _run_distributed  # type: ignore[attr-defined]
