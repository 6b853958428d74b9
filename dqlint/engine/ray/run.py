"""One check on Ray, from request to report: the same report as the local engine.

Steps: plan the inputs into blocks (driver) → scan the blocks for counts (workers) → read and
check every block with the per-block rules, keeping the seeded sample the driver rules need
(workers) → merge the partials, run the sampled and distributed rules (driver, cluster) →
fingerprint the findings' rows (workers) → judge and build the report (driver). Rules are known
only by what they declare (``Rule.scales``), never by name.
"""

from __future__ import annotations

import os
import time
import warnings
from itertools import accumulate
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

from dqlint.data.columns import IntColumn, extend_int
from dqlint.data.dataset import Dataset, InputFile, Problem
from dqlint.data.formats import FieldMap
from dqlint.data.limits import Limits
from dqlint.engine.ray.blocks import (
    BlockScan,
    FilePlan,
    block_bytes,
    check_pinned_fields,
    infer_file_schema,
    plan_blocks,
    plan_files,
    read_block,
    scan_block,
    whole_file_entry,
)
from dqlint.engine.ray.session import TASK_RETRIES, cluster_cpus, map_blocks, ray_session
from dqlint.engine.rule import (
    RUNS_BLOCK,
    RUNS_DISTRIBUTED,
    RUNS_DRIVER,
    RUNS_SAMPLE,
    Block,
    CheckContext,
    Partial,
    RuleResult,
    Status,
)
from dqlint.errors import DqlintError, InputError, UsageError

if TYPE_CHECKING:
    from dqlint.engine.check import CheckRequest
    from dqlint.engine.plugins import PluginRule

__all__ = ["run_ray_check", "RayInputs", "SAMPLE_ROWS", "SAMPLE_SEED"]

# Rules that fit a model (and rules that declare nothing) see at most this many rows, chosen by a
# seeded hash of (path, record): the same rows whatever the blocks. A smaller set is seen whole.
SAMPLE_ROWS = 50_000
SAMPLE_SEED = 0


@dataclass
class RunInputs:
    """The inputs of one run as the cluster reads them."""

    plans: list[FilePlan]
    blocks: list[Block]
    files: list[InputFile]
    fields: FieldMap
    limits: Limits
    skipped: list[Problem]
    splits: Counter = field(default_factory=Counter)  # rows per split, once read
    rows: int = 0
    first_row: list[int] = field(default_factory=list)  # each block's first row number, once read
    table: Any = None  # the rows as a materialized Ray Dataset, once a distributed rule asks (RayInputs.rows)
    split_rows: dict[str, Any] = field(default_factory=dict)  # split -> its global rows (sorted int64), once read
    present: set[str] = field(default_factory=set)  # which of input, output, label any row has, once read

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    def read(self, block: Block) -> Dataset:
        """The block's Dataset (on a worker); the run's first block also holds skipped entries."""
        ds = read_block(self.plans[block.file_index], block, self.files, self.fields, self.limits)
        if block.index == 0 and self.skipped:
            ds.problems[:0] = self.skipped
        return ds


def run_ray_check(request: CheckRequest, plugins: Sequence[PluginRule]) -> dict[str, Any]:
    """The report of ``request`` computed on Ray (see the module docstring)."""
    from dqlint import __version__
    from dqlint.data.ingest import load_inputs
    from dqlint.engine.baseline import add_fingerprints
    from dqlint.engine.runner import rule_options, rule_severity
    from dqlint.engine.verdict import judge
    from dqlint.report import build_report, json_ready
    from dqlint.report.masking import mask_report

    config = request.config
    progress = request.progress or (lambda message: None)
    if request.sections:
        raise UsageError("the ray engine does not build report sections yet ([cost] requests-per-month): check with --engine local for them")
    # Options are validated for every rule before anything runs, as on the local engine.
    prepared = [(p, rule_severity(p, config), rule_options(p, config)) for p in plugins]
    progress("ray: connecting" if config.address else "ray: starting a local Ray instance")
    with ray_session(config.address) as ray:
        cpus = cluster_cpus(ray)
        run = load_run(ray, request, cpus, progress)
        reference = None
        if request.reference:
            reference = load_inputs(request.reference, fields=config.fields, progress=progress, limits=config.limits, require_pins=False)
            if len(reference) == 0:
                names = ", ".join(f.path for f in reference.files)
                raise InputError(f"{names}: the reference sample holds no examples to compare with")
        ctx_args = _context_args(request, reference)
        outcomes, sampled, warnings = run_rules_on_ray(ray, run, prepared, ctx_args, cpus, request, progress)
        rules = [outcome.to_dict() for outcome in outcomes]
        del outcomes  # the findings live on in `rules` alone: on the driver they are most of the memory
        progress("ray: fingerprinting findings")
        add_fingerprints(rules, finding_digests(ray, run, rules))
    verdict, reason = judge(rules, config.fail_on)
    report = build_report(_Totals(run), rules, verdict, reason, __version__, target=config.target)
    report["engine"] = {
        "name": "ray",
        "address": config.address or "local",
        "cpus": cpus,
        "blocks": len(run.blocks),
        "sampled": sampled,
        "warnings": warnings,
    }
    return mask_report(json_ready(report))


class _Totals:
    """What the report's summary reads of a dataset, without its rows: files, rows, splits."""

    def __init__(self, run: RunInputs) -> None:
        self.files = run.files
        self.split = run.splits  # Counter(Counter) copies the counts
        self._rows = run.rows

    def __len__(self) -> int:
        return self._rows


def _context_args(request: CheckRequest, reference: Dataset | None) -> dict[str, Any]:
    config = request.config
    return dict(
        reference=reference,
        review=request.review or config.review,
        expectations=request.expectations or config.expectations,
        schema=request.schema or config.schema,
        base_dir=os.path.dirname(config.source) if config.source else None,
        target=config.target,
    )


# -- reading -------------------------------------------------------------------------------------


def load_run(ray: Any, request: CheckRequest, cpus: int, progress: Callable[[str], None]) -> RunInputs:
    """Plan the inputs into blocks and scan them: every block's first line and record, and every
    file's whole-file entry, as the local engine would load them."""
    config = request.config
    fields, limits = config.fields, config.limits
    if not request.inputs:
        raise UsageError("no inputs: give a PATH, or set train = [...] in [tool.dqlint]")
    plans, skipped = plan_files(request.inputs, fields, limits)
    for plan in plans:
        progress(f"loading {plan.display} (schema from its first records)")
        infer_file_schema(plan, fields, limits)
    target = block_bytes(sum(p.size for p in plans), cpus)
    ranges = [(plan, start, end) for plan in plans for start, end in plan_blocks(plan, target)]
    drafts = [Block(i, plan.index, plan.display, start, end, 1, 0, start == 0) for i, (plan, start, end) in enumerate(ranges)]
    progress(f"ray: scanning {len(drafts)} block(s) of {len(plans)} file(s) on {cpus} CPU(s)")
    scans: list[BlockScan] = map_blocks(ray, drafts, lambda b: scan_block(plans[b.file_index], b, fields, limits))
    blocks: list[Block] = []
    line = {p.index: 1 for p in plans}
    record = {p.index: 0 for p in plans}
    for draft, scan in zip(drafts, scans):
        blocks.append(draft._replace(first_line=line[draft.file_index], first_record=record[draft.file_index]))
        line[draft.file_index] += scan.lines
        record[draft.file_index] += scan.records
    files = [whole_file_entry(plan, [s for d, s in zip(drafts, scans) if d.file_index == plan.index]) for plan in plans]
    check_pinned_fields(files, fields)
    return RunInputs(plans, blocks, files, fields, limits, skipped)


# -- rules ---------------------------------------------------------------------------------------


@dataclass
class BlockResult:
    """What reading and checking one block sends back to the driver."""

    partials: dict[str, tuple[str, Any, float]]  # rule id -> ("ok" | "result", value, seconds)
    splits: Counter
    rows: int
    sample: RowsExtract | None
    split_rows: dict[str, list[int]]  # split -> the block's rows of it (numbered from the block's first)
    present: set[str]  # which of input, output, label any row of the block has


def run_rules_on_ray(
    ray: Any,
    run: RunInputs,
    prepared: Sequence[tuple[PluginRule, Any, Any]],
    ctx_args: dict[str, Any],
    cpus: int,
    request: CheckRequest,
    progress: Callable[[str], None],
) -> tuple[list[Any], dict[str, Any], list[str]]:
    """Every rule's outcome (in report order), the rules that saw a sample, and warnings."""
    from dqlint.engine.runner import RuleOutcome, checked_result, crashed, report_order

    by_mode: dict[str, list[tuple[PluginRule, Any, Any]]] = {m: [] for m in (RUNS_BLOCK, RUNS_SAMPLE, RUNS_DRIVER, RUNS_DISTRIBUTED)}
    for item in prepared:
        rule = item[0].rule
        mode = getattr(rule, "scales", RUNS_DRIVER) if rule is not None else RUNS_SAMPLE
        by_mode[mode if mode in by_mode else RUNS_DRIVER].append(item)
    block_rules = [(p.id, p.rule, options) for p, _, options in by_mode[RUNS_BLOCK]]
    wants_sample = bool(by_mode[RUNS_SAMPLE] or by_mode[RUNS_DRIVER])
    rate = min(1.0, SAMPLE_ROWS / run.records) if run.records else 1.0
    progress(f"ray: reading and checking {len(run.blocks)} block(s) ({len(block_rules)} rule(s) per block)")
    # Workers get no reference sample: rules that compare with it run on the driver.
    block_args = {**ctx_args, "reference": None}
    results: list[BlockResult] = map_blocks(ray, run.blocks, lambda b: _check_block(run, b, block_rules, block_args, rate if wants_sample else 0.0))
    run.rows = sum(r.rows for r in results)
    run.first_row = [0, *accumulate(r.rows for r in results)][: len(results)]
    for r in results:
        run.splits.update(r.splits)
    run.split_rows, run.present = _row_facts(results, run.first_row)
    summary = Dataset()
    summary.files = list(run.files)
    outcomes: list[RuleOutcome] = []
    severity_of = {p.id: severity for p, severity, _ in prepared}

    def finish(plugin: PluginRule, result: RuleResult, seconds: float) -> None:
        rule = plugin.rule
        outcome = RuleOutcome(plugin.id, rule.summary if rule else "", rule.criterion if rule else "", severity_of[plugin.id], result, seconds)
        outcomes.append(outcome)
        if request.on_rule_done:
            request.on_rule_done(outcome)

    for plugin, _, options in by_mode[RUNS_BLOCK]:
        progress(f"running {plugin.id} (merging {len(run.blocks)} block(s))")
        started = time.perf_counter()
        entries = [r.partials[plugin.id] for r in results]
        worked = sum(e[2] for e in entries)
        failed = next((e[1] for e in entries if e[0] == "result"), None)
        if failed is not None:
            finish(plugin, failed, worked)
            continue
        ctx = CheckContext(summary, progress=progress, **ctx_args)
        partials = [Partial(block, e[1]) for block, e in zip(run.blocks, entries)]
        try:
            result = checked_result(plugin.rule().merge(partials, options, ctx))
        except DqlintError:
            raise
        except Exception as exc:  # a crashing merge is the rule crashing, as locally
            result = crashed(exc)
        finish(plugin, result, worked + time.perf_counter() - started)

    sampled: dict[str, Any] = {}
    warnings: list[str] = []
    if wants_sample:
        sample = sample_dataset(run, [r.sample for r in results if r.sample is not None])
        whole = len(sample) == run.rows
        for mode in (RUNS_SAMPLE, RUNS_DRIVER):
            for plugin, _, options in by_mode[mode]:
                if plugin.rule is None:
                    finish(plugin, RuleResult(Status.ERROR, f"rule could not be loaded from {plugin.distribution}: {plugin.error}"), 0.0)
                    continue
                progress(f"running {plugin.id} (on the driver, {len(sample):,} of {run.rows:,} rows)")
                started = time.perf_counter()
                ctx = CheckContext(sample, progress=progress, **ctx_args)
                try:
                    result = checked_result(plugin.rule().check(ctx, options))
                except DqlintError:
                    raise
                except Exception as exc:
                    result = crashed(exc)
                finish(plugin, result, time.perf_counter() - started)
                sampled[plugin.id] = {"rows": len(sample), "of": run.rows, "seed": SAMPLE_SEED, "whole_set": whole}
                if mode == RUNS_DRIVER:
                    warnings.append(
                        f"{plugin.id} declares no way to run distributed (Rule.scales): it ran on the driver over "
                        f"{'all' if whole else 'a seeded sample of'} {len(sample):,} of {run.rows:,} rows"
                    )

    # One context for every distributed rule, as the local engine shares one: near-duplicates and
    # train-test-leakage then share the compared texts and indexes they build (``ctx.shared``).
    distributed_ctx = CheckContext(summary, progress=progress, **ctx_args)
    for plugin, _, options in by_mode[RUNS_DISTRIBUTED]:
        progress(f"running {plugin.id} (distributed)")
        started = time.perf_counter()
        inputs = RayInputs(ray, run, distributed_ctx, cpus, progress)
        try:
            result = checked_result(plugin.rule().run_distributed(inputs, options))
        except DqlintError:
            raise
        except Exception as exc:
            if _is_ray_failure(exc):
                raise _ray_failure(exc) from None
            result = crashed(exc)
        finish(plugin, result, time.perf_counter() - started)
    return sorted(outcomes, key=report_order), sampled, warnings


def _is_ray_failure(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("ray")


def _ray_failure(exc: BaseException) -> DqlintError:
    from dqlint.engine.ray.session import _as_dqlint_error

    return _as_dqlint_error(exc)


def _check_block(run: RunInputs, block: Block, rules: Sequence[tuple[str, Any, Any]], ctx_args: dict[str, Any], rate: float) -> BlockResult:
    """On a worker: read the block, run every per-block rule's partial on it, keep its sample."""
    from dqlint.engine.runner import crashed

    ds = run.read(block)
    ctx = CheckContext(ds, **ctx_args)
    partials: dict[str, tuple[str, Any, float]] = {}
    for rule_id, rule, options in rules:
        started = time.perf_counter()
        try:
            partials[rule_id] = ("ok", rule().partial(ctx, options), time.perf_counter() - started)
        except DqlintError:
            raise  # an unreadable suite or schema: the run cannot be judged, as locally
        except Exception as exc:
            partials[rule_id] = ("result", crashed(exc), time.perf_counter() - started)
    sample = None
    if rate > 0:
        rows = [i for i in range(len(ds)) if in_sample(ds.files[ds.file_index[i]].path, ds.record[i], rate)]
        sample = extract_rows(ds, rows)
    split_rows: dict[str, list[int]] = {}
    for i, name in enumerate(ds.split):
        split_rows.setdefault(name, []).append(i)
    present = {name for name in ("input", "output") if any(getattr(ds, name))} | ({"label"} if ds.has_labels else set())
    return BlockResult(partials, Counter(ds.split), len(ds), sample, split_rows, present)


def _row_facts(results: Sequence[BlockResult], first_row: Sequence[int]) -> tuple[dict[str, Any], set[str]]:
    """The rows of each split (global row ids) and the columns any row has, from the block pass:
    distributed rules need them first, and another pass over the rows would cost an execution."""
    import numpy as np

    parts: dict[str, list[Any]] = {}
    present: set[str] = set()
    for result, first in zip(results, first_row):
        present |= result.present
        for name, rows in result.split_rows.items():
            parts.setdefault(name, []).append(np.asarray(rows, dtype=np.int64) + first)
    return {name: np.concatenate(chunks) for name, chunks in parts.items()}, present


def in_sample(path: str, record: int, rate: float) -> bool:
    """Seeded, independent of how the data is cut into blocks."""
    if rate >= 1.0:
        return True
    return zlib.crc32(f"{SAMPLE_SEED}\0{path}\0{record}".encode("utf-8", "surrogatepass")) < rate * 2**32


# -- rows sent to the driver ---------------------------------------------------------------------

COLUMNS = ("file_index", "record", "line", "input", "output", "system", "label", "split", "turns", "format")


@dataclass
class RowsExtract:
    """Some rows of a block, columns as in Dataset, with their problems and (optionally) raw records."""

    columns: dict[str, list[Any]]
    problems: list[Problem]
    raw: list[Any] | None


def extract_rows(ds: Dataset, rows: Sequence[int]) -> RowsExtract:
    columns = {name: [getattr(ds, name)[r] for r in rows] for name in COLUMNS}
    position = {r: i for i, r in enumerate(rows)}
    problems = [p for p in ds.problems if p.row is None and p.location.record is None] if rows or ds.problems else []
    problems += [Problem(p.location, p.kind, p.message, position[p.row], p.fatal) for p in ds.problems if p.row in position]
    raw: list[Any] = [None] * len(rows)
    for row, obj in ds.iter_raw():
        if row in position:
            raw[position[row]] = obj
    return RowsExtract(columns, problems, raw)


def rows_dataset(files: Sequence[InputFile], extracts: Sequence[RowsExtract]) -> Dataset:
    """One Dataset of extracted rows (in block order, i.e. the local row order)."""
    ds = Dataset()
    ds.files = [InputFile(**{**f.__dict__, "iter_raw": None}) for f in files]
    raws: dict[int, list[tuple[int, Any]]] = {}
    for extract in extracts:
        base = len(ds)
        for name in COLUMNS:
            column = getattr(ds, name)
            if isinstance(column, IntColumn):  # None lines, a 200-turn chat, a 300th file
                setattr(ds, name, extend_int(column, extract.columns[name]))
            else:
                column.extend(extract.columns[name])
        ds.problems.extend(Problem(p.location, p.kind, p.message, None if p.row is None else p.row + base, p.fatal) for p in extract.problems)
        if extract.raw is not None:
            for i, obj in enumerate(extract.raw):
                if obj is not None:
                    raws.setdefault(extract.columns["file_index"][i], []).append((extract.columns["record"][i], obj))
    for index, info in enumerate(ds.files):
        items = raws.get(index, [])
        info.iter_raw = lambda items=items: iter(items)
    return ds


def sample_dataset(run: RunInputs, extracts: Sequence[RowsExtract]) -> Dataset:
    return rows_dataset(run.files, extracts)


def finding_digests(ray: Any, run: RunInputs, rules: Sequence[dict[str, Any]]) -> dict[tuple[str, int], str]:
    """The content digests of the rows the findings name (for their fingerprints), computed on
    the workers that read the blocks holding them: the driver gets digests, never the rows."""
    from bisect import bisect_left

    from dqlint.engine.baseline import finding_records, row_digests

    wanted = {path: sorted(records) for path, records in finding_records(rules).items()}
    ends = _block_ends(run)
    needed: list[tuple[Block, set[int]]] = []
    for block in run.blocks:
        records = wanted.get(block.path, [])
        mine = records[bisect_left(records, block.first_record) : bisect_left(records, ends[block.index])]
        if mine:
            needed.append((block, set(mine)))
    parts = map_blocks(ray, needed, lambda item: row_digests(run.read(item[0]), {item[0].path: item[1]}))
    return {key: digest for part in parts for key, digest in part.items()}


def _block_ends(run: RunInputs) -> dict[int, int]:
    """Each block's end record (exclusive): the next block's first record, or the file's records."""
    ends: dict[int, int] = {}
    for i, block in enumerate(run.blocks):
        nxt = run.blocks[i + 1] if i + 1 < len(run.blocks) else None
        ends[block.index] = nxt.first_record if nxt is not None and nxt.file_index == block.file_index else run.files[block.file_index].records
    return ends


# -- distributed rules ---------------------------------------------------------------------------


class RayInputs:
    """What a rule that runs its own Ray Data pipeline (``scales = "distributed"``) receives."""

    def __init__(self, ray: Any, run: RunInputs, ctx: CheckContext, num_cpus: int, progress: Callable[[str], None]) -> None:
        self.ray = ray
        self.ctx = ctx
        self.num_cpus = num_cpus
        self._run = run
        self._progress = progress

    @property
    def blocks(self) -> list[Block]:
        return list(self._run.blocks)

    def progress(self, message: str) -> None:
        self._progress(message)

    def split_rows(self) -> dict[str, Any]:
        """Split -> the global row ids of its rows (sorted int64 arrays), known from the block pass."""
        return {name: rows.copy() for name, rows in self._run.split_rows.items()}

    def first_rows(self) -> list[int]:
        """Each block's first global row id, in block order (a block's rows follow on from it)."""
        return list(self._run.first_row)

    def has(self, column: str) -> bool:
        """Whether any row has a non-empty ``input`` / ``output``, or a ``label``."""
        return column in self._run.present

    def map_blocks(self, fn: Callable[[Dataset, Block], Any]) -> list[Any]:
        """``fn(block_dataset, block)`` on every block, results in block order."""
        run = self._run
        return map_blocks(self.ray, run.blocks, lambda block: fn(run.read(block), block))

    def rows(self, columns: Sequence[str] | None = None) -> Any:
        """A Ray Data Dataset with one row per example (columns: see docs/plugins.md, "Running on a cluster").
        The blocks are read once per run and kept in the object store (which spills to disk
        beyond its share): rules ask for rows many times, and each fresh read re-parses every
        block."""
        run = self._run
        if run.table is None:
            run.table = self._read_rows().materialize()
        return run.table.select_columns(list(columns)) if columns else run.table

    def _read_rows(self) -> Any:
        run = self._run

        def table(batch: dict[str, Any]) -> Any:
            import json

            import pyarrow as pa

            out: dict[str, list[Any]] = {}
            for index in batch["i"]:
                block = run.blocks[int(index)]
                ds = run.read(block)
                first = run.first_row[int(index)]
                cols = {
                    "row": list(range(first, first + len(ds))),
                    "file_index": ds.file_index,
                    "path": [block.path] * len(ds),
                    "line": ds.line,
                    "record": ds.record,
                    "order": [f * 2**40 + r for f, r in zip(ds.file_index, ds.record)],
                    "split": ds.split,
                    "input": ds.input,
                    "output": ds.output,
                    "system": ds.system,
                    "label": [json.dumps(list(v) if isinstance(v, tuple) else v) for v in ds.label],
                    "turns": ds.turns,
                    "format": ds.format,
                    "text": [ds.example_text(r) for r in range(len(ds))],
                }
                for name, values in cols.items():
                    out.setdefault(name, []).extend(values)
            return pa.table(out)

        items = self.ray.data.from_items([{"i": i} for i in range(len(run.blocks))], override_num_blocks=max(1, len(run.blocks)))
        with warnings.catch_warnings():  # Ray 2.60 warns that remote args as keywords are deprecated
            warnings.simplefilter("ignore")
            return items.map_batches(table, batch_size=1, batch_format="numpy", max_retries=TASK_RETRIES)
