"""``dqlint clean``: write a cleaned copy of a data set, and every dropped record with its reasons.

The decisions come from the rules, run through the engine (:func:`dqlint.api.run_check`), never
from code of their own here:

* **format errors** — records with a blocking ``format-consistency`` finding (unparseable lines,
  records that are not objects, schema violations, minority label spellings);
* **duplicates** — every ``near-duplicates`` group (exact or near) keeps one member, the first
  that is not dropped for another reason, and drops the rest;
* **leakage** — ``train-test-leakage`` pairs: the training-side copies are dropped (default), or
  the held-out rows with ``leaked_from="test"``;
* **any rule the user names** (``drop_rules``) — every row its findings point at.

Output keeps the input's format and, where the format has text, its bytes: a JSONL line is
copied as it was read, a CSV record (quoted newlines and all) under the original header, a JSON
array element as written inside the original wrapper; Parquet is filtered with pyarrow, keeping
the schema. The records are re-read by the check's own readers, asked to keep each record's
source text, so clean numbers them exactly as the check did. The dropped file is JSONL, one
object per dropped record with its location, reasons and raw text. Kept + dropped always equals
the records read (checked before anything is written); inputs are never written, even with
``force``.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Sequence

from dqlint.outputs import refuse_unsafe_output
from dqlint.errors import DqlintError, InputError, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from dqlint.config import Config

__all__ = ["clean", "CleanResult"]

FORMAT_RULE = "format-consistency"
DUPLICATE_RULE = "near-duplicates"
LEAKAGE_RULE = "train-test-leakage"
# Rules whose findings clean reads in its own way; --drop-rule is for the others.
BUILT_IN_REASONS = (FORMAT_RULE, DUPLICATE_RULE, LEAKAGE_RULE)
# Report every group / leaked row: the rules cap findings for reports, clean needs them all.
UNCAPPED = 10**9

Key = tuple[str, int]  # (display path, record index)


# -- what was read -----------------------------------------------------------------------------


# A record's value is parsed only where it is needed (returned frames, dropped Parquet rows).
NOT_PARSED: Any = type("NotParsed", (), {"__repr__": lambda self: "NOT_PARSED"})()
WantValue = Callable[[int], bool]


@dataclass
class RawRecord:
    """One record as it stands in its file: ``raw`` is its original bytes (None for Parquet and
    in-memory data), ``value`` the parsed object (None when it could not be parsed, NOT_PARSED
    when nobody needed it)."""

    record: int | None
    line: int | None
    raw: bytes | None
    value: Any


@dataclass
class Source:
    """One input file read for cleaning, with what surrounds its records (a CSV header, the
    text around a JSON array) so the cleaned copy can be reassembled in the same format."""

    path: str
    split: str
    kind: str  # jsonl | csv | json | parquet | memory
    records: list[RawRecord] = field(default_factory=list)
    head: bytes = b""
    separator: bytes = b""
    tail: bytes = b""
    newline: bytes = b"\n"
    # Content that belongs to no record (a file whose records could not be told apart).
    orphan: RawRecord | None = None


@dataclass
class Reason:
    rule: str
    kind: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "kind": self.kind, "message": self.message}


@dataclass
class CleanResult:
    """What a written clean did: where it wrote, how many it kept and dropped, and why."""

    outputs: dict[str, str]  # input path -> cleaned copy
    dropped_path: str
    kept: int
    dropped: int
    reasons: Counter  # rule id -> dropped records it named (a record may count under several)
    kinds: dict[str, Counter]  # rule id -> kind -> count
    per_file: dict[str, tuple[int, int]]  # input path -> (kept, dropped)
    warnings: list[str] = field(default_factory=list)


# -- public API --------------------------------------------------------------------------------


def clean(
    data: Any,
    *,
    test: Any = None,
    eval: Any = None,
    output: str | os.PathLike[str] | None = None,
    dropped: str | os.PathLike[str] | None = None,
    force: bool = False,
    drop_rules: Sequence[str] = (),
    leaked_from: str = "train",
    duplicates: bool = True,
    leakage: bool = True,
    format_errors: bool = True,
    config: str | os.PathLike[str] | dict[str, Any] | Config | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame] | CleanResult:
    """Drop duplicates, leaked rows, format errors and rows the named rules flag.

    ``data``/``test``/``eval`` are paths (files or folders), lists of paths, pandas DataFrames or
    lists of dict records, as for :func:`dqlint.check`. Without ``output`` nothing is written
    and ``(kept, dropped)`` DataFrames are returned: ``kept`` holds the kept raw records (index:
    path, record), ``dropped`` one row per dropped record with ``path``, ``line``, ``record``,
    ``split``, ``reasons`` (rule ids), ``findings`` and ``raw``. With ``output`` (a file for one
    input file, a folder for several) the cleaned copies and the ``dropped`` JSONL file are
    written and a :class:`CleanResult` is returned.

    >>> kept, dropped = clean("train.jsonl", test="test.jsonl")       # doctest: +SKIP
    >>> clean("train.jsonl", output="train.clean.jsonl")              # doctest: +SKIP
    """
    from dqlint.api import as_specs

    if leaked_from not in ("train", "test"):
        raise UsageError(f"leaked_from must be 'train' or 'test', got {leaked_from!r}")
    specs = as_specs(data) + as_specs(test, "test") + as_specs(eval, "validation")
    if not specs:
        raise UsageError("nothing to clean: give a path, a DataFrame or a list of records")
    for rule_id in drop_rules:
        if rule_id in BUILT_IN_REASONS:
            raise UsageError(f"--drop-rule {rule_id}: clean already drops what {rule_id} finds (see --keep-* to turn it off)")
    if output is not None:
        _refuse_early(specs, os.fspath(output), dropped, force)
    needed = [FORMAT_RULE] + [DUPLICATE_RULE] * duplicates + [LEAKAGE_RULE] * leakage + list(drop_rules)
    report = _run_rules(specs, _clean_config(config, needed), progress)
    _require_judged(report, needed)

    reasons = decide_drops(report, leaked_from=leaked_from, duplicates=duplicates, leakage=leakage,
                           format_errors=format_errors, drop_rules=drop_rules)
    if output is None:
        sources = read_sources(report, specs, lambda path, record: True)
    else:
        sources = read_sources(report, specs, lambda path, record: (path, record) in reasons)
    warnings = _file_level_warnings(report)
    if leakage and leaked_from == "train" and any(
        (f.get("details") or {}).get("matches_truncated") for f in _findings({e["id"]: e for e in report["rules"]}, LEAKAGE_RULE)
    ):
        warnings.append(f"some held-out rows match more training rows than {LEAKAGE_RULE} lists: run clean again on the output")

    if output is None:
        if dropped is not None:
            raise UsageError("dropped= needs output=: without output nothing is written")
        return _frames(sources, reasons)
    plan = plan_outputs(sources, os.fspath(output), None if dropped is None else os.fspath(dropped), force=force)
    return write_clean(sources, reasons, plan, warnings)


# -- running the rules -------------------------------------------------------------------------


def _clean_config(config: Any, wanted: Sequence[str]) -> Config:
    """The user's config (thresholds, fields, severities) running only the rules clean reads."""
    from dqlint.config import resolve_config

    resolved = resolve_config(config)
    resolved = replace(resolved, select=tuple(dict.fromkeys(wanted)), ignore=tuple(i for i in resolved.ignore if i not in wanted))
    for rule_id in (DUPLICATE_RULE, LEAKAGE_RULE):
        resolved = resolved.with_rule_setting(rule_id, "max-findings", UNCAPPED)
    return resolved


def _refuse_early(specs: Sequence[Any], output: str, dropped: Any, force: bool) -> None:
    """Say "file exists" before the checks run, not after (the full plan is checked again)."""
    inputs = [os.fspath(s.source) for s in specs if isinstance(s.source, (str, os.PathLike))]
    single = len(specs) == 1 and inputs and os.path.isfile(inputs[0])
    if single and not os.path.isdir(output) and not output.endswith(("/", os.sep)) and "{" not in output:
        refuse_unsafe_output(output, inputs, force=force)
    if dropped is not None:
        refuse_unsafe_output(os.fspath(dropped), inputs, force=force)


def _run_rules(specs: list, config: Config, progress: Callable[[str], None] | None) -> dict[str, Any]:
    from dqlint.api import CheckRequest, run_check

    report = run_check(CheckRequest(inputs=specs, config=config, progress=progress))
    return report.to_dict()


def _require_judged(report: dict[str, Any], rule_ids: Sequence[str]) -> None:
    """Cleaning on a rule that crashed would keep what it should have dropped: stop instead."""
    for entry in report["rules"]:
        if entry["id"] in rule_ids and entry["status"] == "error":
            raise DqlintError(f"cannot clean: rule {entry['id']} did not run: {entry['message']}")


# -- deciding --------------------------------------------------------------------------------


def decide_drops(
    report: dict[str, Any],
    *,
    leaked_from: str = "train",
    duplicates: bool = True,
    leakage: bool = True,
    format_errors: bool = True,
    drop_rules: Sequence[str] = (),
) -> dict[Key, list[Reason]]:
    """(path, record) -> why it is dropped, from the rules' findings in ``report``."""
    rules = {entry["id"]: entry for entry in report["rules"]}
    drops: dict[Key, list[Reason]] = {}

    def add(loc: dict[str, Any], reason: Reason) -> None:
        if loc.get("record") is None:
            return
        key = (loc["path"], loc["record"])
        if all(r.message != reason.message for r in drops.get(key, [])):
            drops.setdefault(key, []).append(reason)

    for finding in _findings(rules, FORMAT_RULE):
        details = finding.get("details") or {}
        if not details.get("blocking"):
            continue
        kind = details.get("kind", "format")
        locations = finding["locations"]
        if kind == "label-spelling":
            locations = locations[1:]  # the first location shows the spelling to keep
        elif not format_errors and kind not in UNREADABLE_KINDS:
            continue
        for loc in locations:
            add(loc, Reason(FORMAT_RULE, kind, finding["message"]))

    if leakage:
        for finding in _findings(rules, LEAKAGE_RULE):
            held_out, *matches = finding["locations"]
            kind = (finding.get("details") or {}).get("kind", "leak")
            if leaked_from == "test":
                add(held_out, Reason(LEAKAGE_RULE, kind, finding["message"]))
            else:
                for loc in matches:
                    add(loc, Reason(LEAKAGE_RULE, kind, f"{kind} match of held-out row {_where(held_out)} (kept there)"))

    for rule_id in drop_rules:
        for finding in _findings(rules, rule_id):
            kind = _finding_kind(finding, rule_id)
            for loc in finding["locations"]:
                add(loc, Reason(rule_id, kind, finding["message"]))

    if duplicates:
        # Last, so a group keeps a member that survives the other reasons.
        for finding in _findings(rules, DUPLICATE_RULE):
            details = finding.get("details") or {}
            if details.get("kind") not in ("exact", "near"):
                continue  # "same input, different outputs" is not a duplicate
            members = [loc for loc in finding["locations"] if loc.get("record") is not None]
            survivors = [loc for loc in members if (loc["path"], loc["record"]) not in drops]
            if not survivors:
                continue
            kept = survivors[0]
            what = "exact duplicate" if details["kind"] == "exact" else f"near duplicate (similarity {details.get('similarity')})"
            note = " (the group has conflicting labels)" if details.get("conflicting_labels") else ""
            for loc in survivors[1:]:
                add(loc, Reason(DUPLICATE_RULE, details["kind"], f"{what} of {_where(kept)}, which is kept{note}"))
    return drops


# Record kinds a reader could not turn into an example at all: dropped even with --keep-invalid.
UNREADABLE_KINDS = ("invalid-json", "invalid-csv", "not-object", "encoding")


def _finding_kind(finding: dict[str, Any], rule_id: str) -> str:
    """A short label for counts: the finding's kind(s) where the rule names them."""
    details = finding.get("details") or {}
    if details.get("kind"):
        return str(details["kind"])
    kinds = details.get("kinds") or [m.get("kind") for m in details.get("matches", []) if isinstance(m, dict)]
    return ",".join(sorted({str(k) for k in kinds if k})) or rule_id


def _findings(rules: dict[str, Any], rule_id: str) -> list[dict[str, Any]]:
    entry = rules.get(rule_id)
    return list(entry["findings"]) if entry else []


def _where(loc: dict[str, Any]) -> str:
    if loc.get("line") is not None:
        return f"{loc['path']}:{loc['line']}"
    return f"{loc['path']}#{loc.get('record')}"


def _file_level_warnings(report: dict[str, Any]) -> list[str]:
    """Blocking problems that belong to no record (an unreadable header, an unclosed array)."""
    out = []
    for finding in _findings({e["id"]: e for e in report["rules"]}, FORMAT_RULE):
        locations = finding["locations"]
        if (finding.get("details") or {}).get("blocking") and locations and all(loc.get("record") is None for loc in locations):
            out.append(f"{_where(locations[0]) if locations[0].get('line') else locations[0]['path']}: {finding['message']}")
    return out


# -- reading the sources again, byte for byte --------------------------------------------------


def read_sources(report: dict[str, Any], specs: Sequence[Any], want: Callable[[str, int], bool]) -> list[Source]:
    """Re-read every input the report names, record for record as the loader numbered them;
    ``want(path, record)`` says whose parsed value to keep (the rest keep only their bytes)."""
    from dqlint.loading import _data_suffix

    memory = {spec.name: spec.source for spec in specs if not isinstance(spec.source, (str, os.PathLike))}
    sources = []
    for info in report["inputs"]:
        path, split = info["path"], info["split"]
        if path in memory:
            source = _read_memory(path, split, memory[path])
        elif os.path.isfile(path) and _data_suffix(path):
            source = _read_file(path, split, lambda record, path=path: want(path, record))
        else:
            raise UsageError(f"{path}: clean works on data files (JSONL, JSON, CSV/TSV, Parquet), DataFrames and record lists")
        count = sum(1 for r in source.records if r.record is not None)
        if count != info["records"]:
            raise InputError(f"{path}: read {count} records but the check counted {info['records']}; nothing written")
        sources.append(source)
    return sources


# Which Source layout each data suffix is written back in.
FILE_KINDS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "csv", ".parquet": "parquet"}


def _read_file(path: str, split: str, want: WantValue) -> Source:
    """Read with the check's own file reader, asked to keep each item's source text: records are
    numbered as the check numbered them by construction, and the text between them (a CSV
    header, the brackets and wrapper of a JSON array) is what the cleaned copy is framed in."""
    from dqlint.loading import _data_suffix, file_reader

    source = Source(path, split, FILE_KINDS[_data_suffix(path)[0]])  # type: ignore[index]
    outside: list[list[bytes]] = [[]]  # text between records: before the first, then after each
    stopped = False  # the last record is unreadable JSON (in an array, where the reader stops)
    for raw in file_reader(path, keep_source=True)():
        if raw.record is None:
            if raw.source is not None and raw.problem is not None:
                source.orphan = RawRecord(None, 1, raw.source, None)  # a file with no readable record
            elif raw.source is not None:
                outside[-1].append(raw.source)
            continue  # any other problem is the file's, and the check reported it
        if raw.problem is not None and raw.problem[2]:
            value = None  # unreadable: never kept, wanted or not
        else:
            value = raw.value if want(raw.record) else NOT_PARSED
        source.records.append(RawRecord(raw.record, raw.line, raw.source, value))
        outside.append([])
        stopped = raw.problem is not None and raw.problem[0] == "invalid-json"
    between = [b"".join(texts) for texts in outside]
    if source.kind == "json" and not any(text.strip() for text in between):
        source.kind = "jsonl"  # a .json file holding one object per line is read as JSONL
    if source.kind == "jsonl":
        _end_lines(source.records, (b"\n",), b"\n")  # blank lines are no records and are left out
    elif source.kind == "csv":
        _set_csv_frame(source, outside[0])
    elif source.kind == "json":
        _set_json_frame(source, between, stopped)
    return source


def _end_lines(records: list[RawRecord], endings: tuple[bytes, ...], newline: bytes) -> None:
    """A last record without a line ending gets one, so a record kept from the end of the file
    and one kept after it stay on separate lines."""
    for rec in records:
        if rec.raw is not None and not rec.raw.endswith(endings):
            rec.raw += newline


def _set_csv_frame(source: Source, before_records: list[bytes]) -> None:
    """The header is the first text before the records (blank lines after it are left out);
    its line ending is the one the copy uses."""
    if not before_records:
        return  # an empty file, or a header the csv module could not read (an orphan)
    head = before_records[0]
    source.newline = b"\r\n" if head.endswith(b"\r\n") else b"\n"
    source.head = head if head.endswith((b"\n", b"\r")) else head + source.newline
    _end_lines(source.records, (b"\n", b"\r"), source.newline)


def _set_json_frame(source: Source, between: list[bytes], stopped: bool) -> None:
    """Keep the original look: the text before the first element, between elements, after the
    last (the closing bracket and any wrapper). A file cut short (an array never closed, or an
    element the reader stopped at) gets a plain closing bracket. ``between[i]`` is the text
    before record ``i``; ``between[-1]`` the text after the last."""
    records = source.records
    readable = len(records) - stopped
    if stopped:  # the element's line is where it starts (the reader reports where decoding failed)
        before = sum(text.count(b"\n") for text in between[:-1]) + sum(rec.raw.count(b"\n") for rec in records[:-1])  # type: ignore[union-attr]
        records[-1].line = before + 1
    closed = b"]" in between[-1]  # text after the last element holds the closing bracket
    if not records and closed:
        source.head = between[0]  # an empty array: the whole file
        return
    source.head = between[0] if readable else _through_bracket(between[0])
    source.separator = between[1] if readable > 1 and between[1].count(b",") == 1 else b",\n"
    if closed:
        source.tail = between[-1]
    else:
        wrapped = between[0].decode("utf-8").lstrip().startswith("{")
        source.tail = b"\n]" + (b"}" if wrapped else b"") + b"\n"


def _through_bracket(text: bytes) -> bytes:
    """The text up to the array's ``[``, without the blanks and commas the reader skipped after it."""
    decoded = text.decode("utf-8")
    end = len(decoded)
    while end and (decoded[end - 1].isspace() or decoded[end - 1] == ","):
        end -= 1
    return decoded[:end].encode("utf-8")


def _read_memory(path: str, split: str, obj: Any) -> Source:
    source = Source(path, split, "memory")
    if type(obj).__name__ == "DataFrame":
        records = obj.to_dict("records")
    elif isinstance(obj, (list, tuple)):
        records = list(obj)
    else:
        raise UsageError(f"{path}: clean works on data files, DataFrames and record lists, not {type(obj).__name__}")
    for i, rec in enumerate(records):
        is_object = isinstance(rec, dict)
        source.records.append(RawRecord(i, None, None if is_object else _json_bytes(rec), rec if is_object else None))
    return source


# -- results as frames -----------------------------------------------------------------------


def _partition(source: Source, reasons: dict[Key, list[Reason]]) -> tuple[list[RawRecord], list[tuple[RawRecord, list[Reason]]]]:
    kept, dropped = [], []
    for rec in source.records:
        why = reasons.get((source.path, rec.record)) if rec.record is not None else None
        if why is None and rec.value is None:  # the rule always reports these; never keep one silently
            why = [Reason(FORMAT_RULE, "unreadable", "record could not be read as an object")]
        if why:
            dropped.append((rec, why))
        else:
            kept.append(rec)
    if source.orphan is not None:
        dropped.append((source.orphan, [Reason(FORMAT_RULE, "unreadable", "file content that holds no readable records")]))
    return kept, dropped


def dropped_entry(source: Source, rec: RawRecord, why: list[Reason]) -> dict[str, Any]:
    """One line of the dropped file: where the record was, why it went, and the record itself."""
    entry: dict[str, Any] = {
        "path": source.path,
        "line": rec.line,
        "record": rec.record,
        "split": source.split,
        "reasons": sorted({r.rule for r in why}),
        "findings": [r.to_dict() for r in why],
    }
    if rec.raw is not None:
        try:
            entry["raw"] = rec.raw.decode("utf-8")
        except UnicodeDecodeError:
            entry["raw"] = None
            entry["raw_base64"] = base64.b64encode(rec.raw).decode("ascii")
    else:
        entry["raw"] = _json_bytes(rec.value).decode("utf-8")
        entry["value"] = _jsonable(rec.value)
    return entry


def _frames(sources: list[Source], reasons: dict[Key, list[Reason]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    import pandas as pd

    kept_rows, index, dropped_rows = [], [], []
    for source in sources:
        kept, dropped = _partition(source, reasons)
        for rec in kept:
            kept_rows.append(rec.value)
            index.append((source.path, rec.record))
        dropped_rows += [dropped_entry(source, rec, why) for rec, why in dropped]
    kept_frame = pd.DataFrame(kept_rows, index=pd.MultiIndex.from_tuples(index, names=["path", "record"]) if index else None)
    columns = ["path", "line", "record", "split", "reasons", "findings", "raw"]
    dropped_frame = pd.DataFrame([{c: row.get(c) for c in columns} for row in dropped_rows], columns=columns)
    dropped_frame["line"] = dropped_frame["line"].astype("Int64")
    dropped_frame["record"] = dropped_frame["record"].astype("Int64")
    return kept_frame, dropped_frame


# -- writing ---------------------------------------------------------------------------------


@dataclass
class OutputPlan:
    outputs: dict[str, str]  # input path -> output path
    dropped: str
    force: bool


def plan_outputs(sources: list[Source], output: str, dropped: str | None, *, force: bool) -> OutputPlan:
    """Where each cleaned copy goes: ``output`` itself for one input file, else ``output/<name>``;
    an ``output`` with ``{dir}``, ``{name}``, ``{stem}`` or ``{ext}`` is a template filled per input
    (the CLI's default is ``{dir}/{stem}.clean{ext}``, beside each input).

    Refuses in-memory inputs, a format change, two copies to one path, an existing file without
    ``force`` and, always, an input path.
    """
    from dqlint.loading import _data_suffix

    if any(s.kind == "memory" for s in sources):
        raise UsageError("in-memory data: call clean() without output= and write the returned DataFrames")
    template = any(f"{{{k}}}" in output for k in ("dir", "name", "stem", "ext"))
    is_folder = not template and (len(sources) > 1 or os.path.isdir(output) or output.endswith(("/", os.sep)))
    outputs: dict[str, str] = {}
    for source in sources:
        if template:
            target = output.format(**_name_parts(source.path))
        elif is_folder:
            target = os.path.join(output, os.path.basename(source.path))
        else:
            target = output
        if _same_format(_data_suffix(source.path), _data_suffix(target)) is False:
            raise UsageError(f"{target}: the cleaned copy of {source.path} keeps its format: name it *{_name_parts(source.path)['ext']}")
        if target in outputs.values():
            raise UsageError(f"{target}: two inputs would be written to the same file; clean them separately")
        outputs[source.path] = target
    if dropped is None:
        folder = output if is_folder else os.path.dirname(next(iter(outputs.values())))
        name = "dropped.jsonl" if len(sources) > 1 else f"{_name_parts(sources[0].path)['stem']}.dropped.jsonl"
        dropped = os.path.join(folder, name)
    inputs = [s.path for s in sources]
    for path in [*outputs.values(), dropped]:
        refuse_unsafe_output(path, inputs, force=force, what="output")
    if dropped in outputs.values():
        raise UsageError(f"{dropped}: the dropped-records file must differ from the cleaned copy")
    return OutputPlan(outputs, dropped, force)


def _name_parts(path: str) -> dict[str, str]:
    """train.jsonl.gz -> dir, name "train.jsonl.gz", stem "train", ext ".jsonl.gz"."""
    from dqlint.loading import _data_suffix

    name = os.path.basename(path)
    kind = _data_suffix(name)
    ext = (kind[0] + (kind[1] or "")) if kind else os.path.splitext(name)[1]
    return {"dir": os.path.dirname(path) or ".", "name": name, "stem": name[: len(name) - len(ext)] or name, "ext": ext}


def _same_format(a: tuple[str, str | None] | None, b: tuple[str, str | None] | None) -> bool | None:
    if a is None:
        return None
    if b is None:
        return False
    family = {".ndjson": ".jsonl"}
    return family.get(a[0], a[0]) == family.get(b[0], b[0]) or (a[0] == ".json" and b[0] == ".jsonl")


def write_clean(sources: list[Source], reasons: dict[Key, list[Reason]], plan: OutputPlan, warnings: list[str]) -> CleanResult:
    """Partition, check nothing is lost, then write each copy and the dropped file."""
    parts = []
    for source in sources:
        kept, dropped = _partition(source, reasons)
        total = len(source.records) + (source.orphan is not None)
        if len(kept) + len(dropped) != total:  # guards the promise that nothing is lost
            raise DqlintError(f"{source.path}: internal error: kept {len(kept)} + dropped {len(dropped)} != {total} records")
        parts.append((source, kept, dropped))

    by_rule: Counter = Counter()
    kinds: dict[str, Counter] = {}
    per_file: dict[str, tuple[int, int]] = {}
    dropped_lines = []
    for source, kept, dropped in parts:
        _atomic_write(plan.outputs[source.path], lambda target, s=source, k=kept: _write_copy(target, s, k))
        per_file[source.path] = (len(kept), len(dropped))
        for rec, why in dropped:
            dropped_lines.append(json.dumps(dropped_entry(source, rec, why), ensure_ascii=False) + "\n")
            for rule in {r.rule for r in why}:
                by_rule[rule] += 1
            for r in why:
                kinds.setdefault(r.rule, Counter())[r.kind] += 1
    _atomic_write(plan.dropped, lambda fh: fh.write("".join(dropped_lines).encode("utf-8")))
    return CleanResult(
        outputs=plan.outputs,
        dropped_path=plan.dropped,
        kept=sum(k for k, _ in per_file.values()),
        dropped=sum(d for _, d in per_file.values()),
        reasons=by_rule,
        kinds=kinds,
        per_file=per_file,
        warnings=warnings,
    )


def _write_copy(fh: Any, source: Source, kept: list[RawRecord]) -> None:
    """Reassemble the file from the kept records' original bytes (``fh`` is a path for Parquet)."""
    if source.kind == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(source.path)
        pq.write_table(table.take([rec.record for rec in kept]), fh)
    elif source.kind == "jsonl":
        for rec in kept:
            fh.write(rec.raw)
    elif source.kind == "csv":
        fh.write(source.head)
        for rec in kept:
            fh.write(rec.raw)
    elif source.kind == "json":
        fh.write(source.head)
        fh.write(source.separator.join(rec.raw for rec in kept))  # type: ignore[misc]
        fh.write(source.tail)
    else:
        raise AssertionError(source.kind)


def _atomic_write(path: str, write: Callable[[Any], None]) -> None:
    """Write to a temporary file beside ``path`` and move it in place: no half-written output."""
    from dqlint.loading import COMPRESSIONS, _data_suffix

    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    kind = _data_suffix(path)
    fd, tmp = tempfile.mkstemp(prefix=".dqlint-", suffix=".tmp", dir=folder)
    try:
        if kind and kind[0] == ".parquet":
            os.close(fd)
            write(tmp)
        else:
            opener = COMPRESSIONS.get(kind[1] or "", None) if kind else None
            with os.fdopen(fd, "wb") as raw_fh:
                if opener is None:
                    write(raw_fh)
                else:
                    with opener(raw_fh, "wb") as fh:
                        write(fh)
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        _remove(tmp)
        raise


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _json_bytes(value: Any) -> bytes:
    return json.dumps(_jsonable(value), ensure_ascii=False, sort_keys=False).encode("utf-8")


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)
