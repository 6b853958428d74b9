"""Terminal report: summary table, verdict, and the top findings of each rule with file:line.

Dataset text is printed with rich's markup escaped, so a record containing "[bold]" is shown as
written. Colour follows RenderOptions.color (the CLI honours NO_COLOR and --no-color).
"""

from __future__ import annotations

import io
from typing import Any, Mapping

from dqlint.reporters import RenderOptions
from dqlint.reporters._common import STATUS_LABEL, locations_text, number, one_line, visible_report
from dqlint.reporters._cost import cost_notes, cost_rows, cost_title

STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "skipped": "dim", "error": "bold magenta"}


def _read_as(entry: dict) -> str:
    """An input's format, with the fields it was read with when inference (or a pin) chose them."""
    if entry.get("fields_from", "format") == "format":
        return entry["format"]
    fields = ", ".join(f"{role}={'+'.join(keys)}" for role, keys in entry.get("fields", {}).items())
    return f"{entry['format']}: {fields}"


def render(report: Mapping[str, Any], options: RenderOptions) -> str:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    report = visible_report(report)  # no raw escape sequence from the data reaches the terminal
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
    inputs = ", ".join(f"{i['path']} ({i['split']}, {_read_as(i)}, {number(i['records'])} records)" for i in report["inputs"])
    target = f" — checked for {report['target']}" if report.get("target", "generic") != "generic" else ""
    console.print(Text(f"dqlint {report['dqlint_version']} — {inputs}{target}", style="dim"))
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, expand=False)
    table.add_column("rule")
    table.add_column("status")
    table.add_column("effect")
    table.add_column("metric")
    table.add_column("message", overflow="fold")
    for rule in report["rules"]:
        status = rule["status"]
        table.add_row(
            rule["id"],
            Text(STATUS_LABEL[status], style=STYLE[status]),
            Text(effect(rule), style=EFFECT_STYLE.get(effect(rule), "")),
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
        # One grid per rule: a wrapped message stays in its column, under its own first line.
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True, style="cyan")
        grid.add_column(overflow="fold")
        for finding in findings[: options.max_findings]:
            # The first location; the message names the others (a duplicate's kept row, a leak's source).
            accepted = " (accepted)" if finding.get("baselined") or finding.get("ignored") else ""
            grid.add_row("  " + locations_text(finding["locations"], 1), Text(finding["message"] + accepted))
            snippet = one_line(finding.get("snippet"), max(20, console.width - 30))
            if snippet:
                grid.add_row("", Text(snippet, style="dim", no_wrap=True, overflow="ellipsis"))
        console.print(grid)
        hidden = len(findings) - options.max_findings
        if hidden > 0:
            console.print(Text(
                f"  … and {hidden:,} more: --max-findings {len(findings)} lists them here, -f concise or -f json lists every finding",
                style="dim",
            ))
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


# What a rule's result does to the verdict, in words: severity matters only where a rule did not pass.
EFFECT_STYLE = {"blocks": "bold red", "advice": "yellow", "accepted": "cyan"}


def effect(rule: Mapping[str, Any]) -> str:
    """'blocks' (it makes the verdict no-go), 'advice' (it warns, or fails at warning severity),
    'accepted' (every finding in the baseline) or '' (passed or skipped)."""
    if rule["status"] in ("pass", "skipped"):
        return ""
    if (rule.get("baseline") or {}).get("accepted_all"):
        return "accepted"
    if rule["status"] in ("fail", "error") and rule["severity"] == "error":
        return "blocks"
    return "advice"


def _metric_cell(metric: Mapping[str, Any] | None) -> str:
    """Name on one line, 'value / threshold' on the next: keeps the column narrow."""
    if not metric:
        return ""
    return f"{metric['name']}\n{number(metric['value'])} / {number(metric['threshold'])}"
