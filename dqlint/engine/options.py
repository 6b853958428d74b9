"""Typed rule options: how a rule declares them (:func:`option`) and how config values are
checked against them (types, list and table elements, ranges, choices, options bounded by
other options), each error naming the rule and the option."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

__all__ = ["OptionSpec", "max_findings_option", "option"]


def option(
    default: Any,
    help: str,
    *,
    choices: Iterable[Any] | None = None,
    min: float | None = None,
    max: float | None = None,
    at_most: str | None = None,
) -> Any:
    """Declare a typed rule option with its default and one line of help.

    Use in a rule's ``Options`` dataclass::

        @dataclass
        class Options:
            min_ratio: float = option(0.1, "smallest wanted share", min=0, max=1, at_most="max_ratio")
            max_ratio: float = option(0.2, "largest wanted share", min=0, max=1)
            kinds: list[str] = option(["a", "b"], "kinds to report")

    The annotation is enforced, list and table elements included (``list[str]`` refuses
    ``[1, 2]``; a bare ``list`` takes its element type from the default). ``at_most`` names
    another option this one may not exceed (``min-ratio`` above ``max-ratio`` is a config error).
    Anything else an Options class must hold across options goes in a ``validate(self)`` method
    that raises ``ValueError`` with a message naming the options.
    """
    metadata = {"help": help, "choices": tuple(choices) if choices is not None else None, "min": min, "max": max, "at_most": at_most}
    if isinstance(default, (list, dict, set)):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


def max_findings_option(what: str = "findings") -> Any:
    """The standard cap on how many findings a rule reports. The engine knows it by name: ``dqlint
    clean`` lifts it, because a fix it does not see is a record it keeps."""
    return option(0, f"Most {what} reported as findings; 0 = all, so the JSON report carries every finding", min=0)


@dataclass(frozen=True)
class OptionSpec:
    name: str
    attr: str
    type: str
    default: Any
    help: str
    choices: tuple[Any, ...] | None = None
    min: float | None = None
    max: float | None = None
    at_most: str | None = None  # attribute of the option this one may not exceed

    @property
    def element_type(self) -> str | None:
        """The type of a list's elements (a table's values): from ``list[str]`` /
        ``dict[str, float]``, else from the default's elements, else None (anything goes)."""
        base = self.type.replace(" | None", "").replace(" ", "")
        if base.startswith(("list[", "dict[")) and base.endswith("]"):
            inner = base[5:-1].split(",")[-1]
            return inner if inner in _ELEMENT_CHECKS else None
        values = self.default.values() if isinstance(self.default, dict) else self.default if isinstance(self.default, list) else []
        kinds = {_ELEMENT_NAME.get(type(v)) for v in values}
        return kinds.pop() if len(kinds) == 1 and None not in kinds else None

    def coerce(self, value: Any, rule_id: str) -> Any:
        from dqlint.errors import ConfigError

        def bad(expected: str) -> ConfigError:
            return ConfigError(f"rule {rule_id!r} option {self.name!r}: expected {expected}, got {value!r}")

        base = self.type.replace(" | None", "")
        if value is None and "None" in self.type:
            return None
        out: Any = value
        if base == "bool":
            if isinstance(value, bool):
                out = value
            elif isinstance(value, str) and value.lower() in {"true", "yes", "1", "false", "no", "0"}:
                out = value.lower() in {"true", "yes", "1"}
            else:
                raise bad("true or false")
        elif base == "int":
            try:
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                out = int(value)
            except (TypeError, ValueError):
                raise bad("a whole number") from None
        elif base == "float":
            try:
                if isinstance(value, bool):
                    raise ValueError
                out = float(value)
                if out != out or out in (float("inf"), float("-inf")):
                    raise ValueError
            except (TypeError, ValueError):
                raise bad("a finite number") from None
        elif base == "str":
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise bad("a string")
            out = str(value)
        elif base.startswith("list"):
            if isinstance(value, str):
                out = [v.strip() for v in value.split(",") if v.strip()]
            elif isinstance(value, (list, tuple)):
                out = list(value)
            else:
                raise bad("a list")
        elif base.startswith("dict"):
            if not isinstance(value, Mapping):
                raise bad("a table")
            out = dict(value)
        element = self.element_type
        if element and isinstance(out, (list, dict)):
            items = list(out.values()) if isinstance(out, dict) else out
            if not all(_ELEMENT_CHECKS[element](item) for item in items):
                raise bad(("a table of " if isinstance(out, dict) else "a list of ") + _ELEMENT_WORDS[element])
            if element == "float":
                out = {k: float(v) for k, v in out.items()} if isinstance(out, dict) else [float(v) for v in out]
        if self.choices:
            items = out if isinstance(out, list) else [out]
            if any(item not in self.choices for item in items):
                raise bad(("values from " if isinstance(out, list) else "one of ") + ", ".join(map(str, self.choices)))
        if isinstance(out, (int, float)) and not isinstance(out, bool):
            if self.min is not None and out < self.min:
                raise bad(f"a number >= {self.min:g}")
            if self.max is not None and out > self.max:
                raise bad(f"a number <= {self.max:g}")
        return out


# Element types a list or table option may declare, with the test each element must pass.
_ELEMENT_CHECKS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) != float("inf"),
    "bool": lambda v: isinstance(v, bool),
}


_ELEMENT_WORDS = {"str": "strings", "int": "whole numbers", "float": "finite numbers", "bool": "true/false values"}


_ELEMENT_NAME = {str: "str", int: "int", float: "float", bool: "bool"}


def check_across_options(rule_id: str, specs: Iterable[OptionSpec], options: Any) -> None:
    """The constraints between options: each ``at_most`` pair, then the Options' own
    ``validate()``. ConfigError names the rule and the options."""
    from dqlint.errors import ConfigError

    by_attr = {s.attr: s for s in specs}
    for spec in by_attr.values():
        if spec.at_most is None:
            continue
        low, high = getattr(options, spec.attr), getattr(options, spec.at_most)
        if low is not None and high is not None and low > high:
            other = by_attr[spec.at_most].name
            raise ConfigError(f"rule {rule_id!r} option {spec.name!r} ({low:g}) must not be above {other!r} ({high:g})")
    validate = getattr(options, "validate", None)
    if callable(validate):
        try:
            validate()
        except ValueError as exc:
            raise ConfigError(f"rule {rule_id!r}: {exc}") from None


def type_name(tp: Any) -> str:
    # With ``from __future__ import annotations`` field types are strings already.
    if isinstance(tp, str):
        return tp
    return getattr(tp, "__name__", str(tp))

