"""json-schema: every record satisfies a JSON Schema you give (``--schema record.schema.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dqlint.errors import InputError
from dqlint.rule import CheckContext, Finding, Fix, Metric, Rule, RuleResult, Status, max_findings_option, option
from dqlint.analysis.sensitive import masked_clip  # the message quotes the value: masked before it is cut


class JsonSchema(Rule):
    """Every record satisfies the JSON Schema named by `--schema` (or `schema = ...` in config).

    ## What it does
    Validates each record as it stands in its file (a JSONL line, a JSON array element, a CSV
    row as an object of strings, a Parquet row) with the `jsonschema` library, under the draft
    the schema's `$schema` names (Draft 2020-12 when it names none; 2019-09, 7, 6, 4 and 3 are
    understood). Every violation is a finding at its file and line, with the path inside the
    record and the schema keyword that failed.

    Records that are not JSON at all are `format-consistency`'s to report; this rule checks
    those that parsed. It is skipped when no schema is given.

    ## Why it matters
    A team's own contract for its data (required metadata, allowed label values, id patterns,
    length bounds) is usually written as a JSON Schema, and schema checkers cannot read JSONL
    with line numbers. A record that breaks the contract breaks whatever consumes it next.

    ## Example
    Schema `{"type": "object", "required": ["messages", "id"]}`, record on line 7 without an
    `id`: `line 7: $: 'id' is a required property (required)`.

    ## How to fix
    Open the line and correct the record, or widen the schema when the record is right; `dqlint
    clean` drops records that violate it (their fix has the category `schema`).
    """

    id = "json-schema"
    summary = "Every record satisfies the JSON Schema given with --schema."
    criterion = "format"
    fixable = True

    @dataclass
    class Options:
        max_invalid_ratio: float = option(0.0, "Largest allowed share of records that violate the schema.", min=0, max=1)
        errors_per_record: int = option(3, "Violations reported per record (the rest are counted).", min=1)
        max_findings: int = max_findings_option()

    def check(self, ctx: CheckContext, options: Options) -> RuleResult:
        if not ctx.schema:
            return RuleResult.skipped("no --schema given")
        validator = load_validator(ctx.schema)
        ds = ctx.dataset
        findings: list[Finding] = []
        bad = 0
        checked = 0
        for row, record in ds.iter_raw():
            checked += 1
            errors = sorted(validator.iter_errors(record), key=lambda e: (list(e.absolute_path), e.validator))
            if not errors:
                continue
            bad += 1
            if options.max_findings and len(findings) >= options.max_findings:
                continue
            shown = errors[: options.errors_per_record]
            parts = [f"{_json_path(e.absolute_path)}: {masked_clip(e.message, 200)} ({e.validator})" for e in shown]
            more = f" and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
            message = "; ".join(parts) + more
            findings.append(
                Finding(
                    message,
                    [ds.location(row)],
                    None,
                    {"kind": str(shown[0].validator), "errors": len(errors), "paths": [_json_path(e.absolute_path) for e in shown]},
                    Fix((0,), f"violates {ctx.schema}: {parts[0]}", "schema", str(shown[0].validator)),
                )
            )
        if checked == 0:
            return RuleResult.skipped("no parsed records to validate")
        ratio = bad / checked
        metric = Metric("schema_violation_ratio", round(ratio, 6), options.max_invalid_ratio)
        details = {"schema": ctx.schema, "draft": validator.__class__.__name__, "records": checked, "invalid_records": bad}
        if bad == 0:
            return RuleResult(Status.PASS, f"all {checked:,} records satisfy {ctx.schema}", metric, [], details)
        message = f"{bad:,} of {checked:,} records violate {ctx.schema}"
        status = Status.FAIL if ratio > options.max_invalid_ratio else Status.WARN
        return RuleResult(status, message, metric, findings, details)


def load_validator(path: str) -> Any:
    """A jsonschema validator for the schema file, of the draft it declares. A schema that cannot
    be read or is not a valid schema is an input error naming the file."""
    import jsonschema
    from jsonschema.validators import validator_for

    try:
        with open(path, encoding="utf-8") as fh:
            schema = json.load(fh)
    except FileNotFoundError:
        raise InputError(f"{path}: schema file not found") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: invalid JSON in schema: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read schema: {exc}") from None
    if not isinstance(schema, (dict, bool)):
        raise InputError(f"{path}: a JSON Schema is an object (or true/false), not {type(schema).__name__}")
    cls = validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise InputError(f"{path}: not a valid {cls.__name__.replace('Validator', '')} schema: {exc.message}") from None
    return cls(schema)


def _json_path(path: Any) -> str:
    """``$.messages[2].role`` for a path inside the record (``$`` for the record itself)."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


# -- distributed execution (--engine ray; docs/plugins.md) -------------------------------------------
# Each block lists every violating record (no cap); the merge counts them in record order and
# keeps the first max-findings, exactly as check() over the whole set.
from dqlint.rule import RUNS_BLOCK  # noqa: E402  (kept apart from check()'s imports)


def _schema_partial(self: JsonSchema, ctx: CheckContext, options: JsonSchema.Options) -> RuleResult:
    import dataclasses

    return self.check(ctx, dataclasses.replace(options, max_findings=0))


def _schema_merge(self: JsonSchema, partials: list, options: JsonSchema.Options, ctx: CheckContext) -> RuleResult:
    results = [p.value for p in partials]
    if not ctx.schema:
        return RuleResult.skipped("no --schema given")
    checked = sum(r.details.get("records", 0) for r in results)
    found = [f for r in results for f in r.findings]
    bad = len(found)
    findings = found[: options.max_findings] if options.max_findings else found
    if checked == 0:
        return RuleResult.skipped("no parsed records to validate")
    ratio = bad / checked
    metric = Metric("schema_violation_ratio", round(ratio, 6), options.max_invalid_ratio)
    draft = next((r.details["draft"] for r in results if "draft" in r.details), "")
    details = {"schema": ctx.schema, "draft": draft, "records": checked, "invalid_records": bad}
    if bad == 0:
        return RuleResult(Status.PASS, f"all {checked:,} records satisfy {ctx.schema}", metric, [], details)
    status = Status.FAIL if ratio > options.max_invalid_ratio else Status.WARN
    return RuleResult(status, f"{bad:,} of {checked:,} records violate {ctx.schema}", metric, findings, details)


JsonSchema.scales = RUNS_BLOCK
JsonSchema.partial = _schema_partial  # type: ignore[method-assign]
JsonSchema.merge = _schema_merge  # type: ignore[method-assign]
