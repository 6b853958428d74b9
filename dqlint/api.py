"""The Python API. The CLI is a thin layer over :func:`run_check`, so both always agree."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

from dqlint.config import Config, resolve_config
from dqlint.errors import InputError, UsageError
from dqlint.loading import InputSpec, load_inputs
from dqlint.report import Report, build_report

__all__ = ["check", "CheckRequest", "run_check", "as_specs"]


@dataclass
class CheckRequest:
    """Everything one check needs, however it was asked for (CLI flags or API arguments)."""

    inputs: list[InputSpec]
    config: Config = field(default_factory=Config)
    reference: list[InputSpec] = field(default_factory=list)
    review: str | None = None
    expectations: str | None = None
    progress: Callable[[str], None] | None = None
    on_rule_done: Callable[[Any], None] | None = None
    use_cache: bool = False


def run_check(request: CheckRequest) -> Report:
    """Load, run the rules, judge: the one code path behind ``dqlint check`` and ``dqlint.check``."""
    from dqlint import __version__
    from dqlint.cache import ResultCache
    from dqlint.plugins import discover_rules
    from dqlint.rule import CheckContext
    from dqlint.runner import run_rules, select_rules

    if not request.inputs:
        raise UsageError("no inputs: give a PATH, or set train = [...] in [tool.dqlint]")
    config = request.config
    plugins = select_rules(discover_rules(), config)
    progress = request.progress
    cache = ResultCache.for_request(request, plugins)
    cached = cache.load() if cache else None
    if cached is not None:
        if progress:
            progress("unchanged inputs, rules and options: report from the cache (--no-cache to re-run)")
        return Report(cached)
    dataset = load_inputs(request.inputs, fields=config.fields, progress=progress)
    reference = load_inputs(request.reference, fields=config.fields, progress=progress) if request.reference else None
    if reference is not None and len(reference) == 0:
        names = ", ".join(f.path for f in reference.files)
        raise InputError(f"{names}: the reference sample holds no examples to compare with")
    ctx = CheckContext(
        dataset,
        reference=reference,
        review=request.review or config.review,
        expectations=request.expectations or config.expectations,
        progress=progress,
        base_dir=os.path.dirname(config.source) if config.source else None,
    )
    outcomes = run_rules(
        ctx,
        plugins,
        config,
        on_start=(lambda rule_id: progress(f"running {rule_id}")) if progress else None,
        on_done=request.on_rule_done,
    )
    report = Report(build_report(dataset, outcomes, __version__, fail_on=config.fail_on))
    if cache:
        cache.store(report.to_dict())
    return report


def as_specs(data: Any, split: str | None = None) -> list[InputSpec]:
    """Inputs from what a user hands the API: a path, several paths, a DataFrame, a
    ``datasets.Dataset``/``DatasetDict``, or a list of dict records."""
    if data is None:
        return []
    if isinstance(data, (str, os.PathLike)):
        return [InputSpec(os.fspath(data), split=split)]
    if isinstance(data, (list, tuple)) and data and all(isinstance(d, (str, os.PathLike)) for d in data):
        return [InputSpec(os.fspath(d), split=split) for d in data]
    return [InputSpec(data, split=split, name=_memory_name(data, split))]


def _memory_name(data: Any, split: str | None) -> str:
    kind = type(data).__name__
    base = {"DataFrame": "dataframe", "Dataset": "dataset", "DatasetDict": "dataset"}.get(kind, "records")
    return f"{base}[{split}]" if split else base


def check(
    data: Any,
    *,
    test: Any = None,
    eval: Any = None,
    reference: Any = None,
    review: str | os.PathLike[str] | None = None,
    expectations: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | dict[str, Any] | Config | None = None,
    rules: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Check a fine-tuning set and return a :class:`~dqlint.report.Report`.

    ``data``, ``test``, ``eval`` and ``reference`` may each be a path, a list of paths, a pandas
    DataFrame, a ``datasets.Dataset`` or ``DatasetDict`` (its splits used as splits) or a list of
    dicts. ``config`` is a config file path, a ``[tool.dqlint]``-shaped dict, or ``None`` to use
    the nearest ``dqlint.toml``/``pyproject.toml``. ``rules`` selects rule ids to run.

    >>> report = check("train.jsonl", test="test.jsonl")  # doctest: +SKIP
    >>> report.passed, report.verdict                     # doctest: +SKIP
    (True, 'go')
    """
    resolved = resolve_config(config)
    if rules is not None:
        resolved = replace(resolved, select=tuple(rules))
    inputs = as_specs(data) + as_specs(test, "test") + as_specs(eval, "validation")
    request = CheckRequest(
        inputs=inputs,
        config=resolved,
        reference=as_specs(reference),
        review=os.fspath(review) if review is not None else None,
        expectations=os.fspath(expectations) if expectations is not None else None,
        progress=progress,
    )
    return run_check(request)
