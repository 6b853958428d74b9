"""What the duplicate and leakage rules compare, over the canonical view: the compared text of a row,
its normalised column shared per run, the starts and ends most rows share (left out of
comparison), and the run's similarity index (built once, shared).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dqlint.analysis.groups import unique_ids
from dqlint.analysis.minhash import Candidates, SimilarityIndex, find_candidates
from dqlint.analysis.normalize import normalize_texts

if TYPE_CHECKING:
    from dqlint.analysis.affixes import SharedAffix, SharedLines
    from dqlint.data.dataset import Dataset
    from dqlint.engine.rule import CheckContext

__all__ = ['COMPARED_FIELDS', 'compared_texts', 'Normalization', 'compared_text', 'normalized_column', 'unique_column', 'dataset_index', 'mixed_groups', 'compared_column', 'shared_affixes_of', 'shared_lines_of']


COMPARED_FIELDS = ("example", "input", "output")


def compared_texts(dataset: Dataset, what: str) -> list[str]:
    """The text of each row that is compared: the whole example (input and output, without
    the system prompt every row shares), the input alone or the output alone."""
    if what == "input":
        return dataset.input
    if what == "output":
        return dataset.output
    if what != "example":
        raise ValueError(f"unknown text to compare {what!r} (one of {', '.join(COMPARED_FIELDS)})")
    return [i + ("\n" + o if o else "") for i, o in zip(dataset.input, dataset.output)]


@dataclass(frozen=True)
class Normalization:
    """Which normalisation steps run before texts are compared."""

    nfkc: bool = True
    casefold: bool = True
    whitespace: bool = True
    punctuation: bool = True

    def apply(self, texts: Iterable[str]) -> list[str]:
        return normalize_texts(
            texts, nfkc=self.nfkc, casefold=self.casefold, whitespace=self.whitespace, punctuation=self.punctuation
        )


def compared_text(dataset: Dataset, what: str, row: int) -> str:
    """The compared text of one row (for reports; avoids building a whole column)."""
    if what == "input":
        return dataset.input[row]
    if what == "output":
        return dataset.output[row]
    return dataset.example_text(row)


def normalized_column(ctx: CheckContext, what: str, norm: Normalization) -> list[str]:
    """The normalised compared text of every row, computed once per run.

    The normalised example is the normalised input and output joined (by one space, or a
    newline when whitespace is kept), so each character is normalised once per run."""
    if what == "example":

        def join() -> list[str]:
            # Outputs are normalised slice by slice and not kept: memory for one column less.
            inputs = normalized_column(ctx, "input", norm)
            outputs = ctx.dataset.output
            sep = " " if norm.whitespace else "\n"
            joined: list[str] = []
            step = 1 << 16
            for start in range(0, len(inputs), step):
                done = norm.apply(outputs[start : start + step])
                joined += [i + sep + o if i and o else i or o for i, o in zip(inputs[start : start + step], done)]
            return joined

        return ctx.shared(("similarity.normalized", what, norm), join)
    return ctx.shared(("similarity.normalized", what, norm), lambda: norm.apply(compared_texts(ctx.dataset, what)))


def unique_column(ctx: CheckContext, what: str, norm: Normalization) -> tuple[list[int], list[int]]:
    """Unique ids of the normalised compared texts (row -> id, id -> first row), once per run."""
    return ctx.shared(("similarity.unique", what, norm), lambda: unique_ids(normalized_column(ctx, what, norm)))


def shared_lines_of(ctx: CheckContext, what: str) -> SharedLines | None:
    """Lines that a large share of the compared texts contain anywhere (the body of a form
    letter between a varying greeting and signature), once per run."""
    from dqlint.analysis.affixes import shared_lines

    return ctx.shared(("similarity.lines", what), lambda: shared_lines(compared_texts(ctx.dataset, what)))


def _without_shared_lines(ctx: CheckContext, what: str, norm: Normalization) -> list[str]:
    """The normalised compared texts, the rows with shared lines normalised again without them."""
    from dqlint.analysis.affixes import without_lines

    def build() -> list[str]:
        texts = normalized_column(ctx, what, norm)
        found = shared_lines_of(ctx, what)
        if found is None:
            return texts
        raw = compared_texts(ctx.dataset, what)
        lines = frozenset(found.lines)
        rows = list(found.rows)
        out = list(texts)
        for r, text in zip(rows, norm.apply(without_lines(raw[r], lines) for r in rows)):
            if text:  # a row that is nothing but the shared lines keeps them, so its copies still match
                out[r] = text
        return out

    return ctx.shared(("similarity.without-lines", what, norm), build)


def shared_affixes_of(ctx: CheckContext, what: str, norm: Normalization) -> list[SharedAffix]:
    """Starts and ends that a large share of the normalised compared texts share (a tool
    preamble, a system prompt inlined in the instruction, a templated answer), once per run."""
    from dqlint.analysis.affixes import shared_affixes

    return ctx.shared(("similarity.affixes", what, norm), lambda: shared_affixes(_without_shared_lines(ctx, what, norm)))


def compared_column(ctx: CheckContext, what: str, norm: Normalization) -> list[str]:
    """The normalised compared texts without the lines, starts and ends most rows share, once
    per run: what differs between rows decides whether they are duplicates, not the template."""
    from dqlint.analysis.affixes import without_affixes

    def build() -> list[str]:
        texts = _without_shared_lines(ctx, what, norm)
        affixes = shared_affixes_of(ctx, what, norm)
        return without_affixes(texts, affixes) if affixes else texts

    return ctx.shared(("similarity.compared", what, norm), build)


def dataset_index(
    ctx: CheckContext,
    what: str,
    norm: Normalization,
    *,
    threshold: float = 90.0,
    near: bool = True,
    scorer: str = "ratio+token-sort",
) -> SimilarityIndex:
    """The similarity index over every row's compared text (all splits; shared starts and ends
    cut off), computed once per run for each setting, so near-duplicates, train-test-leakage
    and label-accuracy share it."""
    return _candidates(ctx, what, norm, threshold, near, scorer).index()


def dataset_candidates(
    ctx: CheckContext,
    what: str,
    norm: Normalization,
    *,
    threshold: float = 90.0,
    near: bool = True,
    scorer: str = "ratio+token-sort",
) -> Candidates:
    """The run's candidate pairs behind ``dataset_index`` (same setting, same object), for a
    rule that needs only some texts' verified pairs (``Candidates.neighbours_of``): what it
    verifies is kept, and a full index asked for later reuses it."""
    return _candidates(ctx, what, norm, threshold, near, scorer)


def mixed_groups(
    ctx: CheckContext,
    what: str,
    norm: Normalization,
    key_of: dict[int, str],
    *,
    threshold: float = 90.0,
    near: bool = True,
    scorer: str = "ratio+token-sort",
    min_score: float = 90.0,
) -> list[list[int]]:
    """Rows of each group of identical or near-same compared texts (the run's index at
    ``threshold``; near pairs scoring at least ``min_score``, joined) whose rows in ``key_of``
    carry more than one key: label conflicts. Groups of several texts first (by first row),
    then copies of one text. Shares the index's candidates and scores with the other rules of
    the run; when the index is not built, only pairs that can start or join such a group are
    verified (``Candidates.mixed_components``)."""
    found = _candidates(ctx, what, norm, threshold, near, scorer)
    keys: list[set[str]] = [set() for _ in found.rep]
    for row, key in key_of.items():
        uid = found.unique_of[row]
        if uid >= 0:
            keys[uid].add(key)
    members = found.members()
    return [sorted(r for u in uids for r in members[u]) for uids in found.mixed_components([frozenset(k) for k in keys], min_score)]


def _candidates(ctx: CheckContext, what: str, norm: Normalization, threshold: float, near: bool, scorer: str) -> Candidates:
    """The index's candidate pairs for one setting, once per run; scored and verified as asked."""

    def find() -> Candidates:
        ctx.progress(f"indexing {len(ctx.dataset):,} {what} texts for similarity")
        texts = compared_column(ctx, what, norm)
        unique = ctx.shared(("similarity.unique.compared", what, norm), lambda: unique_ids(texts))
        return find_candidates(texts, threshold=threshold, near=near, scorer=scorer, unique=unique, jobs=ctx.jobs)

    return ctx.shared(("similarity.index", what, norm, float(threshold), near, scorer), find)
