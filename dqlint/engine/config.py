"""Configuration: ``[tool.dqlint]`` in ``pyproject.toml`` or a ``dqlint.toml``, found from the
current folder upward; command-line flags override it.

Example::

    [tool.dqlint]
    train = ["data/train.jsonl"]          # inputs when none are given on the command line
    test = ["data/test.jsonl"]
    ignore = ["edge-case-ratio"]
    fail-on = "error"

    target = "openai"                     # provider profile: generic, openai, together, mistral, trl, axolotl
    engine = "ray"                        # run on Ray (pip install 'dqlint[ray]'); default "local"
    address = "auto"                      # the Ray cluster; none starts a local Ray instance
    jobs = 2                              # local engine: rules in 2 processes; default "auto"

    [tool.dqlint.fields]
    label = "intent"

    [tool.dqlint.rules.class-balance]
    severity = "warning"
    max-imbalance-ratio = 20
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from dqlint.data.formats import FieldMap
from dqlint.data.limits import Limits
from dqlint.data.profiles import DEFAULT_TARGET, PROFILES
from dqlint.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Config", "find_config_file", "load_config", "resolve_config"]

CONFIG_FILES = ("dqlint.toml", "pyproject.toml")
ENGINES = ("local", "ray")
INPUT_KEYS = ("train", "test", "eval", "reference")
PATH_KEYS = ("review", "expectations", "cache-dir", "baseline", "schema")
TOP_LEVEL_KEYS = {"select", "ignore", "extend-select", "extend-ignore", "fail-on", "fields", "rules", "per-path-ignores", "cost", "limits", "target", "engine", "address", "jobs", *INPUT_KEYS, *PATH_KEYS}
# [tool.dqlint.cost]: the fine-tuning cost estimate (`dqlint cost`; a `cost` section of the check
# report when requests-per-month is set). Value kinds: number, whole number, text, path, prices.
COST_KEYS = {
    "requests-per-month": "number",
    "model": "text",
    "epochs": "count",
    "few-shot-tokens": "count",
    "prompt": "path",
    "output-tokens": "number",
    "price-table": "path",
    "prices": "prices",
}


@dataclass(frozen=True)
class Config:
    """Resolved settings of one run. Paths in the file are relative to the file's folder."""

    source: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"
    fields: FieldMap = field(default_factory=FieldMap)
    # The provider profile records are checked against (dqlint.data.profiles).
    target: str = DEFAULT_TARGET
    # rule id -> {"severity": ..., option: value, ...}
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    inputs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    review: str | None = None
    expectations: str | None = None
    cache_dir: str | None = None
    # A baseline file from `dqlint baseline`: its findings are accepted, new ones block.
    baseline: str | None = None
    # A JSON Schema every record must satisfy (the json-schema rule).
    schema: str | None = None
    # glob -> rule ids (or criteria) whose findings in matching files are accepted.
    per_path_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # [cost] settings, keys as in the file (paths already relative to the current folder)
    cost: Mapping[str, Any] = field(default_factory=dict)
    # What one input may make dqlint read (record and file sizes, nesting): [limits].
    limits: Limits = field(default_factory=Limits)
    # Where the rules run: "local" (this process, the default) or "ray" (a Ray cluster; ``address``
    # names it: "auto", "ray://HOST:10001"; none starts a local Ray instance).
    engine: str = "local"
    address: str | None = None
    # How many processes the local engine runs the rules in; None ("auto") = every usable CPU
    # for a set large enough to gain from it, one process for a small one.
    jobs: int | None = None

    def rule_table(self, rule_id: str) -> dict[str, Any]:
        return dict(self.rules.get(rule_id, {}))

    def with_rule_setting(self, rule_id: str, key: str, value: Any) -> Config:
        tables = {k: dict(v) for k, v in self.rules.items()}
        tables.setdefault(rule_id, {})[key] = value
        return replace(self, rules=tables)


def find_config_file(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The nearest dqlint.toml, or pyproject.toml with a [tool.dqlint] table, upward from start."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml" and "dqlint" not in _read_toml(candidate).get("tool", {}):
                continue
            return candidate
    return None


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    table: Mapping[str, Any] | None = None,
    discover: bool = True,
) -> Config:
    """Load settings from ``path``, from a given ``table`` (the API's ``config={...}``), or from
    the nearest config file when ``discover`` is true. No config at all gives the defaults."""
    if table is not None:
        return _from_table(dict(table), None, Path.cwd())
    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"{path}: config file not found")
    else:
        file = find_config_file() if discover else None
        if file is None:
            return Config()
    data = _read_toml(file)
    if file.name == "pyproject.toml" or "tool" in data:
        data = data.get("tool", {}).get("dqlint", {})
    return _from_table(data, str(file), file.parent)


def resolve_config(config: str | os.PathLike[str] | Mapping[str, Any] | Config | None) -> Config:
    """What the Python API accepts as ``config=``: a Config, a ``[tool.dqlint]``-shaped table,
    a config file path, or None for the nearest config file."""
    if isinstance(config, Config):
        return config
    if isinstance(config, Mapping):
        return load_config(table=config)
    return load_config(config)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _from_table(data: dict[str, Any], source: str | None, base: Path) -> Config:
    where = source or "config"
    unknown = set(data) - TOP_LEVEL_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(TOP_LEVEL_KEYS))})")

    def id_list(key: str) -> tuple[str, ...] | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} must be a list of rule ids")
        return tuple(value)

    def rel(value: str) -> str:
        # Relative to the config file, shown relative to the current folder (reports name
        # files the way a person there would type them).
        if os.path.isabs(value) or "://" in value:
            return value
        return os.path.relpath(os.path.normpath(base / value))

    inputs: dict[str, tuple[str, ...]] = {}
    for key in INPUT_KEYS:
        value = data.get(key)
        if value is None:
            continue
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{where}: {key} must be a path or a list of paths")
        inputs[key] = tuple(rel(v) for v in values)
    paths: dict[str, str | None] = {}
    for key in PATH_KEYS:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{where}: {key} must be a path")
        paths[key] = rel(value) if value else None

    rules = data.get("rules", {})
    if not isinstance(rules, dict) or not all(isinstance(v, dict) for v in rules.values()):
        raise ConfigError(f"{where}: [rules] must hold one table per rule id, e.g. [tool.dqlint.rules.class-balance]")
    fail_on = data.get("fail-on", "error")
    if fail_on not in ("error", "warning"):
        raise ConfigError(f"{where}: fail-on must be 'error' or 'warning', got {fail_on!r}")
    target = data.get("target", DEFAULT_TARGET)
    if target not in PROFILES:
        raise ConfigError(f"{where}: target must be one of {', '.join(PROFILES)}, got {target!r}")
    fields = data.get("fields", {})
    if not isinstance(fields, dict):
        raise ConfigError(f"{where}: [fields] must be a table")
    try:
        field_map = FieldMap.from_config(fields)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    per_path = data.get("per-path-ignores", {})
    if not isinstance(per_path, dict) or not all(isinstance(v, list) and all(isinstance(i, str) for i in v) for v in per_path.values()):
        raise ConfigError(f"{where}: [per-path-ignores] must map file patterns to lists of rule ids, e.g. \"legacy/*.jsonl\" = [\"near-duplicates\"]")
    select = id_list("select")
    extend = id_list("extend-select")
    if extend:
        select = (*(select or ()), *extend) if select is not None else None
    limits = data.get("limits", {})
    if not isinstance(limits, dict):
        raise ConfigError(f"{where}: [limits] must be a table")
    engine = data.get("engine", "local")
    if engine not in ENGINES:
        raise ConfigError(f"{where}: engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    address = data.get("address")
    if address is not None and not isinstance(address, str):
        raise ConfigError(f"{where}: address must be a string such as \"auto\" or \"ray://HOST:10001\"")
    jobs = data.get("jobs", "auto")
    if jobs != "auto" and (type(jobs) is not int or jobs < 1):
        raise ConfigError(f"{where}: jobs must be \"auto\" or a whole number of processes of at least 1, got {jobs!r}")
    return Config(
        source=source,
        engine=engine,
        address=address,
        jobs=None if jobs == "auto" else jobs,
        select=select,
        ignore=(id_list("ignore") or ()) + (id_list("extend-ignore") or ()),
        cost=_cost_table(data.get("cost", {}), where, rel),
        fail_on=fail_on,
        fields=field_map,
        target=target,
        rules={k: dict(v) for k, v in rules.items()},
        inputs=inputs,
        review=paths["review"],
        expectations=paths["expectations"],
        cache_dir=paths["cache-dir"],
        baseline=paths["baseline"],
        schema=paths["schema"],
        per_path_ignores={pattern: tuple(ids) for pattern, ids in per_path.items()},
        limits=Limits.from_config(limits, where),
    )


def _cost_table(table: Any, where: str, rel: Any) -> dict[str, Any]:
    """[cost] checked key by key: a wrong type is a one-line error naming the key."""
    from dqlint.analysis.pricing import OPTIONAL_KEYS, PRICE_KEYS

    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [cost] must be a table, e.g. [tool.dqlint.cost] requests-per-month = 10000")
    unknown = set(table) - set(COST_KEYS)
    if unknown:
        raise ConfigError(f"{where}: [cost] unknown setting(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(COST_KEYS))})")
    if "few-shot-tokens" in table and "prompt" in table:
        raise ConfigError(f"{where}: [cost] give few-shot-tokens or prompt, not both")

    def number(key: str, value: Any) -> bool:
        return not isinstance(value, bool) and isinstance(value, (int, float)) and value >= 0

    out: dict[str, Any] = {}
    for key, value in table.items():
        kind = COST_KEYS[key]
        if kind == "number" and not number(key, value):
            raise ConfigError(f"{where}: [cost] {key} must be a number >= 0, got {value!r}")
        if kind == "count" and not (number(key, value) and isinstance(value, int)):
            raise ConfigError(f"{where}: [cost] {key} must be a whole number >= 0, got {value!r}")
        if kind in ("text", "path") and not (isinstance(value, str) and value):
            raise ConfigError(f"{where}: [cost] {key} must be a {'path' if kind == 'path' else 'string'}, got {value!r}")
        if kind == "prices":
            known = (*PRICE_KEYS, *OPTIONAL_KEYS)
            if not isinstance(value, dict) or set(value) - set(known) or not all(number(k, v) for k, v in value.items()):
                raise ConfigError(f"{where}: [cost.prices] must map {', '.join(known)} to USD amounts >= 0")
            value = {k: float(v) for k, v in value.items()}
        out[key] = rel(value) if kind == "path" else value
    return out
