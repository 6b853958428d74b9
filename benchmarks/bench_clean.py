"""`dqlint clean`, `dqlint expectations export` and `dqlint check --expectations` on a generated
chat set: wall time and peak memory of whole processes.

    python benchmarks/bench_clean.py                   # 100,000 train rows, 2,000 test rows
    python benchmarks/bench_clean.py --rows 20000

The train set holds planted problems so clean has work to do: 3 % exact duplicates, 1 % near
duplicates (one word changed), 0.2 % unparseable lines, 0.2 % wrong roles, and 1 % of the test
rows copied into train. Prints a Markdown table and checks that kept + dropped == records.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

WORDS = (
    "model data train test token label prompt answer system user assistant vector batch epoch loss "
    "gradient python function return value error file line record split check rule option cache "
    "report verdict metric threshold sample review score feature pipeline schema field query result"
).split()


def chat(rng: random.Random, i: int) -> dict:
    user = f"Question {i}: " + " ".join(rng.choices(WORDS, k=rng.randint(12, 40))) + "?"
    answer = " ".join(rng.choices(WORDS, k=rng.randint(40, 90))) + "."
    return {"messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": user},
        {"role": "assistant", "content": answer},
    ]}  # fmt: skip


def generate(folder: Path, rows: int, test_rows: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    test = [chat(rng, 10_000_000 + i) for i in range(test_rows)]
    lines: list[str] = []
    planted = {"exact": 0, "near": 0, "invalid": 0, "role": 0, "leaked": 0}
    for i in range(rows):
        r = rng.random()
        if lines and r < 0.03:
            lines.append(lines[rng.randrange(len(lines))])
            planted["exact"] += 1
        elif lines and r < 0.04:
            rec = chat(rng, i)
            rec["messages"][2]["content"] += " Indeed."
            lines.append(json.dumps(rec))
            lines.append(json.dumps({**rec, "messages": [*rec["messages"][:2], {"role": "assistant", "content": rec["messages"][2]["content"][:-8] + " Sure."}]}))
            planted["near"] += 1
        elif r < 0.042:
            lines.append(json.dumps(chat(rng, i))[:-20])
            planted["invalid"] += 1
        elif r < 0.044:
            rec = chat(rng, i)
            rec["messages"][1]["role"] = "human"
            lines.append(json.dumps(rec))
            planted["role"] += 1
        else:
            lines.append(json.dumps(chat(rng, i)))
    for rec in test[: max(1, test_rows // 100)]:
        lines.insert(rng.randrange(len(lines)), json.dumps(rec))
        planted["leaked"] += 1
    (folder / "train.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "test.jsonl").write_text("".join(json.dumps(t) + "\n" for t in test), encoding="utf-8")
    planted["train_lines"] = len(lines)
    return planted


def timed(args: list[str]) -> tuple[float, float, str]:
    """(seconds, peak RSS MiB, stdout) of one `dqlint ARGS` process, measured by a fresh parent
    so each command's peak is its own."""
    probe = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "s = time.perf_counter() - t\n"
        "print(json.dumps([p.returncode, s, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.stdout, p.stderr]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "dqlint", *args], capture_output=True, text=True, check=True)
    code, seconds, rss_kib, out, err = json.loads(proc.stdout)
    if code not in (0, 1):
        raise SystemExit(f"dqlint {' '.join(args)} failed ({code}): {err}")
    return seconds, rss_kib / 1024, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--test-rows", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        planted = generate(folder, args.rows, args.test_rows)
        size = (folder / "train.jsonl").stat().st_size / 1e6
        train, test = str(folder / "train.jsonl"), str(folder / "test.jsonl")
        rows = []
        secs, mib, out = timed(["clean", train, "--test", test, "-o", str(folder / "out") + "/", "--isolated", "-q"])
        kept = sum(1 for _ in open(folder / "out/train.jsonl", "rb"))
        dropped = [json.loads(line) for line in open(folder / "out/dropped.jsonl", encoding="utf-8")]
        assert kept + sum(1 for d in dropped if d["split"] == "train") == planted["train_lines"], "records lost"
        rows.append(("clean (train + test)", secs, mib, f"kept {kept:,}, dropped {len(dropped):,}"))
        suite = str(folder / "suite.json")
        secs, mib, _ = timed(["expectations", "export", train, "-o", suite, "--isolated"])
        rows.append(("expectations export", secs, mib, f"{len(json.load(open(suite))['expectations'])} expectations"))
        secs, mib, _ = timed(["check", train, "--select", "expectations", "--expectations", suite, "--isolated", "--no-cache", "--no-progress"])
        rows.append(("check --select expectations --expectations", secs, mib, ""))
        print(f"train.jsonl: {planted['train_lines']:,} lines, {size:.1f} MB; planted {planted}\n")
        print("| command | wall s | peak RSS MiB | result |\n|---|---:|---:|---|")
        for name, secs, mib, note in rows:
            print(f"| {name} | {secs:.1f} | {mib:.0f} | {note} |")


if __name__ == "__main__":
    main()
