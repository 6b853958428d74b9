"""Markdown report: a checklist table and the top findings per rule (PR comments, step summaries)."""

from __future__ import annotations

from typing import Any, Mapping

from dqlint.reporters import RenderOptions
from dqlint.reporters._common import STATUS_LABEL, locations_text, metric_text, one_line, visible_report
from dqlint.reporters._cost import cost_notes, cost_rows, cost_title

ICON = {"pass": "✅", "warn": "⚠️", "fail": "❌", "skipped": "⏭️", "error": "💥"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: Mapping[str, Any], options: RenderOptions) -> str:
    report = visible_report(report)  # rendered Markdown is also read raw, in terminals and logs
    verdict = report["verdict"].upper()
    lines = [
        f"# dqlint: {verdict}",
        "",
        f"**{_cell(report['summary']['reason'])}**",
        "",
        "| input | split | format | records |",
        "|---|---|---|---:|",
    ]
    for inp in report["inputs"]:
        lines.append(f"| `{_cell(inp['path'])}` | {inp['split']} | {inp['format']} | {inp['records']:,} |")
    lines += ["", "| rule | severity | status | metric | message |", "|---|---|---|---|---|"]
    for rule in report["rules"]:
        status = rule["status"]
        lines.append(
            f"| `{rule['id']}` | {rule['severity']} | {ICON.get(status, '')} {STATUS_LABEL[status]} | "
            f"{_cell(metric_text(rule['metric']))} | {_cell(rule['message'])} |"
        )
    for rule in report["rules"]:
        findings = rule["findings"]
        if not findings or options.max_findings == 0:
            continue
        lines += ["", f"## `{rule['id']}` — {len(findings):,} finding(s)", ""]
        for finding in findings[: options.max_findings]:
            where = locations_text(finding["locations"])
            snippet = one_line(finding.get("snippet"), 80)
            lines.append(f"- `{_cell(where)}` {_cell(finding['message'])}" + (f" — `{_cell(snippet).replace('`', '')}`" if snippet else ""))
        if len(findings) > options.max_findings:
            lines.append(f"- … and {len(findings) - options.max_findings:,} more in the JSON report")
    if isinstance(report.get("cost"), Mapping):
        lines += ["", *cost_markdown(report["cost"])]
    return "\n".join(lines) + "\n"


def cost_markdown(cost: Mapping[str, Any]) -> list[str]:
    """The cost estimate as a table (figure, estimate, arithmetic) and its inputs."""
    lines = [f"## {_cell(cost_title(cost))}", "", "| figure | estimate | how |", "|---|---|---|"]
    lines += [f"| {_cell(what)} | **{_cell(value)}** | {_cell(how)} |" for what, value, how in cost_rows(cost)]
    lines += [""] + [f"- {_cell(note)}" for note in cost_notes(cost)]
    return lines
