"""One check from request to report: load, run the rules, judge, build the report (the JSON
contract), with the result cache in front. The CLI and the Python API both call :func:`run_check`,
so they always agree.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol, Sequence

from dqlint.data.ingest import load_inputs
from dqlint.data.sources import InputSpec
from dqlint.engine.baseline import (
    add_fingerprints,
    apply_acceptance,
    finding_records,
    read_baseline,
    row_digests,
)
from dqlint.engine.config import Config
from dqlint.engine.verdict import judge
from dqlint.errors import InputError, UsageError
from dqlint.report import build_report, json_ready
from dqlint.report.masking import mask_report
from dqlint.workers import rare_full_collections

if TYPE_CHECKING:
    from dqlint.engine.cache import ResultCache
    from dqlint.engine.plugins import PluginRule
    from dqlint.engine.rule import CheckContext

__all__ = ['CheckRequest', 'ReportSection', 'run_check']


class ReportSection(Protocol):
    """An extra top-level key of the report (e.g. ``cost``), built after the verdict from the
    run's context. Only sections a request asks for appear, so the contract grows additively."""

    key: str

    def build(self, ctx: CheckContext, report: Mapping[str, Any]) -> Any: ...

    def material(self) -> Any:
        """What the section depends on beyond the inputs and rules (for the cache key)."""

    def judged(self, value: Any, report: Mapping[str, Any]) -> Any:
        """The section once the final verdict is known (after accepted findings)."""


@dataclass
class CheckRequest:
    """Everything one check needs, however it was asked for (CLI flags or API arguments)."""

    inputs: list[InputSpec]
    config: Config = field(default_factory=Config)
    reference: list[InputSpec] = field(default_factory=list)
    review: str | None = None
    expectations: str | None = None
    schema: str | None = None
    progress: Callable[[str], None] | None = None
    on_rule_done: Callable[[Any], None] | None = None
    use_cache: bool = False
    sections: Sequence[ReportSection] = ()


def run_check(request: CheckRequest) -> dict[str, Any]:
    """Load, run the rules, judge: the one code path behind ``dqlint check`` and ``dqlint.check``."""
    from dqlint.engine.cache import ResultCache
    from dqlint.engine.plugins import discover_rules
    from dqlint.engine.runner import select_rules

    if not request.inputs:
        raise UsageError("no inputs: give a PATH, or set train = [...] in [tool.dqlint]")
    config = request.config
    _refuse_special_files(request)
    plugins = select_rules(discover_rules(), config)
    progress = request.progress
    if config.engine == "ray":  # the same report, computed on a Ray cluster (no result cache)
        from dqlint.engine.ray import run_ray_check

        with rare_full_collections():
            return _finished(run_ray_check(request, plugins), request)
    cache = ResultCache.for_request(request, plugins)
    cached = cache.load() if cache else None
    if cached is not None:
        if progress:
            progress("unchanged inputs, rules and options: report from the cache (--no-cache to re-run)")
        return _finished(cached, request)
    with rare_full_collections():  # what the check builds lives until its report is written
        return _checked(request, plugins, cache)


def _checked(request: CheckRequest, plugins: Sequence[PluginRule], cache: ResultCache | None) -> dict[str, Any]:
    """Load the inputs, run the rules, and build, mask and cache the report."""
    from dqlint import __version__
    from dqlint.engine.rule import CheckContext
    from dqlint.engine.runner import run_rules

    config, progress = request.config, request.progress
    dataset = load_inputs(request.inputs, fields=config.fields, progress=progress, limits=config.limits)
    reference = load_inputs(request.reference, fields=config.fields, progress=progress, limits=config.limits, require_pins=False) if request.reference else None
    if reference is not None and len(reference) == 0:
        names = ", ".join(f.path for f in reference.files)
        raise InputError(f"{names}: the reference sample holds no examples to compare with")
    ctx = CheckContext(
        dataset,
        reference=reference,
        review=request.review or config.review,
        expectations=request.expectations or config.expectations,
        schema=request.schema or config.schema,
        progress=progress,
        base_dir=os.path.dirname(config.source) if config.source else None,
        target=config.target,
        jobs=rule_jobs(config, len(dataset)),
    )
    outcomes = run_rules(
        ctx,
        plugins,
        config,
        jobs=rule_jobs(config, len(dataset), reads_shared=bool(request.sections)),
        on_start=(lambda rule_id: progress(f"running {rule_id}")) if progress else None,
        on_done=request.on_rule_done,
    )
    if progress:  # a stage of its own: with -v its time would count as the last rule's
        progress(f"building the report ({sum(len(o.result.findings) for o in outcomes):,} findings)")
    rules = [outcome.to_dict() for outcome in outcomes]
    del outcomes  # the findings live on in `rules` alone (a second copy of them is most of a large report)
    add_fingerprints(rules, row_digests(dataset, finding_records(rules)))
    verdict, reason = judge(rules, config.fail_on)
    report = build_report(dataset, rules, verdict, reason, __version__, target=config.target)
    for section in request.sections:
        report[section.key] = section.build(ctx, report)
    # One masking pass over everything the report says, before the cache and every reporter.
    if progress:
        progress("masking secrets in the report")
    report = mask_report(json_ready(report))
    if cache:
        if progress:
            progress("storing the report in the cache")
        cache.store(report)
    return _finished(report, request)


# Rows from which "auto" runs the rules in several processes: below it a check takes about a
# second, and each process would import the libraries it needs again.
AUTO_JOBS_ROWS = 20_000


def rule_jobs(config: Config, rows: int, *, reads_shared: bool = False) -> int:
    """Processes to run the rules in: ``jobs`` when set, else every usable CPU from
    ``AUTO_JOBS_ROWS`` rows, as many as the available memory holds, while no other thread runs
    in this process. One when a report section
    reads the rules' shared work after them (the cost section reuses token-length's counts,
    which a worker process would keep)."""
    from dqlint.workers import affordable_jobs, usable_cpus

    if reads_shared:
        return 1
    if config.jobs is not None:
        return config.jobs
    if rows < AUTO_JOBS_ROWS or threading.active_count() > 1:
        # Other threads (an application calling dqlint.check from a web server or a notebook's
        # kernel) may hold locks a forked child would wait on forever: one process, unless asked.
        return 1
    return affordable_jobs(usable_cpus())


def _finished(report: dict[str, Any], request: CheckRequest) -> dict[str, Any]:
    """Accepted findings applied, then each section told the final verdict (which acceptance
    may change, and which the cache does not key on)."""
    report = accepted(report, request.config)
    for section in request.sections:
        if section.key in report:
            report[section.key] = section.judged(report[section.key], report)
    return report


def accepted(report: dict[str, Any], config: Config) -> dict[str, Any]:
    """The report with the baseline's and the per-path ignores' findings accepted, judged again.
    Applied after the cache: accepting findings changes no rule's result."""
    if not config.baseline and not config.per_path_ignores:
        return report
    from dqlint.engine.plugins import discover_rules
    from dqlint.engine.runner import expand_names, rules_by_criterion

    by_criterion = rules_by_criterion(discover_rules())
    ignores = {pattern: tuple(expand_names(names, by_criterion)) for pattern, names in config.per_path_ignores.items()}
    baseline = read_baseline(config.baseline) if config.baseline else None
    apply_acceptance(report, baseline, ignores, baseline_path=config.baseline)
    report["verdict"], report["summary"]["reason"] = judge(report["rules"], config.fail_on)
    return report


def _refuse_special_files(request: CheckRequest) -> None:
    """A review sheet, suite, record schema or baseline that is a FIFO or a device would block or
    never end: refuse it before the cache hashes it or anything reads it. (A missing one is
    reported where it is read.)"""
    from dqlint.data.files import not_regular_reason

    config = request.config
    named = (request.review, request.expectations, request.schema, config.review, config.expectations, config.schema, config.baseline)
    for path in named:
        if path and os.path.lexists(path) and (reason := not_regular_reason(path)) not in (None, "missing"):
            raise InputError(f"{path}: not a regular file ({reason}); dqlint reads only regular files")
