"""Helpers shared by the CI reporters (SARIF, JUnit, GitHub annotations)."""

from __future__ import annotations

import os
from typing import Any, Mapping

# A rule's status and severity -> how loud a CI system should be about its findings.
# Blocking problems are errors; a non-blocking failure or a tolerated amount is a warning;
# findings of a passing rule (e.g. a few edge cases) are notes.
_LEVELS = {
    ("fail", "error"): "error",
    ("error", "error"): "error",
    ("fail", "warning"): "warning",
    ("error", "warning"): "warning",
    ("warn", "error"): "warning",
    ("warn", "warning"): "warning",
}


def level(rule: Mapping[str, Any]) -> str:
    """'error', 'warning' or 'note' (SARIF's names) for the findings of one rule entry."""
    return _LEVELS.get((rule["status"], rule["severity"]), "note")


def repo_path(path: str, root: str | None = None) -> str:
    """A location path as CI systems want it: relative to the checkout, forward slashes.

    ``root`` defaults to ``$GITHUB_WORKSPACE`` (on GitHub Actions) or the current folder; a
    relative path is taken from the current folder, so a run inside a sub-folder still names
    files from the checkout's root. A path outside the root stays absolute: pretending otherwise
    would point at the wrong file. URLs (``hf://...``) are left alone.
    """
    if not path or "://" in path:
        return path
    root = root or os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    full = os.path.abspath(path)
    try:
        rel = os.path.relpath(full, root)
    except ValueError:  # another drive on Windows
        rel = os.pardir
    inside = rel != os.pardir and not rel.startswith(os.pardir + os.sep)
    return (rel if inside else full).replace(os.sep, "/")


def rule_level_message(rule: Mapping[str, Any]) -> str:
    """'<rule message> — <metric> <value> (threshold <t>)' for results about a whole rule."""
    from dqlint.reporters._common import metric_text

    metric = metric_text(rule.get("metric"))
    return f"{rule['message']} — {metric}" if metric else rule["message"]


def input_paths(report: Mapping[str, Any]) -> list[str]:
    """Every file the report talks about: the inputs, then any other file findings name (e.g. a
    reference sample), in order of first appearance."""
    seen = dict.fromkeys(inp["path"] for inp in report["inputs"])
    for rule in report["rules"]:
        for finding in rule["findings"]:
            for loc in finding["locations"]:
                if loc.get("path"):
                    seen.setdefault(loc["path"])
    return list(seen)
