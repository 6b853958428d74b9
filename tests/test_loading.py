"""Loading: every supported input, exact locations, and bad input that never stops a run."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from conftest import SAMPLES, chat, write_jsonl

from dqlint.data.dataset import Location
from dqlint.data.ingest import dataset_from_records, load_inputs
from dqlint.data.sources import InputSpec, split_from_name
from dqlint.errors import InputError


def load(*paths: Path | str, **kw):
    return load_inputs([InputSpec(str(p)) for p in paths], **kw)


def problems(ds):
    return [(p.location.line, p.kind) for p in ds.problems]


# -- formats and locations ---------------------------------------------------------------------


def test_jsonl_lines_and_record_indexes(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [chat("a", "b"), "", chat("c", "d")])
    ds = load(path)
    assert len(ds) == 2
    assert ds.location(0) == Location(str(path), 1, 0)
    assert ds.location(1) == Location(str(path), 3, 1)  # blank line 2 is skipped, not a record
    assert ds.input == ["a", "c"] and ds.output == ["b", "d"] and ds.system == ["You are helpful."] * 2
    assert ds.files[0].format == "openai-chat" and ds.files[0].split == "train"


def test_csv_quoted_newlines_and_commas_keep_start_lines(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text('text,label\n"one, two",a\n"multi\nline\ncell",b\nplain,a\n', encoding="utf-8")
    ds = load(path)
    assert ds.input == ["one, two", "multi\nline\ncell", "plain"]
    assert ds.line == [2, 3, 6]
    assert ds.record == [0, 1, 2]
    assert ds.label == ["a", "b", "a"]
    assert ds.files[0].format == "classification"


def test_tsv_and_gzip(tmp_path):
    tsv = tmp_path / "x.tsv"
    tsv.write_text("sentence\tlabel\nhello there\tgreet\n", encoding="utf-8")
    gz = tmp_path / "chat.jsonl.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(chat("q", "a")) + "\n")
    ds = load(tsv, gz)
    assert ds.input == ["hello there", "q"] and ds.label == ["greet", None]
    assert [f.format for f in ds.files] == ["classification", "openai-chat"]


def test_json_array_lines(tmp_path):
    path = tmp_path / "data.json"
    path.write_text('[\n  {"prompt": "p1", "completion": "c1"},\n\n  {"prompt": "p2",\n   "completion": "c2"}\n]\n', encoding="utf-8")
    ds = load(path)
    assert ds.line == [2, 4] and ds.input == ["p1", "p2"] and ds.files[0].format == "prompt-completion"


def test_json_wrapped_list(tmp_path):
    path = tmp_path / "data.json"
    path.write_text('{"data": [{"text": "a"}, {"text": "b"}]}', encoding="utf-8")
    assert load(path).input == ["a", "b"]


def test_parquet_has_no_lines(tmp_path):
    import pandas as pd

    path = tmp_path / "train.parquet"
    pd.DataFrame({"text": ["x", "y"], "label": ["p", "n"]}).to_parquet(path)
    ds = load(path)
    assert ds.line == [None, None] and ds.record == [0, 1] and ds.label == ["p", "n"]


def test_saved_dataset_folder_with_splits(tmp_path):
    import datasets

    dd = datasets.DatasetDict(
        {"train": datasets.Dataset.from_dict({"text": ["a", "b"], "label": [0, 1]}), "test": datasets.Dataset.from_dict({"text": ["c"], "label": [1]})}
    )
    dd.save_to_disk(str(tmp_path / "saved"))
    ds = load(tmp_path / "saved")
    assert sorted(f.path.rsplit("[", 1)[1] for f in ds.files) == ["test]", "train]"]
    assert ds.split_counts() == {"train": 2, "test": 1}
    assert ds.label == ["0", "1", "1"] or sorted(ds.label) == ["0", "1", "1"]


def test_hub_dataset_goes_through_datasets(monkeypatch):
    import datasets

    calls = []

    def fake_load_dataset(name, config=None, **kw):
        calls.append((name, config))
        return datasets.DatasetDict({"train": datasets.Dataset.from_dict({"text": ["hub row"], "label": ["x"]})})

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    ds = load("hf://acme/support-intents/en")
    assert calls == [("acme/support-intents", "en")]
    assert ds.files[0].path == "hf://acme/support-intents/en[train]" and ds.input == ["hub row"]


def test_hub_failure_is_one_line_input_error(monkeypatch):
    import datasets

    from dqlint.data import sources

    monkeypatch.setattr(sources, "hub_reachable", lambda timeout=0: True)  # a Hub that answers, with an error
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)

    def offline(*a, **k):
        raise ConnectionError("Couldn't reach the Hub\nsecond line")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(InputError, match=r"^hf://acme/x: could not load Hub dataset 'acme/x': Couldn't reach the Hub$"):
        load("hf://acme/x")


@pytest.mark.parametrize(
    "record, fmt, expected",
    [
        ({"messages": [{"role": "user", "content": "u"}, {"role": "assistant", "content": "a"}]}, "openai-chat", ("u", "a")),
        ({"input": {"messages": [{"role": "user", "content": "u"}]}, "preferred_output": [{"role": "assistant", "content": "good"}], "non_preferred_output": [{"role": "assistant", "content": "bad"}]}, "openai-preference", ("u", "good")),
        ({"prompt": "p", "completion": "c"}, "prompt-completion", ("p", "c")),
        ({"prompt": "p", "chosen": "c", "rejected": "r"}, "trl-preference", ("p", "c")),
        ({"instruction": "i", "input": "x", "output": "o"}, "alpaca", ("i\nx", "o")),
        ({"conversations": [{"from": "human", "value": "h"}, {"from": "gpt", "value": "g"}]}, "sharegpt", ("h", "g")),
        ({"text": "t", "label": "l"}, "classification", ("t", "")),
        ({"text": "just text"}, "text", ("just text", "")),
        ({"contents": [{"role": "user", "parts": [{"text": "u"}]}, {"role": "model", "parts": [{"text": "m"}]}]}, "gemini", ("u", "m")),
    ],
)
def test_every_format_is_detected_and_mapped(record, fmt, expected):
    ds = dataset_from_records([record])
    assert ds.files[0].format == fmt
    assert (ds.input[0], ds.output[0]) == expected


def test_multi_label_and_numeric_labels():
    ds = dataset_from_records([{"text": "a", "labels": ["x", "y"]}, {"text": "b", "label": 3}, {"text": "c", "label": True}])
    assert ds.label == [("x", "y"), "3", "true"]


def test_split_from_file_names_and_column(tmp_path):
    assert [split_from_name(n) for n in ("train.jsonl", "my_valid.csv", "dev-set.json", "eval.jsonl", "TEST.parquet", "contest.jsonl")] == [
        "train", "validation", "validation", "validation", "test", None,
    ]
    path = write_jsonl(tmp_path / "all.jsonl", [{"text": "a", "split": "train"}, {"text": "b", "split": "test"}])
    ds = load(path)
    assert ds.split == ["train", "test"] and ds.files[0].split == "mixed"


def test_forced_split_wins(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [{"text": "a"}])
    ds = load_inputs([InputSpec(str(path), split="test")])
    assert ds.split == ["test"]


# -- bad input: findings at the right line, or one-line errors -----------------------------------


def test_invalid_json_line_is_a_problem_and_the_rest_loads(tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", [chat("a", "b"), '{"messages": [', chat("c", "d")])
    ds = load(path)
    assert len(ds) == 2 and problems(ds) == [(2, "invalid-json")]
    assert ds.location(1).line == 3


def test_utf8_bom_is_reported_and_read(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(chat("a", "b")).encode() + b"\n")
    ds = load(path)
    assert ds.input == ["a"]
    assert [(p.kind, p.fatal) for p in ds.problems] == [("bom", False)]


def test_latin1_csv_is_salvaged_and_reported(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("text,label\ncafé crème,drink\nplain,x\n".encode("latin-1"))
    ds = load(path)
    assert ds.input == ["café crème", "plain"]
    assert problems(ds) == [(2, "encoding")]


def test_latin1_jsonl_line_is_salvaged(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes('{"text": "café"}\n'.encode("latin-1"))
    ds = load(path)
    assert ds.input == ["café"] and problems(ds) == [(1, "encoding")]


def test_empty_file_is_a_problem(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"")
    ds = load(path)
    assert len(ds) == 0 and [p.kind for p in ds.problems] == ["empty-file"]


def test_binary_file_is_a_one_line_error(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(InputError, match=r"t\.jsonl: binary file \(NUL byte at offset 4\)"):
        load(path)


def test_truncated_last_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(chat("a", "b")) + "\n" + '{"messages": [{"role": "us', encoding="utf-8")
    ds = load(path)
    assert len(ds) == 1
    [problem] = ds.problems
    assert problem.location.line == 2 and "may be truncated" in problem.message


def test_deeply_nested_value(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"text": ' + "[" * 5000 + "]" * 5000 + "}\n" + json.dumps({"text": "fine"}) + "\n", encoding="utf-8")
    ds = load(path)
    assert ds.input == ["fine"] and problems(ds) == [(1, "invalid-json")]


def test_deeply_nested_json_array_file(tmp_path):
    path = tmp_path / "t.json"
    path.write_text('[{"text": "ok"}, {"text": ' + "[" * 5000 + "]" * 5000 + "}]", encoding="utf-8")
    ds = load(path)
    # Too deep for any decoder: a problem at the record, and reading goes on after it (issue 14).
    assert ds.input == ["ok"] and [p.kind for p in ds.problems] == ["too-deep"]


def test_records_that_are_not_objects(tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", ['"a string"', "[1, 2]", "42", "null", json.dumps({"text": "ok"})])
    ds = load(path)
    assert ds.input == ["ok"]
    assert [(p.location.line, p.location.record, p.kind) for p in ds.problems] == [
        (1, 0, "not-object"), (2, 1, "not-object"), (3, 2, "not-object"), (4, 3, "not-object"),
    ]
    assert ds.record == [4]


def test_one_five_megabyte_line(tmp_path):
    big = "word " * 1_000_000
    path = write_jsonl(tmp_path / "t.jsonl", [{"text": big}, {"text": "small"}])
    ds = load(path)
    assert len(ds.input[0]) == len(big) and ds.line == [1, 2]


def test_five_megabyte_csv_cell(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("text,label\n" + '"' + "x" * 5_000_000 + '",a\n', encoding="utf-8")
    ds = load(path)
    assert len(ds.input[0]) == 5_000_000


def test_csv_empty_and_nan_cells(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("text,label\n,a\nNaN,b\nhello,\n", encoding="utf-8")
    ds = load(path)
    assert ds.input == ["", "NaN", "hello"] and ds.label == ["a", "b", None]


def test_csv_row_with_wrong_field_count(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("text,label\na,b,c\nok,x\n", encoding="utf-8")
    ds = load(path)
    assert ds.input == ["ok"] and problems(ds) == [(2, "invalid-csv")]


def test_html_in_text_is_kept_verbatim(tmp_path):
    html = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    ds = load(write_jsonl(tmp_path / "t.jsonl", [chat(html, html)]))
    assert ds.input == [html] and ds.output == [html]


def test_missing_and_unknown_inputs_are_one_line_errors(tmp_path):
    with pytest.raises(InputError, match=r"^nope\.jsonl: no such file or folder$"):
        load("nope.jsonl")
    with pytest.raises(InputError, match=r"for a Hub dataset write hf://acme/data"):
        load("acme/data")
    odd = tmp_path / "data.xlsx"
    odd.write_bytes(b"x")
    with pytest.raises(InputError, match=r"data\.xlsx: unknown file type"):
        load(odd)


def test_utf16_is_refused_clearly(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes('{"text": "a"}\n'.encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16"):
        load(path)


def test_folder_of_files_uses_names_for_splits():
    ds = load(SAMPLES / "classification")
    assert {f.split for f in ds.files} == {"train", "test"}


def test_raw_records_can_be_reread(tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", ["oops", chat("a", "b"), {"text": "x", "tags": ["edge"]}])
    ds = load(path)
    assert [(row, sorted(rec)) for row, rec in ds.iter_raw()] == [(0, ["messages"]), (1, ["tags", "text"])]
