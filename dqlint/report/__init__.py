"""The report: the JSON contract (schema_version 1).

The dictionary is the single source of truth: every reporter, the cache and the Python API
read the same dictionary, so the CLI's JSON always equals ``check(...).to_dict()``.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:
    from dqlint.data.dataset import Dataset

__all__ = ["SCHEMA_VERSION", "build_report", "json_ready", "orjson_bytes", "report_schema", "schema_errors"]

SCHEMA_VERSION = 1


def build_report(
    dataset: Dataset, rules: Sequence[Mapping[str, Any]], verdict: str, reason: str, version: str, *, target: str = "generic"
) -> dict[str, Any]:
    """The report dictionary: the verdict and its reason, the provider profile it was judged
    against, a summary, the inputs (with the fields each was read with) and each rule's entry
    (already in report form, in report order)."""
    rules = list(rules)
    return {
        "schema_version": SCHEMA_VERSION,
        "dqlint_version": version,
        "verdict": verdict,
        "target": target,
        "summary": {
            "reason": reason,
            "records": sum(f.records for f in dataset.files),
            "examples": len(dataset),
            "splits": dict(sorted(Counter(dataset.split).items())),
            "findings": sum(len(r["findings"]) for r in rules),
            "rules": dict(sorted(Counter(r["status"] for r in rules).items())),
        },
        "inputs": [f.to_dict() for f in dataset.files],
        "rules": rules,
    }


def json_ready(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report as JSON would give it back (tuples become lists, keys strings): the form the
    cache stores and every consumer reads. What is already plain JSON (dicts with string keys,
    lists, strings, numbers, booleans, None; the rules' entries always are) is returned as it
    is, not copied: a JSON round trip of a report of a million findings held a second copy of
    gigabytes. Any other value goes through the standard library's round trip, and a container
    holding one is copied, never changed in place."""
    return _plain(report)


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is list:
        out: list[Any] | None = None
        for i, item in enumerate(value):
            new = _plain(item)
            if new is not item:
                if out is None:
                    out = list(value)
                out[i] = new
        return value if out is None else out
    if kind is dict:
        copied: dict[str, Any] | None = None
        for key, item in value.items():
            if type(key) is not str:
                return json.loads(json.dumps(value))  # JSON's own spelling of the keys
            new = _plain(item)
            if new is not item:
                if copied is None:
                    copied = dict(value)
                copied[key] = new
        return value if copied is None else copied
    return json.loads(json.dumps(value))


def orjson_bytes(value: Any, *, indent: bool = False) -> bytes | None:
    """``value`` as UTF-8 JSON written by orjson: ~10x faster than the standard library on a
    report of megabytes. The same JSON value as ``json.dumps`` gives, and the same text but for
    how some floats are spelt (``1e-05`` / ``0.00001``). None where orjson would write another
    value (NaN and infinities: it writes null) or refuses (lone surrogates, integer keys, big
    integers): the caller writes those with the standard library."""
    import orjson

    if _has_non_finite(value):
        return None
    try:
        return orjson.dumps(value, option=(orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE) if indent else 0)
    except (TypeError, ValueError):
        return None


def _has_non_finite(value: Any) -> bool:
    """Whether a NaN or an infinity is anywhere in ``value`` (orjson would write it as null).
    A walk by exact types: the standard library's encoder, run only to refuse them, took 3x as
    long and built the whole text (gigabytes for a million templated rows) to throw it away."""
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            continue
        if kind is dict:
            extend(item.values())
        elif kind is list or kind is tuple:
            extend(item)
        elif isinstance(item, float):
            if item - item != 0.0:  # NaN - NaN and inf - inf are NaN; a finite float gives 0.0
                return True
        elif isinstance(item, dict):
            extend(item.values())
        elif isinstance(item, (list, tuple)):
            extend(item)
    return False


def report_schema() -> dict[str, Any]:
    """The report's JSON Schema (Draft 2020-12), shipped as ``dqlint/report/schema.json``."""
    from importlib import resources

    return json.loads(resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8"))


def schema_errors(report: Any, limit: int = 3) -> list[str]:
    """Up to ``limit`` reasons ``report`` breaks the schema, each "where: what"; [] when valid."""
    import itertools

    errors = itertools.islice(_validator().iter_errors(report), limit)
    return [f"{'/'.join(map(str, e.instance_path)) or '(top)'}: {e.message}" for e in errors]


_VALIDATOR: Any = None


def _validator() -> Any:
    """The report schema's validator, by jsonschema-rs: the cache checks every report it stores,
    and on a 24 MB report the Python jsonschema took 2.2 s where it takes 0.02 s (a million
    rows make reports ten times that size)."""
    global _VALIDATOR
    if _VALIDATOR is None:
        import jsonschema_rs  # lazily: only the cache and tests validate

        _VALIDATOR = jsonschema_rs.Draft202012Validator(report_schema())
    return _VALIDATOR
