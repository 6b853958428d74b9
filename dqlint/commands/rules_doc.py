"""`dqlint rules`: every discovered rule with its documentation and option defaults."""

from __future__ import annotations

import json
from typing import Any, Sequence

from dqlint.engine.plugins import PluginRule, discover_rules
from dqlint.errors import UsageError

__all__ = ["render_rules", "rule_catalog"]


def rule_catalog(ids: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Rules as plain data: id, summary, criterion, default severity, options, documentation."""
    plugins = discover_rules()
    known = {p.id for p in plugins}
    missing = [i for i in ids if i not in known]
    if missing:
        raise UsageError(f"unknown rule id(s): {', '.join(missing)} (known: {', '.join(sorted(known))})")
    return [_entry(p) for p in plugins if not ids or p.id in ids]


def _entry(plugin: PluginRule) -> dict[str, Any]:
    rule = plugin.rule
    if rule is None:
        return {"id": plugin.id, "distribution": plugin.distribution, "error": plugin.error}
    return {
        "id": rule.id,
        "summary": rule.summary,
        "criterion": rule.criterion,
        "default_severity": rule.default_severity.value,
        "distribution": plugin.distribution,
        "options": [
            {"name": s.name, "type": s.type, "default": s.default, "help": s.help, "choices": list(s.choices) if s.choices else None}
            for s in rule.option_specs()
        ],
        "documentation": rule.documentation(),
    }


def render_rules(ids: Sequence[str], fmt: str) -> str:
    catalog = rule_catalog(ids)
    if fmt == "json":
        return json.dumps(catalog, indent=2, ensure_ascii=False) + "\n"
    lines: list[str] = []
    heading = "## " if fmt == "markdown" else ""
    for entry in catalog:
        if "error" in entry:
            lines += [f"{heading}{entry['id']}  (could not be loaded from {entry['distribution']})", "", f"    {entry['error']}", ""]
            continue
        lines.append(f"{heading}{entry['id']} — {entry['summary']}")
        lines.append("")
        lines.append(f"criterion: {entry['criterion'] or '-'}; default severity: {entry['default_severity']}; from {entry['distribution']}")
        lines.append("")
        if entry["options"]:
            lines.append("Options (config key = default):" if fmt != "markdown" else "| option | default | meaning |\n|---|---|---|")
            for opt in entry["options"]:
                default = json.dumps(opt["default"], ensure_ascii=False)
                if fmt == "markdown":
                    lines.append(f"| `{opt['name']}` | `{default}` | {opt['help']} |")
                else:
                    lines.append(f"  {opt['name']} = {default}    {opt['help']}")
            lines.append("")
        doc = entry["documentation"]
        if doc:
            lines.append(doc if fmt == "markdown" else "\n".join("  " + line if line else "" for line in doc.splitlines()))
            lines.append("")
        lines.append("")
    return "\n".join(lines)
