"""Property-based fuzzing of `dqlint check` (issue 14): random and mutated input files, random
configs and options. Whatever the input, these hold:

- the exit code is 0, 1 or 2; no exception escapes (DQLINT_DEBUG=1, so a crash is a failure
  here, with its traceback, instead of an "internal error" line); exit 2 is one line on stderr;
- the input files are byte for byte unchanged and nothing is written beside them;
- a report that was written is valid: against the JSON report schema when the package ships
  one, else the shape test below; its verdict agrees with the exit code;
- no planted secret (API keys, an AWS key, an e-mail, a PEM private key's body) appears
  unmasked in any format, and the terminal, Markdown and GitHub outputs carry no raw control
  character.

Runs as its own step: `pytest -q -m fuzz tests/fuzz` (see conftest.py for the profiles).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostile import AWS_KEY, EMAIL, ESCAPES, OPENAI_KEY, PEM_KEY, leaked_secrets, raw_controls

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).resolve().parents[2]
# Examples per test: the CI profile keeps the whole suite to a few hundred runs of the CLI.
SCALE = 10 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 1
FORMATS = {"terminal": "txt", "json": "json", "markdown": "md", "sarif": "sarif", "junit": "xml", "github": "gh", "html": "html"}
ESCAPED_FORMATS = ("terminal", "markdown", "github")
SECRETS = (OPENAI_KEY, AWS_KEY, EMAIL, PEM_KEY)


# -- running the CLI in-process -----------------------------------------------------------------


@dataclass
class Run:
    code: int
    out: str
    err: str
    outputs: dict[str, str]  # format -> text of the report file it wrote


def run_check(inputs: list[Path], out_dir: Path, *extra: str, all_formats: bool = True) -> Run:
    """`dqlint check INPUTS --no-cache EXTRA -f F -o out/report.F ...` in this process."""
    from dqlint.cli import main

    args = ["check", *map(str, inputs), "--no-cache", *extra]
    if all_formats:
        for fmt, suffix in FORMATS.items():
            args += ["-f", fmt, "-o", str(out_dir / f"report.{suffix}")]
        args.append("--color")
    out, err = io.StringIO(), io.StringIO()
    code: Any = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code
    outputs = {}
    for fmt, suffix in FORMATS.items():
        path = out_dir / f"report.{suffix}"
        if path.exists():
            outputs[fmt] = path.read_text(encoding="utf-8", errors="surrogateescape")
            path.unlink()
    return Run(code, out.getvalue(), err.getvalue(), outputs)


@pytest.fixture(autouse=True)
def _crash_loudly(monkeypatch):
    # A bug raises instead of becoming "internal error: ...", so Hypothesis shows its traceback.
    monkeypatch.setenv("DQLINT_DEBUG", "1")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- the JSON report: schema if shipped, else its shape -----------------------------------------


def _report_schema() -> dict | None:
    shipped = sorted((ROOT / "dqlint" / "report").glob("*schema*.json"))
    return json.loads(shipped[0].read_text(encoding="utf-8")) if shipped else None


_SCHEMA = _report_schema()
STATUSES = {"pass", "warn", "fail", "skipped", "error"}


def check_report(report: dict) -> None:
    if _SCHEMA is not None:
        import jsonschema

        jsonschema.validate(report, _SCHEMA)
    assert report["schema_version"] == 1
    assert report["verdict"] in ("go", "no-go")
    summary = report["summary"]
    assert isinstance(summary["reason"], str) and summary["reason"]
    assert all(isinstance(summary[k], int) and summary[k] >= 0 for k in ("records", "examples", "findings"))
    for inp in report["inputs"]:
        assert isinstance(inp["path"], str) and isinstance(inp["split"], str) and isinstance(inp["records"], int)
    assert report["rules"], "a report has at least one rule"
    findings = 0
    for rule in report["rules"]:
        assert isinstance(rule["id"], str) and rule["status"] in STATUSES and rule["severity"] in ("error", "warning")
        assert isinstance(rule["message"], str)
        for finding in rule["findings"]:
            assert isinstance(finding["message"], str)
            assert finding.get("snippet") is None or isinstance(finding["snippet"], str)
            for loc in finding["locations"]:
                assert set(loc) >= {"path", "line", "record"}
                assert loc["line"] is None or (isinstance(loc["line"], int) and loc["line"] >= 1)
        findings += len(rule["findings"])
    assert summary["findings"] == findings


# -- the invariants -----------------------------------------------------------------------------


def check_invariants(run: Run, data_dir: Path, before: dict[str, str], *, secrets_intact: bool, verdict_sets_code: bool = True) -> None:
    assert run.code in (0, 1, 2), (run.code, run.err)
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    assert snapshot(data_dir) == before, "the input folder changed"
    if run.code == 2:
        # dqlint's own errors are one line; click's usage errors end with their "Error:" line.
        one_line = run.err.startswith("dqlint: error: ") and run.err.count("\n") == 1
        assert one_line or run.err.rstrip().splitlines()[-1].startswith("Error: "), run.err
        return
    report = json.loads(run.outputs["json"])
    check_report(report)
    if verdict_sets_code:
        assert run.code == (0 if report["verdict"] == "go" else 1)
    if secrets_intact:
        for fmt, text in {**run.outputs, "stdout": run.out, "stderr": run.err}.items():
            assert leaked_secrets(text) == {}, f"secret unmasked in {fmt}"
    for fmt in ESCAPED_FORMATS:
        assert raw_controls(run.outputs[fmt], colour=fmt == "terminal") == [], f"raw control characters in {fmt}"


# -- seed files: valid data full of secrets and escapes -----------------------------------------

TOPICS = ("cats", "dogs", "rivers", "stars", "bread", "trains", "music", "chess")


def _chat(i: int) -> dict:
    user = f"Question {i} about {TOPICS[i % 8]}?"
    reply = f"Answer {i}: {TOPICS[i % 8]} are fine."
    if i % 5 == 1:
        user += f" My key is {OPENAI_KEY} and mail {EMAIL}."
    if i % 7 == 2:
        reply += " " + ESCAPES + f" the AWS key {AWS_KEY} and the"
    if i == 3:
        user += "\n" + PEM_KEY
    return {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": user}, {"role": "assistant", "content": reply}]}


def _labelled(i: int) -> dict:
    label = (AWS_KEY, EMAIL, ESCAPES)[i % 3] if i % 11 == 5 else ("pos" if i % 2 else "neg")
    return {"text": f"review {i} of {TOPICS[i % 8]}: {'good' if i % 2 else 'bad'}", "label": label}


def seed_bytes(kind: str, rows: int) -> bytes:
    """A valid file of ``kind`` with ``rows`` records holding every planted secret."""
    if kind in ("jsonl", "jsonl.gz"):
        body = "".join(json.dumps(_chat(i)) + "\n" for i in range(rows)).encode()
        return gzip.compress(body, mtime=0) if kind.endswith(".gz") else body
    if kind == "json":
        return json.dumps([_labelled(i) for i in range(rows)] + [{"text": "key " + PEM_KEY, "label": "pos"}], indent=1).encode()
    if kind in ("csv", "tsv"):
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if kind == "csv" else "\t", lineterminator="\n")
        writer.writerow(["text", "label"])
        # No NUL in a CSV seed: a NUL byte makes the file binary (exit 2), whatever else it holds.
        writer.writerows([r["text"], r["label"].replace("\x00", "")] for r in map(_labelled, range(rows)))
        return buf.getvalue().encode()
    if kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        records = [_labelled(i) for i in range(rows)] + [{"text": "key " + PEM_KEY, "label": "pos"}]
        sink = io.BytesIO()
        # Uncompressed: the secrets stay literal bytes, so mutations can be kept off them.
        pq.write_table(pa.Table.from_pylist(records), sink, compression="none")
        return sink.getvalue()
    raise ValueError(kind)


KINDS = ("jsonl", "json", "csv", "tsv", "parquet", "jsonl.gz")


def secret_spans(data: bytes) -> list[tuple[int, int]]:
    """Where planted secrets (raw or JSON-escaped) sit in ``data``, widened by 2 bytes each side:
    mutations stay off them, so every secret left in a mutated file is intact and recognisable."""
    spans = []
    for secret in SECRETS:
        for form in {secret.encode(), json.dumps(secret)[1:-1].encode()}:
            start = data.find(form)
            while start != -1:
                spans.append((max(0, start - 2), start + len(form) + 2))
                start = data.find(form, start + 1)
    return spans


# -- mutations ----------------------------------------------------------------------------------

INTERESTING = [b'"', b"\n", b"\r\n", b",", b"\t", b"{", b"}", b"[", b"]", b"\\", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf",
               b"NaN", b"null", b"1e999", b"-0", b"\\u0000", b"\\ud800", b"[" * 200, ESCAPES.encode(), "é\u202e".encode(),
               b'{"messages": 1}', b'"label": {"a": [1, 2]}']


@st.composite
def mutations(draw, size: int) -> list[tuple[str, int, int, bytes]]:
    ops = []
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "truncate"]))
        pos = draw(st.integers(0, max(0, size)))
        length = draw(st.integers(1, 64))
        payload = draw(st.one_of(st.sampled_from(INTERESTING), st.binary(min_size=1, max_size=16)))
        ops.append((op, pos, length, payload))
    return ops


def mutate(data: bytes, ops: list[tuple[str, int, int, bytes]]) -> bytes:
    """Apply ``ops`` in order, each skipped when it would touch a planted secret."""
    for op, pos, length, payload in ops:
        pos = min(pos, len(data))
        end = pos + (0 if op in ("insert", "truncate") else length)
        if any(pos < e and s < max(end, pos + 1) for s, e in secret_spans(data)):
            continue
        if op == "flip" and pos < len(data):
            data = data[:pos] + bytes([data[pos] ^ (1 + length % 255)]) + data[pos + 1 :]
        elif op == "insert":
            data = data[:pos] + payload + data[pos:]
        elif op == "delete":
            data = data[:pos] + data[end:]
        elif op == "duplicate":
            data = data[:end] + data[pos:end] + data[end:]
        elif op == "truncate":
            data = data[:pos]
    return data


def _workspace() -> tuple[tempfile.TemporaryDirectory, Path, Path]:
    tmp = tempfile.TemporaryDirectory(prefix="dqlint-fuzz-")
    data_dir, out_dir = Path(tmp.name, "data"), Path(tmp.name, "out")
    data_dir.mkdir()
    out_dir.mkdir()
    return tmp, data_dir, out_dir


# -- the properties -------------------------------------------------------------------------------


@settings(max_examples=60 * SCALE)
@given(kind=st.sampled_from(KINDS), data=st.binary(max_size=3000))
def test_random_bytes(kind, data):
    tmp, data_dir, out_dir = _workspace()
    with tmp:
        path = data_dir / f"train.{kind}"
        path.write_bytes(data)
        before = snapshot(data_dir)
        run = run_check([path], out_dir, "--isolated")
        check_invariants(run, data_dir, before, secrets_intact=False)


@settings(max_examples=40 * SCALE)
@given(kind=st.sampled_from(KINDS), text=st.text(st.characters(codec="utf-8"), max_size=2000))
def test_random_text(kind, text):
    """Random text rather than bytes: gets past the binary-file check into the parsers."""
    tmp, data_dir, out_dir = _workspace()
    with tmp:
        path = data_dir / f"train.{kind}"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        before = snapshot(data_dir)
        run = run_check([path], out_dir, "--isolated")
        check_invariants(run, data_dir, before, secrets_intact=False)


@settings(max_examples=100 * SCALE)
@given(kind=st.sampled_from(KINDS), rows=st.integers(3, 40), ops=st.data())
def test_mutated_files(kind, rows, ops):
    seed = seed_bytes(kind, rows)
    # Compressed files: mutate the plain bytes (the compressed stream hides the secrets).
    plain = gzip.decompress(seed) if kind.endswith(".gz") else seed
    mutated = mutate(plain, ops.draw(mutations(len(plain))))
    raw = gzip.compress(mutated, mtime=0) if kind.endswith(".gz") else mutated
    tmp, data_dir, out_dir = _workspace()
    with tmp:
        path = data_dir / f"train.{kind}"
        path.write_bytes(raw)
        before = snapshot(data_dir)
        run = run_check([path], out_dir, "--isolated")
        # A CSV whose quoting broke splits a multi-line field into records; only then can a lone
        # base64 line of a key body stand unrecognised (the CSV seed holds no PEM key).
        check_invariants(run, data_dir, before, secrets_intact=True)


# -- random configs and options -------------------------------------------------------------------


def _rule_options() -> dict[str, list[str]]:
    """rule id -> its option names, read from `dqlint rules` (the CLI's own documentation)."""
    proc = subprocess.run([sys.executable, "-m", "dqlint", "rules"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    options: dict[str, list[str]] = {}
    rule = None
    for line in proc.stdout.splitlines():
        head = re.match(r"^([a-z][a-z0-9-]+) — ", line)
        if head:
            rule = head.group(1)
            options[rule] = []
        opt = re.match(r"^  ([a-z][a-z0-9-]+) = ", line)
        if rule and opt:
            options[rule].append(opt.group(1))
    return options


RULE_OPTIONS = _rule_options()
RULES = sorted(RULE_OPTIONS)

toml_scalars = st.one_of(
    st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
    st.text(max_size=20), st.sampled_from(["ALL", "error", "warning", "train", "test", "auto", ""]),
)
toml_values = st.one_of(toml_scalars, st.lists(toml_scalars, max_size=4), st.lists(st.lists(st.integers(), max_size=2), max_size=2))
cli_values = st.one_of(
    st.integers(-5, 10**9).map(str), st.floats(allow_nan=True).map(str), st.sampled_from(["", "true", "false", "[1, 2]", "[]", "{a = 1}", "x", "-1", "1e999"]),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12),
)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    return "[" + ", ".join(_toml(v) for v in value) + "]"


@st.composite
def configs(draw) -> str:
    lines = []
    for key in draw(st.lists(st.sampled_from(["select", "ignore", "fail-on", "cache-dir", "exclude", "bogus"]), max_size=3, unique=True)):
        if key in ("select", "ignore"):
            value = draw(st.one_of(st.lists(st.sampled_from(RULES + ["ALL", "nope"]), max_size=3), toml_values))
        elif key == "cache-dir":
            continue  # the cache has its own tests; --no-cache is given anyway
        else:
            value = draw(toml_values)
        lines.append(f"{key} = {_toml(value)}")
    for rule in draw(st.lists(st.sampled_from(RULES), max_size=3, unique=True)):
        lines.append(f"[rules.{rule}]")
        names = RULE_OPTIONS[rule] + ["severity", "bogus"]
        for name in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)):
            value = draw(st.one_of(st.sampled_from(["error", "warning"]), toml_values)) if name == "severity" else draw(toml_values)
            lines.append(f"{name} = {_toml(value)}")
    return "\n".join(lines) + "\n"


@st.composite
def cli_options(draw) -> list[str]:
    args: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        rule = draw(st.sampled_from(RULES))
        kind = draw(st.sampled_from(["set", "severity", "select", "ignore", "fail-on", "max-findings", "exit-zero", "field"]))
        if kind == "set" and RULE_OPTIONS[rule]:
            args += ["--set", f"{rule}.{draw(st.sampled_from(RULE_OPTIONS[rule]))}={draw(cli_values)}"]
        elif kind == "severity":
            args += ["--severity", f"{rule}={draw(st.sampled_from(['error', 'warning', 'info', '']))}"]
        elif kind in ("select", "ignore"):
            args += [f"--{kind}", ",".join(draw(st.lists(st.sampled_from(RULES + ["ALL", "x"]), min_size=1, max_size=3)))]
        elif kind == "fail-on":
            args += ["--fail-on", draw(st.sampled_from(["error", "warning", "never"]))]
        elif kind == "max-findings":
            args += ["--max-findings", draw(st.sampled_from(["0", "1", "-1", "99999999999", "x"]))]
        elif kind == "exit-zero":
            args.append("--exit-zero")
        elif kind == "field":
            args += ["--field", f"{draw(st.sampled_from(['text', 'label', 'input', 'output', 'split', 'bogus']))}={draw(cli_values)}"]
    return args


@settings(max_examples=80 * SCALE)
@given(kind=st.sampled_from(("jsonl", "csv")), config=configs(), options=cli_options())
def test_random_configs_and_options(kind, config, options):
    tmp, data_dir, out_dir = _workspace()
    with tmp:
        path = data_dir / f"train.{kind}"
        path.write_bytes(seed_bytes(kind, 24))
        config_file = Path(tmp.name, "dqlint.toml")
        config_file.write_text(config, encoding="utf-8")
        before = snapshot(data_dir)
        run = run_check([path], out_dir, "--config", str(config_file), *options)
        # --exit-zero and fail-on change how the verdict maps to the exit code.
        plain_exit = not any(o in ("--exit-zero", "--fail-on") for o in options) and "fail-on" not in config
        check_invariants(run, data_dir, before, secrets_intact=True, verdict_sets_code=plain_exit)
