"""Terminal report: summary table, verdict, and the top findings of each rule with file:line.

Dataset text is printed with rich's markup escaped, so a record containing "[bold]" is shown as
written. Colour follows RenderOptions.color (the CLI honours NO_COLOR and --no-color).
"""

from __future__ import annotations

import io
from typing import Any, Mapping

from dqlint.reporters import RenderOptions
from dqlint.reporters._common import STATUS_LABEL, locations_text, number, one_line
from dqlint.reporters._cost import cost_notes, cost_rows, cost_title

STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "skipped": "dim", "error": "bold magenta"}


def render(report: Mapping[str, Any], options: RenderOptions) -> str:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=options.color,
        no_color=not options.color,
        color_system="standard" if options.color else None,
        width=options.width or 110,
        highlight=False,
        emoji=False,
    )
    inputs = ", ".join(f"{i['path']} ({i['split']}, {i['format']}, {number(i['records'])} records)" for i in report["inputs"])
    console.print(Text(f"dqlint {report['dqlint_version']} — {inputs}", style="dim"))
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, expand=False)
    table.add_column("rule")
    table.add_column("status")
    table.add_column("sev")
    table.add_column("metric")
    table.add_column("message", overflow="fold")
    for rule in report["rules"]:
        status = rule["status"]
        table.add_row(
            rule["id"],
            Text(STATUS_LABEL[status], style=STYLE[status]),
            rule["severity"],
            escape(_metric_cell(rule["metric"])),
            escape(rule["message"]),
        )
    console.print(table)
    for rule in report["rules"]:
        findings = rule["findings"]
        if not findings or options.max_findings == 0:
            continue
        console.print()
        console.print(Text(f"{rule['id']}: {len(findings):,} finding(s)", style="bold"))
        for finding in findings[: options.max_findings]:
            line = Text("  ")
            # The first location; the message names the others (a duplicate's kept row, a leak's source).
            line.append(locations_text(finding["locations"], 1), style="cyan")
            line.append("  " + finding["message"])
            console.print(line)
            snippet = one_line(finding.get("snippet"), console.width - 8)
            if snippet:
                console.print(Text(f"      {snippet}", style="dim", no_wrap=True, overflow="ellipsis"))
        if len(findings) > options.max_findings:
            console.print(Text(f"  … and {len(findings) - options.max_findings:,} more (--max-findings, or --format json for all)", style="dim"))
    if isinstance(report.get("cost"), Mapping):
        console.print()
        print_cost(console, report["cost"])
    console.print()
    style = "bold white on green" if report["verdict"] == "go" else "bold white on red"
    verdict = Text(f" {report['verdict'].upper()} ", style=style)
    verdict.append(" " + report["summary"]["reason"], style="bold")
    console.print(verdict)
    # Table cells are padded to the column width; trailing blanks only clutter logs and files.
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def print_cost(console: Any, cost: Mapping[str, Any]) -> None:
    """The cost estimate: one row per figure with the arithmetic beside it, then its inputs."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    console.print(Text(cost_title(cost), style="bold"))
    table = Table(show_header=False, box=None, pad_edge=False, expand=False)
    table.add_column("what", no_wrap=True)
    table.add_column("estimate", no_wrap=True, style="bold")
    table.add_column("how", overflow="fold", style="dim")
    for what, value, how in cost_rows(cost):
        table.add_row("  " + what, escape(value), escape(how))
    console.print(table)
    for note in cost_notes(cost):
        console.print(Text("  " + note, style="dim"))


def _metric_cell(metric: Mapping[str, Any] | None) -> str:
    """Name on one line, 'value / threshold' on the next: keeps the column narrow."""
    if not metric:
        return ""
    return f"{metric['name']}\n{number(metric['value'])} / {number(metric['threshold'])}"
