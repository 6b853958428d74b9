"""Speed and memory at scale (issue 16): every rule group on 100k and 1M chat rows of both kinds.

    python benchmarks/bench_scale.py [--sizes 100000 1000000] [--kinds team templated]
                                     [--engine NAME] [--lock /work/bench.lock] [--markdown]
                                     [--skip label-accuracy selects]

For each kind of data (``benchmarks/scale_data.py``: ``team`` and ``templated``, a folder with
``train.jsonl`` + ``test.jsonl``) and each size, each command runs in a fresh process, with its
JSON report written away from the terminal, timed wall-clock, with the child's own peak resident
memory (``measured.py``: started by a small launcher, so a peak is never inherited from this
process):

* the floor: ``orjson.loads`` of every line of both files, in its own process (nothing can
  read the data faster than parsing it once);
* ``dqlint check train.jsonl --test test.jsonl`` with all default rules, then with
  ``--select near-duplicates,train-test-leakage``, ``--select format-consistency,class-balance,
  dataset-size`` and ``--select token-length``;
* ``--select label-accuracy`` on a classification CSV of the same row count (support tickets
  from ``sample_data/label_accuracy/make_tickets.py``, 5 % planted label flips, written once
  beside the chat data), with its own floor: ``csv.reader`` over every row.

Each figure is printed with its ratio to the floor of its data, memory as a multiple of the
input's size, the time growth from the smallest to the largest size, and the near-duplicate
index's candidate pairs per row when the rule reports them (``–`` when it does not).

``--engine NAME`` is passed through to ``dqlint check --engine``. ``--lock PATH`` holds
``flock PATH`` (the machine lock shared with other benchmarks) around every command over
300,000 rows, so peaks do not add up and timings stay honest; the time waiting for the lock
is not counted. Data lives in ``$DQLINT_BENCH_DATA`` (default ``benchmarks/out/``).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import fcntl
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "sample_data" / "label_accuracy"))

import scale_data  # noqa: E402
from measured import Launcher  # noqa: E402

# --timeout: a command still running after this many seconds is stopped (shown as "> N s").
TIMEOUT: list[float | None] = [None]
# The launcher every command is started by (see measured.py), started before this process grows.
LAUNCHER: list[Launcher] = []
# Runs over this many rows hold the machine lock (when one is given).
LOCKED_ROWS = 300_000
GROUPS = (
    ("all default rules", None),
    ("`--select near-duplicates,train-test-leakage`", "near-duplicates,train-test-leakage"),
    ("`--select format-consistency,class-balance,dataset-size`", "format-consistency,class-balance,dataset-size"),
    ("`--select token-length`", "token-length"),
)
LABEL_GROUP = "`--select label-accuracy` (classification CSV)"
FLOOR = "floor (`orjson.loads` of every line)"
CSV_FLOOR = "floor of the CSV (`csv.reader` of every row)"

# The floors, each run as `python -c` in a fresh process.
JSONL_FLOOR_CODE = """
import sys, orjson
n = 0
for path in sys.argv[1:]:
    with open(path, 'rb') as fh:
        for line in fh:
            if line.strip():
                orjson.loads(line)
                n += 1
print(n)
"""
CSV_FLOOR_CODE = """
import csv, sys
n = 0
with open(sys.argv[1], newline='', encoding='utf-8') as fh:
    for row in csv.reader(fh):
        n += 1
print(n)
"""


@dataclass
class Run:
    """One measured command."""

    what: str
    kind: str
    rows: int
    input_bytes: int
    seconds: float
    peak: int
    floor: float | None = None  # seconds of the floor of the same data
    candidates_per_row: float | None = None
    exit_code: int | None = 0  # None: stopped at --timeout


@dataclass
class Table:
    runs: list[Run] = field(default_factory=list)

    def find(self, what: str, kind: str, rows: int) -> Run | None:
        return next((r for r in self.runs if (r.what, r.kind, r.rows) == (what, kind, rows)), None)


@contextlib.contextmanager
def machine_lock(path: str | None, rows: int) -> Iterator[None]:
    """Hold ``flock(path)`` (the lock the ``flock`` command takes) for a run over LOCKED_ROWS."""
    if path is None or rows <= LOCKED_ROWS:
        yield
        return
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def timed(cmd: list[str], timeout: float | None = None) -> tuple[float, int, int, str]:
    """(seconds, peak memory in bytes, exit code, stderr) of one child process, started by the
    small launcher (measured.py), so its peak is its own and not this process's. The peak is
    its process tree's (the sampled PSS sum, at least the command's own ru_maxrss): with
    ``--jobs`` the rules run in forked workers, whose memory is the check's too. A child still
    running after ``timeout`` seconds is killed; its exit code is then None."""
    m = LAUNCHER[0].run(cmd, timeout)
    if m.exit_code is not None and m.exit_code not in (0, 1):  # 1 is a no-go verdict: a finished check
        sys.exit(f"{' '.join(cmd)} failed with exit code {m.exit_code}:\n{m.stderr[-2000:]}")
    return m.seconds, m.tree_peak, m.exit_code, m.stderr  # type: ignore[return-value]


def tickets_csv(rows: int, out: Path) -> Path:
    """A classification CSV of ``rows`` support tickets, written once (atomically) and reused.
    Written by a child process: a parent grown by a million tickets would hand its resident
    size to every later child, whose peak (``ru_maxrss``) then reads at least that much."""
    path = out / f"tickets_{rows}.csv"
    if not path.exists():
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, __file__, "--write-tickets", str(rows), str(path)], check=True)
    return path


def write_tickets(rows: int, path: Path) -> None:
    import make_tickets

    texts, _, given, _ = make_tickets.make(rows, flip=0.05, seed=1)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        writer.writerows(zip(texts, given))
    tmp.replace(path)


def candidates_per_row(report_path: str) -> float | None:
    """Candidate pairs per row of the near-duplicate index, as the rule reports them: its own
    ``candidates_per_row`` when it gives one, else its candidate count over its rows."""
    try:
        with open(report_path, encoding="utf-8") as fh:
            report = json.load(fh)
    except (OSError, ValueError):
        return None
    for rule in report.get("rules", []):
        if rule.get("id") != "near-duplicates":
            continue
        details = rule.get("details") or {}
        index = details.get("index") or {}
        for where in (details, index):
            if isinstance(where.get("candidates_per_row"), (int, float)):
                return float(where["candidates_per_row"])
        if isinstance(index.get("candidates"), int) and index.get("rows"):
            return index["candidates"] / index["rows"]
    return None


def dqlint_cmd(inputs: list[str], select: str | None, engine: str | None, report: str, jobs: str | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "dqlint", "check", *inputs, "--no-cache", "--no-progress", "-f", "json", "-o", report]
    if jobs:
        cmd += ["--jobs", jobs]
    if select:
        cmd += ["--select", select]
    if engine:
        cmd += ["--engine", engine]
    return cmd


def measure(table: Table, what: str, kind: str, rows: int, size: int, cmd: list[str], lock: str | None,
            floor: float | None, report: str | None = None) -> Run:
    with machine_lock(lock, rows):
        seconds, peak, code, _ = timed(cmd, TIMEOUT[0])
    run = Run(what, kind, rows, size, seconds, peak, floor, exit_code=code)
    if report is not None:
        run.candidates_per_row = candidates_per_row(report)
    table.runs.append(run)
    stopped = " (stopped)" if code is None else ""
    print(f"  {kind:<9} {rows:>9,}  {what:<60} {seconds:8.1f} s  {peak / 2**20:8,.0f} MiB{stopped}", file=sys.stderr, flush=True)
    return run


def run_size(table: Table, kind: str, rows: int, args: argparse.Namespace) -> None:
    folder = scale_data.ensure(kind, rows, args.data)
    train, test = str(folder / "train.jsonl"), str(folder / "test.jsonl")
    size = os.path.getsize(train) + os.path.getsize(test)
    py = [sys.executable, "-c"]
    floor = measure(table, FLOOR, kind, rows, size, [*py, JSONL_FLOOR_CODE, train, test], args.lock, None)
    floor.floor = floor.seconds
    with tempfile.TemporaryDirectory(prefix="bench_scale") as tmp:
        for what, select in GROUPS:
            if select is not None and "selects" in args.skip:
                continue
            # The near-duplicates rule's candidate count is read back from the report; other
            # runs write theirs to /dev/null.
            wants = select is None or "near-duplicates" in select
            report = os.path.join(tmp, "report.json") if wants else os.devnull
            cmd = dqlint_cmd([train, "--test", test], select, args.engine, report, args.jobs)
            measure(table, what, kind, rows, size, cmd, args.lock, floor.seconds, report if wants else None)
    if "label-accuracy" in args.skip:
        return
    tickets = str(tickets_csv(rows, args.data))
    tsize = os.path.getsize(tickets)
    # The CSV is one per size, shared by both kinds: measure it once.
    if table.find(LABEL_GROUP, "tickets", rows) is None:
        cfloor = measure(table, CSV_FLOOR, "tickets", rows, tsize, [*py, CSV_FLOOR_CODE, tickets], args.lock, None)
        cfloor.floor = cfloor.seconds
        measure(table, LABEL_GROUP, "tickets", rows, tsize, dqlint_cmd([tickets], "label-accuracy", args.engine, os.devnull, args.jobs),
                args.lock, cfloor.seconds)


# -- printing -------------------------------------------------------------------------------------


def mib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:,.0f} MiB"


def count(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else f"{n:,}"


def cell(run: Run | None) -> str:
    if run is None:
        return ""
    if run.exit_code is None:
        return f"> {run.seconds:.0f} s (stopped), {mib(run.peak)} so far ({run.peak / run.input_bytes:.1f}× file)"
    text = f"{run.seconds:.1f} s"
    if run.floor and run.floor != run.seconds:
        text += f" ({run.seconds / run.floor:.0f}× floor)"
    return f"{text}, {mib(run.peak)} ({run.peak / run.input_bytes:.1f}× file)"


def machine_line(engine: str | None) -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    load = os.getloadavg()[0]
    return (f"Machine: {cpu}, {os.cpu_count()} cores, {ram / 2**30:.0f} GiB RAM, Python {platform.python_version()}, "
            f"engine {engine or 'default'}; load average {load:.1f} at the end of the run")


def markdown(table: Table, kinds: list[str], sizes: list[int], engine: str | None) -> str:
    """One table per kind of data, as in issue 16 (a column per size, then the growth), and one
    for the classification CSV the label-accuracy rule runs on."""
    lines: list[str] = []
    chat = [FLOOR] + [what for what, _ in GROUPS]
    for data, title, whats in [(k, f"**{k}** chat data", chat) for k in kinds] + [("tickets", "**classification CSV** (support tickets)", [CSV_FLOOR, LABEL_GROUP])]:
        if not any(table.find(w, data, n) for w in whats for n in sizes):
            continue
        lines += [f"{title}, engine `{engine or 'default'}`:", ""] + _size_table(table, data, whats, sizes) + [""]
    return "\n".join(lines)


def _size_table(table: Table, data: str, whats: list[str], sizes: list[int]) -> list[str]:
    small, large = min(sizes), max(sizes)
    head = []
    for n in sizes:
        floor = table.find(whats[0], data, n)
        head.append(f"{count(n)} rows ({mib(floor.input_bytes)})" if floor else f"{count(n)} rows")
    growth = f"growth {count(small)}→{count(large)}" if small != large else "growth"
    lines = [f"| what | {' | '.join(head)} | {growth} | candidates / row |", "|---|" + "---|" * len(sizes) + "---|---|"]
    for what in whats:
        runs = [table.find(what, data, n) for n in sizes]
        a, b = runs[0], runs[-1]
        grow = f"{b.seconds / a.seconds:.1f}×" if a and b and small != large else ""
        if grow and (a.exit_code is None or b.exit_code is None):
            grow = "> " + grow if b.exit_code is None and a.exit_code is not None else "–"
        cands = [f"{r.candidates_per_row:.1f}" for r in runs if r and r.candidates_per_row is not None]
        cand = " / ".join(cands) if cands else ("–" if _has_index(what) else "")
        lines.append(f"| {what} | {' | '.join(cell(r) for r in runs)} | {grow} | {cand} |")
    return lines


def _has_index(what: str) -> bool:
    """Whether the near-duplicate index runs in this command (its candidates are worth a column)."""
    return "near-duplicates" in what or what == "all default rules"


def plain(table: Table, engine: str | None) -> str:
    lines = [f"{'engine':<10} {'data':<9} {'rows':>9}  {'what':<58} {'time':>8} {'×floor':>7} {'peak':>10} {'×file':>6} {'cand/row':>8}"]
    for r in table.runs:
        ratio = f"{r.seconds / r.floor:.1f}" if r.floor and r.floor != r.seconds else ""
        ratio = ">" + ratio if r.exit_code is None else ratio
        cand = f"{r.candidates_per_row:.1f}" if r.candidates_per_row is not None else ("–" if _has_index(r.what) else "")
        lines.append(f"{engine or 'default':<10} {r.kind:<9} {r.rows:>9,}  {r.what:<58} {r.seconds:>7.1f}s {ratio:>7} "
                     f"{mib(r.peak):>10} {r.peak / r.input_bytes:>6.2f} {cand:>8}")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--write-tickets":
        write_tickets(int(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--kinds", nargs="+", choices=scale_data.KINDS, default=list(scale_data.KINDS))
    parser.add_argument("--engine", help="passed to `dqlint check --engine` (default: dqlint's own)")
    parser.add_argument("--jobs", help="passed to `dqlint check --jobs` (default: dqlint's own, auto)")
    parser.add_argument("--lock", help=f"hold flock(LOCK) around every run over {LOCKED_ROWS:,} rows (e.g. /work/bench.lock)")
    parser.add_argument("--data", type=Path, default=scale_data.DEFAULT_OUT, help="where the data sets are (default $DQLINT_BENCH_DATA)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["label-accuracy", "selects"],
                        help="leave out the label-accuracy runs, or the --select runs (all default rules only)")
    parser.add_argument("--timeout", type=float, help="stop a command still running after this many seconds (printed as > N s)")
    parser.add_argument("--markdown", action="store_true", help="print the README tables instead of plain columns")
    args = parser.parse_args()
    TIMEOUT[0] = args.timeout
    table = Table()
    with Launcher() as launch:
        LAUNCHER.append(launch)
        for n in sorted(args.sizes):
            for kind in args.kinds:
                run_size(table, kind, n, args)
    if args.markdown:
        print(markdown(table, args.kinds, sorted(args.sizes), args.engine))
    else:
        print(plain(table, args.engine))
    print(machine_line(args.engine))


if __name__ == "__main__":
    main()
