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


def shared_prefixes(texts: Sequence[str], where: str = "prefix") -> list[SharedAffix]:
    """Starts shared by a large share of the non-empty texts (see the module's thresholds)."""
    nonempty = [i for i, t in enumerate(texts) if len(t) >= _KEY]
    total = sum(1 for t in texts if t)
    if not total:
        return []
    out = []
    groups = Counter(texts[i][:_KEY] for i in nonempty)
    for key, count in groups.most_common():
        if count < _MIN_SHARE_MOSTLY * total or count < _MIN_ROWS:
            break
        rows = [i for i in nonempty if texts[i].startswith(key)]
        prefix, rows = _longest_shared_start(texts, rows, max(_MIN_ROWS, math.ceil(_MIN_SHARE_MOSTLY * total)))
        prefix = _cut_to_word(prefix, texts, rows)
        if len(rows) >= _MIN_ROWS and _is_template(len(prefix), len(rows), total, statistics.median(len(texts[r]) for r in rows)):
            out.append(SharedAffix(where, prefix, tuple(rows)))
    return out


def shared_affixes(texts: Sequence[str]) -> list[SharedAffix]:
    """Shared starts, then shared ends (found on the reversed texts without the shared starts)."""
    prefixes = shared_prefixes(texts)
    # Ends are looked for once the shared starts are cut, so they are measured against what is left.
    reversed_texts = [t[::-1] for t in (without_affixes(texts, prefixes) if prefixes else texts)]
    suffixes = [SharedAffix("suffix", a.text[::-1], a.rows) for a in shared_prefixes(reversed_texts)]
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
    ``_MIN_LINE_SHARE`` of the non-empty texts (and ``_MIN_ROWS``), or None. Only texts of
    several lines are read (one C-speed split and set per text)."""
    total = sum(1 for t in texts if t)
    if total < _MIN_ROWS:
        return None
    counts: Counter[str] = Counter()
    for t in texts:
        if "\n" in t:
            counts.update({line.strip() for line in t.split("\n")})
    floor = max(_MIN_ROWS, math.ceil(_MIN_LINE_SHARE * total))
    common = {line for line, n in counts.items() if n >= floor and len(line) >= _MIN_LINE_CHARS}
    if not common:
        return None
    rows = tuple(i for i, t in enumerate(texts) if "\n" in t and any(line.strip() in common for line in t.split("\n")))
    return SharedLines(tuple(sorted(common, key=lambda line: (-counts[line], line))), rows)


def without_lines(text: str, lines: frozenset[str] | set[str]) -> str:
    """``text`` without the given lines (compared stripped)."""
    return "\n".join(line for line in text.split("\n") if line.strip() not in lines)
