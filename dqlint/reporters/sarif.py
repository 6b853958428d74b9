"""SARIF 2.1.0, the subset GitHub code scanning reads (``github/codeql-action/upload-sarif``).

One run; ``tool.driver.rules`` lists every rule that ran (id, descriptions, default level); one
result per finding, located at its first location (file + line), the finding's other rows as
``relatedLocations``. A rule that fails or warns without findings (e.g. too few examples) gives
one result on the first input file. A rule that could not run is a tool execution notification,
not an alert about the data. ``partialFingerprints`` hash the finding's content, not its line, so
an alert survives rows moving within a file.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import PurePosixPath
from typing import Any, Mapping
from urllib.parse import quote

from dqlint.reporters import RenderOptions
from dqlint.reporters._ci import input_paths, level, repo_path, rule_level_message

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/dqlint/"
FINGERPRINT_KEY = "dqlintFindingHash/v1"
# GitHub keeps at most 1,000 related locations per result.
MAX_RELATED = 1000


def render(report: Mapping[str, Any], options: RenderOptions) -> str:
    return json.dumps(to_sarif(report), indent=2, ensure_ascii=False) + "\n"


def to_sarif(report: Mapping[str, Any]) -> dict[str, Any]:
    rules = list(report["rules"])
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for rule in rules:
        results += _rule_results(rule, index[rule["id"]], report)
    _add_fingerprints(results)
    notifications = [_notification(rule, index[rule["id"]]) for rule in rules if rule["status"] == "error"]
    version = report.get("dqlint_version", "")
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dqlint",
                        "version": version,
                        "semanticVersion": version,
                        "informationUri": INFORMATION_URI,
                        "rules": [_descriptor(rule) for rule in rules],
                    }
                },
                "invocations": [
                    {"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}
                ],
                "results": results,
                "properties": {"verdict": report["verdict"], "reason": report["summary"]["reason"]},
            }
        ],
    }


def _descriptor(rule: Mapping[str, Any]) -> dict[str, Any]:
    rule_id = rule["id"]
    summary = rule.get("summary") or rule_id
    criterion = rule.get("criterion") or ""
    full = f"{summary}." if not summary.endswith(".") else summary
    if criterion:
        full += f" Readiness criterion: {criterion}."
    more = f"Run `dqlint rules {rule_id}` for what it checks, why it matters and how to fix it."
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", rule_id)),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": full},
        "help": {"text": f"{full} {more}", "markdown": f"**{summary}**\n\n{full}\n\n{more}"},
        "defaultConfiguration": {"level": "error" if rule["severity"] == "error" else "warning"},
        "properties": {"tags": ["data-quality", *([criterion] if criterion else [])]},
    }


def _rule_results(rule: Mapping[str, Any], rule_index: int, report: Mapping[str, Any]) -> list[dict[str, Any]]:
    base = {"ruleId": rule["id"], "ruleIndex": rule_index, "level": level(rule)}
    if rule["findings"]:
        return [{**base, **_finding_result(finding)} for finding in rule["findings"]]
    if rule["status"] in ("fail", "warn"):
        # A judgement about the whole data set: pin it to the first input so it has a place.
        paths = input_paths(report)
        locations = [_location({"path": paths[0]})] if paths else []
        return [{**base, "message": {"text": rule_level_message(rule)}, "locations": locations, "_key": "rule"}]
    return []


def _finding_result(finding: Mapping[str, Any]) -> dict[str, Any]:
    locations = finding["locations"]
    snippet = finding.get("snippet")
    result: dict[str, Any] = {
        "message": {"text": finding["message"]},
        "locations": [_location(locations[0], snippet)] if locations else [],
    }
    related = [dict(_location(loc), id=i) for i, loc in enumerate(locations[1 : MAX_RELATED + 1], start=1)]
    if related:
        result["relatedLocations"] = related
    # Content, not position, identifies a finding across runs.
    result["_key"] = snippet or re.sub(r"\d+", "#", finding["message"])
    return result


def _location(loc: Mapping[str, Any], snippet: str | None = None) -> dict[str, Any]:
    path = repo_path(str(loc.get("path") or ""))
    physical: dict[str, Any] = {"artifactLocation": _artifact(path)}
    line = loc.get("line")
    if isinstance(line, int) and line >= 1:
        region: dict[str, Any] = {"startLine": line}
        if snippet:
            region["snippet"] = {"text": snippet}
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    record = loc.get("record")
    if "region" not in physical and isinstance(record, int):
        # Parquet and in-memory rows have no line: the record index is their address.
        location["logicalLocations"] = [{"name": f"record {record}", "fullyQualifiedName": f"{path}#{record}", "kind": "element"}]
    return location


def _artifact(path: str) -> dict[str, Any]:
    if PurePosixPath(path).is_absolute():
        return {"uri": "file://" + quote(path, safe="/")}
    return {"uri": quote(path, safe="/"), "uriBaseId": "%SRCROOT%"}


def _add_fingerprints(results: list[dict[str, Any]]) -> None:
    """Hash (rule, primary file, content key); equal hashes get an occurrence number, as GitHub's
    own ``primaryLocationLineHash`` does, so repeated identical findings stay distinct."""
    seen: Counter[str] = Counter()
    for result in results:
        locations = result["locations"]
        path = locations[0]["physicalLocation"]["artifactLocation"]["uri"] if locations else ""
        key = result.pop("_key")
        digest = hashlib.sha256("\0".join([result["ruleId"], path, key]).encode("utf-8")).hexdigest()[:32]
        seen[digest] += 1
        result["partialFingerprints"] = {FINGERPRINT_KEY: f"{digest}:{seen[digest]}"}


def _notification(rule: Mapping[str, Any], rule_index: int) -> dict[str, Any]:
    return {
        "level": "error" if rule["severity"] == "error" else "warning",
        "message": {"text": f"{rule['id']}: {rule['message']}"},
        "associatedRule": {"id": rule["id"], "index": rule_index},
    }
