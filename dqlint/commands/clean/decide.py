"""Which records to drop, and why, from a check report's findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from dqlint.commands.clean.sources import Key

if TYPE_CHECKING:

    pass



FORMAT_RULE = "format-consistency"


DUPLICATE_RULE = "near-duplicates"


LEAKAGE_RULE = "train-test-leakage"


# Rules whose findings clean reads in its own way; --drop-rule is for the others.
BUILT_IN_REASONS = (FORMAT_RULE, DUPLICATE_RULE, LEAKAGE_RULE)


@dataclass
class Reason:
    rule: str
    kind: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "kind": self.kind, "message": self.message}


def decide_drops(
    report: dict[str, Any],
    *,
    leaked_from: str = "train",
    duplicates: bool = True,
    leakage: bool = True,
    format_errors: bool = True,
    drop_rules: Sequence[str] = (),
) -> dict[Key, list[Reason]]:
    """(path, record) -> why it is dropped, from the rules' findings in ``report``."""
    rules = {entry["id"]: entry for entry in report["rules"]}
    drops: dict[Key, list[Reason]] = {}

    def add(loc: dict[str, Any], reason: Reason) -> None:
        if loc.get("record") is None:
            return
        key = (loc["path"], loc["record"])
        if all(r.message != reason.message for r in drops.get(key, [])):
            drops.setdefault(key, []).append(reason)

    for finding in _findings(rules, FORMAT_RULE):
        details = finding.get("details") or {}
        if not details.get("blocking"):
            continue
        kind = details.get("kind", "format")
        locations = finding["locations"]
        if kind == "label-spelling":
            locations = locations[1:]  # the first location shows the spelling to keep
        elif not format_errors and kind not in UNREADABLE_KINDS:
            continue
        for loc in locations:
            add(loc, Reason(FORMAT_RULE, kind, finding["message"]))

    if leakage:
        for finding in _findings(rules, LEAKAGE_RULE):
            held_out, *matches = finding["locations"]
            kind = (finding.get("details") or {}).get("kind", "leak")
            if leaked_from == "test":
                add(held_out, Reason(LEAKAGE_RULE, kind, finding["message"]))
            else:
                for loc in matches:
                    add(loc, Reason(LEAKAGE_RULE, kind, f"{kind} match of held-out row {_where(held_out)} (kept there)"))

    for rule_id in drop_rules:
        for finding in _findings(rules, rule_id):
            kind = _finding_kind(finding, rule_id)
            for loc in finding["locations"]:
                add(loc, Reason(rule_id, kind, finding["message"]))

    if duplicates:
        # Last, so a group keeps a member that survives the other reasons.
        for finding in _findings(rules, DUPLICATE_RULE):
            details = finding.get("details") or {}
            if details.get("kind") not in ("exact", "near"):
                continue  # "same input, different outputs" is not a duplicate
            members = [loc for loc in finding["locations"] if loc.get("record") is not None]
            survivors = [loc for loc in members if (loc["path"], loc["record"]) not in drops]
            if not survivors:
                continue
            kept = survivors[0]
            what = "exact duplicate" if details["kind"] == "exact" else f"near duplicate (similarity {details.get('similarity')})"
            note = " (the group has conflicting labels)" if details.get("conflicting_labels") else ""
            for loc in survivors[1:]:
                add(loc, Reason(DUPLICATE_RULE, details["kind"], f"{what} of {_where(kept)}, which is kept{note}"))
    return drops


# Record kinds a reader could not turn into an example at all: dropped even with --keep-invalid.
UNREADABLE_KINDS = ("invalid-json", "invalid-csv", "not-object", "encoding")


def _finding_kind(finding: dict[str, Any], rule_id: str) -> str:
    """A short label for counts: the finding's kind(s) where the rule names them."""
    details = finding.get("details") or {}
    if details.get("kind"):
        return str(details["kind"])
    kinds = details.get("kinds") or [m.get("kind") for m in details.get("matches", []) if isinstance(m, dict)]
    return ",".join(sorted({str(k) for k in kinds if k})) or rule_id


def _findings(rules: dict[str, Any], rule_id: str) -> list[dict[str, Any]]:
    entry = rules.get(rule_id)
    return list(entry["findings"]) if entry else []


def _where(loc: dict[str, Any]) -> str:
    if loc.get("line") is not None:
        return f"{loc['path']}:{loc['line']}"
    return f"{loc['path']}#{loc.get('record')}"


def _file_level_warnings(report: dict[str, Any]) -> list[str]:
    """Blocking problems that belong to no record (an unreadable header, an unclosed array)."""
    out = []
    for finding in _findings({e["id"]: e for e in report["rules"]}, FORMAT_RULE):
        locations = finding["locations"]
        if (finding.get("details") or {}).get("blocking") and locations and all(loc.get("record") is None for loc in locations):
            out.append(f"{_where(locations[0]) if locations[0].get('line') else locations[0]['path']}: {finding['message']}")
    return out
