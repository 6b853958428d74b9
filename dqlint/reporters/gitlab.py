"""GitLab Code Quality report: a JSON array of issues, one per finding, for merge-request widgets.

Each issue has the fields GitLab documents as required: ``description``, ``check_name``,
``fingerprint`` (the finding's content fingerprint, so an unchanged problem keeps its identity
when rows move), ``severity`` (``info``, ``minor``, ``major``, ``critical``, ``blocker``) and
``location.path`` with ``location.lines.begin``. Blocking findings are ``critical``, findings of
a non-blocking failure ``major``, warnings ``minor`` and the rest ``info``; accepted (baselined)
findings are left out, as GitLab shows only what a change introduces. A rule that fails
without findings becomes one issue on the first input.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

from dqlint.reporters import RenderOptions
from dqlint.reporters._ci import level, repo_path
from dqlint.reporters._common import one_line

SEVERITY = {"error": "critical", "warning": "minor", "note": "info"}


def render(report: Mapping[str, Any], options: RenderOptions) -> str:
    issues = []
    first_input = report["inputs"][0]["path"] if report["inputs"] else "."
    for rule in report["rules"]:
        severity = _severity(rule)
        for finding in rule["findings"]:
            if finding.get("baselined") or finding.get("ignored"):
                continue
            loc = finding["locations"][0] if finding["locations"] else {"path": first_input, "line": None}
            issues.append(_issue(rule, one_line(finding["message"], 1000), loc, severity, finding.get("fingerprint")))
        if not rule["findings"] and rule["status"] in ("fail", "warn", "error"):
            issues.append(_issue(rule, one_line(rule["message"], 1000), {"path": first_input, "line": None}, severity, rule.get("fingerprint")))
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _severity(rule: Mapping[str, Any]) -> str:
    if rule["status"] in ("fail", "error") and rule["severity"] == "warning":
        return "major"
    return SEVERITY[level(rule)]


def _issue(rule: Mapping[str, Any], message: str, loc: Mapping[str, Any], severity: str, fingerprint: str | None) -> dict[str, Any]:
    path = repo_path(str(loc.get("path") or "."))
    line = loc.get("line") if isinstance(loc.get("line"), int) and loc["line"] >= 1 else 1
    if not fingerprint:  # a report from before fingerprints: derive one from what is shown
        fingerprint = hashlib.sha256(f"{rule['id']}\0{path}\0{message}".encode()).hexdigest()[:20]
    return {
        "description": f"{rule['id']}: {message}",
        "check_name": rule["id"],
        "fingerprint": fingerprint,
        "severity": severity,
        "location": {"path": path, "lines": {"begin": line}},
    }
