"""Great Expectations plumbing shared by the ``expectations`` rule and ``dqlint expectations export``.

GX 1.x is slow to import (seconds) and chatty (progress bars, log lines), so everything here
imports it lazily and runs it quietly: an *ephemeral* context (nothing written to disk), analytics
off, progress bars off, GX's loggers raised to ERROR while it runs.

The frame GX validates is the canonical view plus derived and raw columns (see
:data:`FRAME_COLUMNS`). Its index is the canonical row number, so every unexpected row GX names
maps back to a file and line.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    import pandas as pd

    from dqlint.data.dataset import Dataset

__all__ = [
    "FRAME_COLUMNS",
    "RAW_PREFIX",
    "SuiteFile",
    "LoadedSuite",
    "SuiteError",
    "validation_frame",
    "read_suite_file",
    "load_suite",
    "validate",
]

# Raw top-level record fields appear in the frame under this prefix ("raw.messages").
RAW_PREFIX = "raw."

# The columns of the frame GX validates, documented for users writing suites.
FRAME_COLUMNS: dict[str, str] = {
    "path": "file the example comes from, as given on the command line",
    "line": "1-based line where the record starts (null for Parquet and in-memory data)",
    "record": "0-based record index in its file",
    "split": "train, validation or test",
    "format": "detected record format (openai-chat, alpaca, classification, ...)",
    "input": "prompt side of the example, without the system prompt",
    "output": "the response the model learns ('' when none)",
    "system": "system prompt ('' when none)",
    "label": "label: a string, null when unlabelled, a list for multi-label rows",
    "turns": "number of messages / turns in the record",
    "input_length": "characters in input",
    "output_length": "characters in output",
    "system_length": "characters in system",
    f"{RAW_PREFIX}<field>": "each top-level field of the raw record, as parsed (object dtype; null when absent)",
}

# JSON type names (as counted in InputFile.field_types) -> Python type names GX checks with pandas.
JSON_TO_PYTHON_TYPES: dict[str, tuple[str, ...]] = {
    "string": ("str",),
    "integer": ("int",),
    "number": ("float", "int"),
    "boolean": ("bool",),
    "array": ("list",),
    "object": ("dict",),
}


class SuiteError(Exception):
    """The suite file cannot be used at all (missing, not JSON, no expectation list)."""


@dataclass
class SuiteFile:
    """A suite as read from disk, before GX sees it: its name and raw expectation dicts with
    the 1-based line where each starts (so a bad expectation can be pointed at)."""

    path: str
    name: str
    expectations: list[dict[str, Any]]
    lines: list[int | None]
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class LoadedSuite:
    """A GX ExpectationSuite and the expectations GX could not load (index, message)."""

    suite: Any
    loaded: list[int]  # indexes into SuiteFile.expectations of those in `suite`, in order
    invalid: list[tuple[int, str]]


# -- the frame ---------------------------------------------------------------------------------


def validation_frame(ds: Dataset, *, raw: bool = True) -> pd.DataFrame:
    """The canonical view as GX sees it: one row per example, index = canonical row number."""
    import pandas as pd

    frame = ds.to_frame()
    frame.insert(4, "format", ds.format)
    frame["label"] = pd.Series([list(v) if isinstance(v, tuple) else v for v in ds.label], dtype=object)
    frame["turns"] = ds.turns
    frame["input_length"] = [len(t) for t in ds.input]
    frame["output_length"] = [len(t) for t in ds.output]
    frame["system_length"] = [len(t) for t in ds.system]
    if raw:
        columns: dict[str, list[Any]] = {}
        n = len(ds)
        for row, rec in ds.iter_raw():
            for key, value in rec.items():
                column = columns.get(key)
                if column is None:
                    column = columns[key] = [None] * n
                column[row] = value.tolist() if hasattr(value, "tolist") else value
        for key in sorted(columns, key=str):
            # object dtype keeps ints as ints and None as None (pandas would make them floats/NaN)
            frame[f"{RAW_PREFIX}{key}"] = pd.Series(columns[key], dtype=object)
    return frame


# -- reading and loading suites ----------------------------------------------------------------


def read_suite_file(path: str) -> SuiteFile:
    """Read a GX 1.x suite JSON (``{"name", "expectations": [{"type", "kwargs"}]}``).

    GX 0.x spellings (``expectation_suite_name``, ``expectation_type``) are accepted too.
    Raises :class:`SuiteError` with a one-line message naming the file.
    """
    from dqlint.data.readers import json_array_elements

    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise SuiteError(f"{path}: expectation suite not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{path}: cannot read expectation suite: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path}:{exc.lineno}: invalid JSON in expectation suite: {exc.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list):
        raise SuiteError(f"{path}: not a Great Expectations suite (expected an object with an 'expectations' list)")
    name = data.get("name") or data.get("expectation_suite_name") or os.path.splitext(os.path.basename(path))[0]
    lines: list[int | None] = [None] * len(data["expectations"])
    key_at = text.find('"expectations"')
    start = text.find("[", key_at) if key_at >= 0 else -1
    if start >= 0:
        for item in json_array_elements(text, start, []):
            if item.record is not None and item.record < len(lines):
                lines[item.record] = item.line
    expectations = [_modern(e) for e in data["expectations"]]
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    return SuiteFile(path, str(name), expectations, lines, meta)


def _modern(expectation: Any) -> Any:
    """GX 0.x wrote ``expectation_type``; 1.x reads ``type``."""
    if isinstance(expectation, dict) and "expectation_type" in expectation and "type" not in expectation:
        expectation = {("type" if k == "expectation_type" else k): v for k, v in expectation.items()}
    return expectation


def load_suite(spec: SuiteFile) -> LoadedSuite:
    """Build the GX suite one expectation at a time, so each one GX rejects is named.

    ``ExpectationSuite(...)`` would log and *drop* an unknown expectation type and raise on a
    bad kwarg; here both become entries of ``invalid``, and the final count is checked against
    the file's.
    """
    with quiet_gx():
        from great_expectations.core.expectation_suite import ExpectationSuite
        from great_expectations.expectations.expectation_configuration import (
            ExpectationConfiguration,
        )

        accepted = set(inspect.signature(ExpectationConfiguration.__init__).parameters) - {"self"}
        built, loaded, invalid = [], [], []
        for i, raw in enumerate(spec.expectations):
            try:
                if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
                    raise ValueError("not an object with a 'type'")
                unknown = sorted(set(raw) - accepted)
                if unknown:
                    raise ValueError(f"unknown key(s) {', '.join(map(repr, unknown))}")
                built.append(ExpectationConfiguration(**raw).to_domain_obj())
                loaded.append(i)
            except Exception as exc:  # GX raises pydantic, GX and type errors for bad configs
                invalid.append((i, _one_line(exc)))
        suite = ExpectationSuite(name=spec.name, expectations=built)
    if len(suite.expectations) != len(built):  # GX dropped some silently after all
        kept = len(suite.expectations)
        for i in loaded[kept:]:
            invalid.append((i, "dropped by Great Expectations when building the suite"))
        loaded = loaded[:kept]
    return LoadedSuite(suite, loaded, sorted(invalid))


# -- validating --------------------------------------------------------------------------------


def validate(frame: pd.DataFrame, suite: Any) -> list[dict[str, Any]]:
    """Run ``suite`` on ``frame`` with an ephemeral context and a whole-dataframe batch.

    Returns one JSON-ready result per expectation, in suite order (GX's
    ``ExpectationValidationResult.to_json_dict()``), with complete unexpected index lists.
    """
    with quiet_gx():
        import great_expectations as gx

        context = gx.get_context(mode="ephemeral")
        _silence_context(context)
        source = context.data_sources.add_pandas("dqlint")
        batch_definition = source.add_dataframe_asset("canonical").add_batch_definition_whole_dataframe("all")
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
        return [r.to_json_dict() for r in result.results]


def exception_message(result: dict[str, Any]) -> str | None:
    """The message of an exception GX caught while running one expectation, if any."""
    info = result.get("exception_info") or {}
    candidates = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for entry in candidates:
        if entry.get("raised_exception"):
            message = entry.get("exception_message") or "raised an exception"
            return _one_line(message)
    return None


def _silence_context(context: Any) -> None:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    with contextlib.suppress(Exception):
        context.config.analytics_enabled = False


@contextlib.contextmanager
def quiet_gx() -> Iterator[None]:
    """No analytics, and no GX log lines below CRITICAL while it runs (some GX modules set
    their own logger to INFO, so each GX logger is raised, not just the parent)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    parent = logging.getLogger("great_expectations")
    parent_level = parent.level
    parent.setLevel(logging.CRITICAL)  # quiet the import itself
    try:
        import great_expectations  # noqa: F401  (creates GX's loggers before we quiet them)
    finally:
        parent.setLevel(parent_level)

    loggers = [parent] + [
        logger
        for name, logger in list(logging.root.manager.loggerDict.items())
        if name.startswith("great_expectations.") and isinstance(logger, logging.Logger)
    ]
    previous = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, previous):
            logger.setLevel(level)


def _one_line(exc: Any) -> str:
    text = str(getattr(exc, "message", None) or exc).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return type(exc).__name__
    # pydantic: "1 validation error for X\nvalue_set\n  field required" -> keep the useful part
    return " ".join(lines[:3]) if "validation error" in lines[0] else lines[0]
