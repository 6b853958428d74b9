"""Chart specifications a rule may put in ``RuleResult.details["charts"]``.

Reports draw these generically (the HTML report knows no rule by name): a rule describes
*what* to plot as plain JSON-ready data, the reporter decides *how*.

Kinds:
- ``bar``: categories with one or more named series (e.g. train vs reference share),
  optional ``highlight`` categories (e.g. starved classes).
- ``histogram``: shared bin ``edges`` with one count series per name (e.g. per split), and an
  optional vertical ``marker`` (e.g. the context limit).
- ``band``: one value against an allowed ``low``..``high`` band (e.g. edge-case share).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

__all__ = ["bar_chart", "histogram", "band_chart"]


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    highlight: Sequence[str] = (),
    unit: str = "",
) -> dict[str, Any]:
    return {
        "kind": "bar",
        "title": title,
        "categories": [str(c) for c in categories],
        "series": {name: [float(v) for v in values] for name, values in series.items()},
        "highlight": [str(h) for h in highlight],
        "unit": unit,
    }


def histogram(
    title: str,
    values: Mapping[str, Sequence[float]],
    *,
    bins: int = 30,
    marker: tuple[float, str] | None = None,
    log: bool = False,
    unit: str = "",
) -> dict[str, Any]:
    """Bin every named series on the same edges (computed over all values together)."""
    import numpy as np

    arrays = {name: np.asarray(v, dtype=float) for name, v in values.items() if len(v)}
    if not arrays:
        edges = [0.0, 1.0]
        counts: dict[str, list[int]] = {}
    else:
        everything = np.concatenate(list(arrays.values()))
        lo, hi = float(everything.min()), float(everything.max())
        if marker is not None:
            hi = max(hi, float(marker[0]))
        if hi <= lo:
            hi = lo + 1.0
        if log and lo > 0:
            edges_arr = np.geomspace(lo, hi, bins + 1)
        else:
            edges_arr = np.linspace(lo, hi, bins + 1)
        # Ten significant digits: the last bits of geomspace/linspace differ between NumPy
        # releases, and a report (a public contract, pinned by goldens) must not.
        edges = [float(f"{e:.10g}") for e in edges_arr]
        counts = {name: [int(c) for c in np.histogram(a, bins=edges_arr)[0]] for name, a in arrays.items()}
    spec: dict[str, Any] = {"kind": "histogram", "title": title, "edges": edges, "series": counts, "unit": unit}
    if marker is not None:
        spec["marker"] = {"value": float(marker[0]), "label": marker[1]}
    return spec


def band_chart(title: str, value: float, low: float, high: float) -> dict[str, Any]:
    return {"kind": "band", "title": title, "value": float(value), "low": float(low), "high": float(high)}
