"""The report: the JSON contract (schema_version 1) and a small Python view over it.

The dictionary is the single source of truth: every reporter, the cache and the Python API
read the same dictionary, so the CLI's JSON always equals ``check(...).to_dict()``.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:
    import pandas as pd

    from dqlint.dataset import Dataset
    from dqlint.runner import RuleOutcome

__all__ = ["SCHEMA_VERSION", "Report", "build_report"]

SCHEMA_VERSION = 1


def build_report(dataset: Dataset, outcomes: Sequence[RuleOutcome], version: str, *, fail_on: str = "error") -> dict[str, Any]:
    from dqlint.runner import judge

    verdict, reason = judge(outcomes, fail_on)
    rules = [o.to_dict() for o in outcomes]
    return {
        "schema_version": SCHEMA_VERSION,
        "dqlint_version": version,
        "verdict": verdict,
        "summary": {
            "reason": reason,
            "records": sum(f.records for f in dataset.files),
            "examples": len(dataset),
            "splits": dict(sorted(Counter(dataset.split).items())),
            "findings": sum(len(r["findings"]) for r in rules),
            "rules": dict(sorted(Counter(r["status"] for r in rules).items())),
        },
        "inputs": [f.to_dict() for f in dataset.files],
        "rules": rules,
    }


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
