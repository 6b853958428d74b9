"""Run independent pieces of a check in this process and forked workers (``--jobs``), and keep
a large check's heap out of the garbage collector's full walks: the base layer, so the engine
(rules in parallel) and pure algorithms (batches of pairs) share one way to do it.

The rules of a local run read one in-memory dataset and most of their work is pure Python, so
threads do not help and pickling the dataset to a spawned process would cost more than the rule.
A forked child inherits the dataset as it is (pages are copied only as the child touches them);
only each piece's result travels back. Where ``fork`` is not available (Windows, macOS'
default), or a worker cannot be started, the pieces run in the calling process.
"""

from __future__ import annotations

import gc
import os
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

__all__ = ["usable_cpus", "affordable_jobs", "can_fork", "forked_map", "rare_full_collections"]

# The work of the running map, read by the forked children (a closure does not pickle; a
# module global set before the fork is inherited).
_WORK: Callable[[int], Any] | None = None
# True while this process runs pieces of a map beside its open pool (see forked_map).
_POOL_OPEN = False


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def affordable_jobs(wanted: int) -> int:
    """At most ``wanted`` processes, no more than the available memory holds: a forked worker
    ends up with a copy of every page of its parent it reads (CPython's reference counts write
    to each object it touches), so each one needs about this process's resident size, and its
    own work on top. Where the figures cannot be read, ``wanted``."""
    held, free = _resident_bytes(), _available_bytes()
    if not held or free is None:
        return wanted
    return max(1, min(wanted, 1 + int(free // (2 * held))))


def _resident_bytes() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _available_bytes() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def can_fork() -> bool:
    import multiprocessing  # here, not at the top: a cached re-run never forks (11 ms of import)

    return "fork" in multiprocessing.get_all_start_methods()


def _call(index: int) -> Any:
    assert _WORK is not None
    return _WORK(index)


def _here(work: Callable[[int], Any], index: int) -> tuple[int, Any, BaseException | None]:
    """One piece run in this process, as ``forked_map`` yields it."""
    try:
        return index, work(index), None
    except Exception as exc:  # noqa: BLE001 - reported to the caller, as a worker's error is
        return index, None, exc


def forked_map(work: Callable[[int], Any], count: int, jobs: int) -> Iterator[tuple[int, Any, BaseException | None]]:
    """``work(i)`` for i in range(count) on ``jobs`` processes, this one and ``jobs - 1``
    forked workers, yielded as (i, result, None), or (i, None, error) for a piece that raised,
    or whose worker died or returned what does not pickle. The pieces go out in index order,
    one at a time to whichever process is free (the workers the first ``jobs - 1``, this
    process the next), so the caller puts the longest first. This process working too spares
    the memory of one more worker: each one ends up with its own copy of every page of data it
    reads."""
    global _WORK, _POOL_OPEN
    import multiprocessing
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, ProcessPoolExecutor, as_completed, wait

    if _POOL_OPEN or jobs < 2 or count < 2:
        # This process is running a piece of an open map beside its pool's threads: a fork
        # now could copy into the child a lock one of them holds, so the pieces run here.
        for i in range(count):
            yield _here(work, i)
        return
    # Restored after: a worker of one map may run a map of its own, then take its next piece.
    previous, _WORK = _WORK, work
    remaining = deque(range(count))
    futures: dict[Any, int] = {}
    done: set[int] = set()
    # One piece per worker at a time: a piece queued behind a long one would be bound to that
    # worker, though this process may be free long before (the feeder hands out the next one).
    ahead = jobs - 1
    lock = threading.Lock()  # guards `remaining` and `futures`: this process and the feeder take pieces
    closing = threading.Event()
    try:
        with ProcessPoolExecutor(max_workers=jobs - 1, mp_context=multiprocessing.get_context("fork")) as pool:

            def feed(keep: int) -> bool:
                """Give each idle worker a piece; False once no more can go."""
                with lock:
                    while len(remaining) > keep and sum(not f.done() for f in futures) < ahead:
                        if closing.is_set():
                            return False
                        try:
                            futures[pool.submit(_call, remaining[0])] = remaining[0]
                        except (BrokenExecutor, RuntimeError):  # a worker died, or the map is closing
                            return False
                        remaining.popleft()
                    return bool(remaining)

            def keep_fed() -> None:
                # A worker that finishes while this process is busy with a long piece of its
                # own gets its next piece at once, not when this process's piece ends.
                while not closing.is_set():
                    with lock:
                        waiting = [f for f in futures if not f.done()]
                    if waiting:
                        wait(waiting, return_when=FIRST_COMPLETED)
                    if not feed(keep=0):  # nothing left to hand out, or no worker to take it
                        return

            feed(keep=1)  # the workers are forked here, before the pool's threads start
            _POOL_OPEN = True

            def take() -> int | None:
                with lock:
                    return remaining.popleft() if remaining else None

            mine = take()  # this process's first piece, before the feeder could hand it out
            feeder = threading.Thread(target=keep_fed, name="dqlint-feeder", daemon=True)
            feeder.start()
            try:
                while mine is not None:
                    done.add(mine)
                    yield _here(work, mine)
                    mine = take()
                feeder.join()
                for future in as_completed(futures):
                    done.add(futures[future])
                    try:
                        yield futures[future], future.result(), None
                    except BaseException as exc:  # noqa: BLE001 - reported to the caller, which decides
                        yield futures[future], None, exc
            finally:
                closing.set()  # also when the caller stops early: the feeder submits nothing more
    except OSError as exc:  # no worker could be started (fork refused: out of processes or memory)
        for i in range(count):
            if i not in done:
                yield i, None, exc
    finally:
        _WORK, _POOL_OPEN = previous, False


# CPython's cyclic garbage collector runs a full collection, which walks every container
# object alive (each list, tuple, dict and finding a rule holds), about each time the long-lived
# heap has grown by a quarter. A check over a million rows builds tens of millions of
# such objects that live until its report is written and are almost never cyclic garbage
# (721 unreachable objects over a whole 100k-row check): those walks were 26 s of a 146 s check
# at 1M rows. Young collections, which find nearly all cyclic garbage, stay as they are.
FULL_COLLECTION_EVERY = 1000  # collections of the middle generation (Python's default: 10)
_collector_lock = threading.Lock()
_collector_users = 0
_collector_saved: tuple[int, ...] = ()


@contextmanager
def rare_full_collections() -> Iterator[None]:
    """Full collections at most once per ``FULL_COLLECTION_EVERY`` middle-generation ones for
    the block (about once per 7 million objects made); the thresholds as they were after the
    last of nested or concurrent blocks ends."""
    global _collector_users, _collector_saved
    with _collector_lock:
        if _collector_users == 0:
            _collector_saved = gc.get_threshold()
            young, middle, full = _collector_saved
            gc.set_threshold(young, middle, max(full, FULL_COLLECTION_EVERY))
        _collector_users += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_users -= 1
            if _collector_users == 0:
                gc.set_threshold(*_collector_saved)
