"""LLM artifacts in model outputs: disclaimers, sycophantic openers, template placeholders, chat
template leftovers, truncation and echoed inputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from dqlint.analysis.code import is_list_item, looks_like_code_line, looks_like_json
from dqlint.analysis.scan import Match, wake_index, woken_detectors
from dqlint.analysis.sensitive import masked_window

__all__ = ['ARTIFACT_KINDS', 'find_artifacts', 'find_artifacts_many']


@dataclass(frozen=True)
class _Artifact:
    kind: str
    pattern: re.Pattern[str]
    # Patterns of the lower-cased text one of which every match contains (see _Detector.wake);
    # none: always checked (openers, which only look at the first characters).
    wake: tuple[str, ...] = ()
    # Where to look: openers sit in the first characters, closers in the last ones.
    region: str = "all"  # all | head | tail


_REGION_CHARS = 300


_TAIL_CHARS = 120  # a closing phrase plus trailing punctuation or emoji


_ARTIFACTS: tuple[_Artifact, ...] = (
    _Artifact(
        "ai-disclaimer",
        re.compile(
            r"(?i)\b(?:as an? (?:ai|artificial intelligence)(?: language)?(?: model| assistant)?|"
            r"as a (?:large )?language model|i(?:'m| am) (?:just |only )?an? (?:ai|language model|"
            r"virtual assistant)|i (?:was|am|have been) (?:trained|developed|created) by (?:openai|anthropic|google)|"
            r"my (?:knowledge|training data) (?:cutoff|cut-off)|i do(?: not|n't) have (?:personal )?"
            r"(?:opinions|feelings|emotions|beliefs|access to real-time))"
        ),
        # " ai", "artificial" (as an AI / artificial intelligence), "language model",
        # "virtual", "ed by " (trained/developed/created by), "cut" (cutoff), "t have " (do not /
        # don't have): few strings, because each is one scan over every output.
        wake=(" ai", "artificial", "language model", "virtual", "ed by ", "cut", "t have "),
    ),
    _Artifact(
        "refusal",
        re.compile(
            r"(?i)\b(?:i(?:'m| am) (?:sorry|afraid),? but (?:i|as)|i (?:can(?:not|'t)|am unable to|"
            r"won't|will not) (?:help|assist|provide|comply|fulfil+|answer|do that|create|generate|"
            r"engage|support)(?: with)?(?: (?:that|this|your) (?:request)?)?|i must (?:decline|refuse))"
        ),
        wake=("sorry", "afraid", "i can", "unable", "won't", "will not", "i must"),
    ),
    _Artifact(
        "sycophantic-opener",
        re.compile(
            r"(?i)^\s*(?:(?:sure|certainly|absolutely|of course)[!,.]\s*(?:here(?:'s| is| are)|"
            r"i(?:'d| would) be (?:happy|glad))|(?:sure|certainly|absolutely|of course|great question|"
            r"excellent question|what a great question)!|i(?:'d| would) be (?:happy|glad|delighted) to help)"
        ),
        region="head",
    ),
    _Artifact(
        "canned-closer",
        re.compile(
            r"(?i)(?:i hope this helps|hope (?:this|that) helps|let me know if you (?:have any (?:other|more|further) "
            r"questions|need (?:any )?(?:further|more) (?:help|assistance|clarification))|feel free to ask)[!.]?\s*\W*$"
        ),
        wake=("helps", "let me know", "feel free"),  # literals, checked in the tail only
        region="tail",
    ),
    _Artifact(
        "template-placeholder",
        re.compile(
            # Up to three words, single separators, an optional trailing one: the language of
            # "(?:[a-z]+[ _]?){0,3}", written so a long word without "]" is scanned once, not in
            # every three-way split of it (cubic).
            r"(?i)\[(?:your|insert|recipient|company|customer|first|last|full)[ _](?:[a-z]+(?:[ _][a-z]+){0,2}[ _]?)?\]|"
            r"<(?:insert|your)[ _][^>]{1,30}>|\blorem ipsum\b"
        ),
        wake=(r"\[", "<", "lorem"),
    ),
)


ARTIFACT_KINDS = tuple(a.kind for a in _ARTIFACTS) + ("truncated", "echoes-input")


# Words an English sentence does not end on: an output ending so was cut off.
# Words an English sentence does not end on: an output ending so was cut off. (Not "is",
# "this", "that" or "so": "that is the way it is", "I think so" are complete.)
_DANGLING_WORDS = frozenset(
    "the a an and or but nor of to in on for with which because if as by from at into than "
    "my your our their its".split()
)


# Marks a sentence does not end on. Not ";": it ends a statement in SQL and most languages.
_DANGLING_MARKS = ",:([{-"


# Whole-text wakes are scanned in batches; head and tail artifacts look only at their region.
_ARTIFACT_WAKES = wake_index([a.wake if a.region == "all" else () for a in _ARTIFACTS])


_ALWAYS_CHECKED_ARTIFACTS = {i for i, a in enumerate(_ARTIFACTS) if not a.wake or a.region != "all"}


def find_artifacts(output: str, input: str = "") -> list[Match]:
    """LLM boilerplate in a model ``output`` a fine-tuned model would learn to imitate."""
    return find_artifacts_many([output], [input])[0]


def find_artifacts_many(outputs: Sequence[str], inputs: Sequence[str]) -> list[list[Match]]:
    """:func:`find_artifacts` for many (output, input) pairs at once."""
    woken = woken_detectors(outputs, _ARTIFACT_WAKES)
    return [_artifacts_in(o, i, w | _ALWAYS_CHECKED_ARTIFACTS) for o, i, w in zip(outputs, inputs, woken)]


def _artifacts_in(output: str, input: str, candidates: set[int]) -> list[Match]:
    found: list[Match] = []
    for index in sorted(candidates):
        artifact = _ARTIFACTS[index]
        if artifact.region == "head":  # anchored at the start: match, not search
            m = artifact.pattern.match(output, 0, _REGION_CHARS)
        elif artifact.region == "tail":
            tail = output[-_TAIL_CHARS:].lower()
            if artifact.wake and not any(w in tail for w in artifact.wake):
                continue
            m = artifact.pattern.search(output, max(0, len(output) - _TAIL_CHARS))
        else:
            m = artifact.pattern.search(output)
        if m:
            found.append(Match(artifact.kind, "artifact", m.start(), m.end(), m.group(0).strip()))
    reason = truncation_reason(output)
    if reason:
        text = output.rstrip()
        tail = masked_window(text, len(text) - 40, len(text))  # a key cut by the window is still masked
        found.append(Match("truncated", "artifact", max(0, len(output) - 40), len(output), f"…{tail} ({reason})"))
    if input and _same_text(output, input):
        found.append(Match("echoes-input", "artifact", 0, len(output), "output is identical to the input"))
    return found


def _same_text(a: str, b: str) -> bool:
    """Equal ignoring case and spacing. Cheap tests first: spacing changes the length little,
    and the normalised first 100 characters are a prefix of the normalised whole."""
    if abs(len(a) - len(b)) > 0.2 * max(len(a), len(b)) + 8:
        return False
    head_a, head_b = _normalise(a[:100]), _normalise(b[:100])
    common = min(len(head_a), len(head_b))
    if head_a[:common] != head_b[:common]:
        return False
    return _normalise(a) == _normalise(b)


def truncation_reason(output: str) -> str | None:
    """Why ``output`` looks cut off mid-way, or None. Heuristic: an odd number of code
    fences, or a final line of prose that ends on a comma, an article, a conjunction or a
    preposition. Code, queries, JSON and tables are not prose and are not judged (beyond
    the fence count); a list item may end on a comma."""
    text = output.rstrip()
    if not text:
        return None
    if "```" in text and text.count("```") % 2 == 1:
        return "unclosed code block"
    # Only the end matters: look at the last 200 characters of the last line.
    last_line = text[-200:].rsplit("\n", 1)[-1]
    last_word = last_line[-24:].rsplit(None, 1)[-1] if last_line.strip() else ""
    if not last_word:
        return None
    ends_on_word = last_word.lower() in _DANGLING_WORDS
    ends_on_mark = last_word[-1:] in _DANGLING_MARKS and not (last_word[-1] == "," and is_list_item(last_line))
    if (ends_on_word or ends_on_mark) and _looks_like_prose(last_line) and not looks_like_json(text):
        return "ends mid-sentence"
    return None


def _looks_like_prose(line: str) -> bool:
    words = line.split()
    return (
        len(words) >= 4
        and sum(w.isalpha() for w in words) >= len(words) * 0.6
        and not looks_like_code_line(line)
    )


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())
