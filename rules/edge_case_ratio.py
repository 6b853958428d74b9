"""rules/edge_case_ratio.py"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

from dqlint.rule import (
    CheckContext,
    Finding,
    Metric,
    Rule,
    RuleResult,
    Status,
    max_findings_option,
    option,
)

if TYPE_CHECKING:
    from dqlint.data.dataset import Dataset, Location


class EdgeCaseRatio(Rule):
    """Share of edge cases in the training set, marked or estimated (10-20 % wanted).

    ## What it does
    Counts the training examples that are edge cases and checks that their share lies in
    the band `min-ratio`..`max-ratio` (10-20 % by default). Two ways to know which rows are
    edge cases:
    - **explicit**: records carry a marker, a field such as `"edge_case": true` (option
      `field`, dotted paths like `meta.edge_case` work) or a tag list such as
      `"tags": ["edge-case"]` (options `tags-field`, `tag-values`);
    - **estimated** when nothing is marked: rows that stand apart from the bulk, each for a
      stated reason, judged against the set itself:
      - *length*: total characters far from the median (robust z of the log length above
        `length-z`, and at least 3 times or a third of the median);
      - *language*: a language or script under 5 % of the texts use (French in an English
        set, English in a Chinese one);
      - *garbled*: broken encoding (mojibake, replacement or control characters), one
        character 20 times in a row; *no words*: hardly any letters where texts are prose;
      - *repetitive*: 60+ words of which at most 10 % are distinct;
      - *off-topic*: most of the input's content words appear in no other example;
      - *isolated*: the input's nearest other input (TF-IDF cosine) is below the lower
        Tukey fence of all such similarities (Q1 - `neighbour-iqr` x IQR, at most 0.3), or
        shares almost no word with any of them;
      - *rare class*: a label holding less than `rare-class-share` of the set.
      Language, garbling and repetition are checked in inputs and outputs; large sets are
      estimated on a seeded random sample of `sample-size` rows.

    The report says which method it used; findings list every row counted, with its
    reasons, so a person can check the estimate. A marked share outside the band gives
    `warn` (or `fail` with `out-of-band = "fail"`). An estimate comes with a 95 % Wilson
    interval and is judged only when it is confidently *above* the band (the interval's
    lower end above `max-ratio`: many rows are noise). Below or within it passes, saying so.

    ## What it deliberately ignores
    An estimate never warns that edge cases are *missing*: it sees rows that stand apart
    in form (length, language, characters, vocabulary, class), not hard, ambiguous or
    adversarial ones that look typical, so its share is a floor on the true share, and a
    floor under 10 % shows no shortage. Mark edge cases to have that judged. Nor does it
    call a language, script or length unusual when the set is full of it: a set that is
    20 % Spanish is bilingual, not 20 % edge cases.

    ## Why it matters
    A model fine-tuned only on easy, typical examples memorises their patterns and fails on
    the unusual inputs it meets in production; a set that is mostly unusual rows is mostly
    noise and teaches no consistent behaviour.

    ## Example
    2,000 support tickets, none marked, where 61 stand apart (a 9,800-character log dump, 40
    tickets of the rare class `legal-hold`, 20 inputs sharing no words with any other):
    `estimated 3.0% edge cases (61 of 2,000 train examples counted; 95% interval 2.4%-3.9%),
    below the 10%-20% band; not judged: ...`. With 700 of them garbled or in another
    language it warns: `estimated 35.0% edge cases (...; 95% interval 33.0%-37.1%), above
    the 10%-20% band`.

    ## How to fix
    Too few: add examples of rare intents, unusual lengths, ambiguous or adversarial inputs,
    typos and other languages, and mark them (`"edge_case": true`) so the count is exact.
    Too many: check the flagged rows for noise (garbage, wrong labels, off-topic text) and
    remove it, or add typical examples.
    """

    id = "edge-case-ratio"
    summary = "share of edge cases in the training set (explicit markers or an estimate)"
    criterion = "edge cases"

    @dataclass
    class Options:
        min_ratio: float = option(0.10, "smallest wanted share of edge cases", min=0, max=1, at_most="max_ratio")
        max_ratio: float = option(0.20, "largest wanted share of edge cases", min=0, max=1)
        method: str = option("auto", "auto (explicit when rows are marked), explicit or estimated",
                             choices=("auto", "explicit", "estimated"))
        field: str = option("edge_case", "record field whose true value marks an edge case (dotted path allowed)")
        tags_field: str = option("tags", "record field holding a list of tags")
        tag_values: list[str] = option(["edge-case", "edge_case", "edge"], "tags that mark an edge case")
        split: str = option("train", "split whose share is judged", choices=("train", "validation", "test"))
        out_of_band: str = option("warn", "status when the share is outside the band", choices=("warn", "fail"))
        length_z: float = option(3.5, "robust z-score of log length beyond which a row is a length outlier")
        language_share: float = option(0.05, "a language or script used by a smaller share of texts is unusual", min=0, max=1)
        rare_class_share: float = option(0.02, "a label with a smaller share of the set is a rare class", min=0, max=1)
        neighbour_iqr: float = option(1.5, "Tukey fence multiplier for nearest-neighbour similarity outliers")
        sample_size: int = option(5_000, "rows the estimate looks at, at most (seeded random sample)", min=1)
        min_rows: int = option(30, "fewest rows an estimate is attempted on")
        seed: int = option(0, "random seed of the sample")
        max_findings: int = max_findings_option()

    def check(self, ctx: CheckContext, options: Options) -> RuleResult:
        ds = ctx.dataset
        rows = ds.rows(options.split)
        if not rows:
            return RuleResult.skipped(f"no {options.split} examples")

        marked = _chosen_marks(*_scan_marks(ds, rows, options), options)
        if marked is not None:
            estimate = EdgeCaseEstimate("explicit", rows, marked, {})
        else:
            if len(rows) < options.min_rows:
                return _too_few(len(rows), options)
            ctx.progress("estimating edge cases")
            estimate = estimate_edge_cases(ds, rows, options)
        return _judged(estimate, options, lambda row: _row_facts(ds, row))


def _too_few(rows: int, options: EdgeCaseRatio.Options) -> RuleResult:
    return RuleResult.skipped(
        f"only {rows} {options.split} examples: too few to estimate edge cases "
        f"(mark them with a {options.field!r} field or {options.tags_field!r} tag)"
    )


def _judged(estimate: EdgeCaseEstimate, options: EdgeCaseRatio.Options, facts: Callable[[int], RowFacts]) -> RuleResult:
    """The result for an estimate (either engine): message, findings (``facts``: what a
    finding shows of a row), details and status."""
    from dqlint.report.charts import band_chart, bar_chart

    ratio = estimate.ratio
    low, high = options.min_ratio, options.max_ratio
    in_band = low <= ratio <= high
    where = "within" if in_band else ("below" if ratio < low else "above")
    band = f"the {low:.0%}-{high:.0%} band"
    if estimate.method == "explicit":
        judged_out = not in_band
        message = (
            f"marked {ratio:.1%} edge cases ({len(estimate.flagged):,} of {len(estimate.rows):,} "
            f"{options.split} examples), {where} {band}"
        )
        if not estimate.flagged:
            message += f"; no record has a true {options.field!r} or an edge-case tag"
    else:
        interval = estimate_interval(estimate)
        judged_out = interval[0] > high
        message = (
            f"estimated {ratio:.1%} edge cases ({len(estimate.flagged):,} of {len(estimate.rows):,} "
            f"{options.split} examples counted{_sample_note(estimate)}; 95% interval "
            f"{interval[0]:.1%}-{interval[1]:.1%}), {where} {band}"
            + _not_judged_note(where, judged_out, options.field)
        )

    findings = _findings(estimate, options.max_findings, facts)
    reasons = Counter(r.split(":")[0] for why in estimate.flagged.values() for r in why)
    details: dict[str, Any] = {
        "method": estimate.method,
        "why_method": (
            f"records are marked with {options.field!r} or tags {options.tag_values}"
            if estimate.method == "explicit" and options.method == "auto"
            else "method set in config"
            if options.method != "auto"
            else "no record is marked as an edge case, so edge cases are estimated"
        ),
        "examples": len(estimate.rows),
        "edge_cases": len(estimate.flagged),
        "ratio": ratio,
        "band": [low, high],
        **({"interval": list(estimate_interval(estimate)), "judged": judged_out} if estimate.method == "estimated" else {}),
        "by_reason": dict(reasons),
        **estimate.details,
        "charts": [band_chart("Edge-case share", ratio, low, high)]
        + ([bar_chart("Edge cases by reason", list(reasons), {"rows": list(reasons.values())})] if reasons else []),
    }
    threshold = low if ratio < low else high
    return RuleResult(
        Status(options.out_of_band) if judged_out else Status.PASS,
        message,
        Metric("edge_case_ratio", round(ratio, 6), threshold),
        findings,
        details,
    )


@dataclass
class EdgeCaseEstimate:
    """Which rows count as edge cases and why (row -> reasons), among the rows examined."""

    method: str  # "explicit" | "estimated"
    rows: Sequence[int]
    flagged: dict[int, list[str]]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return len(self.flagged) / len(self.rows) if self.rows else 0.0


# -- explicit markers ------------------------------------------------------------------------


def _chosen_marks(marked: dict[int, list[str]], field_seen: bool, options: EdgeCaseRatio.Options) -> dict[int, list[str]] | None:
    """The explicit marks the share is judged on, or None to estimate it: with method auto,
    only when some record carries the marker field or an edge-case tag."""
    if options.method == "estimated":
        return None
    if marked or field_seen:
        return marked
    return {} if options.method == "explicit" else None


def _scan_marks(ds: Dataset, rows: Sequence[int], options: EdgeCaseRatio.Options) -> tuple[dict[int, list[str]], bool]:
    """The marked rows among ``rows`` (row -> its reason), and whether any record of them has
    the marker field at all (nothing is read for the method estimated)."""
    if options.method == "estimated":
        return {}, False
    top = options.field.split(".")[0]
    known = [f.field_types for f in ds.files if f.iter_raw is not None]
    if not known or (all(known) and not any(top in t or options.tags_field in t for t in known)):
        return {}, False  # the loader saw every field name: no marker anywhere, skip re-reading
    wanted_tags = {v.lower() for v in options.tag_values}
    in_split = set(rows)
    field_seen = False
    marked: dict[int, list[str]] = {}
    for row, record in ds.iter_raw():
        if row not in in_split:
            continue
        value = _lookup(record, options.field)
        if value is not _MISSING:
            field_seen = True
            if _truthy(value):
                marked[row] = [f"marked: {options.field} = {value!r}"]
                continue
        tags = record.get(options.tags_field)
        tags = [tags] if isinstance(tags, str) else tags
        if isinstance(tags, list):
            hit = [t for t in tags if isinstance(t, str) and t.lower() in wanted_tags]
            if hit:
                marked[row] = [f"marked: tag {hit[0]!r}"]
    return marked, field_seen


_MISSING = object()


def _lookup(record: dict, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "y", "1"}
    return value is True or (isinstance(value, (int, float)) and value == 1)


# -- the estimate ----------------------------------------------------------------------------


@dataclass
class EstimateColumns:
    """What the estimate reads of the data: every split row's length and label set, and the
    texts and labels of the examined rows (in row order). Either engine gathers them."""

    lengths: Sequence[int]  # characters of input + output, per split row
    label_sets: Counter  # tuple of a row's labels -> rows with exactly those labels
    inputs: list[str]  # per examined row: its input, or the whole example without one
    outputs: list[str]
    labels: list[tuple]  # per examined row: its labels


def examined_rows(rows: Sequence[int], options: EdgeCaseRatio.Options) -> list[int]:
    """The rows the estimate examines: all, or a seeded random ``sample-size`` of them (the
    same on any engine: it depends only on the rows)."""
    import numpy as np

    examined = list(rows)
    if len(examined) > options.sample_size:
        rng = np.random.default_rng(options.seed)
        examined = sorted(rng.choice(examined, size=options.sample_size, replace=False).tolist())
    return examined


def estimate_columns(ds: Dataset, rows: Sequence[int], examined: Sequence[int]) -> EstimateColumns:
    return EstimateColumns(
        lengths=[len(ds.input[r]) + len(ds.output[r]) for r in rows],
        label_sets=Counter(tuple(ds.labels_of(r)) for r in rows),
        inputs=[ds.input[r] or ds.example_text(r) for r in examined],
        outputs=[ds.output[r] for r in examined],
        labels=[tuple(ds.labels_of(r)) for r in examined],
    )


def estimate_edge_cases(ds: Dataset, rows: Sequence[int], options: EdgeCaseRatio.Options) -> EdgeCaseEstimate:
    """Rows that stand apart from the bulk, each with the reasons it does."""
    examined = examined_rows(rows, options)
    return estimate_from(rows, examined, estimate_columns(ds, rows, examined), options)


def estimate_from(rows: Sequence[int], examined: list[int], columns: EstimateColumns, options: EdgeCaseRatio.Options) -> EdgeCaseEstimate:
    """:func:`estimate_edge_cases` over the gathered columns."""
    from dqlint.analysis import outliers

    flagged: dict[int, list[str]] = {}
    details: dict[str, Any] = {"sampled": len(examined) < len(rows)}

    def flag(positions: Sequence[int], reasons: Sequence[str | None]) -> None:
        for row, reason in zip(positions, reasons):
            if reason and reason not in flagged.get(row, []):
                flagged.setdefault(row, []).append(reason)

    # Lengths and classes are cheap: judge them over every row, flag within the examined ones.
    examined_set = set(examined)
    length_flags, details["length"] = outliers.length_outliers(columns.lengths, options.length_z)
    flag(examined, [f for r, f in zip(rows, length_flags) if r in examined_set])
    rare_reason, details["rare_classes"] = rare_classes(columns.label_sets, options.rare_class_share)
    flag(examined, [rare_reason(labels) for labels in columns.labels])

    for name, texts in {"input": columns.inputs, "output": columns.outputs}.items():
        if not any(texts):
            continue
        for test, (found, info) in (
            ("language", outliers.language_outliers(texts, options.language_share)),
            ("garbled", outliers.garbled_outliers(texts)),
            ("repetitive", outliers.repetition_outliers(texts)),
        ):
            flag(examined, [f"{why} (in the {name})" if why else None for why in found])
            details.setdefault(test, {})[name] = info
    found, details["off_topic"] = outliers.unseen_word_outliers(columns.inputs)
    flag(examined, found)
    found, details["isolated"] = outliers.isolated_outliers(columns.inputs, options.neighbour_iqr)
    flag(examined, found)
    return EdgeCaseEstimate("estimated", examined, flagged, details)


def rare_classes(label_sets: Counter, max_share: float) -> tuple[Callable[[tuple], str | None], dict[str, Any]]:
    """The labels holding less than ``max_share`` of the labelled rows (``label_sets``: rows per
    set of labels): the reason a row with given labels is a rare-class member (None if not), and
    what the test found."""
    counts: Counter[str] = Counter()
    for labels, n in label_sets.items():
        for label in labels:
            counts[label] += n
    labelled = sum(n for labels, n in label_sets.items() if labels)
    if len(counts) < 2 or labelled == 0:
        return (lambda labels: None), {"test": "no labels" if not counts else "a single label"}
    rare = {label: n for label, n in counts.items() if n / labelled < max_share}

    def reason(labels: tuple) -> str | None:
        hit = [label for label in labels if label in rare]
        return f"rare class: {hit[0]!r} ({rare[hit[0]]:,} of {labelled:,}, {rare[hit[0]] / labelled:.1%})" if hit else None

    members = sum(n for labels, n in label_sets.items() if any(label in rare for label in labels))
    return reason, {"test": f"label share < {max_share:.0%}", "rare_labels": rare, "flagged": members}


@dataclass
class RowFacts:
    """What a finding shows of a row."""

    location: Location
    snippet: str
    label: Any


def _row_facts(ds: Dataset, row: int) -> RowFacts:
    from dqlint.analysis.sensitive import masked_clip

    return RowFacts(ds.location(row), masked_clip(ds.example_text(row), 160, flat=True), ds.label[row])


def _findings(estimate: EdgeCaseEstimate, limit: int, facts: Callable[[int], RowFacts]) -> list[Finding]:
    out = []
    for row, reasons in _shown(estimate.flagged, limit):
        row_facts = facts(row)
        out.append(Finding(
            ("edge case: " if estimate.method == "estimated" else "") + "; ".join(reasons),
            [row_facts.location],
            snippet=row_facts.snippet,
            details={"reasons": [r.split(":")[0] for r in reasons], "label": row_facts.label},
        ))
    return out


def _shown(flagged: dict[int, list[str]], limit: int) -> list[tuple[int, list[str]]]:
    """The flagged rows findings are written for: the most reasons first (the clearest edge
    cases), then by row; at most ``limit`` (0: all)."""
    return sorted(flagged.items(), key=lambda item: (-len(item[1]), item[0]))[: limit or None]


def estimate_interval(estimate: EdgeCaseEstimate) -> tuple[float, float]:
    """95 % Wilson interval of the estimated share: the rows examined are a sample of the
    data the model will see, so a share from 40 rows is far less certain than from 4,000."""
    from dqlint.analysis.statistics import wilson_interval

    return wilson_interval(len(estimate.flagged), len(estimate.rows))


def _not_judged_note(where: str, judged: bool, marker: str) -> str:
    if judged or where == "within":
        return ""
    if where == "above":
        return "; not judged: the interval reaches into the band"
    return f"; not judged: an estimate sees rows that stand apart, not hard or ambiguous ones (mark edge cases with {marker!r} to judge)"


def _sample_note(estimate: EdgeCaseEstimate) -> str:
    return "; estimated on a random sample" if estimate.details.get("sampled") else ""


# -- distributed execution (--engine ray; docs/plugins.md) -------------------------------------------
# One pass over the blocks gathers what the estimate reads (every row's length and label set, the
# texts of the examined rows: the whole set's seeded sample, drawn on the driver from the split
# rows) and the explicit marks; the driver estimates and judges as check() does: the same report.


@dataclass
class _BlockFacts:
    columns: EstimateColumns  # of the block's split rows, and of those it holds of the examined
    marked: dict[int, list[str]]  # global row -> reason
    field_seen: bool
    facts: dict[int, RowFacts]  # global row -> what a finding shows, for the rows one may show


def _run_distributed(self: EdgeCaseRatio, inputs: Any, options: EdgeCaseRatio.Options) -> RuleResult:
    import numpy as np

    rows = inputs.split_rows().get(options.split, np.zeros(0, np.int64))
    if not len(rows):
        return RuleResult.skipped(f"no {options.split} examples")
    firsts = inputs.first_rows()
    rows = rows.tolist()
    examined = examined_rows(rows, options)
    picked = rows_by_block(examined, firsts)
    inputs.progress("estimating edge cases on Ray")

    def gather(ds: Any, block: Any) -> _BlockFacts:
        first = firsts[block.index]
        local = ds.rows(options.split)
        mine = picked.get(block.index, np.zeros(0, np.int64)).tolist()
        columns = estimate_columns(ds, local, mine)
        marked, seen = _scan_marks(ds, local, options)
        # A finding may show an examined row, or a marked row among the block's first `limit`
        # shown (the whole set's first `limit` are among the blocks' first `limit`).
        shown = set(mine) | {r for r, _ in _shown(marked, options.max_findings)}
        return _BlockFacts(
            columns,
            {first + r: why for r, why in marked.items()}, seen,
            {first + r: _row_facts(ds, r) for r in sorted(shown)},
        )

    parts: list[_BlockFacts] = inputs.map_blocks(gather)
    facts = {row: f for p in parts for row, f in p.facts.items()}
    marked = _chosen_marks({row: why for p in parts for row, why in p.marked.items()}, any(p.field_seen for p in parts), options)
    if marked is not None:
        estimate = EdgeCaseEstimate("explicit", rows, marked, {})
    elif len(rows) < options.min_rows:
        return _too_few(len(rows), options)
    else:
        label_sets: Counter = Counter()
        for p in parts:
            label_sets.update(p.columns.label_sets)  # in block order: labels keep their first-seen order
        columns = EstimateColumns(
            [n for p in parts for n in p.columns.lengths], label_sets,
            [t for p in parts for t in p.columns.inputs], [t for p in parts for t in p.columns.outputs],
            [labels for p in parts for labels in p.columns.labels],
        )
        estimate = estimate_from(rows, examined, columns, options)
    return _judged(estimate, options, facts.__getitem__)


from dqlint.rule import RUNS_DISTRIBUTED, rows_by_block  # noqa: E402  (kept apart from check()'s imports)

EdgeCaseRatio.scales = RUNS_DISTRIBUTED
EdgeCaseRatio.run_distributed = _run_distributed  # type: ignore[attr-defined]
