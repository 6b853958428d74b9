"""rules/sensitive_content.py"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

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
        max_rows: int = option(0, "examples with sensitive content tolerated before failing", min=0)
        max_findings: int = max_findings_option()

    def check(self, ctx: CheckContext, options: Options) -> RuleResult:
        from dqlint.analysis.sensitive import (
            SENSITIVE_KINDS,
            excerpt,
            find_sensitive_many,
        )
        from dqlint.report.charts import bar_chart

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
        flagged_rows = 0
        findings: list[Finding] = []
        for row, in_hits, out_hits in zip(rows, input_hits, output_hits):
            hits_in_row = [
                (field, text, m)
                for field, text, matches in (
                    ("system", ds.system[row], system_hits.get(ds.system[row], [])),
                    ("input", ds.input[row], in_hits),
                    ("output", ds.output[row], out_hits),
                )
                for m in matches
                if m.kind not in ignored
            ]
            if not hits_in_row:
                continue
            flagged_rows += 1
            kinds.update(m.kind for _, _, m in hits_in_row)
            if not options.max_findings or len(findings) < options.max_findings:
                _, text, first = hits_in_row[0]
                described = ", ".join(f"{m.kind} in {f}: {m.masked}" for f, _, m in hits_in_row[:5])
                more = f" (+{len(hits_in_row) - 5} more)" if len(hits_in_row) > 5 else ""
                findings.append(
                    Finding(
                        described + more,
                        [ds.location(row)],
                        snippet=excerpt(text, first),
                        details={
                            "matches": [
                                {"kind": m.kind, "category": m.category, "field": f, "masked": m.masked}
                                for f, _, m in hits_in_row
                            ]
                        },
                    )
                )

        by_category = Counter(SENSITIVE_KINDS[k] for k in kinds.elements())
        details = {
            "rows_checked": len(rows),
            "rows_flagged": flagged_rows,
            "by_kind": dict(kinds.most_common()),
            "by_category": dict(by_category),
            "findings_listed": len(findings),
            "charts": [bar_chart("Sensitive matches by kind", list(kinds), {"matches": list(kinds.values())})]
            if kinds
            else [],
        }
        if flagged_rows:
            summary = ", ".join(f"{n:,} {k}" for k, n in kinds.most_common(4))
            message = f"{flagged_rows:,} of {len(rows):,} examples hold sensitive content ({summary})"
            if len(findings) < flagged_rows:
                message += f"; first {len(findings):,} listed"
        else:
            message = f"no secrets, personal data or injection payloads in {len(rows):,} examples"
        return RuleResult.judged(
            flagged_rows <= options.max_rows,
            message,
            Metric("rows_with_sensitive_content", flagged_rows, options.max_rows),
            findings,
            details=details,
        )
