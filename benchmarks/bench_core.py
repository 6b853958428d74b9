"""Core speed and memory: `dqlint --help`, and `dqlint check` on 100k and 1M chat records.

Run:  python benchmarks/bench_core.py [--sizes 100000 1000000] [--rules RULES | --all-rules]

Each check runs in a fresh process (as a user runs it), timed wall-clock, with the child's
peak resident memory from wait4(). Data is generated once into benchmarks/out/ (git-ignored).
Targets (issue 2): --help < 0.5 s; 100k < 10 s; 1M < 90 s with peak memory < 3x the file size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
CORE_RULES = "format-consistency,class-balance,dataset-size"
sys.path.insert(0, str(HERE))


def make_chat_file(n: int) -> Path:
    """n OpenAI-chat records (shared system prompt, ~600 characters of text), with a few
    planted duplicates, written once and reused."""
    from duplicates_data import chat_records

    path = OUT / f"chat_{n}.jsonl"
    if path.exists():
        return path
    OUT.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        step = 100_000
        for start in range(0, n, step):
            for rec in chat_records(min(step, n - start), seed=start):
                fh.write(json.dumps(rec, ensure_ascii=False))
                fh.write("\n")
    tmp.rename(path)
    return path


def timed(cmd: list[str]) -> tuple[float, int, int]:
    """(seconds, peak RSS in bytes, exit code) of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed with {code}: {proc.stderr.read().decode()[:500]}")
    return elapsed, usage.ru_maxrss * 1024, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--rules", default=CORE_RULES, help="comma-separated rule ids (default: the issue-2 rules)")
    parser.add_argument("--all-rules", action="store_true", help="run every default rule instead")
    args = parser.parse_args()
    dqlint = [sys.executable, "-m", "dqlint"]

    help_times = [timed([*dqlint, "--help"])[0] for _ in range(5)]
    print("| what | records | file | time | records/s | peak memory | memory / file |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| `dqlint --help` (best of 5) | | | {min(help_times):.2f} s | | | |")
    for n in args.sizes:
        path = make_chat_file(n)
        size = path.stat().st_size
        cmd = [*dqlint, "check", str(path), "--no-cache", "-f", "json", "-o", os.devnull]
        if not args.all_rules:
            cmd += ["--select", args.rules]
        seconds, peak, _ = timed(cmd)
        label = "all default rules" if args.all_rules else args.rules.replace(",", ", ")
        print(
            f"| `dqlint check` ({label}) | {n:,} | {size / 2**20:,.0f} MiB | {seconds:.1f} s | {n / seconds:,.0f} | "
            f"{peak / 2**30:.2f} GiB | {peak / size:.2f}x |"
        )
    print(f"\nMachine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
