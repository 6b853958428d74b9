"""The compact columns of the canonical view behave as the lists they replace."""

from __future__ import annotations

import pickle
from itertools import islice

import numpy as np

from dqlint.data.columns import Interner, IntColumn, OptionalIntColumn
from dqlint.data.dataset import Dataset
from dqlint.data.fields import FieldMap
from dqlint.data.ingest import RecordMapper, dataset_from_records, load_inputs
from dqlint.data.readers import file_reader
from dqlint.data.schema import Schema
from dqlint.data.sources import InputSpec


def test_int_columns_widen_and_compare_as_lists() -> None:
    ds = Dataset()
    ds.files.append(None)  # type: ignore[arg-type]  # add_row needs no file object
    for i, (record, line, turns) in enumerate([(0, 1, 2), (70_000, None, 300), (2**40, 5, 1)]):
        ds.add_row(file_index=0, record=record, line=line, input=f"q{i}", output="a", turns=turns)
    assert ds.record == [0, 70_000, 2**40] and ds.record.typecode == "q"
    assert ds.line == [1, None, 5] and ds.line[1] is None and list(ds.line) == [1, None, 5]
    assert ds.turns == [2, 300, 1] and ds.turns.typecode == "h"
    assert ds.file_index == [0, 0, 0] and ds.file_index.typecode == "b"
    assert np.asarray(ds.record).tolist() == [0, 70_000, 2**40]
    again = pickle.loads(pickle.dumps(ds))
    assert again.line == [1, None, 5] and type(again.line) is OptionalIntColumn


def test_repeated_strings_are_shared() -> None:
    prompt = "You are helpful."
    ds = dataset_from_records([{"messages": [{"role": "system", "content": "".join(["You are ", "helpful."])}, {"role": "user", "content": f"q{i}"},
                                             {"role": "assistant", "content": "a"}]} for i in range(3)])
    assert ds.system == [prompt] * 3
    assert len({id(s) for s in ds.system}) == 1
    labels = load_inputs([InputSpec([{"text": f"t{i}", "label": "spam"} for i in range(4)])]).label
    assert labels == ["spam"] * 4 and len({id(x) for x in labels}) == 1


def test_interner_stops_remembering_past_its_limit() -> None:
    intern = Interner(limit=2)
    a, b, c = "x" * 10, "y" * 10, "z" * 10
    assert intern[a] is a and intern[b] is b and intern[c] is c
    assert intern["".join(["x"] * 10)] is a
    assert len(intern) == 2


def test_iter_raw_with_rows_added_out_of_order() -> None:
    ds = dataset_from_records([{"text": "a"}, {"text": "b"}, {"text": "c"}])
    ds.add_row(file_index=0, record=1, line=None, input="b again", output="")
    assert [(row, rec["text"]) for row, rec in ds.iter_raw()] == [(0, "a"), (3, "b"), (2, "c")]


def test_record_mapper_maps_a_file_block_by_block(tmp_path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text("".join(f'{{"prompt": "p{i}", "completion": "c{i}"}}\n' for i in range(10)), encoding="utf-8")
    whole = load_inputs([InputSpec(str(path))])
    ds = Dataset()
    mapper = RecordMapper(ds, str(path), None, "train", FieldMap(), "file", Schema())
    items = file_reader(str(path))()
    while block := list(islice(items, 3)):
        mapper.add(block)
    info = mapper.finish()
    assert (ds.input, ds.output, ds.line, ds.record) == (whole.input, whole.output, whole.line, whole.record)
    assert info.format == "prompt-completion" and info.records == 10
    assert {k: dict(v) for k, v in info.field_types.items()} == {"prompt": {"string": 10}, "completion": {"string": 10}}


def test_int_column_rejects_what_a_list_of_ints_would_not_hold() -> None:
    column = IntColumn("b", [1, 2])
    assert column == [1, 2] and column != [1, 3] and column.widened(1000).typecode == "h"


def test_extend_int_widens_first_and_keeps_none_lines() -> None:
    from dqlint.data.columns import extend_int

    turns = extend_int(IntColumn("b", [3]), [2, 300, 1])
    assert turns == [3, 2, 300, 1] and turns.typecode == "h"
    lines = extend_int(OptionalIntColumn("i", [1]), [None, 2**40])
    assert lines == [1, None, 2**40] and lines.typecode == "q" and type(lines) is OptionalIntColumn


def test_extracted_rows_of_a_parquet_file_and_a_long_chat_make_a_dataset(tmp_path) -> None:
    """The Ray driver's sample is built from extracted rows: a format without line numbers and a
    conversation of more turns than a byte holds once stopped it with a TypeError/OverflowError."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from dqlint.engine.ray.run import extract_rows, rows_dataset

    pq.write_table(pa.table({"text": ["a b c", "d e f"], "label": ["x", "y"]}), tmp_path / "t.parquet")
    messages = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i}"} for i in range(300)]
    (tmp_path / "chat.jsonl").write_text(json.dumps({"messages": messages}) + "\n", encoding="utf-8")
    for name in ("t.parquet", "chat.jsonl"):
        ds = load_inputs([InputSpec(str(tmp_path / name))])
        rows = list(range(len(ds)))
        again = rows_dataset(ds.files, [extract_rows(ds, rows)])
        assert [again.location(r) for r in rows] == [ds.location(r) for r in rows]
        assert again.turns == ds.turns and again.input == ds.input
