"""Patterns for risky text: secrets, personal data, prompt injection, LLM boilerplate.

Every detector returns :class:`Match` objects whose ``masked`` form is the only one that may
reach a report: a key keeps its first 4 characters, an e-mail its first letter and domain, a
card number its last 4 digits. :func:`mask_text` masks every secret and personal datum in a
text, so any rule can show an excerpt safely.

Checksums cut false positives: card numbers must pass Luhn, IBANs the ISO 7064 mod-97 check.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from typing import Callable, Sequence

__all__ = [
    "ARTIFACT_KINDS",
    "SENSITIVE_KINDS",
    "Match",
    "excerpt",
    "find_artifacts",
    "find_artifacts_many",
    "find_sensitive",
    "find_sensitive_many",
    "iban_valid",
    "luhn_valid",
    "mask_text",
]


@dataclass(frozen=True)
class Match:
    kind: str  # e.g. "openai-api-key", "email", "card-number", "ignore-instructions"
    category: str  # "secret" | "pii" | "injection" | "artifact"
    start: int
    end: int
    masked: str  # safe to show


# -- checksums --------------------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    """The Luhn check every payment card number passes."""
    if not digits.isdigit() or len(digits) < 12:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616 IBAN check: move the first four characters to the end, letters to numbers
    (A=10 ... Z=35); the result mod 97 must be 1."""
    s = re.sub(r"\s", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", s):
        return False
    rearranged = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


# -- masking ----------------------------------------------------------------------------------


def _mask_keep_prefix(value: str, keep: int = 4) -> str:
    # A fixed-length tail: the mask should not even reveal the key's length.
    return value[:keep] + "*" * 8


def _mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def _mask_digits_keep_last(value: str, keep: int = 4) -> str:
    digits = re.sub(r"\D", "", value)
    return "*" * max(0, min(len(digits) - keep, 12)) + digits[-keep:]


def _mask_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return ("+" if value.lstrip().startswith("+") else "") + "*" * (len(digits) - 2) + digits[-2:]


def _mask_iban(value: str) -> str:
    s = re.sub(r"\s", "", value)
    return s[:2] + "**" + "*" * 8 + s[-2:]


def _mask_private_key(value: str) -> str:
    header = re.match(r"-----BEGIN [A-Z0-9 ]*-----", value)
    return (header.group(0) if header else "-----BEGIN PRIVATE KEY-----") + " [key body masked]"


def _mask_assignment(value: str) -> str:
    m = re.match(r"(?is)(.*?[:=]\s*[\"']?)(.*)", value)
    if not m:
        return "[masked]"
    return m.group(1) + _mask_keep_prefix(m.group(2), 2)


# -- sensitive detectors ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Detector:
    kind: str
    category: str
    pattern: re.Pattern[str]
    mask: Callable[[str], str]
    # Extra check on the matched text (checksum, placeholder filter); None accepts all.
    accept: Callable[[str], bool] | None = None
    # Regexes (mostly plain literals) one of which every match contains, searched in the
    # *lower-cased* text. Each runs as one fast C-level scan over many texts joined
    # together; a detector's own (slower) pattern runs only on the texts that woke it.
    wake: tuple[str, ...] = ()


def _card_ok(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    return 13 <= len(digits) <= 19 and digits[0] in "3456" and luhn_valid(digits) and len(set(digits)) > 1


def _phone_ok(value: str) -> bool:
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", value):  # an IPv4 address
        return False
    return 9 <= len(re.sub(r"\D", "", value)) <= 15


_PLACEHOLDER = re.compile(
    r"(?i)^(?:x+|\*+|\.+|<[^>]*>|\{[^}]*\}|\$\{?\w+\}?|your[_-]?\w*|example\w*|changeme|placeholder|"
    r"redacted|dummy|test|secret|password|none|null|true|false|os\.environ.*|getenv.*)$"
)


def _assignment_ok(value: str) -> bool:
    secret = re.split(r"[:=]\s*[\"']?", value, maxsplit=1)[-1].strip("\"' ")
    # Real credentials mix character classes; placeholders and identifiers usually do not.
    return (
        not _PLACEHOLDER.match(secret)
        and bool(re.search(r"\d", secret))
        and bool(re.search(r"[A-Za-z]", secret))
    )


# Nine digits close together: every phone, card number and IBAN has such a run.
_DIGIT_RUN = r"\d(?:[ \t().+-]{0,3}\d){8}"


# Domains reserved for documentation (RFC 2606 / 6761): addresses there are not personal data.
RESERVED_EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "example", "test", "invalid", "localhost")


def _email_ok(value: str) -> bool:
    domain = value.rpartition("@")[2].lower()
    return not any(domain == d or domain.endswith("." + d) for d in RESERVED_EMAIL_DOMAINS)


_SENSITIVE: tuple[_Detector, ...] = (
    # Secrets of well-known shapes.
    _Detector(
        "private-key",
        "secret",
        re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END [A-Z0-9 ]*-----)?"),
        _mask_private_key,
        wake=("private key",),
    ),
    _Detector(
        "anthropic-api-key", "secret", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}"), _mask_keep_prefix, wake=("sk-ant-",)
    ),
    _Detector(
        "openai-api-key",
        "secret",
        re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}(?:T3BlbkFJ[A-Za-z0-9_-]{20,})?"),
        _mask_keep_prefix,
        wake=("sk-",),
    ),
    _Detector(
        "aws-access-key-id",
        "secret",
        re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
        _mask_keep_prefix,
        wake=(r"a(?:kia|sia|bia|cca)[0-9a-z]{16}",),
    ),
    _Detector(
        "github-token",
        "secret",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"),
        _mask_keep_prefix,
        wake=(r"gh(?:[pousr]_|ithub_pat_)",),  # a literal prefix keeps the scan fast
    ),
    _Detector("slack-token", "secret", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), _mask_keep_prefix, wake=("xox",)),
    _Detector("google-api-key", "secret", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), _mask_keep_prefix, wake=("aiza",)),
    _Detector(
        "stripe-key",
        "secret",
        re.compile(r"\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}\b"),
        _mask_keep_prefix,
        wake=(r"k_(?:live|test)_",),
    ),
    _Detector("huggingface-token", "secret", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"), _mask_keep_prefix, wake=("hf_",)),
    _Detector(
        "jwt",
        "secret",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        _mask_keep_prefix,
        wake=("eyj",),
    ),
    _Detector(
        "credential-assignment",
        "secret",
        re.compile(
            r"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret)"
            r"\s*[:=]\s*[\"']?[^\s\"',;]{8,}"
        ),
        _mask_assignment,
        _assignment_ok,
        wake=(r"(?:passw\w*|pwd|secret|key|token)\s*[:=]",),
    ),
    # Personal data.
    _Detector(
        "email",
        "pii",
        re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
        _mask_email,
        _email_ok,
        wake=("@",),
    ),
    _Detector(
        "iban",
        "pii",
        re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"),
        _mask_iban,
        iban_valid,
        wake=(_DIGIT_RUN,),  # every IBAN has nine digits close together
    ),
    _Detector(
        "card-number",
        "pii",
        re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])"),
        _mask_digits_keep_last,
        _card_ok,
        wake=(_DIGIT_RUN,),
    ),
    _Detector(
        "phone-number",
        "pii",
        re.compile(
            # international (+44 20 7946 0958), North American ((555) 123-4567, 555-123-4567),
            # national with a trunk 0 (020 7946 0958); bare digit groups are not phones.
            r"(?<![\w+])(?:\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]\d{2,4}){1,4}"
            r"|(?:\(\d{3}\)\s?|\d{3}[.-])\d{3}[.-]\d{4}"
            r"|0\d{1,4}[\s.-]\d{3,4}[\s.-]\d{3,4})(?![\w-])"
        ),
        _mask_phone,
        _phone_ok,
        wake=(_DIGIT_RUN,),
    ),
    # Prompt-injection payloads: text that tries to override the model's instructions.
    _Detector(
        "ignore-instructions",
        "injection",
        re.compile(
            r"(?i)\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+|of\s+)*"
            r"(?:previous|prior|above|earlier|preceding|original|system)\s+"
            r"(?:instructions?|prompts?|directions|rules|guidelines|messages?|context)"
        ),
        lambda v: v,
        wake=("ignore", "disregard", "forget", "override"),
    ),
    _Detector(
        "reveal-system-prompt",
        "injection",
        re.compile(
            r"(?i)\b(?:reveal|print|show|repeat|output|leak)\s+(?:me\s+)?(?:your|the)\s+"
            r"(?:system\s+prompt|initial\s+(?:prompt|instructions)|hidden\s+instructions)"
        ),
        lambda v: v,
        wake=("prompt", "instructions"),
    ),
    _Detector(
        "jailbreak-persona",
        "injection",
        re.compile(
            r"(?i)\b(?:you\s+are\s+now\s+(?:DAN|in\s+developer\s+mode)|do\s+anything\s+now|"
            r"developer\s+mode\s+(?:enabled|activated)|jailbreak\s+mode)\b"
        ),
        lambda v: v,
        wake=("you are now", "anything now", "developer mode", "jailbreak"),
    ),
)

SENSITIVE_KINDS: dict[str, str] = {d.kind: d.category for d in _SENSITIVE}

Wakes = list[tuple[re.Pattern[str], tuple[int, ...]]]


def _wake_index(wakes_of: Sequence[tuple[str, ...]]) -> Wakes:
    """Each distinct wake pattern, compiled (a plain literal compiles to a fast substring
    search), with the detectors (by position) it wakes."""
    return [
        (re.compile(w), tuple(j for j, ws in enumerate(wakes_of) if w in ws))
        for w in dict.fromkeys(w for ws in wakes_of for w in ws)
    ]


_WAKES = _wake_index([d.wake for d in _SENSITIVE])
# Texts are scanned in batches joined by a character no fragment matches.
_SEPARATOR = "\x00"
_BATCH_CHARS = 4_000_000


def _woken_detectors(texts: Sequence[str], wakes: Wakes = _WAKES) -> list[set[int]]:
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
                for m in pattern.finditer(joined):
                    woken[start + bisect.bisect_right(offsets, m.start()) - 1].update(ids)
        start = end
    return woken


# Kinds whose matched text must never appear unmasked (injection phrases are not secret).
_MASKED_CATEGORIES = ("secret", "pii")


def find_sensitive(text: str, categories: tuple[str, ...] = ("secret", "pii", "injection")) -> list[Match]:
    """Every secret, personal datum and injection payload in ``text``, leftmost first.

    Overlaps are resolved in favour of the earlier detector (a private key's body is not also
    reported as a dozen card numbers; an API key inside a URL is one key, not a phone number).
    """
    return find_sensitive_many([text], categories)[0]


def find_sensitive_many(
    texts: Sequence[str], categories: tuple[str, ...] = ("secret", "pii", "injection")
) -> list[list[Match]]:
    """:func:`find_sensitive` for many texts at once (the fast way for a whole column)."""
    results: list[list[Match]] = [[] for _ in texts]
    for i, woken in enumerate(_woken_detectors(texts)):
        if woken:
            results[i] = _run_detectors(texts[i], sorted(woken), categories)
    return results


def _run_detectors(text: str, detectors: list[int], categories: tuple[str, ...]) -> list[Match]:
    found: list[Match] = []
    taken: list[tuple[int, int]] = []
    for index in detectors:
        det = _SENSITIVE[index]
        if det.category not in categories:
            continue
        for m in det.pattern.finditer(text):
            value = m.group(0)
            if det.accept is not None and not det.accept(value):
                continue
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append(Match(det.kind, det.category, m.start(), m.end(), det.mask(value)))
    return sorted(found, key=lambda x: x.start)


def mask_text(text: str) -> str:
    """``text`` with every secret and personal datum replaced by its masked form."""
    matches = find_sensitive(text, _MASKED_CATEGORIES)
    return _replace(text, matches)


def excerpt(text: str, match: Match, width: int = 160) -> str:
    """A short excerpt around ``match`` with *every* secret and personal datum in the text
    masked (masking happens on the whole text first, so a window edge never cuts a secret
    into an unrecognisable, unmasked fragment)."""
    masked_all = find_sensitive(text, _MASKED_CATEGORIES)
    others = [m for m in masked_all if not (m.start < match.end and match.start < m.end)]
    if match.category in _MASKED_CATEGORIES:
        others.append(match)
    others.sort(key=lambda m: m.start)
    safe = _replace(text, others)
    # Where does the match start in the masked text?
    shift = sum(len(m.masked) - (m.end - m.start) for m in others if m.end <= match.start)
    start = match.start + shift
    shown = match.masked if match.category in _MASKED_CATEGORIES else text[match.start : match.end]
    left = max(0, start - (width - len(shown)) // 2)
    right = min(len(safe), left + max(width, len(shown)))
    snippet = safe[left:right].replace("\n", " ")
    return ("…" if left > 0 else "") + snippet + ("…" if right < len(safe) else "")


def _replace(text: str, matches: list[Match]) -> str:
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


# -- LLM artifacts ------------------------------------------------------------------------------

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
            r"(?i)\[(?:your|insert|recipient|company|customer|first|last|full)[ _](?:[a-z]+[ _]?){0,3}\]|"
            r"<(?:insert|your)[ _][^>]{1,30}>|\blorem ipsum\b"
        ),
        wake=(r"\[", "<", "lorem"),
    ),
)

ARTIFACT_KINDS = tuple(a.kind for a in _ARTIFACTS) + ("truncated", "echoes-input")

# Words an English sentence does not end on: an output ending so was cut off.
_DANGLING_WORDS = frozenset(
    "the a an and or but of to in on for with that which because is are was were this these if then as by "
    "from at into than so".split()
)
_DANGLING_MARKS = ",:;([{-"


# Whole-text wakes are scanned in batches; head and tail artifacts look only at their region.
_ARTIFACT_WAKES = _wake_index([a.wake if a.region == "all" else () for a in _ARTIFACTS])
_ALWAYS_CHECKED_ARTIFACTS = {i for i, a in enumerate(_ARTIFACTS) if not a.wake or a.region != "all"}


def find_artifacts(output: str, input: str = "") -> list[Match]:
    """LLM boilerplate in a model ``output`` a fine-tuned model would learn to imitate."""
    return find_artifacts_many([output], [input])[0]


def find_artifacts_many(outputs: Sequence[str], inputs: Sequence[str]) -> list[list[Match]]:
    """:func:`find_artifacts` for many (output, input) pairs at once."""
    woken = _woken_detectors(outputs, _ARTIFACT_WAKES)
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
        tail = output.rstrip()[-40:]
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
    preposition."""
    text = output.rstrip()
    if not text:
        return None
    if "```" in text and text.count("```") % 2 == 1:
        return "unclosed code block"
    # Only the end matters: look at the last 200 characters of the last line.
    last_line = text[-200:].rsplit("\n", 1)[-1]
    last_word = last_line[-24:].rsplit(None, 1)[-1] if last_line.strip() else ""
    dangling = last_word[-1:] in _DANGLING_MARKS or last_word.lower() in _DANGLING_WORDS
    if last_word and dangling and _looks_like_prose(last_line):
        return "ends mid-sentence"
    return None


def _looks_like_prose(line: str) -> bool:
    words = line.split()
    return len(words) >= 4 and sum(w.isalpha() for w in words) >= len(words) * 0.6


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


