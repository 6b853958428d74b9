"""Model-based label suspects: rows whose label looks wrong, without any human review.

Two signals, both cheap and both explainable:

1. *Conflicting labels* — the same or nearly the same input carries different labels
   (``dqlint.toolkit.similarity``: normalised exact groups plus verified near pairs). Where one label
   holds the majority of a group, the others are suspects and the majority is suggested.
2. *Confident learning* (Northcutt et al., 2021) — :mod:`dqlint.analysis.label_noise`:
   out-of-fold probabilities of a word view and (within a character budget) a character view (TF-IDF + logistic
   regression each, k-fold cross-validation on a bounded sample), combined by geometric mean,
   go to ``cleanlab.filter.find_label_issues``. Rows the ensemble confidently puts in another
   class than their label are suspects; the class it prefers is suggested. The confident joint
   also gives an estimate of the share of wrong labels, with a bootstrap interval.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dqlint.data.dataset import Dataset

__all__ = ["ConflictGroup", "Suspect", "SuspectResult", "classifier_texts", "find_label_suspects"]

CONFIDENT_LEARNING = "confident-learning"
CONFLICTING_LABELS = "conflicting-labels"
# The classifier reads at most this much of each text (long documents cost time, add little):
# the first 3/4 and the last 1/4, as reviews and tickets often end with the verdict.
MAX_TEXT_CHARS = 4000
FEATURES = ("word+char+embedding", "word+char", "word")
FILTERS = ("both", "prune_by_noise_rate", "prune_by_class", "confident_learning")


@dataclass
class Suspect:
    """A row whose label looks wrong. ``score`` is in [0, 1]; higher means more likely wrong
    (for confident learning: 1 - the out-of-fold probability of the given label)."""

    row: int
    kind: str
    given: str
    suggested: str | None
    score: float
    given_probability: float | None = None


@dataclass
class ConflictGroup:
    """Rows with the same or nearly the same input but different labels."""

    rows: list[int]
    labels: list[str]  # one per row
    majority: str | None  # the label more than half the group holds (or the model prefers), if any
    resolved_by: str = "vote"  # "vote", or "model" when a tie was broken by the classifier


@dataclass
class SuspectResult:
    suspects: list[Suspect] = field(default_factory=list)  # one per row, most suspicious first
    conflicts: list[ConflictGroup] = field(default_factory=list)
    noise_rate: float | None = None  # estimated share of wrong labels (confident learning)
    noise_interval: tuple[float, float] | None = None  # 95 % bootstrap interval of noise_rate
    method: dict[str, Any] = field(default_factory=dict)
    model_skipped: str | None = None  # why confident learning did not run

    def summary(self) -> dict[str, Any]:
        kinds = Counter(s.kind for s in self.suspects)
        return {
            "suspects": len(self.suspects),
            "by_kind": dict(kinds),
            "conflict_groups": len(self.conflicts),
            "estimated_noise_rate": self.noise_rate,
            "estimated_noise_interval": list(self.noise_interval) if self.noise_interval else None,
            "model_skipped": self.model_skipped,
            "method": self.method,
        }


def classifier_texts(ds: Dataset, rows: Sequence[int]) -> list[str]:
    """What the classifier reads: the input (the output is often the label itself in chat
    classification sets), or the whole example when there is no input."""
    out = []
    for r in rows:
        text = ds.input[r] or ds.example_text(r)
        if len(text) > MAX_TEXT_CHARS:
            text = text[: MAX_TEXT_CHARS - MAX_TEXT_CHARS // 4] + "\n" + text[-(MAX_TEXT_CHARS // 4):]
        out.append(text)
    return out


def find_label_suspects(
    ds: Dataset,
    *,
    folds: int = 5,
    max_training_rows: int = 20_000,
    seed: int = 0,
    conflict_similarity: float = 95.0,
    features: str = "word+char+embedding",
    filter_by: str = "prune_by_noise_rate",
    regularisation: float = 4.0,
    model: bool = True,
    conflict_groups: Callable[[dict[int, str]], list[list[int]]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> SuspectResult:
    """Conflicting labels and confident-learning suspects over every labelled row.

    ``conflict_groups`` gives, for the label of each labelled row, the groups of rows with the
    same or nearly the same input that hold more than one label (a run shares its similarity
    index between rules: ``dqlint.toolkit.similarity.mixed_groups``); without it the groups
    are found among the labelled rows."""
    from dqlint.data.labels import label_text

    say = progress or (lambda _msg: None)
    labelled = [r for r in range(len(ds)) if ds.label[r] is not None and ds.labels_of(r)]
    result = SuspectResult()
    if not labelled:
        result.model_skipped = "no labelled rows"
        return result
    texts = classifier_texts(ds, labelled)
    labels = [label_text(ds.label[r]) for r in labelled]

    say("label-accuracy: looking for conflicting labels")
    label_of = dict(zip(labelled, labels))
    groups = conflict_groups(label_of) if conflict_groups is not None else _text_groups(labelled, texts, conflict_similarity)
    result.conflicts = _conflicts(groups, label_of)

    single = [i for i, r in enumerate(labelled) if not isinstance(ds.label[r], tuple) or len(ds.label[r]) == 1]
    by_row: dict[int, Suspect] = {}
    if not model:
        result.model_skipped = "model-based suspects switched off"
    else:
        say("label-accuracy: cross-validating a text classifier")
        cl = _confident_learning(
            [labelled[i] for i in single], [texts[i] for i in single], [labels[i] for i in single],
            folds=folds, max_training_rows=max_training_rows, seed=seed, features=features,
            filter_by=filter_by, regularisation=regularisation, say=say,
        )
        result.method = cl.method
        result.model_skipped = cl.skipped
        result.noise_rate = cl.noise_rate
        result.noise_interval = cl.noise_interval
        _break_ties(result.conflicts, cl)
        by_row = {s.row: s for s in cl.suspects}
    for group in result.conflicts:
        for row, label in zip(group.rows, group.labels):
            if group.majority is not None and label == group.majority:
                continue
            share = group.labels.count(group.majority) / len(group.labels) if group.majority else 0.5
            if row in by_row:
                by_row[row].kind = f"{CONFIDENT_LEARNING}+{CONFLICTING_LABELS}"
                by_row[row].score = max(by_row[row].score, round(share, 4))
            else:
                by_row[row] = Suspect(row, CONFLICTING_LABELS, label, group.majority, round(share, 4))
    result.suspects = sorted(by_row.values(), key=lambda s: (-s.score, s.row))
    return result


def _text_groups(rows: list[int], texts: list[str], threshold: float) -> list[list[int]]:
    """Groups of rows (dataset row numbers) whose normalised texts are the same or near-same."""
    from dqlint.analysis.groups import connected_groups, exact_groups
    from dqlint.analysis.minhash import near_duplicate_pairs
    from dqlint.analysis.normalize import normalize_texts

    keys = normalize_texts(texts)
    if threshold >= 100:
        groups = exact_groups(keys)
    else:
        groups = connected_groups(len(keys), near_duplicate_pairs(keys, threshold=threshold))
    return [[rows[i] for i in g] for g in groups]


def _conflicts(groups: list[list[int]], label_of: dict[int, str]) -> list[ConflictGroup]:
    out = []
    for g in groups:
        rows = [r for r in g if r in label_of]
        group_labels = [label_of[r] for r in rows]
        counts = Counter(group_labels)
        if len(counts) < 2:
            continue
        top, top_n = counts.most_common(1)[0]
        out.append(ConflictGroup(rows, group_labels, top if top_n * 2 > len(rows) else None))
    return out


def _break_ties(conflicts: list[ConflictGroup], cl: _ConfidentLearning) -> None:
    """A group with no majority takes the label the classifier gives most probability to
    over the group's rows (out-of-fold, so the rows' own labels did not train it)."""
    if cl.probs is None:
        return
    for group in conflicts:
        if group.majority is not None:
            continue
        totals: Counter = Counter()
        for row in group.rows:
            pos = cl.position.get(row)
            if pos is None:
                continue
            for label in set(group.labels):
                k = cl.class_index.get(label)
                if k is not None:
                    totals[label] += float(cl.probs[pos, k])
        ranked = totals.most_common(2)
        if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            group.majority, group.resolved_by = ranked[0][0], "model"


@dataclass
class _ConfidentLearning:
    suspects: list[Suspect]
    noise_rate: float | None
    method: dict[str, Any]
    skipped: str | None
    probs: Any = None  # out-of-fold probabilities, one row per position
    position: dict[int, int] = field(default_factory=dict)  # dataset row -> row of probs
    class_index: dict[str, int] = field(default_factory=dict)
    noise_interval: tuple[float, float] | None = None


def _confident_learning(
    rows: list[int],
    texts: list[str],
    labels: list[str],
    *,
    folds: int,
    max_training_rows: int,
    seed: int,
    features: str,
    filter_by: str,
    regularisation: float,
    say: Callable[[str], None] = lambda _msg: None,
) -> _ConfidentLearning:
    """Suspects of :func:`dqlint.analysis.label_noise.find_label_noise`, in dataset rows."""
    from dqlint.analysis.label_noise import find_label_noise

    found = find_label_noise(
        texts, labels, folds=folds, seed=seed, max_training_rows=max_training_rows,
        views=tuple(features.split("+")), filter_by=filter_by, regularisation=regularisation, say=say,
    )
    if found.skipped:
        return _ConfidentLearning([], None, found.method, found.skipped)
    suspects = [Suspect(rows[s.index], CONFIDENT_LEARNING, s.given, s.suggested, s.score, s.given_probability) for s in found.suspects]
    position = {rows[k]: i for i, k in enumerate(found.scored.tolist())}
    return _ConfidentLearning(suspects, found.noise_rate, found.method, None, found.probabilities, position,
                              {c: k for k, c in enumerate(found.classes)}, found.noise_interval)
