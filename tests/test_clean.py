"""`dqlint clean` on real files: exact dropped records and reasons, byte-exact copies in every
format, nothing lost, inputs untouched, no overwriting."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
from conftest import SAMPLES, chat, write_jsonl

import dqlint

DIRTY = SAMPLES / "chat/dirty"


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def nonblank_lines(path: Path) -> list[bytes]:
    """Lines as the loader numbers them: 1-based line -> bytes (blank lines are no records)."""
    return Path(path).read_bytes().splitlines(keepends=True)


def dropped_entries(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


# The dirty chat sample: what each line is dropped for (sample_data/generate.py plants them).
DIRTY_TRAIN_DROPS = {
    5: ("format-consistency", "invalid-json"),
    10: ("format-consistency", "role"),
    15: ("format-consistency", "no-assistant"),
    20: ("format-consistency", "not-object"),
    25: ("format-consistency", "empty-content"),
    35: ("sensitive-content", "email,openai-api-key"),
    40: ("sensitive-content", "ignore-instructions,reveal-system-prompt"),
    45: ("format-consistency", "role-order"),
    91: ("train-test-leakage", "exact"),
    92: ("train-test-leakage", "exact"),
    101: ("train-test-leakage", "exact"),
    121: ("near-duplicates", "exact"),
    122: ("near-duplicates", "exact"),
    123: ("near-duplicates", "near"),
    124: ("near-duplicates", "exact"),
}


def test_dirty_sample_exact_drops_byte_exact_copy_and_inputs_untouched(dqlint_cli, tmp_path):
    train, test = DIRTY / "train.jsonl", DIRTY / "test.jsonl"
    before = {p: sha(p) for p in (train, test)}
    out = tmp_path / "out"
    res = dqlint_cli("clean", str(train), "--test", str(test), "-o", f"{out}/", "--drop-rule", "sensitive-content", "--isolated", "-q")
    assert res.code == 0, res.err
    assert {p: sha(p) for p in (train, test)} == before

    entries = dropped_entries(out / "dropped.jsonl")
    got = {e["line"]: (e["reasons"][0], e["findings"][0]["kind"]) for e in entries}
    assert got == DIRTY_TRAIN_DROPS
    assert all(e["path"] == str(train) and e["split"] == "train" for e in entries)
    # Each dropped record is its original line, unparseable ones included.
    lines = nonblank_lines(train)
    for e in entries:
        assert e["raw"].encode("utf-8") == lines[e["line"] - 1]
    # The copy is the input without the dropped lines, byte for byte; nothing lost.
    expected = b"".join(line for n, line in enumerate(lines, 1) if n not in DIRTY_TRAIN_DROPS)
    assert (out / "train.jsonl").read_bytes() == expected
    assert (out / "test.jsonl").read_bytes() == test.read_bytes()  # leaks are dropped from train by default
    kept = len(nonblank_lines(out / "train.jsonl"))
    assert kept + len(entries) == len(lines) == 124


def test_cleaned_copy_passes_the_rules_it_was_cleaned_for(dqlint_cli, tmp_path):
    out = tmp_path / "out"
    res = dqlint_cli("clean", str(DIRTY / "train.jsonl"), "--test", str(DIRTY / "test.jsonl"), "-o", str(out),
                     "--drop-rule", "sensitive-content", "--isolated", "-q")
    assert res.code == 0, res.err
    rules = "format-consistency,near-duplicates,train-test-leakage,sensitive-content"
    check = dqlint_cli("check", str(out / "train.jsonl"), "--test", str(out / "test.jsonl"), "--select", rules,
                       "--isolated", "--no-cache", "--format", "json")
    assert check.code == 0, check.out
    assert {r["id"]: r["status"] for r in check.json()["rules"]} == dict.fromkeys(rules.split(","), "pass")


def test_counts_per_reason_are_printed(dqlint_cli, tmp_path):
    res = dqlint_cli("clean", str(DIRTY / "train.jsonl"), "--test", str(DIRTY / "test.jsonl"), "-o", str(tmp_path / "o"), "--isolated")
    assert res.code == 0, res.err
    lines = res.out.splitlines()
    assert f"{DIRTY / 'train.jsonl'}: kept 111 of 124 records -> {tmp_path / 'o' / 'train.jsonl'}" in lines
    assert f"{DIRTY / 'test.jsonl'}: kept 33 of 33 records -> {tmp_path / 'o' / 'test.jsonl'}" in lines
    assert f"dropped 13 record(s) -> {tmp_path / 'o' / 'dropped.jsonl'}" in lines
    counts = {line.split()[0]: int(line.split()[1]) for line in lines if line.startswith("  ")}
    assert counts == {"format-consistency": 6, "near-duplicates": 4, "train-test-leakage": 3}


def test_leaked_rows_dropped_from_test_with_flag(dqlint_cli, tmp_path):
    out = tmp_path / "out"
    res = dqlint_cli("clean", str(DIRTY / "train.jsonl"), "--test", str(DIRTY / "test.jsonl"), "-o", str(out),
                     "--leaked-from", "test", "--keep-duplicates", "--keep-invalid", "--isolated", "-q")
    assert res.code == 0, res.err
    entries = dropped_entries(out / "dropped.jsonl")
    leaked = sorted((Path(e["path"]).name, e["line"]) for e in entries if e["reasons"] == ["train-test-leakage"])
    assert leaked == [("test.jsonl", 31), ("test.jsonl", 32), ("test.jsonl", 33)]
    # --keep-invalid keeps schema errors but never an unparseable line or a non-object.
    assert sorted(e["line"] for e in entries if e["reasons"] == ["format-consistency"]) == [5, 20]
    test_lines = nonblank_lines(DIRTY / "test.jsonl")
    assert (out / "test.jsonl").read_bytes() == b"".join(test_lines[:30])


def test_refuses_to_overwrite_without_force_and_an_input_ever(dqlint_cli, tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [chat("a", "b"), chat("a", "b"), chat("c", "d")])
    original = train.read_bytes()
    out = tmp_path / "out.jsonl"
    out.write_text("keep me\n")
    res = dqlint_cli("clean", str(train), "-o", str(out), "--isolated")
    assert res.code == 2
    assert res.err.strip() == f"dqlint: error: {out}: file exists; use --force to replace it"
    assert out.read_text() == "keep me\n"

    res = dqlint_cli("clean", str(train), "-o", str(train), "--force", "--isolated")
    assert res.code == 2
    assert "is an input of this run; dqlint never modifies its input" in res.err
    res = dqlint_cli("clean", str(train), "-o", str(out), "--dropped", str(train), "--force", "--isolated")
    assert res.code == 2 and "dqlint never modifies its input" in res.err
    assert train.read_bytes() == original

    res = dqlint_cli("clean", str(train), "-o", str(out), "--force", "--isolated", "-q")
    assert res.code == 0, res.err
    assert out.read_bytes() == original.splitlines(keepends=True)[0] + original.splitlines(keepends=True)[2]
    assert [e["line"] for e in dropped_entries(tmp_path / "train.dropped.jsonl")] == [2]


def test_default_output_beside_input_and_format_kept(dqlint_cli, tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [chat("a", "b"), chat("a", "b")])
    res = dqlint_cli("clean", str(train), "--isolated", "--max-drop", "1", "-q")
    assert res.code == 0, res.err
    assert (tmp_path / "train.clean.jsonl").read_bytes() == train.read_bytes().splitlines(keepends=True)[0]
    assert len(dropped_entries(tmp_path / "train.dropped.jsonl")) == 1
    res = dqlint_cli("clean", str(train), "-o", str(tmp_path / "x.csv"), "--isolated")
    assert res.code == 2 and "keeps its format: name it *.jsonl" in res.err


def test_csv_keeps_header_quoting_and_line_endings(dqlint_cli, tmp_path):
    data = (
        'text,label\r\n'
        '"Refund, please\r\nmy order 1",billing\r\n'
        'Where is my parcel,shipping\r\n'
        '"Refund, please\r\nmy order 1",billing\r\n'
        '\r\n'
        'bad,row,extra\r\n'
        'App crashes on start,technical'  # no final newline
    ).encode()
    path = tmp_path / "tickets.csv"
    path.write_bytes(data)
    out = tmp_path / "clean.csv"
    res = dqlint_cli("clean", str(path), "-o", str(out), "--isolated", "--max-drop", "1", "-q")
    assert res.code == 0, res.err
    assert out.read_bytes() == (
        b'text,label\r\n"Refund, please\r\nmy order 1",billing\r\nWhere is my parcel,shipping\r\n'
        b'App crashes on start,technical\r\n'
    )
    entries = dropped_entries(tmp_path / "tickets.dropped.jsonl")
    assert [(e["line"], e["record"], e["reasons"], e["raw"]) for e in entries] == [
        (5, 2, ["near-duplicates"], '"Refund, please\r\nmy order 1",billing\r\n'),
        (8, 3, ["format-consistency"], "bad,row,extra\r\n"),
    ]


def test_json_array_keeps_wrapper_and_element_text(tmp_path):
    text = '{"version": 2, "data": [\n  {"text": "hello there", "label": "a"},\n  {"text": "Hello there!", "label": "a"},\n  {"text": "something else", "label": "b"}\n]}\n'
    path = tmp_path / "train.json"
    path.write_text(text, encoding="utf-8")
    result = dqlint.clean(str(path), output=str(tmp_path / "out.json"), config={}, max_drop_share=1.0)
    assert (result.kept, result.dropped) == (2, 1)
    out = (tmp_path / "out.json").read_text(encoding="utf-8")
    assert out == '{"version": 2, "data": [\n  {"text": "hello there", "label": "a"},\n  {"text": "something else", "label": "b"}\n]}\n'
    assert json.loads(out)["data"][1]["label"] == "b"
    assert dropped_entries(tmp_path / "train.dropped.jsonl")[0]["raw"] == '{"text": "Hello there!", "label": "a"}'


def test_parquet_keeps_schema(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"text": ["one example", "one example", "another one"], "label": ["x", "x", "y"], "score": [1, 2, 3]})
    path = tmp_path / "train.parquet"
    pq.write_table(table, path)
    result = dqlint.clean(str(path), output=str(tmp_path / "clean.parquet"), config={}, max_drop_share=1.0)
    assert (result.kept, result.dropped) == (2, 1)
    out = pq.read_table(tmp_path / "clean.parquet")
    assert out.schema == table.schema
    assert out.to_pylist() == [{"text": "one example", "label": "x", "score": 1}, {"text": "another one", "label": "y", "score": 3}]
    entry = dropped_entries(tmp_path / "train.dropped.jsonl")[0]
    assert (entry["line"], entry["record"], entry["value"]) == (None, 1, {"text": "one example", "label": "x", "score": 2})


def test_unparseable_and_non_utf8_lines_go_to_dropped_raw(tmp_path):
    good = json.dumps(chat("How do I reset my password?", "Settings > Security.")).encode()
    other = json.dumps(chat("Where is my invoice?", "Billing > Invoices.")).encode()
    latin1 = json.dumps(chat("caf\u00e9 hours?", "9 to 5."), ensure_ascii=False).encode("cp1252")
    path = tmp_path / "train.jsonl.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(good + b"\n" + b'{"messages": [\n' + b"\n" + latin1 + b"\n" + other)
    result = dqlint.clean(str(path), output=str(tmp_path / "clean.jsonl.gz"), config={}, max_drop_share=1.0)
    assert (result.kept, result.dropped) == (2, 2)
    with gzip.open(tmp_path / "clean.jsonl.gz", "rb") as fh:
        assert fh.read() == good + b"\n" + other + b"\n"
    entries = dropped_entries(tmp_path / "train.dropped.jsonl")
    assert [(e["line"], e["findings"][0]["kind"]) for e in entries] == [(2, "invalid-json"), (4, "encoding")]
    assert entries[0]["raw"] == '{"messages": [\n'
    assert entries[1]["raw"] is None
    import base64

    assert base64.b64decode(entries[1]["raw_base64"]) == latin1 + b"\n"


def test_api_returns_frames_without_writing(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [chat("a question", "an answer"), chat("a question", "an answer"), "[1, 2]", chat("q2", "a2")])
    kept, dropped = dqlint.clean(str(train), config={})
    assert list(kept.index) == [(str(train), 0), (str(train), 3)]
    assert list(kept.columns) == ["messages"]
    assert list(zip(dropped["line"], dropped["reasons"])) == [(2, ["near-duplicates"]), (3, ["format-consistency"])]
    assert dropped["raw"].tolist()[1] == "[1, 2]\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"]


def test_api_records_and_dataframe(tmp_path):
    import pandas as pd

    records = [{"text": "same text", "label": "a"}, {"text": "same text", "label": "a"}, {"text": "other", "label": "b"}]
    kept, dropped = dqlint.clean(records, config={})
    assert kept.to_dict("records") == [records[0], records[2]]
    assert dropped["record"].tolist() == [1]
    kept, dropped = dqlint.clean(pd.DataFrame(records), config={})
    assert len(kept) == 2 and len(dropped) == 1
    with pytest.raises(dqlint.DqlintError, match="in-memory data"):
        dqlint.clean(records, output=str(tmp_path / "x.jsonl"), config={})


def test_unknown_drop_rule_is_a_config_error(dqlint_cli, tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [chat("a", "b")])
    res = dqlint_cli("clean", str(train), "--drop-rule", "no-such-rule", "--isolated")
    assert res.code == 2 and "unknown rule id(s): no-such-rule" in res.err
    res = dqlint_cli("clean", str(train), "--drop-rule", "near-duplicates", "--isolated")
    assert res.code == 2 and "clean already drops what near-duplicates finds" in res.err


def test_folder_input_defaults_to_a_sibling_folder(dqlint_cli, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl(data / "train.jsonl", [chat("same question", "same answer")] * 2 + [chat("other", "reply")])
    write_jsonl(data / "test.jsonl", [chat("a test question", "a test answer")])
    res = dqlint_cli("clean", str(data), "--isolated", "--max-drop", "1")
    assert res.code == 0, res.err
    out = tmp_path / "data.clean"
    assert sorted(p.name for p in out.iterdir()) == ["dropped.jsonl", "test.jsonl", "train.jsonl"]
    assert sorted(p.name for p in data.iterdir()) == ["test.jsonl", "train.jsonl"]
    assert len(nonblank_lines(out / "train.jsonl")) == 2
    assert [(Path(e["path"]).name, e["line"]) for e in dropped_entries(out / "dropped.jsonl")] == [("train.jsonl", 2)]


# -- guards: a clean that cannot wreck a set ---------------------------------------------------


def _templated_support_set(path, n=60):
    """Rows generated from two templates with slot values, as many real support sets are."""
    rows = []
    for i in range(n):
        product = ["router", "modem", "camera", "speaker", "printer", "tablet"][i % 6]
        if i % 2:
            rows.append(chat(f"My {product} order #{1000 + i} has not arrived.", f"Sorry about order #{1000 + i}! Your {product} ships today."))
        else:
            rows.append(chat(f"How do I reset my {product}?", f"Hold the {product}'s reset button for 10 seconds."))
    return write_jsonl(path, rows)


def test_a_clean_that_would_drop_most_of_a_split_is_refused_and_writes_nothing(dqlint_cli, tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [chat("Same question?", "Same answer.")] * 9 + [chat("Other", "Thing")])
    out = tmp_path / "out.jsonl"
    res = dqlint_cli("clean", str(data), "-o", str(out), "--isolated")
    assert res.code == 2
    assert res.err.strip().startswith("dqlint: error: would drop 8 of 10 train records (80.0%), more than the 20% one run may drop")
    assert "--dry-run" in res.err and "--force" in res.err
    assert not out.exists() and not (tmp_path / "out.dropped.jsonl").exists()
    res = dqlint_cli("clean", str(data), "-o", str(out), "--isolated", "--force")
    assert res.code == 0 and len(out.read_text().splitlines()) == 2


def test_dry_run_prints_counts_and_writes_nothing(dqlint_cli, tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [chat("Same question?", "Same answer.")] * 9 + [chat("Other", "Thing")])
    before = sorted(p.name for p in tmp_path.iterdir())
    res = dqlint_cli("clean", str(data), "--isolated", "--dry-run")
    assert res.code == 0, res.err
    assert res.out.splitlines()[:3] == [
        "dry run: nothing written",
        f"{data}: would keep 2 of 10 records -> {tmp_path / 'train.clean.jsonl'}",
        f"would drop 8 record(s) -> {tmp_path / 'train.dropped.jsonl'}",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == before


DISTINCT_TOPICS = [
    ("zip", "pairs items of several iterables"), ("enumerate", "counts while iterating"),
    ("sorted", "returns a new sorted list"), ("reversed", "iterates backwards over a sequence"),
    ("map", "applies a function to every item"), ("filter", "keeps items a predicate accepts"),
    ("any", "is true when one item is truthy"), ("all", "is true when every item is truthy"),
    ("len", "counts the items of a container"), ("isinstance", "tests an object's type"),
    ("open", "returns a file object"), ("print", "writes text to standard output"),
    ("range", "produces an arithmetic progression"), ("sum", "adds numbers up"),
    ("min", "finds the smallest item"), ("max", "finds the largest item"),
    ("round", "rounds a number to given digits"), ("abs", "gives the absolute value"),
    ("hash", "returns an integer for dict keys"), ("iter", "makes an iterator from an iterable"),
]


def test_only_exact_drops_exact_duplicates_alone(dqlint_cli, tmp_path):
    rows = [chat("What is a list?", "An ordered collection.")] * 2 + [
        chat("What is a tuple in Python, exactly?", "An immutable sequence of values."),
        chat("What is a tuple in Python exactly??", "An immutable sequence of values."),
        {"messages": "not a list"},
    ] + [chat(f"How does {name} work in Python?", f"{name} {what}.") for name, what in DISTINCT_TOPICS]
    data = write_jsonl(tmp_path / "train.jsonl", rows)
    res = dqlint_cli("clean", str(data), "--isolated", "--only", "exact", "--dry-run")
    assert res.code == 0, res.err
    assert "would keep 23 of 25 records" in res.out  # both exact groups (the tuple pair differs only in punctuation)
    res = dqlint_cli("clean", str(data), "--isolated", "--dry-run")
    assert "would keep 22 of 25 records" in res.out


def test_a_templated_set_is_not_wiped_out_by_default(dqlint_cli, tmp_path):
    data = _templated_support_set(tmp_path / "train.jsonl")
    res = dqlint_cli("clean", str(data), "-o", str(tmp_path / "out.jsonl"), "--isolated")
    if res.code == 2:
        assert "would drop" in res.err and not (tmp_path / "out.jsonl").exists()
    else:
        kept = len((tmp_path / "out.jsonl").read_text().splitlines())
        assert kept >= 48  # at most 20 % of 60 rows dropped
