"""``dqlint init``: a config for the data a repository holds, and the hooks that run it.

Finds the data files (or takes the paths given), reads each once to learn its format, size and
split, and writes a ``dqlint.toml`` (or a ``[tool.dqlint]`` table in ``pyproject.toml``) that
names them by split. Then it prints the pre-commit hook and the CI job for this repository.
Nothing is written over an existing config without ``force``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Sequence

from dqlint.data.outputs import refuse_unsafe_output
from dqlint.errors import UsageError

__all__ = ["InitResult", "find_data_files", "init_config", "snippets"]

# Folders never searched for data: tools, caches and dqlint's own outputs.
SKIPPED_FOLDERS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".dqlint_cache", ".tox", ".mypy_cache", "site", "build", "dist"}
# dqlint's own outputs and reports are never data.
OWN_OUTPUT_MARKERS = (".clean.", ".dropped.", "dqlint-baseline", "dqlint.sarif", "dqlint-junit", "gl-code-quality", "report.json")
SPLIT_KEYS = {"train": "train", "test": "test", "validation": "eval"}


@dataclass
class InitResult:
    path: str
    text: str
    inputs: list[dict[str, Any]] = field(default_factory=list)


def find_data_files(root: str = ".", max_depth: int = 3) -> list[str]:
    """Data files under ``root`` (by extension), sorted, skipping tool folders and dqlint's outputs."""
    from dqlint.data.readers import data_suffix

    found = []
    root_depth = os.path.abspath(root).rstrip(os.sep).count(os.sep)
    for folder, dirs, names in os.walk(root):
        depth = os.path.abspath(folder).count(os.sep) - root_depth
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_FOLDERS and not d.startswith(".") and not d.endswith(".clean") and depth < max_depth)
        for name in sorted(names):
            if data_suffix(name) is None or any(marker in name for marker in OWN_OUTPUT_MARKERS):
                continue
            full = os.path.join(folder, name)
            if os.path.isfile(full) and not os.path.islink(full):
                found.append(os.path.relpath(full, root))
    return found


def init_config(paths: Sequence[str], *, target: str | None = None, pyproject: bool = False, force: bool = False) -> InitResult:
    """Write the config for ``paths`` (found when empty) and return what was written."""
    from dqlint.data.ingest import load_inputs
    from dqlint.data.sources import InputSpec

    if target is not None:
        from dqlint.data.profiles import profile_named

        profile_named(target)  # an unknown provider is a config error naming the known ones
    paths = list(paths) or find_data_files()
    if not paths:
        raise UsageError("no data files found here (.jsonl, .json, .csv, .tsv, .parquet); name them: dqlint init PATH...")
    dataset = load_inputs([InputSpec(p) for p in paths])
    by_split: dict[str, list[str]] = {}
    for info in dataset.files:
        by_split.setdefault(SPLIT_KEYS.get(info.split, "train"), []).append(info.path)
    body = _toml_body(by_split, target, dataset.files)
    target_file = "pyproject.toml" if pyproject else "dqlint.toml"
    if pyproject:
        existing = open(target_file, encoding="utf-8").read() if os.path.exists(target_file) else ""
        if "[tool.dqlint]" in existing and not force:
            raise UsageError(f"{target_file} already has a [tool.dqlint] table; edit it, or use --force to add another")
        text = existing + ("\n" if existing and not existing.endswith("\n") else "") + ("\n" if existing else "") + "[tool.dqlint]\n" + body
    else:
        refuse_unsafe_output(target_file, paths, force=force, what="config")
        text = body
    with open(target_file, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    inputs = [f.to_dict() for f in dataset.files]
    return InitResult(target_file, text, inputs)


def _toml_body(by_split: dict[str, list[str]], target: str | None, files: Sequence[Any]) -> str:
    lines = ["# Written by `dqlint init`: the data this repository holds, by split.",
             "# Formats found: " + ", ".join(sorted({f"{f.format} ({f.path})" for f in files}))]
    for key in ("train", "test", "eval"):
        if by_split.get(key):
            lines.append(f"{key} = [{', '.join(_quoted(p) for p in by_split[key])}]")
    if target:
        lines.append(f"target = {_quoted(target)}")
    lines.append("# fail-on = \"warning\"   # make warnings block too")
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def snippets() -> str:
    """The pre-commit hook and CI jobs that run the check this config describes."""
    return """\
# .pre-commit-config.yaml: runs `dqlint check` with the config above whenever data or config changes
# (install dqlint in the environment that runs pre-commit, e.g. `pip install -e /path/to/dqlint`).
repos:
  - repo: local
    hooks:
      - id: dqlint
        name: dqlint (fine-tuning data readiness)
        entry: dqlint check
        language: system
        pass_filenames: false
        files: \\.(jsonl|ndjson|json|csv|tsv|parquet)$|^(dqlint\\.toml|pyproject\\.toml)$

# .github/workflows/data-quality.yml (steps of a job): install dqlint from where you keep it
      - run: pip install "dqlint @ git+https://YOUR-GIT-HOST/YOUR-ORG/dqlint@COMMIT"
      - run: dqlint check --format sarif --output dqlint.sarif --format github

# .gitlab-ci.yml (script of a job)
    - pip install "dqlint @ git+https://YOUR-GIT-HOST/YOUR-ORG/dqlint@COMMIT"
    - dqlint check --format gitlab --output gl-code-quality.json --format terminal
"""
