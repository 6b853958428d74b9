"""Per-core rates of the distributed dedup pipeline (dqlint/engine/ray/dedup.py) on this machine,
the inputs of docs/scaling.md: signatures/s, shuffle bytes per row, verified pairs/s, and the
local index (build_index, one process) on the same texts as the floor.

    export DQLINT_BENCH_DATA=/work/bench-data
    python benchmarks/bench_ray_dedup.py 100000            # team_100000
    flock /work/bench.lock python benchmarks/bench_ray_dedup.py 1000000 --kind team

Texts: each chat's user and assistant turns joined and normalised (what near-duplicates
compares, without the shared-affix step). Ray runs locally with ``--cpus`` CPUs; the texts go
to Ray as a Parquet file (read in blocks, never from the driver's memory).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def load_texts(folder: Path) -> tuple[list[str], int]:
    """Normalised example texts of train.jsonl then test.jsonl, and the number of train rows."""
    from dqlint.analysis.normalize import normalize_texts

    texts: list[str] = []
    train = 0
    for name in ("train.jsonl", "test.jsonl"):
        with open(folder / name, encoding="utf-8") as fh:
            for line in fh:
                msgs = json.loads(line)["messages"]
                user = "\n".join(m["content"] for m in msgs if m["role"] == "user")
                answer = "\n".join(m["content"] for m in msgs if m["role"] == "assistant")
                texts.append(user + "\n" + answer)
        if name == "train.jsonl":
            train = len(texts)
    return normalize_texts(texts), train


def kernel_rates(texts: list[str], local) -> dict:
    """What each stage computes, in this process on one core, without Ray: the rates a cluster
    worker reaches once per-task overhead is amortised (docs/scaling.md scales these)."""
    import numpy as np

    from dqlint.engine.ray.dedup import DedupSettings, _bucket_partition, _exact_partition, _signatures, _verify_partition

    s, parts = DedupSettings(), 8
    sample = texts[: min(len(texts), 50_000)]
    batch = {"row": np.arange(len(sample), dtype=np.int64), "text": np.asarray(sample, dtype=object)}
    t = time.perf_counter()
    sig = _signatures(batch, s, parts)
    sig_s = time.perf_counter() - t
    t = time.perf_counter()
    ex = _exact_partition(sig)
    exact_s = time.perf_counter() - t
    from dqlint.engine.ray.dedup import _band_rows

    bands = _band_rows(ex, s.bands, parts)
    t = time.perf_counter()
    _bucket_partition(bands, s, parts)
    bucket_s = time.perf_counter() - t
    out = {
        "signatures_per_s": round(len(sample) / sig_s),
        "exact_rows_per_s": round(len(sample) / exact_s),
        "bucket_rows_per_s": round(len(bands["band"]) / bucket_s),
    }
    if local is not None and len(local.pairs):
        a, b = local.pairs[:, 0], local.pairs[:, 1]
        uniq = [texts[r] for r in local.rep]
        texts_ab = np.asarray([uniq[i] for i in a.tolist()] + [uniq[i] for i in b.tolist()], dtype=object)
        vb = {"a": np.concatenate([a, a]).astype(np.int64), "b": np.concatenate([b, b]).astype(np.int64),
              "side": np.repeat(np.asarray([0, 1], dtype=np.int8), len(a)), "text": texts_ab}
        t = time.perf_counter()
        _verify_partition(vb, s)
        out["verified_pairs_per_s"] = round(len(a) / (time.perf_counter() - t))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rows", type=int, nargs="?", default=100_000)
    parser.add_argument("--kind", default="team", choices=("team", "templated"))
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=0, help="shuffle partitions (default: 4 per CPU)")
    parser.add_argument("--skip-local", action="store_true")
    args = parser.parse_args()
    base = Path(os.environ.get("DQLINT_BENCH_DATA", "/work/bench-data"))
    folder = base / f"{args.kind}_{args.rows}"
    if not (folder / "test.jsonl").exists():
        sys.exit(f"{folder}: no train.jsonl/test.jsonl (benchmarks/scale_data.py writes them)")
    t = time.perf_counter()
    texts, _ = load_texts(folder)
    print(f"loaded {len(texts):,} texts in {time.perf_counter() - t:.1f}s ({sum(map(len, texts)) / len(texts):.0f} chars mean)")

    local = None
    if not args.skip_local:
        from dqlint.analysis.minhash import build_index

        t = time.perf_counter()
        local = build_index(texts)
        local_s = time.perf_counter() - t
        print(f"local build_index: {local_s:.1f}s  {dict((k, v) for k, v in local.stats.items() if k != 'seconds')}")

    kernels = kernel_rates(texts, local)
    print("kernels (one core, no Ray):", kernels)

    import pyarrow as pa
    import pyarrow.parquet as pq
    import ray
    import ray.data

    from dqlint.engine.ray.dedup import DedupSettings, _signatures, build_distributed_index, quiet_ray_data

    tmp = Path(tempfile.mkdtemp(prefix="dqlint-bench-ray-"))
    pq.write_table(pa.table({"row": list(range(len(texts))), "text": texts}), tmp / "texts.parquet", row_group_size=8192)
    text_bytes = sum(len(x.encode()) for x in texts)
    n = len(texts)
    del texts
    t = time.perf_counter()
    ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
    quiet_ray_data()
    print(f"ray.init: {time.perf_counter() - t:.1f}s")
    parts = args.partitions or 4 * args.cpus
    blocks = max(2 * args.cpus, n // 20_000)
    ds = ray.data.read_parquet(str(tmp), override_num_blocks=blocks).materialize()

    # Signatures alone (the per-block stage), warm: a first pass starts the workers.
    ds.limit(1000).map_batches(_signatures, fn_kwargs={"s": DedupSettings(), "parts": parts}, batch_format="numpy").materialize()
    t = time.perf_counter()
    ds.map_batches(_signatures, fn_kwargs={"s": DedupSettings(), "parts": parts}, batch_format="numpy").materialize()
    sig_s = time.perf_counter() - t

    t = time.perf_counter()
    dist = build_distributed_index(ds, num_partitions=parts)
    total_s = time.perf_counter() - t
    tm = dist.timings
    equal = None
    if local is not None:
        equal = dist.row_pairs() == local.row_pairs()
    out = {
        "rows": n,
        "kind": args.kind,
        "cpus": args.cpus,
        "partitions": parts,
        "text_bytes_per_row": round(text_bytes / n, 1),
        "local_s": round(local_s, 2) if local is not None else None,
        "distributed_s": round(total_s, 2),
        "ratio_to_local": round(total_s / local_s, 2) if local is not None else None,
        "signatures_s": round(sig_s, 2),
        "signatures_per_s_per_core": round(n / sig_s / args.cpus),
        "stages_s": {k: v for k, v in tm.items() if not k.endswith("bytes") and k not in ("pairs_scored", "candidate_texts")},
        "exact_shuffle_bytes_per_row": round(tm["exact_shuffle_bytes"] / n, 1),
        "band_shuffle_bytes_per_row": round(tm.get("band_shuffle_bytes", 0) / n, 1),
        "candidate_shuffle_bytes_per_row": round(tm.get("candidate_shuffle_bytes", 0) / n, 1),
        "candidates": dist.stats.get("candidates"),
        "pairs_scored": tm.get("pairs_scored", 0),
        "candidate_texts": tm.get("candidate_texts", 0),
        "verification_pairs_per_s_per_core": round(tm.get("pairs_scored", 0) / max(tm.get("verification", 1e-9), 1e-9) / args.cpus),
        "verified": dist.stats.get("verified"),
        "equal_to_local": equal,
        "kernels_one_core": kernels,
        "driver_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(out, indent=1))
    ray.shutdown()


if __name__ == "__main__":
    main()
