"""Label-noise suspects on real text with planted flips: dqlint against cleanlab's baseline.

    python benchmarks/bench_label_noise.py [--data ../shared/data/real] [--sets tweets,bbc,...]
                                           [--timing] [--timing-baseline] [--two-views] [--flip-seed N]

Sets (real texts from the shared folder, plus the synthetic tickets):
- ``tweets``: tweeteval emotion train, 3,257 tweets, 4 classes (anger, joy, optimism, sadness);
- ``bbc``: BBC News train, 1,490 long articles, 5 classes;
- ``waimai``: Meituan waimai_10k, 11,987 short Chinese delivery reviews, positive / negative;
- ``alpaca``: AlpacaEval instructions labelled with their source set (5 sources), 805 rows;
- ``tickets``: 10,000 synthetic support tickets, 5 classes, 40 % borrow another class's phrase.

Each set gets 5 % label flips, planted two ways: ``uniform`` (any other class) and ``similar``
(class-conditional, between classes people confuse: joy<->optimism, anger<->sadness;
business<->tech/politics; positive->negative; ...). Precision = suspects that are planted flips
/ suspects; recall = planted flips found / planted. The real sets carry natural label errors
too, which count against precision for both methods alike.

Methods, in the same run on the same flips:
- ``cleanlab baseline``: TF-IDF 1-2-grams + scikit-learn's default LogisticRegression, 5-fold
  ``cross_val_predict``, ``cleanlab.filter.find_label_issues`` (cleanlab's published recipe);
- ``dqlint``: ``dqlint.analysis.label_noise.find_label_noise`` (what the label-accuracy rule runs:
  word, character and, with the ``wordllama`` package installed, embedding views);
- ``dqlint, word+char`` (``--two-views``): the same without the embedding view, which is what
  runs where ``wordllama`` is not installed.

Both run with one BLAS thread per process: on a shared 2-core machine BLAS threads fighting
over the cores made the baseline's lbfgs nine times slower, which would be unfair to it.

``--timing`` adds the speed cases: 25,000 long documents built from the BBC articles (each
document = sentences drawn at random from articles of one class until it reaches the length
of a random real article, so vocabulary and length are real but no two documents are equal;
mean ~2,200 characters), and 100,000 synthetic tickets. Times are wall-clock seconds with the
CPU seconds of this process in brackets (the machine is shared: wall > CPU means others ran).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "sample_data" / "label_accuracy"))

RATE = 0.05
SIMILAR = {
    "tweets": [("joy", "optimism"), ("anger", "sadness")],
    "bbc": [("business", "tech"), ("business", "politics")],
    "waimai": [("positive", "negative")],
    "alpaca": [("oasst", "helpful_base"), ("selfinstruct", "koala")],
    "tickets": [("shipping", "returns"), ("billing", "account")],
}
DIRECTED = {"waimai"}  # binary: flips go one way only (praise marked negative)


def real_data_folder(given: str | None) -> Path | None:
    """--data, $DQLINT_REAL_DATA, or shared/data/real beside the checkout (or its parent)."""
    candidates = [given, os.environ.get("DQLINT_REAL_DATA"), ROOT.parent / "shared" / "data" / "real",
                  ROOT.parent.parent / "shared" / "data" / "real"]
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c)
    return None


def load_set(name: str, real: Path | None) -> tuple[list[str], list[str]]:
    import pandas as pd

    if name == "tickets":
        import make_tickets

        texts, truth, _, _ = make_tickets.make(10_000, flip=0.0, seed=2, confuse=0.4)
        return texts, truth
    if real is None:
        raise FileNotFoundError("real data folder not found (give --data)")
    if name == "tweets":
        frame = pd.read_csv(real / "tweeteval_emotion" / "train.csv")
        names = dict(line.split("\t") for line in (real / "tweeteval_emotion" / "mapping.txt").read_text().split("\n") if line)
        return frame["text"].astype(str).tolist(), [names[str(v)] for v in frame["label"]]
    if name == "bbc":
        frame = pd.read_csv(real / "bbc_news" / "bbc_news_train.csv")
        return frame["Text"].astype(str).tolist(), frame["Category"].astype(str).tolist()
    if name == "waimai":
        frame = pd.read_csv(real / "meituan_waimai" / "waimai_10k.csv")
        return frame["review"].astype(str).tolist(), ["positive" if v == 1 else "negative" for v in frame["label"]]
    if name == "alpaca":
        frame = pd.read_json(real / "alpaca_eval" / "outputs.json")
        return frame["instruction"].astype(str).tolist(), frame["dataset"].astype(str).tolist()
    raise KeyError(name)


def plant(name: str, truth: list[str], mode: str, seed: int = 0) -> tuple[list[str], set[int]]:
    """Flip RATE of the labels; returns (given labels, flipped rows)."""
    rng = random.Random(seed)
    classes = sorted(set(truth))
    given = list(truth)
    if mode == "uniform":
        rows = rng.sample(range(len(truth)), round(RATE * len(truth)))
        for i in rows:
            given[i] = rng.choice([c for c in classes if c != truth[i]])
        return given, set(rows)
    partner: dict[str, list[str]] = {}
    for a, b in SIMILAR[name]:
        partner.setdefault(a, []).append(b)
        if name not in DIRECTED:
            partner.setdefault(b, []).append(a)
    eligible = [i for i, t in enumerate(truth) if t in partner]
    rows = rng.sample(eligible, min(len(eligible), round(RATE * len(truth))))
    for i in rows:
        given[i] = rng.choice(partner[truth[i]])
    return given, set(rows)


def cleanlab_baseline(texts: list[str], labels: list[str]) -> list[int]:
    import cleanlab.filter
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    classes = sorted(set(labels))
    y = np.array([classes.index(v) for v in labels])
    x = TfidfVectorizer(ngram_range=(1, 2)).fit_transform(texts)
    probs = cross_val_predict(LogisticRegression(max_iter=1000), x, y, cv=5, method="predict_proba")
    return np.flatnonzero(cleanlab.filter.find_label_issues(labels=y, pred_probs=probs, n_jobs=1)).tolist()


def dqlint_method(views: tuple[str, ...] | None = None) -> Callable[[list[str], list[str]], list[int]]:
    def run(texts: list[str], labels: list[str]) -> list[int]:
        from dqlint.analysis.label_noise import VIEWS, find_label_noise

        found = find_label_noise(texts, labels, views=views or VIEWS)
        run.noise = (found.noise_rate, found.noise_interval)  # type: ignore[attr-defined]
        return [s.index for s in found.suspects]

    return run


def timed(fn: Callable, *args: object) -> tuple[object, float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - t0, time.process_time() - c0


# The long-document proxy is binary like the held-out movie reviews: BBC's five classes in two
# groups (hard news vs sport/entertainment).
LONG_GROUPS = {"business": "news", "politics": "news", "tech": "news", "sport": "leisure", "entertainment": "leisure"}


def long_documents(real: Path, n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """n binary documents of real BBC sentences, shaped like movie reviews: lengths log-normal
    (median 950 characters, mean ~1,300, capped at 10,000, like IMDB's 25k reviews), each from
    one group's articles with a random 0-40 % of its sentences from the other group, so some
    documents are genuinely ambiguous (as real label errors are) and none are equal."""
    texts, labels = load_set("bbc", real)
    rng = random.Random(seed)
    sentences: dict[str, list[str]] = {"news": [], "leisure": []}
    for t, lab in zip(texts, labels):
        sentences[LONG_GROUPS[lab]].extend(s.strip() for s in t.split(". ") if len(s.strip()) > 20)
    docs, truth = [], []
    for _ in range(n):
        group = rng.choice(("news", "leisure"))
        other = "leisure" if group == "news" else "news"
        target = min(10_000, max(150, int(rng.lognormvariate(math.log(950), 0.75))))
        mix = rng.uniform(0.0, 0.4)
        parts, size = [], 0
        while size < target:
            s = rng.choice(sentences[other] if rng.random() < mix else sentences[group])
            parts.append(s)
            size += len(s) + 2
        docs.append(". ".join(parts))
        truth.append(group)
    return docs, truth


def row(cells: list[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder with the real data sets (shared/data/real)")
    parser.add_argument("--sets", default="tweets,bbc,waimai,alpaca,tickets")
    parser.add_argument("--timing", action="store_true", help="add 25k long documents and 100k rows")
    parser.add_argument("--timing-baseline", action="store_true", help="also time the baseline on 25k long documents (slow)")
    parser.add_argument("--flip-seed", type=int, default=0, help="seed of the planted flips (other seeds: how robust a lead is)")
    parser.add_argument("--two-views", action="store_true", help="add dqlint without the embedding view (no wordllama)")
    args = parser.parse_args()

    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # after numpy; the libraries scipy/sklearn load later are limited below too
    import warnings

    warnings.filterwarnings("ignore")
    real = real_data_folder(args.data)
    methods: list[tuple[str, Callable]] = [("cleanlab baseline", cleanlab_baseline), ("dqlint", dqlint_method())]
    if args.two_views:
        methods.append(("dqlint, word+char", dqlint_method(("word", "char"))))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; flips planted: {RATE:.0%} "
          f"(seed {args.flip_seed})\n")
    print(row(["set", "rows", "flips", "method", "flagged", "precision", "recall", "est. noise (95 % interval)", "seconds wall (CPU)"]))
    print(row(["---"] * 9))
    for name in filter(None, args.sets.split(",")):
        if name != "tickets" and real is None:
            print(f"<!-- {name}: skipped, real data folder not found -->")
            continue
        texts, truth = load_set(name, real)
        for mode in ("uniform", "similar"):
            given, flipped = plant(name, truth, mode, args.flip_seed)
            for label, method in methods:
                with threadpool_limits(1):
                    found, wall, cpu = timed(method, texts, given)
                hits = len(set(found) & flipped)
                noise = getattr(method, "noise", None)
                noise_text = f"{noise[0]:.3f} ({noise[1][0]:.3f}–{noise[1][1]:.3f})" if noise and noise[1] else ""
                print(row([name, f"{len(texts):,}", mode, label, f"{len(found):,}", f"{hits / max(1, len(found)):.3f}",
                           f"{hits / len(flipped):.3f}", noise_text, f"{wall:.1f} ({cpu:.1f})"]), flush=True)
    if args.timing:
        timing(real, args.timing_baseline)


def timing(real: Path | None, with_baseline: bool) -> None:
    import make_tickets
    from threadpoolctl import threadpool_limits

    cases = []
    if real is not None:
        docs, truth = long_documents(real, 25_000)
        given, flipped = plant("long", truth, "uniform")
        label = (f"25,000 long documents (binary, BBC sentences, mean {sum(map(len, docs)) / len(docs):,.0f} chars, "
                 f"max {max(map(len, docs)):,})")
        cases.append((label, docs, given, flipped))
    texts, _, given, flipped = make_tickets.make(100_000, flip=RATE, seed=1)
    cases.append(("100,000 tickets", texts, given, set(flipped)))
    print("\n" + row(["timing case", "method", "flagged", "precision", "recall", "seconds wall (CPU)"]))
    print(row(["---"] * 6))
    for label, texts, given, flipped in cases:
        methods = [("dqlint", dqlint_method())]
        if with_baseline and label.startswith("25,000"):
            methods.append(("cleanlab baseline", cleanlab_baseline))
        for name, method in methods:
            with threadpool_limits(1):
                found, wall, cpu = timed(method, texts, given)
            hits = len(set(found) & flipped)
            print(row([label, name, f"{len(found):,}", f"{hits / max(1, len(found)):.3f}", f"{hits / len(flipped):.3f}", f"{wall:.1f} ({cpu:.1f})"]), flush=True)


if __name__ == "__main__":
    main()
