"""Issue 12: read real datasets as they come.

Schema inference (key variants, then values), `--field` for every format, lone files judged as
training data, conversations with tool calls as the providers define them, provider profiles
(`--target`), placeholders written as text, list-valued completions. Everything goes through the
public API (`dqlint.check`) or the CLI, and asserts what the JSON report says; one property test
loads arbitrary records through the data layer.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dqlint
from conftest import write_jsonl
from dqlint.data.formats import ValidationPolicy, validate_record
from dqlint.data.ingest import dataset_from_records

SHARED = Path(os.environ.get("DQLINT_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
REAL = SHARED / "data" / "real"
FORMAT = ["format-consistency"]
CORE = ["format-consistency", "dataset-size", "class-balance"]


def fc(report) -> dict:
    return report.rule("format-consistency")


def kinds(entry: dict) -> list[tuple[int | None, str]]:
    """(record, kind) of every finding of a rule entry, in report order."""
    return [(f["locations"][0]["record"] if f["locations"] else None, f["details"]["kind"]) for f in entry["findings"]]


def only_input(report) -> dict:
    (entry,) = report.to_dict()["inputs"]
    return entry


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


TOPICS = ["World", "Sports", "Business", "Sci/Tech"]


def news_rows(n: int) -> list[list]:
    """An AG News-like set: label first, then a short title and a longer description."""
    return [
        [
            str(i % 4 + 1),
            f"Story {i}: {TOPICS[i % 4]} headline number {i * 37 % 1000}",
            f"Reuters - A longer description of event {i}, with {i * 13 % 97} details about the {TOPICS[i % 4].lower()} story and what happened next.",
        ]
        for i in range(200)
    ]


# -- 1. schema inference by key variants -------------------------------------------------------


def test_instruction_input_response_is_alpaca_with_output_response(tmp_path):
    records = [{"instruction": f"Summarise note {i}", "input": f"Note {i}: the meeting moved to room {i % 9}." if i % 3 else "", "response": f"Meeting in room {i % 9}."} for i in range(150)]
    report = dqlint.check(str(write_jsonl(tmp_path / "data.jsonl", records)), rules=FORMAT, config={})
    entry = only_input(report)
    assert entry["format"] == "alpaca"
    assert entry["fields"] == {"input": ["instruction", "input"], "output": ["response"]}
    assert fc(report)["details"]["invalid_records"] == 0
    assert fc(report)["status"] == "pass"


def test_news_csv_named_test_is_classification_and_a_lone_training_set(tmp_path):
    path = write_csv(tmp_path / "test.csv", ["label", "title", "description"], news_rows(200))
    report = dqlint.check(str(path), rules=CORE, config={})
    entry = only_input(report)
    assert entry["format"] == "classification"
    assert entry["fields"] == {"text": ["title", "description"], "label": ["label"]}
    assert entry["split"] == "train"
    assert fc(report)["details"]["invalid_records"] == 0
    size = report.rule("dataset-size")
    assert size["details"]["train"] == 200
    assert "only input" in size["message"] and "training set" in size["message"]
    assert report.rule("class-balance")["details"]["classes"] == 4


def test_split_names_apply_when_several_inputs_are_given(tmp_path):
    train = write_csv(tmp_path / "train.csv", ["label", "title", "description"], news_rows(200))
    test = write_csv(tmp_path / "test.csv", ["label", "title", "description"], news_rows(200)[:50])
    report = dqlint.check([str(train), str(test)], rules=["dataset-size"], config={})
    assert [i["split"] for i in report.to_dict()["inputs"]] == ["train", "test"]
    assert "only input" not in report.rule("dataset-size")["message"]


def test_only_test_data_says_what_it_could_not_check(tmp_path, dqlint_cli):
    path = write_csv(tmp_path / "held.csv", ["text", "label"], [[f"text number {i} here", str(i % 2)] for i in range(60)])
    result = dqlint_cli("check", "--test", str(path), "--isolated", "--no-cache", "--select", "dataset-size", "-f", "json")
    size = result.json()["rules"][0]
    assert size["details"]["train"] == 0
    assert "no training set" in size["message"]


# -- inference from values ---------------------------------------------------------------------


def test_fields_inferred_from_values_are_reported_with_how_to_pin_them(tmp_path):
    rows = [[str(1000 + i), f"The delivery number {i} came {i % 7} minutes late but the food was still warm and tasty, thanks.", ["good", "bad", "okay"][i % 3]] for i in range(120)]
    path = write_csv(tmp_path / "reviews.csv", ["rid", "body_txt", "verdict"], rows)
    report = dqlint.check(str(path), rules=CORE, config={})
    entry = only_input(report)
    assert entry["format"] == "classification"
    assert entry["fields"] == {"text": ["body_txt"], "label": ["verdict"], "id": ["rid"]}
    assert entry["fields_from"] == "values"
    result = fc(report)
    assert result["details"]["invalid_records"] == 0
    (inferred,) = [f for f in result["findings"] if f["details"]["kind"] == "inferred-fields"]
    assert "--field text=body_txt" in inferred["message"] and "--field label=verdict" in inferred["message"]
    assert report.rule("class-balance")["details"]["classes"] == 3


def test_extra_keys_warn_only_on_the_minority_that_has_them():
    common = [{"text": f"sentence {i} about things", "label": str(i % 2), "source_url": f"https://example.org/{i}"} for i in range(300)]
    common[7]["annotator_note"] = "unsure"
    report = dqlint.check(common, rules=FORMAT, config={})
    result = fc(report)
    # One note for the key every record shares, one warning on the record with its own key.
    assert kinds(result) == [(None, "unknown-key"), (7, "unknown-key")]
    assert "source_url" in result["findings"][0]["message"] and result["findings"][0]["locations"][0]["line"] is None
    assert "annotator_note" in result["findings"][1]["message"]
    assert result["status"] == "warn" and result["details"]["invalid_records"] == 0


# -- 2. --field for every format, validated ----------------------------------------------------


@pytest.mark.parametrize(
    "record, fields",
    [
        ({"instruction": "Say hi", "response": "hi"}, {"input": ["instruction"], "output": ["response"]}),
        ({"prompt": "Say hi", "response": "hi"}, {"input": ["prompt"], "output": ["response"]}),
        ({"question": "Say hi", "response": "hi"}, {"input": ["question"], "output": ["response"]}),
        ({"text": "Say hi", "response": "hi"}, {"input": ["text"], "output": ["response"]}),
        ({"query": "Say hi", "response": "hi", "reply": "not this"}, {"input": ["query"], "output": ["response"]}),
    ],
)
def test_field_output_override_for_every_shape(tmp_path, dqlint_cli, record, fields):
    path = write_jsonl(tmp_path / "data.jsonl", [{k: f"{v} {i}" for k, v in record.items()} for i in range(20)])
    args = ("check", str(path), "--field", "output=response", "--isolated", "--no-cache", "--select", "format-consistency", "-f", "json")
    if "query" in record:
        args += ("--field", "input=query")
    result = dqlint_cli(*args)
    report = result.json()
    assert report["inputs"][0]["fields"] == fields
    assert report["inputs"][0]["fields_from"] == "config"
    assert report["rules"][0]["details"]["invalid_records"] == 0, report["rules"][0]["message"]


def test_field_naming_an_absent_field_is_exit_2_naming_it(tmp_path, dqlint_cli):
    path = write_jsonl(tmp_path / "data.jsonl", [{"question": f"q{i}", "answer": f"a{i}"} for i in range(5)])
    result = dqlint_cli("check", str(path), "--field", "output=respnse", "--isolated", "--no-cache", "--select", "format-consistency", "-f", "json")
    assert result.code == 2
    assert result.out == ""
    assert "respnse" in result.err and str(path) in result.err
    assert len(result.err.strip().splitlines()) == 1


# -- 4. conversations as providers define them -------------------------------------------------

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def call(call_id: str, city: str) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": json.dumps({"city": city})}}


def tool_chat(i: int) -> dict:
    return {
        "messages": [
            {"role": "system", "content": "You can look up the weather."},
            {"role": "user", "content": f"Weather in city {i}?"},
            {"role": "assistant", "content": None, "tool_calls": [call(f"call_{i}", f"city {i}")]},
            {"role": "tool", "tool_call_id": f"call_{i}", "content": json.dumps({"temp": i % 30})},
            {"role": "assistant", "content": f"It is {i % 30} degrees in city {i}."},
        ],
        "tools": TOOLS,
    }


def parallel_chat(i: int) -> dict:
    return {
        "messages": [
            {"role": "user", "content": f"Weather in A{i} and B{i}?"},
            {"role": "assistant", "tool_calls": [call(f"a{i}", f"A{i}"), call(f"b{i}", f"B{i}")]},
            {"role": "tool", "tool_call_id": f"b{i}", "content": "{\"temp\": 3}"},
            {"role": "tool", "tool_call_id": f"a{i}", "content": "{\"temp\": 4}"},
            {"role": "assistant", "content": f"A{i}: 4 degrees, B{i}: 3 degrees.", "weight": 1},
        ],
        "tools": TOOLS,
        "parallel_tool_calls": True,
    }


def parts_chat(i: int) -> dict:
    return {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": f"What is in picture {i}?"}, {"type": "image_url", "image_url": {"url": f"https://example.org/{i}.png"}}]},
            {"role": "assistant", "content": [{"type": "text", "text": f"A cat, number {i}."}]},
        ]
    }


def check_cli(dqlint_cli, path: Path, *extra: str):
    return dqlint_cli("check", str(path), "--isolated", "--no-cache", "--select", "format-consistency", "-f", "json", *extra)


@pytest.mark.parametrize("make", [tool_chat, parallel_chat, parts_chat], ids=["tool-call", "parallel-calls", "content-parts"])
def test_valid_provider_conversations_pass_under_openai(tmp_path, dqlint_cli, make):
    path = write_jsonl(tmp_path / "train.jsonl", [make(i) for i in range(12)])
    result = check_cli(dqlint_cli, path, "--target", "openai")
    assert result.code == 0, result.err
    report = result.json()
    assert report["target"] == "openai"
    assert report["rules"][0]["status"] == "pass", report["rules"][0]["findings"][:2]


def test_valid_tool_call_conversation_passes_the_generic_profile():
    report = dqlint.check([tool_chat(i) for i in range(12)], rules=FORMAT, config={})
    assert report.to_dict()["target"] == "generic"
    assert fc(report)["status"] == "pass", fc(report)["findings"][:2]


def test_assistant_before_any_user_turn_fails_turn_order():
    bad = {"messages": [{"role": "system", "content": "s"}, {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "How can I help?"}]}
    report = dqlint.check([tool_chat(0), bad], rules=FORMAT, config={})
    assert kinds(fc(report)) == [(1, "role-order")]
    assert fc(report)["findings"][0]["details"]["blocking"] is True


def test_tool_message_answering_an_unknown_call_id_fails():
    bad = tool_chat(1)
    bad["messages"][3]["tool_call_id"] = "call_nobody_made"
    report = dqlint.check([tool_chat(0), bad], rules=FORMAT, config={})
    assert kinds(fc(report)) == [(1, "tool-call")]
    assert "call_nobody_made" in fc(report)["findings"][0]["message"]


# -- the real sets in ../shared/data/real ------------------------------------------------------

needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"real datasets not found at {REAL} (the shared folder beside this checkout)")

# (file, format, fields, records whose failure is genuine)
REAL_SETS = [
    ("gsm8k/train.jsonl", "prompt-completion", {"input": ["question"], "output": ["answer"]}, set()),
    ("dolly_prompt_answer/dolly.jsonl", "prompt-completion", {"input": ["prompt"], "output": ["answer"]}, set()),
    ("alpaca_eval/outputs.json", "alpaca", {"input": ["instruction"], "output": ["output"]}, set()),
    ("bbc_news/bbc_news_train.csv", "classification", {"text": ["Text"], "label": ["Category"], "id": ["ArticleId"]}, set()),
    ("meituan_waimai/waimai_10k.csv", "classification", {"text": ["review"], "label": ["label"]}, set()),
    ("meituan_waimai/train-00000-of-00001.parquet", "classification", {"text": ["text"], "label": ["label"]}, set()),
    ("meituan_waimai/train.jsonl", "alpaca", {"input": ["instruction", "input"], "output": ["output"]}, set()),
    ("fastchat_sharegpt/dummy_conversation.json", "sharegpt", {"messages": ["conversations"]}, set()),
    ("openai_chat/weather_chat_fine_tuning.jsonl", "openai-chat", {"messages": ["messages"]}, set()),
    # Line 4 of the cookbook's deliberately flawed toy file is system + assistant, no user turn;
    # lines 9 and 10 repeat it.
    ("openai_chat/toy_chat_fine_tuning.jsonl", "openai-chat", {"messages": ["messages"]}, {3, 8, 9}),
]


@needs_real
@pytest.mark.parametrize("name, fmt, fields, broken", REAL_SETS, ids=[r[0].split("/")[0] + ":" + r[0].split("/")[1] for r in REAL_SETS])
def test_real_set_is_read_with_the_right_fields(name, fmt, fields, broken):
    report = dqlint.check(str(REAL / name), rules=FORMAT, config={})
    entry = only_input(report)
    assert (entry["format"], entry["fields"], entry["split"]) == (fmt, fields, "train")
    result = fc(report)
    failing = {rec for rec, kind in kinds(result) if any(f["details"]["blocking"] for f in result["findings"] if f["locations"] and f["locations"][0]["record"] == rec)}
    assert failing == broken, result["message"]


@needs_real
def test_real_gsm8k_splits_only_with_several_inputs():
    alone = dqlint.check(str(REAL / "gsm8k/test.jsonl"), rules=["dataset-size"], config={})
    assert alone.rule("dataset-size")["details"]["train"] == 1319
    both = dqlint.check([str(REAL / "gsm8k/train.jsonl"), str(REAL / "gsm8k/test.jsonl")], rules=CORE, config={})
    assert (both.rule("dataset-size")["details"]["train"], both.rule("dataset-size")["details"]["test"]) == (7473, 1319)
    assert fc(both)["details"]["invalid_records"] == 0


@needs_real
def test_real_bbc_news_classes():
    report = dqlint.check(str(REAL / "bbc_news/bbc_news_train.csv"), rules=["class-balance"], config={})
    assert report.rule("class-balance")["details"]["classes"] == 5


@needs_real
def test_real_weather_tool_calls_pass_under_openai(dqlint_cli):
    result = check_cli(dqlint_cli, REAL / "openai_chat/weather_chat_fine_tuning.jsonl", "--target", "openai")
    assert result.json()["rules"][0]["status"] == "pass"


# -- 6. placeholders written as text -----------------------------------------------------------


def alpaca(i: int, extra: str) -> dict:
    return {"instruction": f"Write a title for story number {i}", "input": extra, "output": f"The story of {i}"}


def test_placeholder_markers_and_their_inconsistent_use():
    records = [alpaca(i, f"A story about the number {i}") for i in range(40)]
    records[3]["input"] = "<noinput>"
    records[5]["input"] = "N/A"
    records[8]["input"] = "none"
    records[9]["input"] = "<noinput>"
    report = dqlint.check(records, rules=FORMAT, config={})
    result = fc(report)
    per_record = [(rec, kind) for rec, kind in kinds(result) if kind == "placeholder"]
    assert per_record == [(3, "placeholder"), (5, "placeholder"), (8, "placeholder"), (9, "placeholder")]
    (mixed,) = [f for f in result["findings"] if f["details"]["kind"] == "placeholder-variants"]
    assert mixed["details"]["variants"] == {"<noinput>": 2, "N/A": 1, "none": 1}


def test_undefined_as_the_answer_to_a_javascript_question_is_not_a_placeholder():
    records = [alpaca(i, f"A story about the number {i}") for i in range(20)]
    records.append({"instruction": "What does this JavaScript print?", "input": "let x;\nconsole.log(x);", "output": "undefined"})
    records.append({"instruction": "Summarise the article.", "input": "The council met on Monday and approved the budget.", "output": "N/A"})
    report = dqlint.check(records, rules=FORMAT, config={})
    assert kinds(fc(report)) == [(21, "missing-value")]


# -- 7. list-valued completions ----------------------------------------------------------------


@pytest.mark.parametrize(
    "completion, target, blocking",
    [
        (["first answer", "second answer"], "generic", True),  # no provider takes a list of strings
        ([{"role": "assistant", "content": "an answer"}], "generic", False),
        ([{"role": "assistant", "content": "an answer"}], "trl", False),  # TRL conversational prompt-completion
        ([{"role": "assistant", "content": "an answer"}], "together", True),  # Together wants strings
        ([{"role": "assistant", "content": "an answer"}], "openai", True),
    ],
)
def test_list_valued_completion_per_provider(completion, target, blocking):
    records = [{"prompt": f"Question {i}?", "completion": f"Answer {i}."} for i in range(20)]
    records[4]["completion"] = completion
    report = dqlint.check(records, rules=FORMAT, config={"target": target})
    found = [f for f in fc(report)["findings"] if f["locations"] and f["locations"][0]["record"] == 4]
    assert any(f["details"]["blocking"] for f in found) is blocking, found


# -- 5. provider profiles ----------------------------------------------------------------------


def test_target_is_reported_and_validated(tmp_path, dqlint_cli):
    path = write_jsonl(tmp_path / "train.jsonl", [tool_chat(i) for i in range(12)])
    assert check_cli(dqlint_cli, path).json()["target"] == "generic"
    for target in ("openai", "together", "mistral", "trl", "axolotl"):
        assert check_cli(dqlint_cli, path, "--target", target).json()["target"] == target
    bad = check_cli(dqlint_cli, path, "--target", "openia")
    assert bad.code == 2 and "openia" in bad.err


def test_mistral_tool_call_ids(tmp_path, dqlint_cli):
    ok = tool_chat(0)
    for m in ok["messages"]:
        if m.get("tool_calls"):
            m["tool_calls"][0]["id"] = "a1B2c3D4e"
        if m["role"] == "tool":
            m["tool_call_id"] = "a1B2c3D4e"
    path = write_jsonl(tmp_path / "train.jsonl", [ok, tool_chat(1)])
    result = check_cli(dqlint_cli, path, "--target", "mistral")
    assert kinds(result.json()["rules"][0]) == [(1, "tool-call")]
    assert check_cli(dqlint_cli, path, "--target", "openai").json()["rules"][0]["status"] == "pass"


def test_extra_columns_per_provider(tmp_path, dqlint_cli):
    records = [{"prompt": f"Question {i}?", "completion": f"Answer {i}.", "source": "faq", "topic": "t"} for i in range(20)]
    path = write_jsonl(tmp_path / "train.jsonl", records)
    together = check_cli(dqlint_cli, path, "--target", "together").json()["rules"][0]
    assert together["status"] == "fail" and together["details"]["invalid_records"] == 20
    generic = check_cli(dqlint_cli, path).json()["rules"][0]
    assert kinds(generic) == [(None, "unknown-key")] and generic["status"] == "warn"  # one note: 'topic'
    assert check_cli(dqlint_cli, path, "--target", "trl").json()["rules"][0]["status"] == "pass"  # TRL drops them


def test_formats_each_provider_accepts(tmp_path, dqlint_cli):
    records = [{"instruction": f"Do task {i}", "input": "", "output": f"Done {i}"} for i in range(20)]
    path = write_jsonl(tmp_path / "train.jsonl", records)
    for target, status in (("openai", "fail"), ("together", "fail"), ("axolotl", "pass"), ("generic", "pass")):
        entry = check_cli(dqlint_cli, path, "--target", target).json()["rules"][0]
        assert entry["status"] == status, (target, entry["message"])
        if status == "fail":
            assert {f["details"]["kind"] for f in entry["findings"]} == {"unsupported-format"}


def test_target_from_config_file(tmp_path, dqlint_cli, monkeypatch):
    write_jsonl(tmp_path / "train.jsonl", [tool_chat(i) for i in range(12)])
    (tmp_path / "dqlint.toml").write_text('target = "mistral"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = dqlint_cli("check", "train.jsonl", "--no-cache", "--select", "format-consistency", "-f", "json")
    assert result.json()["target"] == "mistral"


def run_target(dqlint_cli, tmp_path, records, target: str, *extra: str) -> dict:
    path = write_jsonl(tmp_path / f"train-{target}.jsonl", records)
    return check_cli(dqlint_cli, path, "--target", target, *extra).json()["rules"][0]


def user_assistant(i: int) -> dict:
    return {"messages": [{"role": "user", "content": f"Question {i}?"}, {"role": "assistant", "content": f"Answer {i}."}]}


@pytest.mark.parametrize(
    "odd, accepts, rejects",
    [
        # weight on a user turn: OpenAI and Mistral take it on assistant turns only.
        ({"messages": [{"role": "user", "content": "q", "weight": 0}, {"role": "assistant", "content": "a"}]}, ("generic", "together", "trl"), ("openai", "mistral")),
        # The assistant opens, and two user turns in a row: Mistral's validator allows both.
        ({"messages": [{"role": "system", "content": "s"}, {"role": "assistant", "content": "Hi!"}, {"role": "user", "content": "a"}, {"role": "user", "content": "b"}, {"role": "assistant", "content": "c"}]}, ("mistral",), ("generic", "openai", "together", "trl")),
        # A conversation that ends on the user: a warning elsewhere, rejected by Mistral.
        ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}, {"role": "user", "content": "thanks"}]}, ("generic", "openai", "together"), ("mistral",)),
        # Content and tool calls in one assistant turn: Mistral wants one or the other.
        ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "Let me look.", "tool_calls": [call("abcDEF123", "Rome")]}, {"role": "tool", "tool_call_id": "abcDEF123", "content": "{}"}, {"role": "assistant", "content": "Sunny."}]}, ("generic", "openai"), ("mistral",)),
        # Legacy function calling: OpenAI still reads function_call / function turns; Together has no 'function' role.
        ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": None, "function_call": {"name": "get_weather", "arguments": "{}"}}, {"role": "function", "name": "get_weather", "content": "{}"}, {"role": "assistant", "content": "Sunny."}]}, ("generic", "openai"), ("together", "mistral")),
    ],
    ids=["weight-on-user", "assistant-first-and-user-twice", "ends-on-user", "content-and-tool-calls", "legacy-function-call"],
)
def test_what_each_profile_accepts_and_rejects(tmp_path, dqlint_cli, odd, accepts, rejects):
    records = [user_assistant(i) for i in range(12)] + [odd]
    for target in accepts:
        entry = run_target(dqlint_cli, tmp_path, records, target)
        assert entry["details"]["invalid_records"] == 0, (target, entry["findings"])
    for target in rejects:
        entry = run_target(dqlint_cli, tmp_path, records, target)
        blocked = {f["locations"][0]["record"] for f in entry["findings"] if f["details"]["blocking"] and f["locations"]}
        assert blocked == {12}, (target, entry["findings"])


def test_renamed_keys_are_fine_for_trainers_with_a_field_config_only(tmp_path, dqlint_cli):
    records = [{"question": f"What is {i} + 1?", "answer": f"{i + 1}"} for i in range(20)]
    for target in ("generic", "axolotl"):
        assert run_target(dqlint_cli, tmp_path, records, target)["status"] == "pass"
    for target in ("together", "trl"):
        entry = run_target(dqlint_cli, tmp_path, records, target)
        assert entry["status"] == "fail" and [f["details"]["kind"] for f in entry["findings"]] == ["field-names"]
        assert "question -> prompt" in entry["findings"][0]["message"]


def test_provider_minimum_example_count(tmp_path, dqlint_cli):
    path = write_jsonl(tmp_path / "train.jsonl", [user_assistant(i) for i in range(5)])
    args = ("check", str(path), "--isolated", "--no-cache", "--select", "dataset-size", "--set", "dataset-size.min-examples=1", "-f", "json")
    openai = dqlint_cli(*args, "--target", "openai").json()["rules"][0]
    assert openai["status"] == "fail" and "the least OpenAI fine-tuning accepts" in openai["message"]
    assert dqlint_cli(*args).json()["rules"][0]["status"] == "warn"


def test_sharegpt_function_call_turns_are_in_order(tmp_path):
    conv = {"conversations": [
        {"from": "human", "value": "Weather in Rome?"},
        {"from": "function_call", "value": "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}"},
        {"from": "observation", "value": "{\"temp\": 20}"},
        {"from": "gpt", "value": "20 degrees in Rome."},
    ]}
    report = dqlint.check([conv] * 3, rules=FORMAT, config={})
    assert fc(report)["status"] == "pass", fc(report)["findings"]


def test_upload_file_type_per_provider(tmp_path, dqlint_cli):
    path = tmp_path / "train.json"
    path.write_text(json.dumps([tool_chat(i) for i in range(12)]), encoding="utf-8")
    openai = check_cli(dqlint_cli, path, "--target", "openai").json()["rules"][0]
    assert [f["details"]["kind"] for f in openai["findings"]] == ["file-type"] and openai["status"] == "fail"
    assert check_cli(dqlint_cli, path, "--target", "trl").json()["rules"][0]["status"] == "pass"


def test_field_pins_join_text_fields_and_name_the_id(tmp_path, dqlint_cli):
    rows = [[f"n{i}", f"Headline {i}", f"Body of story {i}, long enough to read.", ["a", "b"][i % 2]] for i in range(30)]
    path = write_csv(tmp_path / "news.csv", ["key", "head", "body", "topic"], rows)
    args = ("--field", "text=head,body", "--field", "label=topic", "--field", "id=key")
    entry = check_cli(dqlint_cli, path, *args).json()
    assert entry["inputs"][0]["fields"] == {"text": ["head", "body"], "label": ["topic"], "id": ["key"]}
    assert entry["rules"][0]["status"] == "pass", entry["rules"][0]["findings"]


@pytest.mark.parametrize(
    "header, row, fmt, fields, source",
    [
        # Kaggle's AG News CSV: a class index with no known name, title + description.
        (["Class Index", "Title", "Description"], lambda i: [str(i % 4 + 1), f"Title {i} of the news", f"A description of story {i} with enough words."], "classification", {"text": ["Title", "Description"], "label": ["Class Index"]}, "keys"),
        # Sentence pairs (NLI): both sentences are the text.
        (["premise", "hypothesis", "label"], lambda i: [f"A man plays guitar number {i}.", f"Someone makes music {i}.", ["entailment", "neutral"][i % 2]], "classification", {"text": ["premise", "hypothesis"], "label": ["label"]}, "keys"),
        # Reviews with star ratings under a name of their own.
        (["review_body", "stars"], lambda i: [f"Great product number {i}, would buy it again for sure.", str(i % 5 + 1)], "classification", {"text": ["review_body"], "label": ["stars"]}, "values"),
        # A text column and a metadata column with few values: not a label.
        (["text", "lang"], lambda i: [f"Some sentence number {i} to train on.", ["en", "de"][i % 2]], "text", {"text": ["text"]}, "format"),
    ],
    ids=["ag-news-kaggle", "nli-pairs", "stars", "metadata-not-label"],
)
def test_more_real_shapes(tmp_path, header, row, fmt, fields, source):
    path = write_csv(tmp_path / "data.csv", header, [row(i) for i in range(80)])
    entry = only_input(dqlint.check(str(path), rules=FORMAT, config={}))
    assert (entry["format"], entry["fields"], entry["fields_from"]) == (fmt, fields, source)


def test_conversation_under_another_key(tmp_path):
    records = [{"conversation": user_assistant(i)["messages"], "model": "m"} for i in range(20)]
    report = dqlint.check(records, rules=FORMAT, config={})
    entry = only_input(report)
    assert (entry["format"], entry["fields"]) == ("openai-chat", {"messages": ["conversation"]})
    assert fc(report)["details"]["invalid_records"] == 0


# -- robustness: inference never breaks a load -------------------------------------------------

KEYS = st.sampled_from(["text", "Text", "label", "title", "description", "instruction", "input", "response", "answer", "question", "prompt", "completion", "messages", "conversation", "id", "ArticleId", "stars", "body", "x"])
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True), st.text(max_size=40),
    st.lists(st.text(max_size=5), max_size=3),
    st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "tool", "x"]), "content": st.one_of(st.none(), st.text(max_size=10))}), max_size=4),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(KEYS, VALUES, max_size=5), min_size=1, max_size=30))
def test_any_records_load_and_validate_without_raising(records):
    ds = dataset_from_records(records)
    assert len(ds) == len(records)  # every object record becomes a row
    info = ds.files[0]
    seen = {k for rec in records for k in rec}
    assert all(set(keys) <= seen for keys in info.schema.fields.values())
    for row, rec in enumerate(records):
        list(validate_record(rec, ds.format[row], ValidationPolicy(), info.schema))


def test_a_pin_the_reference_sample_lacks_is_fine(tmp_path, dqlint_cli):
    train = write_jsonl(tmp_path / "train.jsonl", [{"question": f"q {i}", "answer": f"a {i}"} for i in range(20)])
    prod = write_jsonl(tmp_path / "prod.jsonl", [{"text": f"q {i}"} for i in range(20)])
    result = check_cli(dqlint_cli, train, "--field", "output=answer", "--reference", str(prod))
    assert result.code in (0, 1), result.err


@pytest.mark.parametrize(
    "records, accepts",
    [
        ([{"conversations": [{"from": "human", "value": f"hi {i}"}, {"from": "gpt", "value": f"hello {i}"}]} for i in range(12)], {"generic", "axolotl"}),
        ([{"text": f"a sentence number {i}", "label": str(i % 2)} for i in range(12)], {"generic"}),
        ([{"prompt": f"p {i}", "chosen": f"good {i}", "rejected": f"bad {i}"} for i in range(12)], {"generic", "trl", "axolotl"}),
        ([{"text": f"raw pretraining text number {i}"} for i in range(12)], {"generic", "together", "mistral", "trl", "axolotl"}),
    ],
    ids=["sharegpt", "classification", "trl-preference", "text"],
)
def test_which_profiles_take_each_format(tmp_path, dqlint_cli, records, accepts):
    for target in ("generic", "openai", "together", "mistral", "trl", "axolotl"):
        entry = run_target(dqlint_cli, tmp_path, records, target)
        kinds_found = {f["details"]["kind"] for f in entry["findings"]}
        assert ("unsupported-format" not in kinds_found) is (target in accepts), (target, entry["message"])


def test_a_tiny_file_and_many_intents_keep_their_label_column():
    tiny = dqlint.check([{"utterance": f"say {c}", "intent": c} for c in ("a", "b", "c")], rules=FORMAT, config={})
    assert only_input(tiny)["fields"] == {"text": ["utterance"], "label": ["intent"]}
    many = dqlint.check([{"text": f"request number {i}", "intent": f"intent_{i % 150}"} for i in range(300)], rules=["class-balance"], config={})
    assert many.rule("class-balance")["details"]["classes"] == 150


def test_report_schema_names_every_profile_and_field_source():
    from dqlint.data.profiles import PROFILES
    from dqlint.report import report_schema

    schema = report_schema()
    assert schema["properties"]["target"]["enum"] == list(PROFILES)
    assert set(schema["$defs"]["input"]["properties"]["fields_from"]["enum"]) == {"format", "keys", "values", "config"}
