"""Ray itself: connect (or start a local instance), run a function over the blocks with Ray Data,
and turn a failure of the cluster into a run that could not be judged.

``ray`` is imported here only, and only when the engine is ray.
"""

from __future__ import annotations

import logging
import os
import pickle
import warnings
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence, TypeVar

from dqlint.errors import DqlintError, UsageError, first_line

__all__ = ["RayRunError", "ray_session", "map_blocks", "cluster_cpus"]

T = TypeVar("T")
TASK_RETRIES = 1


class RayRunError(DqlintError):
    """The Ray cluster failed (a worker died, a task could not run): the run cannot be judged."""


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise UsageError("--engine ray needs Ray: pip install 'dqlint[ray]' (or pip install 'ray[data]')") from None
    return ray


@contextmanager
def ray_session(address: str | None) -> Iterator[Any]:
    """Ray, connected to ``address`` or to a local instance started for this run (stopped after).
    Ray Data's progress bars and logs are silenced: dqlint reports its own progress."""
    ray = _import_ray()
    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = dict(include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False, configure_logging=True)
        try:
            if address:
                ray.init(address=address, **kwargs)
            else:
                ray.init(num_cpus=os.cpu_count() or 1, **kwargs)
        except Exception as exc:  # an unreachable cluster, a refused connection
            raise RayRunError(f"cannot start or reach Ray{f' at {address}' if address else ''}: {first_line(exc)}") from None
        started = True
    from dqlint.engine.ray.dedup import SHUFFLE_STRATEGY

    restore = _quiet_ray(ray)
    context = ray.data.DataContext.get_current()
    shuffle_before = context.shuffle_strategy
    context.shuffle_strategy = SHUFFLE_STRATEGY
    context.enable_progress_bars = False
    context.enable_operator_progress_bars = False
    context.print_on_execution_start = False
    context.enable_auto_log_stats = False
    try:
        yield ray
    finally:
        restore()
        context.shuffle_strategy = shuffle_before
        if started:
            ray.shutdown()


def _quiet_ray(ray: Any) -> Callable[[], None]:
    """Keep stdout for the report and stderr for one line: Ray prints cluster errors ("a worker
    died ...") to the driver's stdout from a background thread, and Ray Data logs tracebacks.
    Both are dropped during the run; a failure reaches the user as dqlint's one-line error,
    which carries Ray's reason. Other output of the workers goes to stderr."""
    worker = ray._private.worker
    printer = worker.print_to_stdstream

    def to_stderr(data: dict, ignore_prefix: bool) -> None:
        if data.get("pid") != "raylet":
            printer({**data, "is_err": True}, ignore_prefix)

    worker.print_to_stdstream = to_stderr
    loggers = [logging.getLogger(name) for name in ("ray.data", "ray")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)

    def restore() -> None:
        worker.print_to_stdstream = printer
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)

    return restore


def cluster_cpus(ray: Any) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def map_blocks(ray: Any, items: Sequence[Any], fn: Callable[[Any], T]) -> list[T]:
    """``fn`` over every item on the cluster (one Ray Data task per item), results in item order.
    A failure of a worker or of ``fn`` outside a rule ends the run: a DqlintError raised by
    ``fn`` (an unreadable input) keeps its one-line message, anything else is a RayRunError."""
    if not items:
        return []
    payload = list(items)

    def task(row: dict[str, Any]) -> dict[str, Any]:
        return {"i": row["i"], "out": pickle.dumps(fn(payload[row["i"]]), protocol=pickle.HIGHEST_PROTOCOL)}

    rows = ray.data.from_items([{"i": i} for i in range(len(payload))], override_num_blocks=len(payload))
    try:
        # Ray Data retries a task whose worker died without end; one retry covers a lost node,
        # a worker that dies again is a failure of the run (exit 2), not a hang.
        with warnings.catch_warnings():  # Ray 2.60 warns that remote args as keywords are deprecated
            warnings.simplefilter("ignore")
            done = rows.map(task, max_retries=TASK_RETRIES).take_all()
    except Exception as exc:
        raise _as_dqlint_error(exc) from None
    done.sort(key=lambda r: r["i"])
    return [pickle.loads(r["out"]) for r in done]


def _as_dqlint_error(exc: BaseException) -> DqlintError:
    """The DqlintError a worker raised, found through Ray's wrappers; else a RayRunError."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, DqlintError):
            return type(current)(str(current))
        todo += [current.__cause__, current.__context__, getattr(current, "cause", None)]
    return RayRunError(f"the Ray engine could not finish the check (a worker failed): {_short(exc)}")


def _short(exc: BaseException) -> str:
    """A one-line reason from a Ray exception (whose text starts with a task header)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(("ray::", "Traceback", "File ", "The above"))]
    text = (useful[-1] if useful else type(exc).__name__)[:300]
    return f"{type(exc).__name__}: {text}" if type(exc).__name__ not in text else text
