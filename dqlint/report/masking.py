"""The one masking pass: every string of a finished report, masked before any reporter, the cache
or the Python API sees it.

Rules quote dataset text in many places — messages, snippets, details, label values, field names,
file names, chart categories, the verdict's reason. Masking each place in each rule missed some
(a key used as a label value was printed in full by three rules), so the engine masks the whole
report once, keys included, after the rules ran. Quoting code still masks before it cuts
(:func:`dqlint.analysis.sensitive.masked_clip`): a cut can leave a fragment of a key too short
to recognise, which no later pass can find.
"""

from __future__ import annotations

from typing import Any

__all__ = ["mask_report"]

# Values dqlint computes itself, never from dataset text: left as they are (a content hash in hex
# can look like a card or phone number to the detectors).
_COMPUTED = frozenset({"fingerprint", "dqlint_version", "schema_version"})


def mask_report(report: Any) -> Any:
    """``report`` (a JSON-ready value) with every secret and personal datum in every string —
    dictionary keys too — replaced by its masked form (``report`` itself when nothing needed
    masking). Strings are masked in one batch."""
    from dqlint.analysis.sensitive import mask_many

    strings: dict[str, str] = {}
    _collect(report, strings)
    unique = list(strings)
    strings = dict(zip(unique, mask_many(unique)))
    if all(masked == s for s, masked in strings.items()):
        # Nothing to mask (the usual case): the report as it is. Rebuilding a report of 30,000
        # findings cost seconds and a second copy of it in memory.
        return report
    return _rebuild(report, strings)


def _collect(value: Any, into: dict[str, str]) -> None:
    # A loop over a stack, exact types first: the recursive isinstance walk took seconds on a
    # report of 30,000 findings.
    stack = [value]
    pop, push = stack.pop, stack.append
    while stack:
        value = pop()
        kind = type(value)
        if kind is str:
            into[value] = value
        elif kind is dict:
            for key, item in value.items():
                if isinstance(key, str):
                    into[key] = key
                    if key in _COMPUTED:
                        continue
                push(item)
        elif kind is list:
            stack += value
        elif isinstance(value, str):
            into[value] = value
        elif isinstance(value, dict):
            push(dict(value))
        elif isinstance(value, list):
            stack += value


def _rebuild(value: Any, masked: dict[str, str]) -> Any:
    if isinstance(value, str):
        return masked[value]
    if isinstance(value, list):
        return [_rebuild(item, masked) for item in value]
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            new_key = masked[key] if isinstance(key, str) else key
            # Two secrets can mask alike (two addresses at one domain): keep both entries.
            n = 2
            base = new_key
            while new_key in out:
                new_key, n = f"{base} #{n}", n + 1
            out[new_key] = item if key in _COMPUTED else _rebuild(item, masked)
        return out
    return value
