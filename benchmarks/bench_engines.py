"""Both engines on the same chat sets: wall time, peak RSS of the driver, and peak RSS in total
(driver + every Ray process: raylet, GCS, workers), sampled every 0.2 s.

Each run is a fresh ``dqlint check DATA/train.jsonl --test DATA/test.jsonl -f json -o /dev/null``
with all default rules; the floor is ``orjson.loads`` of every line in the same process kind.
Sets come from ``benchmarks/scale_data.py`` (``DQLINT_BENCH_DATA``, e.g. /work/bench-data).

    python benchmarks/bench_engines.py --kind templated --rows 100000 1000000 [--engines local ray]
        [--timeout 1800] [--markdown] [--results FILE] [--plot PNG]

``--results FILE`` appends each measurement to FILE (JSON lines) and ``--plot`` draws every
measurement in it, so the sizes can be run one at a time (a 10M-row Ray run takes an hour) and
drawn together.

Runs over 300k rows should hold the machine lock: ``flock /work/bench.lock python ...``.
A local run that dies of memory is printed as ``out of memory`` with its peak so far.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measured import Launcher  # noqa: E402
from scale_data import DEFAULT_OUT, KINDS, ensure  # noqa: E402


def measure(launch: Launcher, cmd: list[str], timeout: float, memory_limit: int | None = None, stages: str | None = None) -> dict:
    """Wall time, exit code, the driver's peak resident set and the peak PSS of its whole
    process tree (measured.py: shared object-store pages are counted once); ``stages``: write
    the run's ``-v`` stage timings there."""
    m = launch.run(cmd, timeout, memory_limit=memory_limit)
    if stages:
        Path(stages).write_text(m.stderr, encoding="utf-8")
    return {
        "seconds": m.seconds,
        "code": m.exit_code,
        "driver_mib": m.peak / 2**20,
        "total_mib": m.tree_peak / 2**20,
        "timed_out": m.exit_code is None,
        "error": (m.stderr.strip().splitlines() or [""])[-1][:160],
    }


FLOOR_CODE = (
    "import orjson,sys\n"
    "for name in ('train.jsonl','test.jsonl'):\n"
    "    with open(sys.argv[1]+'/'+name,'rb') as fh:\n"
    "        for line in fh: orjson.loads(line)\n"
)


def describe(result: dict) -> str:
    if result["timed_out"]:
        return f"> {result['seconds']:.0f} s (timeout)"
    if result["code"] in (-9, 137) or "MemoryError" in result["error"] or "out of memory" in result["error"]:
        return f"out of memory after {result['seconds']:.0f} s"
    if result["code"] not in (0, 1):
        return f"exit {result['code']}: {result['error']}"
    return f"{result['seconds']:.1f} s"


def _run_all(args: argparse.Namespace, launch: Launcher, rows_out: list) -> None:
    for n in args.rows:
        folder = ensure(args.kind, n, DEFAULT_OUT)
        size_mib = sum(f.stat().st_size for f in folder.glob("*.jsonl")) / 2**20
        floor = launch.run([sys.executable, "-c", FLOOR_CODE, str(folder)]).seconds
        for engine in args.engines:
            cmd = ["dqlint", "check", str(folder / "train.jsonl"), "--test", str(folder / "test.jsonl"), "--config", str(HERE / "large.toml"),
                   "--no-cache", "-v" if args.stages else "-q", "-f", "json", "-o", "/dev/null", "--engine", engine]
            # The local engine may run out of memory at 10M rows: bound its address space so it
            # stops with a MemoryError instead of the kernel killing whatever else runs.
            limit = int(args.memory_limit * 2**30) if engine == "local" and args.memory_limit else None
            stages = os.path.join(args.stages, f"{args.kind}_{n}_{engine}.txt") if args.stages else None
            result = measure(launch, cmd, args.timeout, limit, stages)
            rows_out.append((args.kind, n, size_mib, engine, floor, result))
            if args.results:
                with open(args.results, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"kind": args.kind, "rows": n, "mib": size_mib, "engine": engine, "floor": floor, **result}) + "\n")
            print(f"{args.kind} {n:>10,} {size_mib:8.0f} MiB {engine:5} {describe(result):>28} "
                  f"({result['seconds'] / floor:.0f}x floor {floor:.1f} s)"
                  f"  driver {result['driver_mib']:7.0f} MiB  total {result['total_mib']:7.0f} MiB", flush=True)


def load_results(path: str, kind: str) -> list:
    """Every measurement of ``kind`` in a --results file, smallest set first, the latest run of
    each (rows, engine) pair winning."""
    latest: dict[tuple[int, str], tuple] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r["kind"] == kind:
                result = {k: r[k] for k in ("seconds", "code", "driver_mib", "total_mib", "timed_out", "error")}
                latest[(r["rows"], r["engine"])] = (r["kind"], r["rows"], r["mib"], r["engine"], r["floor"], result)
    return [latest[key] for key in sorted(latest)]


def plot(rows_out: list, path: str) -> None:
    """Wall time and total peak memory against rows, one line per engine (log-log)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for engine in dict.fromkeys(e for _, _, _, e, _, _ in rows_out):
        done = [(n, r) for _, n, _, e, _, r in rows_out if e == engine and r["code"] in (0, 1)]
        if not done:
            continue
        xs = [n for n, _ in done]
        line, = left.plot(xs, [r["seconds"] for _, r in done], marker="o", label=engine)
        right.plot(xs, [r["total_mib"] / 1024 for _, r in done], marker="o", label=engine, color=line.get_color())
        # A run that ran out of memory (a cross) or was stopped unfinished (a triangle: a lower
        # bound on its time), where it stopped and at its peak.
        for _, n, _, e, _, r in rows_out:
            if e != engine or not (r["timed_out"] or describe(r).startswith("out of memory")):
                continue
            marker, what, offset = ("^", "unfinished", (-95, 4)) if r["timed_out"] else ("x", "out of memory", (-115, -14))
            left.plot([n], [r["seconds"]], marker=marker, markersize=10, color=line.get_color(), linestyle="none")
            left.annotate(f"{engine}: {what}", (n, r["seconds"]), textcoords="offset points", xytext=offset, fontsize=8)
            right.plot([n], [r["total_mib"] / 1024], marker=marker, markersize=10, color=line.get_color(), linestyle="none")
    floors = sorted({n: f for _, n, _, _, f, _ in rows_out}.items())  # the last floor measured per size
    left.plot([n for n, _ in floors], [f for _, f in floors], linestyle=":", color="grey", label="floor (parse every line)")
    sizes = sorted({(n, s) for _, n, s, _, _, _ in rows_out})
    right.plot([n for n, _ in sizes], [s / 1024 for _, s in sizes], linestyle=":", color="grey", label="input size")
    for ax, title in ((left, "wall time (s)"), (right, "peak memory, whole process tree (GiB)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("chat rows (train + 10 % test)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle(f"dqlint check, all default rules, {rows_out[0][0]} data, {os.cpu_count()} cores")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=KINDS, default="templated")
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--engines", nargs="+", default=["local", "ray"], choices=["local", "ray"])
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--memory-limit", type=float, default=20, help="GiB of address space for a local-engine run (0: none)")
    parser.add_argument("--plot", help="write a PNG of time and memory against rows here")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--results", help="append each measurement here (JSON lines); --plot and --markdown then show all of them")
    parser.add_argument("--stages", help="run with -v and write each run's stage timings to this folder")
    parser.add_argument("--no-run", action="store_true", help="measure nothing: only show what --results holds")
    args = parser.parse_args()
    rows_out: list = []
    if not args.no_run:
        with Launcher() as launch:
            _run_all(args, launch, rows_out)
    if args.results:
        rows_out = load_results(args.results, args.kind)
    if args.markdown:
        print("\n| set | rows | MiB | engine | wall | × floor | driver peak | total peak |\n|---|---|---|---|---|---|---|---|")
        for kind, n, size, engine, floor, r in rows_out:
            print(f"| {kind} | {n:,} | {size:,.0f} | {engine} | {describe(r)} | {r['seconds'] / floor:.0f}× | "
                  f"{r['driver_mib']:,.0f} MiB | {r['total_mib']:,.0f} MiB |")
    if args.plot:
        plot(rows_out, args.plot)


if __name__ == "__main__":
    main()
