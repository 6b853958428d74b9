"""Issue 13, item 8: an edge-case estimate that earns its warning.

Without tags, `edge-case-ratio` reports its estimate, the rows it counted and an interval,
and warns only when the estimate is confidently outside the band. It must find planted
outliers (off-topic, other language, garbled, extreme length) in a varied set, where a
nearest-neighbour test alone finds almost none.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

import dqlint

from conftest import SAMPLES

SHARED = Path(os.environ.get("DQLINT_SHARED") or Path(__file__).resolve().parents[1].parent / "shared")
REAL = SHARED / "data" / "real"

OFF_TOPIC = [
    "Zebras migrate across the Serengeti following the seasonal rains and fresh grazing.",
    "Write a sonnet about the baroque fugues of Johann Sebastian Bach and their counterpoint.",
    "Explain the Krebs cycle and oxidative phosphorylation in eukaryotic mitochondria.",
    "Who won the 1966 football World Cup final at Wembley, and what was the score?",
    "Recommend a sourdough starter routine for rye flour in a cold kitchen.",
    "Summarise the causes of the Peloponnesian War between Athens and Sparta.",
    "How do black holes evaporate through Hawking radiation over cosmological timescales?",
    "List medieval castle architecture features such as machicolations, barbicans and moats.",
]
OTHER_LANGUAGE = [
    "Bonjour, mon imprimante n'imprime plus depuis hier soir. Pouvez-vous m'aider s'il vous plaît ?",
    "Hallo, meine Rechnung enthält eine Gebühr, die ich nicht kenne. Was soll ich jetzt tun?",
    "Hola, mi pedido llegó con la caja rota y falta un artículo. ¿Qué puedo hacer ahora?",
    "Ciao, il mio portatile si surriscalda quando guardo un video. Come posso risolvere?",
    "Olá, a minha conta foi bloqueada depois de três tentativas. Podem ajudar-me, por favor?",
    "Hallo, mijn router valt steeds uit sinds de laatste update. Wat moet ik doen?",
    "Здравствуйте, мой ноутбук не выходит из спящего режима. Что мне делать?",
    "你好，我的订单送错了地址，而且少了一件商品，请问怎么处理？",
]
GARBLED = [
    "asdkjh qwpoeiru zxmcnvb lkjhg poiuy mnbvc qwerty uiop",
    "My router doesnâ€™t connect anymore â€” Iâ€™ve tried everything, whatâ€™s wrong? Ã©Ã¨Ã",
    "#$%^&*()_+{}|:<>?~`-=[]\\;',./ #$%^&* ()_+ {}|: <>?~",
    "lorem xqzv bbbbbbbbb fffff jjjjjjj kkkkkk zzzzzzz pppp qqqq",
    "\ufffd\ufffd\ufffd prnter \ufffd\ufffd nt wrkng \ufffd\ufffd\ufffd hlp \ufffd\ufffd",
    "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh",
    "0x7f 0x3a 0x00 0xff 0x1b 0x9c 0x44 0x2e 0x5d 0x61 0x08 0xe3",
]
NEUTRAL_REPLIES = ["I will look into it.", "Thanks, noted.", "Here is what I found.", "Let us check this together."]


def extreme_lengths() -> list[dict]:
    log = "My log follows. " + " ".join(f"[{i:05d}] kernel: eth0 link down, retrying dhcp lease renewal" for i in range(120))
    return [
        {"prompt": log, "completion": "I will look into it."},
        {"prompt": "Let me tell you everything from the beginning. " * 90, "completion": "Thanks, noted."},
        {"prompt": "Can you summarise our policy?", "completion": "Here is our complete policy on duplicate invoices. " * 80},
        {"prompt": "Printer. " * 200, "completion": "Here is what I found."},
        {"prompt": "?", "completion": "Ok."},
        {"prompt": "help", "completion": "Sure."},
        {"prompt": "hi", "completion": "Hello."},
    ]


def planted_rows() -> list[dict]:
    rng = random.Random(5)
    texts = OFF_TOPIC + OTHER_LANGUAGE + GARBLED
    return [{"prompt": t, "completion": rng.choice(NEUTRAL_REPLIES)} for t in texts] + extreme_lengths()


def plant(base: list[dict], planted: list[dict], seed: int = 1) -> tuple[list[dict], set[int]]:
    """``base`` with ``planted`` inserted at random positions; the positions (record numbers)."""
    rng = random.Random(seed)
    total = len(base) + len(planted)
    positions = set(rng.sample(range(total), len(planted)))
    base_it, planted_it = iter(base), iter(planted)
    return [next(planted_it) if i in positions else next(base_it) for i in range(total)], positions


def chat_sample(name: str = "clean") -> list[dict]:
    """The repository's chat sample as prompt/completion records (system prompt dropped)."""
    rows = []
    for line in (SAMPLES / "chat" / name / "train.jsonl").read_text(encoding="utf-8").splitlines():
        messages = json.loads(line)["messages"]
        by_role = {m["role"]: m["content"] for m in messages}
        if "user" in by_role and "assistant" in by_role:
            rows.append({"prompt": by_role["user"], "completion": by_role["assistant"]})
    return rows


def estimate(records: list[dict], **options) -> dict:
    config = {"rules": {"edge-case-ratio": options}} if options else {}
    return dqlint.check(records, rules=["edge-case-ratio"], config=config).rule("edge-case-ratio")


def flagged_records(rule: dict) -> set[int]:
    return {f["locations"][0]["record"] for f in rule["findings"]}


def test_planted_outliers_are_found_in_a_varied_set():
    records, planted = plant(chat_sample(), planted_rows())
    rule = estimate(records)
    found = flagged_records(rule)
    assert len(found & planted) >= 27, sorted(records[i]["prompt"][:40] for i in planted - found)
    assert len(found - planted) <= 8
    reasons = {r for f in rule["findings"] for r in f["details"]["reasons"]}
    assert {"length", "language", "garbled"} <= reasons


def test_planted_outliers_are_found_among_real_math_questions():
    path = REAL / "gsm8k" / "train.jsonl"
    if not path.exists():
        pytest.skip(f"real data sets not found at {REAL} (set DQLINT_SHARED)")
    base = [
        {"prompt": r["question"], "completion": r["answer"]}
        for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()[:400])
    ]
    records, planted = plant(base, planted_rows())
    found = flagged_records(estimate(records))
    assert len(found & planted) >= 27, sorted(records[i]["prompt"][:40] for i in planted - found)
    assert len(found - planted) <= 10


def test_a_clean_set_without_tags_reports_its_estimate_without_warning():
    rule = estimate(chat_sample())
    assert rule["status"] == "pass"
    details = rule["details"]
    assert details["method"] == "estimated"
    low, high = details["interval"]
    assert low <= details["ratio"] <= high
    assert f"{details['edge_cases']} of {details['examples']}" in rule["message"]
    assert "interval" in rule["message"]
    assert len(rule["findings"]) == details["edge_cases"]  # the rows it counted, listed


def test_an_estimate_confidently_above_the_band_warns():
    rng = random.Random(3)
    noise = [{"prompt": rng.choice(GARBLED + OTHER_LANGUAGE), "completion": "Ok."} for _ in range(80)]
    records, _ = plant(chat_sample(), noise)
    rule = estimate(records)
    assert rule["status"] == "warn" and "above" in rule["message"]
    assert rule["details"]["interval"][0] > 0.20


@pytest.mark.parametrize(
    "relative, fields",
    [
        ("gsm8k/train.jsonl", {"input": "question", "output": "answer"}),
        ("dolly_prompt_answer/dolly.jsonl", {"input": "prompt", "output": "answer"}),
        ("alpaca_eval/outputs.json", {}),
        ("fastchat_sharegpt/dummy_conversation.json", {}),
    ],
)
def test_real_sets_without_tags_do_not_warn(relative, fields):
    path = REAL / relative
    if not path.exists():
        pytest.skip(f"real data sets not found at {REAL} (set DQLINT_SHARED)")
    report = dqlint.check(str(path), rules=["edge-case-ratio"], config={"fields": fields} if fields else {})
    assert report.rule("edge-case-ratio")["status"] == "pass"
