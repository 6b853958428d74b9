"""The pure algorithms behind issue 13: what differs between two similar texts, groups that do
not chain, text most rows share, and n-gram overlap that needs coverage."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dqlint.analysis.affixes import shared_affixes, without_affixes
from dqlint.analysis.differences import differences, same_example
from dqlint.analysis.groups import star_groups
from dqlint.analysis.ngrams import ngram_overlaps
from dqlint.analysis.normalize import normalize_texts


def _pair(a: str, b: str) -> tuple[str, str]:
    x, y = normalize_texts([a, b])
    return x, y


@pytest.mark.parametrize(
    ("a", "b", "kinds", "same"),
    [
        ("What is the capital of France?", "what is the captial of france", ["typo"], True),
        ("What is the boiling point of water?", "WHAT is the  boiling-point of water ?!", ["spacing"], True),
        ("Where is the Eiffel Tower located?", "Where is located the Eiffel Tower?", ["order", "order"], True),
        ("Can you please tell me how tall Everest is?", "Can you tell me how tall Everest is?", ["filler"], True),
        ("Urgent: my parcel never came.", "Good morning! My parcel never came.", ["filler"], True),
        ("Revenue grew by twelve percent last year in the north", "Revenue grew by 12 percent last year in the north", ["number-form"], True),
        ("What is the population of China?", "What is the population of Ohio?", ["word"], False),
        ("Who was the 23rd president of the United States?", "Who was the 3rd president of the United States?", ["number"], False),
        ("What does I.V. stand for?", "What does HIV stand for?", ["word"], False),
        ("I like this phone a lot", "I don't like this phone a lot", ["negation"], False),
        ("送的太慢了，饭菜都凉了", "送的太慢了，菜都凉了。", ["word"], True),  # one character dropped
        ("等了一个小时才送到", "等了一个半小时才送到", ["number"], False),  # an hour / an hour and a half
    ],
)
def test_what_differs_decides(a, b, kinds, same):
    x, y = _pair(a, b)
    assert [d.kind for d in differences(x, y)] == kinds
    assert same_example(x, y) is same


def test_a_short_text_takes_one_added_word_but_no_other_word():
    assert same_example(*_pair("How many legs does a spider have", "How many legs does a garden spider have"))
    assert not same_example(*_pair("How many legs does a spider have", "How many legs does a big garden spider have"))
    assert not same_example(*_pair("How many legs does a spider have", "How many eyes does a spider have"))


def test_a_long_text_takes_a_few_changed_words_and_a_lower_threshold_more():
    words = [f"w{chr(97 + i // 26)}{chr(97 + i % 26)}x" for i in range(40)]
    base = " ".join(words)
    three = " ".join(words[:5] + ["alpha", "beta", "gamma"] + words[8:])
    six = " ".join(words[:5] + ["alpha", "beta", "gamma", "delta", "kappa", "sigma"] + words[11:])
    assert same_example(base, three, threshold=90)  # up to 4 of 40 words at 90
    assert not same_example(base, six, threshold=90)
    assert same_example(base, six, threshold=80)  # up to 8 at 80


def test_star_groups_do_not_chain():
    # 0 ~ 1, 1 ~ 2, 0 !~ 2: 1 joins 0, 2 stays alone.
    centre = star_groups(3, np.array([0, 1]), np.array([1, 2]))
    assert centre.tolist() == [0, 0, 2]
    # The order decides the centre: visiting 1 first makes it the centre of both.
    assert star_groups(3, np.array([0, 1]), np.array([1, 2]), order=np.array([1, 0, 2])).tolist() == [1, 1, 1]


def test_a_shared_preamble_and_a_templated_ending_are_found_and_cut():
    preamble = "You are a helpful agent with tools. Use search for facts and the calculator for sums. "
    tasks = [f"Task {name}: find the {thing}." for name, thing in zip("abcdefghijkl", ["fee", "page", "owner", "date", "list", "file", "team", "room", "plan", "code", "form", "rule"])]
    texts = normalize_texts([preamble + t + " Thanks for asking, I will answer right away with what I found there." for t in tasks])
    affixes = shared_affixes(texts)
    assert [(a.where, len(a.rows)) for a in affixes] == [("prefix", 12), ("suffix", 12)]
    assert without_affixes(texts, affixes)[0] == "a find the fee"  # "task " is on every row too


def test_a_few_copies_are_not_a_template():
    texts = normalize_texts(["The same long sentence about the quarterly report and its figures, " + w for w in ("yes", "no", "maybe")])
    assert shared_affixes(texts) == []


def test_ngram_overlap_reports_coverage_and_spans_and_needs_enough_of_the_text():
    question = "which element has the atomic number seventy nine and the chemical symbol au in the periodic table"
    pasted = "notes from class " + question + " the answer is gold"
    long_query = question + " " + " ".join(f"extra{c}" for c in "abcdefghijklmnopqrstuvwxyz")
    (full,) = ngram_overlaps([question], [pasted], 13, normalize=False)
    assert (full.covered, full.spans) == (1.0, (question,))
    (part,) = ngram_overlaps([long_query], [pasted], 13, normalize=False)
    assert part.covered == pytest.approx(17 / 43, abs=1e-3)
    assert ngram_overlaps([long_query], [pasted], 13, normalize=False, min_coverage=0.5) == []


def test_ngram_overlap_with_another_number_outside_the_spans_is_not_a_leak():
    template = "my order number is {} and it still has not arrived after three weeks of waiting for it"
    assert ngram_overlaps([template.format(123456)], [template.format(654321)], 13, normalize=False, min_coverage=0.5) == []


def test_every_star_member_is_joined_to_its_centre_directly():
    rng = np.random.default_rng(13)
    for _ in range(300):
        n = int(rng.integers(2, 30))
        a, b = rng.integers(0, n, size=(2, int(rng.integers(0, 60))))
        a, b = a[a != b], b[a != b]
        centre = star_groups(n, a, b, order=rng.permutation(n))
        joined = set(zip(a.tolist(), b.tolist())) | set(zip(b.tolist(), a.tolist()))
        for node, c in enumerate(centre.tolist()):
            if c != node:
                assert (node, c) in joined  # a direct pair, never a chain
                assert centre[c] == c  # a centre is no one's member


def test_same_examples_in_worker_processes_answer_as_in_one(monkeypatch):
    """Batches of pairs tested in forked workers (``jobs``) give the one-process answers, in order."""
    import itertools

    from dqlint.analysis import differences

    texts = [f"please reset the password for order {n} {word}" for n in (12, 12, 13) for word in ("today", "now", "today please")]
    pairs = list(itertools.combinations(range(len(texts)), 2))
    a, b = [i for i, _ in pairs], [j for _, j in pairs]
    monkeypatch.setattr(differences, "FORKED_PAIRS", 10)  # 36 pairs: 4 batches over 2 workers
    one = differences.same_examples(texts, a, b)
    assert differences.same_examples(texts, a, b, jobs=2) == one
    assert True in one and False in one


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["twelve", "12", "3rd", "#45", "a1b2", "the", "half", "twice", "seventy-two", "once,", "ab9", "二", "十", "x"]), max_size=12),
       st.sampled_from([" ", "\t", "  ", "\x1c"]))
def test_a_texts_profile_is_what_its_word_list_gives(parts, sep):
    """The pair test's per-text profile (found by regular expressions on ASCII text) equals the
    word count, numerals and number words of the text's word list."""
    from dqlint.analysis import differences as d

    text = sep.join(parts)
    w = d.words(text)
    expected = (
        d.word_count(w),
        tuple(sorted(d._number_value(t) for t in w if d._DIGIT.search(t))),
        tuple(sorted(t for t in w if t in d.NUMBER_WORDS)),
    )
    assert d._profile(text) == (w, *expected)


_WORDS = ["order", "12", "twelve", "3rd", "not", "the", "please", "refund", "refnud", "casey", "sam", "二", "十", "送的", "x9"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=30).map(" ".join), min_size=2, max_size=8, unique=True),
       st.data())
def test_pairs_tested_together_answer_as_each_pair_alone(texts, data):
    """``same_examples`` (each text read once into word ids, numerals compared first) gives
    ``same_example`` of every pair, whatever the pairs and their order."""
    from dqlint.analysis import differences as d

    pairs = data.draw(st.lists(st.tuples(st.integers(0, len(texts) - 1), st.integers(0, len(texts) - 1)).filter(lambda p: p[0] != p[1]), max_size=20))
    a, b = [i for i, _ in pairs], [j for _, j in pairs]
    assert d.same_examples(texts, a, b) == [d.same_example(texts[i], texts[j]) for i, j in pairs]
    assert d.same_examples(texts, a, b, threshold=80.0) == [d.same_example(texts[i], texts[j], 80.0) for i, j in pairs]


def test_the_differences_found_can_be_passed_to_the_pair_test():
    x, y = _pair("How many legs does a spider have", "How many legs does a big garden spider have")
    found = differences(x, y)
    assert [f.kind for f in found] == ["word"]
    assert same_example(x, y, found=found) == same_example(x, y) is False
