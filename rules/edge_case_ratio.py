"""rules/edge_case_ratio.py"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

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
from dqlint.text import flat

if TYPE_CHECKING:
    import numpy as np

    from dqlint.data.dataset import Dataset


class EdgeCaseRatio(Rule):
    """Share of edge cases in the training set, marked or estimated (10-20 % wanted).

    ## What it does
    Counts the training examples that are edge cases and checks that their share lies in
    the band `min-ratio`..`max-ratio` (10-20 % by default). Two ways to know which rows are
    edge cases:
    - **explicit**: records carry a marker, a field such as `"edge_case": true` (option
      `field`, dotted paths like `meta.edge_case` work) or a tag list such as
      `"tags": ["edge-case"]` (options `tags-field`, `tag-values`);
    - **estimated** when nothing is marked: rows that stand apart from the bulk, for three
      stated reasons: *length outlier* (total characters, robust z-score of the log length
      above `length-z`, i.e. far from the median in MADs, and at least twice or half the
      median length), *rare class* (a label holding less
      than `rare-class-share` of the set), *isolated input* (TF-IDF cosine distance to its
      nearest other input beyond the upper Tukey fence, Q3 + `neighbour-iqr` x IQR, and at
      least 0.7, i.e. similarity below 0.3). Large sets are estimated on a seeded random
      sample of `sample-size` rows.

    The report says which method it used; findings list the rows counted as edge cases
    with the reasons, so a person can check the estimate. Too few and too many both give
    `warn` (or `fail` with `out-of-band = "fail"`).

    ## Why it matters
    A model fine-tuned only on easy, typical examples memorises their patterns and fails on
    the unusual inputs it meets in production; a set that is mostly unusual rows is mostly
    noise and teaches no consistent behaviour.

    ## Example
    2,000 support tickets, none marked, where 61 stand apart (a 9,800-character log dump, 40
    tickets of the rare class `legal-hold`, 20 inputs sharing no words with any other):
    `estimated 3.0% edge cases (61 of 2,000 train examples), below the 10-20% band`.

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
        min_ratio: float = option(0.10, "smallest wanted share of edge cases", min=0, max=1)
        max_ratio: float = option(0.20, "largest wanted share of edge cases", min=0, max=1)
        method: str = option("auto", "auto (explicit when rows are marked), explicit or estimated",
                             choices=("auto", "explicit", "estimated"))
        field: str = option("edge_case", "record field whose true value marks an edge case (dotted path allowed)")
        tags_field: str = option("tags", "record field holding a list of tags")
        tag_values: list[str] = option(["edge-case", "edge_case", "edge"], "tags that mark an edge case")
        split: str = option("train", "split whose share is judged", choices=("train", "validation", "test"))
        out_of_band: str = option("warn", "status when the share is outside the band", choices=("warn", "fail"))
        length_z: float = option(3.5, "robust z-score of log length beyond which a row is a length outlier")
        rare_class_share: float = option(0.02, "a label with a smaller share of the set is a rare class", min=0, max=1)
        neighbour_iqr: float = option(1.5, "Tukey fence multiplier for nearest-neighbour distance outliers")
        sample_size: int = option(5_000, "rows the estimate looks at, at most (seeded random sample)", min=1)
        min_rows: int = option(30, "fewest rows an estimate is attempted on")
        seed: int = option(0, "random seed of the sample")
        max_findings: int = max_findings_option()

    def check(self, ctx: CheckContext, options: Options) -> RuleResult:
        from dqlint.report.charts import band_chart, bar_chart

        ds = ctx.dataset
        rows = ds.rows(options.split)
        if not rows:
            return RuleResult.skipped(f"no {options.split} examples")

        marked = None if options.method == "estimated" else _explicit_marks(ds, rows, options)
        if options.method == "explicit" and marked is None:
            marked = {}
        if marked is not None:
            estimate = EdgeCaseEstimate("explicit", rows, marked, {})
        else:
            if len(rows) < options.min_rows:
                return RuleResult.skipped(
                    f"only {len(rows)} {options.split} examples: too few to estimate edge cases "
                    f"(mark them with a {options.field!r} field or {options.tags_field!r} tag)"
                )
            ctx.progress("estimating edge cases")
            estimate = estimate_edge_cases(ds, rows, options)

        ratio = estimate.ratio
        low, high = options.min_ratio, options.max_ratio
        in_band = low <= ratio <= high
        where = "within" if in_band else ("below" if ratio < low else "above")
        what = "marked" if estimate.method == "explicit" else "estimated"
        message = (
            f"{what} {ratio:.1%} edge cases ({len(estimate.flagged):,} of {len(estimate.rows):,} "
            f"{options.split} examples{_sample_note(estimate)}), {where} the {low:.0%}-{high:.0%} band"
        )
        if estimate.method == "explicit" and not estimate.flagged:
            message += f"; no record has a true {options.field!r} or an edge-case tag"

        findings = _findings(ds, estimate, options.max_findings)
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
            "by_reason": dict(reasons),
            **estimate.details,
            "charts": [band_chart("Edge-case share", ratio, low, high)]
            + ([bar_chart("Edge cases by reason", list(reasons), {"rows": list(reasons.values())})] if reasons else []),
        }
        threshold = low if ratio < low else high
        return RuleResult(
            Status.PASS if in_band else Status(options.out_of_band),
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


def _explicit_marks(ds: Dataset, rows: Sequence[int], options: EdgeCaseRatio.Options) -> dict[int, list[str]] | None:
    """Rows marked as edge cases, or None when no record carries the marker field or an
    edge-case tag (then the share is estimated)."""
    top = options.field.split(".")[0]
    known = [f.field_types for f in ds.files if f.iter_raw is not None]
    if not known or (all(known) and not any(top in t or options.tags_field in t for t in known)):
        return None  # the loader saw every field name: no marker anywhere, skip re-reading
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
    return marked if (field_seen or marked) else None


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


def estimate_edge_cases(ds: Dataset, rows: Sequence[int], options: EdgeCaseRatio.Options) -> EdgeCaseEstimate:
    """Rows that stand apart from the bulk, each with the reasons it does."""
    import numpy as np

    examined = list(rows)
    if len(examined) > options.sample_size:
        rng = np.random.default_rng(options.seed)
        examined = sorted(rng.choice(examined, size=options.sample_size, replace=False).tolist())
    flagged: dict[int, list[str]] = {}
    details: dict[str, Any] = {"sampled": len(examined) < len(rows)}

    def flag(row: int, reason: str) -> None:
        flagged.setdefault(row, []).append(reason)

    # Lengths and classes are cheap: judge them over every row, flag within the examined ones.
    examined_set = set(examined)
    length_flags, details["length"] = length_outliers(ds, rows, options.length_z)
    rare_flags, details["rare_classes"] = rare_class_members(ds, rows, options.rare_class_share)
    isolated_flags, details["isolated"] = isolated_inputs(ds, examined, options.neighbour_iqr)
    for row, reason in (*length_flags, *rare_flags, *isolated_flags):
        if row in examined_set:
            flag(row, reason)
    return EdgeCaseEstimate("estimated", examined, flagged, details)


def length_outliers(ds: Dataset, rows: Sequence[int], z_max: float) -> tuple[list[tuple[int, str]], dict[str, Any]]:
    """Rows whose total length is far from the median: modified z-score (Iglewicz and
    Hoaglin) of log(1 + characters) beyond ``z_max``. Log, because lengths are skewed."""
    import numpy as np

    lengths = np.asarray([len(ds.input[r]) + len(ds.output[r]) for r in rows], dtype=float)
    logs = np.log1p(lengths)
    median = float(np.median(logs))
    mad = float(np.median(np.abs(logs - median)))
    scale = mad / 0.6745 if mad > 0 else float(np.mean(np.abs(logs - median))) * 1.2533
    p25, p75 = np.percentile(lengths, [25, 75])
    info = {
        "test": f"robust z of log length > {z_max:g} and at least twice or half the median length",
        "typical_chars": [int(p25), int(p75)],
    }
    if scale == 0:
        return [], {**info, "note": "every example has the same length"}
    z = (logs - median) / scale
    # A very uniform set has a tiny MAD: also require a real difference, twice or half the
    # median length, so 74 characters among rows of 83-87 is not an "outlier".
    far = np.abs(logs - median) >= np.log(2.0)
    out = [
        (rows[i], f"length: {int(lengths[i]):,} characters, robust z {z[i]:+.1f} (typical {int(p25):,}-{int(p75):,})")
        for i in np.flatnonzero((np.abs(z) > z_max) & far)
    ]
    return out, {**info, "flagged": len(out)}


def rare_class_members(
    ds: Dataset, rows: Sequence[int], max_share: float
) -> tuple[list[tuple[int, str]], dict[str, Any]]:
    """Members of labels that hold less than ``max_share`` of the labelled rows."""
    counts: Counter[str] = Counter(label for r in rows for label in ds.labels_of(r))
    labelled = sum(1 for r in rows if ds.labels_of(r))
    if len(counts) < 2 or labelled == 0:
        return [], {"test": "no labels" if not counts else "a single label"}
    rare = {label: n for label, n in counts.items() if n / labelled < max_share}
    out = []
    for r in rows:
        hit = [label for label in ds.labels_of(r) if label in rare]
        if hit:
            out.append((r, f"rare class: {hit[0]!r} ({rare[hit[0]]:,} of {labelled:,}, {rare[hit[0]] / labelled:.1%})"))
    return out, {"test": f"label share < {max_share:.0%}", "rare_labels": rare, "flagged": len(out)}


def isolated_inputs(
    ds: Dataset, rows: Sequence[int], fence_iqr: float, *, min_distance: float = 0.7
) -> tuple[list[tuple[int, str]], dict[str, Any]]:
    """Inputs far from every other input: cosine distance in TF-IDF space to the nearest
    neighbour above Q3 + ``fence_iqr`` x IQR of all such distances (and at least
    ``min_distance``, so a set of near-copies does not call slight variants isolated)."""
    import numpy as np

    texts = [ds.input[r] or ds.example_text(r) for r in rows]
    distances = nearest_neighbour_distances(texts)
    if distances is None:
        return [], {"test": "skipped: fewer than 3 inputs with words"}
    q1, q3 = np.percentile(distances, [25, 75])
    fence = max(min_distance, float(q3 + fence_iqr * (q3 - q1)))
    out = [
        (
            rows[i],
            (
                f"isolated: nearest other input has cosine similarity {1 - distances[i]:.2f} "
                f"(typical {1 - q3:.2f}-{1 - q1:.2f})"
            ),
        )
        for i in np.flatnonzero(distances > fence)
    ]
    info = {
        "test": f"TF-IDF nearest-neighbour distance > {fence:.2f} (Q3 + {fence_iqr:g} x IQR, at least {min_distance:g})",
        "median_similarity": round(float(1 - np.median(distances)), 3),
        "flagged": len(out),
    }
    return out, info


def nearest_neighbour_distances(texts: Sequence[str], chunk: int = 512) -> np.ndarray | None:
    """Cosine distance from each text to its nearest other text (word TF-IDF, sublinear tf).
    Brute force over row chunks: n x n similarities, never held at once."""
    import numpy as np

    from dqlint.analysis.features import tfidf_vectorizer

    # English stop words say nothing about neighbours but make the similarity matrix dense,
    # which is what costs time. (Words in most inputs stay: in a homogeneous set they are
    # what the typical rows share.)
    vectorizer = tfidf_vectorizer(max_features=200_000, stop_words="english")
    try:
        x = vectorizer.fit_transform(texts)
    except ValueError:  # empty vocabulary: no words at all
        return None
    if x.shape[0] < 3:
        return None
    xt = x.T.tocsr()
    best = np.zeros(x.shape[0], dtype=np.float32)
    for start in range(0, x.shape[0], chunk):
        sims = (x[start : start + chunk] @ xt).toarray()
        idx = np.arange(sims.shape[0])
        sims[idx, start + idx] = -1.0  # not its own neighbour
        best[start : start + chunk] = sims.max(axis=1)
    return 1.0 - np.clip(best, 0.0, 1.0)


def _findings(ds: Dataset, estimate: EdgeCaseEstimate, limit: int) -> list[Finding]:
    from dqlint.analysis.sensitive import mask_text

    # Rows with the most reasons first: they are the clearest edge cases.
    ordered = sorted(estimate.flagged.items(), key=lambda item: (-len(item[1]), item[0]))
    return [
        Finding(
            ("edge case: " if estimate.method == "estimated" else "") + "; ".join(reasons),
            [ds.location(row)],
            snippet=flat(mask_text(ds.example_text(row)[:1000]), 160),
            details={"reasons": [r.split(":")[0] for r in reasons], "label": ds.label[row]},
        )
        for row, reasons in ordered[: limit or None]
    ]


def _sample_note(estimate: EdgeCaseEstimate) -> str:
    return "; estimated on a random sample" if estimate.details.get("sampled") else ""
