"""GitHub Actions workflow commands: annotations on the files and lines of findings.

Printed to standard output in a workflow step, each line becomes an annotation
(``::error file=train.jsonl,line=812,title=dqlint format-consistency::message``). Order matters
because GitHub shows only a limited number of annotations per step: first one per rule that did
not pass (its message and metric), then up to ``--max-findings`` findings per rule at their file
and line, then a closing notice with the verdict.

Escaping follows the runner's rules: in the message ``%``, CR and LF become ``%25``, ``%0D``,
``%0A``; in property values (file, title) also ``:`` and ``,`` become ``%3A`` and ``%2C``.
"""

from __future__ import annotations

from typing import Any, Mapping

from dqlint.reporters import RenderOptions
from dqlint.reporters._ci import level, repo_path, rule_level_message
from dqlint.reporters._common import location_text, one_line, visible_report

COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def render(report: Mapping[str, Any], options: RenderOptions) -> str:
    # The runner would print a raw escape sequence into the log; CR is kept: escape_data encodes it.
    report = visible_report(report, keep="\r")
    lines = []
    for rule in report["rules"]:
        if rule["status"] in ("fail", "warn", "error"):
            command = "error" if rule["status"] == "error" and rule["severity"] == "error" else COMMAND[level(rule)]
            lines.append(annotation(command, rule_level_message(rule), title=f"dqlint {rule['id']}"))
    for rule in report["rules"]:
        findings = rule["findings"]
        for finding in findings[: options.max_findings]:
            lines.append(_finding_annotation(rule, finding))
        hidden = len(findings) - options.max_findings
        if hidden > 0:
            lines.append(
                annotation("notice", f"{hidden:,} more finding(s) not annotated (--max-findings); the JSON, SARIF or JUnit report lists all", title=f"dqlint {rule['id']}")
            )
    verdict = report["verdict"].upper()
    lines.append(annotation("notice", report["summary"]["reason"], title=f"dqlint verdict: {verdict}"))
    return "\n".join(lines) + "\n"


def annotation(command: str, message: str, **properties: Any) -> str:
    """One workflow command; properties with a None value are left out."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{command}{' ' + props if props else ''}::{escape_data(message)}"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _finding_annotation(rule: Mapping[str, Any], finding: Mapping[str, Any]) -> str:
    locations = finding["locations"]
    first = locations[0] if locations else {}
    message = finding["message"]
    if len(locations) > 1:
        message += "\nalso at: " + ", ".join(location_text(loc) for loc in locations[1:6]) + (" …" if len(locations) > 6 else "")
    snippet = one_line(finding.get("snippet"), 200)
    if snippet:
        message += f"\n«{snippet}»"
    line = first.get("line")
    return annotation(
        COMMAND[level(rule)],
        message,
        file=repo_path(first["path"]) if first.get("path") else None,
        line=line if isinstance(line, int) and line >= 1 else None,
        title=f"dqlint {rule['id']}",
    )
