"""The verdict: **no-go** if and only if a rule at ``error`` severity fails or errors (with
``fail_on="warning"``, any rule that warns too), and the exit code that goes with it.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from dqlint.engine.rule import Status

__all__ = ["BLOCKING", "CRITERIA", "blocks", "judge", "exit_code"]


# Report order: the readiness checklist, then anything a plugin adds.
CRITERIA = (
    "format",
    "label accuracy",
    "duplicates",
    "leakage",
    "edge cases",
    "class balance",
    "distribution",
    "size and holdout",
    "tokens and cost",
    "content safety",
    "expectations",
)


BLOCKING = (Status.FAIL, Status.ERROR)
_BLOCKING_STATUSES = tuple(s.value for s in BLOCKING)


def blocks(entry: Mapping[str, Any], fail_on: str = "error") -> bool:
    """Whether one rule entry of the report blocks the verdict. A failure whose every finding a
    baseline (or a per-path ignore) accepts blocks nothing: only new problems do."""
    if (entry.get("baseline") or {}).get("accepted_all"):
        return False
    if fail_on == "warning":
        return entry["status"] in (Status.WARN.value, *_BLOCKING_STATUSES)
    return entry["severity"] == "error" and entry["status"] in _BLOCKING_STATUSES


def judge(entries: Sequence[Mapping[str, Any]], fail_on: str = "error") -> tuple[str, str]:
    """(verdict, one-sentence reason) from the report's rule entries. With ``fail_on="warning"``
    any rule that warns, fails or errors blocks, whatever its severity: the verdict and the exit
    code always agree. The reason names every blocking rule (the first three with their message)."""
    blocking = [e for e in entries if blocks(e, fail_on)]
    if blocking:
        parts = [f"{e['id']} {_verb(e['status'])} ({e['message']})" for e in blocking[:3]]
        rest = [f"{e['id']} {_verb(e['status'])}" for e in blocking[3:]]
        more = f"; also {', '.join(rest)}" if rest else ""
        return "no-go", "No-go: " + "; ".join(parts) + more + "."
    accepted = [e for e in entries if (e.get("baseline") or {}).get("accepted_all")]
    judged = [e for e in entries if e not in accepted]
    counts = {s: sum(1 for e in judged if e["status"] == s.value) for s in Status}
    shown = ", ".join(f"{counts[s]} {word}" for s, word in _COUNT_WORDS if counts[s])
    if accepted:
        shown += f"{', ' if shown else ''}{len(accepted)} accepted (every finding in the baseline or ignored for its path)"
    return "go", f"Go: no blocking rule failed ({shown})."


_COUNT_WORDS = (
    (Status.PASS, "passed"),
    (Status.WARN, "warned"),
    (Status.FAIL, "failed at warning severity"),
    (Status.ERROR, "errored at warning severity"),
    (Status.SKIPPED, "skipped"),
)


def _verb(status: str) -> str:
    return {"warn": "warns", "fail": "fails", "error": "errors"}.get(status, status)


def exit_code(report: Mapping[str, Any], *, exit_zero: bool = False) -> int:
    """0 = go, 1 = no-go (the verdict already honours fail-on); exit_zero forces 0."""
    if exit_zero:
        return 0
    return 1 if report["verdict"] == "no-go" else 0
