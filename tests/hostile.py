"""Hostile dataset text shared by tests/test_hostile_text.py and the fuzz suite (issue 14).

Planted secrets, the fragments of them that must never reach a report, and the terminal
escape sequences that must be shown rather than executed.
"""

from __future__ import annotations

import base64
import hashlib
import re

# Realistic shapes, made up. Each detector keeps a short prefix visible (a key its first 4
# characters, an e-mail its first letter and domain); everything after that is secret.
OPENAI_KEY = "sk-proj-Q7vX2mN9pL4kR8sT1wY6zB3cD5fG0hJ2"
AWS_KEY = "AKIAZ3QW7RT5YU8IO2PL"
EMAIL = "jane.doe.secret@acme-corp.io"
_PEM_BODY = base64.b64encode(b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(60))).decode()
PEM_LINES = [_PEM_BODY[i : i + 64] for i in range(0, len(_PEM_BODY), 64)]
PEM_KEY = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(PEM_LINES) + "\n-----END PRIVATE KEY-----"

# A title-setting OSC sequence, a 256-colour SGR, a C1 CSI, a carriage return, a backspace,
# DEL and NUL: what a hostile record can use to rewrite a terminal or a CI log.
ESCAPES = "\x1b]0;pwned\x07 \x1b[38;5;196mRED\x1b[0m \x9b2J \rOVER\x08\x7f\x00"
RAW_ESCAPE_MARKERS = ("\x1b]0;pwned", "\x07", "\x1b[38;5;196m", "\x9b2J")


def secret_fragments() -> list[tuple[str, str]]:
    """(kind, fragment) pairs: 8-character windows of each secret's hidden part and 16-character
    windows of every PEM body line. Any leak longer than a few characters contains one, even
    when a reporter wraps or cuts the text around it."""
    frags: list[tuple[str, str]] = []
    for kind, secret, shown in (("openai-key", OPENAI_KEY, 4), ("aws-key", AWS_KEY, 4), ("email", EMAIL.split("@")[0], 1)):
        hidden = secret[shown:]
        frags += [(kind, hidden[i : i + 8]) for i in range(len(hidden) - 7)]
    for line in PEM_LINES:
        frags += [("pem-body", line[i : i + 16]) for i in range(0, len(line) - 15, 8)]
    return frags


_FRAGMENTS = secret_fragments()


def leaked_secrets(text: str) -> dict[str, str]:
    """kind -> the first fragment of that secret found in ``text`` (empty: nothing leaked)."""
    found: dict[str, str] = {}
    for kind, frag in _FRAGMENTS:
        if kind not in found and frag in text:
            found[kind] = frag
    return found


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_OWN_COLOUR = re.compile(r"\x1b\[[0-9;]*m")  # the SGR sequences a coloured terminal report uses itself


def raw_controls(text: str, *, colour: bool = False) -> list[str]:
    """Control characters in ``text`` other than newline and tab (and, in a coloured terminal
    report, other than the reporter's own colour codes), as code points."""
    if colour:
        text = _OWN_COLOUR.sub("", text)
    return sorted({f"U+{ord(c):04X}" for c in _CONTROL.findall(text)})
