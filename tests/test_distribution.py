"""distribution-match: training set vs a production sample."""

from __future__ import annotations

import json
import random

import pytest
from dqlint.rules.distribution_match import DistributionMatch, detect_language

from dqlint.data.ingest import load_inputs
from dqlint.data.sources import InputSpec
from dqlint.rule import CheckContext, Status

PRODUCTS = ["router", "modem", "laptop", "printer", "monitor", "phone", "tablet", "camera"]
ISSUES = {
    "hardware": ["does not turn on", "has a cracked screen", "makes a loud noise", "overheats quickly"],
    "network": ["drops the wifi connection", "cannot reach the internet", "has a slow connection"],
    "billing": ["was charged twice on my invoice", "needs a refund for the order", "shows a wrong price"],
}
SPANISH = [
    "Mi {p} no funciona y necesito ayuda con la factura, por favor",
    "El {p} que compré está roto y quiero una devolución para mi pedido",
    "No puedo conectar mi {p} a la red, qué debo hacer",
]


def tickets(n, shares, seed, spanish=0.0, padding=0):
    rng = random.Random(seed)
    labels = list(shares)
    records = []
    for i in range(n):
        label = rng.choices(labels, weights=[shares[k] for k in labels])[0]
        product = rng.choice(PRODUCTS)
        if rng.random() < spanish:
            text = rng.choice(SPANISH).format(p=product)
        else:
            text = f"Hello, my {product} {rng.choice(ISSUES[label])}. What should I do?"
        records.append({"text": text + " Details: " + "more context here. " * padding, "label": label})
    return records


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def load(path):
    return load_inputs([InputSpec(path)])


def run_rule(tmp_path, train_records, ref_records, **opts):
    ds = load(write_jsonl(tmp_path / "train.jsonl", train_records))
    ref = None if ref_records is None else load(write_jsonl(tmp_path / "prod.jsonl", ref_records))
    return DistributionMatch().check(CheckContext(ds, reference=ref), DistributionMatch.make_options(opts))


EVEN = {"hardware": 1, "network": 1, "billing": 1}


def test_skipped_without_reference(tmp_path):
    result = run_rule(tmp_path, tickets(20, EVEN, 1), None)
    assert result.status is Status.SKIPPED
    assert "--reference" in result.message


def test_same_distribution_passes(tmp_path):
    result = run_rule(tmp_path, tickets(300, EVEN, seed=1), tickets(300, EVEN, seed=2))
    assert result.status is Status.PASS, result.message
    measures = result.details["measures"]
    assert measures["label_js_distance"]["value"] < 0.1
    assert measures["input_length_ks"]["value"] < 0.2
    assert measures["domain_classifier_auc"]["value"] < 0.7
    assert measures["language_share_gap"]["value"] == 0.0
    assert result.metric.name == "domain_classifier_auc"
    kinds = [c["kind"] for c in result.details["charts"]]
    assert kinds == ["bar", "histogram", "bar"]


def test_shifted_production_fails_on_every_measure(tmp_path):
    train = tickets(300, {"hardware": 6, "network": 3, "billing": 1}, seed=1)
    prod = tickets(300, {"hardware": 1, "network": 2, "billing": 7}, seed=2, spanish=0.4, padding=12)
    result = run_rule(tmp_path, train, prod)
    assert result.status is Status.FAIL
    measures = result.details["measures"]
    assert {name for name, m in measures.items() if m["breached"]} == {
        "label_js_distance",
        "input_length_ks",
        "domain_classifier_auc",
        "language_share_gap",
    }
    labels = result.details["labels"]
    assert labels["over"][0]["label"] == "hardware" and labels["under"][0]["label"] == "billing"
    messages = [f.message for f in result.findings]
    assert messages[0].startswith("label JS distance") and "over: hardware +" in messages[0]
    assert "under: billing -" in messages[0]
    language = next(m for m in messages if m.startswith("language share gap"))
    assert "es: 0% in training vs 4" in language and "heuristic" in language
    vocab = next(m for m in messages if m.startswith("domain classifier AUC"))
    assert "production talks about" in vocab
    assert result.details["languages"]["largest_gap_language"] == "es"


def test_unlabelled_sets_skip_the_label_measure(tmp_path):
    train = [{"prompt": f"Summarise ticket {i} about the router", "completion": "Short summary."} for i in range(30)]
    prod = [{"prompt": f"Summarise ticket {i} about the modem", "completion": "Short summary."} for i in range(30)]
    result = run_rule(tmp_path, train, prod)
    assert "label_js_distance" not in result.details["measures"]
    assert "output_length_ks" in result.details["measures"]


@pytest.mark.parametrize(
    "text, language",
    [
        ("How do I reset the password for my account? It is not working.", "en"),
        ("No puedo conectar mi router a la red, qué debo hacer con el modem", "es"),
        ("Je ne peux pas connecter mon routeur, pouvez-vous m'aider avec le problème", "fr"),
        ("Ich kann den Router nicht verbinden und die Verbindung ist sehr langsam", "de"),
        ("Мой роутер не работает", "cyrillic"),
        ("ルーターが動きません", "ja"),
        ("我的路由器坏了", "zh"),
        ("12345 !!!", "none"),
    ],
)
def test_language_heuristic(text, language):
    assert detect_language(text) == language
