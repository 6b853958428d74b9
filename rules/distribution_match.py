"""rules/distribution_match.py"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from dqlint.rule import CheckContext, Finding, Metric, Rule, RuleResult, option

if TYPE_CHECKING:
    from dqlint.data.dataset import Dataset


class DistributionMatch(Rule):
    """Does the training set look like production? (needs `--reference prod.jsonl`)

    ## What it does
    Compares the training split with a production sample given with `--reference`:
    - **labels**: Jensen-Shannon distance between the label shares (0 = same, 1 = disjoint),
      with the most over- and under-represented labels;
    - **lengths**: two-sample Kolmogorov-Smirnov statistic D on input lengths, and on output
      lengths when both sides have outputs (D is the largest gap between the two cumulative
      distributions; with large samples any tiny difference is "significant", so D, not the
      p-value, is judged);
    - **vocabulary / topics**: a domain classifier (logistic regression on TF-IDF, 5-fold
      cross-validated) trying to tell training inputs from production inputs: ROC AUC 0.5 means
      indistinguishable, 1.0 means two different worlds. Also reported: the cosine similarity
      of the two TF-IDF centroids and the terms most over- and under-represented in training;
    - **languages**: share of each language, from a cheap offline heuristic (Unicode script,
      then stop-word votes among English, Spanish, French, German, Italian, Portuguese and
      Dutch for Latin script). It is a heuristic: short or mixed texts can be misread.
    Inputs larger than `sample-size` are sampled (seeded). Skipped without a reference.

    ## Why it matters
    A model learns the distribution it is trained on. If production traffic asks about other
    topics, in other languages, at other lengths or with other label frequencies, the
    fine-tuned model is tuned for the wrong job, however clean the data is.

    ## Example
    Training tickets are 45 % `billing`, production 12 %; production is 30 % Spanish,
    training has none: `label JS distance 0.31 > 0.15 (over: billing +33 pts; under: shipping
    -21 pts)`, `language share gap 0.30 > 0.10 (es: 0% in training vs 30% in production)`.

    ## How to fix
    Sample training examples from production logs (stratified by label, language and
    topic), add examples for the under-represented labels, topics and languages, and drop or
    down-weight the over-represented ones.
    """

    id = "distribution-match"
    summary = "training set vs a production sample: labels, lengths, topics, languages"
    criterion = "distribution"

    @dataclass
    class Options:
        split: str = option("train", "split compared with the reference")
        max_label_js: float = option(0.15, "largest allowed Jensen-Shannon distance between label shares", min=0, max=1)
        max_length_ks: float = option(0.2, "largest allowed KS statistic D between length distributions", min=0, max=1)
        max_domain_auc: float = option(0.75, "largest allowed ROC AUC of a train-vs-production classifier", min=0.5, max=1)
        max_language_gap: float = option(0.10, "largest allowed difference in any language's share", min=0, max=1)
        sample_size: int = option(5000, "rows per side used for the TF-IDF comparisons, at most")
        top: int = option(5, "over- and under-represented labels and terms listed")
        seed: int = option(0, "random seed of samples and folds")

    def check(self, ctx: CheckContext, options: Options) -> RuleResult:
        from dqlint.report.charts import bar_chart, histogram

        if ctx.reference is None:
            return RuleResult.skipped("no production sample given (use --reference prod.jsonl)")
        ds, ref = ctx.dataset, ctx.reference
        train_rows, ref_rows = ds.rows(options.split), ref.rows()
        if not train_rows or not ref_rows:
            return RuleResult.skipped(
                f"nothing to compare: {len(train_rows)} {options.split} and {len(ref_rows)} reference examples"
            )
        ctx.progress("comparing with the production sample")
        measures: list[Measure] = []
        charts: list[dict[str, Any]] = []

        labels = label_shift(ds, train_rows, ref, ref_rows, options.top)
        if labels is not None:
            measures.append(Measure("label_js_distance", labels["js_distance"], options.max_label_js, labels))
            shown = sorted(set(labels["train_share"]) | set(labels["reference_share"]),
                           key=lambda k: -max(labels["train_share"].get(k, 0), labels["reference_share"].get(k, 0)))[:20]
            charts.append(bar_chart(
                "Label share: training vs production", shown,
                {"training": [100 * labels["train_share"].get(k, 0) for k in shown],
                 "production": [100 * labels["reference_share"].get(k, 0) for k in shown]},
                highlight=[d["label"] for d in labels["under"] + labels["over"]], unit="%",
            ))

        train_in = [len(ds.input[r]) for r in train_rows]
        ref_in = [len(ref.input[r]) for r in ref_rows]
        measures.append(Measure("input_length_ks", *_ks(train_in, ref_in, options.max_length_ks)))
        charts.append(histogram("Input length (characters)", {"training": train_in, "production": ref_in},
                                log=min(train_in + ref_in) > 0, unit="characters"))
        if ds.has_outputs and ref.has_outputs:
            train_out = [len(ds.output[r]) for r in train_rows]
            ref_out = [len(ref.output[r]) for r in ref_rows if ref.output[r]]
            if ref_out:
                measures.append(Measure("output_length_ks", *_ks(train_out, ref_out, options.max_length_ks)))

        train_texts = _sample_texts(ds, train_rows, options.sample_size, options.seed)
        ref_texts = _sample_texts(ref, ref_rows, options.sample_size, options.seed)
        vocab = vocabulary_shift(train_texts, ref_texts, options.top, options.seed)
        if vocab is not None:
            if vocab.get("domain_auc") is not None:
                measures.append(Measure("domain_classifier_auc", vocab["domain_auc"], options.max_domain_auc, vocab))
            else:
                measures.append(Measure("tfidf_centroid_similarity", vocab["centroid_similarity"], None, vocab))

        languages = language_shift(train_texts, ref_texts)
        measures.append(Measure("language_share_gap", languages["gap"], options.max_language_gap, languages))
        shown_langs = sorted(set(languages["train_share"]) | set(languages["reference_share"]))
        charts.append(bar_chart(
            "Language share (heuristic): training vs production", shown_langs,
            {"training": [100 * languages["train_share"].get(k, 0) for k in shown_langs],
             "production": [100 * languages["reference_share"].get(k, 0) for k in shown_langs]},
            unit="%",
        ))

        breached = [m for m in measures if m.breached]
        findings = [Finding(m.describe()) for m in breached]
        headline = next((m for m in measures if m.name == "domain_classifier_auc"), None) or measures[0]
        metric_of = breached[0] if breached else headline
        details = {
            "reference_examples": len(ref_rows),
            "compared_examples": len(train_rows),
            "measures": {m.name: {"value": m.value, "threshold": m.threshold, "breached": m.breached} for m in measures},
            "labels": labels,
            "vocabulary": vocab,
            "languages": languages,
            "charts": charts,
        }
        if breached:
            message = "training set differs from production: " + "; ".join(m.short() for m in breached)
        else:
            message = f"training set matches the production sample ({'; '.join(m.short() for m in measures)})"
        return RuleResult.judged(
            not breached,
            message,
            Metric(metric_of.name, round(metric_of.value, 4), metric_of.threshold),
            findings,
            details=details,
        )


@dataclass
class Measure:
    name: str
    value: float
    threshold: float | None
    info: dict[str, Any]

    @property
    def breached(self) -> bool:
        return self.threshold is not None and self.value > self.threshold

    def short(self) -> str:
        label = _DISPLAY.get(self.name, self.name.replace("_", " "))
        if self.threshold is None:
            return f"{label} {self.value:.2f}"
        return f"{label} {self.value:.2f} {'>' if self.breached else '<='} {self.threshold:g}"

    def describe(self) -> str:
        """The finding text: the number, and who is to blame for it."""
        info = self.info
        if self.name == "label_js_distance":
            return f"{self.short()} (over: {_moves(info['over'])}; under: {_moves(info['under'])})"
        if self.name.endswith("length_ks"):
            return (f"{self.short()}: median {info['train_median']:,.0f} characters in training vs "
                    f"{info['reference_median']:,.0f} in production")
        if self.name == "domain_classifier_auc":
            return (f"{self.short()}: training over-uses {', '.join(info['over_terms']) or '-'}; "
                    f"production talks about {', '.join(info['under_terms']) or '-'}")
        if self.name == "language_share_gap":
            lang = info["largest_gap_language"]
            return (f"{self.short()} ({lang}: {info['train_share'].get(lang, 0):.0%} in training vs "
                    f"{info['reference_share'].get(lang, 0):.0%} in production; heuristic detection)")
        return self.short()


_DISPLAY = {
    "label_js_distance": "label JS distance",
    "input_length_ks": "input length KS",
    "output_length_ks": "output length KS",
    "domain_classifier_auc": "domain classifier AUC",
    "tfidf_centroid_similarity": "TF-IDF centroid similarity",
    "language_share_gap": "language share gap",
}


def _moves(items: list[dict[str, Any]]) -> str:
    return ", ".join(f"{d['label']} {100 * d['difference']:+.0f} pts" for d in items) or "-"


# -- labels ----------------------------------------------------------------------------------


def label_shift(
    ds: Dataset, rows: Sequence[int], ref: Dataset, ref_rows: Sequence[int], top: int
) -> dict[str, Any] | None:
    """Label shares on both sides, their Jensen-Shannon distance (base 2, in 0..1) and the
    labels whose share moved most. None unless both sides are labelled."""
    import numpy as np
    from scipy.spatial.distance import jensenshannon

    train = Counter(label for r in rows for label in ds.labels_of(r))
    prod = Counter(label for r in ref_rows for label in ref.labels_of(r))
    if not train or not prod:
        return None
    keys = sorted(set(train) | set(prod))
    p = np.array([train[k] for k in keys], dtype=float)
    q = np.array([prod[k] for k in keys], dtype=float)
    p, q = p / p.sum(), q / q.sum()
    moves = sorted(
        ({"label": k, "train": float(a), "reference": float(b), "difference": float(a - b)} for k, a, b in zip(keys, p, q)),
        key=lambda d: d["difference"],
    )
    return {
        "js_distance": float(jensenshannon(p, q, base=2)),
        "train_share": {k: float(v) for k, v in zip(keys, p)},
        "reference_share": {k: float(v) for k, v in zip(keys, q)},
        "over": [d for d in reversed(moves) if d["difference"] > 0][:top],
        "under": [d for d in moves if d["difference"] < 0][:top],
        "only_in_reference": [k for k in keys if train[k] == 0],
    }


# -- lengths ---------------------------------------------------------------------------------


def _ks(train: list[int], ref: list[int], threshold: float) -> tuple[float, float, dict[str, Any]]:
    import numpy as np
    from scipy.stats import ks_2samp

    result = ks_2samp(train, ref)
    info = {
        "statistic": float(result.statistic),
        "p_value": float(result.pvalue),
        "train_median": float(np.median(train)),
        "reference_median": float(np.median(ref)),
    }
    return float(result.statistic), threshold, info


# -- vocabulary and topics -------------------------------------------------------------------


def _sample_texts(ds: Dataset, rows: Sequence[int], size: int, seed: int) -> list[str]:
    import numpy as np

    chosen = list(rows)
    if len(chosen) > size:
        chosen = sorted(np.random.default_rng(seed).choice(chosen, size=size, replace=False).tolist())
    return [ds.input[r] or ds.example_text(r) for r in chosen]


def vocabulary_shift(train: list[str], ref: list[str], top: int, seed: int) -> dict[str, Any] | None:
    """TF-IDF centroid cosine similarity, a train-vs-production classifier's cross-validated
    ROC AUC (when both sides have at least 10 texts), and the terms that separate them."""
    import warnings

    import numpy as np

    from dqlint.analysis.features import min_document_frequency, tfidf_vectorizer

    # English stop words are left out so the listed terms are topics, not "the" and "what".
    vectorizer = tfidf_vectorizer(min_df=min_document_frequency(train + ref), stop_words="english", max_features=100_000)
    try:
        x = vectorizer.fit_transform(train + ref)
    except ValueError:  # no words at all
        return None
    n = len(train)
    c_train = np.asarray(x[:n].mean(axis=0)).ravel()
    c_ref = np.asarray(x[n:].mean(axis=0)).ravel()
    norm = float(np.linalg.norm(c_train) * np.linalg.norm(c_ref))
    terms = vectorizer.get_feature_names_out()
    gap = c_train - c_ref
    order = np.argsort(gap)
    info: dict[str, Any] = {
        # Six decimals: the float32 sums behind it differ in the last bits between BLAS builds.
        "centroid_similarity": round(float(c_train @ c_ref / norm), 6) if norm else 0.0,
        "over_terms": [str(terms[i]) for i in order[::-1][:top] if gap[i] > 0],
        "under_terms": [str(terms[i]) for i in order[:top] if gap[i] < 0],
        "domain_auc": None,
        "texts_compared": [len(train), len(ref)],
    }
    if min(len(train), len(ref)) >= 10:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        y = np.r_[np.zeros(len(train)), np.ones(len(ref))]
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            proba = cross_val_predict(
                LogisticRegression(max_iter=500, class_weight="balanced"), x, y, cv=folds, method="predict_proba"
            )[:, 1]
        info["domain_auc"] = float(roc_auc_score(y, proba))
    return info


# -- languages (heuristic) -------------------------------------------------------------------

# Script ranges checked in order; the script with the most letters names the text.
_SCRIPTS = (
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("cyrillic", re.compile(r"[\u0400-\u04ff]")),
    ("greek", re.compile(r"[\u0370-\u03ff]")),
    ("arabic", re.compile(r"[\u0600-\u06ff]")),
    ("hebrew", re.compile(r"[\u0590-\u05ff]")),
    ("devanagari", re.compile(r"[\u0900-\u097f]")),
    ("thai", re.compile(r"[\u0e00-\u0e7f]")),
    ("latin", re.compile(r"[A-Za-z\u00c0-\u024f]")),
)

# A few of the most frequent, fairly distinctive function words per language.
_STOPWORDS = {
    "en": "the and is are of to you that with for this what how my it not have can your was".split(),
    "es": "el los las que por para con una del mi cómo qué está pero muy también es y en".split(),
    "fr": "le les des est et une pour dans qui pas avec je vous mon ce du sur au".split(),
    "de": "der die das und ist nicht ein eine ich sie mit für auf zu den mein wie auch".split(),
    "it": "il gli che è per una non sono con della mi come ho anche questo nel".split(),
    "pt": "os que não uma para com do da em meu como você está também isso".split(),
    "nl": "het een en is van niet ik je dat met voor op zijn wat hoe mijn".split(),
}
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str) -> str:
    """A cheap guess: the dominant Unicode script, then (for Latin script) the language
    whose common words appear most. ``latin`` when no language wins, ``none`` without letters."""
    sample = text[:2000]
    counts = {name: len(pattern.findall(sample)) for name, pattern in _SCRIPTS}
    script = max(counts, key=counts.__getitem__)
    if counts[script] == 0:
        return "none"
    if script == "zh" and counts["ja"]:
        return "ja"
    if script != "latin":
        return script
    words = [w.lower() for w in _WORD.findall(sample)[:300]]
    votes = {lang: sum(1 for w in words if w in vocab) for lang, vocab in _STOPWORD_SETS.items()}
    best = max(votes, key=votes.__getitem__)
    return best if votes[best] >= 2 else "latin"


_STOPWORD_SETS = {lang: frozenset(words) for lang, words in _STOPWORDS.items()}


def language_shift(train: list[str], ref: list[str]) -> dict[str, Any]:
    """Language shares on both sides and the largest absolute gap between them."""
    t, r = Counter(map(detect_language, train)), Counter(map(detect_language, ref))
    t_share = {k: v / len(train) for k, v in t.items()} if train else {}
    r_share = {k: v / len(ref) for k, v in r.items()} if ref else {}
    gaps = {k: abs(t_share.get(k, 0.0) - r_share.get(k, 0.0)) for k in set(t_share) | set(r_share)}
    worst = max(gaps, key=gaps.__getitem__) if gaps else None
    return {
        "method": "heuristic: Unicode script, then stop-word votes (en, es, fr, de, it, pt, nl)",
        "train_share": t_share,
        "reference_share": r_share,
        "gap": gaps.get(worst, 0.0) if worst else 0.0,
        "largest_gap_language": worst,
    }


# -- distributed execution (--engine ray; docs/plugins.md) -------------------------------------------
# Fits a model (or aggregates the whole frame): on a distributed engine it runs on the driver over
# a bounded seeded sample of the rows (the whole set when it is small), and the report says so.
from dqlint.rule import RUNS_SAMPLE  # noqa: E402  (kept apart from check()'s imports)

DistributionMatch.scales = RUNS_SAMPLE
