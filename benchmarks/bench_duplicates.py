"""Benchmark: near-duplicates and train-test-leakage — correctness, speed, memory, and other tools.

One run measures, and prints as Markdown tables:

1. Correctness and the side-by-side on generated texts (200-1000 characters, planted exact and
   near duplicates) where brute force is the reference: all-pairs rapidfuzz ``process.cdist``
   (``fuzz.ratio`` >= 90), dqlint's engine, datasketch ``MinHashLSH`` (its default banding for
   threshold 0.8, and 16 x 8) with the same rapidfuzz verification, and cleanlab Datalab's
   ``near_duplicate`` check on TF-IDF features. Recall = share of the brute-force pairs found;
   precision = share of reported pairs that pass verification at the threshold.
2. Both rules together on generated OpenAI-chat records (a shared system prompt, 5 % near and
   2 % exact duplicates, a 10 % test split with 5 % leaked rows): loading and rule time, docs/s
   and peak memory (in a fresh subprocess each), and the same through ``dqlint check``.

Usage::

    python benchmarks/bench_duplicates.py                       # everything (about 15 minutes)
    python benchmarks/bench_duplicates.py --brute 5000 --scale 100000 --no-cli   # quicker

Generated data is cached in --workdir. The machine is shared: the load average is printed
with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import duplicates_data

THRESHOLD = 90.0


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- methods, each returning (set of row pairs, seconds) --------------------------------------


def brute_force(norm: list[str]) -> tuple[set, float]:
    import numpy as np
    from rapidfuzz import fuzz, process

    t = time.perf_counter()
    scores = process.cdist(norm, norm, scorer=fuzz.ratio, score_cutoff=THRESHOLD, workers=-1, dtype=np.uint8)
    i, j = np.nonzero(np.triu(scores >= THRESHOLD, 1))
    pairs = {(a, b) for a, b in zip(i.tolist(), j.tolist()) if norm[a] and norm[b]}
    return pairs, time.perf_counter() - t


def dqlint_engine(norm: list[str]) -> tuple[set, float, dict]:
    from dqlint.analysis.minhash import build_index

    t = time.perf_counter()
    index = build_index(norm, threshold=THRESHOLD)
    seconds = time.perf_counter() - t
    return duplicates_data.expand_index(index), seconds, index.stats


def datasketch_lsh(norm: list[str], params: tuple[int, int] | None) -> tuple[set, float]:
    """datasketch MinHash (128 permutations, character 5-grams) + MinHashLSH, candidates
    verified with the same rapidfuzz scorer as dqlint."""
    import numpy as np
    from datasketch import MinHash, MinHashLSH

    from dqlint.analysis.verify import score_pairs

    t = time.perf_counter()
    lsh = MinHashLSH(threshold=0.8, num_perm=128, params=params) if params else MinHashLSH(threshold=0.8, num_perm=128)
    hashes = []
    for i, text in enumerate(norm):
        if len(text) < 5:
            hashes.append(None)
            continue
        m = MinHash(num_perm=128)
        m.update_batch([text[k : k + 5].encode("utf-8") for k in range(len(text) - 4)])
        hashes.append(m)
        lsh.insert(i, m)
    cand = set()
    for i, m in enumerate(hashes):
        if m is not None:
            cand.update((min(i, j), max(i, j)) for j in lsh.query(m) if j != i)
    if cand:
        arr = np.array(sorted(cand), dtype=np.intp)
        scores = score_pairs(norm, arr[:, 0], arr[:, 1], THRESHOLD, "ratio+token-sort")
        found = {(a, b) for (a, b), s in zip(arr.tolist(), scores.tolist()) if s >= THRESHOLD}
    else:
        found = set()
    return found, time.perf_counter() - t


def cleanlab_datalab(texts: list[str]) -> tuple[set, float]:
    """cleanlab Datalab's near_duplicate issue on TF-IDF features (word 1-2 grams reduced to
    128 dimensions by truncated SVD: Datalab needs dense features), with its defaults: k=10
    neighbours, threshold 0.13 of the median nearest-neighbour distance. Not verified."""
    import numpy as np
    from cleanlab import Datalab
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    t = time.perf_counter()
    sparse = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32).fit_transform(texts)
    features = TruncatedSVD(128, random_state=0).fit_transform(sparse)
    lab = Datalab(data={"text": texts}, verbosity=0)
    lab.find_issues(features=features, issue_types={"near_duplicate": {}})
    sets = lab.get_issues("near_duplicate")["near_duplicate_sets"]
    pairs = {(min(i, int(j)), max(i, int(j))) for i, s in enumerate(sets) for j in s if int(j) != i}
    return pairs, time.perf_counter() - t


def correctness(sizes: list[int], big: int, skip_cleanlab: bool, hard: int) -> list[str]:
    from dqlint.analysis.normalize import normalize_texts
    from dqlint.analysis.verify import pair_similarity

    rows = []
    # (label, size, edits per planted copy): "hard" copies carry 4-10 edits, many pairs sit
    # just above the threshold, where LSH is least sure to make them candidates.
    cases = [(f"{n:,}", n, (1, 3)) for n in sizes] + ([(f"{hard:,} hard", hard, (4, 10))] if hard else [])
    for label, n, edits in cases:
        log(f"generating {label} texts")
        texts = duplicates_data.texts_with_duplicates(n, seed=11, edits=edits)
        norm = normalize_texts(texts)
        log(f"brute force on {n:,}")
        truth, t_brute = brute_force(norm)

        def line(name: str, pairs: set, seconds: float, note: str = "", truth=truth, norm=norm, n=n, label=label) -> str:
            recall = len(pairs & truth) / max(len(truth), 1)
            precision = sum(1 for a, b in pairs if pair_similarity(norm[a], norm[b]) >= THRESHOLD) / max(len(pairs), 1)
            return f"| {label} | {name} | {seconds:.2f} s | {n / seconds:,.0f} | {len(pairs):,} | {recall:.3f} | {precision:.3f} | {note} |"

        rows.append(line("brute-force rapidfuzz `cdist` (reference)", truth, t_brute, "all n² pairs, 2 cores"))
        log(f"dqlint on {n:,}")
        ours, t_ours, stats = dqlint_engine(norm)
        rows.append(line("**dqlint** (numpy OPH MinHash 16×8 + rapidfuzz)", ours, t_ours, f"{stats['candidates']:,} candidates ({stats.get('candidates_per_row', 0):g} a text, {stats.get('candidates_capped', 0):,} capped)"))
        for params, name in ((None, "datasketch MinHashLSH thr 0.8 (9×13) + rapidfuzz"), ((16, 8), "datasketch MinHashLSH 16×8 + rapidfuzz")):
            log(f"{name} on {n:,}")
            found, t_ds = datasketch_lsh(norm, params)
            rows.append(line(name, found, t_ds))
        if not skip_cleanlab:
            log(f"cleanlab on {n:,}")
            try:
                found, t_cl = cleanlab_datalab(norm)
                rows.append(line("cleanlab Datalab `near_duplicate`, TF-IDF + SVD 128", found, t_cl, "not verified"))
            except Exception as exc:  # noqa: BLE001 - report, do not hide, a failing comparison
                rows.append(f"| {label} | cleanlab Datalab | failed: {type(exc).__name__}: {exc} | | | | | |")
    if big:
        log(f"generating {big:,} texts (no brute-force reference)")
        norm = normalize_texts(duplicates_data.texts_with_duplicates(big, seed=12))
        ours, t_ours, stats = dqlint_engine(norm)
        log(f"datasketch on {big:,}")
        found, t_ds = datasketch_lsh(norm, None)
        found2, t_ds2 = datasketch_lsh(norm, (16, 8))
        union = ours | found | found2
        for name, pairs, seconds in (("**dqlint**", ours, t_ours), ("datasketch thr 0.8 (9×13) + rapidfuzz", found, t_ds),
                                     ("datasketch 16×8 + rapidfuzz", found2, t_ds2)):
            rows.append(f"| {big:,} | {name} | {seconds:.2f} s | {big / seconds:,.0f} | {len(pairs):,} | "
                        f"{len(pairs & union) / max(len(union), 1):.3f}* | 1.000 | *of the union of verified pairs |")
    head = ["| texts | method | time | texts/s | pairs | recall | precision | note |", "|---|---|---|---|---|---|---|---|"]
    return head + rows


# -- both rules at scale ----------------------------------------------------------------------


def write_chat_files(n: int, workdir: Path) -> tuple[Path, Path]:
    train_path, test_path = workdir / f"chat{n}_train.jsonl", workdir / f"chat{n}_test.jsonl"
    if train_path.exists() and test_path.exists():
        return train_path, test_path
    import orjson

    log(f"generating {n:,} chat records")
    train, test = duplicates_data.split_with_leaks(duplicates_data.chat_records(n, seed=n))
    for path, records in ((train_path, train), (test_path, test)):
        with open(str(path) + ".tmp", "wb") as f:
            f.writelines(orjson.dumps(r) + b"\n" for r in records)
        os.replace(str(path) + ".tmp", path)
    return train_path, test_path


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM belongs to the process's own address space;
    getrusage's ru_maxrss would include the forking parent's peak (Linux copies it at fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rules_only(train: str, test: str) -> None:
    """Subprocess body: load, then run both rules on one shared context; print JSON."""
    from dqlint.rules.near_duplicates import NearDuplicates
    from dqlint.rules.train_test_leakage import TrainTestLeakage

    from dqlint.data.ingest import load_inputs
    from dqlint.data.sources import InputSpec
    from dqlint.rule import CheckContext

    t = time.perf_counter()
    ds = load_inputs([InputSpec(train, split="train"), InputSpec(test, split="test")])
    load_s = time.perf_counter() - t
    rss_after_load = peak_rss_mb()
    ctx = CheckContext(ds)
    cpu = time.process_time()
    t = time.perf_counter()
    dup = NearDuplicates().check(ctx, NearDuplicates.make_options({}))
    dup_s = time.perf_counter() - t
    t = time.perf_counter()
    leak = TrainTestLeakage().check(ctx, TrainTestLeakage.make_options({}))
    leak_s = time.perf_counter() - t
    cpu = time.process_time() - cpu  # both threads' CPU seconds
    print(json.dumps({
        "rows": len(ds), "load_s": load_s, "dup_s": dup_s, "leak_s": leak_s, "cpu_s": cpu,
        "peak_mb": peak_rss_mb(),
        "peak_after_load_mb": rss_after_load,
        "dup": dup.message, "leak": leak.message,
    }))


def via_cli(train: Path, test: Path) -> dict:
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "dqlint", "check", str(train), "--test", str(test),
           "--select", "near-duplicates,train-test-leakage", "--isolated", "--no-cache", "--quiet",
           "--format", "json", "--output", os.devnull]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    peak = next((int(line.split(":")[1]) / 1024 for line in proc.stderr.splitlines() if "Maximum resident" in line), None)
    return {"wall_s": wall, "peak_mb": peak, "exit": proc.returncode}


def scale(sizes: list[int], workdir: Path, cli: bool) -> list[str]:
    rows = ["| chat records | load | near-duplicates | train-test-leakage | both rules (wall) | docs/s | CPU time of the rules | peak RSS (load + rules) | `dqlint check` wall (exit) | `dqlint check` peak RSS |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    notes = []
    for n in sizes:
        train, test = write_chat_files(n, workdir)
        log(f"rules on {n:,} records")
        proc = subprocess.run([sys.executable, __file__, "--rules-only", str(train), str(test)], capture_output=True, text=True, check=False)
        if proc.returncode:
            rows.append(f"| {n:,} | failed: {proc.stderr.strip().splitlines()[-1]} |")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        both = r["dup_s"] + r["leak_s"]
        c = via_cli(train, test) if cli else None
        cli_cols = f"{c['wall_s']:.1f} s ({c['exit']}) | {c['peak_mb']:,.0f} MB" if c else "– | –"
        load = os.getloadavg()[0]
        rows.append(f"| {n:,} | {r['load_s']:.1f} s | {r['dup_s']:.1f} s | {r['leak_s']:.1f} s | **{both:.1f} s** | "
                    f"{n / both:,.0f} | {r['cpu_s']:.1f} s | {r['peak_mb']:,.0f} MB | {cli_cols} |")
        notes.append(f"- {n:,}: load average {load:.1f} on {os.cpu_count()} cores when it finished")
        notes.append(f"- {n:,}: near-duplicates: {r['dup']}; train-test-leakage: {r['leak']}")
    return rows + [""] + notes


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    mem = next((int(line.split()[1]) // 1024 // 1024 for line in meminfo if line.startswith("MemTotal")), 0)
    load = os.getloadavg()
    return (f"{os.cpu_count()} cores ({cpu}), {mem} GiB RAM, Python {platform.python_version()}, "
            f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--brute", default="5000,20000", help="sizes with the brute-force reference")
    ap.add_argument("--big", type=int, default=100_000, help="size for dqlint vs datasketch without brute force (0: skip)")
    ap.add_argument("--hard", type=int, default=5000, help="size of the hard case (4-10 edits per copy) with brute force (0: skip)")
    ap.add_argument("--scale", default="100000,1000000", help="chat-record counts for both rules")
    ap.add_argument("--no-cli", action="store_true", help="do not time `dqlint check`")
    ap.add_argument("--no-cleanlab", action="store_true")
    ap.add_argument("--workdir", default="/tmp/dqlint-bench")
    ap.add_argument("--rules-only", nargs=2, metavar=("TRAIN", "TEST"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rules_only:
        rules_only(*args.rules_only)
        return
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    started = os.getloadavg()
    out = ["## Duplicates and leakage benchmark", ""]
    brute = [int(x) for x in args.brute.split(",") if x]
    if brute or args.big or args.hard:
        out += ["### Near-duplicate pairs at similarity 90: correctness and other tools", ""]
        out += correctness(brute, args.big, args.no_cleanlab, args.hard) + [""]
    sizes = [int(x) for x in args.scale.split(",") if x]
    if sizes:
        out += ["### Both rules on OpenAI-chat records (train + 10 % test)", ""]
        out += scale(sizes, workdir, not args.no_cli) + [""]
    out += [f"Machine: {machine()}; load average at the start {started[0]:.1f}."]
    print("\n".join(out))


if __name__ == "__main__":
    main()
