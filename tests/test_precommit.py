"""pre-commit, for real: a throw-away git repository uses this checkout's `.pre-commit-hooks.yaml`
at its HEAD commit, the way users consume the hook (`repo:` + `rev:`), and `git commit` runs it.

pre-commit builds the hook's own virtual environment with pip (dqlint and every dependency, from
PyPI or pip's cache), so this test takes minutes the first time; PRE_COMMIT_HOME points into the
test's temporary folder, shared by the tests of one session. Why not `pre-commit try-repo`? It
installs into a fresh temporary store on every call, paying that install for each run; `repo:`
+ `rev:` pointing at this checkout exercises the same manifest and code.

The hook runs COMMITTED code (HEAD of this checkout): commit before relying on this test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
SAMPLES = CHECKOUT / "sample_data" / "chat"

PYPROJECT = """\
[project]
name = "my-dataset"
version = "0"

[tool.dqlint]
train = ["data/train.jsonl"]
test = ["data/test.jsonl"]
# The checks this test is about: one per file, and one across files.
select = ["format-consistency", "train-test-leakage"]
"""


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def _head_with_hooks() -> str:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        head = _git("rev-parse", "HEAD", cwd=CHECKOUT)
        _git("cat-file", "-e", f"{head}:.pre-commit-hooks.yaml", cwd=CHECKOUT)
    except subprocess.CalledProcessError:
        pytest.skip("this checkout is not a git repository with .pre-commit-hooks.yaml committed at HEAD")
    return head


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def data_repo(tmp_path: Path, pre_commit_home: Path) -> tuple[Path, dict[str, str]]:
    head = _head_with_hooks()
    repo = tmp_path / "datasets"
    (repo / "data").mkdir(parents=True)
    _git("init", "-q", "-b", "main", cwd=repo)
    _git("config", "user.email", "test@example.com", cwd=repo)
    _git("config", "user.name", "test", cwd=repo)
    _git("config", "commit.gpgsign", "false", cwd=repo)
    (repo / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {CHECKOUT.as_posix()}\n    rev: {head}\n    hooks:\n      - id: dqlint\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never"}
    env.pop("GITHUB_STEP_SUMMARY", None)
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env, check=True, capture_output=True)
    _git("add", "pyproject.toml", ".pre-commit-config.yaml", cwd=repo)
    return repo, env


def _commit(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-m", message], cwd=repo, env=env, capture_output=True, text=True, timeout=3600
    )


def test_manifest_is_valid_and_matches_data_files() -> None:
    import re

    import yaml

    proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(CHECKOUT / ".pre-commit-hooks.yaml")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hooks = {h["id"]: h for h in yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    main = hooks["dqlint"]
    assert main["entry"] == "dqlint check" and main["language"] == "python"
    assert main["pass_filenames"] is False and main["require_serial"] is True
    pattern = re.compile(main["files"])
    for name in ("train.jsonl", "data/test.json", "a.csv", "b.tsv", "c.parquet", "d.jsonl.gz", "e.csv.xz", "pyproject.toml", "cfg/dqlint.toml"):
        assert pattern.search(name), name
    for name in ("README.md", "model.py", "jsonl.txt", "notpyproject.toml"):
        assert not pattern.search(name), name


@pytest.mark.slow
def test_bad_data_blocks_the_commit_and_good_data_passes(data_repo: tuple[Path, dict[str, str]]) -> None:
    repo, env = data_repo

    # A test set that leaks into train, and a train file with broken records: blocked.
    shutil.copy(SAMPLES / "dirty" / "train.jsonl", repo / "data" / "train.jsonl")
    shutil.copy(SAMPLES / "dirty" / "test.jsonl", repo / "data" / "test.jsonl")
    _git("add", "data", cwd=repo)
    blocked = _commit(repo, env, "add dirty data")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "Failed" in output
    assert "data/train.jsonl:5" in output  # the broken JSON line, by file and line
    assert "train-test-leakage" in output
    assert "NO-GO" in output
    assert subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=repo, capture_output=True, check=False).returncode != 0

    # The same files cleaned up: the commit goes through.
    shutil.copy(SAMPLES / "clean" / "train.jsonl", repo / "data" / "train.jsonl")
    shutil.copy(SAMPLES / "clean" / "valid.jsonl", repo / "data" / "test.jsonl")
    _git("add", "data", cwd=repo)
    passed = _commit(repo, env, "add clean data")
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert "Passed" in output
    assert _git("log", "--format=%s", cwd=repo) == "add clean data"

    # The result cache sits beside the config and ignores itself: nothing left to commit.
    assert (repo / ".dqlint_cache" / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")
    assert _git("status", "--porcelain", cwd=repo) == ""

    # A commit that touches no data file does not run the hook at all.
    (repo / "README.md").write_text("datasets\n", encoding="utf-8")
    _git("add", "README.md", cwd=repo)
    skipped = _commit(repo, env, "readme")
    assert skipped.returncode == 0
    assert "(no files to check)Skipped" in skipped.stdout + skipped.stderr
