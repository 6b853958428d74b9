"""``dqlint baseline``: record today's findings so that only new ones block.

Runs the check exactly as ``dqlint check`` would (same config, same rules) and writes the
fingerprint of every finding, and of every rule that fails without findings, to a JSON file
(see :mod:`dqlint.engine.baseline`). Commit the file; ``dqlint check --baseline FILE`` (or
``baseline = "FILE"`` in config) then accepts what it holds.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from dqlint.data.outputs import refuse_unsafe_output
from dqlint.engine.baseline import baseline_document
from dqlint.errors import UsageError

__all__ = ["write_baseline"]


def write_baseline(request: Any, path: str, *, force: bool = True, protected: list[Any] = ()) -> dict[str, Any]:
    """Check ``request`` without any baseline and write its fingerprints to ``path``; returns the
    document written. An existing baseline is replaced (it is meant to be regenerated)."""
    from dqlint.engine.check import run_check

    refuse_unsafe_output(path, protected, force=force, what="baseline")
    request = replace(request, config=replace(request.config, baseline=None, per_path_ignores={}))
    report = run_check(request)
    document = baseline_document(report)
    document["verdict_when_written"] = report["verdict"]
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            json.dump(document, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the baseline: {exc.strerror or exc}") from None
    return document
