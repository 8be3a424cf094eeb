"""Using this machine's cores: how many a process may use, and an ordered map over a process pool."""

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from multiprocessing.context import BaseContext
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def usable_cores() -> int:
    """Cores this process may use (its CPU affinity, which containers and taskset narrow)."""
    return len(os.sched_getaffinity(0))


def fresh_process_context() -> BaseContext:
    """Workers that start as fresh interpreters (forkserver, else spawn) instead of forked copies of this
    process: for work that runs polars (whose thread pool must not be forked) or holds a big heap."""
    return mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")


def batched(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """Lists of ``size`` items (the last may be shorter), taken as they are asked for."""
    items = iter(items)
    while chunk := list(islice(items, size)):
        yield chunk


def process_map(fn: Callable[[Item], Result], items: Iterable[Item], *, workers: int, batch: int,
                initializer: Callable[[], None] | None = None,
                mp_context: BaseContext | None = None) -> Iterator[Result]:
    """``fn(item)`` for every item, in order, on a pool of ``workers`` processes.

    Items are taken ``batch`` at a time as the pool needs them, at most 2 x workers batches ahead
    (``pool.map`` would take them all at once), so only the batches in flight hold their inputs and
    results. ``fn`` must be a module-level function (it is pickled by name).
    """
    with ProcessPoolExecutor(workers, initializer=initializer, mp_context=mp_context) as pool:
        pending: deque[Future] = deque()
        for chunk in batched(items, batch):
            pending.append(pool.submit(_apply, fn, chunk))
            if len(pending) > 2 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _apply(fn: Callable, chunk: list) -> list:
    return [fn(item) for item in chunk]
