"""A self-contained HTML report: the verdict, the readiness checklist, charts and every finding.

Built only from the report dictionary (the JSON contract), like every reporter. The page is
one file that works offline: no CDN, fonts, images or remote scripts; charts are inline SVG
drawn generically from each rule's ``details["charts"]`` (see :mod:`dqlint.report.charts`), so the
reporter knows no rule by name.

Everything that comes from the dataset is untrusted. All text goes through :func:`esc`
(``html.escape`` with quotes), numbers through :func:`finite` (a real float or nothing), and the
small inline script only hides and shows elements: it never writes markup. A
Content-Security-Policy allows nothing remote and only our own inline script and style
(pinned by their SHA-256), so even a missed escape could not load or run anything.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import re
from typing import Any, Mapping, Sequence

from dqlint.reporters import RenderOptions
from dqlint.reporters._cost import cost_notes, cost_rows, cost_title
from dqlint.reporters.html.svg import band_svg, bar_svg, histogram_svg
from dqlint.reporters.html.values import esc, fmt, joined
from dqlint.text import clip as _clip

__all__ = ['FINDINGS_PER_RULE', 'render']


# Findings drawn per rule. The page stays light on 100k-row sets; the JSON carries them all.
FINDINGS_PER_RULE = 200


# Per finding: locations listed, texts shown side by side, characters of one text or snippet.
LOCATIONS_PER_FINDING = 12


TEXTS_PER_FINDING = 4


TEXT_CHARS = 1200


# Above this many findings on the page, the browser lays out only those near the viewport
# (CSS content-visibility): a 2,400-finding page loads in 0.7 s instead of 5-9 s.
LAZY_FINDINGS = 300


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
            _cost_section(report.get("cost")),
            _findings_section(rules, cap),
            _footer(report),
        ]
    )
    title = f"dqlint report: {_verdict_word(verdict)}"
    shown = sum(min(len(r.get("findings") or []), cap) for r in rules)
    return _page(title, body, lazy=shown > LAZY_FINDINGS)


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
        f'<meta http-equiv="Content-Security-Policy" content="{esc(policy)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(title)}</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n{main_tag}\n{body}\n</main>\n"
        f"<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def _verdict_word(verdict: str) -> str:
    return VERDICT_TITLES.get(verdict, "CANNOT JUDGE" if verdict in ("error", "unknown") else verdict.upper())


def _verdict_banner(report: Mapping[str, Any], verdict: str) -> str:
    summary = report.get("summary") if isinstance(report.get("summary"), Mapping) else {}
    word = _verdict_word(verdict)
    kind = {"go": "go", "no-go": "nogo"}.get(verdict, "unknown")
    counts = summary.get("rules") if isinstance(summary.get("rules"), Mapping) else {}
    splits = summary.get("splits") if isinstance(summary.get("splits"), Mapping) else {}
    by_split = ", ".join(f"{esc(name)} {esc(fmt(n))}" for name, n in splits.items())
    examples = (
        f"<span><b>{esc(fmt(summary['examples']))}</b> examples"
        + (f' <span class="split-counts">({by_split})</span>' if by_split else "")
        + "</span>"
        if summary.get("examples") is not None
        else ""
    )
    pills = " ".join(
        f'<span class="pill {_status_class(s)}">{esc(n)} {esc(s)}</span>'
        for s, n in sorted(counts.items(), key=lambda kv: _status_rank(kv[0]))
        if n
    )
    stats = (
        f"<div class=\"stats\"><span><b>{esc(fmt(summary.get('records')))}</b> records</span>{examples}"
        f"<span><b>{esc(fmt(summary.get('findings')))}</b> findings</span>"
        f"<span>{pills}</span></div>"
    )
    return (
        f'<header class="verdict {kind}" id="verdict">\n'
        '<div class="brand">dqlint · fine-tuning readiness</div>\n'
        f'<div class="word">{esc(word)}</div>\n'
        f'<p class="reason">{esc(summary.get("reason") or "")}</p>\n{stats}\n</header>'
    )


def _inputs_section(report: Mapping[str, Any]) -> str:
    inputs = [i for i in report.get("inputs") or [] if isinstance(i, Mapping)]
    if not inputs:
        return ""
    rows = "".join(
        f"<tr><td class=\"mono\">{esc(i.get('path'))}</td><td>{esc(i.get('split'))}</td>"
        f"<td>{esc(i.get('format'))}</td><td class=\"num\">{esc(fmt(i.get('records')))}</td></tr>"
        for i in inputs
    )
    return (
        '<section id="inputs"><h2>Inputs</h2>\n<table class="grid"><thead><tr><th>File</th>'
        '<th>Split</th><th>Format</th><th class="num">Records</th></tr></thead>\n'
        f"<tbody>{rows}</tbody></table></section>"
    )


def _footer(report: Mapping[str, Any]) -> str:
    return (
        f"<footer>dqlint {esc(report.get('dqlint_version') or '')} · report schema "
        f"{esc(report.get('schema_version'))} · the JSON report (<code>--format json</code>) "
        "carries every finding in full.</footer>"
    )


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
        f'<a href="#{_anchor(rule_id)}">{esc(count)}</a>' if count else '<span class="muted">0</span>'
    )
    return (
        f'<tr class="rule-row {_status_class(status)}" data-rule="{esc(rule_id)}">'
        f'<td class="rule-id"><b>{esc(rule_id)}</b>'
        f'<div class="muted small">{esc(rule.get("summary") or "")}</div></td>'
        f"<td>{esc(rule.get('criterion') or '')}</td>"
        f'<td><span class="sev {_status_class(rule.get("severity"))}">{esc(rule.get("severity") or "")}</span></td>'
        f'<td><span class="pill {_status_class(status)}">{esc(status)}</span></td>'
        f'<td class="metric">{_metric_cell(metric)}</td>'
        f"<td class=\"wrap\">{esc(rule.get('message') or '')}</td>"
        f'<td class="num">{link}</td></tr>'
    )


def _metric_cell(metric: Mapping[str, Any]) -> str:
    if not metric:
        return '<span class="muted">—</span>'
    return (
        # <wbr> after underscores lets long snake_case names break where a reader expects.
        f'<div class="metric-name">{esc(metric.get("name") or "").replace("_", "_<wbr>")}</div>'
        f'<span class="metric-value">{esc(fmt(metric.get("value")))}</span>'
        f' <span class="muted small">vs</span> {esc(fmt(metric.get("threshold")))}'
    )


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


def _cost_section(cost: Any) -> str:
    """The fine-tuning cost estimate (present only when traffic was configured): each figure
    with its arithmetic, the inputs and prices behind them, and the cumulative-spend chart."""
    if not isinstance(cost, Mapping):
        return ""
    rows = "".join(
        f'<tr><td>{esc(what)}</td><td class="num"><b>{esc(value)}</b></td><td class="wrap mono small">{esc(how)}</td></tr>'
        for what, value, how in cost_rows(cost)
    )
    notes = "".join(f'<p class="muted small">{esc(note)}</p>' for note in cost_notes(cost))
    charts = "".join(_chart_card("cost", spec) for spec in cost.get("charts") or [] if isinstance(spec, Mapping))
    return (
        f'<section id="cost"><h2>{esc(cost_title(cost))}</h2>\n<div class="table-wrap"><table class="grid">'
        '<thead><tr><th>Figure</th><th class="num">Estimate</th><th>How</th></tr></thead>\n'
        f"<tbody>{rows}</tbody></table></div>\n{notes}\n"
        + (f'<div class="charts">{charts}</div>' if charts else "")
        + "</section>"
    )


def _chart_card(rule_id: str, spec: Mapping[str, Any]) -> str:
    drawers = {"bar": bar_svg, "histogram": histogram_svg, "band": band_svg}
    drawer = drawers.get(str(spec.get("kind")))
    try:
        svg = drawer(spec) if drawer else '<p class="muted">Unknown chart kind.</p>'
    except (KeyError, TypeError, ValueError, IndexError, ZeroDivisionError):
        # A malformed chart must not cost the whole report.
        svg = '<p class="muted">This chart could not be drawn (malformed chart data).</p>'
    return (
        f'<figure class="card chart"><figcaption><span class="rule-tag">{esc(rule_id)}</span> '
        f"{esc(spec.get('title') or '')}</figcaption>\n{svg}</figure>"
    )


def _findings_section(rules: Sequence[Mapping[str, Any]], cap: int) -> str:
    with_findings = [r for r in rules if r.get("findings")]
    if not with_findings:
        return '<section id="findings"><h2>Findings</h2><p class="muted">No findings.</p></section>'
    statuses = sorted({str(r.get("status") or "") for r in with_findings}, key=_status_rank)
    status_opts = "".join(f'<option value="{esc(s)}">{esc(s)}</option>' for s in statuses)
    rule_opts = "".join(f'<option value="{esc(r.get("id"))}">{esc(r.get("id"))}</option>' for r in with_findings)
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
        f'<section class="rule-findings" id="{_anchor(rule_id)}" data-rule="{esc(rule_id)}" '
        f'data-status="{esc(status)}">'
        f'<h3><span class="pill {_status_class(status)}">{esc(status)}</span> {esc(rule_id)} '
        f'<span class="muted small">{esc(len(findings))} finding{"s" if len(findings) != 1 else ""} · '
        f'{esc(rule.get("message") or "")}</span></h3>\n{items}\n{note}</section>'
    )


def _finding(rule_id: str, status: str, finding: Mapping[str, Any]) -> str:
    details = finding.get("details") if isinstance(finding.get("details"), Mapping) else {}
    locations = [loc for loc in finding.get("locations") or [] if isinstance(loc, Mapping)]
    raw_texts = details.get("texts")
    texts = [str(t) for t in raw_texts if t is not None] if isinstance(raw_texts, list) else []
    parts = [
        f'<article class="finding" data-rule="{esc(rule_id)}" data-status="{esc(status)}">',
        f'<div class="msg">{esc(_clip(str(finding.get("message") or ""), TEXT_CHARS))}</div>',
        _locations(locations),
        _detail_chips(details),
    ]
    if len(texts) >= 2:
        parts.append(_side_by_side(texts, locations))
    elif finding.get("snippet"):
        parts.append(f'<pre class="snippet">{esc(_clip(str(finding["snippet"]), TEXT_CHARS))}</pre>')
    parts.append("</article>")
    return "".join(parts)


def _locations(locations: Sequence[Mapping[str, Any]]) -> str:
    if not locations:
        return ""
    # Spaces between the codes keep them apart for search and copy-paste (flex ignores them).
    shown = " ".join(f'<code class="loc">{esc(_where(loc))}</code>' for loc in locations[:LOCATIONS_PER_FINDING])
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
        shown = fmt(value) if isinstance(value, (int, float)) else str(value)
        chips.append(f'<span class="chip"><b>{esc(key)}</b> {esc(_clip(shown, 80))}</span>')
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
            f'<div class="side"><div class="side-head"><code>{esc(where)}</code></div><pre>{marked}</pre></div>'
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
        out.append(esc(chunk))
    else:
        # Mark the words, not the space after them.
        out.append(f'<mark class="{mark}">{esc(word)}</mark>{esc(chunk[len(word):])}')


def _anchor(rule_id: str) -> str:
    return "rule-" + (re.sub(r"[^a-z0-9_-]+", "-", rule_id.lower()) or "x")


def _status_rank(status: str) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)


def _status_class(status: Any) -> str:
    known = {"pass", "warn", "fail", "skipped", "error", "warning"}
    return f"st-{status}" if status in known else "st-other"


def _asset(name: str) -> str:
    from importlib import resources

    return joined(resources.files(__package__).joinpath(name).read_text(encoding="utf-8").splitlines())


_STYLE = _asset("report.css")


_SCRIPT = _asset("report.js")
