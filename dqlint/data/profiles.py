"""Provider profiles: what one fine-tuning provider or trainer accepts (``--target``).

``generic`` (the default) blocks what the common paths reject: a record no trainer can read,
turns out of order (what Together's validator and most chat templates refuse), a tool result
answering no call; what only some providers refuse (extra keys) is a warning. The others follow each provider's
documentation and validator code (sources in the README, "Provider profiles"):

- ``openai``: chat (``messages``, ``tools``, ``parallel_tool_calls``) and preference files;
  roles system/user/assistant/tool/function; ``weight`` 0/1 on assistant turns; at least 10
  examples; ``.jsonl`` files up to 512 MB.
- ``together``: ``text``, ``messages`` (+ ``tools``), ``prompt``/``completion`` strings, OpenAI
  preference; no other column; the same role twice in a row is rejected; at least 1 example;
  ``.jsonl`` or ``.parquet`` up to 4.9 GB.
- ``mistral``: ``messages`` (or ``text``) in ``.jsonl``; tool call ids of 9 letters/digits; an
  assistant turn has content or tool calls, not both; the last turn is the assistant's.
- ``trl``: ``text``, ``messages``, ``prompt``/``completion`` (strings or message lists),
  ``prompt``/``chosen``/``rejected``; extra columns are dropped.
- ``axolotl``: ``alpaca``, ``sharegpt``, chat ``messages``, ``text``, preference pairs; field
  names are set in its config, so renamed keys are fine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator

__all__ = ["Profile", "PROFILES", "profile_named", "DEFAULT_TARGET", "upload_problems"]

DEFAULT_TARGET = "generic"
ALL_FORMATS = frozenset(
    {"openai-chat", "openai-preference", "prompt-completion", "trl-preference", "alpaca", "sharegpt", "bedrock-conversation", "gemini", "classification", "text"}
)


@dataclass(frozen=True)
class Profile:
    """What one target accepts. Checks a profile does not make are left to the generic rules."""

    name: str
    formats: frozenset[str] = ALL_FORMATS
    roles: frozenset[str] = frozenset({"system", "user", "assistant", "tool", "function"})
    # Top-level keys beyond the format's own: "warn" (a note for the ones most records share, a
    # warning on the few records with their own), "reject" (every one blocks), "ignore".
    extra_keys: str = "warn"
    # Key names other than the format's (question/answer read as prompt/completion) are fine.
    renamed_keys: bool = True
    # Message lists as prompt/completion values (TRL conversational prompt-completion).
    message_list_completions: bool = True
    # user/user or assistant/assistant in a row.
    same_role_twice: bool = False
    # The first turn after the system prompt may be the assistant's.
    assistant_first: bool = False
    # A system message after the first turn.
    late_system: bool = False
    # The last turn must be the assistant's (else a warning).
    final_assistant_required: bool = False
    # Tool call ids must match this pattern (None: any non-empty string).
    tool_call_id: str | None = None
    tool_call_id_rule: str = ""
    # An assistant turn may carry both content and tool calls.
    content_with_tool_calls: bool = True
    # weight only on assistant messages.
    weight_on_assistant_only: bool = False
    # Content as a list of typed parts (text/image).
    content_parts: bool = True
    min_examples: int = 0
    # What an upload may be: file name endings (after any compression) and size in bytes.
    file_suffixes: tuple[str, ...] = ()
    max_file_bytes: int | None = None
    display: str = ""


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("generic", display="generic (what every provider rejects)"),
        Profile(
            "openai",
            formats=frozenset({"openai-chat", "openai-preference"}),
            extra_keys="warn",
            renamed_keys=False,
            message_list_completions=False,
            weight_on_assistant_only=True,
            min_examples=10,
            file_suffixes=(".jsonl",),
            max_file_bytes=512 * 2**20,
            display="OpenAI fine-tuning",
        ),
        Profile(
            "together",
            formats=frozenset({"openai-chat", "openai-preference", "prompt-completion", "text"}),
            roles=frozenset({"system", "user", "assistant", "tool"}),
            extra_keys="reject",
            renamed_keys=False,
            message_list_completions=False,
            min_examples=1,
            file_suffixes=(".jsonl", ".parquet"),
            max_file_bytes=int(4.9 * 2**30),
            display="Together AI fine-tuning",
        ),
        Profile(
            "mistral",
            formats=frozenset({"openai-chat", "text"}),
            roles=frozenset({"system", "user", "assistant", "tool"}),
            renamed_keys=False,
            message_list_completions=False,
            same_role_twice=True,
            assistant_first=True,
            late_system=True,
            final_assistant_required=True,
            tool_call_id=r"[A-Za-z0-9]{9}",
            tool_call_id_rule="9 letters or digits",
            content_with_tool_calls=False,
            weight_on_assistant_only=True,
            file_suffixes=(".jsonl",),
            display="Mistral fine-tuning",
        ),
        Profile(
            "trl",
            formats=frozenset({"openai-chat", "prompt-completion", "trl-preference", "text"}),
            extra_keys="ignore",
            renamed_keys=False,
            display="Hugging Face TRL",
        ),
        Profile(
            "axolotl",
            formats=frozenset({"openai-chat", "alpaca", "sharegpt", "text", "trl-preference", "prompt-completion"}),
            extra_keys="ignore",
            display="Axolotl",
        ),
    )
}


def profile_named(name: str) -> Profile:
    """The profile called ``name``; raises ValueError naming the choices for another name."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown target {name!r} (choose from {', '.join(PROFILES)})") from None


def upload_problems(path: str, profile: Profile) -> Iterator[tuple[str, str, bool]]:
    """What the target refuses about a file as an upload: its type and its size."""
    if profile.file_suffixes and not path.lower().endswith(profile.file_suffixes):
        yield ("file-type", f"{profile.display} takes {' or '.join(profile.file_suffixes)} files, not {os.path.basename(path)}", True)
    if profile.max_file_bytes is not None:
        try:
            size = os.path.getsize(path)
        except OSError:
            return
        if size > profile.max_file_bytes:
            yield ("file-size", f"{size / 2**20:,.0f} MB is over the {profile.max_file_bytes / 2**20:,.0f} MB {profile.display} takes per file", True)
