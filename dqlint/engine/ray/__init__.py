"""The Ray engine (``dqlint check --engine ray``): the local engine's report, computed on a Ray
cluster. Importing this package does not import Ray; running a check does.

How rules run here is what they declare (``Rule.scales``; see docs/plugins.md): per-block rules
merge partial results, distributed rules run their own Ray Data pipelines, model-based rules and
rules that declare nothing run on the driver over a bounded seeded sample.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from dqlint.engine.check import CheckRequest
    from dqlint.engine.plugins import PluginRule

__all__ = ["run_ray_check"]


def run_ray_check(request: CheckRequest, plugins: Sequence[PluginRule]) -> dict[str, Any]:
    """The report of ``request``, computed on Ray."""
    from dqlint.engine.ray.run import run_ray_check as run

    return run(request, plugins)
