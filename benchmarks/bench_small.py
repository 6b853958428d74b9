"""Start-up costs in fresh processes: issue 16's small targets, each against the floor (`python -c pass`)
measured in the same run.

    python benchmarks/bench_small.py [--runs 5] [--size-mb 100] [--markdown]

* ``dqlint --help`` (target 0.2 s);
* a cold check of the 157-row dirty chat sample (``sample_data/chat/dirty``: 124 train + 33 test
  rows, every default rule, ``--no-cache``; target 2 s);
* a warm (cached) re-run of every default rule on a ~100 MB chat set (target 0.5 s): the set is
  written once (``bench_cache.write_chat_jsonl``) under ``DQLINT_BENCH_DATA`` (default
  ``benchmarks/out``), one cold run fills a cache in a temporary folder, then the warm runs read it.

dqlint's modules are byte-compiled first (``compileall``, as ``pip install`` does): a checkout
run with PYTHONDONTWRITEBYTECODE=1 would otherwise compile ~80 modules in every process.
Each command runs ``--runs`` times; the table gives the median wall time and the median CPU
seconds (user + system of the child), and each as a multiple of the floor's. Wrap the run in
``flock /work/bench.lock`` on a shared machine. The cache key holds dqlint's source: an edit
of the checkout during the run makes the warm runs miss (the script says so).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

DATA = Path(os.environ.get("DQLINT_BENCH_DATA", HERE / "out"))
SMALL = ROOT / "sample_data" / "chat" / "dirty"
TARGETS = {"help": 0.2, "cold": 2.0, "warm": 0.5}


def run(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system of this child) and exit code of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, check=False, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed with exit code {proc.returncode}:\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


def medians(cmd: list[str], runs: int, cwd: Path | None = None) -> tuple[float, float]:
    got = [run(cmd, cwd)[:2] for _ in range(runs)]
    return statistics.median(w for w, _ in got), statistics.median(c for _, c in got)


def big_set(size_mb: float) -> Path:
    """A folder with train.jsonl (~size_mb) and a small test.jsonl, written once and reused."""
    from bench_cache import write_chat_jsonl

    folder = DATA / f"cache_{size_mb:g}mb"
    train, test = folder / "train.jsonl", folder / "test.jsonl"
    if not (train.exists() and test.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / f"train.{os.getpid()}.part"
        write_chat_jsonl(part, int(size_mb * 1e6), seed=1)
        with open(part, encoding="utf-8") as fh, open(test, "w", encoding="utf-8") as out:
            for i, line in enumerate(fh):
                if i % 50 == 0:
                    out.write(line)  # 2 % of the rows leak into test
        part.replace(train)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size-mb", type=float, default=100.0)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()

    py = [sys.executable]
    import dqlint.rules

    import dqlint

    for package in (dqlint, dqlint.rules):
        subprocess.run([*py, "-m", "compileall", "-q", os.path.dirname(package.__file__)], check=True)
    dqlint = [*py, "-m", "dqlint"]
    results: list[tuple[str, str, float, float]] = []
    floor = medians([*py, "-c", "pass"], args.runs)
    results.append(("floor: `python -c pass`", "", *floor))
    results.append(("`dqlint --help`", "help", *medians([*dqlint, "--help"], args.runs)))
    small = [*dqlint, "check", str(SMALL / "train.jsonl"), "--test", str(SMALL / "test.jsonl"), "--isolated", "--no-cache", "-q", "-f", "json", "-o", os.devnull]
    results.append(("cold check, 157 rows (dirty chat sample, every default rule)", "cold", *medians(small, args.runs)))

    folder = big_set(args.size_mb)
    size = sum(p.stat().st_size for p in folder.glob("*.jsonl"))
    with tempfile.TemporaryDirectory(prefix="dqlint-bench-small-") as tmp:
        work = Path(tmp)  # the cache lands in ./.dqlint_cache of the working folder (--isolated)
        warm = [*dqlint, "check", str(folder / "train.jsonl"), "--test", str(folder / "test.jsonl"), "--isolated", "-q", "-f", "json", "-o", os.devnull]
        fill_wall, _, _ = run(warm, work)
        results.append((f"warm check, {size / 1e6:.0f} MB (cached, every default rule)", "warm", *medians(warm, args.runs, work)))
        entries = len(list((work / ".dqlint_cache").glob("dqlint-report-*.json")))
    if entries != 1:
        print(f"warning: {entries} cache entries: the key changed between runs (was the checkout edited?)", file=sys.stderr)

    floor_wall, floor_cpu = floor
    rows = []
    for name, target, wall, cpu in results:
        goal = f"{TARGETS[target]:g} s: {'met' if wall <= TARGETS[target] else 'NOT met'}" if target else ""
        rows.append((name, f"{wall:.3f} s ({wall / floor_wall:.0f}x)", f"{cpu:.3f} s ({cpu / max(floor_cpu, 1e-3):.0f}x)", goal))
    load = os.getloadavg()[0]
    if args.markdown:
        print(f"| what | wall, median of {args.runs} (x floor) | CPU (x floor) | target |\n|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} cores, load average {load:.1f} at the end; "
              f"filling the cache (cold run on {size / 1e6:.0f} MB) took {fill_wall:.0f} s")
    else:
        for row in rows:
            print("  ".join(f"{c:<40}" if i == 0 else c for i, c in enumerate(row)))
        print(f"load average {load:.1f}; cache fill {fill_wall:.0f} s")


if __name__ == "__main__":
    main()
