"""Result cache: an unchanged data set re-checks in the time it takes to hash its files.

The key is a SHA-256 over everything a report depends on:

- dqlint's version and the source of the ``dqlint`` package and of every selected rule's
  module (so an edited rule in a development checkout never serves a stale result);
- each selected rule's id, plugin distribution and version, severity and resolved options;
- the field map and the folder config paths are relative to;
- each input's name, split and the SHA-256 of its bytes (folders: of every file that is read);
- the review sheet and expectation suite files, by content.

The value is the report dictionary (the JSON contract), one file per key in ``.dqlint_cache/``
beside the config file (or in the current folder, or where ``cache-dir`` says). The folder
holds a ``.gitignore`` of ``*``, so nobody has to name it. Only files can be cached: in-memory
data and Hub datasets always run. A cache that cannot be read or written never fails a run: a
corrupt entry is ignored and rewritten, an unwritable folder just means no cache.

Content is hashed with SHA-256, not a faster non-cryptographic hash: a crafted collision must not
be able to reuse another file's "go". OpenSSL's SHA-256 hashes 100 MB in ~0.2 s on a CPU with
SHA extensions (blake2b took ~0.35 s on the same machine).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

if TYPE_CHECKING:
    from dqlint.engine.check import CheckRequest
    from dqlint.engine.plugins import PluginRule

__all__ = ["CACHE_DIR_NAME", "ResultCache", "file_digest"]

CACHE_DIR_NAME = ".dqlint_cache"
# Entries kept; the least recently used go first. One entry is one report (kilobytes to a few MB).
KEEP_ENTRIES = 32
CHUNK = 1 << 20
# CACHEDIR.TAG tells backup tools the folder is a cache (https://bford.info/cachedir/).
CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This is a dqlint result cache; it can be deleted at any time.\n"


class ResultCache:
    """The cache entry for one request: ``load()`` a report dict or ``store()`` one."""

    def __init__(self, folder: Path, key: str, loaded_rules: frozenset[str] = frozenset()) -> None:
        self.folder = folder
        self.key = key
        # Rules whose code loaded: an error from one of them is a crash while running.
        self.loaded_rules = loaded_rules

    @property
    def path(self) -> Path:
        return self.folder / f"{self.key}.json"

    @classmethod
    def for_request(cls, request: CheckRequest, plugins: Sequence[PluginRule]) -> ResultCache | None:
        """The entry for this request, or None when it cannot be cached (data in memory or on
        the Hub, an input that does not exist yet: the run will say what is wrong)."""
        if not request.use_cache:
            return None
        key = request_key(request, plugins)
        loaded = frozenset(p.id for p in plugins if p.rule is not None)
        return cls(cache_folder(request.config), key, loaded) if key else None

    def load(self) -> dict[str, Any] | None:
        from dqlint.report import SCHEMA_VERSION

        try:
            with open(self.path, "rb") as fh:
                report = json.load(fh)
        except (OSError, ValueError):  # missing or corrupt: run the checks, store a fresh one
            return None
        if not isinstance(report, dict) or report.get("schema_version") != SCHEMA_VERSION or "verdict" not in report:
            return None
        try:
            os.utime(self.path)  # mark as recently used for pruning
        except OSError:
            pass
        return report

    def store(self, report: dict[str, Any]) -> None:
        if any(rule["status"] == "error" and rule["id"] in self.loaded_rules for rule in report["rules"]):
            # A rule crashed, maybe for a reason outside the key (a missing library): retry next
            # time. A plugin that could not be imported is in the key by its error, so it caches.
            return
        try:
            _prepare_folder(self.folder)
            # Write then rename: a concurrent or interrupted run never leaves half a file.
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(report, fh, ensure_ascii=False)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
            _prune(self.folder, KEEP_ENTRIES)
        except OSError:
            pass  # a read-only checkout or a full disk: caching is only an optimisation


def cache_folder(config: Any) -> Path:
    if config.cache_dir:
        return Path(config.cache_dir)
    base = Path(config.source).parent if config.source else Path.cwd()
    return base / CACHE_DIR_NAME


def request_key(request: CheckRequest, plugins: Sequence[PluginRule]) -> str | None:
    from dqlint import __version__
    from dqlint.engine.runner import rule_options, rule_severity

    config = request.config
    inputs = [_input_part("input", spec) for spec in request.inputs]
    inputs += [_input_part("reference", spec) for spec in request.reference]
    if any(part is None for part in inputs):
        return None
    rules = [
        {
            "id": p.id,
            "distribution": p.distribution,
            "version": _dist_version(p.distribution),
            "code": _module_digest(p.rule.__module__) if p.rule else p.error,
            "severity": rule_severity(p, config).value,
            "options": dataclasses.asdict(o) if dataclasses.is_dataclass(o := rule_options(p, config)) else repr(o),
        }
        for p in plugins
    ]
    material = {
        "dqlint": __version__,
        "engine": _engine_digest(),
        "rules": rules,
        "fields": dataclasses.asdict(config.fields),
        "fail_on": config.fail_on,
        "base_dir": os.path.dirname(config.source) if config.source else None,
        "inputs": inputs,
        "review": _optional_file(request.review or config.review),
        "expectations": _optional_file(request.expectations or config.expectations),
        "schema": _optional_file(request.schema or config.schema),
    }
    if request.sections:  # only then: keys of requests without sections stay as they were
        material["sections"] = {s.key: s.material() for s in request.sections}
    text = json.dumps(material, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks into one reused buffer."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


def _input_part(role: str, spec: Any) -> dict[str, Any] | None:
    from dqlint.data.sources import HUB_PREFIX

    source = os.fspath(spec.source) if isinstance(spec.source, os.PathLike) else spec.source
    if not isinstance(source, str) or source.startswith(HUB_PREFIX):
        return None
    try:
        files = [(rel, file_digest(full)) for rel, full in _files_read(source)]
    except OSError:
        return None
    return {"role": role, "source": source, "split": spec.split, "name": spec.name, "files": files}


def _files_read(source: str) -> Iterable[tuple[str, str]]:
    """(name, path) of every file loading ``source`` reads: the file itself; a folder's data
    files; every file of a folder written by ``datasets.save_to_disk``."""
    from dqlint.data.readers import data_suffix

    if not os.path.isdir(source):
        if not os.path.isfile(source):
            raise FileNotFoundError(source)
        return [("", source)]
    if os.path.exists(os.path.join(source, "dataset_dict.json")) or os.path.exists(os.path.join(source, "dataset_info.json")):
        found = []
        for folder, dirs, names in os.walk(source):
            dirs.sort()
            for name in sorted(names):
                full = os.path.join(folder, name)
                found.append((os.path.relpath(full, source), full))
        return found
    return [(name, os.path.join(source, name)) for name in sorted(os.listdir(source)) if data_suffix(name) is not None]


def _optional_file(path: str | None) -> str | None:
    if not path:
        return None
    try:
        return f"{path}:{file_digest(path)}"
    except OSError:
        return f"{path}:unreadable"


def _engine_digest() -> str:
    """Hash of the dqlint package's Python source (a few hundred kB: ~1 ms)."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _module_digest(module_name: str) -> str | None:
    module = sys.modules.get(module_name)
    path = getattr(module, "__file__", None)
    if not path:
        return None
    try:
        return file_digest(path)
    except OSError:
        return None


def _dist_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _prepare_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    gitignore = folder / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("# Created by dqlint: a result cache, never to be committed.\n*\n", encoding="utf-8")
    tag = folder / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(CACHEDIR_TAG, encoding="utf-8")


def _prune(folder: Path, keep: int) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        try:
            old.unlink()
        except OSError:
            pass
