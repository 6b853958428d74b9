"""JUnit XML for CI test reports (GitLab ``artifacts:reports:junit``, Jenkins, Azure, CircleCI).

One test case per rule per input file, named ``rule-id[file]`` (the file's base name, or its
path when two inputs share a base name), so every run has the same test cases and a CI system can
track each across runs. Outcome of a rule's case for one file:

- ``fail``: a ``<failure>`` listing the findings in that file; a file without findings of that
  rule passes, unless the rule judged the data set as a whole (no findings at all), which fails
  every file's case. The failure's ``type`` is the rule's severity: ``warning`` does not block.
- ``error`` (the rule could not run): ``<error>`` in every file's case.
- ``skipped``: ``<skipped>`` with the reason.
- ``warn`` and ``pass``: the case passes; its findings and message go to ``<system-out>``.

Each case carries the rule's status, severity and metric as ``<properties>``.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any, Mapping

from dqlint.reporters import RenderOptions
from dqlint.reporters._ci import input_paths, rule_level_message
from dqlint.reporters._common import location_text, number, one_line

# Findings listed per test case; the JSON report has them all.
MAX_LISTED = 1000
# Characters XML 1.0 cannot carry at all, even escaped (control characters but tab/newline/CR).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(report: Mapping[str, Any], options: RenderOptions) -> str:
    paths = input_paths(report)
    names = case_names(paths)
    suite = ET.Element("testsuite", name="dqlint", time="0")
    _properties(
        suite,
        {"verdict": report["verdict"], "reason": report["summary"]["reason"], "dqlint_version": report.get("dqlint_version", "")},
    )
    counts: Counter[str] = Counter()
    for rule in report["rules"]:
        for path in paths or [""]:
            outcome = _add_case(suite, rule, path, names.get(path, "dataset"))
            counts["tests"] += 1
            counts[outcome] += 1
    totals = {k: str(counts[k]) for k in ("tests", "failures", "errors", "skipped")}
    suite.attrib.update(totals)
    root = ET.Element("testsuites", name="dqlint", time="0", **totals)
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def case_names(paths: list[str]) -> dict[str, str]:
    """Short, unique labels for files: base names, or paths where base names collide."""
    base = {p: os.path.basename(p.rstrip("/\\")) or p for p in paths}
    clashes = Counter(base.values())
    return {p: base[p] if clashes[base[p]] == 1 else p.replace("\\", "/") for p in paths}


def _add_case(suite: ET.Element, rule: Mapping[str, Any], path: str, label: str) -> str:
    """Append one test case; return its outcome ('passed', 'failures', 'errors', 'skipped')."""
    case = ET.SubElement(suite, "testcase", classname=f"dqlint.{rule['id']}", name=_xml(f"{rule['id']}[{label}]"), time="0")
    if path:
        case.set("file", _xml(path))
    metric = rule.get("metric") or {}
    _properties(
        case,
        {
            "status": rule["status"],
            "severity": rule["severity"],
            "criterion": rule.get("criterion") or "",
            **({"metric": metric["name"], "metric.value": number(metric["value"]), "metric.threshold": number(metric["threshold"])} if metric else {}),
        },
    )
    findings = [f for f in rule["findings"] if any(loc.get("path") == path for loc in f["locations"])]
    status = rule["status"]
    message = _xml(rule_level_message(rule))
    if status == "skipped":
        ET.SubElement(case, "skipped", message=message)
        return "skipped"
    if status == "error":
        ET.SubElement(case, "error", message=message, type="rule-error").text = message
        return "errors"
    if status == "fail" and (findings or not rule["findings"]):
        failure = ET.SubElement(case, "failure", message=message, type=rule["severity"])
        failure.text = _xml(_findings_text(findings, len(rule["findings"])) or message)
        return "failures"
    if findings or status == "warn":
        ET.SubElement(case, "system-out").text = _xml(f"{status.upper()}: {rule_level_message(rule)}\n" + _findings_text(findings, len(rule["findings"])))
    return "passed"


def _findings_text(findings: list[Mapping[str, Any]], total: int) -> str:
    lines = []
    for finding in findings[:MAX_LISTED]:
        where = ", ".join(location_text(loc) for loc in finding["locations"])
        snippet = one_line(finding.get("snippet"), 120)
        lines.append(f"{where}: {finding['message']}" + (f"  «{snippet}»" if snippet else ""))
    if len(findings) > MAX_LISTED:
        lines.append(f"… and {len(findings) - MAX_LISTED:,} more in the JSON report")
    if findings and total > len(findings):
        lines.append(f"({total - len(findings):,} more finding(s) of this rule are in other files)")
    return "\n".join(lines)


def _properties(parent: ET.Element, values: Mapping[str, str]) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in values.items():
        ET.SubElement(props, "property", name=name, value=_xml(str(value)))


def _xml(text: str) -> str:
    """Text XML can carry: characters XML 1.0 forbids are shown as \\xNN instead."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
