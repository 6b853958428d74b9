"""Counts per rule and finding kind (``--statistics``), largest first, as ``ruff --statistics``."""

from __future__ import annotations

from collections import Counter
from typing import Any, Mapping

from dqlint.reporters import RenderOptions


def render(report: Mapping[str, Any], options: RenderOptions) -> str:
    counts: Counter = Counter()
    accepted: Counter = Counter()
    status = {}
    for rule in report["rules"]:
        status[rule["id"]] = rule["status"]
        for finding in rule["findings"]:
            key = (rule["id"], str((finding.get("details") or {}).get("kind") or "-"))
            counts[key] += 1
            if finding.get("baselined") or finding.get("ignored"):
                accepted[key] += 1
    if not counts:
        return f"no findings ({report['verdict'].upper()})\n"
    width = max(len(r) for r, _ in counts)
    kind_width = max(len(k) for _, k in counts)
    lines = []
    for (rule, kind), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        note = f"  ({accepted[(rule, kind)]:,} accepted)" if accepted[(rule, kind)] else ""
        lines.append(f"{n:>7,}  {rule:<{width}}  {kind:<{kind_width}}  {status[rule]}{note}")
    lines.append(f"{sum(counts.values()):>7,}  findings in total; verdict {report['verdict'].upper()}")
    return "\n".join(lines) + "\n"
