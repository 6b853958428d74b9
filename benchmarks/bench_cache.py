"""Cold vs warm `dqlint check` on a ~100 MB chat JSONL set: the result cache's target is an
unchanged 100 MB data set re-checked in under a second (pre-commit re-runs, CI retries).

    python benchmarks/bench_cache.py                 # ~100 MB, every rule
    python benchmarks/bench_cache.py --size-mb 20 --select format-consistency,near-duplicates

Generates train.jsonl (~size) and test.jsonl (2 % of it, a few rows leaked) in a temporary
folder, then times whole `dqlint check` processes: cold (no cache), warm (same inputs, cached),
and, for reference, the interpreter start plus `dqlint --version`, and hashing the files alone.
Prints a Markdown table.

In a checkout that others are editing, run it on a snapshot: the cache key includes dqlint's
source, so an edit during the cold run makes the warm runs miss (as it should):
``git archive HEAD | tar -x -C /tmp/snap && cd /tmp/snap && PYTHONPATH=. python benchmarks/bench_cache.py``
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = (
    "model data train test token label prompt answer system user assistant vector batch epoch loss "
    "gradient python function return value error file line record split check rule option cache "
    "report verdict metric threshold sample review score feature pipeline schema field query result"
).split()


def write_chat_jsonl(path: Path, target_bytes: int, seed: int) -> int:
    """Write varied chat records until the file reaches target_bytes; return the record count."""
    rng = random.Random(seed)
    written = count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        while written < target_bytes:
            user = f"Question {count}: " + " ".join(rng.choices(WORDS, k=rng.randint(12, 40))) + "?"
            answer = " ".join(rng.choices(WORDS, k=rng.randint(40, 90))) + "."
            record = {"messages": [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": user},
                {"role": "assistant", "content": answer},
            ]}  # fmt: skip
            line = json.dumps(record) + "\n"
            fh.write(line)
            written += len(line.encode("utf-8"))
            count += 1
    return count


def timed(args: list[str], cwd: Path) -> tuple[float, int]:
    started = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode == 2:
        sys.exit(f"dqlint could not judge the run:\n{proc.stderr}")
    return seconds, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=100.0)
    parser.add_argument("--select", help="rule ids (default: every rule)")
    parser.add_argument("--warm-runs", type=int, default=5)
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dqlint-bench-cache-") as tmp:
        work = Path(tmp)
        train = work / "train.jsonl"
        records = write_chat_jsonl(train, int(opts.size_mb * 1e6), seed=1)
        lines = train.read_text(encoding="utf-8").splitlines(keepends=True)
        rng = random.Random(2)
        test_lines = rng.sample(lines, 10) + [json.dumps({"messages": [
            {"role": "user", "content": f"held-out question {i}: " + " ".join(rng.choices(WORDS, k=30))},
            {"role": "assistant", "content": " ".join(rng.choices(WORDS, k=60))},
        ]}) + "\n" for i in range(max(10, records // 50))]  # fmt: skip
        (work / "test.jsonl").write_text("".join(test_lines), encoding="utf-8")
        del lines
        size = sum(p.stat().st_size for p in work.glob("*.jsonl"))

        dqlint = [sys.executable, "-m", "dqlint"]
        check = [*dqlint, "check", "train.jsonl", "--test", "test.jsonl", "--isolated", "-q", "-f", "json", "-o", "report.json"]
        if opts.select:
            check += ["--select", opts.select]

        startup, _ = timed([*dqlint, "--version"], work)
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from dqlint.engine.cache import file_digest

        started = time.perf_counter()
        for path in work.glob("*.jsonl"):
            file_digest(path)
        hashing = time.perf_counter() - started

        cold, code = timed(check, work)
        cold_report = (work / "report.json").read_bytes()
        warm = [timed(check, work)[0] for _ in range(opts.warm_runs)]
        same = (work / "report.json").read_bytes() == cold_report
        # One entry means every warm run was a hit. More: the key changed between runs, e.g.
        # someone edited dqlint's source in this (editable) checkout during the cold run.
        entries = len(list((work / ".dqlint_cache").glob("*.json")))

    rows = [
        ("interpreter + `dqlint --version`", f"{startup:.2f}"),
        ("SHA-256 of the inputs alone (in-process)", f"{hashing:.2f}"),
        ("cold `dqlint check` (no cache entry)", f"{cold:.2f}"),
        (f"warm `dqlint check` (cached), median of {len(warm)}", f"{statistics.median(warm):.2f}"),
        ("warm, fastest", f"{min(warm):.2f}"),
    ]
    print(f"Inputs: {size / 1e6:.1f} MB, {records:,} train records + {len(test_lines):,} test records; "
          f"rules: {opts.select or 'all'}; exit code {code}; warm report identical to cold: {same}; "
          f"cache entries: {entries} (1 = every warm run was a hit)\n")  # fmt: skip
    print("| run | seconds |\n|---|---:|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print(f"\nSpeed-up: {cold / statistics.median(warm):.0f}x")


if __name__ == "__main__":
    main()
