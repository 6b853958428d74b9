"""Review sheets, sampling and interval maths behind `dqlint sample` and label-accuracy."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import read_rows, write_rows

from dqlint.analysis.statistics import (
    more_rows_needed,
    sample_size,
    stratified_sample,
    wilson_interval,
)
from dqlint.commands.sample import sample
from dqlint.data.ingest import dataset_from_records
from dqlint.errors import InputError, UsageError
from dqlint.toolkit.review_match import estimate_accuracy, match_review, row_hashes
from dqlint.toolkit.review_sheet import (
    SECTION_RANDOM,
    SECTION_SUSPECT,
    SHEET_COLUMNS,
    parse_verdict,
    read_sheet,
)

ROOT = Path(__file__).resolve().parents[1]
TICKETS = ROOT / "sample_data" / "label_accuracy" / "tickets.csv"
Z = 1.959963984540054


# -- Wilson interval -------------------------------------------------------------------------------


def test_wilson_all_correct_has_upper_bound_one_and_closed_form_lower_bound():
    low, high = wilson_interval(10, 10)
    assert high == 1.0
    assert low == pytest.approx(10 / (10 + Z * Z))  # 0.7225, the textbook value
    assert low == pytest.approx(0.7225, abs=1e-4)


def test_wilson_none_correct_has_lower_bound_zero():
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(Z * Z / (10 + Z * Z))  # 0.2775
    assert high == pytest.approx(0.2775, abs=1e-4)


def test_wilson_tiny_samples_stay_inside_zero_one():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(1, 1)
    assert high == 1.0 and low == pytest.approx(1 / (1 + Z * Z))  # 0.2065: one row says little
    low, high = wilson_interval(1, 2)
    assert 0.0 < low < 0.5 < high < 1.0
    assert low == pytest.approx(1 - high)  # symmetric at p = 0.5


def test_wilson_middle_matches_reference_value():
    # 81 of 263: Wilson 95 % interval 0.2553..0.3662 (Newcombe 1998 style worked example)
    low, high = wilson_interval(81, 263)
    p, n = 81 / 263, 263
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    assert (low, high) == pytest.approx((centre - half, centre + half))
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


def test_finite_population_correction_narrows_and_whole_population_is_exact():
    plain = wilson_interval(180, 200)
    corrected = wilson_interval(180, 200, population=400)
    assert corrected[0] > plain[0] and corrected[1] < plain[1]
    assert wilson_interval(180, 200, population=200) == (0.9, 0.9)
    # a huge population changes nothing
    assert wilson_interval(180, 200, population=10**9) == pytest.approx(plain)


# -- verdicts ---------------------------------------------------------------------------------------


def test_pass_when_lower_bound_clears_the_bar():
    est = estimate_accuracy(200, 200, bar=0.95)
    assert est.verdict == "pass" and est.low >= 0.95 and est.more_rows is None


def test_fail_when_upper_bound_is_below_the_bar():
    est = estimate_accuracy(160, 200, bar=0.95)
    assert est.verdict == "fail" and est.high < 0.95


def test_warn_when_interval_straddles_the_bar_says_how_many_more_rows():
    est = estimate_accuracy(195, 200, bar=0.95, population=100_000)
    assert est.verdict == "warn" and est.low < 0.95 <= est.high
    more = est.more_rows
    assert more is not None and more > 0
    p = 195 / 200
    # exactly enough: `more` extra rows at the same accuracy settle it, one fewer does not
    low, _ = wilson_interval(p * (200 + more), 200 + more, population=100_000)
    low_before, _ = wilson_interval(p * (199 + more), 199 + more, population=100_000)
    assert low >= 0.95 > low_before


def test_nothing_reviewed_is_unreviewed_not_pass():
    est = estimate_accuracy(0, 0)
    assert est.verdict == "unreviewed" and est.accuracy is None


def test_more_rows_needed_edge_cases():
    assert more_rows_needed(200, 200, 0.95) == 0  # settled already
    assert more_rows_needed(19, 20, 0.95) is None  # sits on the bar: no amount settles it
    assert more_rows_needed(19, 20, 0.95, population=40) == 20  # ...unless everything is reviewed
    assert more_rows_needed(0, 0, 0.95) is None


def test_sample_size_for_a_margin():
    # worst case p = 0.5, +-3 points: the textbook 1,068 (normal approx.); Wilson gives 1,064
    assert sample_size(0.03, 10**9, expected=0.5) == pytest.approx(1068, rel=0.01)
    n = sample_size(0.03, 10**9, expected=0.95)
    low, high = wilson_interval(0.95 * n, n)
    assert max(0.95 - low, high - 0.95) <= 0.03
    low, high = wilson_interval(0.95 * (n - 1), n - 1)
    assert max(0.95 - low, high - 0.95) > 0.03
    assert sample_size(0.05, 10**9) < n  # wider margin, fewer rows
    assert sample_size(0.03, 50) <= 50  # never more than there is
    with pytest.raises(UsageError):
        sample_size(0, 100)


# -- sampling ---------------------------------------------------------------------------------------


def test_stratified_sample_keeps_label_shares():
    strata = ["a"] * 700 + ["b"] * 200 + ["c"] * 100
    rows = stratified_sample(strata, 100, seed=3)
    assert len(rows) == len(set(rows)) == 100
    assert Counter(strata[r] for r in rows) == {"a": 70, "b": 20, "c": 10}


def test_stratified_sample_rounds_by_largest_remainder():
    strata = ["a"] * 5 + ["b"] * 3 + ["c"] * 2
    counts = Counter(strata[r] for r in stratified_sample(strata, 5, seed=0))
    assert counts == {"a": 2, "b": 2, "c": 1} or counts == {"a": 3, "b": 1, "c": 1}  # 2.5/1.5/1.0
    assert sum(counts.values()) == 5


def test_same_seed_same_sample_other_seed_other_sample():
    strata = [str(i % 7) for i in range(5000)]
    assert stratified_sample(strata, 200, seed=42) == stratified_sample(strata, 200, seed=42)
    assert stratified_sample(strata, 200, seed=42) != stratified_sample(strata, 200, seed=43)


def test_sample_order_is_random_not_grouped_by_label():
    strata = ["a"] * 500 + ["b"] * 500
    rows = stratified_sample(strata, 100, seed=1)
    first_half = Counter(strata[r] for r in rows[:50])
    assert 15 <= first_half["a"] <= 35  # a reviewer stopping half way still has a mixed sample


def test_sample_larger_than_data_takes_everything():
    assert sorted(stratified_sample(["x", "y", "y"], 10)) == [0, 1, 2]


def test_sample_api_returns_sheet_frame_without_writing():
    frame = sample(str(TICKETS), n=50, seed=5)
    assert list(frame.columns) == SHEET_COLUMNS
    assert len(frame) == 50 and set(frame["section"]) == {SECTION_RANDOM}
    assert (frame["correct"] == "").all() and (frame["corrected_label"] == "").all()
    assert frame["row_hash"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert frame.attrs["summary"]["population"] == 2000
    again = sample(str(TICKETS), n=50, seed=5)
    assert list(again["record"]) == list(frame["record"])
    # stratified over the file's five labels in proportion
    shares = Counter(frame["given_label"])
    assert set(shares) == {"billing", "shipping", "technical", "account", "returns"}


def test_sample_by_margin_and_both_is_an_error():
    frame = sample(str(TICKETS), margin=0.05, seed=0)
    assert len(frame) == sample_size(0.05, 2000)
    with pytest.raises(UsageError):
        sample(str(TICKETS), n=10, margin=0.05)


def test_suspects_come_first_in_their_own_section():
    frame = sample(str(TICKETS), n=40, seed=0, suspects=True, max_suspects=15)
    sections = list(frame["section"])
    assert sections[:15] == [SECTION_SUSPECT] * 15 and sections[15:] == [SECTION_RANDOM] * 40
    suspects = frame[frame["section"] == SECTION_SUSPECT]
    assert (suspects["suggested_label"] != suspects["given_label"]).all()
    assert suspects["suspect_score"].is_monotonic_decreasing
    # no row appears in both sections
    assert not set(suspects["record"]) & set(frame[frame["section"] == SECTION_RANDOM]["record"])


# -- writing and reading the sheet ------------------------------------------------------------------


def _dangerous_dataset():
    return dataset_from_records(
        [
            {"text": "=HYPERLINK(\"http://evil\",\"click\")", "label": "-1"},
            {"text": "+1 555 0100 called", "label": "+1"},
            {"text": "@SUM(A1:A9)", "label": "pos"},
            {"text": "\tcmd|' /C calc'!A0", "label": "pos"},
            {"text": "plain text", "label": "neg"},
        ],
        path="dangerous.jsonl",
    )


def test_formula_cells_are_neutralised_in_csv_and_restored_on_read(tmp_path):
    ds = _dangerous_dataset()
    path = tmp_path / "review.csv"
    frame = sample(ds, n=5, output=path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        raw = list(csv.reader(fh))
    cells = [c for row in raw[1:] for c in row]
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert "'=HYPERLINK(\"http://evil\",\"click\")" in cells and "'-1" in cells and "'+1" in cells
    assert "'\tcmd|' /C calc'!A0" in cells and "plain text" in cells
    entries = read_sheet(str(path))
    assert sorted(e.given_label for e in entries) == sorted(frame["given_label"])  # quotes removed
    assert "-1" in {e.given_label for e in entries}


def test_never_overwrites_without_force(tmp_path):
    path = tmp_path / "review.csv"
    path.write_text("precious\n")
    with pytest.raises(UsageError, match="exists"):
        sample(str(TICKETS), n=5, output=path)
    assert path.read_text() == "precious\n"
    sample(str(TICKETS), n=5, output=path, force=True)
    assert path.read_text(encoding="utf-8-sig").startswith("section,path,line,record,row_hash")


def test_never_overwrites_an_input_even_with_force(tmp_path):
    data = tmp_path / "train.csv"
    data.write_text(TICKETS.read_text(encoding="utf-8"), encoding="utf-8")
    before = data.read_bytes()
    with pytest.raises(UsageError, match="input"):
        sample(str(data), n=5, output=str(data).replace("train.csv", "train.csv"), force=True)
    assert data.read_bytes() == before


def test_jsonl_sheet_round_trip(tmp_path):
    path = tmp_path / "review.jsonl"
    frame = sample(str(TICKETS), n=20, seed=1, output=path)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 20 and list(lines[0]) == SHEET_COLUMNS
    assert lines[0]["correct"] == "" and isinstance(lines[0]["record"], int)
    entries = read_sheet(str(path))
    assert [e.row_hash for e in entries] == list(frame["row_hash"])


def test_wrong_extension_is_refused(tmp_path):
    with pytest.raises(UsageError, match=".csv or .jsonl"):
        sample(str(TICKETS), n=5, output=tmp_path / "review.xlsx")


@pytest.mark.parametrize(
    "cell, verdict",
    [("yes", True), ("YES", True), ("y", True), ("1", True), ("True", True), (" no ", False), ("N", False),
     ("0", False), ("false", False), ("FALSE", False), ("", None), (None, None), (1, True), (0, False), (True, True)],
)
def test_verdicts(cell, verdict):
    assert parse_verdict(cell) == (verdict, None)


def test_unknown_verdict_is_a_problem_not_a_guess():
    verdict, problem = parse_verdict("maybe")
    assert verdict is None and "maybe" in problem


def test_read_sheet_errors_are_one_line(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_sheet(str(tmp_path / "missing.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="row_hash"):
        read_sheet(str(bad))


# -- matching a filled sheet to edited data ---------------------------------------------------------


def _fill(path: Path, verdicts: dict[int, tuple[str, str]]) -> None:
    """Fill `correct`/`corrected_label` by record index (others: yes)."""
    rows = read_rows(path)
    for r in rows:
        r["correct"], r["corrected_label"] = verdicts.get(int(r["record"]), ("yes", ""))
    write_rows(path, rows)


def _records():
    return [{"text": f"ticket number {i} about {'billing' if i % 2 else 'shipping'}", "label": "billing" if i % 2 else "shipping"} for i in range(40)]


def test_stale_rows_are_detected_and_fixed_rows_count_correct(tmp_path):
    records = _records()
    ds = dataset_from_records(records, path="train.jsonl")
    sheet = tmp_path / "review.csv"
    sample(ds, n=40, output=sheet)
    _fill(sheet, {3: ("no", "shipping"), 5: ("no", "shipping"), 7: ("no", "")})
    # the data changes after review: row 1 edited, row 3 relabelled as the reviewer said,
    # row 5 relabelled to something else, row 39 removed
    records[1] = {**records[1], "text": records[1]["text"] + " (edited)"}
    records[3] = {**records[3], "label": "shipping"}
    records[5] = {**records[5], "label": "returns"}
    edited = dataset_from_records(records[:39], path="train.jsonl")
    match = match_review(edited, read_sheet(str(sheet)))
    stale = {e.location.record: why for e, _, why in match.stale}
    assert set(stale) == {1, 5, 39}
    assert stale[1] == "row edited since review"
    assert "label changed from 'billing' to 'returns'" in stale[5]
    assert stale[39] == "row no longer in the data"
    assert [e.location.record for e, _ in match.fixed] == [3]
    assert match.count == 37 and match.correct == 36  # row 7 is still wrong; row 3 is fixed


def test_suspect_section_is_excluded_from_the_estimate(tmp_path):
    ds = dataset_from_records(_records(), path="train.jsonl")
    sheet = tmp_path / "review.csv"
    frame = sample(ds, n=10, seed=2, output=sheet)
    rows = read_rows(sheet)
    hashes = row_hashes(ds)  # one file: row index == record index
    others = sorted(set(range(40)) - set(frame["record"]))[:5]
    extra = [{**rows[0], "section": SECTION_SUSPECT, "record": r, "row_hash": hashes[r], "correct": "no"} for r in others]
    for r in rows:
        r["correct"] = "yes"
    write_rows(sheet, extra + rows)
    match = match_review(ds, read_sheet(str(sheet)))
    assert match.count == 10 and match.correct == 10
    assert len(match.suspects_reviewed) == 5


def test_blank_verdicts_are_not_reviewed_and_corrected_label_implies_wrong(tmp_path):
    ds = dataset_from_records(_records(), path="train.jsonl")
    sheet = tmp_path / "review.csv"
    frame = sample(ds, n=6, seed=0, output=sheet)
    recs = list(frame["record"])
    rows = read_rows(sheet)
    rows[0]["correct"] = "yes"
    rows[1]["corrected_label"] = "returns"  # no verdict, but a different label: wrong
    rows[2]["correct"] = "perhaps"
    write_rows(sheet, rows)
    match = match_review(ds, read_sheet(str(sheet)))
    assert (match.count, match.correct, match.not_reviewed, len(match.unreadable)) == (2, 1, 3, 1)
    assert match.unreadable[0].sheet_line == 4 and len(recs) == 6


# -- the command ------------------------------------------------------------------------------------


def _dqlint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(check=False, args=[sys.executable, "-m", "dqlint", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"})


def test_cli_writes_sheet_and_refuses_to_overwrite(tmp_path):
    out = _dqlint("sample", str(TICKETS), "-n", "25", "--seed", "4", "-o", "review.csv", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Wrote 25 random rows of 2,000 to review.csv" in out.stderr
    assert "--review review.csv" in out.stderr
    rows = read_rows(tmp_path / "review.csv")
    assert len(rows) == 25
    again = _dqlint("sample", str(TICKETS), "-n", "25", "-o", "review.csv", cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr.strip().splitlines() == ["dqlint: error: review.csv: file exists; use --force to replace it"]


def test_cli_unreadable_input_is_one_line_exit_2(tmp_path):
    out = _dqlint("sample", "missing.jsonl", "-o", "review.csv", cwd=tmp_path)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and "missing.jsonl" in out.stderr
    assert not (tmp_path / "review.csv").exists()


def test_cli_margin_sizes_the_sample(tmp_path):
    out = _dqlint("sample", str(TICKETS), "--margin", "0.05", "-o", "r.jsonl", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    n = sample_size(0.05, 2000)
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == n
    assert f"Wrote {n} random rows" in out.stderr
