"""Texts that stand apart from the bulk of a column: extreme length, another language or
script, garbled characters, degenerate repetition, words no other text uses, no near
neighbour.

Each detector takes the texts of one column and returns, per text, the reason it stands
apart (a short sentence a person can check) or None, plus a description of the test. They
are deliberately relative: what is unusual is judged against the set itself, so a Chinese
set does not flag Chinese and a code set does not flag code. Pure functions on strings;
numpy and (for the neighbour search) scipy are imported lazily.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any, Sequence

from dqlint.analysis.features import tfidf_rows

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Flags",
    "content_words",
    "garbled_outliers",
    "isolated_outliers",
    "language_of",
    "language_outliers",
    "length_outliers",
    "nearest_similarities",
    "repetition_outliers",
    "robust_z",
    "unseen_word_outliers",
]

# Per text: why it stands apart, or None; and what the test was.
Flags = tuple[list["str | None"], dict[str, Any]]


def robust_z(values: np.ndarray) -> tuple[np.ndarray, float]:
    """Modified z-score (Iglewicz and Hoaglin: deviation from the median in MADs) and the
    median. A set with MAD 0 falls back to the mean absolute deviation."""
    import numpy as np

    median = float(np.median(values))
    mad = float(np.median(np.abs(values - median)))
    scale = mad / 0.6745 if mad > 0 else float(np.mean(np.abs(values - median))) * 1.2533
    if scale == 0:
        return np.zeros_like(values, dtype=float), median
    return (values - median) / scale, median


# -- length -------------------------------------------------------------------------------------


def length_outliers(lengths: Sequence[int], z_max: float = 3.5, factor: float = 3.0) -> Flags:
    """Texts whose length is far from the median: robust z of log(1 + characters) beyond
    ``z_max`` (log, because lengths are skewed) and at least ``factor`` times or 1/``factor``
    of the median, so a very uniform set does not call 74 characters among 83-87 extreme."""
    import numpy as np

    values = np.asarray(lengths, dtype=float)
    logs = np.log1p(values)
    z, median = robust_z(logs)
    p25, p75 = np.percentile(values, [25, 75])
    info: dict[str, Any] = {
        "test": f"robust z of log length > {z_max:g} and at least {factor:g} times or 1/{factor:g} of the median",
        "typical_chars": [int(p25), int(p75)],
    }
    if not z.any():
        return [None] * len(values), {**info, "note": "every example has the same length"}
    far = np.abs(logs - median) >= np.log(factor)
    out: list[str | None] = [None] * len(values)
    for i in np.flatnonzero((np.abs(z) > z_max) & far):
        out[i] = f"length: {int(values[i]):,} characters, robust z {z[i]:+.1f} (typical {int(p25):,}-{int(p75):,})"
    return out, info


# -- scripts and languages ----------------------------------------------------------------------

# Language, script and characters are judged on a text's first characters: enough to tell,
# and a 100 KB document costs no more than a paragraph.
_SCAN_CHARS = 4_000

# Code-point ranges of the scripts training sets are most often written in.
_SCRIPTS = {
    "Latin": re.compile(r"[A-Za-z\u00c0-\u024f]"),
    "Greek": re.compile(r"[\u0370-\u03ff]"),
    "Cyrillic": re.compile(r"[\u0400-\u04ff]"),
    "Hebrew": re.compile(r"[\u0590-\u05ff]"),
    "Arabic": re.compile(r"[\u0600-\u06ff]"),
    "Devanagari": re.compile(r"[\u0900-\u097f]"),
    "Thai": re.compile(r"[\u0e00-\u0e7f]"),
    "Hangul": re.compile(r"[\uac00-\ud7af]"),
    "Kana": re.compile(r"[\u3040-\u30ff]"),
    "Han": re.compile(r"[\u4e00-\u9fff]"),
}

# Frequent function words of languages written in the Latin script, enough to tell them
# apart in a sentence or two. Words that are also English words ("die", "per", "no", "a")
# are left out, so a formula or a name does not make an English text Italian.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "English": "the and of to is in that it for you with on are this be have not was what how can my your do i a",
        "French": "le la les et est des une du que pas pour dans qui sur vous je mon ne depuis avec il elle nous très",
        "German": "der das und ist nicht ich ein eine zu mit den sie es auf für von meine dem sich auch wie",
        "Spanish": "el los las y es que del una por para mi qué puedo está pero como se muy",
        "Italian": "il di che è non mi sono della questo ho gli una perché anche",
        "Portuguese": "os que um uma para não com por minha foi são está você meu ao",
        "Dutch": "het een en van ik niet dat op te mijn wat met zijn voor sinds moet er",
    }.items()
}
_WORD = re.compile(r"[^\W\d_]+")


# A Han, kana or Hangul character carries about as much as a short word: counted so, "很客气
# 的大叔，卷饼very,good" is a Chinese review with two English words, not a Latin text.
_SCRIPT_WEIGHT = {"Han": 3, "Kana": 2, "Hangul": 2}


def _dominant_script(text: str) -> str | None:
    text = text[:_SCAN_CHARS]
    if text.isascii():
        return "Latin" if re.search(r"[A-Za-z]", text) else None
    counts = {name: len(pattern.findall(text)) * _SCRIPT_WEIGHT.get(name, 1) for name, pattern in _SCRIPTS.items()}
    name, n = max(counts.items(), key=lambda kv: kv[1])
    return name if n else None


def _latin_language(text: str) -> str | None:
    counts = Counter(_WORD.findall(text[:_SCAN_CHARS].lower()))
    scores = {lang: sum(counts[w] for w in vocab.intersection(counts)) for lang, vocab in _FUNCTION_WORDS.items()}
    lang, best = max(scores.items(), key=lambda kv: kv[1])
    # Three function words, and twice as many as of English: one shared by chance is not
    # another language.
    if lang != "English" and best >= 3 and best >= 2 * scores["English"]:
        return lang
    return "English" if scores["English"] >= 2 else None


def language_of(text: str) -> str | None:
    """A Latin-script language recognised by its function words (English, French, German,
    Spanish, Italian, Portuguese, Dutch), else the script ("Latin", "Cyrillic", "Han", ...);
    None without letters."""
    script = _dominant_script(text)
    if script == "Latin":
        return _latin_language(text) or "Latin"
    return script


def language_outliers(texts: Sequence[str], max_share: float = 0.05) -> Flags:
    """Texts in a language or script that under ``max_share`` of the set's texts use: a set
    meant to be multilingual has each of its languages above that share."""
    langs = [language_of(t) for t in texts]
    counts = Counter(lang for lang in langs if lang)
    if not counts:
        return [None] * len(texts), {"test": "skipped: no letters"}
    main = counts.most_common(1)[0][0]
    known = sum(counts.values())
    # "Latin" (no function words recognised: a list, a name, a short phrase) next to a
    # recognised Latin-script language is not another language.
    rare = {
        lang
        for lang, n in counts.items()
        if n / known < max_share and lang != main and not (lang == "Latin" and main in _FUNCTION_WORDS)
    }
    out = [f"language: looks like {lang} (most of the set: {main})" if lang in rare else None for lang in langs]
    return out, {"test": f"a language or script under {max_share:.0%} of the texts", "main_language": main}


# -- garbled and repeated text ------------------------------------------------------------------

# Broken encodings: the replacement character, UTF-8 read as Latin-1 ("Ã©", "â€™"), control
# characters other than tab and newline.
_MOJIBAKE = re.compile("\ufffd|Ã[\u0080-\u00bf]|Â[\u0080-\u00bf]|â€|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CHAR_RUN = re.compile(r"(\w)\1{19,}")
_LETTER = re.compile(r"[^\W\d_]+")
_SPACE = re.compile(r"\s+")


def garbled_outliers(texts: Sequence[str]) -> Flags:
    """Broken encoding (three or more mojibake, replacement or control characters, where the
    typical text has none), one character 20 times in a row, or no words at all (under 10 %
    letters where the typical text is mostly letters)."""
    import numpy as np

    heads = [t[:_SCAN_CHARS] for t in texts]
    broken = [len(_MOJIBAKE.findall(t)) for t in heads]
    shares = []
    for t in heads:
        visible = len(_SPACE.sub("", t))  # substitutions run in C; counting per character would not
        letters = len(t) - len(_LETTER.sub("", t))
        shares.append(letters / visible if visible >= 12 else np.nan)
    finite = [s for s in shares if s == s]
    typical = float(np.median(finite)) if finite else 0.0
    broken_typical = float(np.median(broken)) if broken else 0.0
    out: list[str | None] = []
    for t, n, share in zip(heads, broken, shares):
        run = _CHAR_RUN.search(t)
        if n >= 3 and broken_typical == 0:
            out.append(f"garbled: {n} mojibake, replacement or control characters")
        elif run:
            out.append(f"garbled: {run.group(1)!r} {len(run.group(0))} times in a row")
        elif share < 0.1 and typical >= 0.5:
            out.append(f"no words: {share:.0%} of its characters are letters (typical {typical:.0%})")
        else:
            out.append(None)
    return out, {"test": "mojibake or control characters, a 20-character run, or no letters", "typical_letter_share": round(typical, 3)}


def repetition_outliers(texts: Sequence[str], min_words: int = 60, max_distinct: float = 0.1) -> Flags:
    """Degenerate texts: at least ``min_words`` words of which at most ``max_distinct`` are
    distinct (a phrase pasted over and over, a generation stuck in a loop)."""
    out: list[str | None] = []
    for text in texts:
        words = _WORD.findall(text.lower()) if len(text) >= min_words * 2 else []
        distinct = len(set(words))
        if len(words) >= min_words and distinct / len(words) <= max_distinct:
            out.append(f"repetitive: {len(words):,} words, only {distinct:,} distinct")
        else:
            out.append(None)
    return out, {"test": f"{min_words}+ words, at most {max_distinct:.0%} distinct"}


# -- vocabulary and neighbours ------------------------------------------------------------------

# English function words: they say nothing about a text's topic but make every text a
# neighbour of every other.
_STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor
    not now of off on once only or other our ours ourselves out over own same she should so some such than that
    the their theirs them themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself yourselves""".split()
)
_CJK = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
_CONTENT_TOKEN = re.compile(rf"[{_CJK}]{{2,}}|(?:(?![{_CJK}])\w){{2,}}")


def content_words(text: str, *, cjk: bool = True) -> list[str]:
    """Lower-cased words of two or more characters without English stop words; runs of CJK
    characters (written without spaces) become their overlapping character pairs, or are
    left out with ``cjk=False``."""
    out: list[str] = []
    for w in _CONTENT_TOKEN.findall(text.lower()):
        if not w.isascii() and re.match(rf"[{_CJK}]", w):
            if cjk:
                out.extend(w[i : i + 2] for i in range(len(w) - 1))
        elif w not in _STOP_WORDS:
            out.append(w)
    return out


def unseen_word_outliers(texts: Sequence[str], *, z_max: float = 3.5, min_share: float = 0.6, min_words: int = 6) -> Flags:
    """Off-topic texts: most of their distinct content words appear in no other text. The
    share must be far above the set's typical share (robust z over ``z_max``) and at least
    ``min_share``; texts with fewer than ``min_words`` content words are not judged. Works
    in varied sets, where no text has a close neighbour but the topic still shares words.
    CJK text is not judged: its character pairs are not words, and most are rare."""
    import numpy as np

    words = [set(content_words(t, cjk=False)) for t in texts]
    df: Counter[str] = Counter(w for ws in words for w in ws)
    judged = [i for i, ws in enumerate(words) if len(ws) >= min_words]
    out: list[str | None] = [None] * len(texts)
    if len(judged) < 10:
        return out, {"test": "skipped: fewer than 10 texts with enough words"}
    unseen = np.asarray([sum(df[w] == 1 for w in words[i]) for i in judged], dtype=float)
    sizes = np.asarray([len(words[i]) for i in judged], dtype=float)
    shares = unseen / sizes
    z, _ = robust_z(shares)
    p25, p75 = np.percentile(shares, [25, 75])
    for k in np.flatnonzero((z > z_max) & (shares >= min_share)):
        out[judged[k]] = (
            f"off-topic: {int(unseen[k])} of its {int(sizes[k])} content words appear in no other example "
            f"(typical {p25:.0%}-{p75:.0%})"
        )
    test = f"share of words no other example uses: robust z > {z_max:g} and at least {min_share:.0%}"
    return out, {"test": test}


def nearest_similarities(texts: Sequence[str], chunk: int = 512) -> np.ndarray | None:
    """Cosine similarity (content-word TF-IDF) from each text to its nearest other text, NaN
    for a text without content words; None under 3 texts. Brute force over row chunks,
    never n x n at once."""

    x = tfidf_rows([content_words(t) for t in texts])
    if x is None or x.shape[0] < 3:
        return None
    return _nearest(x, chunk)


def _nearest(x, chunk: int = 512) -> np.ndarray:
    import numpy as np

    dense = isinstance(x, np.ndarray)
    xt = x.T if dense else x.T.tocsr()
    best = np.zeros(x.shape[0], dtype=np.float64)
    for start in range(0, x.shape[0], chunk):
        sims = x[start : start + chunk] @ xt
        sims = sims if dense else sims.toarray()
        idx = np.arange(sims.shape[0])
        sims[idx, start + idx] = -1.0  # not its own neighbour
        best[start : start + chunk] = sims.max(axis=1)
    best = np.clip(best, 0.0, 1.0)
    empty = ~x.any(axis=1) if dense else np.diff(x.indptr) == 0
    best[empty] = np.nan
    return best


def isolated_outliers(
    texts: Sequence[str],
    fence_iqr: float = 1.5,
    *,
    max_similarity: float = 0.3,
    min_words: int = 5,
    no_overlap: float = 0.05,
) -> Flags:
    """Texts far from every other text: similarity to the nearest one below the lower Tukey
    fence (Q1 - ``fence_iqr`` x IQR of all nearest similarities) and under
    ``max_similarity``; or, with ``min_words`` or more distinct content words, under
    ``no_overlap`` (a varied set has a wide spread and a fence below zero, but ten words
    that no other text shares still mark an outsider)."""
    import numpy as np

    x = tfidf_rows([content_words(t) for t in texts])
    out: list[str | None] = [None] * len(texts)
    if x is None or x.shape[0] < 3:
        return out, {"test": "skipped: fewer than 3 texts with words"}
    sims = _nearest(x)
    judged = np.isfinite(sims)
    q1, q3 = np.percentile(sims[judged], [25, 75])
    fence = min(max_similarity, float(q1 - fence_iqr * (q3 - q1)))
    # Distinct content words per text: the non-zero cells of its TF-IDF row.
    words = (x > 0).sum(axis=1) if isinstance(x, np.ndarray) else np.diff(x.indptr)
    lonely = judged & ((sims < fence) | ((sims < no_overlap) & (words >= min_words)))
    for i in np.flatnonzero(lonely):
        out[i] = f"isolated: nearest other input has cosine similarity {sims[i]:.2f} (typical {q1:.2f}-{q3:.2f})"
    return out, {
        "test": (
            f"TF-IDF nearest-neighbour similarity < {max(fence, 0.0):.2f} (Q1 - {fence_iqr:g} x IQR, at most "
            f"{max_similarity:g}), or < {no_overlap:g} with {min_words}+ content words"
        ),
        "median_similarity": round(float(np.median(sims[judged])), 3),
    }
