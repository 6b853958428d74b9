"""rules/expectations.py — run a user's Great Expectations suite on the canonical view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dqlint.data.dataset import Location
from dqlint.rule import CheckContext, Finding, Metric, Rule, RuleResult, Status, option
from dqlint.text import clip as _clip


class Expectations(Rule):
    """A Great Expectations (GX 1.x) Expectation Suite holds on the data set.

    ## What it does
    When a suite is given (`--expectations suite.json`, or `expectations = "suite.json"` in
    config), runs it with Great Expectations on one pandas frame holding every example of every
    split: the canonical view (`path`, `line`, `record`, `split`, `format`, `input`, `output`,
    `system`, `label`, `turns`), derived lengths (`input_length`, `output_length`,
    `system_length`, in characters) and each raw top-level record field as `raw.<field>`
    (e.g. `raw.messages`). Each failed expectation becomes findings: one per unexpected row (up
    to `max-rows` per expectation) at its file and line, or one at the expectation's line in
    the suite when GX reports only an aggregate (a mean, a row count). An expectation GX cannot
    load (unknown type, missing or wrong argument) or cannot run (a column that does not exist)
    is an error, never silently dropped. Without a suite the rule is skipped.

    ## Why it matters
    Teams that already gate data with GX keep one set of rules: the same suite blocks a bad
    upload in their pipeline and here, with dqlint's file-and-line locations.
    `dqlint expectations export` writes the schema dqlint inferred as a starting suite.

    ## Example
    ```json
    {"name": "tickets", "expectations": [
      {"type": "expect_column_values_to_be_in_set",
       "kwargs": {"column": "label", "value_set": ["billing", "shipping", "technical"]}}]}
    ```
    `train.csv:14: expect_column_values_to_be_in_set(label): unexpected value 'refunds'`.

    ## How to fix
    Fix the reported rows, or the suite when the data is right and the expectation is out of
    date. Fix or remove expectations reported as not loadable.
    """

    id = "expectations"
    summary = "A Great Expectations suite (--expectations) holds on the canonical view"
    criterion = "expectations"

    @dataclass
    class Options:
        max_rows: int = option(0, "Most unexpected rows reported as findings per failed expectation; 0 = all, so the JSON report carries every finding", min=0)

    def check(self, ctx: CheckContext, options: Options) -> RuleResult:
        if not ctx.expectations:
            return RuleResult.skipped("no Expectation Suite given (--expectations suite.json, or expectations = ... in config)")
        from dqlint.toolkit.gx_suite import (
            SuiteError,
            exception_message,
            load_suite,
            read_suite_file,
            validate,
            validation_frame,
        )

        ds = ctx.dataset
        try:
            spec = read_suite_file(ctx.expectations)
        except SuiteError as exc:
            return RuleResult(Status.ERROR, str(exc))
        if len(ds) == 0:
            return RuleResult.skipped("no examples to validate")

        ctx.progress("expectations: loading the suite in Great Expectations")
        loaded = load_suite(spec)
        findings = [self._invalid_finding(spec, i, message) for i, message in loaded.invalid]
        results: list[dict[str, Any]] = []
        errors = len(loaded.invalid)
        failed = 0
        if loaded.loaded:
            ctx.progress(f"expectations: validating {len(ds):,} rows with {len(loaded.loaded)} expectation(s)")
            frame = validation_frame(ds)
            for index, result in zip(loaded.loaded, validate(frame, loaded.suite)):
                config = spec.expectations[index]
                crashed = exception_message(result)
                summary = _result_summary(index, config, result)
                results.append(summary)
                if crashed:
                    errors += 1
                    summary["error"] = crashed
                    findings.append(self._suite_finding(spec, index, f"{_describe(config)} could not run: {crashed}", "expectation-error"))
                elif not result.get("success"):
                    failed += 1
                    findings.extend(self._failure_findings(ds, spec, index, config, result, options.max_rows))

        total = len(spec.expectations)
        details = {
            "suite": spec.path,
            "suite_name": spec.name,
            "expectations": total,
            "loaded": len(loaded.loaded),
            "invalid": len(loaded.invalid),
            "failed": failed,
            "errors": errors,
            "results": results,
        }
        metric = Metric("failed_expectations", failed + errors, 0)
        if errors:
            parts = []
            if loaded.invalid:
                parts.append(f"{len(loaded.invalid)} of {total} expectation(s) could not be loaded")
            if errors > len(loaded.invalid):
                parts.append(f"{errors - len(loaded.invalid)} could not run")
            if failed:
                parts.append(f"{failed} failed")
            return RuleResult(Status.ERROR, f"suite {spec.name!r}: " + ", ".join(parts), metric, findings, details)
        passed = total - failed
        message = f"suite {spec.name!r}: {passed} of {total} expectation(s) passed"
        if failed:
            names = ", ".join(sorted({_describe(spec.expectations[r["index"]]) for r in results if not r["success"]}))
            message = f"suite {spec.name!r}: {failed} of {total} expectation(s) failed: {_clip(names, 200)}"
        return RuleResult.judged(failed == 0, message, metric, findings, details=details)

    # -- findings ------------------------------------------------------------------------------

    @staticmethod
    def _invalid_finding(spec: Any, index: int, message: str) -> Finding:
        raw = spec.expectations[index]
        kind = raw.get("type") if isinstance(raw, dict) else None
        return Finding(
            f"expectation {index + 1} ({kind or 'no type'}) could not be loaded by Great Expectations: {message}",
            [Location(spec.path, spec.lines[index], index)],
            None,
            {"kind": "invalid-expectation", "index": index, "type": kind},
        )

    @staticmethod
    def _suite_finding(spec: Any, index: int, message: str, kind: str, extra: dict[str, Any] | None = None) -> Finding:
        config = spec.expectations[index]
        details = {"kind": kind, "index": index, "type": config.get("type"), **(extra or {})}
        return Finding(message, [Location(spec.path, spec.lines[index], index)], None, details)

    def _failure_findings(self, ds: Any, spec: Any, index: int, config: dict, result: dict, max_rows: int) -> list[Finding]:
        res = result.get("result") or {}
        rows = res.get("unexpected_index_list")
        described = _describe(config)
        base = {"kind": "failed-expectation", "index": index, "type": config.get("type"), "expectation_line": spec.lines[index]}
        if not rows:
            observed = res.get("observed_value")
            what = f"observed {_clip(repr(observed), 120)}" if "observed_value" in res else "failed"
            return [self._suite_finding(spec, index, f"{described}: {what}", "failed-expectation", {"observed_value": observed})]
        values = res.get("unexpected_list") or []
        count = res.get("unexpected_count", len(rows))
        from dqlint.analysis.sensitive import mask_text

        findings = []
        for j, row in enumerate(rows[: max_rows or None]):
            row = _row_number(row)
            if row is None or not 0 <= row < len(ds):
                continue
            value = values[j] if j < len(values) else None
            if isinstance(value, str):
                value = mask_text(value)  # reports never repeat a secret the row holds
            message = f"{described}: unexpected value {_clip(repr(value), 80)}"
            if j == 0 and count > 1:
                message += f" (1 of {count:,} unexpected rows)"
            details = {**base, "value": value, "unexpected_count": count}
            if j == 0 and max_rows and count > max_rows:
                details["rows_truncated"] = True
            findings.append(Finding(message, [ds.location(row)], _clip(mask_text(ds.example_text(row)), 120), details))
        return findings


def _row_number(value: Any) -> int | None:
    """GX lists pandas index values; ours is the canonical row number (dicts when index columns
    were named)."""
    if isinstance(value, dict):
        value = next(iter(value.values()), None)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _describe(config: Any) -> str:
    if not isinstance(config, dict):
        return "expectation"
    kwargs = config.get("kwargs") or {}
    target = kwargs.get("column") or ", ".join(map(str, kwargs.get("column_list") or [])) or (
        f"{kwargs.get('column_A')}, {kwargs.get('column_B')}" if "column_A" in kwargs else ""
    )
    return f"{config.get('type')}({target})" if target else str(config.get("type"))


def _result_summary(index: int, config: dict, result: dict) -> dict[str, Any]:
    res = result.get("result") or {}
    summary: dict[str, Any] = {
        "index": index,
        "type": config.get("type"),
        "column": (config.get("kwargs") or {}).get("column"),
        "success": bool(result.get("success")),
    }
    for key in ("element_count", "unexpected_count", "unexpected_percent", "observed_value"):
        if key in res:
            summary[key] = res[key]
    return summary




# -- distributed execution (--engine ray; docs/plugins.md) -------------------------------------------
# Fits a model (or aggregates the whole frame): on a distributed engine it runs on the driver over
# a bounded seeded sample of the rows (the whole set when it is small), and the report says so.
from dqlint.rule import RUNS_SAMPLE  # noqa: E402  (kept apart from check()'s imports)

Expectations.scales = RUNS_SAMPLE
