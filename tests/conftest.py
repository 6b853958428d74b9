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


class BlockInputs:
    """What the Ray engine hands a distributed rule (RayInputs), over a loaded dataset cut into
    blocks of ``size`` rows, without a cluster: a rule's block path runs as on Ray."""

    def __init__(self, ds, size: int) -> None:
        from types import SimpleNamespace

        self.ds, self.size = ds, size
        self.starts = list(range(0, len(ds), size))
        self.blocks = [SimpleNamespace(index=i) for i in range(len(self.starts))]

    def split_rows(self):
        import numpy as np

        return {s: np.asarray(self.ds.rows(s), dtype=np.int64) for s in set(self.ds.split)}

    def first_rows(self):
        return list(self.starts)

    def progress(self, message: str) -> None:
        pass

    def map_blocks(self, fn):
        from dqlint.engine.ray.run import extract_rows, rows_dataset

        out = []
        for block, start in zip(self.blocks, self.starts):
            rows = list(range(start, min(start + self.size, len(self.ds))))
            out.append(fn(rows_dataset(self.ds.files, [extract_rows(self.ds, rows)]), block))
        return out


def result_dict(result) -> dict:
    """A rule result as the report holds it: compared to tell two engines' results apart."""
    from dqlint.report import json_ready

    return json_ready(
        {"status": result.status.value, "message": result.message, "metric": result.metric.to_dict() if result.metric else None,
         "details": result.details, "findings": [f.to_dict() for f in result.findings]}
    )
