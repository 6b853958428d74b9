"""Inline SVG charts drawn from the chart specifications rules put in their details (see
:mod:`dqlint.report.charts`): bars, histograms and bands, with no script and no external file.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from dqlint.reporters.html.values import esc, finite, fmt, pct
from dqlint.text import clip as _clip

# Per chart: categories drawn in a bar chart.
BAR_CATEGORIES = 40


def legend(names: Sequence[str]) -> str:
    if len(names) < 2:
        return ""
    items = "".join(f'<span><i class="sw s{i % 6}"></i>{esc(n)}</span>' for i, n in enumerate(names))
    return f'<div class="legend">{items}</div>'


def bar_svg(spec: Mapping[str, Any]) -> str:
    """Horizontal grouped bars, one row per category: long label names stay readable."""
    categories = [str(c) for c in spec["categories"]]
    series = {str(k): [finite(v) for v in vals] for k, vals in (spec.get("series") or {}).items()}
    highlight = {str(h) for h in spec.get("highlight") or []}
    unit = str(spec.get("unit") or "")
    shown = categories[:BAR_CATEGORIES]
    names = list(series)
    peak = max((v for vals in series.values() for v in vals[: len(shown)]), default=0.0) or 1.0
    bar_h, gap = 12, 8
    row_h = max(1, len(names)) * bar_h + gap
    label_w, plot_w, value_w = 150, 300, 70
    width = label_w + plot_w + value_w
    height = len(shown) * row_h + 6
    parts = [_svg_open(width, height, spec.get("title"))]
    for ci, cat in enumerate(shown):
        y0 = 3 + ci * row_h
        cls = "hl" if cat in highlight else ""
        parts.append(
            f'<text class="lbl {cls}" x="{label_w - 6}" y="{y0 + row_h / 2:.1f}" text-anchor="end" '
            f'dominant-baseline="middle">{esc(_clip(cat, 22))}<title>{esc(cat)}</title></text>'
        )
        for si, name in enumerate(names):
            vals = series[name]
            v = vals[ci] if ci < len(vals) else 0.0
            w = max(0.0, v) / peak * plot_w
            y = y0 + si * bar_h
            parts.append(
                f'<rect class="s{si % 6} {cls}" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" rx="2">'
                f"<title>{esc(cat)} · {esc(name)}: {esc(fmt(v))}{esc(unit)}</title></rect>"
                f'<text class="val" x="{label_w + w + 4:.1f}" y="{y + (bar_h - 2) / 2:.1f}" '
                f'dominant-baseline="middle">{esc(fmt(v))}{esc(unit)}</text>'
            )
    parts.append("</svg>")
    more = len(categories) - len(shown)
    note = f'<p class="muted small">and {more} more categories (see the JSON report)</p>' if more > 0 else ""
    hl_note = (
        '<p class="muted small"><span class="hl-key">■</span> highlighted: flagged by the rule</p>'
        if highlight & set(shown)
        else ""
    )
    return legend(names) + "".join(parts) + note + hl_note


def histogram_svg(spec: Mapping[str, Any]) -> str:
    """Bins drawn equally wide (edges may be logarithmic); series overlaid, marker interpolated."""
    edges = [finite(e) for e in spec["edges"]]
    series = {str(k): [finite(v) for v in vals] for k, vals in (spec.get("series") or {}).items()}
    unit = str(spec.get("unit") or "")
    bins = max(1, len(edges) - 1)
    names = list(series)
    peak = max((v for vals in series.values() for v in vals), default=0.0) or 1.0
    left, right, top, bottom = 44, 26, 18, 34
    plot_w, plot_h = 420, 150
    width, height = left + plot_w + right, top + plot_h + bottom
    bin_w = plot_w / bins
    parts = [_svg_open(width, height, spec.get("title"))]
    # y axis: zero and peak
    parts.append(f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}"/>')
    parts.append(f'<text class="tick" x="{left - 4}" y="{top + 4}" text-anchor="end">{esc(fmt(peak))}</text>')
    parts.append(f'<text class="tick" x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>')
    inner = bin_w / max(1, len(names))
    for si, name in enumerate(names):
        for b, count in enumerate(series[name][:bins]):
            if count <= 0:
                continue
            h = count / peak * plot_h
            x = left + b * bin_w + si * inner
            lo, hi = edges[b], edges[min(b + 1, len(edges) - 1)]
            parts.append(
                f'<rect class="s{si % 6}" x="{x + 0.5:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{max(inner - 1, 0.5):.1f}" height="{h:.1f}">'
                f"<title>{esc(name)}: {esc(fmt(count))} in [{esc(fmt(lo))}, {esc(fmt(hi))})"
                f"{esc(unit)}</title></rect>"
            )
    # x axis: a handful of edge values
    step = max(1, math.ceil(bins / 6))
    for b in list(range(0, bins + 1, step)) + ([bins] if bins % step else []):
        x = left + b * bin_w
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
            f"{esc(fmt(edges[min(b, len(edges) - 1)]))}</text>"
        )
    if unit:
        parts.append(
            f'<text class="tick" x="{left + plot_w}" y="{height - 3}" text-anchor="end">{esc(unit)}</text>'
        )
    marker = spec.get("marker")
    if isinstance(marker, Mapping):
        mx = left + _position_in_edges(finite(marker.get("value")), edges) * plot_w
        value_text = fmt(finite(marker.get("value")))
        label = str(marker.get("label") or "")
        # Say the value unless the label already does ("gpt-4o-mini limit 65,536").
        label = label if value_text in label else f"{label} ({value_text})".strip()
        parts.append(
            f'<line class="marker" x1="{mx:.1f}" y1="{top - 4}" x2="{mx:.1f}" y2="{top + plot_h}"/>'
            f'<text class="marker-lbl" x="{mx - 3:.1f}" y="{top - 7}" text-anchor="end">'
            f"{esc(_clip(label, 60))}</text>"
        )
    parts.append("</svg>")
    return legend(names) + "".join(parts)


def _position_in_edges(value: float, edges: Sequence[float]) -> float:
    """Where ``value`` falls on an axis of equally wide bins, as a fraction 0..1."""
    bins = len(edges) - 1
    if bins < 1 or value <= edges[0]:
        return 0.0
    for b in range(bins):
        lo, hi = edges[b], edges[b + 1]
        if value <= hi:
            within = (value - lo) / (hi - lo) if hi > lo else 0.0
            return (b + within) / bins
    return 1.0


def band_svg(spec: Mapping[str, Any]) -> str:
    value, low, high = finite(spec["value"]), finite(spec["low"]), finite(spec["high"])
    # Values within 0..1 are shares, shown as percentages on a track zoomed to the data
    # (a 10-20 % band on a 0-100 % track would be a sliver).
    share = all(0.0 <= v <= 1.0 for v in (value, low, high))
    show = pct if share else fmt
    top_of_scale = (min(1.0, max(value, high) * 1.6) if share else max(value, high) * 1.25) or 1.0
    left, plot_w, width, height = 12, 420, 444, 74

    def x(v: float) -> float:
        return left + min(max(v / top_of_scale, 0.0), 1.0) * plot_w

    inside = low <= value <= high
    parts = [
        _svg_open(width, height, spec.get("title")),
        f'<rect class="track" x="{left}" y="30" width="{plot_w}" height="14" rx="7"/>',
        f'<rect class="band" x="{x(low):.1f}" y="30" width="{max(x(high) - x(low), 1):.1f}" height="14"/>',
        f'<text class="tick" x="{x(low):.1f}" y="60" text-anchor="middle">{esc(show(low))}</text>',
        f'<text class="tick" x="{x(high):.1f}" y="60" text-anchor="middle">{esc(show(high))}</text>',
        f'<text class="tick" x="{left}" y="72" text-anchor="start">0</text>',
        f'<text class="tick" x="{left + plot_w}" y="72" text-anchor="end">{esc(show(top_of_scale))}</text>',
        f'<circle class="dot {"in" if inside else "out"}" cx="{x(value):.1f}" cy="37" r="7"/>',
        f'<text class="val strong" x="{x(value):.1f}" y="20" text-anchor="middle">{esc(show(value))}</text>',
        "</svg>",
    ]
    verdict = "inside" if inside else "outside"
    return "".join(parts) + (
        f'<p class="muted small">{esc(show(value))} is {verdict} the allowed band '
        f"{esc(show(low))} – {esc(show(high))}.</p>"
    )


def _svg_open(width: float, height: float, title: Any) -> str:
    return (
        f'<svg class="plot" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'role="img" aria-label="{esc(title or "chart")}" xmlns="http://www.w3.org/2000/svg">'
    )
