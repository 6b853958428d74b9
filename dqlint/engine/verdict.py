"""The verdict: **no-go** if and only if a rule at ``error`` severity fails or errors (with
``fail_on="warning"``, any rule that warns too), and the exit code that goes with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from dqlint.engine.rule import Status

if TYPE_CHECKING:
    from dqlint.engine.runner import RuleOutcome

__all__ = ["BLOCKING", "CRITERIA", "judge", "exit_code"]


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


def judge(outcomes: Sequence[RuleOutcome], fail_on: str = "error") -> tuple[str, str]:
    """(verdict, one-sentence reason). With ``fail_on="warning"`` any rule that warns, fails or
    errors blocks, whatever its severity: the verdict and the exit code always agree."""
    if fail_on == "warning":
        blocking = [o for o in outcomes if o.result.status in (Status.WARN, *BLOCKING)]
    else:
        blocking = [o for o in outcomes if o.blocks]
    if blocking:
        parts = [f"{o.id} {_verb(o.result.status)} ({o.result.message})" for o in blocking[:3]]
        more = f", and {len(blocking) - 3} more" if len(blocking) > 3 else ""
        return "no-go", "No-go: " + "; ".join(parts) + more + "."
    counts = {s: sum(1 for o in outcomes if o.result.status is s) for s in Status}
    shown = ", ".join(f"{counts[s]} {word}" for s, word in _COUNT_WORDS if counts[s])
    return "go", f"Go: no blocking rule failed ({shown})."


_COUNT_WORDS = (
    (Status.PASS, "passed"),
    (Status.WARN, "warned"),
    (Status.FAIL, "failed at warning severity"),
    (Status.ERROR, "errored at warning severity"),
    (Status.SKIPPED, "skipped"),
)


def _verb(status: Status) -> str:
    return {Status.WARN: "warns", Status.FAIL: "fails", Status.ERROR: "errors"}.get(status, status.value)


def exit_code(report: Mapping[str, Any], *, exit_zero: bool = False) -> int:
    """0 = go, 1 = no-go (the verdict already honours fail-on); exit_zero forces 0."""
    if exit_zero:
        return 0
    return 1 if report["verdict"] == "no-go" else 0
