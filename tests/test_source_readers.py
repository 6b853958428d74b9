"""The file readers `dqlint check` and `dqlint clean` share: asked to keep sources, they read the
same records (numbers, lines, values, problems) and their sources spell out the file, so clean
writes back exactly what check judged."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

import dqlint
from dqlint.data.readers import BOM, file_reader

CHAT = json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]})

FILES = {
    # BOM, CRLF, blank lines, an unparseable line, a non-object, a non-UTF-8 line, no final newline
    "train.jsonl": BOM + (CHAT + "\r\n\n  \n{broken\n[1, 2]\n").encode() + b'{"text": "caf\xe9"}\n' + CHAT.encode(),
    # quoted line breaks, a blank line, a short row, CR-only endings in a cell, no final newline
    "train.csv": b'text,label\r\n"two\r\nlines",a\r\n\r\nonly one field\r\n"cr\rinside",b\r\nlast,c',
    "train.tsv": BOM + b"text\tlabel\nhello\ta\n\nbye\tb\n",
    # an array inside a wrapper, elements over several lines, odd spacing and commas
    "train.json": b'{"v": "]", "data": [\n  {"text": "a",\n   "label": "x"} ,\n  [3],{"text": "b", "label": "y"}\n]}\n',
    "plain.json": b'  [ {"text": "a", "label": "x"},\n{"text": "b", "label": "y"} ]',
    # the JSON reader stops at an element it cannot decode
    "cut.json": b'[\n{"text": "a", "label": "x"},\n{"text":\n "b" "label": "y"},\n{"text": "c", "label": "z"}\n]\n',
    "lines.json": (CHAT + "\n" + CHAT + "\n").encode(),
}


def write(tmp_path: Path, name: str, data: bytes, gz: bool = False) -> Path:
    path = tmp_path / (name + ".gz" if gz else name)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("name", sorted(FILES))
def test_sources_spell_out_the_file_and_records_match_the_check(tmp_path, name, gz):
    path = write(tmp_path, name, FILES[name], gz)
    checked = list(file_reader(str(path))())
    kept = list(file_reader(str(path), keep_source=True)())
    assert all(item.source is None for item in checked)
    # The same records, lines, values and problems as the check reads...
    assert [item[:4] for item in kept if item.record is not None] == [item[:4] for item in checked if item.record is not None]
    assert [item[:4] for item in kept if item.problem is not None] == [item[:4] for item in checked if item.problem is not None]
    # ...every record with its source, and the sources together are the file after its BOM.
    assert all(item.source is not None for item in kept if item.record is not None)
    data = FILES[name].removeprefix(BOM)
    assert b"".join(item.source for item in kept if item.source is not None) == data


def test_source_of_each_record_is_its_original_text(tmp_path):
    path = write(tmp_path, "train.csv", FILES["train.csv"])
    records = [(item.record, item.source) for item in file_reader(str(path), keep_source=True)() if item.record is not None]
    assert records == [(0, b'"two\r\nlines",a\r\n'), (1, b"only one field\r\n"), (2, b'"cr\rinside",b\r\n'), (3, b"last,c")]
    path = write(tmp_path, "train.json", FILES["train.json"])
    items = list(file_reader(str(path), keep_source=True)())
    assert [(i.record, i.line, i.source) for i in items if i.record is not None] == [
        (0, 2, b'{"text": "a",\n   "label": "x"}'),
        (1, 4, b"[3]"),
        (2, 4, b'{"text": "b", "label": "y"}'),
    ]
    assert [i.source for i in items if i.record is None] == [b'{"v": "]", "data": [\n  ', b" ,\n  ", b",", b"\n]}\n"]


def test_a_file_with_no_readable_record_is_one_source(tmp_path):
    path = write(tmp_path, "one.json", b'{"a": [1], "b": [2]}\n')
    items = list(file_reader(str(path), keep_source=True)())
    assert [(i.record, i.problem[0], i.source) for i in items] == [(None, "not-object", b'{"a": [1], "b": [2]}\n')]


def test_clean_stops_where_the_json_reader_stops(tmp_path):
    """An element the reader cannot decode is dropped with the rest of the file, at the line
    where it starts; the copy keeps the elements before it and is closed again."""
    path = write(tmp_path, "cut.json", FILES["cut.json"])
    result = dqlint.clean(str(path), output=str(tmp_path / "out.json"), config={}, max_drop_share=1.0)
    assert (result.kept, result.dropped) == (1, 1)
    assert (tmp_path / "out.json").read_bytes() == b'[\n{"text": "a", "label": "x"}\n]\n'
    entry = json.loads((tmp_path / "cut.dropped.jsonl").read_text(encoding="utf-8"))
    assert (entry["line"], entry["record"], entry["findings"][0]["kind"]) == (3, 1, "invalid-json")
    assert entry["raw"] == FILES["cut.json"].decode()[FILES["cut.json"].decode().index('{"text":\n'):]
