"""Run a command and measure it honestly: wall time, the peak resident memory of the process
itself, and the peak of its whole process tree (a Ray driver starts a raylet, an object store and
workers; their memory is the engine's too).

Why a launcher process: Linux keeps a process's memory high-water mark across ``exec``
(``ru_maxrss`` of a child starts at what its parent held when it forked). A benchmark that has
read a large report would hand that size to every later child, whose peak then reads at least
as much. So every command is started by a small launcher, itself started before the benchmark
grows; the launcher reports ``ru_maxrss`` from ``wait4`` and samples the tree's proportional
set size (PSS, from ``/proc/PID/smaps_rollup``: shared pages such as Ray's object store are
split between the processes mapping them, so the sum is the memory the tree really holds).

    with Launcher() as launch:
        result = launch.run(["dqlint", "check", ...], timeout=900)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

SAMPLE_EVERY = 0.25  # seconds between samples of the process tree's memory, at least
SAMPLING_SHARE = 10  # ... and at least this many times what the last sample took (so it uses a tenth of a core)


@dataclass
class Measured:
    seconds: float
    peak: int  # bytes: the command's own peak resident set (ru_maxrss)
    tree_peak: int  # bytes: the largest sampled PSS sum over the command and its descendants
    exit_code: int | None  # None: stopped at the timeout
    stderr: str


class Launcher:
    """A small child process that starts each command and measures it (see the module doc)."""

    def __enter__(self) -> Launcher:
        self._proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self._proc.stdin.close()
        self._proc.wait()

    def run(self, cmd: list[str], timeout: float | None = None, cwd: str | None = None, memory_limit: int | None = None) -> Measured:
        """Run ``cmd`` (stdout discarded); stop it after ``timeout`` seconds; ``memory_limit``
        bytes of address space (RLIMIT_AS), so a run too big for the machine stops with a
        MemoryError instead of the kernel's OOM killer choosing a victim."""
        with tempfile.NamedTemporaryFile(prefix="measured", suffix=".err", delete=False) as err:
            err_path = err.name
        try:
            self._proc.stdin.write(json.dumps({"cmd": cmd, "timeout": timeout, "cwd": cwd, "stderr": err_path, "memory_limit": memory_limit}) + "\n")
            self._proc.stdin.flush()
            answer = json.loads(self._proc.stdout.readline())
            with open(err_path, encoding="utf-8", errors="replace") as fh:
                stderr = fh.read()
        finally:
            os.unlink(err_path)
        return Measured(answer["seconds"], answer["peak"], answer["tree_peak"], answer["exit_code"], stderr)


# -- the launcher's side ---------------------------------------------------------------------------


def _children_of() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the ppid follows the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(name))
    return children


def _tree(pid: int) -> list[int]:
    children, out, todo = _children_of(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _run_one(cmd: list[str], timeout: float | None, cwd: str | None, stderr_path: str, memory_limit: int | None) -> dict:
    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    with open(stderr_path, "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd or tempfile.gettempdir(),
                                preexec_fn=limit if memory_limit else None)
        tree_peak, stopped = 0, False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            sampled = time.perf_counter()
            tree_peak = max(tree_peak, sum(_pss(p) for p in _tree(proc.pid)))
            cost = time.perf_counter() - sampled
            if timeout and time.perf_counter() - started > timeout:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                stopped = True
                break
            # A sample of a tree of big processes (Ray workers mapping the object store) costs
            # tens of ms: every 0.25 s the launcher took 42 % of a core during a 10M-row Ray run.
            time.sleep(max(SAMPLE_EVERY, SAMPLING_SHARE * cost))
        seconds = time.perf_counter() - started
    peak = usage.ru_maxrss * 1024
    code = None if stopped else os.waitstatus_to_exitcode(status)
    return {"seconds": seconds, "peak": peak, "tree_peak": max(tree_peak, peak), "exit_code": code}


def serve() -> None:
    for line in sys.stdin:
        job = json.loads(line)
        print(json.dumps(_run_one(job["cmd"], job["timeout"], job["cwd"], job["stderr"], job.get("memory_limit"))), flush=True)


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    serve()
