"""Speed of the label-accuracy rule on 100k labelled rows, and quality of its suspects.

    python benchmarks/bench_label_accuracy.py [--rows 100000] [--quality-rows 20000]

1. ``speed``: writes ``--rows`` support tickets (5 classes, 5 % planted label flips, see
   ``sample_data/label_accuracy/make_tickets.py``) to a CSV, loads it with the real loader,
   then times the rule (conflicting labels + TF-IDF/logistic-regression cross-validation on
   at most 20,000 rows + cleanlab) on a fresh CheckContext. Target: under 60 s on 2 cores.
   Also reports precision / recall of the suspects against the planted flips.
2. ``quality``: on ``--quality-rows`` tickets at two difficulties (``confuse`` = share of
   tickets that also borrow a phrase of another class), precision / recall / estimated noise
   rate for each feature set and cleanlab filter the rule offers.

Precision = suspects that are planted flips / suspects; recall = planted flips found / planted.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "sample_data" / "label_accuracy"))

import make_tickets
from dqlint.rules.label_accuracy import LabelAccuracy

from dqlint.data.ingest import dataset_from_records, load_inputs
from dqlint.data.sources import InputSpec
from dqlint.rule import CheckContext


def suspect_rows(result) -> set[int]:
    """Record indexes the rule calls suspect (model suspects, and minority rows of conflicts)."""
    rows = set()
    for f in result.findings:
        kind = f.details.get("kind", "")
        if kind.startswith("confident-learning"):
            rows.add(f.locations[0].record)
        elif kind == "conflicting-labels":
            rows |= {loc.record for loc, lab in zip(f.locations, f.details["labels"]) if lab != f.details["suggested_label"]}
    return rows


def score(found: set[int], planted: set[int]) -> tuple[float, float]:
    hits = len(found & planted)
    return hits / max(1, len(found)), hits / max(1, len(planted))


def speed(rows: int) -> None:
    texts, _, given, flipped = make_tickets.make(rows, flip=0.05, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["text", "label"])
            w.writerows(zip(texts, given))
        t0 = time.perf_counter()
        ds = load_inputs([InputSpec(str(path))])
        load_s = time.perf_counter() - t0
        rule = LabelAccuracy()
        options = rule.make_options({"max-suspects": rows})
        phases: list[tuple[str, float, float]] = []

        def progress(message: str) -> None:
            phases.append((message, time.perf_counter(), time.process_time()))

        t0, c0 = time.perf_counter(), time.process_time()
        result = rule.check(CheckContext(ds, progress=progress), options)
        check_s, check_cpu = time.perf_counter() - t0, time.process_time() - c0
        phases.append(("end", time.perf_counter(), time.process_time()))
    p, r = score(suspect_rows(result), set(flipped))
    s = result.details["suspects"]
    print(f"speed: {rows:,} rows  load {load_s:.1f} s  rule {check_s:.1f} s wall, {check_cpu:.1f} s CPU "
          f"(trained on {s['method'].get('trained_on'):,} rows, {s['method'].get('folds')} folds; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    for (name, wall, cpu), (_, wall2, cpu2) in itertools.pairwise(phases):
        print(f"       {name:<55} {wall2 - wall:6.1f} s wall {cpu2 - cpu:6.1f} s CPU")
    print(f"       suspects {s['suspects']:,}  precision {p:.3f}  recall {r:.3f}  "
          f"estimated noise {s['estimated_noise_rate']:.4f} (planted 0.05)  conflict groups {s['conflict_groups']}")


def quality(rows: int) -> None:
    print(f"quality: {rows:,} rows, 5 % planted flips")
    print("  confuse  features    filter               suspects  precision  recall  noise est.  seconds")
    for confuse in (0.1, 0.4):
        texts, _, given, flipped = make_tickets.make(rows, flip=0.05, seed=2, confuse=confuse)
        ds = dataset_from_records([{"text": t, "label": g} for t, g in zip(texts, given)], path="q.jsonl")
        for features in ("word", "word+char"):
            for filter_by in ("both", "prune_by_noise_rate"):
                options = LabelAccuracy.make_options({"features": features, "filter-by": filter_by, "max-suspects": rows})
                t0 = time.perf_counter()
                result = LabelAccuracy().check(CheckContext(ds), options)
                seconds = time.perf_counter() - t0
                p, r = score(suspect_rows(result), set(flipped))
                s = result.details["suspects"]
                print(f"  {confuse:<7}  {features:<10}  {filter_by:<19}  {s['suspects']:>8,}  {p:>9.3f}  {r:>6.3f}  "
                      f"{s['estimated_noise_rate']:>10.4f}  {seconds:>7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--quality-rows", type=int, default=20_000)
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    speed(args.rows)
    if not args.skip_quality:
        quality(args.quality_rows)


if __name__ == "__main__":
    main()
