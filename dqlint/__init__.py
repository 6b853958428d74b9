"""dqlint: a training-data quality linter for LLM fine-tuning.

One import away from a go / no-go verdict::

    import dqlint
    report = dqlint.check("train.jsonl", test="test.jsonl")
    if not report.passed:
        sys.exit("data not ready: " + report.reason)

Public names are listed in ``__all__``; everything else is private. Heavy modules load only when
a function that needs them is called, so ``import dqlint`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "check", "sample", "clean", "Report", "DqlintError"]

if TYPE_CHECKING:
    from dqlint.api import Report, check
    from dqlint.errors import DqlintError

_LAZY = {
    "check": ("dqlint.api", "check"),
    "Report": ("dqlint.api", "Report"),
    "DqlintError": ("dqlint.errors", "DqlintError"),
    "sample": ("dqlint.commands.sample", "sample"),
    "clean": ("dqlint.commands.clean", "clean"),
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'dqlint' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(target[0]), target[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
