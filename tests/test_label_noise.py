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
    assert [s.index for s in found.suspects] == [130, 48, 17, 61, 127, 159, 140, 286, 36, 192, 6, 170, 243, 139, 264, 183, 234, 24]
    # all 15 flips (words + characters alone find 13); 192, 234 and 24 are clean tickets that
    # borrow a phrase of another class
    hits = [s for s in found.suspects if s.index in flipped]
    assert len(hits) == 15
    # the true label is suggested, but for 264 ("the refund never reached my card": billing,
    # suggested shipping)
    assert [s.index for s in hits if s.suggested != truth[s.index]] == [264]
    assert [s.score for s in found.suspects] == sorted((s.score for s in found.suspects), reverse=True)
    top = found.suspects[0]
    assert (top.given, top.suggested, top.score) == ("account", "shipping", 0.9778)
    assert top.given_probability == pytest.approx(1 - top.score, abs=1e-4)


def test_noise_rate_has_an_interval_around_the_planted_rate(found):
    assert found.noise_rate == 0.0667
    low, high = found.noise_interval
    assert low < 0.05 < high and low <= found.noise_rate <= high
    assert found.method["views"] == ["word", "char", "embedding"] and found.method["char_ngrams"] == "char_wb 2-4"
    assert found.method["filter_by"] == "prune_by_noise_rate"
    assert found.probabilities.shape == (300, 5) and found.classes == ["account", "billing", "returns", "shipping", "technical"]


def test_words_only_view(planted):
    texts, _, given, _ = planted
    words = find_label_noise(texts, given, views=("word",))
    assert words.method["views"] == ["word"]
    assert [s.index for s in words.suspects] == [17, 130, 61, 48, 192, 127, 159, 140, 286, 243, 170, 36, 6, 139, 270, 272]


def test_without_wordllama_the_word_and_character_views_run(planted, monkeypatch):
    """The embedding view is optional: without the package the other two views run."""
    from dqlint.analysis import label_noise

    texts, _, given, flipped = planted
    monkeypatch.setattr(label_noise, "_EMBEDDER", [None])  # as if `import wordllama` failed
    two = find_label_noise(texts, given)
    assert two.method["views"] == ["word", "char"]
    assert [s.index for s in two.suspects] == [48, 17, 130, 61, 192, 127, 159, 286, 140, 170, 36, 243, 139, 6, 270, 24]
    assert sorted(set(flipped) - {s.index for s in two.suspects}) == [183, 264]  # the embedding view finds these


def test_a_caller_supplied_embedding(planted):
    """``embed`` replaces WordLlama: here a (useless) constant vector, which leaves the ranking
    to the other views but still runs as a view."""
    import numpy as np

    texts, _, given, _ = planted
    found = find_label_noise(texts, given, embed=lambda batch: np.ones((len(batch), 4)))
    assert found.method["views"] == ["word", "char", "embedding"]
    assert {s.index for s in found.suspects} >= {48, 17, 130, 61}


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
    assert [s.index for s in found.suspects] == [80, 120, 100, 140, 20, 160, 217, 0, 200, 60, 49, 180, 40]
    assert flips <= {s.index for s in found.suspects}  # every flip found; 2 clean tickets borrow a phrase
    assert all(s.suggested == truth[s.index] for s in found.suspects if s.index in flips)
    assert found.noise_rate == 0.0596 and found.noise_interval == (0.0293, 0.0968)
    again = find_label_noise(texts, given)  # fixed epochs, seeded: the same suspects every run
    assert [(s.index, s.score) for s in again.suspects] == [(s.index, s.score) for s in found.suspects]


def test_many_texts_drop_the_character_and_embedding_views(binary, monkeypatch):
    """The character and embedding views read a bounded total each: past it (here shrunk to
    10,000 characters, under 100 a text) the view is left out."""
    from dqlint.analysis import label_noise

    texts, _, given = binary
    flips = set(range(0, len(given), 20))
    monkeypatch.setattr(label_noise, "CHAR_BUDGET", 10_000)
    no_chars = find_label_noise(texts, given)
    assert no_chars.method["views"] == ["word", "embedding"] and "char_ngrams" not in no_chars.method
    assert [s.index for s in no_chars.suspects] == [120, 80, 100, 140, 160, 20, 60, 217, 0, 49, 200]
    assert sorted(flips - {s.index for s in no_chars.suspects}) == [40, 180]  # the character view finds these
    monkeypatch.setattr(label_noise, "EMBED_BUDGET", 10_000)
    words = find_label_noise(texts, given)
    assert words.method["views"] == ["word"]
    assert [s.index for s in words.suspects] == [120, 100, 80, 140, 217, 20, 160, 60, 102, 16, 0, 49, 40, 75, 108, 200, 159, 190, 155]
    assert sorted(flips - {s.index for s in words.suspects}) == [180]


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
