"""Issue 14 (files, cache, limits, config): hostile files and settings end in a finding or a
clear one-line error, never in data loss, a hang, a crash or a poisoned verdict.

Cases that could hang run the CLI in a subprocess with a timeout, so a hang fails the test
instead of blocking the suite; cases that could eat memory measure the child's peak RSS.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLES, write_jsonl

DIRTY = SAMPLES / "chat" / "dirty"
MB = 1 << 20

# Runs the CLI and reports the child's peak resident memory on stderr's last line. VmHWM is the
# peak of this process's own memory map: ru_maxrss would also count the parent pytest process,
# whose high-water mark Linux carries over into a child across exec.
_RSS_RUNNER = """
import re, sys
from dqlint.cli import main
try:
    main(sys.argv[1:])
finally:
    with open("/proc/self/status") as fh:
        peak = re.search(r"VmHWM:\\s*(\\d+) kB", fh.read())
    print(f"maxrss_kb={peak[1] if peak else 0}", file=sys.stderr)
"""


class Run:
    def __init__(self, proc: subprocess.CompletedProcess[str]) -> None:
        self.code = proc.returncode
        self.out = proc.stdout
        lines = proc.stderr.splitlines()
        self.rss_mb = 0.0
        if lines and lines[-1].startswith("maxrss_kb="):
            self.rss_mb = int(lines.pop().split("=", 1)[1]) / 1024
        self.err = "\n".join(lines) + ("\n" if lines else "")

    def json(self) -> dict:
        return json.loads(self.out)


def run_cli(*args: str, cwd: Path, timeout: float = 60) -> Run:
    """`dqlint ARGS` in a child process: a hang becomes subprocess.TimeoutExpired (a failure)."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GITHUB_STEP_SUMMARY", None)
    proc = subprocess.run(
        [sys.executable, "-c", _RSS_RUNNER, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )
    return Run(proc)


def findings(report: dict, rule: str = "format-consistency") -> list[dict]:
    return next(r for r in report["rules"] if r["id"] == rule)["findings"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def cache_entries(folder: Path) -> list[Path]:
    """Every cached report under a cache folder, wherever the cache keeps them."""
    return sorted(p for p in folder.rglob("*.json") if p.is_file())


# -- 1. the cache never deletes what it did not write ------------------------------------------


def _data_folder_of_json_parts(folder: Path, n: int = 40) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"part{i:02d}.json").write_text(json.dumps([{"text": f"hello {i} world", "label": "a"}]), encoding="utf-8")
    return folder


def test_cache_dir_pointing_at_the_data_folder_is_refused_and_deletes_nothing(dqlint_cli, tmp_path, monkeypatch):
    data = _data_folder_of_json_parts(tmp_path / "data")
    before = snapshot(data)
    (tmp_path / "dqlint.toml").write_text('train = ["data"]\ncache-dir = "data"\nselect = ["dataset-size"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = dqlint_cli("check", "-f", "json")
    assert snapshot(data) == before  # not one file deleted, none written among them
    assert res.code == 2 and "cache-dir" in res.err and "data" in res.err and res.err.count("\n") == 1


def test_pruning_never_touches_files_the_cache_did_not_write(dqlint_cli, tmp_path, monkeypatch):
    import dqlint.engine.cache as cache_module

    shutil.copy(DIRTY / "train.jsonl", tmp_path / "train.jsonl")
    foreign = tmp_path / "shared-cache"
    foreign.mkdir()
    # Someone else's files, named like cache entries of an older version.
    for i in range(5):
        (foreign / f"{i:064x}.json").write_text('{"schema_version": 1, "verdict": "go"}', encoding="utf-8")
    (foreign / "notes.json").write_text("{}", encoding="utf-8")
    before = snapshot(foreign)
    (tmp_path / "dqlint.toml").write_text('cache-dir = "shared-cache"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cache_module, "KEEP_ENTRIES", 1)
    for select in ("dataset-size", "format-consistency", "dataset-size,format-consistency"):
        assert dqlint_cli("check", "train.jsonl", "--select", select, "-f", "json").code in (0, 1)
    assert {k: v for k, v in snapshot(foreign).items() if k in before} == before
    ours = [p for p in cache_entries(foreign) if p.name not in before]
    assert len(ours) == 1  # pruning did run, on its own entries only


# -- 3. a tampered cache entry is discarded and recomputed -------------------------------------


@pytest.fixture
def cached_dirty_run(dqlint_cli, tmp_path, monkeypatch):
    shutil.copy(DIRTY / "train.jsonl", tmp_path / "train.jsonl")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    args = ("check", "train.jsonl", "--isolated", "--select", "format-consistency,dataset-size")
    first = dqlint_cli(*args, "-f", "json")
    assert first.code == 1
    (entry,) = cache_entries(tmp_path / ".dqlint_cache")
    return args, first, entry


@pytest.mark.parametrize("fmt", ["json", "terminal"])
def test_a_forged_cache_entry_is_discarded_and_recomputed(dqlint_cli, cached_dirty_run, fmt):
    args, first, entry = cached_dirty_run
    entry.write_text('{"schema_version":1,"verdict":"go"}', encoding="utf-8")
    res = dqlint_cli(*args, "-f", fmt)
    assert res.code == 1, res.err
    assert "internal error" not in res.err
    if fmt == "json":
        assert res.json() == first.json()


def test_an_edited_verdict_in_a_well_formed_entry_is_recomputed(dqlint_cli, cached_dirty_run):
    args, first, entry = cached_dirty_run
    text = entry.read_text(encoding="utf-8")
    assert '"no-go"' in text
    entry.write_text(text.replace('"no-go"', '"go"', 1), encoding="utf-8")
    res = dqlint_cli(*args, "-f", "json")
    assert res.code == 1 and res.json() == first.json()


def test_an_entry_copied_from_another_key_is_recomputed(dqlint_cli, cached_dirty_run, tmp_path):
    args, first, entry = cached_dirty_run
    clean = tmp_path / "clean.jsonl"
    write_jsonl(clean, [{"text": f"a perfectly fine example number {i}"} for i in range(150)])
    go_args = ("check", "clean.jsonl", "--isolated", "--select", "format-consistency,dataset-size")
    assert dqlint_cli(*go_args, "-f", "json").code == 0
    (go_entry,) = [p for p in cache_entries(tmp_path / ".dqlint_cache") if p != entry]
    shutil.copy(go_entry, entry)  # the "go" of another data set, under the dirty set's name
    res = dqlint_cli(*args, "-f", "json")
    assert res.code == 1 and res.json() == first.json()


# -- 5. special files never block ---------------------------------------------------------------


@pytest.fixture
def folder_with_special_files(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DIRTY / "train.jsonl", data / "train.jsonl")
    os.mkfifo(data / "pipe.jsonl")
    os.symlink("/dev/zero", data / "zero.jsonl")
    return data


@pytest.mark.parametrize("cache", [True, False])
def test_fifo_and_dev_zero_link_in_a_folder_are_skipped_with_a_finding(tmp_path, folder_with_special_files, cache):
    args = ["check", "data", "--isolated", "--select", "format-consistency", "-f", "json"] + ([] if cache else ["--no-cache"])
    res = run_cli(*args, cwd=tmp_path, timeout=20)
    assert res.code == 1, res.err
    report = res.json()
    assert [f["path"] for f in report["inputs"]] == ["data/train.jsonl"]
    skipped = {f["locations"][0]["path"]: f["message"] for f in findings(report) if f["details"]["kind"] == "not-regular-file"}
    assert set(skipped) == {"data/pipe.jsonl", "data/zero.jsonl"}
    assert all("not a regular file" in m for m in skipped.values())


@pytest.mark.parametrize("flag", ["--review", "--expectations", "--schema", "--baseline"])
def test_a_device_given_as_review_sheet_or_suite_is_an_error_not_a_hang(tmp_path, flag):
    shutil.copy(DIRTY / "train.jsonl", tmp_path / "train.jsonl")
    os.symlink("/dev/zero", tmp_path / "sheet.csv")
    res = run_cli("check", "train.jsonl", "--isolated", flag, "sheet.csv", cwd=tmp_path, timeout=20)
    assert res.code == 2 and "sheet.csv" in res.err and "not a regular file" in res.err
    assert res.err.count("\n") == 1


# -- 6. limits ----------------------------------------------------------------------------------


def _bomb(path: Path, line_mb: int) -> Path:
    """A .jsonl.gz of a few hundred kB whose second line expands to ``line_mb`` MB."""
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(b'{"text": "the first example", "label": "a"}\n{"text": "')
        chunk = b"a" * MB
        for _ in range(line_mb):
            fh.write(chunk)
        fh.write(b'", "label": "b"}\n{"text": "the third example", "label": "a"}\n')
    return path


def test_a_gzip_line_over_the_record_limit_is_a_finding_read_in_bounded_memory(tmp_path):
    _bomb(tmp_path / "train.jsonl.gz", 64)
    assert (tmp_path / "train.jsonl.gz").stat().st_size < 2 * MB
    (tmp_path / "dqlint.toml").write_text('select = ["format-consistency"]\n[limits]\nmax-record-size = "1 MB"\n', encoding="utf-8")
    res = run_cli("check", "train.jsonl.gz", "--no-cache", "-f", "json", cwd=tmp_path)
    assert res.code == 1, res.err
    report = res.json()
    (big,) = [f for f in findings(report) if f["details"]["kind"] == "record-too-large"]
    assert big["locations"][0]["line"] == 2 and "1 MB" in big["message"] and "max-record-size" in big["message"]
    assert report["summary"]["examples"] == 2  # lines 1 and 3 are still checked
    # Measured: 28 MB peak with the limit; 346 MB before it, when the 64 MB line was read whole.
    assert 0 < res.rss_mb < 100, f"peak RSS {res.rss_mb:.0f} MB: the over-long line was read into memory"


def test_a_file_over_the_size_limit_is_a_clear_error_naming_file_and_limit(tmp_path):
    _bomb(tmp_path / "train.jsonl.gz", 64)
    (tmp_path / "dqlint.toml").write_text('[limits]\nmax-file-size = "8 MB"\n', encoding="utf-8")
    res = run_cli("check", "train.jsonl.gz", "--no-cache", "-f", "json", cwd=tmp_path)
    assert res.code == 2
    assert "train.jsonl.gz" in res.err and "8 MB" in res.err and "max-file-size" in res.err
    assert res.err.count("\n") == 1 and "internal error" not in res.err
    assert 0 < res.rss_mb < 100


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".json"])
def test_a_record_over_the_limit_is_a_finding_at_its_line_and_the_rest_is_checked(tmp_path, suffix):
    texts = ["first example", "x" * (2 * MB), "third example"]
    path = tmp_path / f"train{suffix}"
    if suffix == ".jsonl":
        write_jsonl(path, [{"text": t} for t in texts])
    elif suffix == ".csv":
        path.write_text("text\n" + "".join(f"{t}\n" for t in texts), encoding="utf-8")
    else:
        path.write_text("[\n" + ",\n".join(json.dumps({"text": t}) for t in texts) + "\n]\n", encoding="utf-8")
    (tmp_path / "dqlint.toml").write_text('select = ["format-consistency"]\n[limits]\nmax-record-size = 1048576\n', encoding="utf-8")
    res = run_cli("check", path.name, "--no-cache", "-f", "json", cwd=tmp_path)
    assert res.code == 1, res.err
    report = res.json()
    (big,) = [f for f in findings(report) if f["details"]["kind"] == "record-too-large"]
    assert big["locations"][0]["path"] == path.name and big["locations"][0]["line"] == {".jsonl": 2, ".csv": 3, ".json": 3}[suffix]
    assert report["summary"]["examples"] == 2


@pytest.mark.parametrize(
    "table, message",
    [
        ('max-record-size = "lots"', "max-record-size"),
        ("max-record-size = -1", "max-record-size"),
        ('max-file-size = "1 MB"\nmax-record-size = "2 MB"', "max-record-size"),
        ("max-records = 5", "max-records"),
    ],
)
def test_bad_limits_are_config_errors_naming_the_setting(dqlint_cli, tmp_path, monkeypatch, table, message):
    (tmp_path / "dqlint.toml").write_text(f"[limits]\n{table}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--no-cache")
    assert res.code == 2 and message in res.err and res.err.count("\n") == 1


# -- 7. crashes that should be findings or clear errors ----------------------------------------


def _deep(open_: str, close: str, depth: int = 1000) -> str:
    return open_ * depth + '"x"' + close * depth


@pytest.mark.parametrize("shape", [('{"a": ', "}"), ("[", "]")], ids=["object", "array"])
@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_a_deeply_nested_label_is_a_finding_at_its_line(tmp_path, shape, suffix):
    rows = [
        '{"text": %s, "label": %s}' % (json.dumps(f"sample text number {i}"), _deep(*shape) if i == 3 else json.dumps("ab"[i % 2]))
        for i in range(20)
    ]
    path = tmp_path / f"train{suffix}"
    path.write_text("\n".join(rows) + "\n" if suffix == ".jsonl" else "[\n" + ",\n".join(rows) + "\n]\n", encoding="utf-8")
    res = run_cli("check", path.name, "--no-cache", "--isolated", "-f", "json", cwd=tmp_path, timeout=120)
    assert res.code == 1, res.err
    report = res.json()
    assert [r["id"] for r in report["rules"] if r["status"] == "error"] == []
    (deep,) = [f for f in findings(report) if f["details"]["kind"] == "too-deep"]
    assert deep["locations"][0]["line"] == (4 if suffix == ".jsonl" else 5)
    assert report["summary"]["examples"] == 19


def _corrupt_parquet(path: Path) -> Path:
    import random

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"text": [f"some text number {i} " * 5 for i in range(2000)], "label": ["a", "b"] * 1000})
    pq.write_table(table, path, compression="snappy")
    data = bytearray(path.read_bytes())
    rng = random.Random(0)
    for _ in range(50):  # page bytes only: the footer stays readable, the pages do not
        data[rng.randrange(4, len(data) // 2)] = rng.randrange(256)
    path.write_bytes(bytes(data))
    return path


def test_corrupt_parquet_pages_exit_2_naming_the_file(dqlint_cli, tmp_path):
    path = _corrupt_parquet(tmp_path / "train.parquet")
    res = dqlint_cli("check", str(path), "--no-cache", "--isolated", "--select", "format-consistency")
    assert res.code == 2, res.out
    assert "internal error" not in res.err and str(path) in res.err and "Parquet" in res.err
    assert res.err.count("\n") == 1


@pytest.mark.parametrize("text", ["", "   ", "!!"])
def test_every_text_empty_is_judged_without_a_crashing_rule(dqlint_cli, tmp_path, text):
    path = write_jsonl(tmp_path / "train.jsonl", [{"text": text, "label": "ab"[i % 2]} for i in range(200)])
    res = dqlint_cli("check", str(path), "--no-cache", "--isolated", "-f", "json")
    assert res.code == (0 if text.strip() else 1)  # blank texts are missing values; "!!" is text
    report = res.json()
    assert {r["id"]: r["message"] for r in report["rules"] if r["status"] == "error"} == {}
    assert next(r for r in report["rules"] if r["id"] == "label-accuracy")["status"] in ("skipped", "warn")


@pytest.mark.parametrize(
    "settings, named",
    [
        (["sensitive-content.ignore-kinds=[1, 2]"], "'ignore-kinds'"),
        (["sensitive-content.categories=[true]"], "'categories'"),
        (["edge-case-ratio.tag-values=[{a = 1}]"], "'tag-values'"),
        (["llm-artifacts.kinds=[1]"], "'kinds'"),
        (["format-consistency.ignore-keys=[[1]]"], "'ignore-keys'"),
        (["train-test-leakage.compare=[2]"], "'compare'"),
        (["edge-case-ratio.min-ratio=0.9", "edge-case-ratio.max-ratio=0.1"], "'min-ratio'"),
        (["edge-case-ratio.min-ratio=0.5"], "'max-ratio'"),  # above the default max of 0.2
    ],
)
def test_option_element_types_and_cross_option_constraints_exit_2_naming_the_option(dqlint_cli, settings, named):
    args = [a for s in settings for a in ("--set", s)]
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--no-cache", "--isolated", *args)
    assert res.code == 2, res.out[-500:]
    assert named in res.err and res.err.count("\n") == 1 and "internal error" not in res.err


def test_option_element_types_are_checked_in_config_files_too(dqlint_cli, tmp_path, monkeypatch):
    (tmp_path / "dqlint.toml").write_text("[rules.sensitive-content]\nignore-kinds = [1, 2]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--no-cache")
    assert res.code == 2 and "sensitive-content" in res.err and "'ignore-kinds'" in res.err and "a list of strings" in res.err


# -- outputs and inputs never mix ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["report.json", "report.html", "sub/report.md"])
def test_output_inside_an_input_folder_is_refused(dqlint_cli, tmp_path, name):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DIRTY / "train.jsonl", data / "train.jsonl")
    (data / "sub").mkdir()
    before = snapshot(data)
    res = dqlint_cli("check", str(data), "--no-cache", "-o", str(data / name))
    assert res.code == 2 and "input folder" in res.err and res.err.count("\n") == 1
    assert snapshot(data) == before and not (data / name).exists()


def test_own_outputs_in_a_data_folder_are_never_read_as_data(dqlint_cli, tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DIRTY / "train.jsonl", data / "train.jsonl")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert dqlint_cli("clean", "data/train.jsonl", "-q").code == 0
    assert (data / "train.clean.jsonl").exists() and (data / "train.dropped.jsonl").exists()
    # A report beside a file input is allowed; the next check of the folder must not read it.
    assert dqlint_cli("check", "data/train.jsonl", "--no-cache", "-f", "json", "-o", "data/report.json").code == 1
    assert dqlint_cli("baseline", "data/train.jsonl", "--isolated", "-o", "data/baseline.json").code == 0
    res = dqlint_cli("check", "data", "--no-cache", "-f", "json", "--select", "format-consistency,dataset-size")
    assert res.code == 1, res.err
    assert [f["path"] for f in res.json()["inputs"]] == ["data/train.jsonl"]
    # Cached runs hash the same files the loader reads: a new report does not change the key.
    before = len(cache_entries(tmp_path / ".dqlint_cache"))  # `dqlint baseline` ran a check too
    assert dqlint_cli("check", "data", "-f", "json", "--select", "dataset-size", "-o", "out.json").code == 0
    assert len(cache_entries(tmp_path / ".dqlint_cache")) == before + 1
    (data / "report.json").write_text((tmp_path / "out.json").read_text(encoding="utf-8"), encoding="utf-8")
    assert dqlint_cli("check", "data", "-f", "json", "--select", "dataset-size").code == 0
    assert len(cache_entries(tmp_path / ".dqlint_cache")) == before + 1


def test_a_data_file_merely_named_clean_is_still_read(dqlint_cli, tmp_path):
    """Only dqlint's own outputs are skipped: a user's `data.clean.jsonl` without its original
    beside it is data."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DIRTY / "train.jsonl", data / "train.clean.jsonl")
    res = dqlint_cli("check", str(data), "--no-cache", "--isolated", "--select", "dataset-size", "-f", "json")
    assert [Path(f["path"]).name for f in res.json()["inputs"]] == ["train.clean.jsonl"]


@pytest.mark.parametrize(
    "args",
    [
        ["clean", "data", "-o", "data/out/", "-q"],
        ["clean", "data", "-o", "data/out/", "--dropped", "dropped.jsonl", "-q"],
        ["sample", "data", "-o", "data/review.csv"],
        ["expectations", "export", "data", "-o", "data/suite.json"],
    ],
    ids=["clean-copy", "clean-copy-dropped-elsewhere", "review-sheet", "suite"],
)
def test_no_command_writes_inside_an_input_folder(dqlint_cli, tmp_path, monkeypatch, args):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DIRTY / "train.jsonl", data / "train.jsonl")
    monkeypatch.chdir(tmp_path)
    res = dqlint_cli(*args)
    assert res.code == 2 and "inside input folder data" in res.err, res.err
    assert [p.name for p in data.rglob("*")] == ["train.jsonl"]


def test_clean_drops_a_record_over_the_limit_and_keeps_the_rest(dqlint_cli, tmp_path, monkeypatch):
    words = ["apple", "river", "stone", "cloud", "tiger", "piano", "lemon", "orbit", "maple", "quartz"]
    rows = [{"text": f"{w} is the word of example {i}: nothing else alike"} for i, w in enumerate(words)]
    path = write_jsonl(tmp_path / "train.jsonl", rows[:2] + [{"text": "x" * (2 * MB)}] + rows[2:])
    (tmp_path / "dqlint.toml").write_text('[limits]\nmax-record-size = "1 MB"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = dqlint_cli("clean", "train.jsonl", "--keep-invalid", "--keep-duplicates", "-q")
    assert res.code == 0, res.err
    kept = [json.loads(line) for line in (tmp_path / "train.clean.jsonl").read_text(encoding="utf-8").splitlines()]
    assert kept == rows
    (dropped,) = [json.loads(line) for line in (tmp_path / "train.dropped.jsonl").read_text(encoding="utf-8").splitlines()]
    assert dropped["line"] == 3 and dropped["findings"][0]["kind"] == "record-too-large"
    assert path.stat().st_size > 2 * MB  # the input is untouched


def test_standard_input_over_the_file_limit_is_refused(tmp_path):
    (tmp_path / "dqlint.toml").write_text('[limits]\nmax-file-size = "1 MB"\n', encoding="utf-8")
    data = b'{"text": "' + b"a" * (3 * MB) + b'"}\n'
    proc = subprocess.run([sys.executable, "-m", "dqlint", "check", "-", "--no-cache"], cwd=tmp_path, input=data, capture_output=True, timeout=60)
    assert proc.returncode == 2 and b"<stdin>" in proc.stderr and b"max-file-size limit of 1 MB" in proc.stderr


def _compressed(suffix: str, data: bytes) -> bytes:
    import bz2
    import lzma

    return {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}[suffix](data)


@pytest.mark.parametrize("damage", ["flipped", "truncated"])
@pytest.mark.parametrize("name", ["t.jsonl.gz", "t.csv.gz", "t.json.gz", "t.jsonl.xz", "t.csv.bz2"])
def test_a_corrupt_compressed_stream_exits_2_naming_the_file(dqlint_cli, tmp_path, name, damage):
    n = 20_000
    if ".jsonl" in name:
        data = "".join(f'{{"text": "row {i} with words"}}\n' for i in range(n))
    elif ".csv" in name:
        data = "text\n" + "".join(f"row {i} with words\n" for i in range(n))
    else:
        data = "[" + ",".join(f'{{"text": "row {i}"}}' for i in range(n)) + "]"
    packed = bytearray(_compressed("." + name.rsplit(".", 1)[1], data.encode()))
    middle = len(packed) // 2
    if damage == "flipped":
        packed[middle : middle + 20] = b"\xff" * 20
    else:
        del packed[middle:]
    path = tmp_path / name
    path.write_bytes(bytes(packed))
    res = dqlint_cli("check", str(path), "--no-cache", "--isolated", "--select", "format-consistency")
    assert res.code == 2 and str(path) in res.err and "internal error" not in res.err and res.err.count("\n") == 1


@pytest.mark.parametrize("encoding, named", [("utf-16", "UTF-16"), ("utf-32", "UTF-32")])
def test_wide_encodings_are_named_as_they_are(dqlint_cli, tmp_path, encoding, named):
    path = tmp_path / "t.jsonl"
    path.write_bytes('{"text": "héllo"}\n'.encode(encoding))
    res = dqlint_cli("check", str(path), "--no-cache", "--isolated")
    assert res.code == 2 and f"{named} text; save it as UTF-8" in res.err
