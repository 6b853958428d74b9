"""What an input names and which files it stands for: a file, a folder, a folder written by
``datasets.save_to_disk``, ``hf://owner/name[/config]`` or an in-memory object; and the split a
file name implies.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Iterator, NamedTuple, Sequence

from dqlint.data.files import not_regular_reason, own_output_kind
from dqlint.data.limits import Limits
from dqlint.data.readers import (
    DATA_SUFFIXES,
    HUB_PREFIX,
    Raw,
    Reader,
    data_suffix,
    file_reader,
    json_type,
    stdin_reader,
)
from dqlint.errors import InputError, first_line

# The input name that means "read standard input" (``dqlint check -``).
STDIN = "-"

__all__ = ['InputSpec', 'FolderListing', 'SKIPPED', 'normalise_split', 'split_from_name', 'folder_input_files', 'list_folder']

# The kind of a part that is only a note: a folder entry that was skipped, not an input.
SKIPPED = "skipped"








SPLIT_ALIASES = {
    "train": "train",
    "training": "train",
    "valid": "validation",
    "validation": "validation",
    "val": "validation",
    "dev": "validation",
    "eval": "validation",
    "evaluation": "validation",
    "test": "test",
    "testing": "test",
    "holdout": "test",
}


@dataclass(frozen=True)
class InputSpec:
    """One input: a path, ``hf://owner/name[/config]``, or an in-memory object.

    ``split`` forces a split (``--test``, ``--eval``); ``name`` labels in-memory data in
    locations.
    """

    source: Any
    split: str | None = None
    name: str | None = None


def normalise_split(name: Any) -> str | None:
    if not isinstance(name, str):
        return None
    return SPLIT_ALIASES.get(name.strip().lower())


def split_from_name(path: str) -> str | None:
    """The split a file name implies: train, valid/validation/dev/eval, test (as whole words)."""
    base = os.path.basename(path.rstrip("/\\")).lower()
    for token in re.split(r"[^a-z]+", base):
        split = SPLIT_ALIASES.get(token)
        if split:
            return split
    return None


class _Part(NamedTuple):
    display: str
    forced: str | None
    by_name: str | None
    reader: Reader
    kind: str


def unique_parts(specs: Sequence[InputSpec], limits: Limits | None = None) -> list[_Part]:
    """Every loadable part once: a file named twice (a folder and --test naming a file in it)
    would otherwise count each of its rows as a duplicate of itself. A split forced by
    --test/--eval wins over one implied by a name; two different forced splits are an error."""
    parts: list[_Part] = []
    index_of: dict[str, int] = {}
    for spec in specs:
        for display, by_name, reader, kind in _expand(spec, limits):
            part = _Part(display, spec.split, by_name, reader, kind)
            key = os.path.realpath(display) if kind == "file" else None
            if key is None or key not in index_of:
                if key is not None:
                    index_of[key] = len(parts)
                parts.append(part)
                continue
            first = parts[index_of[key]]
            if first.forced and part.forced and first.forced != part.forced:
                raise InputError(f"{display}: given as both {first.forced} and {part.forced}")
            if part.forced and not first.forced:
                parts[index_of[key]] = first._replace(forced=part.forced)
    return parts




def _expand(spec: InputSpec, limits: Limits | None = None) -> Iterator[tuple[str, str | None, Reader, str]]:
    """Yield (display path, split implied by the name, reader, kind) for each loadable part."""
    src = spec.source
    if isinstance(src, os.PathLike):
        src = os.fspath(src)
    if isinstance(src, str):
        if src == STDIN:
            yield "<stdin>", None, stdin_reader(limits=limits), "stdin"
        elif src.startswith(HUB_PREFIX):
            yield from _expand_hub(src)
        elif os.path.isdir(src):
            yield from _expand_folder(src, limits)
        else:
            yield src, split_from_name(src), file_reader(src, limits=limits), "file"
        return
    yield from _expand_memory(src, spec.name)


class FolderListing(NamedTuple):
    """A data folder's entries with a data suffix, sorted: the files read, the special files
    skipped with a finding (path, what it is) and dqlint's own outputs skipped silently."""

    files: list[str]
    special: list[tuple[str, str]]
    own_outputs: list[str]


def list_folder(path: str) -> FolderListing | None:
    """The entries a folder input reads and skips, or None for a saved ``datasets`` folder
    (read whole). Sub-folders are not read, whatever their name."""
    if os.path.exists(os.path.join(path, "dataset_dict.json")) or os.path.exists(os.path.join(path, "dataset_info.json")):
        return None
    listing = FolderListing([], [], [])
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if data_suffix(name) is None or os.path.isdir(full):
            continue
        reason = not_regular_reason(full)
        if reason is not None:
            listing.special.append((full, reason))
        elif own_output_kind(full):
            listing.own_outputs.append(full)
        else:
            listing.files.append(full)
    return listing


def folder_input_files(path: str) -> list[str] | None:
    """The data files a folder input reads, or None for a saved ``datasets`` folder (read whole)."""
    listing = list_folder(path)
    return None if listing is None else listing.files


def _expand_folder(path: str, limits: Limits | None = None) -> Iterator[tuple[str, str | None, Reader, str]]:
    listing = list_folder(path)
    if listing is None:
        yield from _expand_saved_dataset(path)
        return
    if not listing.files:
        raise InputError(f"{path}: folder holds no data files ({', '.join(DATA_SUFFIXES)}) and no saved dataset")
    for full in listing.files:
        yield full, split_from_name(full), file_reader(full, limits=limits), "file"
    for full, reason in listing.special:
        yield full, None, _skipped_reader(reason), SKIPPED


def _skipped_reader(reason: str) -> Reader:
    """A special file in a data folder: one non-blocking problem saying it was not read."""
    problem = ("not-regular-file", f"not a regular file ({reason}): skipped, never opened", False)
    return lambda: iter([Raw(None, None, None, problem)])


def _expand_saved_dataset(path: str) -> Iterator[tuple[str, str | None, Reader, str]]:
    try:
        import datasets

        datasets.disable_progress_bars()
        loaded = datasets.load_from_disk(path)
    except Exception as exc:  # datasets raises many types for a broken folder
        raise InputError(f"{path}: not a readable saved dataset: {first_line(exc)}") from None
    yield from _expand_hf_object(loaded, path, "folder")


def _expand_hub(spec: str) -> Iterator[tuple[str, str | None, Reader, str]]:
    """``hf://owner/name`` or ``hf://owner/name/config``: loaded through ``datasets``."""
    name = spec[len(HUB_PREFIX):].strip("/")
    parts = name.split("/")
    repo, config = ("/".join(parts[:2]), parts[2] if len(parts) > 2 else None) if len(parts) > 1 else (name, None)
    if not repo:
        raise InputError(f"{spec}: name a Hub dataset as hf://owner/name[/config]")
    offline = _hub_offline()
    try:
        import datasets

        datasets.disable_progress_bars()
        loaded = datasets.load_dataset(repo, config)
    except Exception as exc:  # network, auth and missing-dataset errors all end here
        if offline:
            raise InputError(
                f"{spec}: the Hugging Face Hub cannot be reached and {repo!r} is not in the local cache; where there is "
                f"network, save it with datasets.load_dataset({repo!r}).save_to_disk(FOLDER), then run dqlint check FOLDER"
            ) from None
        raise InputError(f"{spec}: could not load Hub dataset {repo!r}: {first_line(exc)}") from None
    yield from _expand_hf_object(loaded, spec, "hub")


# How long to wait for the Hub before treating the machine as offline.
HUB_PROBE_SECONDS = 3.0


def _hub_offline() -> bool:
    """True when the Hub is out of reach (or offline mode is asked for): then ``datasets`` is told
    to use its local cache only, so a run fails in seconds instead of retrying for half a minute."""
    asked = any(os.environ.get(v, "").lower() in ("1", "true", "yes") for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"))
    if not asked and hub_reachable():
        return False
    os.environ["HF_HUB_OFFLINE"] = os.environ["HF_DATASETS_OFFLINE"] = "1"
    for module, name in (("huggingface_hub.constants", "HF_HUB_OFFLINE"), ("datasets.config", "HF_HUB_OFFLINE"), ("datasets.config", "HF_DATASETS_OFFLINE")):
        loaded = sys.modules.get(module)
        if loaded is not None and hasattr(loaded, name):  # imported before the variables were set
            setattr(loaded, name, True)
    return True


def hub_reachable(timeout: float = HUB_PROBE_SECONDS) -> bool:
    """Whether a TCP connection to the Hub's host opens within ``timeout`` (name lookup included)."""
    import socket
    import threading
    from urllib.parse import urlparse

    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
    result: list[bool] = []

    def probe() -> None:
        try:
            socket.create_connection((host, 443), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(result and result[0])


def _expand_hf_object(obj: Any, display: str, kind: str) -> Iterator[tuple[str, str | None, Reader, str]]:
    """A ``datasets.Dataset`` is one part; a ``DatasetDict`` is one part per split."""
    if type(obj).__name__ in {"DatasetDict", "IterableDatasetDict"}:
        for split_name in obj.keys():
            part = obj[split_name]
            yield f"{display}[{split_name}]", normalise_split(split_name) or "train", _hf_reader(part), kind
        return
    yield display, split_from_name(display), _hf_reader(obj), kind


def _expand_memory(obj: Any, name: str | None) -> Iterator[tuple[str, str | None, Reader, str]]:
    type_name = type(obj).__name__
    module = type(obj).__module__
    if module.startswith("datasets"):
        yield from _expand_hf_object(obj, name or "dataset", "memory")
        return
    if module.startswith("pandas") and type_name == "DataFrame":
        display = name or "dataframe"
        frame = obj

        def frame_reader() -> Iterator[Raw]:
            for i, rec in enumerate(frame.to_dict("records")):
                yield Raw(i, None, rec)

        yield display, split_from_name(display) if name else None, frame_reader, "memory"
        return
    if isinstance(obj, (list, tuple)):
        records = obj

        def list_reader() -> Iterator[Raw]:
            for i, rec in enumerate(records):
                yield Raw(i, None, rec) if isinstance(rec, dict) else Raw(
                    i, None, None, ("not-object", f"record is a JSON {json_type(rec)}, not an object", True)
                )

        yield name or "records", None, list_reader, "memory"
        return
    raise InputError(f"cannot load {type_name} objects: give a path, a DataFrame, a datasets.Dataset or a list of dicts")


def _hf_reader(part: Any) -> Reader:
    def read() -> Iterator[Raw]:
        index = 0
        for batch in part.iter(batch_size=4096):
            columns = list(batch)
            for values in zip(*(batch[c] for c in columns)):
                yield Raw(index, None, dict(zip(columns, values)))
                index += 1

    return read


