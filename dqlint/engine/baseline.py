"""Baselines: accept today's findings, block only new ones.

Every finding in a report carries a ``fingerprint``: its rule, its kind and a hash of the
*content* of the records it points at (never line numbers, so inserting rows keeps it). A rule
that fails without findings (a set too small, a starved class) is fingerprinted by its rule,
status and metric. ``dqlint baseline`` writes these fingerprints to a file; ``dqlint check
--baseline FILE`` marks findings found there as accepted (``"baselined": true``: still shown and
counted) and a rule whose every finding is accepted no longer blocks. Fingerprints in the file
that no finding has any more are reported as stale, so the file can be pruned. Per-path ignores
(``[tool.dqlint.per-path-ignores]``, as ruff's ``per-file-ignores``) accept a rule's findings
whose every location lies in the matching files.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from dqlint.errors import InputError

if TYPE_CHECKING:
    from dqlint.data.dataset import Dataset

__all__ = ["BASELINE_VERSION", "add_fingerprints", "apply_acceptance", "baseline_document", "finding_records", "read_baseline", "row_digests"]

BASELINE_VERSION = 1


# -- fingerprints ------------------------------------------------------------------------------


def add_fingerprints(rules: Sequence[dict[str, Any]], digests: Mapping[tuple[str, int], str]) -> None:
    """Give every finding (and every failing rule without findings) its content fingerprint.
    ``digests``: (path, record) -> the content digest of that row (``row_digests``), for at least
    the rows the findings name (``finding_records``)."""
    for entry in rules:
        for finding in entry["findings"]:
            finding["fingerprint"] = _finding_fingerprint(entry["id"], finding, digests)
        if not entry["findings"] and entry["status"] in ("fail", "warn"):
            metric = (entry.get("metric") or {}).get("name", "")
            entry["fingerprint"] = _digest(["rule", entry["id"], entry["status"], metric])


def finding_records(rules: Sequence[Mapping[str, Any]]) -> dict[str, set[int]]:
    """path -> the records the findings name: the rows whose content their fingerprints hash."""
    wanted: dict[str, set[int]] = {}
    for entry in rules:
        for finding in entry["findings"]:
            for loc in finding["locations"]:
                if type(loc.get("record")) is int:  # a plugin's odd record names no row: its fingerprint uses its words
                    wanted.setdefault(loc["path"], set()).add(loc["record"])
    return wanted


def row_digests(dataset: Dataset, wanted: Mapping[str, set[int]]) -> dict[tuple[str, int], str]:
    """(path, record) -> content digest, for the rows of ``dataset`` that ``wanted`` names. The
    Ray engine computes them block by block on the workers: only the digests reach the driver."""
    paths = [f.path for f in dataset.files]
    out: dict[tuple[str, int], str] = {}
    for row, (file_index, record) in enumerate(zip(dataset.file_index, dataset.record)):
        path = paths[file_index]
        if record in wanted.get(path, ()):
            out[(path, record)] = _row_digest(dataset, row)
    return out


def _finding_fingerprint(rule_id: str, finding: Mapping[str, Any], digests: Mapping[tuple[str, int], str]) -> str:
    kind = str((finding.get("details") or {}).get("kind", ""))
    contents = []
    for loc in finding["locations"]:
        digest = digests.get((loc["path"], loc["record"]))
        if digest is not None:
            contents.append(digest)
        else:  # a problem of a file, or of a record that could not be read: its place and words
            contents.append(_digest([os.path.basename(str(loc["path"])), finding["message"]]))
    return _digest([rule_id, kind, *sorted(contents)])


def _row_digest(dataset: Dataset, row: int) -> str:
    label = dataset.labels_of(row)
    return _digest([dataset.split[row], dataset.system[row], dataset.input[row], dataset.output[row], *label])


def _digest(parts: Iterable[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = str(part).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()[:20]


# -- the baseline file -------------------------------------------------------------------------


def baseline_document(report: Mapping[str, Any]) -> dict[str, Any]:
    """The baseline file for ``report``: one entry per fingerprint, with what it was."""
    entries: dict[str, dict[str, Any]] = {}
    for rule in report["rules"]:
        for finding in rule["findings"]:
            if finding.get("fingerprint"):
                entries.setdefault(finding["fingerprint"], {"rule": rule["id"], "kind": (finding.get("details") or {}).get("kind", ""), "message": finding["message"]})
        if rule.get("fingerprint"):
            entries.setdefault(rule["fingerprint"], {"rule": rule["id"], "kind": "rule", "message": rule["message"]})
    return {"dqlint_baseline": BASELINE_VERSION, "findings": dict(sorted(entries.items()))}


def read_baseline(path: str) -> dict[str, dict[str, Any]]:
    """fingerprint -> entry, from a file written by ``dqlint baseline``."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise InputError(f"{path}: baseline file not found (write one with `dqlint baseline PATHS -o {path}`)") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable baseline file: {exc}") from None
    if not isinstance(data, dict) or data.get("dqlint_baseline") != BASELINE_VERSION or not isinstance(data.get("findings"), dict):
        raise InputError(f"{path}: not a dqlint baseline (version {BASELINE_VERSION}) file")
    return data["findings"]


# -- accepting findings ------------------------------------------------------------------------


def apply_acceptance(
    report: dict[str, Any],
    baseline: Mapping[str, Mapping[str, Any]] | None,
    per_path_ignores: Mapping[str, Sequence[str]],
    *,
    baseline_path: str | None = None,
) -> None:
    """Mark accepted findings in ``report`` (in place) and say per rule what was accepted."""
    if baseline is None and not per_path_ignores:
        return
    baseline = baseline or {}
    seen: set[str] = set()
    for rule in report["rules"]:
        accepted = new = 0
        for finding in rule["findings"]:
            fp = finding.get("fingerprint")
            if fp in baseline:
                seen.add(fp)
                finding["baselined"] = True
            elif _ignored_for_path(rule["id"], finding, per_path_ignores):
                finding["ignored"] = True
            else:
                new += 1
                continue
            accepted += 1
        rule_fp = rule.get("fingerprint")
        rule_accepted = bool(rule_fp) and rule_fp in baseline
        if rule_accepted:
            seen.add(rule_fp)
        if accepted or rule_accepted:
            failing = rule["status"] in ("fail", "warn", "error")
            rule["baseline"] = {
                "accepted": accepted,
                "new": new,
                "accepted_all": failing and rule["status"] != "error" and new == 0 and (accepted > 0 or rule_accepted),
            }
    if baseline_path is not None:
        stale = [{"fingerprint": fp, **entry} for fp, entry in baseline.items() if fp not in seen]
        report["baseline"] = {"path": baseline_path, "accepted": len(seen), "stale": stale}


def _ignored_for_path(rule_id: str, finding: Mapping[str, Any], per_path_ignores: Mapping[str, Sequence[str]]) -> bool:
    """True when every location of ``finding`` lies in files whose pattern ignores ``rule_id``
    (patterns are shell globs matched against the path as reported, and against its file name)."""
    locations = [loc for loc in finding["locations"] if loc.get("path")]
    if not locations:
        return False

    def ignored(path: str) -> bool:
        return any(
            rule_id in rules and (fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(os.path.basename(path), pattern))
            for pattern, rules in per_path_ignores.items()
        )

    return all(ignored(str(loc["path"])) for loc in locations)
