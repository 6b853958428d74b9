"""Run the selected rules and give each its severity.

A rule that crashes, or a plugin that cannot be imported, is reported with status ``error`` and its
message: the run cannot vouch for what it did not check.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from dqlint.engine.config import Config
from dqlint.engine.plugins import PluginRule
from dqlint.engine.rule import CheckContext, RuleResult, Severity, Status, json_plain
from dqlint.engine.verdict import CRITERIA
from dqlint.workers import can_fork, forked_map
from dqlint.errors import ConfigError, DqlintError

__all__ = ['RuleOutcome', 'select_rules', 'run_rules', 'rule_groups', 'crashed', 'report_order']


@dataclass
class RuleOutcome:
    """One rule's result with what the engine adds: its severity and how long it took."""

    id: str
    summary: str
    criterion: str
    severity: Severity
    result: RuleResult
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "id": self.id,
            "summary": self.summary,
            "criterion": self.criterion,
            "severity": self.severity.value,
            "status": r.status.value,
            "metric": r.metric.to_dict() if r.metric else None,
            "message": r.message,
            "details": json_plain(r.details),
            "findings": [f.to_dict() for f in r.findings],
        }


def select_rules(plugins: Sequence[PluginRule], config: Config) -> list[PluginRule]:
    """Apply select/ignore; every name in config must be a rule id or a criterion (``duplicates``
    selects every rule of that readiness criterion, as ruff selects by prefix)."""
    known = {p.id for p in plugins}
    by_criterion = rules_by_criterion(plugins)
    # "ALL" is a selection, not a rule: it is not accepted in ignore or in per-rule settings.
    named = (set(config.select or ()) - {"ALL"}) | set(config.ignore)
    unknown = sorted(n for n in named if n not in known and criterion_key(n) not in by_criterion) + sorted(set(config.rules) - known)
    if unknown:
        criteria = ", ".join(sorted(by_criterion))
        raise ConfigError(f"unknown rule id(s): {', '.join(unknown)} (known: {', '.join(sorted(known))}; criteria: {criteria})")
    selected = expand_names(config.select, by_criterion) if config.select is not None else None
    ignored = expand_names(config.ignore, by_criterion)
    chosen = [p for p in plugins if selected is None or "ALL" in selected or p.id in selected]
    chosen = [p for p in chosen if p.id not in ignored]
    if not chosen:
        raise ConfigError("no rules selected: check select and ignore")
    return chosen


def criterion_key(name: str) -> str:
    """Criteria are written with spaces in reports and with hyphens on command lines."""
    return name.strip().lower().replace("-", " ").replace("_", " ")


def rules_by_criterion(plugins: Sequence[PluginRule]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for p in plugins:
        if p.rule is not None and p.rule.criterion:
            out.setdefault(criterion_key(p.rule.criterion), set()).add(p.id)
    return out


def expand_names(names: Sequence[str], by_criterion: Mapping[str, set[str]]) -> set[str]:
    """Rule ids for names that are rule ids or criteria."""
    out: set[str] = set()
    for name in names:
        out.add(name)
        out |= by_criterion.get(criterion_key(name), set())
    return out


def run_rules(
    ctx: CheckContext,
    plugins: Sequence[PluginRule],
    config: Config,
    *,
    jobs: int = 1,
    on_start: Callable[[str], None] | None = None,
    on_done: Callable[[RuleOutcome], None] | None = None,
) -> list[RuleOutcome]:
    """Run every plugin rule; options are validated for all rules before any runs. With
    ``jobs`` > 1 the rules run in that many forked processes, rules that share work
    (``Rule.shares``) in the same one; the outcomes are the same as in one process."""
    prepared = [(p, rule_severity(p, config), rule_options(p, config)) for p in plugins]
    groups = rule_groups(plugins, [options for _, _, options in prepared])
    if jobs > 1 and len(groups) > 1 and can_fork():
        outcomes = _run_forked(ctx, prepared, groups, min(jobs, len(groups)), on_start, on_done)
    else:
        outcomes = []
        for plugin, severity, options in prepared:
            if on_start:
                on_start(plugin.id)
            outcomes.append(_outcome(plugin, severity, options, ctx))
            if on_done:
                on_done(outcomes[-1])
    return sorted(outcomes, key=report_order)


def _outcome(plugin: PluginRule, severity: Severity, options: Any, ctx: CheckContext) -> RuleOutcome:
    started = time.perf_counter()
    result = _run_one(plugin, ctx, options)
    return RuleOutcome(
        id=plugin.id,
        summary=plugin.rule.summary if plugin.rule else "",
        criterion=plugin.rule.criterion if plugin.rule else "",
        severity=severity,
        result=result,
        seconds=time.perf_counter() - started,
    )


def rule_groups(plugins: Sequence[PluginRule], options: Sequence[Any] | None = None) -> list[list[int]]:
    """Positions of the plugins that must run in one process because they share work
    (overlapping ``Rule.shared_work`` with their ``options``, else ``Rule.shares``), heaviest
    group first (the sum of its rules' ``Rule.weight``), else in the given order. A rule that
    shares nothing is a group of its own."""
    group_of: dict[str, int] = {}  # shared-work name -> group
    groups: list[list[int]] = []
    for i, plugin in enumerate(plugins):
        names = _shared_work(plugin, options[i] if options is not None else None)
        joined = sorted({group_of[n] for n in names if n in group_of})
        if not joined:
            groups.append([i])
            target = len(groups) - 1
        else:
            target = joined[0]
            groups[target].append(i)
            for other in joined[1:]:  # this rule links two groups: merge them
                groups[target] += groups[other]
                groups[other] = []
                group_of.update({n: target for n, g in group_of.items() if g == other})
        group_of.update({n: target for n in names})
    kept = [sorted(g) for g in groups if g]
    return sorted(kept, key=lambda g: (-sum(_weight(plugins[i]) for i in g), g[0]))


def _shared_work(plugin: PluginRule, options: Any) -> tuple[str, ...]:
    rule = plugin.rule
    if rule is None:
        return ()
    if options is not None and hasattr(rule, "shared_work"):
        return tuple(rule.shared_work(options))
    return tuple(getattr(rule, "shares", ()))


def _weight(plugin: PluginRule) -> float:
    return float(getattr(plugin.rule, "weight", 1.0)) if plugin.rule is not None else 1.0


def _run_forked(
    ctx: CheckContext,
    prepared: Sequence[tuple[PluginRule, Severity, Any]],
    groups: Sequence[Sequence[int]],
    jobs: int,
    on_start: Callable[[str], None] | None,
    on_done: Callable[[RuleOutcome], None] | None,
) -> list[RuleOutcome]:
    """The groups' rules in ``jobs`` processes, this one and forked workers (``forked_map``:
    heaviest first, each to whichever process is free). A group whose worker failed (it died,
    or its result did not pickle) runs again here, so a run never loses a rule to the pool; a
    run that cannot be judged (DqlintError) ends as it would in one process."""

    def work(g: int) -> list[RuleOutcome]:
        # No rule prints progress in the parallel part: a child's would garble the terminal (its
        # locks are not the child's own), and this process shows the part as one stage.
        progress, ctx._progress = ctx._progress, None
        try:
            with ctx.shared_for_now():  # no other group shares it
                return [_outcome(*prepared[i], ctx) for i in groups[g]]
        finally:
            ctx._progress = progress

    if on_start:  # one stage for the parallel part: a child's own progress would garble the terminal
        on_start(f"{len(prepared)} rules in {jobs} processes ({', '.join(p.id for p, _, _ in prepared)}; --jobs 1 times each)")
    outcomes: list[RuleOutcome] = []
    failed: list[int] = []
    for g, result, error in forked_map(work, len(groups), jobs):
        if isinstance(error, DqlintError):
            raise error
        if error is not None:
            failed.append(g)
            continue
        for outcome in result:
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    for g in sorted(failed):
        with ctx.shared_for_now():
            for i in groups[g]:
                outcomes.append(_outcome(*prepared[i], ctx))
                if on_done:
                    on_done(outcomes[-1])
    return outcomes


def report_order(outcome: RuleOutcome) -> tuple[int, str]:
    crit = outcome.criterion
    return (CRITERIA.index(crit) if crit in CRITERIA else len(CRITERIA), outcome.id)


def rule_severity(plugin: PluginRule, config: Config) -> Severity:
    value = config.rule_table(plugin.id).get("severity")
    if value is None:
        return plugin.rule.default_severity if plugin.rule else Severity.ERROR
    try:
        return Severity(value)
    except ValueError:
        raise ConfigError(f"rule {plugin.id!r}: severity must be 'error' or 'warning', got {value!r}") from None


def rule_options(plugin: PluginRule, config: Config) -> Any:
    if plugin.rule is None:
        return None
    values = {k: v for k, v in config.rule_table(plugin.id).items() if k != "severity"}
    return plugin.rule.make_options(values)


def _run_one(plugin: PluginRule, ctx: CheckContext, options: Any) -> RuleResult:
    if plugin.rule is None:
        return RuleResult(Status.ERROR, f"rule could not be loaded from {plugin.distribution}: {plugin.error}")
    try:
        result = plugin.rule().check(ctx, options)
    except DqlintError:
        # An unreadable review sheet or suite, or a bad setting, means the run cannot be
        # judged (exit 2), which is not the same as a rule that crashed.
        raise
    except Exception as exc:  # a crashing rule is reported, never fatal to the run
        return crashed(exc)
    return checked_result(result)


def crashed(exc: BaseException) -> RuleResult:
    """The entry of a rule that raised: what and where, status error (the run goes on)."""
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    where = f" ({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})"
    return RuleResult(Status.ERROR, f"rule crashed: {type(exc).__name__}: {exc}{where}")


def checked_result(result: Any) -> RuleResult:
    if not isinstance(result, RuleResult):
        return RuleResult(Status.ERROR, f"rule returned {type(result).__name__}, not a RuleResult")
    return result
