"""Engines: who runs the per-article batches of a build (`pipeline.work`), and where.

    local  this process, one batch after another (`--workers 1`)
    pool   N worker processes on this machine (`--workers N`), each loading spaCy once
    dask   a Dask cluster (`--engine dask`, see pipeline/distributed.py)

Every engine has one method that matters: `map(fn, tasks)` yields `fn(task)` for each task as it
finishes, in any order, with at most a few tasks in flight per worker so memory holds a bounded
number of batches whatever the corpus size.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")
IN_FLIGHT_PER_WORKER = 2  # one running, one queued: workers never wait, memory stays bounded


class Engine(Protocol):
    workers: int
    in_process: bool  # True: tasks run here, so models loaded by the caller can be used as is

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]: ...

    def close(self) -> None: ...


class LocalEngine:
    """Runs every task in this process, in order."""

    workers = 1
    in_process = True

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        pass


def _warm() -> None:
    """Worker start-up: import the heavy modules once, before the first batch arrives."""
    import pipeline.work  # noqa: F401


class PoolEngine:
    """Runs tasks in `workers` processes of this machine.

    Processes start from a fork server that has already imported pandas, spaCy and the pipeline,
    so starting one is cheap and safe even from a threaded caller (the dashboard); each worker
    then loads a model on its first batch and keeps it.
    """

    in_process = False

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(),
                                         initializer=_warm)

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        return windowed(lambda task: self._pool.submit(fn, task), tasks,
                        self.workers * IN_FLIGHT_PER_WORKER)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _context() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pipeline.work"])
    return context


def prestart(name: str, workers: int, models: Sequence[str] = ()) -> None:
    """Start the pool's fork server now, so its imports (~3 s) and the loading of `models`
    (spaCy packages, ~3 s each) overlap the caller's ingest: workers fork with them loaded."""
    if name == "local" and workers > 1:
        from multiprocessing import forkserver

        from pipeline.work import PRELOAD_ENV

        _context()
        previous = os.environ.get(PRELOAD_ENV)
        os.environ[PRELOAD_ENV] = ",".join(models)  # seen by the fork server alone
        try:
            forkserver.ensure_running()
        finally:
            if previous is None:
                os.environ.pop(PRELOAD_ENV, None)
            else:
                os.environ[PRELOAD_ENV] = previous


def windowed(submit: Callable[[Any], Future[R]], tasks: Iterable[Any], limit: int
             ) -> Iterator[R]:
    """Submit tasks keeping at most `limit` unfinished; yield results as they complete."""
    pending: set[Future[R]] = set()
    for task in tasks:
        pending.add(submit(task))
        if len(pending) >= limit:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            yield future.result()


def make_engine(name: str, workers: int, scheduler: str | None = None) -> Engine:
    """Return the engine called `name` (`local` or `dask`) with `workers` workers."""
    if name == "dask":
        from pipeline.distributed import DaskEngine

        return DaskEngine(workers=workers, scheduler=scheduler)
    if name != "local":
        raise ValueError(f"unknown engine {name!r}: use 'local' or 'dask'")
    if workers <= 1:
        return LocalEngine()
    return PoolEngine(workers)
