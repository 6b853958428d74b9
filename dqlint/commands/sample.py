"""``dqlint sample``: draw a seeded, stratified review sample (plus model suspects) and write the
review sheet a person fills in.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import TYPE_CHECKING, Any

from dqlint.analysis.statistics import expected_margin, sample_size, stratified_sample
from dqlint.data.dataset import Dataset
from dqlint.data.labels import label_text
from dqlint.data.outputs import refuse_unsafe_output
from dqlint.errors import InputError, UsageError
from dqlint.toolkit.review_sheet import DEFAULT_ROWS, sheet_frame, write_sheet

if TYPE_CHECKING:
    import pandas as pd

__all__ = ['sample']


def _as_dataset(data: Any, fields: Any = None) -> Dataset:
    if isinstance(data, Dataset):
        return data
    from dqlint.api import as_specs
    from dqlint.data.ingest import load_inputs

    return load_inputs(as_specs(data), fields=fields)


def _input_specs(data: Any) -> list[Any]:
    """The path inputs a sample was drawn from (folders stay folders: nothing goes inside)."""
    if isinstance(data, Dataset):
        return []
    from dqlint.api import as_specs

    return [s for s in as_specs(data) if isinstance(s.source, (str, os.PathLike))]


def sample(
    data_or_dataset: Any,
    n: int | None = None,
    margin: float | None = None,
    seed: int = 0,
    suspects: bool = False,
    output: str | os.PathLike | None = None,
    force: bool = False,
    *,
    confidence: float = 0.95,
    expected_accuracy: float = 0.95,
    max_suspects: int | None = None,
    fields: Any = None,
) -> pd.DataFrame:
    """Draw a seeded random sample stratified by label and return it as a review sheet.

    ``data_or_dataset``: a path (or list of paths), a DataFrame, a list of dicts, a
    ``datasets.Dataset`` or a loaded :class:`~dqlint.data.dataset.Dataset`. Give ``n`` rows, or a
    ``margin`` of error to size the sample (at ``confidence``, assuming an accuracy near
    ``expected_accuracy``); the default is 200 rows. ``suspects=True`` runs the model-based
    checks, fills ``suggested_label`` and lists the suspects first in a ``model-suspect``
    section (at most ``max_suspects``, default as many as the sample) that the estimate ignores.
    With ``output`` the sheet is also written (.csv or .jsonl), never over an existing file
    unless ``force``. ``fields`` (a :class:`~dqlint.data.fields.FieldMap`) must match the one
    ``dqlint check`` uses, or the row hashes will not match. ``frame.attrs["summary"]``
    describes the draw.
    """
    if n is not None and margin is not None:
        raise UsageError("give a number of rows (-n) or a margin of error (--margin), not both")
    if n is not None and n < 1:
        raise UsageError(f"-n must be at least 1, got {n}")
    if output is not None:
        output = os.fspath(output)
        if os.path.splitext(output)[1].lower() not in (".csv", ".jsonl", ".ndjson"):
            raise UsageError(f"{output}: review sheet must end in .csv or .jsonl")
        if os.path.exists(output) and not force:
            raise UsageError(f"{output}: file exists; use --force to replace it")
    ds = _as_dataset(data_or_dataset, fields)
    if output is not None:
        named = [os.fspath(s.source) for s in _input_specs(data_or_dataset)]
        refuse_unsafe_output(output, [*named, *(f.path for f in ds.files)], force=True, what="review sheet")
    population = len(ds)
    if population == 0:
        raise InputError("no records to sample: the input holds no usable rows")
    if margin is not None:
        n = sample_size(margin, population, confidence=confidence, expected=expected_accuracy)
    n = min(n or DEFAULT_ROWS, population)
    strata = [label_text(lab) for lab in ds.label]
    rows = stratified_sample(strata, n, seed)

    suspect_list: list[Any] = []
    suggestions: dict[int, tuple[str | None, float]] = {}
    suspect_summary: dict[str, Any] | None = None
    if suspects:
        from dqlint.toolkit.label_suspects import find_label_suspects

        found = find_label_suspects(ds, seed=seed)
        suspect_summary = found.summary()
        suggestions = {s.row: (s.suggested, s.score) for s in found.suspects}
        in_sample = set(rows)
        limit = max_suspects if max_suspects is not None else n
        suspect_list = [s for s in found.suspects if s.row not in in_sample][:limit]

    frame = sheet_frame(ds, rows, suspect_list, suggestions)
    low, high = expected_margin(n, confidence, expected_accuracy, population)
    frame.attrs["summary"] = {
        "population": population,
        "random_rows": len(rows),
        "suspect_rows": len(suspect_list),
        "seed": seed,
        "strata": dict(sorted(Counter(strata[r] for r in rows).items())),
        "margin": round(max(low, high), 4),
        "confidence": confidence,
        "expected_accuracy": expected_accuracy,
        "suspects": suspect_summary,
    }
    if output is not None:
        write_sheet(frame, output, force=force)
    return frame
