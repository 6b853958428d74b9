"""rules/llm_artifacts.py"""

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


class LlmArtifacts(Rule):
    """LLM boilerplate in outputs that a fine-tuned model would learn to imitate.

    ## What it does
    Looks at every output (the reply the model learns) for traces of the model that
    generated it:
    - `ai-disclaimer`: "As an AI language model", "I don't have personal opinions",
      "my knowledge cutoff";
    - `refusal`: "I'm sorry, but I can't", "I cannot help with that";
    - `sycophantic-opener`: "Sure! Here's", "Certainly! Here is", "Great question!";
    - `canned-closer`: "I hope this helps!", "Let me know if you have any other questions.";
    - `template-placeholder`: "[Your Name]", "<insert date>", "lorem ipsum";
    - `truncated`: an unclosed code block, or prose whose last line ends on a comma, an
      article, a conjunction or a preposition (a generation cut at its token limit);
    - `echoes-input`: the output is the input again (same text, ignoring case and spacing).

    Each is a pattern or heuristic, so it can miss paraphrases and flag a legitimate reply
    (a customer-service set may mean to teach refusals: drop `refusal` from `kinds`).
    Openers and closers are a matter of style (`style-kinds`): they are reported and make the
    rule warn, but only the other kinds (disclaimers, refusals, placeholders, truncation,
    echoes) count toward `max-ratio` and can make it fail.

    ## What it deliberately ignores
    `truncated` judges only prose. It never fires on an output that ends in a complete
    token: a statement ending in `;` (SQL, C, JavaScript), a last line of code or of a query
    (`SELECT ... FROM`, `x = f(y)`, backticks, braces), a whole JSON object or array, a table
    row, a number, or a list item ending in a comma. Nor on words that end complete
    sentences ("... the way it is", "I think so"). An unclosed code fence is still reported,
    code or not.

    ## Why it matters
    Fine-tuning teaches style as much as content: a few hundred synthetic replies opening
    with "Sure! Here's" or closing with "I hope this helps!" become the model's voice, and
    truncated replies teach it to stop mid-sentence.

    ## Example
    An output `"As an AI language model, I cannot browse the web, but..."` gives
    `ai-disclaimer: "As an AI language model"`.

    ## How to fix
    Regenerate or edit the flagged outputs (strip openers and closers, finish truncated
    answers, write the reply the model should give), or drop them. Use `kinds` to check only
    what you do not want.
    """

    id = "llm-artifacts"
    summary = "LLM boilerplate, refusals, truncated or echoed outputs"
    criterion = "content safety"

    @dataclass
    class Options:
        kinds: list[str] = option(
            [
                "ai-disclaimer",
                "refusal",
                "sycophantic-opener",
                "canned-closer",
                "template-placeholder",
                "truncated",
                "echoes-input",
            ],
            "artifact kinds to look for",
        )
        style_kinds: list[str] = option(
            ["sycophantic-opener", "canned-closer"],
            "kinds that are a matter of style: reported, and the rule warns when they exceed max-ratio, but they never make it fail",
        )
        splits: list[str] = option(["train", "validation"], "splits whose outputs are checked", choices=("train", "validation", "test"))
        max_ratio: float = option(0.01, "largest allowed share of outputs with an artifact", min=0, max=1)
        max_findings: int = max_findings_option()

    def check(self, ctx: CheckContext, options: Options) -> RuleResult:
        from dqlint.analysis.artifacts import ARTIFACT_KINDS, find_artifacts_many
        from dqlint.analysis.sensitive import masked_clip

        unknown = set(options.kinds) - set(ARTIFACT_KINDS)
        if unknown:
            return RuleResult(
                Status.ERROR,
                f"option kinds: unknown kind(s) {', '.join(sorted(unknown))} (kinds: {', '.join(ARTIFACT_KINDS)})",
            )
        ds = ctx.dataset
        rows = [r for r in ds.rows(options.splits) if ds.output[r].strip()]
        if not rows:
            return RuleResult.skipped("no outputs to check (a classification or text-only set)")

        wanted = set(options.kinds)
        style = set(options.style_kinds)
        kinds: Counter[str] = Counter()
        flagged = 0
        flagged_beyond_style = 0
        findings: list[Finding] = []
        all_matches = find_artifacts_many([ds.output[r] for r in rows], [ds.input[r] for r in rows])
        for row, found in zip(rows, all_matches):
            matches = [m for m in found if m.kind in wanted]
            if not matches:
                continue
            flagged += 1
            flagged_beyond_style += any(m.kind not in style for m in matches)
            kinds.update(m.kind for m in matches)
            if not options.max_findings or len(findings) < options.max_findings:
                findings.append(
                    Finding(
                        "; ".join(f"{m.kind}: {m.masked!r}" for m in matches),
                        [ds.location(row)],
                        snippet=masked_clip(ds.output[row], 160, flat=True),
                        details={"kinds": [m.kind for m in matches]},
                    )
                )

        return _artifacts_result(len(rows), flagged, flagged_beyond_style, kinds, findings, options)


def _artifacts_result(
    checked: int, flagged: int, flagged_beyond_style: int, kinds: Counter, findings: list, options: LlmArtifacts.Options
) -> RuleResult:
    """The rule's result from its counts and listed findings: one builder for the local check
    and for the merge of per-block partials, so both engines say the same."""
    from dqlint.report.charts import bar_chart

    style = set(options.style_kinds)
    ratio = flagged_beyond_style / checked
    style_ratio = flagged / checked
    details = {
        "outputs_checked": checked,
        "outputs_flagged": flagged,
        "outputs_flagged_beyond_style": flagged_beyond_style,
        "by_kind": dict(kinds.most_common()),
        "findings_listed": len(findings),
        "charts": [bar_chart("LLM artifacts by kind", list(kinds), {"outputs": list(kinds.values())})] if kinds else [],
    }
    if flagged:
        summary = ", ".join(f"{n:,} {k}" for k, n in kinds.most_common(4))
        message = f"{flagged:,} of {checked:,} outputs ({style_ratio:.1%}) carry LLM artifacts ({summary})"
        if flagged_beyond_style < flagged:
            message += f"; {flagged_beyond_style:,} ({ratio:.1%}) beyond style ({', '.join(sorted(style & set(kinds)))} only warn)"
    else:
        message = f"no LLM artifacts in {checked:,} outputs"
    metric = Metric("artifact_ratio", round(ratio, 6), options.max_ratio)
    if ratio <= options.max_ratio and style_ratio > options.max_ratio:
        return RuleResult(Status.WARN, message, metric, findings, details)
    return RuleResult.judged(ratio <= options.max_ratio, message, metric, findings, details=details)


# -- distributed execution (--engine ray; docs/plugins.md) -------------------------------------------
# Each block lists every flagged output (no cap); the merge counts them in row order and keeps the
# first max-findings, exactly as check() over the whole set.
from dqlint.rule import RUNS_BLOCK  # noqa: E402  (kept apart from check()'s imports)


def _artifacts_partial(self: LlmArtifacts, ctx: CheckContext, options: LlmArtifacts.Options) -> RuleResult:
    import dataclasses

    return self.check(ctx, dataclasses.replace(options, max_findings=0))


def _artifacts_merge(self: LlmArtifacts, partials: list, options: LlmArtifacts.Options, ctx: CheckContext) -> RuleResult:
    results = [p.value for p in partials]
    failed = next((r for r in results if r.status is Status.ERROR), None)
    if failed is not None:
        return failed
    checked = sum(r.details.get("outputs_checked", 0) for r in results)
    if not checked:
        return RuleResult.skipped("no outputs to check (a classification or text-only set)")
    style = set(options.style_kinds)
    kinds: Counter[str] = Counter()
    flagged = flagged_beyond_style = 0
    findings: list[Finding] = []
    for result in results:
        for finding in result.findings:
            found = finding.details["kinds"]
            flagged += 1
            flagged_beyond_style += any(k not in style for k in found)
            kinds.update(found)
            if not options.max_findings or len(findings) < options.max_findings:
                findings.append(finding)
    return _artifacts_result(checked, flagged, flagged_beyond_style, kinds, findings, options)


LlmArtifacts.scales = RUNS_BLOCK
LlmArtifacts.partial = _artifacts_partial  # type: ignore[method-assign]
LlmArtifacts.merge = _artifacts_merge  # type: ignore[method-assign]
