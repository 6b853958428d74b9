"""``dqlint clean``: run the rules through the engine, decide what to drop, write a cleaned copy and
every dropped record with its reasons. See the package docstring.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Sequence

from dqlint.commands.clean.decide import decide_drops, partial_fix_warnings
from dqlint.commands.clean.sources import read_sources
from dqlint.commands.clean.write import (
    CleanResult,
    Part,
    partition_all,
    plan_outputs,
    record_frames,
    summarise,
    write_clean,
)
from dqlint.data.outputs import refuse_unsafe_output
from dqlint.errors import DqlintError, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from dqlint.engine.config import Config

__all__ = ["CleanResult", "clean", "DEFAULT_MAX_DROP_SHARE"]

# The largest share of a split one clean may drop without --force.
DEFAULT_MAX_DROP_SHARE = 0.2






def clean(
    data: Any,
    *,
    test: Any = None,
    eval: Any = None,
    output: str | os.PathLike[str] | None = None,
    dropped: str | os.PathLike[str] | None = None,
    force: bool = False,
    drop_rules: Sequence[str] = (),
    leaked_from: str = "train",
    duplicates: bool = True,
    leakage: bool = True,
    format_errors: bool = True,
    only: Sequence[str] = (),
    dry_run: bool = False,
    max_drop_share: float = DEFAULT_MAX_DROP_SHARE,
    config: str | os.PathLike[str] | dict[str, Any] | Config | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame] | CleanResult:
    """Drop duplicates, leaked rows, format errors and rows the named rules flag.

    ``data``/``test``/``eval`` are paths (files or folders), lists of paths, pandas DataFrames or
    lists of dict records, as for :func:`dqlint.check`. Without ``output`` nothing is written
    and ``(kept, dropped)`` DataFrames are returned: ``kept`` holds the kept raw records (index:
    path, record), ``dropped`` one row per dropped record with ``path``, ``line``, ``record``,
    ``split``, ``reasons`` (rule ids), ``findings`` and ``raw``. With ``output`` (a file for one
    input file, a folder for several) the cleaned copies and the ``dropped`` JSONL file are
    written and a :class:`CleanResult` is returned.

    ``only`` limits the fixes applied to some categories (``duplicate``, ``leak``, ``format``,
    ``unreadable``, a plugin's own) or to ``exact`` duplicates. ``dry_run`` writes nothing and
    returns the counts a run would give. A run that would drop more than ``max_drop_share`` of
    any split is refused, naming what it would drop, unless ``force``: a templated set whose
    rows all look alike must not lose them to one command.

    >>> kept, dropped = clean("train.jsonl", test="test.jsonl")       # doctest: +SKIP
    >>> clean("train.jsonl", output="train.clean.jsonl")              # doctest: +SKIP
    """
    from dqlint.api import as_specs

    if leaked_from not in ("train", "test"):
        raise UsageError(f"leaked_from must be 'train' or 'test', got {leaked_from!r}")
    specs = as_specs(data) + as_specs(test, "test") + as_specs(eval, "validation")
    if not specs:
        raise UsageError("nothing to clean: give a path, a DataFrame or a list of records")
    fixing = fixable_rules()
    for rule_id in drop_rules:
        if rule_id in fixing:
            raise UsageError(f"--drop-rule {rule_id}: clean already drops what {rule_id} finds (see --keep-* to turn it off)")
    if output is not None:
        _refuse_early(specs, os.fspath(output), dropped, force)
    needed = [*fixing, *drop_rules]
    resolved = _clean_config(config, needed)
    report = _run_rules(specs, resolved, progress)
    _require_judged(report, needed)

    # "held-out": the fix variant that drops a leaked held-out row instead of its training copies.
    variant = "held-out" if leaked_from == "test" else "default"
    skipped = [category for category, keep in (("duplicate", not duplicates), ("leak", not leakage), ("format", not format_errors)) if keep]
    reasons = decide_drops(report, variant=variant, skip_categories=skipped, only=only, drop_rules=drop_rules)
    if output is None:
        sources = read_sources(report, specs, lambda path, record: True, limits=resolved.limits)
    else:
        sources = read_sources(report, specs, lambda path, record: (path, record) in reasons, limits=resolved.limits)
    warnings = partial_fix_warnings(report, variant, skipped, only)

    if output is None:
        if dropped is not None:
            raise UsageError("dropped= needs output=: without output nothing is written")
        return record_frames(sources, reasons)
    # A dry run only names the outputs; an existing file is no reason to refuse showing counts.
    plan = plan_outputs(sources, os.fspath(output), None if dropped is None else os.fspath(dropped), force=force or dry_run)
    _refuse_inside_input_folders(specs, [*plan.outputs.values(), plan.dropped])
    parts = partition_all(sources, reasons)
    if dry_run:
        return summarise(parts, plan, warnings, written=False)
    if not force:
        refuse_large_drops(parts, max_drop_share)
    return write_clean(parts, plan, warnings)


def refuse_large_drops(parts: list[Part], max_share: float) -> None:
    """Stop before writing when one split would lose more than ``max_share`` of its records."""
    totals: Counter = Counter()
    drops: Counter = Counter()
    why: dict[str, Counter] = {}
    for source, kept, dropped in parts:
        totals[source.split] += len(kept) + len(dropped)
        drops[source.split] += len(dropped)
        for _, reasons in dropped:
            for reason in {(r.rule, r.kind) for r in reasons}:
                why.setdefault(source.split, Counter())[reason] += 1
    for split, total in sorted(totals.items()):
        if total and drops[split] / total > max_share:
            top = ", ".join(f"{rule} {kind} {n:,}" for (rule, kind), n in why[split].most_common(3))
            raise UsageError(
                f"would drop {drops[split]:,} of {total:,} {split} records ({drops[split] / total:.1%}), more than the "
                f"{max_share:.0%} one run may drop ({top}); see them with --dry-run, narrow with --only, "
                "or drop them anyway with --force"
            )


def fixable_rules() -> list[str]:
    """Ids of the installed rules that declare fixes, in id order."""
    from dqlint.engine.plugins import discover_rules

    return [p.id for p in discover_rules() if p.rule is not None and p.rule.fixable]


def _refuse_inside_input_folders(specs: Sequence[Any], paths: Sequence[str]) -> None:
    """A cleaned copy or dropped file inside a folder being cleaned would be read by the next
    check of that folder (sub-folders included, for a saved dataset): refuse it."""
    folders = [os.fspath(s.source) for s in specs if isinstance(s.source, (str, os.PathLike)) and os.path.isdir(s.source)]
    for path in paths if folders else ():
        refuse_unsafe_output(path, folders, force=True)


def _clean_config(config: Any, wanted: Sequence[str]) -> Config:
    """The user's config (thresholds, fields, severities) running only the rules clean reads, with
    the standard findings cap lifted: a finding not reported is a fix not applied."""
    from dqlint.engine.config import resolve_config
    from dqlint.engine.plugins import discover_rules

    resolved = resolve_config(config)
    resolved = replace(resolved, select=tuple(dict.fromkeys(wanted)), ignore=tuple(i for i in resolved.ignore if i not in wanted))
    for plugin in discover_rules():
        if plugin.id in wanted and plugin.rule is not None and any(s.name == "max-findings" for s in plugin.rule.option_specs()):
            resolved = resolved.with_rule_setting(plugin.id, "max-findings", 0)
    return resolved


def _refuse_early(specs: Sequence[Any], output: str, dropped: Any, force: bool) -> None:
    """Say "file exists" before the checks run, not after (the full plan is checked again)."""
    inputs = [os.fspath(s.source) for s in specs if isinstance(s.source, (str, os.PathLike))]
    single = len(specs) == 1 and inputs and os.path.isfile(inputs[0])
    if single and not os.path.isdir(output) and not output.endswith(("/", os.sep)) and "{" not in output:
        refuse_unsafe_output(output, inputs, force=force)
    if dropped is not None:
        refuse_unsafe_output(os.fspath(dropped), inputs, force=force)


def _run_rules(specs: list, config: Config, progress: Callable[[str], None] | None) -> dict[str, Any]:
    from dqlint.engine.check import CheckRequest, run_check

    return run_check(CheckRequest(inputs=specs, config=config, progress=progress))


def _require_judged(report: dict[str, Any], rule_ids: Sequence[str]) -> None:
    """Cleaning on a rule that crashed would keep what it should have dropped: stop instead."""
    for entry in report["rules"]:
        if entry["id"] in rule_ids and entry["status"] == "error":
            raise DqlintError(f"cannot clean: rule {entry['id']} did not run: {entry['message']}")
