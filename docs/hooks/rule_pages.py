"""MkDocs hook: the rule reference, one page per rule, generated from the rules' own docstrings.

Each installed rule (built-in or plugin) gets ``rules/<id>.md`` with its summary, criterion,
default severity, options (name, type, default, help) and its docstring, which holds the
*What it does / Why it matters / Example / How to fix* sections, as ruff's rule pages do. The
pages exist only in the built site: the docstring is the one source.
"""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import File


def _rule_page(entry: dict[str, Any]) -> str:
    lines = [f"# {entry['id']}", "", entry.get("summary") or "", ""]
    lines += [f"- criterion: **{entry.get('criterion') or '-'}**", f"- default severity: `{entry.get('default_severity')}`", ""]
    if entry.get("options"):
        lines += ["| option | type | default | help |", "|---|---|---|---|"]
        for opt in entry["options"]:
            default = str(opt.get("default")).replace("|", "\\|")
            help_text = str(opt.get("help", "")).replace("|", "\\|")
            lines.append(f"| `{opt['name']}` | {opt.get('type')} | `{default}` | {help_text} |")
        lines.append("")
    doc = entry.get("documentation") or ""
    # The docstring's first line is a sentence; its "## ..." sections become this page's sections.
    lines.append(doc)
    return "\n".join(lines) + "\n"


def on_config(config: Any) -> Any:
    """List the generated rule pages under "Rules" in the navigation."""
    from dqlint.commands.rules_doc import rule_catalog

    for item in config["nav"]:
        if isinstance(item, dict) and "Rules" in item:
            item["Rules"] = ["rules/index.md", *(f"rules/{entry['id']}.md" for entry in rule_catalog())]
    return config


def on_files(files: Any, config: Any) -> Any:
    from dqlint.commands.rules_doc import rule_catalog

    catalog = rule_catalog()
    index = ["# Rule reference", "", "Generated from each rule's docstring (`dqlint rules ID` prints the same text).", "",
             "| rule | criterion | summary |", "|---|---|---|"]
    for entry in catalog:
        index.append(f"| [{entry['id']}]({entry['id']}.md) | {entry.get('criterion') or ''} | {entry.get('summary') or ''} |")
        files.append(File.generated(config, f"rules/{entry['id']}.md", content=_rule_page(entry)))
    files.append(File.generated(config, "rules/index.md", content="\n".join(index) + "\n"))
    return files

