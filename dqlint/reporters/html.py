"""A self-contained HTML report: the verdict, the readiness checklist, charts and every finding.

Built only from the report dictionary (the JSON contract), like every reporter. The page is
one file that works offline: no CDN, fonts, images or remote scripts; charts are inline SVG
drawn generically from each rule's ``details["charts"]`` (see :mod:`dqlint.report.charts`), so the
reporter knows no rule by name.

Everything that comes from the dataset is untrusted. All text goes through :func:`_esc`
(``html.escape`` with quotes), numbers through :func:`_num` (a real float or nothing), and the
small inline script only hides and shows elements: it never writes markup. A
Content-Security-Policy allows nothing remote and only our own inline script and style
(pinned by their SHA-256), so even a missed escape could not load or run anything.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import html
import math
import re
from typing import Any, Iterable, Mapping, Sequence

from dqlint.reporters import RenderOptions
from dqlint.text import clip as _clip

__all__ = ["render", "FINDINGS_PER_RULE"]

# Findings drawn per rule. The page stays light on 100k-row sets; the JSON carries them all.
FINDINGS_PER_RULE = 200
# Per finding: locations listed, texts shown side by side, characters of one text or snippet.
LOCATIONS_PER_FINDING = 12
TEXTS_PER_FINDING = 4
TEXT_CHARS = 1200
# Above this many findings on the page, the browser lays out only those near the viewport
# (CSS content-visibility): a 2,400-finding page loads in 0.7 s instead of 5-9 s.
LAZY_FINDINGS = 300
# Per chart: categories drawn in a bar chart.
BAR_CATEGORIES = 40

STATUS_ORDER = ("fail", "error", "warn", "pass", "skipped")
VERDICT_TITLES = {"go": "GO", "no-go": "NO-GO"}


def render(report: Mapping[str, Any], options: RenderOptions) -> str:
    # The page is for browsing, so it shows far more than a terminal would; a larger
    # max_findings (e.g. --verbose runs) raises the cap.
    cap = max(int(options.max_findings or 0), FINDINGS_PER_RULE)
    rules = [r for r in report.get("rules") or [] if isinstance(r, Mapping)]
    verdict = str(report.get("verdict") or "unknown")
    body = "\n".join(
        [
            _verdict_banner(report, verdict),
            _inputs_section(report),
            _checklist_section(rules),
            _charts_section(rules),
            _findings_section(rules, cap),
            _footer(report),
        ]
    )
    title = f"dqlint report: {_verdict_word(verdict)}"
    shown = sum(min(len(r.get("findings") or []), cap) for r in rules)
    return _page(title, body, lazy=shown > LAZY_FINDINGS)


# -- page shell ----------------------------------------------------------------------------


def _page(title: str, body: str, *, lazy: bool = False) -> str:
    main_tag = '<main class="lazy">' if lazy else "<main>"
    policy = (
        "default-src 'none'; "
        f"script-src {_csp_hash(_SCRIPT)}; "
        f"style-src {_csp_hash(_STYLE)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_esc(policy)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_esc(title)}</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n{main_tag}\n{body}\n</main>\n"
        f"<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


# -- verdict and inputs --------------------------------------------------------------------


def _verdict_word(verdict: str) -> str:
    return VERDICT_TITLES.get(verdict, "CANNOT JUDGE" if verdict in ("error", "unknown") else verdict.upper())


def _verdict_banner(report: Mapping[str, Any], verdict: str) -> str:
    summary = report.get("summary") if isinstance(report.get("summary"), Mapping) else {}
    word = _verdict_word(verdict)
    kind = {"go": "go", "no-go": "nogo"}.get(verdict, "unknown")
    counts = summary.get("rules") if isinstance(summary.get("rules"), Mapping) else {}
    splits = summary.get("splits") if isinstance(summary.get("splits"), Mapping) else {}
    by_split = ", ".join(f"{_esc(name)} {_esc(_fmt(n))}" for name, n in splits.items())
    examples = (
        f"<span><b>{_esc(_fmt(summary['examples']))}</b> examples"
        + (f' <span class="split-counts">({by_split})</span>' if by_split else "")
        + "</span>"
        if summary.get("examples") is not None
        else ""
    )
    pills = " ".join(
        f'<span class="pill {_status_class(s)}">{_esc(n)} {_esc(s)}</span>'
        for s, n in sorted(counts.items(), key=lambda kv: _status_rank(kv[0]))
        if n
    )
    stats = (
        f"<div class=\"stats\"><span><b>{_esc(_fmt(summary.get('records')))}</b> records</span>{examples}"
        f"<span><b>{_esc(_fmt(summary.get('findings')))}</b> findings</span>"
        f"<span>{pills}</span></div>"
    )
    return (
        f'<header class="verdict {kind}" id="verdict">\n'
        '<div class="brand">dqlint · fine-tuning readiness</div>\n'
        f'<div class="word">{_esc(word)}</div>\n'
        f'<p class="reason">{_esc(summary.get("reason") or "")}</p>\n{stats}\n</header>'
    )


def _inputs_section(report: Mapping[str, Any]) -> str:
    inputs = [i for i in report.get("inputs") or [] if isinstance(i, Mapping)]
    if not inputs:
        return ""
    rows = "".join(
        f"<tr><td class=\"mono\">{_esc(i.get('path'))}</td><td>{_esc(i.get('split'))}</td>"
        f"<td>{_esc(i.get('format'))}</td><td class=\"num\">{_esc(_fmt(i.get('records')))}</td></tr>"
        for i in inputs
    )
    return (
        '<section id="inputs"><h2>Inputs</h2>\n<table class="grid"><thead><tr><th>File</th>'
        '<th>Split</th><th>Format</th><th class="num">Records</th></tr></thead>\n'
        f"<tbody>{rows}</tbody></table></section>"
    )


def _footer(report: Mapping[str, Any]) -> str:
    return (
        f"<footer>dqlint {_esc(report.get('dqlint_version') or '')} · report schema "
        f"{_esc(report.get('schema_version'))} · the JSON report (<code>--format json</code>) "
        "carries every finding in full.</footer>"
    )


# -- readiness checklist -------------------------------------------------------------------


def _checklist_section(rules: Sequence[Mapping[str, Any]]) -> str:
    rows = "\n".join(_checklist_row(r) for r in rules)
    return (
        '<section id="checklist"><h2>Readiness checklist</h2>\n<div class="table-wrap"><table class="grid checklist">'
        "<thead><tr><th>Rule</th><th>Criterion</th><th>Severity</th><th>Status</th>"
        '<th>Metric vs threshold</th><th>Message</th>'
        f'<th class="num">Findings</th></tr></thead>\n<tbody>\n{rows}\n</tbody></table></div></section>'
    )


def _checklist_row(rule: Mapping[str, Any]) -> str:
    rule_id = str(rule.get("id") or "")
    status = str(rule.get("status") or "")
    metric = rule.get("metric") if isinstance(rule.get("metric"), Mapping) else {}
    findings = rule.get("findings") or []
    count = len(findings)
    link = (
        f'<a href="#{_anchor(rule_id)}">{_esc(count)}</a>' if count else '<span class="muted">0</span>'
    )
    return (
        f'<tr class="rule-row {_status_class(status)}" data-rule="{_esc(rule_id)}">'
        f'<td class="rule-id"><b>{_esc(rule_id)}</b>'
        f'<div class="muted small">{_esc(rule.get("summary") or "")}</div></td>'
        f"<td>{_esc(rule.get('criterion') or '')}</td>"
        f'<td><span class="sev {_status_class(rule.get("severity"))}">{_esc(rule.get("severity") or "")}</span></td>'
        f'<td><span class="pill {_status_class(status)}">{_esc(status)}</span></td>'
        f'<td class="metric">{_metric_cell(metric)}</td>'
        f"<td class=\"wrap\">{_esc(rule.get('message') or '')}</td>"
        f'<td class="num">{link}</td></tr>'
    )


def _metric_cell(metric: Mapping[str, Any]) -> str:
    if not metric:
        return '<span class="muted">—</span>'
    return (
        # <wbr> after underscores lets long snake_case names break where a reader expects.
        f'<div class="metric-name">{_esc(metric.get("name") or "").replace("_", "_<wbr>")}</div>'
        f'<span class="metric-value">{_esc(_fmt(metric.get("value")))}</span>'
        f' <span class="muted small">vs</span> {_esc(_fmt(metric.get("threshold")))}'
    )


# -- charts ----------------------------------------------------------------------------------


def _charts_section(rules: Sequence[Mapping[str, Any]]) -> str:
    cards = []
    for rule in rules:
        details = rule.get("details") if isinstance(rule.get("details"), Mapping) else {}
        for spec in details.get("charts") or []:
            if isinstance(spec, Mapping):
                cards.append(_chart_card(str(rule.get("id") or ""), spec))
    if not cards:
        return ""
    return '<section id="charts"><h2>Charts</h2>\n<div class="charts">\n' + "\n".join(cards) + "\n</div></section>"


def _chart_card(rule_id: str, spec: Mapping[str, Any]) -> str:
    drawers = {"bar": _bar_svg, "histogram": _histogram_svg, "band": _band_svg}
    drawer = drawers.get(str(spec.get("kind")))
    try:
        svg = drawer(spec) if drawer else '<p class="muted">Unknown chart kind.</p>'
    except (KeyError, TypeError, ValueError, IndexError, ZeroDivisionError):
        # A malformed chart must not cost the whole report.
        svg = '<p class="muted">This chart could not be drawn (malformed chart data).</p>'
    return (
        f'<figure class="card chart"><figcaption><span class="rule-tag">{_esc(rule_id)}</span> '
        f"{_esc(spec.get('title') or '')}</figcaption>\n{svg}</figure>"
    )


def _legend(names: Sequence[str]) -> str:
    if len(names) < 2:
        return ""
    items = "".join(f'<span><i class="sw s{i % 6}"></i>{_esc(n)}</span>' for i, n in enumerate(names))
    return f'<div class="legend">{items}</div>'


def _bar_svg(spec: Mapping[str, Any]) -> str:
    """Horizontal grouped bars, one row per category: long label names stay readable."""
    categories = [str(c) for c in spec["categories"]]
    series = {str(k): [_num(v) for v in vals] for k, vals in (spec.get("series") or {}).items()}
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
            f'dominant-baseline="middle">{_esc(_clip(cat, 22))}<title>{_esc(cat)}</title></text>'
        )
        for si, name in enumerate(names):
            vals = series[name]
            v = vals[ci] if ci < len(vals) else 0.0
            w = max(0.0, v) / peak * plot_w
            y = y0 + si * bar_h
            parts.append(
                f'<rect class="s{si % 6} {cls}" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" rx="2">'
                f"<title>{_esc(cat)} · {_esc(name)}: {_esc(_fmt(v))}{_esc(unit)}</title></rect>"
                f'<text class="val" x="{label_w + w + 4:.1f}" y="{y + (bar_h - 2) / 2:.1f}" '
                f'dominant-baseline="middle">{_esc(_fmt(v))}{_esc(unit)}</text>'
            )
    parts.append("</svg>")
    more = len(categories) - len(shown)
    note = f'<p class="muted small">and {more} more categories (see the JSON report)</p>' if more > 0 else ""
    hl_note = (
        '<p class="muted small"><span class="hl-key">■</span> highlighted: flagged by the rule</p>'
        if highlight & set(shown)
        else ""
    )
    return _legend(names) + "".join(parts) + note + hl_note


def _histogram_svg(spec: Mapping[str, Any]) -> str:
    """Bins drawn equally wide (edges may be logarithmic); series overlaid, marker interpolated."""
    edges = [_num(e) for e in spec["edges"]]
    series = {str(k): [_num(v) for v in vals] for k, vals in (spec.get("series") or {}).items()}
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
    parts.append(f'<text class="tick" x="{left - 4}" y="{top + 4}" text-anchor="end">{_esc(_fmt(peak))}</text>')
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
                f"<title>{_esc(name)}: {_esc(_fmt(count))} in [{_esc(_fmt(lo))}, {_esc(_fmt(hi))})"
                f"{_esc(unit)}</title></rect>"
            )
    # x axis: a handful of edge values
    step = max(1, math.ceil(bins / 6))
    for b in list(range(0, bins + 1, step)) + ([bins] if bins % step else []):
        x = left + b * bin_w
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
            f"{_esc(_fmt(edges[min(b, len(edges) - 1)]))}</text>"
        )
    if unit:
        parts.append(
            f'<text class="tick" x="{left + plot_w}" y="{height - 3}" text-anchor="end">{_esc(unit)}</text>'
        )
    marker = spec.get("marker")
    if isinstance(marker, Mapping):
        mx = left + _position_in_edges(_num(marker.get("value")), edges) * plot_w
        value_text = _fmt(_num(marker.get("value")))
        label = str(marker.get("label") or "")
        # Say the value unless the label already does ("gpt-4o-mini limit 65,536").
        label = label if value_text in label else f"{label} ({value_text})".strip()
        parts.append(
            f'<line class="marker" x1="{mx:.1f}" y1="{top - 4}" x2="{mx:.1f}" y2="{top + plot_h}"/>'
            f'<text class="marker-lbl" x="{mx - 3:.1f}" y="{top - 7}" text-anchor="end">'
            f"{_esc(_clip(label, 60))}</text>"
        )
    parts.append("</svg>")
    return _legend(names) + "".join(parts)


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


def _band_svg(spec: Mapping[str, Any]) -> str:
    value, low, high = _num(spec["value"]), _num(spec["low"]), _num(spec["high"])
    # Values within 0..1 are shares, shown as percentages on a track zoomed to the data
    # (a 10-20 % band on a 0-100 % track would be a sliver).
    share = all(0.0 <= v <= 1.0 for v in (value, low, high))
    fmt = _pct if share else _fmt
    top_of_scale = (min(1.0, max(value, high) * 1.6) if share else max(value, high) * 1.25) or 1.0
    left, plot_w, width, height = 12, 420, 444, 74

    def x(v: float) -> float:
        return left + min(max(v / top_of_scale, 0.0), 1.0) * plot_w

    inside = low <= value <= high
    parts = [
        _svg_open(width, height, spec.get("title")),
        f'<rect class="track" x="{left}" y="30" width="{plot_w}" height="14" rx="7"/>',
        f'<rect class="band" x="{x(low):.1f}" y="30" width="{max(x(high) - x(low), 1):.1f}" height="14"/>',
        f'<text class="tick" x="{x(low):.1f}" y="60" text-anchor="middle">{_esc(fmt(low))}</text>',
        f'<text class="tick" x="{x(high):.1f}" y="60" text-anchor="middle">{_esc(fmt(high))}</text>',
        f'<text class="tick" x="{left}" y="72" text-anchor="start">0</text>',
        f'<text class="tick" x="{left + plot_w}" y="72" text-anchor="end">{_esc(fmt(top_of_scale))}</text>',
        f'<circle class="dot {"in" if inside else "out"}" cx="{x(value):.1f}" cy="37" r="7"/>',
        f'<text class="val strong" x="{x(value):.1f}" y="20" text-anchor="middle">{_esc(fmt(value))}</text>',
        "</svg>",
    ]
    verdict = "inside" if inside else "outside"
    return "".join(parts) + (
        f'<p class="muted small">{_esc(fmt(value))} is {verdict} the allowed band '
        f"{_esc(fmt(low))} – {_esc(fmt(high))}.</p>"
    )


def _svg_open(width: float, height: float, title: Any) -> str:
    return (
        f'<svg class="plot" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'role="img" aria-label="{_esc(title or "chart")}" xmlns="http://www.w3.org/2000/svg">'
    )


# -- findings --------------------------------------------------------------------------------


def _findings_section(rules: Sequence[Mapping[str, Any]], cap: int) -> str:
    with_findings = [r for r in rules if r.get("findings")]
    if not with_findings:
        return '<section id="findings"><h2>Findings</h2><p class="muted">No findings.</p></section>'
    statuses = sorted({str(r.get("status") or "") for r in with_findings}, key=_status_rank)
    status_opts = "".join(f'<option value="{_esc(s)}">{_esc(s)}</option>' for s in statuses)
    rule_opts = "".join(f'<option value="{_esc(r.get("id"))}">{_esc(r.get("id"))}</option>' for r in with_findings)
    controls = (
        '<div class="controls" role="search">'
        '<input id="q" type="search" placeholder="Search findings: text, file, line…" '
        'aria-label="Search findings" autocomplete="off">'
        '<select id="f-status" aria-label="Filter by status">'
        f'<option value="">all statuses</option>{status_opts}</select>'
        f'<select id="f-rule" aria-label="Filter by rule"><option value="">all rules</option>{rule_opts}</select>'
        '<span id="f-count" class="muted small" aria-live="polite"></span></div>'
    )
    groups = "\n".join(_rule_findings(r, cap) for r in with_findings)
    return f'<section id="findings"><h2>Findings</h2>\n{controls}\n{groups}\n</section>'


def _rule_findings(rule: Mapping[str, Any], cap: int) -> str:
    rule_id = str(rule.get("id") or "")
    status = str(rule.get("status") or "")
    findings = [f for f in rule.get("findings") or [] if isinstance(f, Mapping)]
    shown = findings[:cap]
    items = "\n".join(_finding(rule_id, status, f) for f in shown)
    more = len(findings) - len(shown)
    note = (
        f'<p class="more">Showing the first {len(shown)} of {len(findings)} findings; {more} more '
        "are in the JSON report (<code>--format json</code>).</p>"
        if more > 0
        else ""
    )
    return (
        f'<section class="rule-findings" id="{_anchor(rule_id)}" data-rule="{_esc(rule_id)}" '
        f'data-status="{_esc(status)}">'
        f'<h3><span class="pill {_status_class(status)}">{_esc(status)}</span> {_esc(rule_id)} '
        f'<span class="muted small">{_esc(len(findings))} finding{"s" if len(findings) != 1 else ""} · '
        f'{_esc(rule.get("message") or "")}</span></h3>\n{items}\n{note}</section>'
    )


def _finding(rule_id: str, status: str, finding: Mapping[str, Any]) -> str:
    details = finding.get("details") if isinstance(finding.get("details"), Mapping) else {}
    locations = [loc for loc in finding.get("locations") or [] if isinstance(loc, Mapping)]
    raw_texts = details.get("texts")
    texts = [str(t) for t in raw_texts if t is not None] if isinstance(raw_texts, list) else []
    parts = [
        f'<article class="finding" data-rule="{_esc(rule_id)}" data-status="{_esc(status)}">',
        f'<div class="msg">{_esc(_clip(str(finding.get("message") or ""), TEXT_CHARS))}</div>',
        _locations(locations),
        _detail_chips(details),
    ]
    if len(texts) >= 2:
        parts.append(_side_by_side(texts, locations))
    elif finding.get("snippet"):
        parts.append(f'<pre class="snippet">{_esc(_clip(str(finding["snippet"]), TEXT_CHARS))}</pre>')
    parts.append("</article>")
    return "".join(parts)


def _locations(locations: Sequence[Mapping[str, Any]]) -> str:
    if not locations:
        return ""
    # Spaces between the codes keep them apart for search and copy-paste (flex ignores them).
    shown = " ".join(f'<code class="loc">{_esc(_where(loc))}</code>' for loc in locations[:LOCATIONS_PER_FINDING])
    more = len(locations) - LOCATIONS_PER_FINDING
    tail = f'<span class="muted small">and {more} more</span>' if more > 0 else ""
    return f'<div class="locs">{shown}{tail}</div>'


def _where(loc: Mapping[str, Any]) -> str:
    """``path:line`` where the format has lines, else ``path#record`` (as the terminal prints)."""
    path = str(loc.get("path") or "")
    if loc.get("line") is not None:
        return f"{path}:{loc['line']}"
    if loc.get("record") is not None:
        return f"{path}#{loc['record']}"
    return path


def _detail_chips(details: Mapping[str, Any]) -> str:
    """Small scalar extras (scores, labels); texts and nested data stay in the JSON."""
    chips = []
    for key, value in details.items():
        if key == "texts" or isinstance(value, (dict, list, tuple)) or value is None:
            continue
        shown = _fmt(value) if isinstance(value, (int, float)) else str(value)
        chips.append(f'<span class="chip"><b>{_esc(key)}</b> {_esc(_clip(shown, 80))}</span>')
        if len(chips) == 8:
            break
    return f'<div class="chips">{"".join(chips)}</div>' if chips else ""


def _side_by_side(texts: Sequence[str], locations: Sequence[Mapping[str, Any]]) -> str:
    """The first text against each other one, differences marked (diffed on words)."""
    texts = [_clip(t, TEXT_CHARS) for t in texts]
    shown = texts[:TEXTS_PER_FINDING]
    base, first_other = _diff_marked(shown[0], shown[1])
    columns = [base, first_other] + [_diff_marked(shown[0], t)[1] for t in shown[2:]]
    cells = []
    for i, marked in enumerate(columns):
        where = _where(locations[i]) if i < len(locations) else f"text {i + 1}"
        cells.append(
            f'<div class="side"><div class="side-head"><code>{_esc(where)}</code></div><pre>{marked}</pre></div>'
        )
    more = len(texts) - len(shown)
    tail = f'<p class="muted small">and {more} more texts in the JSON report</p>' if more > 0 else ""
    return f'<div class="compare">{"".join(cells)}</div>{tail}'


# Words and punctuation carry their trailing whitespace: fewer, more distinct tokens make
# SequenceMatcher ~10x faster than splitting whitespace out (it is quadratic in repeats).
_TOKEN = re.compile(r"\w+\s*|[^\w\s]\s*|\s+", re.UNICODE)


def _diff_marked(a: str, b: str) -> tuple[str, str]:
    """Escaped ``a`` and ``b``, each with the words the other lacks marked (del in a, ins in b)."""
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    # Compare without the trailing whitespace: a mark on "?" that differs only by a space
    # after it would show nothing a reader can see.
    keys_a, keys_b = [t.rstrip() for t in ta], [t.rstrip() for t in tb]
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    out_a: list[str] = []
    out_b: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        _append_marked(out_a, "".join(ta[i1:i2]), None if tag == "equal" else "del")
        _append_marked(out_b, "".join(tb[j1:j2]), None if tag == "equal" else "ins")
    return "".join(out_a), "".join(out_b)


def _append_marked(out: list[str], chunk: str, mark: str | None) -> None:
    word = chunk.rstrip()
    if mark is None or not word:
        out.append(_esc(chunk))
    else:
        # Mark the words, not the space after them.
        out.append(f'<mark class="{mark}">{_esc(word)}</mark>{_esc(chunk[len(word):])}')


# -- small helpers ---------------------------------------------------------------------------


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _anchor(rule_id: str) -> str:
    return "rule-" + (re.sub(r"[^a-z0-9_-]+", "-", rule_id.lower()) or "x")


def _status_rank(status: str) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)


def _status_class(status: Any) -> str:
    known = {"pass", "warn", "fail", "skipped", "error", "warning"}
    return f"st-{status}" if status in known else "st-other"


def _num(value: Any) -> float:
    """A finite float, 0.0 for anything else (charts never see NaN, strings or markup)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.3g}"
    return str(value)


def _pct(value: float) -> str:
    return f"{value * 100:.1f} %".replace(".0 %", " %")


def _joined(lines: Iterable[str]) -> str:
    return "\n".join(line.strip() for line in lines if line.strip())


# -- static assets (hashed into the CSP; keep them free of dataset content) ----------------

_STYLE = _joined(
    """
:root{--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--bg:#f6f8fa;--card:#fff;
--go:#1a7f37;--nogo:#cf222e;--warn:#9a6700;--skip:#6e7781;
--s0:#0969da;--s1:#bf8700;--s2:#8250df;--s3:#1a7f37;--s4:#cf222e;--s5:#57606a}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans","DejaVu Sans",sans-serif}
main{max-width:1200px;margin:0 auto;padding:24px 24px 48px}
h2{font-size:20px;margin:32px 0 12px}
h3{font-size:16px;margin:0 0 10px;display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace;font-size:13px}
.muted{color:var(--muted)}
.small{font-size:12.5px}
.verdict{border-radius:14px;padding:24px 28px;color:#fff;box-shadow:0 2px 8px rgba(0,0,0,.12)}
.verdict.go{background:linear-gradient(135deg,#1a7f37,#2da44e)}
.verdict.nogo{background:linear-gradient(135deg,#a40e26,#cf222e)}
.verdict.unknown{background:linear-gradient(135deg,#57606a,#6e7781)}
.verdict .brand{font-size:13px;letter-spacing:.08em;text-transform:uppercase;opacity:.85}
.verdict .word{font-size:56px;font-weight:800;line-height:1.1;letter-spacing:.02em;margin:4px 0}
.verdict .reason{font-size:19px;margin:4px 0 14px;max-width:70ch}
.verdict .stats{display:flex;gap:22px;flex-wrap:wrap;align-items:center;font-size:15px}
.verdict .stats .pill{background:#fff;border:0}
.verdict .pill.st-fail{color:var(--nogo)}.verdict .pill.st-pass{color:var(--go)}.verdict .pill.st-warn{color:var(--warn)}
.verdict .pill.st-error{color:#8250df}.verdict .pill.st-skipped,.verdict .pill.st-other{color:var(--skip)}
.verdict .split-counts{opacity:.85}
table.grid{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden}
.grid th,.grid td{padding:8px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
.grid th{background:#eef1f4;font-size:12.5px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.grid tbody tr:nth-child(even){background:#fafbfc}
.grid tbody tr:last-child td{border-bottom:0}
.num{text-align:right!important;font-variant-numeric:tabular-nums;white-space:nowrap}
.table-wrap{overflow-x:auto;border-radius:10px}
td.wrap{overflow-wrap:anywhere;min-width:220px}
.checklist td.rule-id{min-width:180px}
.checklist td.metric{min-width:170px}
.checklist tr.st-fail td:first-child,.checklist tr.st-error td:first-child{box-shadow:inset 4px 0 var(--nogo)}
.checklist tr.st-warn td:first-child{box-shadow:inset 4px 0 #d4a72c}
.checklist tr.st-pass td:first-child{box-shadow:inset 4px 0 #4ac26b}
.metric-name{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;color:var(--muted);overflow-wrap:anywhere}
.metric-value{font-weight:700;font-variant-numeric:tabular-nums}
.rule-id b{white-space:nowrap;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:13.5px}
.pill{display:inline-block;padding:1px 10px;border-radius:999px;font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.04em;color:#fff;white-space:nowrap}
.pill.st-pass{background:var(--go)}.pill.st-fail{background:var(--nogo)}.pill.st-warn{background:#bf8700}
.pill.st-skipped{background:var(--skip)}.pill.st-error{background:#8250df}.pill.st-other{background:var(--skip)}
.sev{font-size:12.5px}.sev.st-error{color:var(--nogo)}.sev.st-warning{color:var(--warn)}
a{color:#0969da}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(500px,1fr));gap:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px;margin:0}
figcaption{font-weight:600;margin-bottom:8px}
.rule-tag{font:600 12px ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;background:#eef1f4;border-radius:6px;padding:1px 6px;color:var(--muted)}
svg.plot{width:100%;max-width:640px;height:auto;display:block}
svg .lbl,svg .tick,svg .val{font-size:11px;fill:#57606a;font-family:inherit}
svg .lbl.hl{fill:var(--nogo);font-weight:700}
svg .val.strong{font-size:13px;font-weight:700;fill:var(--fg)}
svg .s0{fill:var(--s0)}svg .s1{fill:var(--s1)}svg .s2{fill:var(--s2)}svg .s3{fill:var(--s3)}svg .s4{fill:var(--s4)}svg .s5{fill:var(--s5)}
svg rect.hl{fill:var(--nogo)}
svg .axis{stroke:#8c959f;stroke-width:1}
svg .marker{stroke:var(--nogo);stroke-width:2;stroke-dasharray:5 3}
svg .marker-lbl{font-size:11px;fill:var(--nogo);font-weight:700}
svg .track{fill:#eaeef2}svg .band{fill:#4ac26b;opacity:.55}
svg .dot.in{fill:var(--go);stroke:#fff;stroke-width:2}svg .dot.out{fill:var(--nogo);stroke:#fff;stroke-width:2}
.legend{display:flex;gap:14px;font-size:12.5px;color:var(--muted);margin-bottom:6px}
.legend i.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
i.s0{background:var(--s0)}i.s1{background:var(--s1)}i.s2{background:var(--s2)}i.s3{background:var(--s3)}i.s4{background:var(--s4)}i.s5{background:var(--s5)}
.hl-key{color:var(--nogo)}
.controls{position:sticky;top:0;z-index:2;display:flex;gap:10px;align-items:center;flex-wrap:wrap;background:var(--bg);padding:10px 0;margin-bottom:6px;border-bottom:1px solid var(--line)}
.controls input{flex:1 1 320px;padding:8px 12px;border:1px solid var(--line);border-radius:8px;font:inherit;background:#fff}
.controls select{padding:7px 10px;border:1px solid var(--line);border-radius:8px;font:inherit;background:#fff}
.rule-findings{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px;margin:14px 0}
.finding{border-top:1px solid var(--line);padding:10px 0}
.lazy .finding{content-visibility:auto;contain-intrinsic-size:auto 160px}
@media print{.lazy .finding{content-visibility:visible}.controls{display:none}}
.finding .msg{font-weight:600}
.locs{display:flex;gap:6px;flex-wrap:wrap;margin:4px 0}
code.loc{background:#ddf4ff;color:#0a3069;border-radius:6px;padding:1px 6px}
.chips{display:flex;gap:6px;flex-wrap:wrap;margin:4px 0}
.chip{font-size:12px;background:#eef1f4;border-radius:6px;padding:1px 7px}
pre{white-space:pre-wrap;word-break:break-word;margin:6px 0 0}
pre.snippet{background:#f6f8fa;border:1px solid var(--line);border-radius:8px;padding:8px 10px;max-height:12em;overflow:auto}
.compare{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:10px;margin-top:6px}
.side{border:1px solid var(--line);border-radius:8px;overflow:hidden}
.side-head{background:#eef1f4;padding:3px 8px}
.side pre{padding:8px 10px;margin:0;max-height:14em;overflow:auto}
mark.del{background:#ffd7d5;color:#82071e;border-radius:3px}
mark.ins{background:#ccffd8;color:#055d20;border-radius:3px}
.more{color:var(--muted);font-style:italic;margin:10px 0 0}
footer{margin-top:36px;color:var(--muted);font-size:12.5px}
""".splitlines()
)

# Hides and shows findings; never writes markup, so no dataset text can become code.
_SCRIPT = _joined(
    """
(function () {
  "use strict";
  var q = document.getElementById("q");
  if (!q) { return; }
  var byStatus = document.getElementById("f-status");
  var byRule = document.getElementById("f-rule");
  var count = document.getElementById("f-count");
  var items = Array.prototype.slice.call(document.querySelectorAll("article.finding"));
  var haystacks = items.map(function (el) { return el.textContent.toLowerCase(); });
  var groups = Array.prototype.slice.call(document.querySelectorAll("section.rule-findings"));
  function apply() {
    var words = q.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var status = byStatus.value, rule = byRule.value, shown = 0;
    items.forEach(function (el, i) {
      var ok = (!status || el.getAttribute("data-status") === status) &&
               (!rule || el.getAttribute("data-rule") === rule) &&
               words.every(function (w) { return haystacks[i].indexOf(w) !== -1; });
      el.hidden = !ok;
      if (ok) { shown += 1; }
    });
    groups.forEach(function (g) { g.hidden = !g.querySelector("article.finding:not([hidden])"); });
    count.textContent = shown + " of " + items.length + " findings shown";
  }
  q.addEventListener("input", apply);
  byStatus.addEventListener("change", apply);
  byRule.addEventListener("change", apply);
  apply();
})();
""".splitlines()
)
