"""Which keys of a file's records hold the prompt, the response, the text, the label and the id.

Real files rarely use one format's exact key names: an instruction set may call its response
``response`` or ``answer``, a classification CSV ``Text``/``Category``, a news set may split its
text over ``title`` and ``description``. Reading such a file record by record with fixed key
names fails every row, so the schema is inferred once per file, from a sample of its records:

1. keys the user pinned (``--field`` / ``[fields]``) are used as given;
2. records that already have a known format's keys (``messages``, ``conversations``,
   ``instruction``+``output``, ``prompt``+``completion``, ...) are read as that format;
3. otherwise the keys are matched against the variants people use (``response``, ``answer``,
   ``question``, ``Category``, ...), case-insensitively, checking that the values fit the role
   (a label has few distinct short values; a text is a string);
4. when no key name helps, the values decide: long free-text columns are the text, a
   low-cardinality short column is the label, a column of unique numbers is an id. The report
   says what was guessed and how to pin it.

The result is a :class:`Schema`: the format every record is read as, and the renames that turn
a record into that format's keys (``view``), so format modules only know their own key names.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Mapping, Sequence

from dqlint.data.fields import PINNABLE_ROLES, FieldMap

__all__ = ["Schema", "infer_schema", "KEY_VARIANTS", "SPECIFIC_FORMATS"]

# Formats whose own keys are specific enough to trust when most records have them.
SPECIFIC_FORMATS = frozenset(
    {"openai-chat", "openai-preference", "prompt-completion", "trl-preference", "alpaca", "sharegpt", "bedrock-conversation", "gemini"}
)
CONVERSATIONAL = frozenset({"openai-chat", "openai-preference", "trl-preference", "sharegpt", "bedrock-conversation", "gemini"})

# Key names people give each role, most specific first (compared case-insensitively, with
# spaces and dashes read as underscores).
KEY_VARIANTS: dict[str, tuple[str, ...]] = {
    "instruction": ("instruction", "instructions"),
    "input": ("input", "context", "question", "prompt", "query"),
    "output": ("output", "response", "answer", "completion", "target"),
    "label": (
        "label", "labels", "class", "category", "sentiment", "target", "intent", "coarse_label", "fine_label",
        "gold_label", "class_index", "class_label", "label_id", "polarity", "emotion", "topic", "rating", "stars",
    ),
    "text": ("text", "sentence", "content", "review", "document", "description", "question", "utterance", "body", "article"),
    "title": ("title", "headline", "subject"),
}
# Text keys that follow a title as the body of the same example (title + description, ...).
BODY_KEYS = ("description", "text", "content", "body", "article", "document")
# Two texts that make one example (sentence pairs), joined in this order.
TEXT_PAIRS = (("premise", "hypothesis"), ("sentence1", "sentence2"), ("question1", "question2"), ("text_a", "text_b"), ("text1", "text2"))
# Keys that hold a whole conversation as a list of turns.
CONVERSATION_KEYS = frozenset({"conversation", "dialog", "dialogue", "dialogs", "chat", "turns", "thread"})
# Low-cardinality columns that describe where an example came from, not what it is.
METADATA_KEYS = frozenset({"source", "split", "lang", "language", "dataset", "datasplit", "generator", "meta", "metadata", "tags", "url", "domain", "license", "model"})
ID_NAME = re.compile(r"(?:^|_)(?:id|idx|uid|uuid|guid)$|[a-z0-9]Id$|^index$", re.IGNORECASE)

# A key held by at least this share of the sampled records is part of the file's schema.
COMMON_SHARE = 0.5
MAX_LABEL_CLASSES = 50
MAX_LABEL_LENGTH = 40
MIN_FREE_TEXT_LENGTH = 20


@dataclass(frozen=True)
class Schema:
    """How the records of one file are read.

    ``format`` is the format id records are read as when their own keys do not say (None:
    each record's keys decide). ``renames`` maps a key of that format to the record keys that
    fill it (several are joined, e.g. ``text`` from ``title`` + ``description``). ``fields`` is
    the mapping as reported (role -> record keys), ``source`` how it was found: ``format``
    (the format's own keys), ``keys`` (known key variants), ``values`` (guessed from the
    values) or ``config`` (pinned by the user). ``common`` are keys most records carry.
    """

    format: str | None = None
    renames: tuple[tuple[str, tuple[str, ...]], ...] = ()
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    source: str = "format"
    common: frozenset[str] = frozenset()

    def view(self, rec: dict) -> dict:
        """The record with the format's keys: renamed keys replaced, other keys kept."""
        if not self.renames:
            return rec
        used = self._renamed_sources
        out = {k: v for k, v in rec.items() if k not in used}
        for target, sources in self.renames:
            present = [s for s in sources if s in rec]
            if not present:
                continue
            if len(present) == 1:
                out[target] = rec[present[0]]
            else:
                out[target] = _join(rec[s] for s in present)
        return out

    def in_record_names(self, message: str) -> str:
        """A validation message about the view, naming the record's own keys."""
        for target, sources in self.renames:
            if (target,) != sources:
                message = message.replace(repr(target), "+".join(map(repr, sources)))
        return message

    @cached_property
    def _renamed_sources(self) -> frozenset[str]:
        return frozenset(k for _, sources in self.renames for k in sources)

    def renamed_targets(self) -> frozenset[str]:
        return frozenset(t for t, _ in self.renames)

    @cached_property
    def _used(self) -> frozenset[str]:
        return frozenset(k for keys in self.fields.values() for k in keys)

    def used_keys(self) -> frozenset[str]:
        """Every record key the mapping reads (an id column included)."""
        return self._used

    def pin_hint(self) -> str:
        """How to pin this mapping on the command line."""
        return " ".join(f"--field {role}={','.join(keys)}" for role, keys in self.fields.items() if role in PINNABLE_ROLES)

    def reading_fields(self) -> FieldMap:
        """The field map format modules read a :meth:`view` with: the format's own key names."""
        return FieldMap(system="system") if any(t == "system" for t, _ in self.renames) else FieldMap()


def _join(values: Iterable[Any]) -> str:
    return "\n".join(str(v) for v in values if v is not None and str(v).strip() != "")


# -- column statistics -------------------------------------------------------------------------


@dataclass
class Column:
    """What the sampled values of one key look like."""

    name: str
    present: int = 0
    strings: int = 0
    integers: int = 0
    scalars: int = 0
    total_length: int = 0
    with_space: int = 0
    values: Counter = field(default_factory=Counter)
    # Values that are lists of chat turns: {"role", "content"} or ShareGPT's {"from", "value"}.
    role_turns: int = 0
    from_turns: int = 0

    def add(self, value: Any) -> None:
        self.present += 1
        if isinstance(value, list) and value and isinstance(value[0], dict):
            first = value[0]
            self.role_turns += "role" in first and "content" in first
            self.from_turns += "from" in first and "value" in first
            return
        if isinstance(value, bool):
            self.scalars += 1
            self.values[str(value)] += 1
            return
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            self.integers += 1
            self.scalars += 1
            self.values[str(int(value))] += 1
            return
        if isinstance(value, str):
            self.strings += 1
            self.scalars += 1
            self.total_length += len(value)
            if " " in value.strip() or _has_cjk(value):
                self.with_space += 1
            if value.strip().isdigit():
                self.integers += 1
            self.values[value] += 1
            return
        if isinstance(value, float):
            self.scalars += 1
            self.values[str(value)] += 1
            return
        if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int)) for v in value):
            self.scalars += 1  # a multi-label value: its labels count as values
            for v in value:
                self.values[str(v)] += 1

    @property
    def mean_length(self) -> float:
        return self.total_length / self.strings if self.strings else 0.0

    @property
    def distinct(self) -> int:
        return len(self.values)

    def is_stringy(self) -> bool:
        return self.present > 0 and self.strings >= 0.9 * self.present

    def is_label_like(self, sample_size: int, *, named: bool = False) -> bool:
        """Short scalar values; unless the key is named like a label (``intent`` may have 150
        classes, and a small file repeats none), also few distinct ones."""
        if self.present == 0 or self.scalars < 0.9 * self.present or self.distinct == 0:
            return False
        if self.strings and self.mean_length > MAX_LABEL_LENGTH:
            return False
        if named:
            return not self.is_free_text()
        limit = min(MAX_LABEL_CLASSES, max(2, sample_size // 2))
        return self.distinct <= limit

    def is_id_like(self) -> bool:
        if self.present < 2 or self.distinct < self.present:
            return False
        return bool(ID_NAME.search(self.name)) or self.integers == self.present

    def is_free_text(self) -> bool:
        return (
            self.is_stringy()
            and self.mean_length >= MIN_FREE_TEXT_LENGTH
            and self.with_space >= 0.5 * self.strings
            and self.distinct >= 0.5 * self.present
        )


def _has_cjk(text: str) -> bool:
    return any("\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in text[:200])


def column_stats(sample: Sequence[dict]) -> dict[str, Column]:
    columns: dict[str, Column] = {}
    for rec in sample:
        for key, value in rec.items():
            col = columns.get(key)
            if col is None:
                col = columns[key] = Column(str(key))
            col.add(value)
    return columns


def norm(key: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(key).strip()).casefold()


# -- inference ---------------------------------------------------------------------------------


def infer_schema(sample: Sequence[dict], fields: FieldMap, standard_format: str | None) -> Schema:
    """The schema of one file from a sample of its records.

    ``fields`` carries the roles the user pinned; ``standard_format`` is the format most
    sampled records have by their own keys (None when no specific format fits).
    """
    columns = column_stats(sample)
    n = len(sample)
    common = frozenset(k for k, c in columns.items() if c.present >= COMMON_SHARE * n)
    # A pin applies to the files that have its fields (a project-wide label pin leaves chat
    # files alone); one that no file has is an error raised after loading.
    pins = {role: keys for role, keys in fields.pins().items() if any(k in columns for k in keys)}
    if pins and not (standard_format in CONVERSATIONAL and not {"input", "output"} & set(pins)):
        return _with_pins(_by_keys(columns, common, n) or Schema(common=common), pins, columns, common)
    if standard_format is not None:
        return Schema(standard_format, (), standard_fields(standard_format, common), "format", common)
    return _by_keys(columns, common, n) or _by_values(columns, common, n) or Schema(common=common)


def standard_fields(fmt: str, keys: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The report's mapping for a record that has its format's own keys."""
    keys = set(keys)

    def have(*names: str) -> tuple[str, ...]:
        return tuple(k for k in names if k in keys)

    table: dict[str, dict[str, tuple[str, ...]]] = {
        "openai-chat": {"messages": ("messages",)},
        "bedrock-conversation": {"messages": ("messages",), "system": have("system")},
        "sharegpt": {"messages": ("conversations",), "system": have("system")},
        "gemini": {"messages": ("contents",), "system": have("systemInstruction")},
        "openai-preference": {"messages": ("input",), "chosen": ("preferred_output",), "rejected": ("non_preferred_output",)},
        "trl-preference": {"input": have("prompt"), "chosen": ("chosen",), "rejected": ("rejected",)},
        "alpaca": {"input": have("instruction", "input"), "output": ("output",), "system": have("system")},
        "prompt-completion": {"input": ("prompt",), "output": ("completion",), "label": have("label")},
    }
    return {role: names for role, names in table.get(fmt, {}).items() if names}


def _pick(role: str, columns: Mapping[str, Column], common: frozenset[str], taken: set[str], n: int) -> str | None:
    """The common key that best fills ``role`` by its name, if its values fit the role."""
    by_norm = {norm(k): k for k in common if k not in taken}
    for variant in KEY_VARIANTS[role]:
        key = by_norm.get(variant)
        if key is None:
            continue
        col = columns[key]
        if role == "label" and not col.is_label_like(n, named=True):
            continue
        if role in ("output", "input", "instruction", "text", "title") and not col.is_stringy():
            continue
        if role == "output" and variant == "target" and col.is_label_like(n) and not col.is_free_text():
            continue
        return key
    return None


def _ids(columns: Mapping[str, Column], common: frozenset[str], taken: set[str]) -> list[str]:
    return [k for k in common if k not in taken and ID_NAME.search(str(k)) and columns[k].is_id_like()]


def _by_keys(columns: Mapping[str, Column], common: frozenset[str], n: int) -> Schema | None:
    """Known key variants: a conversation under another key, an instruction set, a
    prompt/response set, classification, text."""
    conversation = _conversation(columns, common)
    if conversation is not None:
        return conversation
    order = {k: i for i, k in enumerate(columns)}
    taken: set[str] = set()
    ids = _ids(columns, common, taken)
    taken.update(ids)
    id_field = {"id": tuple(ids[:1])} if ids else {}
    output = _pick("output", columns, common, taken, n)
    if output:
        taken.add(output)
        instruction = _pick("instruction", columns, common, taken, n)
        if instruction:
            taken.add(instruction)
        inputs = []
        while (key := _pick("input", columns, common, taken, n)) is not None:
            inputs.append(key)
            taken.add(key)
        inputs.sort(key=order.get)
        if instruction:
            renames = (("instruction", (instruction,)), ("output", (output,))) + ((("input", tuple(inputs)),) if inputs else ())
            fields = {"input": (instruction, *inputs), "output": (output,)}
            return _schema("alpaca", renames, fields | id_field, common)
        if inputs:
            fields = {"input": tuple(inputs), "output": (output,)}
            return _schema("prompt-completion", (("prompt", tuple(inputs)), ("completion", (output,))), fields | id_field, common)
        taken.discard(output)
    label = _pick("label", columns, common, taken, n)
    if label:
        taken.add(label)
    texts = _text_keys(columns, common, taken, n)
    if not texts:
        return None
    texts.sort(key=order.get)
    source = "keys"
    if not label:
        # The text has a known name but the label does not: a short column with few values is it.
        label = _label_by_values(columns, common, taken | set(texts), n)
        source = "values" if label else source
    if label:
        fields = {"text": tuple(texts), "label": (label,)}
        return _schema("classification", (("text", tuple(texts)), ("label", (label,))), fields | id_field, common, source)
    return _schema("text", (("text", tuple(texts)),), {"text": tuple(texts)} | id_field, common)


def _conversation(columns: Mapping[str, Column], common: frozenset[str]) -> Schema | None:
    """Chat turns under a key of their own name (``conversation``, ``dialog``, ``chat``)."""
    for key in sorted(common, key=str):
        if norm(key) not in CONVERSATION_KEYS:
            continue
        col = columns[key]
        if col.present and col.role_turns >= 0.9 * col.present:
            return Schema("openai-chat", (("messages", (key,)),), {"messages": (key,)}, "keys", common)
        if col.present and col.from_turns >= 0.9 * col.present:
            return Schema("sharegpt", (("conversations", (key,)),), {"messages": (key,)}, "keys", common)
    return None


def _label_by_values(columns: Mapping[str, Column], common: frozenset[str], taken: set[str], n: int) -> str | None:
    candidates = [
        k for k in common
        if k not in taken and norm(k) not in METADATA_KEYS and not ID_NAME.search(str(k))
        and columns[k].distinct >= 2 and columns[k].is_label_like(n) and not columns[k].is_free_text()
    ]
    return min(candidates, key=lambda k: (columns[k].distinct, str(k))) if candidates else None


def _text_keys(columns: Mapping[str, Column], common: frozenset[str], taken: set[str], n: int) -> list[str]:
    """The text key, a title and the body it heads, or a sentence pair (joined as one text)."""
    by_norm = {norm(k): k for k in common if k not in taken and columns[k].is_stringy()}
    for first, second in TEXT_PAIRS:
        if first in by_norm and second in by_norm:
            return [by_norm[first], by_norm[second]]
    title = _pick("title", columns, common, taken, n)
    by_norm = {nk: k for nk, k in by_norm.items() if k != title}
    if title:
        body = next((by_norm[b] for b in BODY_KEYS if b in by_norm), None)
        if body:
            return [title, body]
    text = _pick("text", columns, common, taken, n)
    return [text] if text else []


def _schema(fmt: str, renames: tuple, fields: dict, common: frozenset[str], source: str = "keys") -> Schema:
    identity = all((target,) == sources for target, sources in renames)
    return Schema(fmt, () if identity else renames, fields, "format" if identity and source == "keys" else source, common)


def _by_values(columns: Mapping[str, Column], common: frozenset[str], n: int) -> Schema | None:
    """No key name helps: long free text is the text, a short low-cardinality column the label,
    a column of unique numbers an id."""
    if n < 2:
        return None
    order = [k for k in columns if k in common]
    ids = [k for k in order if columns[k].is_id_like() and not columns[k].is_free_text()]
    texts = [k for k in order if k not in ids and columns[k].is_free_text()]
    if not texts:
        return None
    labels = [k for k in order if k not in ids and k not in texts and norm(k) not in METADATA_KEYS and columns[k].distinct >= 2 and columns[k].is_label_like(n)]
    labels.sort(key=lambda k: columns[k].distinct)
    id_field = {"id": tuple(ids[:1])} if ids else {}
    if labels:
        label = labels[0]
        fields = {"text": tuple(texts), "label": (label,)} | id_field
        return Schema("classification", (("text", tuple(texts)), ("label", (label,))), fields, "values", common)
    return Schema("text", (("text", tuple(texts)),), {"text": tuple(texts)} | id_field, "values", common)


def _with_pins(base: Schema, pins: Mapping[str, tuple[str, ...]], columns: Mapping[str, Column], common: frozenset[str]) -> Schema:
    """The user's fields win; roles they did not name keep what inference found."""
    pinned_keys = {k for keys in pins.values() for k in keys}
    # A field the user gave one role leaves any role it was inferred for.
    fields = {role: tuple(k for k in keys if k not in pinned_keys) for role, keys in base.fields.items()}
    fields = {role: keys for role, keys in fields.items() if keys} | dict(pins)
    taken = {k for keys in fields.values() for k in keys}
    spare = [k for k in columns if k in common and k not in taken and columns[k].is_stringy()]
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if "system" in fields:
        extra = (("system", fields["system"]),)
    if "output" in fields:
        if "input" not in fields:
            fields["input"] = fields.get("text") or tuple(spare[:1])
        fields.pop("text", None)
        inputs = fields.get("input", ())
        if base.format == "alpaca" and "input" not in pins and inputs:
            renames = (("instruction", inputs[:1]), ("output", fields["output"])) + ((("input", inputs[1:]),) if inputs[1:] else ())
            return Schema("alpaca", renames + extra, _ordered(fields), "config", common)
        return Schema("prompt-completion", (("prompt", inputs), ("completion", fields["output"])) + extra, _ordered(fields), "config", common)
    if "input" in fields and "text" not in fields:
        fields["text"] = fields.pop("input")
    if "text" in fields or "label" in fields:
        if "text" not in fields and spare:
            fields["text"] = (spare[0],)
        fields = {k: v for k, v in fields.items() if k in ("text", "label", "id", "system")}
        renames = tuple((role, fields[role]) for role in ("text", "label") if role in fields)
        return Schema("classification" if "label" in fields else "text", renames + extra, _ordered(fields), "config", common)
    return Schema(base.format, base.renames + extra, _ordered(fields), "config", common)


def _ordered(fields: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    order = ("messages", "input", "output", "text", "label", "chosen", "rejected", "system", "id")
    return {role: fields[role] for role in sorted(fields, key=lambda r: order.index(r) if r in order else len(order))}
