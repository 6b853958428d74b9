"""Text normalisation for comparison: case, Unicode form, punctuation and spacing folded, vectorised over
whole columns.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:

    pass

__all__ = ['normalize_texts']


_PUNCTUATION_BYTES = string.punctuation.encode("ascii")


# Every byte str.split() treats as whitespace in ASCII text, mapped to a space.
_ASCII_SEPARATORS = bytes.maketrans(b"\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f", b" " * 9)


# Anything that is neither a word character nor whitespace, plus "_" which \w includes.
_NON_WORD = re.compile(r"[^\w\s]|_")


def normalize_texts(
    texts: Iterable[str],
    *,
    nfkc: bool = True,
    casefold: bool = True,
    whitespace: bool = True,
    punctuation: bool = True,
) -> list[str]:
    """Normalise texts for comparison: NFKC, case folding, punctuation removed, runs of
    whitespace collapsed to one space and stripped. Each step can be switched off.

    ASCII texts (most of them) take a bytes path: bytes.lower/translate/split run in C at
    several times the speed of their str counterparts."""
    out: list[str] = []
    append = out.append
    normalize = unicodedata.normalize
    sub = _NON_WORD.sub
    delete = _PUNCTUATION_BYTES if punctuation else b""
    for s in texts:
        if not s:
            append("")
            continue
        if s.isascii():
            b = s.encode("ascii")
            if casefold:
                b = b.lower()
            if punctuation or whitespace:
                b = b.translate(_ASCII_SEPARATORS if whitespace else None, delete)
            if whitespace:
                # Every whitespace byte is a space now: collapse runs (C-speed replace).
                while b"  " in b:
                    b = b.replace(b"  ", b" ")
                b = b.strip(b" ")
            append(b.decode("ascii"))
            continue
        if nfkc:
            s = normalize("NFKC", s)
        if casefold:
            # casefold handles non-ASCII: ß -> ss, final sigma, ...
            s = s.casefold()
        if punctuation:
            s = sub("", s)
        if whitespace:
            s = " ".join(s.split())
        append(s)
    return out
