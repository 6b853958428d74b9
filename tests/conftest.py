"""Shared test helpers: run the real CLI in-process and write data files."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Iterable

import pytest

from dqlint.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def dqlint_cli(capsys: pytest.CaptureFixture[str]):
    """Run `dqlint ARGS...` in-process; returns Result(code, stdout, stderr)."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exc:
            main(list(args))
        captured = capsys.readouterr()
        return Result(exc.value.code, captured.out, captured.err)

    return run


def write_jsonl(path: Path, records: Iterable[Any]) -> Path:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for rec in records:
            fh.write(rec if isinstance(rec, str) else json.dumps(rec, ensure_ascii=False))
            fh.write("\n")
    return path


def chat(user: str, assistant: str, system: str | None = "You are helpful.") -> dict:
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return {"messages": messages}


def read_rows(path) -> list[dict[str, str]]:
    """Rows of a CSV review sheet (BOM tolerated)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def write_rows(path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="session")
def ray_local():
    """One local 2-CPU Ray instance for the whole test session (starting Ray costs seconds, and
    its workers warm up once): the Ray engine uses Ray when it is already running."""
    ray = pytest.importorskip("ray", reason="the Ray engine needs ray[data]: pip install -e '.[ray]'")
    pytest.importorskip("ray.data", reason="the Ray engine needs ray[data]: pip install -e '.[ray]'")
    from dqlint.engine.ray.dedup import quiet_ray_data

    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    quiet_ray_data()
    yield ray
    if started:
        ray.shutdown()

