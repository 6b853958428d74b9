"""Shared machinery for scanning many texts with many detectors: a match, and cheap literal "wake"
words that decide which detectors a text needs at all.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from typing import Sequence

__all__ = ['Match']


@dataclass(frozen=True)
class Match:
    kind: str  # e.g. "openai-api-key", "email", "card-number", "ignore-instructions"
    category: str  # "secret" | "pii" | "injection" | "artifact"
    start: int
    end: int
    masked: str  # safe to show
    # How a rule should treat it: "block" (a real-looking datum in prose), "warn" (in a code
    # example or a test fixture: worth a look, not a reason to stop), "mask-only" (masked in
    # every output but not reported: a number that may be a card but has no card context).
    report: str = "block"
    note: str = ""  # why it does not block ("in a code block", "a test address")


Wakes = list[tuple[re.Pattern[str], tuple[int, ...]]]


def wake_index(wakes_of: Sequence[tuple[str, ...]]) -> Wakes:
    """Each distinct wake pattern, compiled (a plain literal compiles to a fast substring
    search), with the detectors (by position) it wakes."""
    return [
        (re.compile(w), tuple(j for j, ws in enumerate(wakes_of) if w in ws))
        for w in dict.fromkeys(w for ws in wakes_of for w in ws)
    ]


# Texts are scanned in batches joined by a character no fragment matches.
_SEPARATOR = "\x00"


_BATCH_CHARS = 4_000_000


def woken_detectors(texts: Sequence[str], wakes: Wakes) -> list[set[int]]:
    """For each text, the detectors (by position) whose wake pattern occurs in it. Texts
    are lower-cased and scanned in large joined batches, so the cost per text is tiny."""
    woken: list[set[int]] = [set() for _ in texts]
    start = 0
    while start < len(texts):
        end, size = start, 0
        while end < len(texts) and (size < _BATCH_CHARS or end == start):
            size += len(texts[end]) + 1
            end += 1
        batch = texts[start:end]
        joined = _SEPARATOR.join(batch).lower()
        if len(joined) != size - 1:  # lower() changed a length (rare letters): go one by one
            for i, text in enumerate(batch, start):
                lowered = text.lower()
                woken[i] = {j for pattern, ids in wakes if pattern.search(lowered) for j in ids}
        else:
            offsets = list(itertools.accumulate((len(t) + 1 for t in batch), initial=0))
            for pattern, ids in wakes:
                _wake_texts(pattern, joined, offsets, woken, start, ids)
        start = end
    return woken


def _wake_texts(
    pattern: re.Pattern[str], joined: str, offsets: list[int], woken: list[set[int]], first: int, ids: tuple[int, ...]
) -> None:
    """Add ``ids`` to every text of the batch in which ``pattern`` occurs. After a hit the search
    jumps to the next text: a word that fills the texts (a shared system prompt's) costs one
    step per text, not one per occurrence."""
    search, bisect_right, pos, end = pattern.search, bisect.bisect_right, 0, len(joined)
    while pos <= end:
        m = search(joined, pos)
        if m is None:
            return
        i = bisect_right(offsets, m.start()) - 1
        woken[first + i].update(ids)
        pos = offsets[i + 1]


def replace_matches(text: str, matches: list[Match]) -> str:
    out: list[str] = []
    pos = 0
    for m in sorted(matches, key=lambda x: x.start):
        if m.start < pos:
            continue
        out.append(text[pos : m.start])
        out.append(m.masked)
        pos = m.end
    out.append(text[pos:])
    return "".join(out)
