"""The Dask engine: the per-article batches of a build run on a Dask cluster.

By default a LocalCluster of `workers` processes on this machine; with `scheduler` (an address
such as `tcp://10.0.0.5:8786`) the workers of an existing cluster, started by dask-jobqueue,
dask-kubernetes or `dask worker` (see README, "Performance"). Workers need the same environment
as the client: Revue installed and the spaCy model wheels. Each worker loads a model once
(`pipeline.work.model`) and keeps it for every batch it runs. Results come back to the client,
which writes the cache parts and resolves the entities, so workers need no shared filesystem.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED
from typing import Any, TypeVar

from pipeline.engine import IN_FLIGHT_PER_WORKER

T = TypeVar("T")
R = TypeVar("R")


class DaskEngine:
    """Runs tasks on Dask workers; the client keeps a few tasks in flight per worker."""

    in_process = False

    def __init__(self, *, workers: int = 2, scheduler: str | None = None,
                 processes: bool = True) -> None:
        from distributed import Client, LocalCluster

        self._cluster: Any = None
        if scheduler:
            self._client = Client(scheduler, timeout="20s")
        else:
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                         processes=processes, dashboard_address=None,
                                         silence_logs=logging.CRITICAL)
            self._client = Client(self._cluster)
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})) or workers)

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        from distributed import wait

        limit = self.workers * IN_FLIGHT_PER_WORKER
        pending: set[Any] = set()
        for task in tasks:
            pending.add(self._client.submit(fn, task, pure=False))
            if len(pending) >= limit:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (future.result() for future in done)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (future.result() for future in done)

    def close(self) -> None:
        """Close the client (and our cluster) quietly: a worker's heartbeat racing the shutdown
        is logged by distributed as a traceback, which is noise to a user whose build is done."""
        logger = logging.getLogger("distributed")
        level = logger.level
        logger.setLevel(logging.CRITICAL)
        try:
            self._client.close()
            if self._cluster is not None:
                self._cluster.close()
        finally:
            logger.setLevel(level)
