"""Every command the README and the docs show runs as written, in the order shown.

Each page's commands run in a fresh folder that holds what the docs say it holds: the
repository's ``sample_data/`` and, beside it, ``train.jsonl``/``test.jsonl`` (the dirty chat
sample), ``valid.jsonl`` and ``prod.jsonl`` (the clean one), ``tickets.csv`` and ``data/``. A
command may find problems (exit 1) but must be judged (never exit 2) and never end in a traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Commands that set up or test dqlint itself (CI runs them as steps of its own).
NOT_RUN = ("pip ", "python3 -m venv", "pytest", "mkdocs", "echo ", "cd ")


def commands(page: Path) -> list[str]:
    """The shell commands a page shows: lines of bash/sh blocks, and `$ ` lines of console blocks."""
    found = []
    for lang, body in re.findall(r"```(\w*)\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
        if lang in ("bash", "sh"):
            text = re.sub(r"\\\n\s*", " ", body)
            lines = [line.strip() for line in text.splitlines()]
        elif lang == "console":
            lines = [line[2:].strip() for line in body.splitlines() if line.startswith("$ ")]
        else:
            continue
        for line in lines:
            if line and not line.startswith("#") and not line.startswith(NOT_RUN):
                found.append(line)
    return found


def _workspace(folder: Path) -> Path:
    shutil.copytree(SAMPLES, folder / "sample_data")
    for name, source in {
        "train.jsonl": "chat/dirty/train.jsonl",
        "test.jsonl": "chat/dirty/test.jsonl",
        "valid.jsonl": "chat/clean/valid.jsonl",
        "prod.jsonl": "chat/clean/train.jsonl",
        "tickets.csv": "label_accuracy/tickets.csv",
    }.items():
        shutil.copy(SAMPLES / source, folder / name)
    (folder / "data").mkdir()
    for name in ("train.jsonl", "test.jsonl"):
        shutil.copy(SAMPLES / "chat/dirty" / name, folder / "data" / name)
    return folder


def test_every_page_shows_only_commands_dqlint_can_run():
    for page in PAGES:
        for command in commands(page):
            assert command.split()[0] == "dqlint", f"{page.name}: {command!r} is not a dqlint command"


RUNNABLE = [page for page in PAGES if commands(page)]


@pytest.mark.parametrize("page", RUNNABLE, ids=[p.name for p in RUNNABLE])
def test_commands_run_as_written(page, tmp_path):
    shown = commands(page)
    folder = _workspace(tmp_path)
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""), NO_COLOR="1")
    for command in shown:
        res = subprocess.run(command, shell=True, cwd=folder, env=env, capture_output=True, text=True, timeout=600)
        assert res.returncode in (0, 1), f"{page.name}: `{command}` exited {res.returncode}: {res.stderr.strip()[-500:]}"
        assert "Traceback" not in res.stderr and "internal error" not in res.stderr, f"{page.name}: `{command}`: {res.stderr[-500:]}"
