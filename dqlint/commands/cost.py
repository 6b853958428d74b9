"""``dqlint cost``: is fine-tuning worth it? The training cost, the monthly inference cost with
and without fine-tuning, and the breakeven, estimated from the training split's own token
counts (see :mod:`dqlint.toolkit.cost` and :mod:`dqlint.analysis.cost`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dqlint.data.sources import InputSpec
from dqlint.engine.config import Config
from dqlint.errors import UsageError
from dqlint.toolkit.cost import CostSettings, cost_section, estimate_cost

__all__ = ["CostRequest", "render_cost", "run_cost"]

FORMATS = ("terminal", "json", "markdown")


@dataclass
class CostRequest:
    """One estimate: the inputs (train split and, optionally, held-out files) and the settings
    (config's [tool.dqlint.cost] with the command-line values over it)."""

    inputs: list[InputSpec]
    settings: CostSettings
    config: Config = field(default_factory=Config)


def run_cost(request: CostRequest) -> dict[str, Any]:
    """Load the inputs and estimate: the same dictionary as a check report's ``cost`` key."""
    from dqlint.data.ingest import load_inputs

    if not request.inputs:
        raise UsageError("no inputs: give a PATH, or set train = [...] in [tool.dqlint]")
    dataset = load_inputs(request.inputs, fields=request.config.fields)
    analysis, readiness = estimate_cost(dataset, request.settings, request.config)
    return cost_section(analysis, readiness)


def render_cost(cost: dict[str, Any], fmt: str, *, color: bool = False, width: int | None = None) -> str:
    """The estimate as text for a terminal, as JSON, or as markdown."""
    if fmt == "json":
        return json.dumps(cost, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        from dqlint.reporters.markdown import cost_markdown

        return "\n".join(cost_markdown(cost)) + "\n"
    if fmt == "terminal":
        import io

        from rich.console import Console

        from dqlint.reporters.terminal import print_cost

        buffer = io.StringIO()
        console = Console(file=buffer, force_terminal=color, no_color=not color, width=width or 110, highlight=False, emoji=False)
        print_cost(console, cost)
        return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
    raise UsageError(f"unknown format {fmt!r} for dqlint cost (known: {', '.join(FORMATS)})")
