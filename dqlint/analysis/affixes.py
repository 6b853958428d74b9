"""Text shared by a large share of rows at their start or end: a tool preamble, a system prompt
inlined in every instruction, a form letter's closing. Left in, it makes every pair of rows look
alike, so the duplicate and leakage checks compare what is left once it is cut off.
"""

from __future__ import annotations

import math
import os
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

# A shared start is a template when it is at least this long and on at least this share of rows,
_MIN_CHARS, _MIN_SHARE = 48, 0.3
# or shorter (but not a few common words) and on nearly every row,
_MIN_CHARS_ALMOST_ALL, _ALMOST_ALL = 16, 0.9
# or on fewer rows (but many) and most of their text (one of a few templated answers).
_MIN_SHARE_MOSTLY, _MOSTLY, _MIN_ROWS_MOSTLY = 0.05, 0.5, 50
_KEY = 16  # characters compared first
# A longer start is followed while this share of the rows still has it.
_KEEP = 0.9
# Texts read to find candidates (then counted over all texts).
_SAMPLE = 4000
# Fewer rows than this sharing a start are copies of one another, not a template.
_MIN_ROWS = 10


@dataclass(frozen=True)
class SharedAffix:
    """Text that ``rows`` (indexes into the texts) start with (``where`` = "prefix") or end with ("suffix")."""

    where: str
    text: str
    rows: tuple[int, ...]


def _longest_shared_start(texts: Sequence[str], rows: list[int], min_rows: int) -> tuple[str, list[int]]:
    """The longest start shared by at least ``min_rows`` of ``rows``, by doubling the length
    compared while nearly all the rows still share it (so a longer start on a subgroup does not
    hide the shorter one on all), then the exact common prefix of the rows that share it."""
    length = _KEY
    while True:
        counts = Counter(texts[r][: 2 * length] for r in rows)
        key, count = counts.most_common(1)[0]
        if len(key) < 2 * length or count < max(min_rows, _KEEP * len(rows)):
            break
        rows = [r for r in rows if texts[r].startswith(key)]
        length *= 2
    prefix = os.path.commonprefix([texts[r] for r in rows])
    return prefix, rows


def _cut_to_word(prefix: str, texts: Sequence[str], rows: list[int]) -> str:
    """The prefix shortened to end at a word boundary in every row (CJK text has none: kept)."""
    if all(len(texts[r]) == len(prefix) or texts[r][len(prefix)] == " " for r in rows):
        return prefix
    cut = prefix.rfind(" ")
    return prefix[: cut + 1] if cut > 0 else prefix


def _is_template(chars: int, rows: int, total: int, median_length: float) -> bool:
    """Whether a start of ``chars`` characters on ``rows`` of ``total`` rows is a template (see the thresholds above)."""
    share = rows / total
    if chars < _MIN_CHARS_ALMOST_ALL:
        return False
    return (
        (chars >= _MIN_CHARS and share >= _MIN_SHARE)
        or share >= _ALMOST_ALL
        or (share >= _MIN_SHARE_MOSTLY and rows >= _MIN_ROWS_MOSTLY and chars >= _MOSTLY * median_length)
    )


def _sample(texts: Sequence[str]) -> Sequence[str]:
    """Every k-th text, about ``_SAMPLE`` of them: text on a share of all rows is on about that
    share of the sample, so candidates are found without a pass over a million texts."""
    return texts[:: max(1, len(texts) // _SAMPLE)]


def _shared(texts: Sequence[str], where: str) -> list[SharedAffix]:
    """Starts (``where`` = "prefix") or ends ("suffix") shared by a large share of the
    non-empty texts (see the module's thresholds). Candidates come from a sample; each is then
    counted over every text (a C-speed startswith / endswith per text)."""
    total = sum(1 for t in texts if t)
    if total < _MIN_ROWS:
        return []
    sample = _sample(texts)
    head = (lambda t: t[:_KEY]) if where == "prefix" else (lambda t: t[-_KEY:])
    counts = Counter(head(t) for t in sample if len(t) >= _KEY)
    # Half the smallest share, so sampling noise does not hide a candidate.
    candidates = [key for key, n in counts.most_common() if n >= max(2, 0.5 * _MIN_SHARE_MOSTLY * len(sample))]
    min_rows = max(_MIN_ROWS, math.ceil(_MIN_SHARE_MOSTLY * total))
    out = []
    for key in candidates:
        has = (lambda t, k=key: t.startswith(k)) if where == "prefix" else (lambda t, k=key: t.endswith(k))
        rows = [i for i, t in enumerate(texts) if has(t)]
        if len(rows) < min_rows:
            continue
        # Ends are found as the starts of the reversed texts (only this group's are reversed).
        group = [texts[r] if where == "prefix" else texts[r][::-1] for r in rows]
        start, local = _longest_shared_start(group, list(range(len(group))), min_rows)
        start = _cut_to_word(start, group, local)
        median = statistics.median(len(group[j]) for j in local)
        if len(local) >= _MIN_ROWS and _is_template(len(start), len(local), total, median):
            out.append(SharedAffix(where, start if where == "prefix" else start[::-1], tuple(rows[j] for j in local)))
    return out


def shared_prefixes(texts: Sequence[str]) -> list[SharedAffix]:
    """Starts shared by a large share of the non-empty texts."""
    return _shared(texts, "prefix")


def shared_affixes(texts: Sequence[str]) -> list[SharedAffix]:
    """Shared starts, then shared ends (found once the shared starts are cut, so they are
    measured against what is left)."""
    prefixes = _shared(texts, "prefix")
    suffixes = _shared(without_affixes(texts, prefixes) if prefixes else texts, "suffix")
    return prefixes + suffixes


def without_affixes(texts: Sequence[str], affixes: Sequence[SharedAffix]) -> list[str]:
    """The texts with each shared prefix / suffix cut from the rows that have it (a row that is
    nothing but the shared text keeps it, so such rows still match each other)."""
    out = list(texts)
    for affix in affixes:
        n = len(affix.text)
        for r in affix.rows:
            t = out[r]
            rest = t[n:] if affix.where == "prefix" and t.startswith(affix.text) else t[:-n] if affix.where == "suffix" and t.endswith(affix.text) else t
            rest = rest.strip(" ")
            if rest:
                out[r] = rest
    return out


@dataclass(frozen=True)
class SharedLines:
    """Lines (raw text) that many rows contain anywhere, ``rows`` the rows with at least one:
    the body of a form letter, a policy pasted into every prompt between varying parts."""

    lines: tuple[str, ...]
    rows: tuple[int, ...]

    @property
    def chars(self) -> int:
        return sum(len(line) for line in self.lines)


# A line is boilerplate when at least this long and on at least this share (and number) of rows.
_MIN_LINE_CHARS, _MIN_LINE_SHARE = 32, 0.3


def shared_lines(texts: Sequence[str]) -> SharedLines | None:
    """The lines of at least ``_MIN_LINE_CHARS`` characters (stripped) found in at least
    ``_MIN_LINE_SHARE`` of the non-empty texts (and ``_MIN_ROWS``), or None. Candidates come
    from a sample; only when there are any is every text read."""
    total = sum(1 for t in texts if t)
    if total < _MIN_ROWS:
        return None
    sample = _sample(texts)
    seen: Counter[str] = Counter()
    for t in sample:
        if "\n" in t:
            seen.update({line.strip() for line in t.split("\n")})
    candidates = {line for line, n in seen.items() if len(line) >= _MIN_LINE_CHARS and n >= max(2, 0.5 * _MIN_LINE_SHARE * len(sample))}
    if not candidates:
        return None
    counts: Counter[str] = Counter()
    rows = []
    for i, t in enumerate(texts):
        if "\n" in t:
            found = {line.strip() for line in t.split("\n")} & candidates
            if found:
                counts.update(found)
                rows.append(i)
    floor = max(_MIN_ROWS, math.ceil(_MIN_LINE_SHARE * total))
    common = {line for line in candidates if counts[line] >= floor}
    if not common:
        return None
    rows = [i for i in rows if any(line.strip() in common for line in texts[i].split("\n"))]
    return SharedLines(tuple(sorted(common, key=lambda line: (-counts[line], line))), tuple(rows))


def without_lines(text: str, lines: frozenset[str] | set[str]) -> str:
    """``text`` without the given lines (compared stripped)."""
    return "\n".join(line for line in text.split("\n") if line.strip() not in lines)
