"""Writing the cleaned copy (same format, original bytes) and the dropped file, atomically.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from dqlint.commands.clean.decide import READER, Reason
from dqlint.commands.clean.sources import Key, RawRecord, Source, json_bytes, jsonable
from dqlint.data.outputs import refuse_unsafe_output
from dqlint.errors import DqlintError, UsageError

if TYPE_CHECKING:
    import pandas as pd




def _partition(source: Source, reasons: dict[Key, list[Reason]]) -> tuple[list[RawRecord], list[tuple[RawRecord, list[Reason]]]]:
    kept, dropped = [], []
    for rec in source.records:
        why = reasons.get((source.path, rec.record)) if rec.record is not None else None
        if why is None and rec.value is None:  # the rule always reports these; never keep one silently
            why = [Reason(READER, "unreadable", "record could not be read as an object")]
        if why:
            dropped.append((rec, why))
        else:
            kept.append(rec)
    if source.orphan is not None:
        dropped.append((source.orphan, [Reason(READER, "unreadable", "file content that holds no readable records")]))
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
        entry["raw"] = json_bytes(rec.value).decode("utf-8")
        entry["value"] = jsonable(rec.value)
    return entry


def record_frames(sources: list[Source], reasons: dict[Key, list[Reason]]) -> tuple[pd.DataFrame, pd.DataFrame]:
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
    from dqlint.data.readers import data_suffix

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
        if _same_format(data_suffix(source.path), data_suffix(target)) is False:
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
    from dqlint.data.readers import data_suffix

    name = os.path.basename(path)
    kind = data_suffix(name)
    ext = (kind[0] + (kind[1] or "")) if kind else os.path.splitext(name)[1]
    return {"dir": os.path.dirname(path) or ".", "name": name, "stem": name[: len(name) - len(ext)] or name, "ext": ext}


def _same_format(a: tuple[str, str | None] | None, b: tuple[str, str | None] | None) -> bool | None:
    if a is None:
        return None
    if b is None:
        return False
    family = {".ndjson": ".jsonl"}
    return family.get(a[0], a[0]) == family.get(b[0], b[0]) or (a[0] == ".json" and b[0] == ".jsonl")


Part = tuple[Source, list[RawRecord], list[tuple[RawRecord, list[Reason]]]]


def partition_all(sources: list[Source], reasons: dict[Key, list[Reason]]) -> list[Part]:
    """(source, kept, dropped) for every source, checked so that nothing is lost."""
    parts = []
    for source in sources:
        kept, dropped = _partition(source, reasons)
        total = len(source.records) + (source.orphan is not None)
        if len(kept) + len(dropped) != total:  # guards the promise that nothing is lost
            raise DqlintError(f"{source.path}: internal error: kept {len(kept)} + dropped {len(dropped)} != {total} records")
        parts.append((source, kept, dropped))
    return parts


def summarise(parts: list[Part], plan: OutputPlan, warnings: list[str], *, written: bool) -> CleanResult:
    """Counts per file, per rule and per kind (what a dry run prints, and a real run after writing)."""
    by_rule: Counter = Counter()
    kinds: dict[str, Counter] = {}
    per_file: dict[str, tuple[int, int]] = {}
    for source, kept, dropped in parts:
        per_file[source.path] = (len(kept), len(dropped))
        for rec, why in dropped:
            for rule in {r.rule for r in why}:
                by_rule[rule] += 1
            for r in why:
                kinds.setdefault(r.rule, Counter())[r.kind] += 1
    return CleanResult(
        outputs=plan.outputs,
        dropped_path=plan.dropped,
        kept=sum(k for k, _ in per_file.values()),
        dropped=sum(d for _, d in per_file.values()),
        reasons=by_rule,
        kinds=kinds,
        per_file=per_file,
        warnings=warnings,
        written=written,
    )


def write_clean(parts: list[Part], plan: OutputPlan, warnings: list[str]) -> CleanResult:
    """Write each cleaned copy and the dropped file."""
    dropped_lines = []
    for source, kept, dropped in parts:
        _atomic_write(plan.outputs[source.path], lambda target, s=source, k=kept: _write_copy(target, s, k))
        for rec, why in dropped:
            dropped_lines.append(json.dumps(dropped_entry(source, rec, why), ensure_ascii=False) + "\n")
    _atomic_write(plan.dropped, lambda fh: fh.write("".join(dropped_lines).encode("utf-8")))
    return summarise(parts, plan, warnings, written=True)


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
    from dqlint.data.readers import COMPRESSIONS, data_suffix

    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    kind = data_suffix(path)
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








@dataclass
class CleanResult:
    """What a clean did (or, in a dry run, would do): where it wrote, how many it kept and dropped, and why."""

    outputs: dict[str, str]  # input path -> cleaned copy
    dropped_path: str
    kept: int
    dropped: int
    reasons: Counter  # rule id -> dropped records it named (a record may count under several)
    kinds: dict[str, Counter]  # rule id -> kind -> count
    per_file: dict[str, tuple[int, int]]  # input path -> (kept, dropped)
    warnings: list[str] = field(default_factory=list)
    written: bool = True  # False for a dry run: the counts of what a run would do
