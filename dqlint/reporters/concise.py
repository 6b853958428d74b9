"""One line per finding, ``path:line: rule: message``, as compilers and linters print them.

Editors and terminals turn ``path:line`` into a link; ``grep`` and ``sort`` work on the output.
A rule that blocks or warns without findings gets one line of its own (``dqlint: rule: ...``),
and the last line is the verdict. Accepted findings (baseline, per-path ignores) are marked.
"""

from __future__ import annotations

from typing import Any, Mapping

from dqlint.reporters import RenderOptions
from dqlint.reporters._common import location_text, one_line


def render(report: Mapping[str, Any], options: RenderOptions) -> str:
    lines = []
    for rule in report["rules"]:
        if not rule["findings"] and rule["status"] in ("fail", "warn", "error"):
            accepted = " [accepted]" if (rule.get("baseline") or {}).get("accepted_all") else ""
            lines.append(f"dqlint: {rule['id']}: {rule['status']}: {one_line(rule['message'], 300)}{accepted}")
        for finding in rule["findings"]:
            first = finding["locations"][0] if finding["locations"] else {"path": "dqlint"}
            accepted = " [accepted]" if finding.get("baselined") or finding.get("ignored") else ""
            also = f" (+{len(finding['locations']) - 1} more)" if len(finding["locations"]) > 1 else ""
            lines.append(f"{location_text(first)}: {rule['id']}: {one_line(finding['message'], 300)}{also}{accepted}")
    lines.append(f"{report['verdict'].upper()}: {report['summary']['reason']}")
    return "\n".join(lines) + "\n"
