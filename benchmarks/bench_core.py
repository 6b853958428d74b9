"""The data layer's cost: load time against the floor, and where the memory of a loaded set goes.

    python benchmarks/bench_core.py [--sizes 100000 1000000] [--kinds team templated] [--lock PATH]

For each kind and size of ``benchmarks/scale_data.py``'s chat data (``train.jsonl`` + ``--test
test.jsonl``), each in a fresh process:

* the floor: ``orjson.loads`` of every line (as ``bench_scale.py``);
* ``dqlint check ... --select dataset-size -v``: wall time, the loading time ``-v`` prints, and the
  peak resident memory (``os.wait4``) of a check that holds the loaded set and nothing else;
* ``load_inputs`` in a child that then measures each column of the :class:`Dataset`: the bytes
  of the container plus every distinct object it holds (a string shared by a million rows is
  counted once), with the resident memory before loading (interpreter + imports), after it and
  its high-water mark.

Also ``dqlint --help`` (best of 5). ``--arrow`` instead compares a list of ``str`` with an Arrow
string array (bytes, and the time to read every text back). ``--lock PATH`` holds ``flock PATH`` around every run over
300,000 rows (see ``bench_scale.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import scale_data  # noqa: E402
from bench_scale import JSONL_FLOOR_CODE, machine_line, machine_lock, mib, timed  # noqa: E402

COLUMNS = ("input", "output", "system", "label", "split", "file_index", "record", "line", "turns", "format")


def footprint(column: object) -> int:
    """Bytes a column holds: its own ``nbytes`` when it is a columnar store, else the container
    plus each distinct object in it once (tuples with their items)."""
    nbytes = getattr(column, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    seen: set[int] = set()
    total = sys.getsizeof(column)
    if not isinstance(column, list):
        return total
    for value in column:
        if id(value) in seen:
            continue
        seen.add(id(value))
        total += sys.getsizeof(value)
        if isinstance(value, tuple):
            total += sum(sys.getsizeof(v) for v in value)
    return total


def status_kib(field: str) -> int:
    """A field of /proc/self/status (VmRSS, VmHWM), in KiB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def components(train: str, test: str) -> dict:
    """Run in the child: load both files as the CLI does, then measure."""
    from dqlint.data.ingest import load_inputs
    from dqlint.data.sources import InputSpec

    before = status_kib("VmRSS") * 1024
    started = time.perf_counter()
    ds = load_inputs([InputSpec(train), InputSpec(test, split="test")])
    seconds = time.perf_counter() - started
    after, peak = status_kib("VmRSS") * 1024, status_kib("VmHWM") * 1024
    sizes = {name: footprint(getattr(ds, name)) for name in COLUMNS}
    return {"rows": len(ds), "seconds": seconds, "rss_before": before, "rss_after": after, "rss_peak": peak,
            "columns": sizes, "types": {name: type(getattr(ds, name)).__name__ for name in COLUMNS}}


def run(kind: str, rows: int, lock: str | None, data: Path) -> None:
    folder = scale_data.ensure(kind, rows, data)
    train, test = str(folder / "train.jsonl"), str(folder / "test.jsonl")
    size = os.path.getsize(train) + os.path.getsize(test)
    with machine_lock(lock, rows):
        floor, floor_peak, _, _ = timed([sys.executable, "-c", JSONL_FLOOR_CODE, train, test])
    cmd = [sys.executable, "-m", "dqlint", "check", train, "--test", test, "--select", "dataset-size", "--no-cache",
           "--no-progress", "-v", "-f", "json", "-o", os.devnull]
    with machine_lock(lock, rows):
        wall, peak, _, err = timed(cmd)
    loading = sum(float(s) for s in re.findall(r"loading .*: ([\d.]+) s", err))
    with machine_lock(lock, rows):
        out = subprocess.run([sys.executable, __file__, "--components", train, test], capture_output=True, text=True, check=True)
    c = json.loads(out.stdout)
    print(f"\n**{kind}**, {rows:,} train + {rows // 10:,} test rows, {mib(size)} of JSONL:\n")
    print("| what | time | × floor | peak memory | × file |")
    print("|---|---:|---:|---:|---:|")
    print(f"| floor (`orjson.loads` of every line) | {floor:.2f} s | 1.0 | {mib(floor_peak)} | {floor_peak / size:.2f} |")
    print(f"| loading, as `-v` reports it | {loading:.2f} s | {loading / floor:.1f} | | |")
    print(f"| `dqlint check --select dataset-size` | {wall:.2f} s | {wall / floor:.1f} | {mib(peak)} | {peak / size:.2f} |")
    print(f"| `load_inputs` alone | {c['seconds']:.2f} s | {c['seconds'] / floor:.1f} | {mib(c['rss_peak'])} | {c['rss_peak'] / size:.2f} |")
    print(f"\nMemory of the loaded set ({c['rows']:,} rows): resident before loading {mib(c['rss_before'])}, "
          f"after {mib(c['rss_after'])} (+{mib(c['rss_after'] - c['rss_before'])}), high-water mark {mib(c['rss_peak'])}.\n")
    print("| column | stored as | bytes | bytes / row |")
    print("|---|---|---:|---:|")
    for name, n in c["columns"].items():
        print(f"| {name} | {c['types'][name]} | {mib(n)} | {n / c['rows']:.1f} |")
    total = sum(c["columns"].values())
    print(f"| **all columns** | | {mib(total)} ({total / size:.2f}× file) | {total / c['rows']:.1f} |")


def arrow_comparison(rows: int = 200_000) -> None:
    """Why texts stay lists of str: bytes held, and the time to read every text back, for a list
    of ASCII texts of ~560 characters and the same texts in an Arrow large_string array."""
    import pyarrow as pa

    texts = [f"row {i} " + "lorem ipsum dolor sit amet " * 20 for i in range(rows)]
    arrow = pa.array(texts, type=pa.large_string())

    def cpu(fn: object) -> float:
        started = time.process_time()
        fn()  # type: ignore[operator]
        return time.process_time() - started

    print(f"\n{rows:,} texts: list of str {mib(footprint(texts))}, Arrow large_string {mib(arrow.nbytes)}\n")
    print("| read every text | CPU seconds |")
    print("|---|---:|")
    for name, fn in (
        ("iterate the list", lambda: sum(len(t) for t in texts)),
        ("index the list", lambda: sum(len(texts[i]) for i in range(rows))),
        ("Arrow `to_pylist()`", lambda: sum(len(t) for t in arrow.to_pylist())),
        ("Arrow index + `as_py()`", lambda: sum(len(arrow[i].as_py()) for i in range(rows))),
    ):
        print(f"| {name} | {cpu(fn):.3f} |")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--components":
        print(json.dumps(components(sys.argv[2], sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--kinds", nargs="+", choices=scale_data.KINDS, default=list(scale_data.KINDS))
    parser.add_argument("--lock", help="hold flock(LOCK) around every run over 300,000 rows")
    parser.add_argument("--data", type=Path, default=scale_data.DEFAULT_OUT)
    parser.add_argument("--arrow", action="store_true", help="only compare a list of str with an Arrow string array")
    args = parser.parse_args()
    if args.arrow:
        arrow_comparison()
        return
    helps = [timed([sys.executable, "-m", "dqlint", "--help"])[0] for _ in range(5)]
    print(f"`dqlint --help`: {min(helps):.2f} s (best of 5)")
    for n in sorted(args.sizes):
        for kind in args.kinds:
            run(kind, n, args.lock, args.data)
    print("\n" + machine_line(None))


if __name__ == "__main__":
    main()
