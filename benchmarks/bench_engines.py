"""Both engines on the same chat sets: wall time, peak RSS of the driver, and peak RSS in total
(driver + every Ray process: raylet, GCS, workers), sampled every 0.2 s.

Each run is a fresh ``dqlint check DATA/train.jsonl --test DATA/test.jsonl -f json -o /dev/null``
with all default rules; the floor is ``orjson.loads`` of every line in the same process kind.
Sets come from ``benchmarks/scale_data.py`` (``DQLINT_BENCH_DATA``, e.g. /work/bench-data).

    python benchmarks/bench_engines.py --kind templated --rows 100000 1000000 [--engines local ray]
        [--timeout 1800] [--markdown]

Runs over 300k rows should hold the machine lock: ``flock /work/bench.lock python ...``.
A local run that dies of memory is printed as ``out of memory`` with its peak so far.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale_data import DEFAULT_OUT, KINDS, ensure  # noqa: E402

RAY_NAMES = ("raylet", "gcs_server", "ray::", "default_worker", "dashboard", "log_monitor", "monitor.py", "runtime_env")


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(root: int) -> list[int]:
    """The driver and every process under it (a local Ray instance is started by the driver)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def measure(cmd: list[str], timeout: float) -> dict:
    """Wall time, exit code, peak driver RSS and peak total RSS of the driver's process tree."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak_driver = peak_total = 0
    timed_out = False
    while proc.poll() is None:
        peak_driver = max(peak_driver, _rss_kib(proc.pid))
        peak_total = max(peak_total, sum(_rss_kib(p) for p in _descendants(proc.pid)))
        if time.perf_counter() - started > timeout:
            timed_out = True
            proc.kill()
            break
        time.sleep(0.2)
    _, err = proc.communicate()
    return {
        "seconds": time.perf_counter() - started,
        "code": proc.returncode,
        "driver_mib": peak_driver / 1024,
        "total_mib": peak_total / 1024,
        "timed_out": timed_out,
        "error": (err.strip().splitlines() or [""])[-1][:160],
    }


def floor_seconds(folder: Path) -> float:
    code = (
        "import orjson,sys\n"
        "for name in ('train.jsonl','test.jsonl'):\n"
        "    with open(sys.argv[1]+'/'+name,'rb') as fh:\n"
        "        for line in fh: orjson.loads(line)\n"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(folder)], check=True)
    return time.perf_counter() - started


def describe(result: dict) -> str:
    if result["timed_out"]:
        return f"> {result['seconds']:.0f} s (timeout)"
    if result["code"] in (-9, 137) or "MemoryError" in result["error"]:
        return f"out of memory after {result['seconds']:.0f} s"
    if result["code"] not in (0, 1):
        return f"exit {result['code']}: {result['error']}"
    return f"{result['seconds']:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=KINDS, default="templated")
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--engines", nargs="+", default=["local", "ray"], choices=["local", "ray"])
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    rows_out = []
    for n in args.rows:
        folder = ensure(args.kind, n, DEFAULT_OUT)
        size_mib = sum(f.stat().st_size for f in folder.glob("*.jsonl")) / 2**20
        floor = floor_seconds(folder)
        for engine in args.engines:
            cmd = ["dqlint", "check", str(folder / "train.jsonl"), "--test", str(folder / "test.jsonl"), "--isolated",
                   "--no-cache", "-q", "-f", "json", "-o", "/dev/null", "--engine", engine]
            result = measure(cmd, args.timeout)
            rows_out.append((args.kind, n, size_mib, engine, floor, result))
            ratio = f"{result['seconds'] / floor:.0f}x" if floor else ""
            print(f"{args.kind} {n:>10,} {size_mib:8.0f} MiB {engine:5} {describe(result):>28} ({ratio} floor {floor:.1f} s)"
                  f"  driver {result['driver_mib']:7.0f} MiB  total {result['total_mib']:7.0f} MiB", flush=True)
    if args.markdown:
        print("\n| set | rows | MiB | engine | wall | × floor | driver peak | total peak |\n|---|---|---|---|---|---|---|---|")
        for kind, n, size, engine, floor, r in rows_out:
            print(f"| {kind} | {n:,} | {size:,.0f} | {engine} | {describe(r)} | {r['seconds'] / floor:.0f}× | "
                  f"{r['driver_mib']:,.0f} MiB | {r['total_mib']:,.0f} MiB |")


if __name__ == "__main__":
    main()
