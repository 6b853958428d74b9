"""edge-case-ratio speed: `dqlint check --select edge-case-ratio` on the 124-row dirty chat
sample and on a generated chat set (estimated on its 5,000-row sample).

Run:  python benchmarks/bench_edge_cases.py [--sizes 20000] [--repeat 3]

Each run is a fresh process (as a user runs it), wall-clock, median of --repeat runs.
Target (issue 13): the small sample costs well under a second; the estimate on a large set
stays a few seconds, because it looks at a seeded sample of `sample-size` rows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_core import make_chat_file, timed  # noqa: E402

SAMPLE = HERE.parent / "sample_data" / "chat" / "dirty" / "train.jsonl"


def check_seconds(path: Path, repeat: int) -> float:
    cmd = [sys.executable, "-m", "dqlint", "check", str(path), "--select", "edge-case-ratio", "--no-cache", "-q"]
    return statistics.median(timed(cmd)[0] for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[20_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{SAMPLE.relative_to(HERE.parent)} (124 records): {check_seconds(SAMPLE, args.repeat):.2f} s")
    for n in args.sizes:
        print(f"chat_{n}.jsonl ({n:,} records): {check_seconds(make_chat_file(n), args.repeat):.2f} s")


if __name__ == "__main__":
    main()
