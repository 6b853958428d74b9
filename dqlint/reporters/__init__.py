"""Reporters turn the report dictionary (the JSON contract) into text, chosen by name.

Every reporter is a function ``render(report, options) -> str`` in its own module, listed in
``REPORTERS`` by name; the CLI and the Python API look it up here, never by import. They read
only the report dictionary, so every format shows exactly what the JSON says. A reporter whose
output can be hundreds of megabytes may also define ``render_bytes(report, options) -> bytes``
(the same text, UTF-8): a file is then written from it without a second copy as ``str``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Mapping

__all__ = ["RenderOptions", "REPORTERS", "get_reporter", "render", "render_bytes"]


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    # Findings shown per rule in human-oriented formats (JSON and SARIF always carry all).
    max_findings: int = 5
    verbose: bool = False
    # Terminal width for the terminal reporter; None lets it decide.
    width: int | None = None


# name -> "module:function", imported only when that format is asked for (keeps start-up fast).
REPORTERS: dict[str, str] = {
    "terminal": "dqlint.reporters.terminal:render",
    "json": "dqlint.reporters.json:render",
    "markdown": "dqlint.reporters.markdown:render",
    "sarif": "dqlint.reporters.sarif:render",
    "junit": "dqlint.reporters.junit:render",
    "github": "dqlint.reporters.github:render",
    "html": "dqlint.reporters.html:render",
    "concise": "dqlint.reporters.concise:render",
    "gitlab": "dqlint.reporters.gitlab:render",
    "statistics": "dqlint.reporters.statistics:render",
}


def get_reporter(name: str) -> Callable[[Mapping[str, Any], RenderOptions], str]:
    from dqlint.errors import UsageError

    target = REPORTERS.get(name)
    if target is None:
        raise UsageError(f"unknown format {name!r} (choose from {', '.join(REPORTERS)})")
    module_name, func = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise UsageError(f"format {name!r} is not available: {exc}") from None
    return getattr(module, func)


def render(name: str, report: Mapping[str, Any], options: RenderOptions | None = None) -> str:
    return get_reporter(name)(report, options or RenderOptions())


def render_bytes(name: str, report: Mapping[str, Any], options: RenderOptions | None = None) -> bytes:
    """The reporter's text as UTF-8, from its ``render_bytes`` when it has one."""
    render_text = get_reporter(name)
    module = importlib.import_module(render_text.__module__)
    direct = getattr(module, "render_bytes", None)
    if direct is not None:
        return direct(report, options or RenderOptions())
    return render_text(report, options or RenderOptions()).encode("utf-8")
