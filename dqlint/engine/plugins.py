"""Rule discovery through the ``dqlint.rules`` entry-point group.

The built-in rules are registered in dqlint's own ``pyproject.toml`` exactly as a third-party
package registers its rules; this module treats them alike. A plugin that fails to import is
returned with its error, so the run can report it instead of crashing.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from dqlint.engine.rule import Rule

__all__ = ["ENTRY_POINT_GROUP", "PluginRule", "discover_rules"]

ENTRY_POINT_GROUP = "dqlint.rules"


@dataclass(frozen=True)
class PluginRule:
    """A discovered rule: its class, or why it could not be loaded."""

    id: str
    rule: type[Rule] | None
    distribution: str
    error: str | None = None


def discover_rules() -> list[PluginRule]:
    """Every rule registered under ``dqlint.rules``, sorted by id; failures included."""
    found: dict[str, PluginRule] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else "unknown"
        if ep.name in found:
            if found[ep.name].distribution == dist:
                continue  # the same distribution seen twice on sys.path
            found[ep.name] = PluginRule(
                ep.name, None, dist, f"rule id {ep.name!r} is registered by both {found[ep.name].distribution} and {dist}"
            )
            continue
        found[ep.name] = _load(ep, dist)
    return [found[k] for k in sorted(found)]


def _load(ep: metadata.EntryPoint, dist: str) -> PluginRule:
    try:
        obj = ep.load()
    except Exception as exc:  # any import-time failure of third-party code
        return PluginRule(ep.name, None, dist, f"could not import {ep.value}: {type(exc).__name__}: {exc}")
    if not (isinstance(obj, type) and issubclass(obj, Rule)):
        return PluginRule(ep.name, None, dist, f"{ep.value} is not a dqlint.rule.Rule subclass")
    if obj.id != ep.name:
        return PluginRule(ep.name, None, dist, f"{ep.value} declares id {obj.id!r} but is registered as {ep.name!r}")
    return PluginRule(ep.name, obj, dist)
