"""The Python API: :func:`check` over paths, DataFrames, ``datasets`` objects or records.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from dqlint.data.sources import InputSpec
from dqlint.engine.check import CheckRequest, run_check
from dqlint.engine.config import Config, resolve_config

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Report", "as_specs", "check"]


def as_specs(data: Any, split: str | None = None) -> list[InputSpec]:
    """Inputs from what a user hands the API: a path, several paths, a DataFrame, a
    ``datasets.Dataset``/``DatasetDict``, or a list of dict records."""
    if data is None:
        return []
    if isinstance(data, (str, os.PathLike)):
        return [InputSpec(os.fspath(data), split=split)]
    if isinstance(data, (list, tuple)) and data and all(isinstance(d, (str, os.PathLike)) for d in data):
        return [InputSpec(os.fspath(d), split=split) for d in data]
    return [InputSpec(data, split=split, name=_memory_name(data, split))]


def _memory_name(data: Any, split: str | None) -> str:
    kind = type(data).__name__
    base = {"DataFrame": "dataframe", "Dataset": "dataset", "DatasetDict": "dataset"}.get(kind, "records")
    return f"{base}[{split}]" if split else base


def check(
    data: Any,
    *,
    test: Any = None,
    eval: Any = None,
    reference: Any = None,
    review: str | os.PathLike[str] | None = None,
    expectations: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | dict[str, Any] | Config | None = None,
    rules: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Check a fine-tuning set and return a :class:`~dqlint.report.Report`.

    ``data``, ``test``, ``eval`` and ``reference`` may each be a path, a list of paths, a pandas
    DataFrame, a ``datasets.Dataset`` or ``DatasetDict`` (its splits used as splits) or a list of
    dicts. ``config`` is a config file path, a ``[tool.dqlint]``-shaped dict, or ``None`` to use
    the nearest ``dqlint.toml``/``pyproject.toml``. ``rules`` selects rule ids to run.

    >>> report = check("train.jsonl", test="test.jsonl")  # doctest: +SKIP
    >>> report.passed, report.verdict                     # doctest: +SKIP
    (True, 'go')
    """
    from dqlint.toolkit.cost import cost_sections

    resolved = resolve_config(config)
    if rules is not None:
        resolved = replace(resolved, select=tuple(rules))
    inputs = as_specs(data) + as_specs(test, "test") + as_specs(eval, "validation")
    request = CheckRequest(
        inputs=inputs,
        config=resolved,
        reference=as_specs(reference),
        review=os.fspath(review) if review is not None else None,
        expectations=os.fspath(expectations) if expectations is not None else None,
        progress=progress,
        sections=cost_sections(resolved),
    )
    return Report(run_check(request))


class Report:
    """The result of :func:`dqlint.check`.

    ``verdict`` is "go" or "no-go"; ``passed`` is ``verdict == "go"``; ``rules`` lists each rule's
    entry of the JSON report; ``findings(rule_id)`` gives findings as a DataFrame, one row per
    location.
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)

    @property
    def verdict(self) -> str:
        return self._data["verdict"]

    @property
    def passed(self) -> bool:
        return self.verdict == "go"

    @property
    def reason(self) -> str:
        return self._data["summary"]["reason"]

    @property
    def rules(self) -> list[dict[str, Any]]:
        return list(self._data["rules"])

    def rule(self, rule_id: str) -> dict[str, Any]:
        for entry in self._data["rules"]:
            if entry["id"] == rule_id:
                return entry
        raise KeyError(f"no rule {rule_id!r} in this report (ran: {', '.join(r['id'] for r in self._data['rules'])})")

    def findings(self, rule_id: str | None = None) -> pd.DataFrame:
        """Findings of one rule (or all) as a DataFrame with one row per location."""
        import pandas as pd

        entries = [self.rule(rule_id)] if rule_id else self._data["rules"]
        rows = []
        for entry in entries:
            for n, finding in enumerate(entry["findings"]):
                for loc in finding["locations"] or [{"path": None, "line": None, "record": None}]:
                    rows.append(
                        {
                            "rule": entry["id"],
                            "finding": n,
                            "message": finding["message"],
                            "path": loc["path"],
                            "line": loc["line"],
                            "record": loc["record"],
                            "snippet": finding.get("snippet"),
                        }
                    )
        columns = ["rule", "finding", "message", "path", "line", "record", "snippet"]
        frame = pd.DataFrame(rows, columns=columns)
        frame["line"] = frame["line"].astype("Int64")
        frame["record"] = frame["record"].astype("Int64")
        return frame

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(self._data))

    def to_json(self, indent: int | None = 2) -> str:
        return self.render("json") if indent == 2 else json.dumps(self._data, indent=indent, ensure_ascii=False)

    def to_markdown(self) -> str:
        return self.render("markdown")

    def to_html(self) -> str:
        return self.render("html")

    def render(self, fmt: str, **options: Any) -> str:
        """Render in any registered format ("terminal", "json", "markdown", "sarif", ...)."""
        from dqlint.reporters import RenderOptions, render

        return render(fmt, self._data, RenderOptions(**options))

    def _repr_html_(self) -> str:
        """Jupyter shows the HTML report in a sandboxed frame, so its stylesheet cannot restyle
        the notebook around it."""
        import html

        page = self.to_html()
        return (
            f'<iframe srcdoc="{html.escape(page, quote=True)}" sandbox="allow-scripts" '
            'style="width:100%;height:800px;border:0" title="dqlint report"></iframe>'
        )

    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self._data["summary"]["rules"].items())
        return f"<dqlint.Report {self.verdict}: {counts}>"
