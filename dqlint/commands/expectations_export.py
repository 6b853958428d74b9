"""``dqlint expectations export``: the schema dqlint inferred, written as a GX 1.x Expectation Suite.

The suite describes the frame the ``expectations`` rule validates (see
:data:`dqlint.toolkit.gx_suite.FRAME_COLUMNS`), so the same file gates data here (``--expectations``) and
in a team's own GX pipeline (after building the same columns). It holds:

* for each raw top-level field: it exists (``raw.<field>``), its values have the JSON types seen
  (``expect_column_values_to_be_in_type_list``) and, when no record lacked it or had null, it is
  never null;
* the record formats seen (``format`` in set);
* the labels seen (``label`` in set; never null when every row had one), single-label data only;
* the character-length ranges of ``input`` and ``output`` seen, widened by ``length_margin``.

A suite exported from a data set passes on that data set; that is tested.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from typing import Any, Sequence

from dqlint.data.dataset import Dataset
from dqlint.toolkit.gx_suite import JSON_TO_PYTHON_TYPES, RAW_PREFIX

__all__ = ["infer_suite", "export_suite"]


def infer_suite(ds: Dataset, *, name: str = "dqlint", length_margin: float = 0.0) -> dict[str, Any]:
    """The GX 1.x suite (as a JSON-ready dict) that the rows of ``ds`` satisfy."""
    from dqlint import __version__
    from dqlint.toolkit.gx_suite import FRAME_COLUMNS

    rows = len(ds)
    expectations: list[dict[str, Any]] = []
    expectations += _raw_field_expectations(ds, rows)
    expectations.append(_expect("expect_column_values_to_be_in_set", column="format", value_set=sorted(set(ds.format))))
    expectations += _label_expectations(ds)
    expectations += _length_expectations(ds, length_margin)
    return {
        "name": name,
        "id": None,
        "expectations": expectations,
        "meta": {
            "dqlint": {
                "version": __version__,
                "inferred_from": [f.to_dict() for f in ds.files],
                "rows": rows,
                "length_margin": length_margin,
                "columns": FRAME_COLUMNS,
                "note": "Validated by `dqlint check --expectations FILE` on dqlint's canonical view; "
                "the columns are documented above.",
            }
        },
        "notes": f"Inferred by dqlint {__version__} from {rows:,} rows.",
    }


def _expect(kind: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": {"generated_by": "dqlint"}}


def _raw_field_expectations(ds: Dataset, rows: int) -> list[dict[str, Any]]:
    types: dict[str, Counter] = {}
    for info in ds.files:
        for key, counts in info.field_types.items():
            types.setdefault(key, Counter()).update(counts)
    out = []
    for key in sorted(types, key=str):
        column = f"{RAW_PREFIX}{key}"
        counts = types[key]
        out.append(_expect("expect_column_to_exist", column=column))
        python_types = sorted({t for json_type in counts if json_type != "null" for t in JSON_TO_PYTHON_TYPES.get(json_type, ())})
        if python_types and all(t in JSON_TO_PYTHON_TYPES for t in counts if t != "null"):
            out.append(_expect("expect_column_values_to_be_in_type_list", column=column, type_list=python_types))
        present = sum(counts.values())
        if present == rows and not counts.get("null"):
            out.append(_expect("expect_column_values_to_not_be_null", column=column))
    return out


def _label_expectations(ds: Dataset) -> list[dict[str, Any]]:
    if not ds.has_labels or any(isinstance(label, tuple) for label in ds.label):
        return []  # multi-label rows hold lists; GX's value sets compare whole values
    labels = sorted({label for label in ds.label if label is not None})
    out = [_expect("expect_column_values_to_be_in_set", column="label", value_set=labels)]
    if all(label is not None for label in ds.label):
        out.append(_expect("expect_column_values_to_not_be_null", column="label"))
    return out


def _length_expectations(ds: Dataset, margin: float) -> list[dict[str, Any]]:
    out = []
    columns = [("input_length", ds.input)]
    if ds.has_outputs:
        columns.append(("output_length", ds.output))
    for column, texts in columns:
        lengths = [len(t) for t in texts]
        if not lengths:
            continue
        low = max(0, math.floor(min(lengths) * (1 - margin)))
        high = math.ceil(max(lengths) * (1 + margin))
        out.append(_expect("expect_column_values_to_be_between", column=column, min_value=low, max_value=high))
    return out


def export_suite(
    ds: Dataset,
    output: str | None,
    *,
    name: str = "dqlint",
    length_margin: float = 0.0,
    force: bool = False,
    input_paths: Sequence[str] = (),
) -> dict[str, Any]:
    """Infer the suite, check that GX loads every expectation, and write it (``None`` = return only)."""
    from dqlint.data.outputs import refuse_unsafe_output
    from dqlint.toolkit.gx_suite import SuiteFile, load_suite

    suite = infer_suite(ds, name=name, length_margin=length_margin)
    loaded = load_suite(SuiteFile(output or "<suite>", name, suite["expectations"], [None] * len(suite["expectations"])))
    if loaded.invalid:  # a bug in the inference, not in the data: say so rather than write a bad suite
        index, message = loaded.invalid[0]
        raise RuntimeError(f"exported expectation {index + 1} does not load in Great Expectations: {message}")
    if output is not None:
        refuse_unsafe_output(output, [*input_paths, *(f.path for f in ds.files)], force=force, what="suite")
        text = json.dumps(suite, indent=2, ensure_ascii=False) + "\n"
        _write_text(output, text, force)
    return suite


def _write_text(path: str, text: str, force: bool) -> None:
    from dqlint.errors import UsageError

    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    try:
        with open(path, "w" if force else "x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except FileExistsError:
        raise UsageError(f"{path}: file exists; use --force to replace it") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None
