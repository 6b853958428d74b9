"""format-consistency: every record follows its file's detected schema."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import chain
from typing import Any, Iterator

from dqlint.data.dataset import Dataset, Location
from dqlint.data.formats import ValidationPolicy, validate_record
from dqlint.data.formats import file_problems as target_file_problems
from dqlint.data.profiles import upload_problems
from dqlint.rule import (
    CheckContext,
    Finding,
    Fix,
    Metric,
    Rule,
    RuleResult,
    Status,
    option,
)

# Record kinds a reader could not turn into an example at all: dropped even with --keep-invalid.
# (A record over a [limits] size or depth was never parsed: it is unreadable too.)
UNREADABLE_KINDS = ("invalid-json", "invalid-csv", "not-object", "encoding", "record-too-large", "too-deep")
MISSING_VALUE_TEXTS = {"nan", "null", "none", "n/a", "na", "undefined"}
# What people write in an optional input when there is none; a trainer feeds it as text.
EMPTY_INPUT_MARKERS = {
    "<noinput>", "<no input>", "noinput", "no input", "no input.", "<none>", "none", "n/a", "na", "null", "nil",
    "nan", "-", "--", "empty", "<empty>", "no context", "not applicable", "undefined", "[]", "{}",
}
# A prompt about code makes 'undefined', 'null' or 'None' a plain answer, not a missing value.
CODE_PROMPT = re.compile(r"```|[;{}]|\w\(|=>|\bconsole\.|\bdef |\bfunction\b|\b(?:javascript|typescript|python|sql|java)\b", re.IGNORECASE)
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Typical mojibake: UTF-8 read as Windows-1252/Latin-1, and the replacement character.
MOJIBAKE = re.compile(r"\ufffd|Ã[\u0080-\u00bf]|â€[\u0080-\u00bf™œ\u009d]|Â[\u00a0-\u00bf]")



class FormatConsistency(Rule):
    """Every record follows one schema: the one its file's format demands.

    ## What it does
    Detects each file's format (OpenAI chat, preference, prompt/completion, Alpaca, ShareGPT,
    classification, ...) and checks every record against the rules fine-tuning providers apply:
    invalid JSON lines, records that are not objects, missing or unknown keys, roles outside
    the allowed set, roles out of order (system only first, then a user turn, user/assistant
    alternating, tool results right after the call they answer), no
    assistant reply to learn from, empty or non-string content, bad `weight` values and tool
    calls, mixed formats in one file, label spelling variants (`"Positive "` vs `"positive"`),
    missing values written as text (`NaN`), placeholders for an empty input (`<noinput>`,
    `N/A`) and several of them used in one set, control characters and broken encodings
    (mojibake). Each file is read with the fields its schema inference found (the report's
    `inputs[].fields`); fields guessed from the values are reported with how to pin them.

    Checks follow the target profile (`--target openai|together|mistral|trl|axolotl`; default
    `generic`, which blocks only what no provider accepts): the formats it takes, extra keys,
    roles and turn order (tool calls answered by `tool` turns in place), tool call id shape,
    `weight` values, list-valued prompts/completions.

    It deliberately ignores a word that is a plausible answer to its prompt (`undefined` as
    the output of "what does this JavaScript print?"), and extra keys that most records of a
    file share (metadata columns), unless the target rejects every extra key.

    ## Why it matters
    Providers reject a whole upload for one bad line, and trainers that do not reject it
    silently drop or mangle the record. Label spelling variants split one class into several;
    a chat with no assistant turn teaches nothing.

    ## Example
    ```json
    {"messages": [{"role": "human", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}
    ```
    `role 'human' is not one of system, user, assistant, tool`.

    ## How to fix
    Open each reported line and correct it, or drop the records with `dqlint clean`
    (which writes what it dropped beside the cleaned copy). Map ShareGPT roles
    (`human`/`gpt`) to `user`/`assistant` when converting to chat.
    """

    id = "format-consistency"
    summary = "Every record follows its file's detected schema (the checks providers apply)."
    criterion = "format"
    weight = 2.0  # validates every record and scans every text column
    fixable = True

    @dataclass
    class Options:
        max_invalid_ratio: float = option(0.0, "Largest allowed share of records with a blocking format error.", min=0, max=1)
        allow_extra_keys: bool = option(False, "Accept top-level keys the format does not define (some providers reject them).")
        ignore_keys: list = option(["id", "metadata", "meta", "split", "source", "tags", "edge_case"], "Top-level keys never reported as unknown.")
        require_final_assistant: bool = option(True, "Chat records must end with an assistant turn (the reply that is learned).")
        check_label_spelling: bool = option(True, "Report labels that differ only by case, spacing or punctuation.")
        check_text_quality: bool = option(True, "Report control characters, broken encodings and missing values written as text.")

    def check(self, ctx: CheckContext, options: Options) -> RuleResult:
        ds = ctx.dataset
        total = sum(f.records for f in ds.files)
        if total == 0 and not ds.problems:
            return RuleResult.skipped("no records to check")
        findings: list[Finding] = []
        bad_records: set[tuple[str, int | None, int | None]] = set()
        warnings = 0

        file_problems: list[str] = []

        def add(location: Location, kind: str, message: str, fatal: bool, snippet: str | None = None) -> None:
            nonlocal warnings
            if fatal and location.record is None:
                file_problems.append(f"{location.path}: {message}")  # about the file, not a record
            elif fatal:
                bad_records.add((location.path, location.record))
            else:
                warnings += 1
            fix = _drop_fix(kind, message, has_record=location.record is not None) if fatal else None
            findings.append(Finding(message, [location], snippet, {"kind": kind, "blocking": fatal}, fix))

        for problem in ds.problems:
            add(problem.location, problem.kind, problem.message, problem.fatal)
        ctx.progress("format-consistency: validating records")
        policy = ValidationPolicy(options.allow_extra_keys, frozenset(options.ignore_keys), options.require_final_assistant, ctx.target)
        for info in ds.files:
            problems = target_file_problems(info.format, info.schema, policy)
            if info.kind == "file":
                problems = chain(problems, upload_problems(info.path, ctx.target))
            for kind, message, fatal in problems:
                add(Location(info.path, None, None), kind, message, fatal)
        markers = PlaceholderTally()
        for row, rec in ds.iter_raw():
            info = ds.files[ds.file_index[row]]
            for kind, message, fatal in validate_record(rec, ds.format[row], policy, info.schema):
                add(ds.location(row), kind, message, fatal)
            if options.check_text_quality and ds.format[row] == "alpaca":
                hit = markers.add(row, info.schema.view(rec).get("input"))
                if hit:
                    add(ds.location(row), "placeholder", f"input is {hit!r}: a placeholder for no input, which the model reads as text; leave the input empty", False, hit)
        for row_set, kind, message in mixed_format_rows(ds):
            for row in row_set:
                add(ds.location(row), kind, message, True)
        if options.check_label_spelling:
            for finding in label_spelling_findings(ds):
                findings.append(finding)
                for loc in finding.locations[1:]:  # the first location is the majority spelling
                    bad_records.add((loc.path, loc.record))
        if options.check_text_quality:
            for row, kind, message, snippet in text_quality_problems(ds):
                add(ds.location(row), kind, message, kind == "missing-value", snippet)
            variants = markers.variants_finding(ds)
            if variants is not None:
                warnings += 1
                findings.append(variants)

        return _format_result(ds.files, total, bad_records, file_problems, findings, options)


def _format_result(files: list[Any], total: int, bad_records: set, file_problems: list[str], findings: list[Finding], options: Any) -> RuleResult:
    """The rule's result from its findings (sorted here by location), the records with a
    blocking problem and the problems of whole files: one builder for the local check and for
    the merge of per-block partials, so both engines say the same."""
    findings.sort(key=lambda f: (f.locations[0].path, f.locations[0].line or 0, f.locations[0].record or 0) if f.locations else ("", 0, 0))
    ratio = len(bad_records) / total if total else 0.0
    metric = Metric("invalid_record_ratio", round(ratio, 6), options.max_invalid_ratio)
    kinds = Counter(f.details["kind"] for f in findings)
    details = {"problem_kinds": dict(kinds.most_common()), "invalid_records": len(bad_records), "records": total}
    if ratio > options.max_invalid_ratio or file_problems:
        top = ", ".join(f"{k} ({n})" for k, n in kinds.most_common(3))
        if len(kinds) > 3:
            top += f" and {len(kinds) - 3} more kind(s)"
        parts = [f"{len(bad_records):,} of {total:,} records break the format: {top}"] if bad_records else []
        parts += file_problems[:2] + ([f"{len(file_problems) - 2} more file problem(s)"] if len(file_problems) > 2 else [])
        return RuleResult(Status.FAIL, "; ".join(parts), metric, findings, details)
    if findings:
        return RuleResult(Status.WARN, f"{len(findings):,} format warning(s) in {total:,} records", metric, findings, details)
    formats = ", ".join(sorted({_read_as(f) for f in files}))
    return RuleResult(Status.PASS, f"all {total:,} records follow their format ({formats})", metric, findings, details)


def _drop_fix(kind: str, message: str, *, has_record: bool) -> Fix:
    """Drop the record a blocking problem names. A problem of the whole file (no record) is one
    no dropping mends: its fix drops nothing, and ``clean`` warns with it."""
    category = "unreadable" if kind in UNREADABLE_KINDS else "format"
    return Fix((0,) if has_record else (), message, category, kind)


def _read_as(info: Any) -> str:
    """A file's format, with the fields it was read with when they are not the format's own."""
    if info.schema.source == "format":
        return info.format
    mapping = ", ".join(f"{role}={'+'.join(keys)}" for role, keys in info.schema.fields.items())
    return f"{info.format}: {mapping}"


class PlaceholderTally:
    """Empty-input markers met in optional inputs, to report each and their inconsistent use."""

    def __init__(self) -> None:
        self.rows: dict[str, list[int]] = defaultdict(list)
        self.empty = 0

    def add(self, row: int, value: Any) -> str | None:
        """Count one optional input; return the marker it holds, if it is one."""
        if value is None or (isinstance(value, str) and not value.strip()):
            self.empty += 1
            return None
        if isinstance(value, str) and len(value) <= 20 and value.strip().casefold() in EMPTY_INPUT_MARKERS:
            self.rows[value.strip()].append(row)
            return value.strip()
        return None

    def variants_finding(self, ds: Dataset) -> Finding | None:
        """Several ways of writing "no input" in one set: a trainer sees each as different text."""
        counts = {marker: len(rows) for marker, rows in sorted(self.rows.items(), key=lambda kv: (-len(kv[1]), kv[0]))}
        if self.rows and self.empty:
            counts[""] = self.empty
        if len(counts) < 2:
            return None
        listed = ", ".join(f"{m!r} ({n})" for m, n in counts.items())
        first_rows = [rows[0] for rows in self.rows.values()]
        return Finding(
            f"no input written {len(counts)} ways: {listed}; use one (an empty input is best)",
            ds.locations(sorted(first_rows)),
            None,
            {"kind": "placeholder-variants", "blocking": False, "variants": counts},
        )


# -- cross-record checks -----------------------------------------------------------------------


def mixed_format_rows(ds: Dataset) -> Iterator[tuple[list[int], str, str]]:
    """Rows whose detected format differs from their file's format (providers reject mixed files)."""
    by_file: dict[tuple[int, str], list[int]] = defaultdict(list)
    for row, (fi, fmt) in enumerate(zip(ds.file_index, ds.format)):
        if fmt != ds.files[fi].format and fmt != "unknown":
            by_file[(fi, fmt)].append(row)
    for (fi, fmt), rows in sorted(by_file.items()):
        info = ds.files[fi]
        yield rows, "mixed-formats", f"record is {fmt} but {info.path} is {info.format} ({len(rows)} such record(s)): one format per file"


def label_key(label: str) -> str:
    """Labels that differ only by case, surrounding spaces, Unicode form, or the separator
    between two words ('not_spam', 'Not Spam', 'not-spam') share this key. A leading or
    trailing sign stays: '-1' and '1', or 'A-' and 'A', are different labels."""
    text = unicodedata.normalize("NFKC", label).casefold().strip()
    return re.sub(r"(?<=\w)[\s_\-.]+(?=\w)", " ", text)


def label_spelling_findings(ds: Dataset) -> Iterator[Finding]:
    spellings: dict[str, Counter] = defaultdict(Counter)
    rows_of: dict[str, list[int]] = defaultdict(list)
    for row in range(len(ds)):
        for label in ds.labels_of(row):
            spellings[label_key(label)][label] += 1
            rows_of[label].append(row)
    for key, counts in sorted(spellings.items()):
        if len(counts) < 2:
            continue
        ranked = counts.most_common()
        main = ranked[0][0]
        variants = ", ".join(f"{s!r} ({n})" for s, n in ranked)
        minority_rows = [r for s, _ in ranked[1:] for r in rows_of[s]]
        yield Finding(
            f"label spelled {len(ranked)} ways: {variants}; use {main!r}",
            [ds.location(rows_of[main][0])] + ds.locations(minority_rows),
            None,
            {"kind": "label-spelling", "blocking": True, "variants": dict(ranked), "preferred": main},
            # The first location shows the spelling to keep; the minority spellings go.
            Fix(tuple(range(1, 1 + len(minority_rows))), f"label spelled {len(ranked)} ways: {variants}; use {main!r}", "label-spelling", "label-spelling"),
        )


def text_quality_problems(ds: Dataset) -> Iterator[tuple[int, str, str, str]]:
    """(row, kind, message, snippet) for control characters, mojibake and missing-value texts."""
    found: list[tuple[int, int, str, str, str, str]] = []  # (row, column order, ...) for a stable order
    for order, name in enumerate(("input", "output")):
        for row, kind, message, snippet in _scan_column(getattr(ds, name), name):
            if kind == "missing-value" and name == "output" and _plausible_answer(ds.input[row], ds.output[row]):
                continue
            found.append((row, order, kind, message, snippet, name))
    # Rows share a few system prompts: scan each distinct one once.
    distinct = list(dict.fromkeys(ds.system))
    hits = {}
    for index, kind, message, snippet in _scan_column(distinct, "system"):
        hits.setdefault(distinct[index], []).append((kind, message, snippet))
    if hits:
        for row, text in enumerate(ds.system):
            for kind, message, snippet in hits.get(text, ()):
                found.append((row, 2, kind, message, snippet, "system"))
    for row in range(len(ds)):
        if ds.files[ds.file_index[row]].format != "classification":
            continue
        if not ds.input[row].strip():
            found.append((row, 3, "missing-value", "text is empty", "", ""))
        if ds.label[row] is None:
            found.append((row, 4, "missing-value", "label is missing", _masked_prefix(ds.input[row], 80), ""))
    for row, _, kind, message, snippet, _ in sorted(found, key=lambda f: (f[0], f[1])):
        yield row, kind, message, snippet


def _plausible_answer(prompt: str, answer: str) -> bool:
    """'undefined', 'null' or 'None' answers a prompt about code, or one that names the word."""
    word = answer.strip()
    return bool(CODE_PROMPT.search(prompt)) or re.search(rf"\b{re.escape(word)}\b", prompt, re.IGNORECASE) is not None


def _scan_column(column: list[str], name: str) -> Iterator[tuple[int, str, str, str]]:
    """Scan one text column in a single regex pass over the joined text (a per-row search
    costs a Python call per row; a million rows make that the slowest part of the rule)."""
    from bisect import bisect_right

    starts: list[int] = []
    pos = 0
    for text in column:
        starts.append(pos)
        pos += len(text) + 1
    joined = "\n".join(column)  # "\n" matches neither pattern, so no match spans two rows
    reported: set[tuple[int, str]] = set()
    # Two simple patterns scan ~10x faster than one alternation of both; ASCII text cannot
    # hold mojibake, and isascii() is a cheap C check.
    patterns = [("control-character", CONTROL_CHARS)] + ([] if joined.isascii() else [("encoding", MOJIBAKE)])
    matches = ((kind, m) for kind, pattern in patterns for m in pattern.finditer(joined))
    for kind, match in matches:
        row = bisect_right(starts, match.start()) - 1
        if (row, kind) in reported:
            continue
        reported.add((row, kind))
        text, at = column[row], match.start() - starts[row]
        if kind == "control-character":
            message = f"{name} holds control character U+{ord(match.group()):04X}"
        else:
            message = f"{name} looks mis-encoded ({match.group()!r}: UTF-8 read as Latin-1, or a replacement character)"
        yield row, kind, message, _around(text, at)
    for row, text in enumerate(column):
        if text and len(text) <= 12 and text.strip().lower() in MISSING_VALUE_TEXTS:
            yield row, "missing-value", f"{name} is {text.strip()!r}: a missing value written as text", text


def _masked_prefix(text: str, width: int) -> str:
    from dqlint.analysis.sensitive import masked_window

    return masked_window(text, 0, width)


def _around(text: str, pos: int, width: int = 30) -> str:
    from dqlint.analysis.sensitive import masked_window

    # Masked before it is cut out: a window edge inside a key would leave an unrecognisable piece.
    return masked_window(text, pos - width, pos + width).encode("unicode_escape").decode("ascii")[:120]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(type(value), type(value).__name__)


# -- distributed execution (--engine ray; docs/plugins.md) -------------------------------------------
from dqlint.rule import RUNS_BLOCK  # noqa: E402  (kept apart from check()'s imports)
# Per block, check() finds every record's problems; what spans blocks is merged from a partial:
# label spellings and empty-input markers are counted across blocks, a mixed-format message gets
# the file's count, and a file's own problems are taken from its first block only.


@dataclass
class FormatPartial:
    result: RuleResult
    own_file_problems: set  # (path, kind, message) of the block's load problems about a whole file
    labels: dict  # label -> [count, [Location, ...]] in first-seen order
    markers: dict  # empty-input marker -> [count, first Location]
    empty_inputs: int


def _format_partial(self: FormatConsistency, ctx: CheckContext, options: Any) -> FormatPartial:
    ds = ctx.dataset
    result = self.check(ctx, options)
    own = {(p.location.path, p.kind, p.message) for p in ds.problems if p.location.record is None}
    labels: dict[str, list] = {}
    for row in range(len(ds)):
        for label in ds.labels_of(row):
            entry = labels.setdefault(label, [0, []])
            entry[0] += 1
            entry[1].append(ds.location(row))
    markers: dict[str, list] = {}
    empty = 0
    if options.check_text_quality and "alpaca" in ds.format:
        tally = PlaceholderTally()
        for row, rec in ds.iter_raw():
            if ds.format[row] == "alpaca":
                tally.add(row, ds.files[ds.file_index[row]].schema.view(rec).get("input"))
        markers = {m: [len(rows), ds.location(rows[0])] for m, rows in tally.rows.items()}
        empty = tally.empty
    return FormatPartial(result, own, labels, markers, empty)


def _format_merge(self: FormatConsistency, partials: Any, options: Any, ctx: CheckContext) -> RuleResult:
    ds = ctx.dataset
    total = sum(f.records for f in ds.files)
    inputs = {f.path for f in ds.files}
    if all(p.value.result.status is Status.SKIPPED for p in partials):
        return RuleResult.skipped("no records to check")
    findings: list[Finding] = []
    bad_records: set = set()
    load_problems: list[str] = []
    other_file_problems: list[str] = []
    mixed: Counter = Counter()
    for p in partials:
        for f in p.value.result.findings:
            if f.details.get("kind") == "mixed-formats":
                mixed[_MIXED_COUNT.sub("", f.message)] += 1
    for p in partials:
        block, part = p.block, p.value
        for f in part.result.findings:
            kind, fatal = f.details.get("kind"), f.details.get("blocking")
            if kind in ("label-spelling", "placeholder-variants"):
                continue  # counted across blocks below
            loc = f.locations[0] if f.locations else None
            if loc is not None and loc.record is None:
                mine = block.first_in_file and loc.path == block.path
                if not (mine or (block.index == 0 and loc.path not in inputs)):
                    continue  # a file's problems are reported by its first block
                if fatal:
                    into = load_problems if (loc.path, kind, f.message) in part.own_file_problems else other_file_problems
                    into.append(f"{loc.path}: {f.message}")
            elif loc is not None and fatal:
                bad_records.add((loc.path, loc.record))
            if kind == "mixed-formats":
                key = _MIXED_COUNT.sub("", f.message)
                f = Finding(_MIXED_COUNT.sub(f" ({mixed[key]} such record(s))", f.message, count=1), f.locations, f.snippet, f.details, f.fix)
            findings.append(f)
    file_problems = load_problems + other_file_problems
    if options.check_label_spelling:
        for finding in _merged_label_spellings([p.value.labels for p in partials]):
            findings.append(finding)
            for loc in finding.locations[1:]:
                bad_records.add((loc.path, loc.record))
    if options.check_text_quality:
        variants = _merged_placeholder_variants(partials, {f.path: i for i, f in enumerate(ds.files)})
        if variants is not None:
            findings.append(variants)
    return _format_result(ds.files, total, bad_records, file_problems, findings, options)


_MIXED_COUNT = re.compile(r" \(\d+ such record\(s\)\)")


def _merged_label_spellings(parts: list[dict]) -> Iterator[Finding]:
    """label_spelling_findings over the blocks' label counts and locations (same order)."""
    counts: dict[str, list] = {}
    for labels in parts:
        for label, (n, locations) in labels.items():
            entry = counts.setdefault(label, [0, []])
            entry[0] += n
            entry[1].extend(locations)
    spellings: dict[str, Counter] = defaultdict(Counter)
    for label, (n, _) in counts.items():
        spellings[label_key(label)][label] += n
    for key, spelled in sorted(spellings.items()):
        if len(spelled) < 2:
            continue
        ranked = spelled.most_common()
        main = ranked[0][0]
        variants = ", ".join(f"{s!r} ({n})" for s, n in ranked)
        minority = [loc for s, _ in ranked[1:] for loc in counts[s][1]]
        yield Finding(
            f"label spelled {len(ranked)} ways: {variants}; use {main!r}",
            [counts[main][1][0]] + minority,
            None,
            {"kind": "label-spelling", "blocking": True, "variants": dict(ranked), "preferred": main},
            Fix(tuple(range(1, 1 + len(minority))), f"label spelled {len(ranked)} ways: {variants}; use {main!r}", "label-spelling", "label-spelling"),
        )


def _merged_placeholder_variants(partials: Any, file_order: dict) -> Finding | None:
    """PlaceholderTally.variants_finding over the blocks' marker counts."""
    markers: dict[str, list] = {}
    empty = 0
    for p in partials:
        empty += p.value.empty_inputs
        for marker, (n, first) in p.value.markers.items():
            entry = markers.setdefault(marker, [0, first])
            entry[0] += n
    counts = {m: n for m, (n, _) in sorted(markers.items(), key=lambda kv: (-kv[1][0], kv[0]))}
    if markers and empty:
        counts[""] = empty
    if len(counts) < 2:
        return None
    listed = ", ".join(f"{m!r} ({n})" for m, n in counts.items())
    firsts = sorted((first for _, first in markers.values()), key=lambda loc: (file_order.get(loc.path, 0), loc.record))
    return Finding(
        f"no input written {len(counts)} ways: {listed}; use one (an empty input is best)",
        firsts,
        None,
        {"kind": "placeholder-variants", "blocking": False, "variants": counts},
    )


FormatConsistency.scales = RUNS_BLOCK
FormatConsistency.partial = _format_partial  # type: ignore[method-assign]
FormatConsistency.merge = _format_merge  # type: ignore[method-assign]
