"""Which records to drop, and why: the fixes the rules declared with their findings.

Clean knows no rule by name. A rule that can say how to fix a finding attaches a
:class:`~dqlint.engine.rule.Fix` (the records to drop, why, and what kind of problem it
removes); clean applies every declared fix, except the categories the user keeps
(``--keep-duplicates`` and the like), and drops every record a rule named with ``--drop-rule``
points at. Group fixes (keep one record of a duplicate group) come last, so a group keeps a
member that survives every other fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from dqlint.commands.clean.sources import Key
from dqlint.engine.rule import Fix

__all__ = ["Reason", "applies", "decide_drops", "partial_fix_warnings", "READER"]

# The name dropped records carry when the reader, not a rule, could not read them.
READER = "dqlint"


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
    variant: str = "default",
    skip_categories: Sequence[str] = (),
    only: Sequence[str] = (),
    drop_rules: Sequence[str] = (),
) -> dict[Key, list[Reason]]:
    """(path, record) -> why it is dropped, from the fixes in ``report`` (each finding's fix, or
    its alternative named ``variant``) and the findings of the ``drop_rules``."""
    drops: dict[Key, list[Reason]] = {}

    def add(loc: dict[str, Any], reason: Reason) -> None:
        if loc.get("record") is None:
            return
        key = (loc["path"], loc["record"])
        if all(r.message != reason.message for r in drops.get(key, [])):
            drops.setdefault(key, []).append(reason)

    groups: list[tuple[str, Fix, list[dict[str, Any]]]] = []
    for rule_id, finding, fix in declared_fixes(report, variant):
        if not applies(fix, skip_categories, only):
            continue
        chosen = [finding["locations"][i] for i in fix.drop if i < len(finding["locations"])]
        if fix.keep_one:
            groups.append((rule_id, fix, chosen))
            continue
        for loc in chosen:
            add(loc, Reason(rule_id, fix.kind or fix.category, fix.reason))

    for rule_id in drop_rules:
        for finding in _rule_findings(report, rule_id):
            kind = _finding_kind(finding, rule_id)
            for loc in finding["locations"]:
                add(loc, Reason(rule_id, kind, finding["message"]))

    for rule_id, fix, members in groups:
        survivors = [loc for loc in members if loc.get("record") is not None and (loc["path"], loc["record"]) not in drops]
        if not survivors:
            continue
        kept = survivors[0]
        for loc in survivors[1:]:
            add(loc, Reason(rule_id, fix.kind or fix.category, fix.reason.replace("{kept}", where(kept))))
    return drops


def applies(fix: Fix, skip_categories: Sequence[str], only: Sequence[str]) -> bool:
    """Whether the user's selection takes ``fix``: ``only`` names categories (or ``exact``, the
    exact-duplicate groups alone); ``skip_categories`` are kept out, except unreadable records,
    which no cleaned copy can hold."""
    if only:
        return fix.category in only or ("exact" in only and fix.category == "duplicate" and fix.kind == "exact")
    return fix.category not in skip_categories or fix.category == "unreadable"


def declared_fixes(report: dict[str, Any], variant: str = "default") -> Iterator[tuple[str, dict[str, Any], Fix]]:
    """(rule id, finding, fix) for every finding that declares a fix, in report order."""
    for entry in report["rules"]:
        for finding in entry["findings"]:
            if finding.get("fix"):
                yield entry["id"], finding, Fix.from_dict(finding["fix"]).choose(variant)


def partial_fix_warnings(
    report: dict[str, Any], variant: str = "default", skip_categories: Sequence[str] = (), only: Sequence[str] = ()
) -> list[str]:
    """What applying the fixes cannot mend: a problem that belongs to no record (an unreadable
    header, an unclosed array), or a fix that names only part of what it would need."""
    out = []
    for rule_id, finding, fix in declared_fixes(report, variant):
        if not applies(fix, skip_categories, only):
            continue
        locations = finding["locations"]
        if not fix.drop:
            first = locations[0] if locations else {"path": "?", "line": None}
            out.append(f"{where(first) if first.get('line') else first['path']}: {finding['message']}")
        elif fix.note:
            out.append(fix.note)
    return list(dict.fromkeys(out))


def _finding_kind(finding: dict[str, Any], rule_id: str) -> str:
    """A short label for counts: the finding's kind(s) where the rule names them."""
    details = finding.get("details") or {}
    if details.get("kind"):
        return str(details["kind"])
    kinds = details.get("kinds") or [m.get("kind") for m in details.get("matches", []) if isinstance(m, dict)]
    return ",".join(sorted({str(k) for k in kinds if k})) or rule_id


def _rule_findings(report: dict[str, Any], rule_id: str) -> list[dict[str, Any]]:
    return [f for entry in report["rules"] if entry["id"] == rule_id for f in entry["findings"]]


def where(loc: dict[str, Any]) -> str:
    """``path:line`` where the format has lines, else ``path#record``."""
    if loc.get("line") is not None:
        return f"{loc['path']}:{loc['line']}"
    return f"{loc['path']}#{loc.get('record')}"
