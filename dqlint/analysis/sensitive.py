"""Secrets, personal data and prompt-injection phrases in text, and the masking every report applies.

Every detector returns :class:`Match` objects whose ``masked`` form is the only one that may
reach a report: a key keeps its first 4 characters, an e-mail its first letter and domain, a
card number its last 4 digits. :func:`mask_text` masks every secret and personal datum in a
text, so any rule can show an excerpt safely.

Checksums cut false positives: card numbers must pass Luhn, IBANs the ISO 7064 mod-97 check.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from dqlint.analysis.code import code_context
from dqlint.analysis.scan import Match, replace_matches, wake_index, woken_detectors
from dqlint.text import clip

__all__ = ['luhn_valid', 'iban_valid', 'SENSITIVE_KINDS', 'find_sensitive', 'find_sensitive_many', 'mask_text', 'mask_many',
           'masked_clip', 'masked_window', 'excerpt']


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


_KEY_BODY_MASKED = " [key body masked]"


def _mask_private_key(value: str) -> str:
    header = re.match(r"-----BEGIN [A-Z0-9 ]*-----", value)
    return (header.group(0) if header else "-----BEGIN PRIVATE KEY-----") + _KEY_BODY_MASKED


def _mask_assignment(value: str) -> str:
    m = re.match(r"(?is)(.*?[:=]\s*[\"']?)(.*)", value)
    if not m:
        return "[masked]"
    return m.group(1) + _mask_keep_prefix(m.group(2), 2)


@dataclass(frozen=True)
class _Detector:
    kind: str
    category: str
    pattern: Any  # a compiled `re` or `re2` pattern: finditer() gives matches with start/end/group
    mask: Callable[[str], str]
    # Extra check on the matched text (checksum, placeholder filter); None accepts all.
    accept: Callable[[str], bool] | None = None
    # A look at the match in its text (text, start, end): how to report it, as
    # (report, note) -- see Match.report -- or None when the context shows it is not the
    # datum at all (a digit run inside a longer run of numbers). None: always ("block", "").
    judge: Callable[[str, int, int], tuple[str, str] | None] | None = None
    # Regexes (mostly plain literals) one of which every match contains, searched in the
    # *lower-cased* text. Each runs as one fast C-level scan over many texts joined
    # together; a detector's own (slower) pattern runs only on the texts that woke it.
    wake: tuple[str, ...] = ()


# Published test numbers of the card networks and payment providers (Stripe, PayPal, Adyen
# documentation): in training text they are examples, not anyone's card.
_TEST_CARDS = frozenset(
    """4242424242424242 4000056655665556 4111111111111111 4012888888881881 4222222222222 5555555555554444
    5105105105105100 5200828282828210 2223003122003222 378282246310005 371449635398431 378734493671000
    6011111111111117 6011000990139424 3056930009020004 36227206271667 30569309025904 3566002020360505
    3530111333300000 6200000000000005""".split()
)
# How cards are written: one run of digits, or groups split by one kind of separator in the
# networks' layouts (4-4-4-4 and 4-4-4-4-3; 4-6-5 American Express; 4-6-4 Diners Club).
_CARD_GROUPS = {(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4), (4, 4, 4, 4, 2), (4, 4, 4, 4, 1)}


def _card_ok(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    if not (13 <= len(digits) <= 19 and digits[0] in "3456" and luhn_valid(digits) and len(set(digits)) > 1):
        return False
    if digits in _TEST_CARDS:
        return False
    separators = set(re.findall(r"\D", value))
    groups = tuple(len(g) for g in re.split(r"\D", value))
    return not separators or (len(separators) == 1 and groups in _CARD_GROUPS)


_CARD_WORDS = re.compile(
    r"(?i)\b(?:card|cards|credit|debit|visa|mastercard|master card|amex|american express|discover|maestro|"
    r"cc|ccn|pan|payment|paid|pay|kreditkarte|karte|carte|tarjeta|cartão|carta)\b"
)


def _judge_card(text: str, start: int, end: int) -> tuple[str, str] | None:
    # A digit group right before or after belongs to the same run of numbers: a table, a
    # sequence, a product of a multiplication, not a card.
    if re.match(r"[ \t-]?\d", text[end : end + 2]) or re.search(r"\d[ \t-]?$", text[max(0, start - 2) : start]):
        return None
    where = code_context(text, start, end)
    if where:
        return ("warn", where)
    if not re.search(r"\D", text[start:end]) and not _CARD_WORDS.search(text[max(0, start - 40) : start]):
        # One bare run of digits with no word about cards before it: an order number, an
        # IMEI (which passes Luhn too), a product ID. Masked, not reported.
        return ("mask-only", "a bare run of digits without card context")
    return ("block", "")


def _phone_ok(value: str) -> bool:
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", value):  # an IPv4 address
        return False
    digits = re.sub(r"\D", "", value)
    return 9 <= len(digits) <= 15 and not _fictional_phone(digits)


# Ofcom's ranges for drama and documentation, as national numbers: mobile 07700 900xxx, and
# the geographic 01632 960xxx, 0113 496 0xxx, 0114 496 0xxx, 0115 496 0xxx, 0116 496 0xxx,
# 0117 496 0xxx, 0118 496 0xxx, 0121 496 0xxx, 0131 496 0xxx, 0141 496 0xxx, 0151 496 0xxx,
# 0161 496 0xxx, 020 7946 0xxx, 028 9649 6xxx, 029 2018 0xxx.
_UK_FICTIONAL = re.compile(r"^0(?:7700900|1632960|1[1-6]14960|1[1-8]4960|2079460|2896496|2920180)\d{3}$")


def _fictional_phone(digits: str) -> bool:
    """A number from a range reserved for films, books and documentation: North American area
    code or exchange 555 (555-0100 to 555-0199), or Ofcom's UK drama ranges."""
    national = digits[1:] if len(digits) == 11 and digits[0] == "1" else digits
    if len(national) == 10 and (national[:3] == "555" or national[3:6] == "555"):
        return True
    uk = "0" + digits[2:] if digits.startswith("44") else digits
    return len(uk) == 11 and _UK_FICTIONAL.match(uk) is not None


_PLACEHOLDER = re.compile(
    r"(?i)^(?:x+|\*+|\.+|<[^>]*>|\{[^}]*\}|\$\{?\w+\}?|your[_-]?\w*|example\w*|changeme|placeholder|"
    r"redacted|dummy|test|secret|password|none|null|true|false|os\.environ.*|getenv.*)$"
)


# A value that is code, not a secret: a call (generate_password(16)), an attribute or index
# (settings.DB_PASSWORD, os.environ["PWD"]), a variable or template reference.
_CODE_VALUE = re.compile(r"[(\[]|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$|^[$%@&]")


def _assignment_ok(value: str) -> bool:
    quoted = re.search(r"[:=]\s*[\"']", value) is not None
    secret = re.split(r"[:=]\s*[\"']?", value, maxsplit=1)[-1].strip("\"' ")
    # Real credentials mix character classes; placeholders and identifiers usually do not.
    return (
        not _PLACEHOLDER.match(secret)
        and not (not quoted and _CODE_VALUE.search(secret))
        and bool(re.search(r"\d", secret))
        and bool(re.search(r"[A-Za-z]", secret))
    )


# Words that introduce a business's published number ("Call us at ...", "our hotline").
_BUSINESS_NUMBER = re.compile(
    r"(?i)\b(?:call us|contact us|reach us|text us|our (?:office|store|shop|team|hotline|support|front desk|number)|"
    r"customer (?:service|support|care)|hotline|helpline|toll[- ]free|reservations?|bookings?)\b"
)


# Toll-free and non-geographic service numbers are published for callers, never a person's line:
# UK 0800/0808/0500/084x/087x/03xx, North American 1-800/888/877/866/855/844/833.
_SERVICE_NUMBER = re.compile(r"^(?:\+?44[\s.-]?|0)(?:800|808|500|84\d|87\d|3\d\d)|^(?:\+?1[\s.-]?)?\(?8(?:00|88|77|66|55|44|33)\)?[\s.-]")


def _judge_phone(text: str, start: int, end: int) -> tuple[str, str]:
    if _BUSINESS_NUMBER.search(text[max(0, start - 60) : start]):
        return ("warn", "a business's published number")
    if _SERVICE_NUMBER.match(text[start:end]):
        return ("warn", "a toll-free or service number, published for callers")
    return _judge_in_code(text, start, end)


def _judge_in_code(text: str, start: int, end: int) -> tuple[str, str]:
    """Personal data and passwords in a code example are usually made up for it: reported,
    not blocking. (Keys of well-known shapes are not judged: a real key in code is a leak.)"""
    where = code_context(text, start, end)
    return ("warn", where) if where else ("block", "")


def _not_an_example(value: str) -> bool:
    """Documentation keys such as AWS's AKIAIOSFODNN7EXAMPLE."""
    return "EXAMPLE" not in value.upper()


# Nine digits close together: every phone, card number and IBAN has such a run.
_DIGIT_RUN = r"\d(?:[ \t().+-]{0,3}\d){8}"


# Domains reserved for documentation (RFC 2606 / 6761): addresses there are not personal data.
RESERVED_EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "example", "test", "invalid", "localhost")


def _email_ok(value: str) -> bool:
    domain = value.rpartition("@")[2].lower()
    return not any(domain == d or domain.endswith("." + d) for d in RESERVED_EMAIL_DOMAINS)


# Addresses made up for an example: a test or generic mailbox, or a generic domain that real
# mail rarely comes from. Still reported (they may be real), but not blocking.
_FIXTURE_LOCAL = re.compile(
    r"(?i)^(?:test\w*|\w*test|user\d*|username|someone|somebody|anyone|nobody|foo|bar|baz|sample|demo|dummy|fake|"
    r"no-?reply|your[._-]?\w*|my[._-]?email|email|name|firstname\.lastname|first\.last|me|abc|xyz|a|b)$"
)
_FIXTURE_DOMAINS = ("email.com", "domain.com", "yourdomain.com", "mydomain.com", "yourcompany.com", "company.com",
                    "website.com", "sample.com", "somewhere.com", "someplace.com", "foo.com", "bar.com", "acme.com")


def _judge_email(text: str, start: int, end: int) -> tuple[str, str]:
    local, _, domain = text[start:end].lower().rpartition("@")
    if _FIXTURE_LOCAL.match(local) or domain in _FIXTURE_DOMAINS:
        return ("warn", "looks like a made-up address")
    return _judge_in_code(text, start, end)


def _re2(pattern: str) -> Any:
    """A pattern compiled with RE2 (google-re2): its automaton scans each text once, so no input
    makes it backtrack. For patterns whose backtracking cost `re` cannot bound."""
    import re2

    return re2.compile(pattern)


# A private key: its header, then its body up to the END line. The body is the run of base64,
# whitespace, encryption-header (``Proc-Type: 4,ENCRYPTED``) characters and escaped newlines
# (a key quoted with repr()) after the header, so a key whose END line a cut removed is masked
# to the end of what is left. Linear: each character belongs to one branch of the body, and the
# match ends where the body does (no search ahead for an END line that may never come). A mask
# this pattern made is matched whole again, so masking twice changes nothing.
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----(?: \[key body masked\])?"
    r"(?:[A-Za-z0-9+/=:,\s\\]|-{1,4}(?=[A-Za-z0-9+/=]))*"
    r"(?:-----END [A-Z0-9 ]{0,40}-----)?"
)

_SENSITIVE: tuple[_Detector, ...] = (
    # Secrets of well-known shapes.
    _Detector(
        "private-key",
        "secret",
        _PRIVATE_KEY,
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
        _not_an_example,
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
        # RE2: with `re`, every "eyJ" inside one long run of token characters rescans the run.
        _re2(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
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
        _judge_in_code,
        # Literal keyword endings: "passw\w*" rescanned a run of word characters at every "passw".
        wake=(r"(?:passw(?:or)?d|pwd|secret|key|token)\s*[:=]",),
    ),
    # Personal data.
    _Detector(
        "email",
        "pii",
        # Starts only where a run of address characters starts (not at every "\b" inside it):
        # otherwise each start inside a long run (``a.a.a.…``) rescans the run for an "@".
        # Linear: one start per run, one "@" per local part; `re`, because an address-heavy
        # text has many matches and RE2's Python wrapper costs more per match.
        re.compile(
            r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*"
            r"\.[A-Za-z]{2,}\b"
        ),
        _mask_email,
        _email_ok,
        _judge_email,
        wake=("@",),
    ),
    _Detector(
        "iban",
        "pii",
        re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"),
        _mask_iban,
        iban_valid,
        _judge_in_code,
        wake=(_DIGIT_RUN,),  # every IBAN has nine digits close together
    ),
    _Detector(
        "card-number",
        "pii",
        re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])"),
        _mask_digits_keep_last,
        _card_ok,
        _judge_card,
        wake=(_DIGIT_RUN,),
    ),
    _Detector(
        "phone-number",
        "pii",
        re.compile(
            # international (+44 20 7946 0958), North American ((555) 123-4567, 555-123-4567),
            # national with a trunk 0 (020 7946 0958); bare digit groups are not phones.
            r"(?<![\w+])(?:\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]\d{2,8}){1,4}"
            r"|(?:\(\d{3}\)\s?|\d{3}[.-])\d{3}[.-]\d{4}"
            r"|0\d{1,4}[\s.-]\d{3,4}[\s.-]\d{3,4}"
            # UK mobiles and five-digit area codes in two groups (07700 900123, 01632 960123),
            # and a mobile written in one run (07700900123: the 07 shape, not any 11 digits).
            r"|0\d{4}[\s.-]\d{6}|07\d{9})(?![\w-])"
        ),
        _mask_phone,
        _phone_ok,
        _judge_phone,
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


_WAKES = wake_index([d.wake for d in _SENSITIVE])


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
    for i, woken in enumerate(woken_detectors(texts, _WAKES)):
        if woken:
            results[i] = _run_detectors(texts[i], sorted(woken), categories)
    return results


def _run_detectors(text: str, detectors: list[int], categories: tuple[str, ...]) -> list[Match]:
    found: list[Match] = []
    taken = _Spans()
    for index in detectors:
        det = _SENSITIVE[index]
        if det.category not in categories:
            continue
        for m in det.pattern.finditer(text):
            value = m.group(0)
            if det.accept is not None and not det.accept(value):
                continue
            verdict = det.judge(text, m.start(), m.end()) if det.judge is not None else ("block", "")
            if verdict is None:
                continue
            if not taken.add(m.start(), m.end()):
                continue
            found.append(Match(det.kind, det.category, m.start(), m.end(), det.mask(value), *verdict))
    return sorted(found, key=lambda x: x.start)


class _Spans:
    """Disjoint [start, end) spans kept sorted: an overlap test costs a binary search, not a scan
    of every earlier match (a text with 50,000 keys would otherwise take 50,000² steps)."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def add(self, start: int, end: int) -> bool:
        """Add the span unless it overlaps one already taken; whether it was added."""
        i = bisect.bisect_right(self._starts, start)
        if i > 0 and self._ends[i - 1] > start:  # the span starting at or before this one reaches in
            return False
        if i < len(self._starts) and self._starts[i] < max(end, start + 1):  # the next one starts inside
            return False
        self._starts.insert(i, start)
        self._ends.insert(i, end)
        return True


def mask_text(text: str) -> str:
    """``text`` with every secret and personal datum replaced by its masked form."""
    return mask_many([text])[0]


def mask_many(texts: Sequence[str]) -> list[str]:
    """:func:`mask_text` for many texts at once (one batched wake scan for all of them)."""
    found = find_sensitive_many(texts, _MASKED_CATEGORIES)
    return [replace_matches(text, matches) if matches else text for text, matches in zip(texts, found)]


# Longer than any secret but a private key (whose cut body the private-key pattern still masks).
_LONGEST_SECRET = 256


def masked_clip(text: str, limit: int, *, flat: bool = False) -> str:
    """``text`` masked, then cut to ``limit`` characters (``flat``: on one line first): the way to
    quote dataset text in a report. Masking comes before the cut, so a cut never leaves a
    fragment of a secret too short to be recognised. Only a window a little longer than
    ``limit`` is scanned, so quoting a huge text stays cheap; what lies in the window's last
    ``_LONGEST_SECRET`` characters (where a secret may be cut by the window) is not shown."""
    window_chars = 2 * limit + 2 * _LONGEST_SECRET
    if flat:
        text = " ".join(text[: window_chars * 4].split())
    window = text[:window_chars]
    safe_end = len(window) if len(window) == len(text) else len(window) - _LONGEST_SECRET
    matches = [m for m in find_sensitive(window, _MASKED_CATEGORIES) if m.start < safe_end]
    safe_end = max([safe_end] + [m.end for m in matches])
    shown = replace_matches(window[:safe_end], [m for m in matches if m.end <= safe_end])
    return clip(shown if safe_end >= len(text) else shown + "…", limit)


def masked_window(text: str, start: int, end: int) -> str:
    """``text[start:end]`` with every secret and personal datum that overlaps it masked, judged on
    the surrounding text: a window that starts inside a key (the last 40 characters of a reply)
    or inside a private key's body still shows only masks."""
    start, end = max(0, start), min(len(text), end)
    lo = max(0, start - _LONGEST_SECRET)
    header = text.rfind("-----BEGIN ", max(0, start - 65_536), start)
    if header != -1:  # a key body may run into the window from a header far to its left
        lo = min(lo, header)
    hi = min(len(text), end + _LONGEST_SECRET)
    out: list[str] = []
    pos = start
    for m in find_sensitive(text[lo:hi], _MASKED_CATEGORIES):
        m_start, m_end = m.start + lo, m.end + lo
        if m_end <= start or m_start >= end:
            continue
        out += [text[pos:max(pos, m_start)], m.masked]
        pos = max(pos, m_end)
    out.append(text[pos:end])
    return "".join(out)


def excerpt(text: str, match: Match, width: int = 160) -> str:
    """A short excerpt around ``match`` with *every* secret and personal datum in the text
    masked (masking happens on the whole text first, so a window edge never cuts a secret
    into an unrecognisable, unmasked fragment)."""
    masked_all = find_sensitive(text, _MASKED_CATEGORIES)
    others = [m for m in masked_all if not (m.start < match.end and match.start < m.end)]
    if match.category in _MASKED_CATEGORIES:
        others.append(match)
    others.sort(key=lambda m: m.start)
    safe = replace_matches(text, others)
    # Where does the match start in the masked text?
    shift = sum(len(m.masked) - (m.end - m.start) for m in others if m.end <= match.start)
    start = match.start + shift
    shown = match.masked if match.category in _MASKED_CATEGORIES else text[match.start : match.end]
    left = max(0, start - (width - len(shown)) // 2)
    right = min(len(safe), left + max(width, len(shown)))
    snippet = safe[left:right].replace("\n", " ")
    return ("…" if left > 0 else "") + snippet + ("…" if right < len(safe) else "")
