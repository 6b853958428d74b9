"""Hostile dataset text, through the real CLI (issue 14, items 2, 4 and 5).

- Secrets planted in every field (system, input, output, label value, field name, file and
  folder name) never reach any output format unmasked, not even as a fragment left by a cut.
- Terminal escape sequences in dataset text are shown visibly (``\\x1b``) in the terminal,
  Markdown and GitHub outputs, never written raw.
- Every text detector finishes on megabytes of adversarial text: each case runs in a
  subprocess with a timeout, so a regular-expression blow-up fails instead of hanging.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import chat, write_jsonl
from hostile import AWS_KEY, EMAIL, ESCAPES, OPENAI_KEY, PEM_KEY, RAW_ESCAPE_MARKERS, leaked_secrets, raw_controls

FORMATS = ("terminal", "json", "markdown", "sarif", "junit", "github", "html")
SUFFIX = {"terminal": "txt", "json": "json", "markdown": "md", "sarif": "sarif", "junit": "xml", "github": "gh", "html": "html"}
TOPICS = ("cats", "dogs", "rivers", "stars", "bread", "trains", "music", "chess", "rain", "maps")


def _chat_rows() -> list[dict]:
    rows = [
        chat(f"Tell me fact number {i} about {TOPICS[i % 10]}, in one sentence.",
             f"Fact {i}: {TOPICS[i % 10]} are interesting in many different ways, and this is one of them.")
        for i in range(40)
    ]
    # An exact duplicate pair holding a long private key: near-duplicates, edge cases (length
    # outliers) and token-length (over the limit below) all quote a cut of it.
    rows += [chat("Here is my key, store it:\n" + PEM_KEY, "I cannot store keys.")] * 2
    rows.append(chat(f"My e-mail is {EMAIL} and my AWS key is {AWS_KEY}", f"Thanks, noted {EMAIL}", system=f"System key {OPENAI_KEY}"))
    # Ends mid-sentence with the key inside the quoted last 40 characters, without its prefix.
    rows.append(chat("Log me in please", f"Use this token to log in now: {OPENAI_KEY} and the"))
    rows.append(chat("Say something " + ESCAPES, "Here it is " + ESCAPES + " done."))
    # Secrets and escapes as field names: format-consistency names unknown keys.
    rows.append({**chat("What is two plus two?", "Four."), AWS_KEY: 1, EMAIL: 2, OPENAI_KEY: 3, ESCAPES: 4})
    return rows


def _label_rows() -> list[dict]:
    rows = [{"text": f"review {i} of the {TOPICS[i % 10]} product: {'good' if i % 2 else 'bad'} overall", "label": "pos" if i % 2 else "neg"}
            for i in range(60)]
    # Rare labels that are secrets: class-balance, label-accuracy and edge-case-ratio name them.
    rows += [{"text": f"an odd review number {i}", "label": label} for i, label in enumerate((OPENAI_KEY, EMAIL, AWS_KEY, PEM_KEY, ESCAPES))]
    # The same text under two labels (a label conflict) quoting a private key.
    rows += [{"text": "my key is " + PEM_KEY, "label": "pos"}, {"text": "my key is " + PEM_KEY, "label": "neg"}]
    return rows


def _run(args: list[str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "NO_COLOR", "DQLINT_DEBUG")}
    return subprocess.run([sys.executable, "-m", "dqlint", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", errors="surrogateescape", timeout=timeout)


@pytest.fixture(scope="module")
def hostile_outputs(tmp_path_factory) -> dict[str, str]:
    """Every format of one `dqlint check` run over files full of secrets and escapes (the
    terminal report in colour, the way a developer sees it)."""
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    (data / EMAIL).mkdir(parents=True)
    chat_file = write_jsonl(data / f"train-{AWS_KEY}.jsonl", _chat_rows())
    label_file = write_jsonl(data / EMAIL / "train.jsonl", _label_rows())
    escape_file = write_jsonl(data / f"train-{ESCAPES.replace(chr(0), '').replace('/', '')}.jsonl", _chat_rows()[:3])
    out = root / "out"
    out.mkdir()
    args = ["check", str(chat_file), str(label_file), str(escape_file), "--no-cache", "--color",
            "--set", "token-length.context-limit=200"]
    for fmt in FORMATS:
        args += ["-f", fmt, "-o", str(out / f"report.{SUFFIX[fmt]}")]
    result = _run(args, root)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    outputs = {fmt: (out / f"report.{SUFFIX[fmt]}").read_text(encoding="utf-8", errors="surrogateescape") for fmt in FORMATS}
    outputs["stderr"] = result.stderr
    return outputs


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_planted_secret_reaches_any_format(hostile_outputs, fmt):
    assert leaked_secrets(hostile_outputs[fmt]) == {}


def test_secrets_are_still_reported_masked(hostile_outputs):
    # Masking must not hide the problem: the findings are there, with the masked forms.
    report = json.loads(hostile_outputs["json"])
    sensitive = next(r for r in report["rules"] if r["id"] == "sensitive-content")
    assert sensitive["status"] == "fail"
    text = json.dumps(sensitive)
    for masked in ("sk-p********", "AKIA********", "j***@acme-corp.io", "-----BEGIN PRIVATE KEY-----"):
        assert masked in text


def test_no_secret_on_stderr(hostile_outputs):
    assert leaked_secrets(hostile_outputs["stderr"]) == {}


@pytest.mark.parametrize("fmt", ("terminal", "markdown", "github"))
def test_escape_sequences_are_shown_not_executed(hostile_outputs, fmt):
    text = hostile_outputs[fmt]
    assert [m for m in RAW_ESCAPE_MARKERS if m in text] == []
    assert raw_controls(text, colour=fmt == "terminal") == []
    assert "\\x1b" in text  # shown visibly, not silently dropped


@pytest.mark.parametrize("fmt", ("json", "sarif"))
def test_json_formats_escape_control_characters(hostile_outputs, fmt):
    # JSON escapes every C0 control by construction (DEL and C1 characters are legal JSON text).
    assert [c for c in raw_controls(hostile_outputs[fmt]) if c < "U+007F"] == []


def test_junit_stays_well_formed_xml(hostile_outputs):
    import xml.etree.ElementTree as ET

    assert ET.fromstring(hostile_outputs["junit"]).tag == "testsuites"


def test_json_report_is_still_valid_json(hostile_outputs):
    report = json.loads(hostile_outputs["json"])
    assert report["verdict"] == "no-go"
    assert len(report["inputs"]) == 3


# -- regular-expression blow-ups ------------------------------------------------------------
# Each case: one record whose user and assistant turns are the adversarial text (1-2 MB). A
# linear scan takes a few seconds; a quadratic or cubic pattern takes hours, so the timeout
# is generous and still fails fast.

TIME_BOUND_SECONDS = 30  # about 1-3 s when linear (on a loaded machine up to ~10); hours when not


def _padded(text: str, size: int = 1_000_000) -> str:
    """``text`` followed by plain words up to ``size`` characters. Cases with many matches stay at
    ~15,000 of them: every match is a finding detail, and a bigger report would time the JSON
    writer rather than the detectors (15,000 matches is still 10^8 steps for a quadratic one)."""
    return text + " plain words" * max(0, (size - len(text)) // 12)


def _adversarial_cases() -> list:
    cases = {
        # -- sensitive content
        "private-key headers without END": _padded("-----BEGIN PRIVATE KEY-----\n" * 15_000),
        "rsa private-key headers without END": "-----BEGIN RSA PRIVATE KEY----- x " * 30_000,
        "e-mail local part a.a.a. before @": "a." * 500_000 + "@",
        "e-mail domain a.a.a. after @": "x@" + "a." * 500_000,
        "e-mail many @": "a@" * 500_000,
        "e-mail words without @ but woken": "aaaaaaaaaaaa." * 80_000 + "@",
        "credential keyword passw repeated": "passw" * 200_000,
        "credential assignment repeated": "password=" * 100_000,
        "api key prefix repeated": "sk-" * 300_000,
        "jwt-like segments (many matches)": _padded("eyJaaaaaaaaa." * 15_000),
        "jwt prefix inside one long token run": "eyJ-" * 250_000,
        "github token prefix repeated": "ghp_" * 250_000,
        "many aws keys": _padded((AWS_KEY + " ") * 15_000),
        "many e-mails": _padded("ab@acme-corp.io " * 15_000),
        "digit runs": "1 " * 500_000,
        "phone-like runs": "+1 " * 300_000,
        "iban-like runs": "GB00 " * 200_000,
        "injection words repeated": "ignore the " * 100_000,
        # -- llm artifacts
        "template placeholder without ]": ("[your " + "a" * 2_000 + " ") * 500,
        "template placeholder many words": "[insert a a a a a a a a a a a a a a a a a a " * 20_000,
        "angle placeholder repeated": "<your " * 200_000,
        "canned closer then spaces": "hope this helps" + " " * 1_000_000 + "x",
        "code fences": "```" * 300_000,
        "ai disclaimer repeated": "as an ai " * 100_000,
    }
    return [pytest.param(text, id=name) for name, text in cases.items()]


@pytest.mark.slow
@pytest.mark.parametrize("text", _adversarial_cases())
def test_text_detectors_finish_on_adversarial_text(tmp_path, text):
    path = write_jsonl(tmp_path / "train.jsonl", [chat(text, text, system=None)])
    try:
        result = _run(["check", str(path), "--no-cache", "--select", "sensitive-content,llm-artifacts", "-f", "json"],
                      tmp_path, timeout=TIME_BOUND_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"no answer within {TIME_BOUND_SECONDS} s on {len(text):,} characters (a super-linear pattern)")
    assert result.returncode in (0, 1), result.stderr
    assert json.loads(result.stdout)["rules"]


def test_masking_pass_covers_keys_keeps_collisions_and_leaves_computed_fields():
    from dqlint.report.masking import mask_report

    report = {
        "fingerprint": "4229659822002b716a3f",  # a content hash: digits a detector could take for a card
        "rules": [{"message": f"class {OPENAI_KEY!r} is starved", "details": {"jane@acme-corp.io": 3, "john@acme-corp.io": 4}}],
    }
    masked = mask_report(report)
    assert masked["fingerprint"] == report["fingerprint"]
    assert masked["rules"][0]["message"] == "class 'sk-p********' is starved"
    assert masked["rules"][0]["details"] == {"j***@acme-corp.io": 3, "j***@acme-corp.io #2": 4}
    assert mask_report(masked) == masked  # masking twice changes nothing


def test_no_cut_leaves_a_fragment_of_a_secret():
    """Wherever a quote is cut, no piece of a secret survives: masked first, cut second."""
    from dqlint.analysis.sensitive import masked_clip, masked_window

    text = f"Use {OPENAI_KEY} or {AWS_KEY}, mail {EMAIL}.\n{PEM_KEY}\nthen {OPENAI_KEY} and the"
    for limit in range(1, len(text) + 20, 3):
        assert leaked_secrets(masked_clip(text, limit)) == {}, limit
        assert leaked_secrets(masked_clip(text, limit, flat=True)) == {}, limit
    for start in range(0, len(text), 7):
        for width in (40, 60, 400):
            assert leaked_secrets(masked_window(text, start, start + width)) == {}, (start, width)


def test_error_lines_mask_secrets_and_show_escapes(tmp_path):
    # A file dqlint cannot read, named with a key and an escape sequence: the one-line error names
    # it, masked and with the escape shown.
    path = tmp_path / f"train-{AWS_KEY}-\x1b]0;pwned\x07.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = _run(["check", str(path), "--no-cache"], tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("dqlint: error: "), result.stderr
    assert leaked_secrets(result.stderr) == {} and raw_controls(result.stderr) == []
    assert "AKIA********" in result.stderr and "\\x1b]0;pwned\\x07" in result.stderr
