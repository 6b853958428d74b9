"""Limits on what one input may make dqlint read, so a hostile file ends in a finding or a clear
error instead of exhausting memory or the stack.

``[limits]`` in the config (``[tool.dqlint.limits]`` in pyproject.toml)::

    [tool.dqlint.limits]
    max-record-size = "64 MB"   # one record (a JSONL line, a CSV row, a JSON array element)
    max-file-size = "2 GB"      # one file, counted after decompression
    max-depth = 100             # nesting of objects and arrays in one record

A record over ``max-record-size`` or nested deeper than ``max-depth`` is a finding at its line
and the rest of the file is checked; an over-long line is skipped without being held in memory.
A file over ``max-file-size`` is refused with one line naming it and the limit (exit 2): a 10 MB
``.gz`` that expands to 10 GB stops after ``max-file-size`` bytes, never reaches memory whole.
The defaults are far above any real fine-tuning set (providers cap a training file at about 1 GB
and an example at the model's context, a few MB of text), and far below what takes a machine
down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from dqlint.errors import ConfigError

__all__ = ["Limits", "format_size", "parse_size", "nesting_deeper_than"]

KB, MB, GB = 1 << 10, 1 << 20, 1 << 30
_UNITS = {"": 1, "b": 1, "kb": KB, "kib": KB, "k": KB, "mb": MB, "mib": MB, "m": MB, "gb": GB, "gib": GB, "g": GB}
_SIZE = re.compile(r"\A\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*\Z", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """Sizes in bytes; ``max_depth`` in levels of nested objects and arrays."""

    max_record_size: int = 64 * MB
    max_file_size: int = 2 * GB
    max_depth: int = 100

    @classmethod
    def from_config(cls, table: Mapping[str, Any], where: str = "config") -> Limits:
        """Read the ``[limits]`` table; ConfigError naming the setting for anything wrong."""
        known = {"max-record-size", "max-file-size", "max-depth"}
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError(f"{where}: unknown [limits] setting(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        default = cls()
        record = _size_setting(table, "max-record-size", default.max_record_size, where)
        file = _size_setting(table, "max-file-size", default.max_file_size, where)
        depth = table.get("max-depth", default.max_depth)
        if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= 10_000:
            raise ConfigError(f"{where}: [limits] max-depth must be a whole number from 1 to 10000, got {depth!r}")
        if "max-record-size" not in table:
            record = min(record, file)  # a small file limit alone lowers the record limit with it
        if record > file:
            raise ConfigError(
                f"{where}: [limits] max-record-size ({format_size(record)}) is larger than max-file-size ({format_size(file)})"
            )
        return cls(record, file, depth)


def _size_setting(table: Mapping[str, Any], key: str, default: int, where: str) -> int:
    value = table.get(key, default)
    size = parse_size(value)
    if size is None or size < 1:
        raise ConfigError(f"{where}: [limits] {key} must be a size such as 65536 or \"64 MB\", got {value!r}")
    return size


def parse_size(value: Any) -> int | None:
    """Bytes from an int or a string like "64 MB" / "1.5GiB" (units are powers of 1024), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str) or not (match := _SIZE.match(value)):
        return None
    unit = _UNITS.get(match[2].lower())
    return None if unit is None else int(float(match[1]) * unit)


def format_size(size: int) -> str:
    """"64 MB", "1.5 GB", "512 bytes": the way a limit is named in messages."""
    for unit, name in ((GB, "GB"), (MB, "MB"), (KB, "KB")):
        if size >= unit:
            return f"{size / unit:.1f}".removesuffix(".0") + f" {name}"
    return f"{size} bytes"


def nesting_deeper_than(value: Any, limit: int) -> bool:
    """True when objects and arrays in ``value`` nest more than ``limit`` levels (the record
    itself is level 1). Iterative: a deep value must not exhaust the stack it is measured on."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False
