"""dqlint.analysis.label_noise: exact suspects on a small planted set, the noise interval, edge cases."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from dqlint.analysis.label_noise import find_label_noise

DATA = Path(__file__).resolve().parents[1] / "sample_data" / "label_accuracy"


def _make_tickets():
    spec = importlib.util.spec_from_file_location("make_tickets", DATA / "make_tickets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make


@pytest.fixture(scope="module")
def planted():
    """300 support tickets, 15 labels flipped (5 %)."""
    texts, truth, given, flipped = _make_tickets()(300, flip=0.05, seed=3)
    return texts, truth, given, flipped


@pytest.fixture(scope="module")
def found(planted):
    texts, _, given, _ = planted
    return find_label_noise(texts, given)


def test_exact_suspects_most_suspicious_first(planted, found):
    _, truth, _, flipped = planted
    assert flipped == [6, 17, 36, 48, 61, 127, 130, 139, 140, 159, 170, 183, 243, 264, 286]
    assert [s.index for s in found.suspects] == [48, 17, 130, 61, 192, 127, 159, 286, 140, 170, 36, 243, 139, 6, 270]
    # 13 of the 15 flips; 192 and 270 are clean tickets that borrow a phrase of another class
    hits = [s for s in found.suspects if s.index in flipped]
    assert len(hits) == 13
    assert all(s.suggested == truth[s.index] for s in hits)  # the true label is suggested
    assert [s.score for s in found.suspects] == sorted((s.score for s in found.suspects), reverse=True)
    top = found.suspects[0]
    assert (top.given, top.suggested, top.score) == ("billing", "shipping", 0.9823)
    assert top.given_probability == pytest.approx(1 - top.score, abs=1e-4)


def test_noise_rate_has_an_interval_around_the_planted_rate(found):
    assert found.noise_rate == 0.06
    low, high = found.noise_interval
    assert low < 0.05 < high and low <= found.noise_rate <= high
    assert found.method["views"] == ["word", "char"] and found.method["char_ngrams"] == "char_wb 2-4"
    assert found.probabilities.shape == (300, 5) and found.classes == ["account", "billing", "returns", "shipping", "technical"]


def test_words_only_view(planted):
    texts, _, given, _ = planted
    words = find_label_noise(texts, given, views=("word",))
    assert words.method["views"] == ["word"]
    assert [s.index for s in words.suspects] == [17, 130, 61, 48, 192, 127, 159, 140, 286, 243, 170, 36, 6, 139, 270]


def test_rare_classes_sit_out_and_two_classes_are_needed():
    texts = [f"apples and pears {i}" for i in range(10)] + ["a lone banana"]
    labels = ["fruit"] * 10 + ["yellow"]
    result = find_label_noise(texts, labels)
    assert result.skipped == "needs at least two classes with 5+ rows each"
    assert result.method["classes_too_rare"] == ["yellow"] and result.suspects == []


def test_chinese_texts_get_plain_character_ngrams():
    good, bad = ["味道很好，送餐很快", "非常好吃，下次再来", "服务很好，很满意"], ["太难吃了，不会再点", "送餐太慢，菜都凉了", "很差，再也不点了"]
    texts = [good[i % 3] + "!" * (i % 4) for i in range(30)] + [bad[i % 3] + "!" * (i % 4) for i in range(30)]
    labels = ["pos"] * 30 + ["neg"] * 30
    labels[0] = "neg"  # a praise labelled negative
    result = find_label_noise(texts, labels)
    assert result.method["char_ngrams"] == "char 1-3"
    assert [s.index for s in result.suspects] == [0]


@pytest.fixture(scope="module")
def binary():
    """218 billing/shipping tickets, every 20th label swapped (11 flips)."""
    texts, truth, _, _ = _make_tickets()(600, flip=0.0, seed=3)
    rows = [i for i, t in enumerate(truth) if t in ("billing", "shipping")]
    texts, truth = [texts[i] for i in rows], [truth[i] for i in rows]
    given = list(truth)
    for i in range(0, len(given), 20):
        given[i] = "billing" if truth[i] == "shipping" else "shipping"
    return texts, truth, given


def test_two_classes_exact_suspects_with_the_sgd_solver(binary):
    texts, truth, given = binary
    found = find_label_noise(texts, given)
    assert "SGD for two classes" in found.method["classifier"]
    flips = set(range(0, len(given), 20))
    assert [s.index for s in found.suspects] == [80, 120, 100, 140, 217, 20, 160, 0, 200, 49, 60, 102, 16, 180, 40, 108, 17, 75, 190]
    assert flips <= {s.index for s in found.suspects}  # every flip found; 8 clean tickets borrow a phrase
    assert all(s.suggested == truth[s.index] for s in found.suspects if s.index in flips)
    assert found.noise_rate == 0.0872 and found.noise_interval == (0.0522, 0.128)
    again = find_label_noise(texts, given)  # fixed epochs, seeded: the same suspects every run
    assert [(s.index, s.score) for s in again.suspects] == [(s.index, s.score) for s in found.suspects]


def test_many_texts_drop_the_character_view(binary, monkeypatch):
    """The character view reads a bounded total: past it (here shrunk to 10,000 characters,
    under 100 a text) only the word view runs."""
    import dqlint.analysis.label_noise as label_noise

    texts, _, given = binary
    monkeypatch.setattr(label_noise, "CHAR_BUDGET", 10_000)
    words = find_label_noise(texts, given)
    assert words.method["views"] == ["word"] and "char_ngrams" not in words.method
    assert [s.index for s in words.suspects] == [120, 80, 100, 140, 217, 102, 160, 20, 60, 16, 0, 49, 75, 40, 159, 108, 200, 155, 190, 17]
    # words alone miss flip 180, which the character view finds


def test_long_texts_are_read_head_and_tail():
    from dqlint.analysis.label_noise import _head_tail

    text = "a" * 5000 + "VERDICT"
    cut = _head_tail(text, 3000)
    assert len(cut) == 3001 and cut.startswith("a" * 2250) and cut.endswith("VERDICT")
    assert _head_tail("short", 3000) == "short"


def test_word_ngram_counts_are_exact():
    from dqlint.analysis.features import word_ngram_counts

    m = word_ngram_counts(["the cat sat on the cat", "a dog, the cat!", ""])
    # unigrams in order of first appearance (single-character 'a' is not a word), then bigrams
    # sorted by their word ids: (the,cat) (cat,sat) (sat,on) (on,the) (dog,the)
    assert m.shape == (3, 5 + 5)
    assert m.toarray().tolist() == [
        [2, 2, 1, 1, 0, 2, 1, 1, 1, 0],
        [1, 1, 0, 0, 1, 1, 0, 0, 0, 1],
        [0] * 10,
    ]
