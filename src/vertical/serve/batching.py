"""Dynamic micro-batching: texts of concurrent requests to one model run as one batch.

A model forward pass on 32 texts costs far less than 32 passes on one text, so single-text
requests that arrive together are worth merging. One asyncio task per model takes a request from
the queue, adds whatever else is already waiting (and what arrives within `max_wait_ms`) up to
`max_batch_texts`, runs the model once in a worker thread, and hands each request its rows.
While the model runs, new requests queue up and form the next batch; so under load batches grow
by themselves and an idle server answers a lone request without waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np

Predict = Callable[[list[str]], np.ndarray]


class MicroBatcher:
    """Merges concurrent `submit` calls into batched calls of `predict` (texts -> (N, C) array)."""

    def __init__(
        self,
        predict: Predict,
        max_batch_texts: int = 64,
        max_wait_ms: float = 2.0,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self.predict = predict
        self.max_batch_texts = max_batch_texts
        self.max_wait_s = max_wait_ms / 1000.0
        self.on_batch = on_batch  # called with the size of each batch run (for /metrics)
        self._queue: asyncio.Queue | None = None
        self._worker: asyncio.Task | None = None

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._worker = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass

    async def submit(self, texts: list[str]) -> np.ndarray:
        """The predictions for `texts`, computed in a batch with other waiting requests."""
        assert self._queue is not None, "MicroBatcher.start() was not awaited"
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        await self._queue.put((texts, future))
        return await future

    async def _gather(self) -> list[tuple[list[str], asyncio.Future]]:
        assert self._queue is not None
        pending = [await self._queue.get()]
        count = len(pending[0][0])
        deadline = asyncio.get_running_loop().time() + self.max_wait_s
        while count < self.max_batch_texts:
            if self._queue.empty():
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    item = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    break
            else:
                item = self._queue.get_nowait()
            pending.append(item)
            count += len(item[0])
        return pending

    async def _run(self) -> None:
        while True:
            pending = await self._gather()
            texts = [text for request_texts, _ in pending for text in request_texts]
            try:
                rows = await asyncio.to_thread(self.predict, texts)  # (N, C)
            except Exception as error:  # noqa: BLE001 - each waiting request gets the failure
                for _, future in pending:
                    if not future.done():
                        future.set_exception(error)
                continue
            if self.on_batch is not None:
                self.on_batch(len(texts))
            start = 0
            for request_texts, future in pending:
                if not future.done():  # a client that went away leaves a cancelled future
                    future.set_result(rows[start : start + len(request_texts)])
                start += len(request_texts)
