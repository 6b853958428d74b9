"""What differs between two similar texts, and whether the difference makes them different examples.

A character ratio says two texts are close; it does not say whether what differs matters:
"What is the population of China?" and "... of Ohio?" score 92, "23rd president" and "3rd
president" 99. Here the two normalised texts are compared word by word (each CJK character is a
word: those scripts have no spaces), and every differing span is classified:

- harmless: ``spacing`` (the same letters split differently), ``typo`` (one or two letters off in
  a word of four letters or more, or two letters swapped), ``filler`` (articles, hedges,
  greetings and sign-offs: "Hi," / "Urgent:" / "Cheers"), ``order`` (the same
  words moved), ``number-form`` (the same number spelt otherwise: "twelve" / "12"), ``clipped``
  (one text's end cut off by a few characters);
- meaningful: ``number`` (digits or number words), ``negation`` (not, never, ...), ``word``
  (another content word).

Two texts stay duplicates when no number or negation differs and the content words that differ
fit the text's length (see ``same_example``): short texts need a stricter test than long ones.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# A run of CJK / kana / hangul characters is split into single characters; anything else is split on spaces.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_WORD = re.compile(f"[{_CJK}]|[^\\s{_CJK}]+")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_DIGIT = re.compile(r"\d")

FILLER = frozenset(
    "a an the please pls kindly just really very actually basically honestly literally simply quite so well "
    "um uh oh hey hi hello thanks thank ok okay".split()
) | frozenset("的了吧哦啊呀呢嘛啦哈很挺真太也")  # Chinese particles and intensifiers (one character each)
# Greetings, openers and sign-offs: "Hi," / "Urgent:" / "Good morning!" in front of the same request.
_GREETINGS = re.compile(
    r"\b(?:good (?:morning|afternoon|evening|day)|(?:hi|hey|hello) there|quick (?:one|question)|"
    r"(?:best|kind|warm) regards|thanks in advance|thank you|many thanks|dear \w+|(?:hi|hello) (?:team|support|all)|"
    r"hi|hey|hello|greetings|dear|cheers|regards|sincerely|urgent|asap|fyi)\b"
)
NEGATION = frozenset(
    "not no never none nothing nobody nor neither without cannot cant dont doesnt didnt isnt wasnt arent "
    "werent wont wouldnt shouldnt couldnt hasnt havent hadnt aint".split()
) | frozenset("不没无未别")  # Chinese negations: 好吃 / 不好吃
_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
# Number words and the value they stand for, so "twelve" and "12" are the same number.
NUMBER_VALUES: dict[str, str] = {
    **{w: str(i) for i, w in enumerate(_UNITS)},
    **{w: str(20 + 10 * i) for i, w in enumerate(_TENS)},
    **{w: f"{i + 1}th" for i, w in enumerate(_ORDINALS)},
    "hundred": "100", "thousand": "1000", "million": "1000000", "billion": "1000000000", "trillion": "1000000000000",
    "dozen": "12", "half": "0.5", "twice": "x2", "once": "x1", "thrice": "x3", "double": "x2", "triple": "x3",
}
# Chinese / Japanese numerals (one character each, as CJK text is split).
CJK_NUMERALS = frozenset("零〇一二三四五六七八九十百千万亿两半")
NUMBER_WORDS = frozenset(NUMBER_VALUES) | CJK_NUMERALS
_ORDINAL_SUFFIX = re.compile(r"^(\d+)(st|nd|rd|th)$")
# Below this many words a text is short: no content word may be substituted, one may be added or dropped.
SHORT_WORDS = 12
# Below this many, still no content word may be substituted (a question about another place).
MEDIUM_WORDS = 20
# The end of one text cut off (at most this many characters) is a clipped copy, not another example.
CLIP_CHARS = 8
# From this many words on, a differing number is one more changed word, not another example
# (a long document clipped or revised), so only the share of changed words decides.
LONG_WORDS = 100


@dataclass(frozen=True)
class Difference:
    """One differing span: its kind and the words on each side ("" when absent)."""

    kind: str
    this: str
    other: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "this": self.this, "other": self.other}


MEANINGFUL = ("number", "negation", "word")


def words(text: str) -> list[str]:
    """The words of a normalised text (CJK characters one by one)."""
    return text.split() if text.isascii() else _WORD.findall(text)


def word_count(tokens: Sequence[str]) -> float:
    """How many words the tokens make: a CJK character counts as half a word (words there
    are one to three characters long), so short Chinese reviews count as short texts."""
    cjk = sum(1 for t in tokens if len(t) == 1 and _CJK_CHAR.match(t))
    return len(tokens) - 0.5 * cjk


def is_number(word: str) -> bool:
    """Whether a word is a number: it has a digit, or is a number word (twelve, twice, third, 三)."""
    return bool(_DIGIT.search(word)) or word in NUMBER_WORDS


def _number_value(word: str) -> str:
    """A canonical form of a number word or numeral: "twelve" -> "12", "3rd" -> "3th"."""
    if word in NUMBER_VALUES:
        return NUMBER_VALUES[word]
    m = _ORDINAL_SUFFIX.match(word)
    return f"{m.group(1)}th" if m else word


def _typo_budget(length: int) -> int:
    """Letters that may be wrong in a word (or span) of ``length`` letters."""
    return 0 if length < 4 else 1 if length < 8 else 2


@functools.lru_cache(maxsize=1 << 16)
def _classify_span(a: str, b: str, one_word_each: bool) -> str:
    """The kind of one differing span (the words of each side, joined), cached: templated rows
    differ by the same slot values in thousands of pairs (on 100k templated chats this was 6 of
    14 s of the same-example test)."""
    from rapidfuzz.distance import OSA

    if a.replace(" ", "") == b.replace(" ", ""):
        return "spacing"
    content_a, content_b = _content_words(a), _content_words(b)
    if not content_a and not content_b:
        return "filler"
    if one_word_each and len(a) >= 3 and sorted(a) == sorted(b) and not _DIGIT.search(a):
        return "typo"  # letters swapped: "teh" / "the"
    if len(content_a) == len(content_b) == 1 and not _DIGIT.search(a + b):
        x, y = content_a[0], content_b[0]
        if OSA.distance(x, y) <= _typo_budget(min(len(x), len(y))):
            return "typo"  # also a misspelt number word ("twelfe")
    if any(w in NEGATION for w in content_a + content_b):
        return "negation"
    numbers_a = [_number_value(w) for w in content_a if is_number(w)]
    numbers_b = [_number_value(w) for w in content_b if is_number(w)]
    if sorted(numbers_a) != sorted(numbers_b):
        return "number"
    # The same numbers (perhaps spelt differently): compare the words around them.
    content_a = [w for w in content_a if not is_number(w)]
    content_b = [w for w in content_b if not is_number(w)]
    if not content_a and not content_b:
        return "number-form"
    if content_a and content_b:
        x, y = " ".join(content_a), " ".join(content_b)
        if OSA.distance(x, y) <= _typo_budget(min(len(x), len(y))):
            return "typo"
    return "word"


def differences(a: str, b: str) -> list[Difference]:
    """The differing spans of two normalised texts, each classified (see the module docs).

    Words removed in one place and added in another cancel out as ``order``."""
    return [Difference(*span) for span in _spans(words(a), words(b))]


# A differing span as the pair test reads it: (kind, its words in this text, in the other),
# each side joined by spaces. Plain tuples: a templated million-row set compares millions of
# pairs, and a frozen dataclass per span cost more than classifying it.
Span = tuple[str, str, str]


def _spans(wa: Sequence[Any], wb: Sequence[Any], vocabulary: Sequence[str] | None = None) -> list[Span]:
    """The differing spans of two texts split into words (or into word ids of ``vocabulary``):
    the stretches between the blocks that a word-level Levenshtein alignment keeps equal, each
    classified."""
    from rapidfuzz.distance import Levenshtein

    found: list[Span] = []
    this_end = other_end = 0  # where the last equal block ended in each text
    for tag, s1, s2, d1, d2 in Levenshtein.opcodes(wa, wb).as_list():
        if tag != "equal":
            continue
        if s1 > this_end or d1 > other_end:
            found.append(_span(wa[this_end:s1], wb[other_end:d1], vocabulary, last=False))
        this_end, other_end = s2, d2
    if this_end < len(wa) or other_end < len(wb):
        found.append(_span(wa[this_end:], wb[other_end:], vocabulary, last=True))
    return _moved_words(found)


def _span(this: Sequence[Any], other: Sequence[Any], vocabulary: Sequence[str] | None, *, last: bool) -> Span:
    """One differing stretch classified (``last``: it runs to the end of both texts, where
    one may be a clipped copy of the other)."""
    if vocabulary is not None:
        this, other = [vocabulary[w] for w in this], [vocabulary[w] for w in other]
    a, b = " ".join(this), " ".join(other)
    kind = "clipped" if last and _clipped(a, b) else _classify_span(a, b, len(this) == len(other) == 1)
    return kind, a, b


def _clipped(a: str, b: str) -> bool:
    """Whether one span ends a few characters short of the other, cut inside its last word
    (a whole word dropped is a dropped word, not a clip)."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    cut = long_[len(short) :]
    return bool(short) and long_.startswith(short) and not cut.startswith(" ") and len(cut) <= CLIP_CHARS and not _DIGIT.search(cut)


def _moved_words(found: list[Span]) -> list[Span]:
    """Mark as ``order`` the meaningful spans whose words only moved (removed here, added there)."""
    meaningful = [span for span in found if span[0] in MEANINGFUL]
    if not meaningful:
        return found
    # Only membership matters below, so sets (Counters cost 3 of 14 s on templated pairs).
    removed = {w for _, this, _ in meaningful for w in this.split(" ") if w}
    added = {w for _, _, other in meaningful for w in other.split(" ") if w}
    moved = removed & added
    if not moved:
        return found
    out = []
    for kind, this, other in found:
        if kind in MEANINGFUL and all(w in moved for w in this.split(" ") if w) and all(w in moved for w in other.split(" ") if w):
            kind = "order"
        out.append((kind, this, other))
    return out


def same_example(a: str, b: str, threshold: float = 90.0, found: Sequence[Difference] | None = None) -> bool:
    """Whether two similar normalised texts are the same example: no number or negation differs
    (in texts under ``LONG_WORDS`` words), and the differing content words fit the length: under
    ``SHORT_WORDS`` words none substituted and at most one added or dropped; under
    ``MEDIUM_WORDS`` none substituted; otherwise as many changed words as the similarity
    ``threshold`` leaves free (one in ten at 90, at least two). ``found``: the texts'
    ``differences``, when already known."""
    if a == b:
        return True
    wa, wb = words(a), words(b)
    spans = None if found is None else [(d.kind, d.this, d.other) for d in found]
    return _same_tokens(wa, wb, min(word_count(wa), word_count(wb)), threshold, spans)


def _same_tokens(
    wa: Sequence[Any], wb: Sequence[Any], n: float, threshold: float, found: Sequence[Span] | None = None, *, vocabulary: Sequence[str] | None = None
) -> bool:
    """``same_example`` on texts split into words (or word ids of ``vocabulary``), ``n`` the
    shorter one's word count."""
    meaningful = [span for span in (_spans(wa, wb, vocabulary) if found is None else found) if span[0] in MEANINGFUL]
    if not meaningful:
        return True
    if any(kind == "negation" or (kind == "number" and n < LONG_WORDS) for kind, _, _ in meaningful):
        return False
    changed = sum(max(_content(this, n), _content(other, n)) for _, this, other in meaningful)
    substituted = any(_content(this, n) and _content(other, n) for _, this, other in meaningful)
    if n < SHORT_WORDS:
        return not substituted and changed <= 1
    if n < MEDIUM_WORDS and substituted:
        return False
    return changed <= max(2, math.ceil(n * (100.0 - threshold) / 100.0))


def _content(span: str, n: float) -> float:
    """Content words in a span (numbers count only in long texts, where they do not decide)."""
    return _content_count(span, n >= LONG_WORDS)


@functools.lru_cache(maxsize=1 << 16)
def _content_count(span: str, long_text: bool) -> float:
    """``_content``, cached: templated rows repeat the same differing spans (slot values)
    in thousands of pairs."""
    return word_count([w for w in _content_words(span) if long_text or not is_number(w)])


def _content_words(span: str) -> list[str]:
    """The words of a span that carry content: without greetings, sign-offs and filler."""
    return [w for w in _GREETINGS.sub(" ", span).split() if w not in FILLER]


# Pairs per batch: the unit of work a forked worker takes.
SAME_BATCH = 50_000
# Pairs from which the test is worth forking for (a worker starts with cold caches: ~1 s of
# work per 20,000 templated pairs).
FORKED_PAIRS = 40_000


def same_examples(texts: Sequence[str], a: Sequence[int], b: Sequence[int], threshold: float = 90.0, *, jobs: int = 1) -> list[bool]:
    """``same_example`` for each pair (texts[a[i]], texts[b[i]]). Each text is read once
    (``PairTexts``): a pair of texts under ``LONG_WORDS`` words whose numerals differ is told
    apart from that alone (a template with other order numbers: hundreds of thousands of
    pairs); the other pairs are compared word by word, in batches of ``SAME_BATCH`` pairs, with
    ``jobs`` > 1 in that many forked processes. A batch whose worker failed is tested here:
    the answer never depends on ``jobs``."""
    import numpy as np

    from dqlint.workers import can_fork, forked_map

    from dqlint.analysis.arrays import sorted_unique_inverse

    ia, ib = np.asarray(a, dtype=np.intp), np.asarray(b, dtype=np.intp)
    ids, where = sorted_unique_inverse(np.concatenate([ia, ib]))
    read = PairTexts.read(texts, ids)
    pa, pb = where[: len(ia)], where[len(ia) :]
    shorter = np.minimum(read.counts[pa], read.counts[pb])
    apart = (shorter < LONG_WORDS) & (read.numerals[pa] != read.numerals[pb]) & (read.spelt[pa] == read.spelt[pb])
    todo = np.flatnonzero(~apart)
    todo_a, todo_b, todo_n = pa[todo].tolist(), pb[todo].tolist(), shorter[todo].tolist()

    forked = jobs > 1 and len(todo) >= FORKED_PAIRS and can_fork()
    # Forked: two batches per process at least, so a short last batch does not leave one idle.
    size = min(SAME_BATCH, -(-len(todo) // (2 * jobs))) if forked else SAME_BATCH
    starts = range(0, len(todo), size)

    def batch(k: int) -> list[bool]:
        part = slice(starts[k], starts[k] + size)
        return [read.same(i, j, n, threshold) for i, j, n in zip(todo_a[part], todo_b[part], todo_n[part])]

    if not forked:
        found = [same for k in range(len(starts)) for same in batch(k)]
    else:
        done: list[list[bool] | None] = [None] * len(starts)
        for k, value, error in forked_map(batch, len(starts), min(jobs, len(starts))):
            done[k] = value if error is None else batch(k)
        found = [same for part in done for same in part or ()]
    out = np.zeros(len(ia), dtype=bool)
    out[todo] = found
    return out.tolist()


class _Vocabulary(dict):
    """Word -> id; a word not seen before takes the next id."""

    def __missing__(self, word: str) -> int:
        self[word] = new = len(self)
        return new


@dataclass
class PairTexts:
    """What the pair test reads of each text of a set of pairs, read once per text (in batches
    of pairs, a text of a million templated rows was split again in each batch it appeared in:
    28 of 88 s). Words are held as ids in one array (4 bytes a word), not as lists of strings."""

    texts: list[str]  # the texts read, in the order of their ids
    counts: np.ndarray  # word count of each (``word_count``)
    numerals: np.ndarray  # its numerals (``_profile``) as an id: equal ids, equal numerals
    spelt: np.ndarray  # its number words, likewise
    words: Any  # array('I'): every text's word ids, one after another
    starts: list[int]  # where each text's words start in ``words`` (one more at the end)
    vocabulary: list[str]  # word id -> word

    @classmethod
    def read(cls, texts: Sequence[str], ids: np.ndarray) -> PairTexts:
        """Read the texts ``texts[i]`` for the distinct ids ``ids``; position k holds ids[k]."""
        import numpy as np

        counts = np.empty(len(ids), dtype=np.float64)
        numerals = np.empty(len(ids), dtype=np.int64)
        spelt = np.empty(len(ids), dtype=np.int64)
        numeral_id: dict[tuple[str, ...], int] = {}
        spelt_id: dict[tuple[str, ...], int] = {}
        vocabulary = _Vocabulary()
        flat = array("I")
        starts = [0]
        read = [texts[i] for i in ids.tolist()]
        for k, text in enumerate(read):
            split, counts[k], digits, words_spelt = _profile(text)
            numerals[k] = numeral_id.setdefault(digits, len(numeral_id))
            spelt[k] = spelt_id.setdefault(words_spelt, len(spelt_id))
            flat.extend(map(vocabulary.__getitem__, split))
            starts.append(len(flat))
        return cls(read, counts, numerals, spelt, flat, starts, list(vocabulary))

    def same(self, i: int, j: int, n: float, threshold: float) -> bool:
        """``same_example`` of the texts read at positions i and j (``n``: the shorter one's
        word count)."""
        if self.texts[i] == self.texts[j]:
            return True
        starts, flat = self.starts, self.words
        return _same_tokens(flat[starts[i] : starts[i + 1]], flat[starts[j] : starts[j + 1]], n, threshold, vocabulary=self.vocabulary)


_DIGITS = "0123456789"


def _profile(text: str) -> tuple[list[str], float, tuple[str, ...], tuple[str, ...]]:
    """What the pair test reads of a text: its words, their count, its numerals
    (canonical, sorted) and its number words apart ("twelve" / "12" are the same and "twelfe"
    a typo: those need the word by word comparison). The tests are ordered cheapest first (a
    text without a digit, a word of letters only): on a million templated rows the per-word
    tests of each batch's texts took 160 of 266 s."""
    if text.isascii():
        w = text.split()
        count = float(len(w))
        has_digit = any(d in text for d in _DIGITS)  # ten substring scans in C, no regex per character
        digits = [t for t in w if not t.isalpha() and _DIGIT.search(t)] if has_digit else []
    else:
        w = words(text)
        count = word_count(w)
        digits = [t for t in w if _DIGIT.search(t)]
    spelt = [] if NUMBER_WORDS.isdisjoint(w) else [t for t in w if t in NUMBER_WORDS]
    return w, count, tuple(sorted(map(_number_value, digits))), tuple(sorted(spelt))
