"""HTML report size and render time on large inputs.

Two measurements:

1. ``synthetic``: the worst case for the page, a report where all 12 rules have 5,000 findings,
   each a pair of ~400-character texts (so every shown finding needs a word diff). The page
   caps findings per rule, so its size is bounded whatever the dataset size.
2. ``real`` (``--rows N``, default 100,000): a generated chat set with planted duplicates and
   train/test leaks, checked by ``dqlint.check``; times the check and the HTML rendering
   separately and reports the page size.

Run:  python benchmarks/bench_html_report.py [--rows 100000] [--skip-real]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _pair(i: int, a: str, b: str) -> dict:
    return {
        "message": f"2 near-identical examples (group {i})",
        "locations": [{"path": "big.jsonl", "line": 2 * i + 1, "record": 2 * i},
                      {"path": "big.jsonl", "line": 2 * i + 2, "record": 2 * i + 1}],
        "snippet": None,
        "details": {"texts": [a, b], "similarity": 0.93},
    }


def synthetic_report(findings_per_rule: int = 5000) -> dict:
    from duplicates_data import edit, texts_with_duplicates

    rng = random.Random(0)
    texts = texts_with_duplicates(findings_per_rule, seed=0, low=300, high=400)
    vocab = sorted({w for t in texts[:200] for w in t.split()})
    rules = []
    for r in range(12):
        findings = [_pair(i, t[:400], edit(rng, t, vocab)[:400]) for i, t in enumerate(texts)]
        rules.append({
            "id": f"rule-{r}", "summary": "synthetic", "criterion": "synthetic", "severity": "error",
            "status": "fail", "metric": {"name": "ratio", "value": 0.2, "threshold": 0.05},
            "message": f"{findings_per_rule} findings", "details": {"charts": []}, "findings": findings,
        })
    return {
        "schema_version": 1, "dqlint_version": "bench", "verdict": "no-go",
        "summary": {"reason": "synthetic", "records": 100_000, "findings": 12 * findings_per_rule,
                    "rules": {"fail": 12}},
        "inputs": [{"path": "big.jsonl", "split": "train", "format": "openai-chat", "records": 100_000}],
        "rules": rules,
    }


def time_render(report: dict) -> tuple[float, int]:
    from dqlint.reporters import RenderOptions
    from dqlint.reporters.html import render

    start = time.perf_counter()
    page = render(report, RenderOptions())
    return time.perf_counter() - start, len(page.encode("utf-8"))


def real_report(rows: int, workdir: Path) -> tuple[dict, float]:
    from duplicates_data import chat_records, split_with_leaks

    import dqlint

    train, test = split_with_leaks(chat_records(rows, seed=3), test_share=0.1)
    paths = {}
    for name, records in (("train", train), ("test", test)):
        paths[name] = workdir / f"{name}.jsonl"
        with paths[name].open("w", encoding="utf-8") as f:
            for record in records:
                f.write(json.dumps(record) + "\n")
    start = time.perf_counter()
    report = dqlint.check(str(paths["train"]), test=str(paths["test"]), config={})
    return report.to_dict(), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-real", action="store_true")
    args = parser.parse_args()

    seconds, size = time_render(synthetic_report())
    print(f"synthetic worst case (12 rules x 5,000 text pairs): render {seconds:.2f} s, page {size / 1e6:.2f} MB")

    if not args.skip_real:
        with tempfile.TemporaryDirectory() as tmp:
            report, check_seconds = real_report(args.rows, Path(tmp))
        seconds, size = time_render(report)
        findings = sum(len(r["findings"]) for r in report["rules"])
        print(
            f"real {args.rows:,} rows: check {check_seconds:.1f} s ({findings:,} findings, verdict "
            f"{report['verdict']}), HTML render {seconds:.2f} s, page {size / 1e6:.2f} MB"
        )


if __name__ == "__main__":
    main()
