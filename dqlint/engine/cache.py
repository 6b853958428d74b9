"""Result cache: an unchanged data set re-checks in the time it takes to hash its files.

The key is a SHA-256 over everything a report depends on:

- dqlint's version and the source of the ``dqlint`` package and of every selected rule's
  module (so an edited rule in a development checkout never serves a stale result);
- each selected rule's id, plugin distribution and version, severity and resolved options;
- the field map, the limits and the folder config paths are relative to;
- each input's name, split and the SHA-256 of its bytes (folders: of every file that is read);
- the review sheet and expectation suite files, by content.

The value is the report dictionary (the JSON contract), one file per key in ``.dqlint_cache/``
beside the config file (or in the current folder, or where ``cache-dir`` says). Only files can be
cached: in-memory data and Hub datasets always run. A cache that cannot be read or written never
fails a run: a corrupt entry is ignored and rewritten, an unwritable folder just means no cache.

The cache owns only what it writes (issue 14: pruning a ``cache-dir`` that was a data folder
deleted data):

- its folder carries a marker, ``CACHEDIR.TAG`` naming dqlint (and a ``.gitignore`` of ``*``, so
  nobody has to name it). A ``cache-dir`` that exists, is not empty and has no marker is not
  taken over: the cache goes into a ``.dqlint_cache/`` subfolder of its own inside it;
- entries are named ``dqlint-report-<64 hex>.json``, and pruning (keep the newest
  ``KEEP_ENTRIES``) looks at nothing else, in a marked folder only;
- a ``cache-dir`` that holds an input of the run is a configuration error (exit 2).

An entry is ``{"dqlint_cache": 1, "key": ..., "digest": ..., "report": ...}``, written only
when the report is valid against the report's JSON Schema, and served only when its key is the
request's key and the SHA-256 of the canonical report JSON is its digest. Anything else (a forged
``{"verdict": "go"}``, an edited verdict, another key's entry copied over, a truncated file) is
discarded and the checks run again. The schema is checked when the entry is written, not each
time it is read (on a 100 MB set's report that was most of a warm run): what passes the digest
is what was validated, unless someone wrote a matching digest on purpose. The digest is not a
signature: whoever can write the cache folder can also write a matching digest, as they could
edit dqlint itself; it makes tampering and corruption fail closed, not impossible.

Only regular files are hashed (a FIFO or ``/dev/zero`` in a data folder would block or never
end); the folder listing is the loader's own, so the key covers exactly what is read.

Content is hashed with SHA-256, not a faster non-cryptographic hash: a crafted collision must not
be able to reuse another file's "go". OpenSSL's SHA-256 hashes 100 MB in ~0.2 s on a CPU with
SHA extensions (blake2b took ~0.35 s on the same machine).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import stat
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
ENTRY_PREFIX, ENTRY_SUFFIX = "dqlint-report-", ".json"
# Only files named exactly like this are ever read or pruned: a file of anyone else cannot match.
ENTRY_NAME = re.compile(r"\Adqlint-report-[0-9a-f]{64}\.json\Z")
ENTRY_FORMAT = 1
# An entry larger than this is not read (a report is kilobytes to a few MB).
MAX_ENTRY_BYTES = 256 << 20
# Entries kept; the least recently used go first. One entry is one report (kilobytes to a few MB).
KEEP_ENTRIES = 32
CHUNK = 1 << 20
# CACHEDIR.TAG tells backup tools the folder is a cache (https://bford.info/cachedir/).
CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This is a dqlint result cache; it can be deleted at any time.\n"
MARKER = "CACHEDIR.TAG"


class ResultCache:
    """The cache entry for one request: ``load()`` a report dict or ``store()`` one."""

    def __init__(self, root: Path, key: str, loaded_rules: frozenset[str] = frozenset()) -> None:
        self.root = root
        self.key = key
        # Rules whose code loaded: an error from one of them is a crash while running.
        self.loaded_rules = loaded_rules

    @property
    def folder(self) -> Path:
        """The marked folder the entries live in: the root itself when it is dqlint's (or does
        not exist yet, or is empty), else a ``.dqlint_cache`` subfolder of it."""
        return self.root if _may_own(self.root) else self.root / CACHE_DIR_NAME

    @property
    def path(self) -> Path:
        return self.folder / f"{ENTRY_PREFIX}{self.key}{ENTRY_SUFFIX}"

    @classmethod
    def for_request(cls, request: CheckRequest, plugins: Sequence[PluginRule]) -> ResultCache | None:
        """The entry for this request, or None when it cannot be cached (data in memory or on
        the Hub, an input that does not exist yet: the run will say what is wrong). Raises
        ConfigError when the cache folder holds an input of the run."""
        if not request.use_cache:
            return None
        root = cache_folder(request.config)
        _refuse_folder_holding_inputs(root, request)
        key = request_key(request, plugins)
        loaded = frozenset(p.id for p in plugins if p.rule is not None)
        return cls(root, key, loaded) if key else None

    def load(self) -> dict[str, Any] | None:
        entry = _read_entry(self.path)
        report = entry.get("report") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or entry.get("dqlint_cache") != ENTRY_FORMAT or entry.get("key") != self.key:
            return None  # missing, corrupt, forged or another key's: run the checks, store afresh
        if not isinstance(report, dict) or entry.get("digest") != report_digest(report):
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
        if not _valid_report(report):
            return  # a report that breaks its own contract is a bug to see again, not to serve
        entry = {"dqlint_cache": ENTRY_FORMAT, "key": self.key, "digest": report_digest(report), "report": report}
        try:
            folder = self.folder
            _prepare_folder(folder)
            # Write then rename: a concurrent or interrupted run never leaves half a file.
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(_entry_bytes(entry))
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
            _prune(folder, KEEP_ENTRIES)
        except OSError:
            pass  # a read-only checkout or a full disk: caching is only an optimisation


def _entry_bytes(entry: dict[str, Any]) -> bytes:
    """The entry as UTF-8 JSON: by orjson (json.dump took 2 s of a 100k-row check's run), or
    by the standard library where orjson would change or refuse a value (``orjson_bytes``)."""
    from dqlint.report import orjson_bytes

    data = orjson_bytes(entry)
    return data if data is not None else json.dumps(entry, ensure_ascii=False).encode("utf-8", "surrogatepass")


def report_digest(report: Any) -> str:
    """SHA-256 of the report's canonical JSON (sorted keys, no spaces), written by orjson
    (a tenth of the standard library's time: on a warm re-run this was 60 ms of 0.55 s); a
    report orjson refuses (a lone surrogate, a huge integer) falls back to the standard library.
    The same value always takes the same path, so a stored digest and its re-check agree."""
    import orjson

    try:
        data = orjson.dumps(report, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        data = json.dumps(report, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                          default=repr).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


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
        "target": config.target,
        "fail_on": config.fail_on,
        "limits": dataclasses.asdict(config.limits),
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
    """SHA-256 of a regular file's bytes, read in 1 MiB chunks into one reused buffer. Raises
    OSError for anything else (a FIFO would block, a device never end)."""
    from dqlint.data.files import open_regular
    from dqlint.errors import InputError

    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    try:
        fh = open_regular(os.fspath(path))
    except InputError as exc:
        raise OSError(str(exc)) from None
    with fh:
        while n := fh.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


def _input_part(role: str, spec: Any) -> dict[str, Any] | None:
    from dqlint.data.sources import HUB_PREFIX

    source = os.fspath(spec.source) if isinstance(spec.source, os.PathLike) else spec.source
    if not isinstance(source, str) or source.startswith(HUB_PREFIX):
        return None
    try:
        files = [(rel, file_digest(full) if full else "skipped") for rel, full in _files_read(source)]
    except OSError:
        return None
    return {"role": role, "source": source, "split": spec.split, "name": spec.name, "files": files}


def _files_read(source: str) -> Iterable[tuple[str, str | None]]:
    """(name, path) of every file loading ``source`` reads: the file itself; a folder's data
    files, as the loader lists them (path None for a special file it skips with a finding);
    every file of a folder written by ``datasets.save_to_disk``."""
    from dqlint.data.sources import list_folder

    if not os.path.isdir(source):
        if not os.path.isfile(source):
            raise FileNotFoundError(source)
        return [("", source)]
    listing = list_folder(source)
    if listing is None:
        found = []
        for folder, dirs, names in os.walk(source):
            dirs.sort()
            for name in sorted(names):
                full = os.path.join(folder, name)
                found.append((os.path.relpath(full, source), full))
        return found
    named: list[tuple[str, str | None]] = [(os.path.basename(f), f) for f in listing.files]
    named += [(os.path.basename(f), None) for f, _ in listing.special]
    return sorted(named)


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
    package = Path(__file__).parents[1]  # all of dqlint, not only the engine
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


def _may_own(folder: Path) -> bool:
    """True when the cache may keep its entries right in ``folder``: it is missing, empty, or
    marked as dqlint's by an earlier run."""
    try:
        if not folder.exists():
            return True
        if _is_marked(folder):
            return True
        return folder.is_dir() and next(folder.iterdir(), None) is None
    except OSError:
        return False


def _is_marked(folder: Path) -> bool:
    tag = folder / MARKER
    try:
        if not tag.is_file() or tag.is_symlink():
            return False
        with open(tag, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return head.startswith(CACHEDIR_TAG.split("\n", 1)[0].encode()) and b"dqlint" in head


def _prepare_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tag = folder / MARKER
    if not _is_marked(folder):
        if tag.exists() or tag.is_symlink():
            raise OSError(f"{folder}: holds a CACHEDIR.TAG that is not dqlint's")
        # Write then rename: a concurrent run never reads half a marker (and takes it for another's).
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".tag")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(CACHEDIR_TAG)
        os.replace(tmp, tag)
    gitignore = folder / ".gitignore"
    if not gitignore.exists() and not gitignore.is_symlink():
        gitignore.write_text("# Created by dqlint: a result cache, never to be committed.\n*\n", encoding="utf-8")


def _prune(folder: Path, keep: int) -> None:
    """Delete the least recently used entries beyond ``keep``: only files named like an entry
    (``ENTRY_NAME``), regular, in a folder dqlint marked."""
    if not _is_marked(folder):
        return
    entries = []
    for path in folder.iterdir():
        if not ENTRY_NAME.match(path.name):
            continue
        try:
            info = path.lstat()
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            entries.append((info.st_mtime, path))
    entries.sort(reverse=True)
    for _, old in entries[keep:]:
        try:
            old.unlink()
        except OSError:
            pass


def _read_entry(path: Path) -> Any:
    """The parsed entry, or None when it is missing, not a regular file, too big or not JSON."""
    from dqlint.data.files import open_regular
    from dqlint.errors import InputError

    try:
        with open_regular(str(path)) as fh:
            if os.fstat(fh.fileno()).st_size > MAX_ENTRY_BYTES:
                return None
            return _parse_entry(fh.read())
    except (InputError, OSError, ValueError, RecursionError):
        return None


def _parse_entry(data: bytes) -> Any:
    """orjson first (a fraction of ``json.load``'s time on a report of megabytes); what it
    refuses but JSON allows (NaN, a lone surrogate escaped) is read by the standard library."""
    import orjson

    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data.decode("utf-8", "surrogatepass"))


def _valid_report(report: Any) -> bool:
    from dqlint.report import schema_errors

    return isinstance(report, dict) and not schema_errors(report, limit=1)


def _refuse_folder_holding_inputs(root: Path, request: CheckRequest) -> None:
    """A cache folder that is, or holds, an input of the run would mix entries with data (and
    pruning with deletion): refuse it before anything is read or written."""
    from dqlint.errors import ConfigError

    try:
        cache_real = os.path.realpath(root)
    except OSError:
        return
    inside = cache_real.rstrip(os.sep) + os.sep
    config = request.config
    sources = [s.source for s in [*request.inputs, *request.reference]]
    sources += [request.review, request.expectations, request.schema, config.review, config.expectations, config.schema, config.baseline]
    for source in sources:
        if not isinstance(source, (str, os.PathLike)):
            continue
        source = os.fspath(source)
        if "://" in source or not os.path.exists(source):
            continue
        real = os.path.realpath(source)
        if real == cache_real or real.startswith(inside) or cache_real.startswith(real.rstrip(os.sep) + os.sep) and _reads_tree(source):
            where = "cache-dir" if config.cache_dir else "the cache folder"
            raise ConfigError(f"{where} {root}: holds input {source} of this run; give the cache a folder of its own")


def _reads_tree(source: str) -> bool:
    """A saved ``datasets`` folder is read whole, sub-folders included."""
    from dqlint.data.sources import folder_input_files

    return os.path.isdir(source) and folder_input_files(source) is None


