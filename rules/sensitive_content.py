"""rules/sensitive_content.py"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dqlint.rule import (
    CheckContext,
    Finding,
    Metric,
    Rule,
    RuleResult,
    Status,
    max_findings_option,
    option,
)

if TYPE_CHECKING:
    from dqlint.analysis.scan import Match


class SensitiveContent(Rule):
    """Secrets, personal data and prompt-injection payloads in training text.

    ## What it does
    Scans the system prompt, input and output of every example for:
    - secrets of well-known shapes: OpenAI, Anthropic, AWS, GitHub, Slack, Google, Stripe
      and Hugging Face keys and tokens, JWTs, PEM private keys, and `password = "..."`-style
      assignments with a non-placeholder value;
    - personal data: e-mail addresses (not at reserved documentation domains such as
      example.com), phone numbers, payment card numbers that pass the Luhn check, IBANs that
      pass the mod-97 check;
    - prompt-injection payloads: "ignore all previous instructions", "reveal your system
      prompt", "you are now DAN"-style text.

    Every match is shown masked, in every report: a key keeps its first 4 characters
    (`sk-p********`), an e-mail its first letter and domain (`j***@acme.io`), a card or
    phone number its last digits. The full value never leaves the input file.

    Only a real-looking datum in prose blocks. Personal data and `password = ...` values
    inside code (a fenced block, inline code, a line of code), addresses that look made
    up (`test@...`, `user@...`, `...@email.com`) and a business's published number ("Call
    us at ...", "our hotline") are listed as *not blocking*: the rule
    warns when they are all it found (option `code-and-fixtures`: `warn`, `block` or
    `ignore`). Keys of the well-known shapes block wherever they are: a real key in a code
    sample is still a leaked key.

    ## What it deliberately ignores
    - addresses at reserved documentation domains (example.com, .test, .invalid, localhost);
    - North American numbers with area code or exchange 555 (the fictional range);
    - the card networks' and payment providers' published test numbers (4242 4242 4242
      4242, 4111 1111 1111 1111, ...), and AWS's documentation key `AKIA...EXAMPLE`;
    - digits that only look like a card: a run that fails Luhn, is not written as a card is
      (one run of digits, or 4-4-4-4, 4-6-5 or 4-6-4 groups with one kind of separator), or
      sits inside a longer run of numbers (a multiplication table, a list of powers);
      a bare 13-19 digit run with no card word before it (an order number, an IMEI) is
      masked in every output but not reported;
    - `password = generate_password(16)`, `password = settings.DB_PASSWORD`: a value that is
      a call, an attribute or a variable is code, not a secret; placeholders (`changeme`,
      `<your-key>`, `${TOKEN}`) likewise.

    ## Why it matters
    A fine-tuned model memorises rare strings it sees in training and can repeat them to
    anyone: a leaked key or a customer's card number becomes part of the model. Injection
    payloads in training text teach the model to follow them.

    ## Example
    `{"messages": [..., {"role": "assistant", "content": "Use the key sk-proj-4fQ... to
    call the API"}]}` gives `openai-api-key in output: sk-p********`.

    ## How to fix
    Remove or replace the values (fake keys, `user@example.com`, `+1 555 0100`), rotate any
    real secret found, and review injection payloads: keep them only in examples whose reply
    refuses to follow them (then add the kind to `ignore-kinds`).
    """

    id = "sensitive-content"
    summary = "secrets, personal data and prompt-injection payloads in training text"
    criterion = "content safety"

    @dataclass
    class Options:
        categories: list[str] = option(["secret", "pii", "injection"], "what to look for: secret, pii, injection")
        ignore_kinds: list[str] = option([], "match kinds not to report (e.g. phone-number, ignore-instructions)")
        splits: list[str] = option(["train", "validation"], "splits whose text is checked", choices=("train", "validation", "test"))
        max_rows: int = option(0, "examples with blocking sensitive content tolerated before failing", min=0)
        code_and_fixtures: str = option(
            "warn",
            "matches in code examples or made-up addresses: warn (listed, not blocking), block, or ignore",
            choices=("warn", "block", "ignore"),
        )
        max_findings: int = max_findings_option()

    def check(self, ctx: CheckContext, options: Options) -> RuleResult:
        from dqlint.analysis.sensitive import (
            SENSITIVE_KINDS,
            excerpt,
            find_sensitive_many,
        )

        ds = ctx.dataset
        rows = ds.rows(options.splits)
        if not rows:
            return RuleResult.skipped(f"no examples in {', '.join(options.splits)}")
        categories = tuple(options.categories)
        ignored = set(options.ignore_kinds)
        unknown = (ignored - set(SENSITIVE_KINDS)) | (set(categories) - set(SENSITIVE_KINDS.values()))
        if unknown:
            return RuleResult(
                Status.ERROR,
                f"unknown kind or category {', '.join(sorted(unknown))} in options "
                f"(categories: secret, pii, injection; kinds: {', '.join(SENSITIVE_KINDS)})",
            )

        ctx.progress("scanning for secrets and personal data")
        # Whole columns at once (the fast path); rows share a system prompt, so each distinct
        # one is scanned once.
        systems = list(dict.fromkeys(ds.system[r] for r in rows if ds.system[r]))
        system_hits = dict(zip(systems, find_sensitive_many(systems, categories)))
        input_hits = find_sensitive_many([ds.input[r] for r in rows], categories)
        output_hits = find_sensitive_many([ds.output[r] for r in rows], categories)

        kinds: Counter[str] = Counter()
        blocking_rows = other_rows = 0
        findings: list[Finding] = []
        for row, in_hits, out_hits in zip(rows, input_hits, output_hits):
            hits_in_row = [
                (field, text, m, _blocks(m, options.code_and_fixtures))
                for field, text, matches in (
                    ("system", ds.system[row], system_hits.get(ds.system[row], [])),
                    ("input", ds.input[row], in_hits),
                    ("output", ds.output[row], out_hits),
                )
                for m in matches
                if m.kind not in ignored and _reported(m, options.code_and_fixtures)
            ]
            if not hits_in_row:
                continue
            blocks = any(b for *_, b in hits_in_row)
            blocking_rows += blocks
            other_rows += not blocks
            kinds.update(m.kind for _, _, m, _ in hits_in_row)
            if not options.max_findings or len(findings) < options.max_findings:
                _, text, first, _ = hits_in_row[0]
                described = ", ".join(_describe(f, m, b) for f, _, m, b in hits_in_row[:5])
                more = f" (+{len(hits_in_row) - 5} more)" if len(hits_in_row) > 5 else ""
                findings.append(
                    Finding(
                        described + more,
                        [ds.location(row)],
                        snippet=excerpt(text, first),
                        details={
                            "matches": [
                                {"kind": m.kind, "category": m.category, "field": f, "masked": m.masked,
                                 "blocking": b, **({"note": m.note} if not b and m.note else {})}
                                for f, _, m, b in hits_in_row
                            ]
                        },
                    )
                )

        return _sensitive_result(len(rows), blocking_rows, other_rows, kinds, findings, options)


def _sensitive_result(checked: int, blocking_rows: int, other_rows: int, kinds: Counter, findings: list, options: SensitiveContent.Options) -> RuleResult:
    """The rule's result from its counts and listed findings: one builder for the local check
    and for the merge of per-block partials, so both engines say the same."""
    from dqlint.analysis.sensitive import SENSITIVE_KINDS
    from dqlint.report.charts import bar_chart

    flagged_rows = blocking_rows + other_rows
    by_category = Counter(SENSITIVE_KINDS[k] for k in kinds.elements())
    details = {
        "rows_checked": checked,
        "rows_flagged": flagged_rows,
        "rows_blocking": blocking_rows,
        "rows_not_blocking": other_rows,
        "by_kind": dict(kinds.most_common()),
        "by_category": dict(by_category),
        "findings_listed": len(findings),
        "charts": [bar_chart("Sensitive matches by kind", list(kinds), {"matches": list(kinds.values())})] if kinds else [],
    }
    if flagged_rows:
        summary = ", ".join(f"{n:,} {k}" for k, n in kinds.most_common(4))
        if blocking_rows:
            message = f"{blocking_rows:,} of {checked:,} examples hold sensitive content ({summary})"
            if other_rows:
                message += f"; {other_rows:,} more with only non-blocking matches ({_NOT_BLOCKING})"
        else:
            message = f"{other_rows:,} of {checked:,} examples hold only non-blocking matches ({_NOT_BLOCKING}: {summary})"
        if len(findings) < flagged_rows:
            message += f"; first {len(findings):,} listed"
    else:
        message = f"no secrets, personal data or injection payloads in {checked:,} examples"
    passed = blocking_rows <= options.max_rows
    status = Status.FAIL if not passed else Status.WARN if other_rows else Status.PASS
    return RuleResult(status, message, Metric("rows_with_sensitive_content", blocking_rows, options.max_rows), findings, details)


_NOT_BLOCKING = "in code examples, made-up test data or published business numbers"


def _reported(match: Match, code_and_fixtures: str) -> bool:
    return match.report == "block" or (match.report == "warn" and code_and_fixtures != "ignore")


def _blocks(match: Match, code_and_fixtures: str) -> bool:
    return match.report == "block" or (match.report == "warn" and code_and_fixtures == "block")


def _describe(field: str, match: Match, blocks: bool) -> str:
    said = f"{match.kind} in {field}: {match.masked}"
    return said if blocks else f"{said} ({match.note}; not blocking)"


# -- distributed execution (--engine ray; docs/plugins.md) -------------------------------------------
# Each block lists every flagged row (no cap); the merge counts them in row order and keeps the
# first max-findings, exactly as check() over the whole set.
from dqlint.rule import RUNS_BLOCK  # noqa: E402  (kept apart from check()'s imports)


def _sensitive_partial(self: SensitiveContent, ctx: CheckContext, options: SensitiveContent.Options) -> RuleResult:
    import dataclasses

    return self.check(ctx, dataclasses.replace(options, max_findings=0))


def _sensitive_merge(self: SensitiveContent, partials: list, options: SensitiveContent.Options, ctx: CheckContext) -> RuleResult:
    results = [p.value for p in partials]
    failed = next((r for r in results if r.status is Status.ERROR), None)
    if failed is not None:
        return failed
    checked = sum(r.details.get("rows_checked", 0) for r in results)
    if not checked:
        return RuleResult.skipped(f"no examples in {', '.join(options.splits)}")
    kinds: Counter[str] = Counter()
    blocking_rows = other_rows = 0
    findings: list[Finding] = []
    for result in results:
        for finding in result.findings:
            matches = finding.details["matches"]
            blocks = any(m["blocking"] for m in matches)
            blocking_rows += blocks
            other_rows += not blocks
            kinds.update(m["kind"] for m in matches)
            if not options.max_findings or len(findings) < options.max_findings:
                findings.append(finding)
    return _sensitive_result(checked, blocking_rows, other_rows, kinds, findings, options)


SensitiveContent.scales = RUNS_BLOCK
SensitiveContent.partial = _sensitive_partial  # type: ignore[method-assign]
SensitiveContent.merge = _sensitive_merge  # type: ignore[method-assign]
