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

3. ``--cli``: issue 16's targets, the whole ``dqlint check FILE --select label-accuracy``
   (JSON report to /dev/null, ``--no-cache``) in fresh processes on 100k tickets (target 15 s)
   and on 25k long documents from the shared BBC articles (``bench_label_noise.long_documents``,
   5 % uniform flips; target 20 s), each CSV written once under ``DQLINT_BENCH_DATA``; median
   wall and CPU (user + system of the child and its workers) of ``--runs`` runs, with the
   floor (``csv.reader`` of every row) measured in the same run, and the suspects' precision
   / recall against the planted flips. Wrap in ``flock /work/bench.lock`` on a shared machine.

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


def cli_sets(rows: int) -> list[tuple[str, Path, set[int], float]]:
    """(name, CSV, planted flips, target seconds) of the --cli sets, written once."""
    import json

    out = Path(os.environ.get("DQLINT_BENCH_DATA", ROOT / "benchmarks" / "out"))
    out.mkdir(parents=True, exist_ok=True)
    sets = []
    tickets = out / f"la_tickets_{rows}.csv"
    if not tickets.exists():
        texts, _, given, flipped = make_tickets.make(rows, flip=0.05, seed=1)
        _write_csv(tickets, texts, given, flipped)
    sets.append((f"{rows:,} tickets", tickets, 15.0))
    real = Path(os.environ.get("DQLINT_SHARED", ROOT.parent / "shared")) / "data" / "real"
    docs = out / "la_long_docs_25000.csv"
    if not docs.exists() and real.exists():
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import bench_label_noise

        texts, truth = bench_label_noise.long_documents(real, 25_000)
        given, flipped = bench_label_noise.plant("long", truth, "uniform")
        _write_csv(docs, texts, given, sorted(flipped))
    if docs.exists():
        sets.append(("25,000 long documents", docs, 20.0))
    return [(name, path, set(json.loads(path.with_suffix(".flips.json").read_text())), goal) for name, path, goal in sets]


def _write_csv(path: Path, texts: list[str], labels: list[str], flipped: list[int]) -> None:
    import json

    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(zip(texts, labels))
    path.with_suffix(".flips.json").write_text(json.dumps(list(flipped)))
    tmp.replace(path)


def _timed(cmd: list[str]) -> tuple[float, float]:
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed with exit code {proc.returncode}:\n{proc.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cli(rows: int, runs: int) -> None:
    import json
    import statistics

    floor_code = "import csv, sys\nwith open(sys.argv[1], newline='', encoding='utf-8') as fh:\n    for row in csv.reader(fh): pass"
    print(f"| set | floor (`csv.reader`) | `dqlint check --select label-accuracy`, median of {runs} | CPU | target | suspects P / R |")
    print("|---|---|---|---|---|---|")
    for name, path, flipped, goal in cli_sets(rows):
        floor = [_timed([sys.executable, "-c", floor_code, str(path)]) for _ in range(runs)]
        with tempfile.TemporaryDirectory() as tmp:
            report = Path(tmp) / "report.json"
            cmd = [sys.executable, "-m", "dqlint", "check", str(path), "--select", "label-accuracy", "--isolated", "--no-cache",
                   "-q", "-f", "json", "-o", str(report)]
            got = [_timed(cmd) for _ in range(runs)]
            rule = next(r for r in json.loads(report.read_text())["rules"] if r["id"] == "label-accuracy")
        found = set()
        for f in rule["findings"]:
            kind = f["details"].get("kind", "")
            if kind.startswith("confident-learning"):
                found.add(f["locations"][0]["record"])
            elif kind == "conflicting-labels":
                found |= {loc["record"] for loc, lab in zip(f["locations"], f["details"]["labels"]) if lab != f["details"]["suggested_label"]}
        p, r = score(found, flipped)
        fw, fc = statistics.median(w for w, _ in floor), statistics.median(c for _, c in floor)
        w, c = statistics.median(x for x, _ in got), statistics.median(y for _, y in got)
        print(f"| {name} | {fw:.2f} s | {w:.1f} s ({w / fw:.0f}x floor) | {c:.1f} s ({c / max(fc, 1e-3):.0f}x) | "
              f"{goal:g} s: {'met' if w <= goal else 'NOT met'} | {p:.3f} / {r:.3f} |")
    print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", action="store_true", help="time whole `dqlint check` runs (issue 16's targets) and stop")
    parser.add_argument("--runs", type=int, default=3, help="runs of each --cli command")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--quality-rows", type=int, default=20_000)
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    if args.cli:
        cli(args.rows, args.runs)
        return
    speed(args.rows)
    if not args.skip_quality:
        quality(args.quality_rows)


if __name__ == "__main__":
    main()
