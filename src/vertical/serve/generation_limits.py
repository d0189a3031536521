"""Limits of text generation on the server: tokens in and out, a bounded queue, a time limit.

Generation is the expensive call: one request holds a model for seconds. At most
`max_concurrent` generations run at once; up to `max_queued` more wait for a turn; a request
past that is refused at once with 429 (the client retries later) instead of piling up until
every request times out. A request's `timeout_s` counts its wait in the queue and its
generation; past it the generation is stopped (504, or an error event in a stream).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass(frozen=True)
class GenerationLimits:
    """What a generation request may ask for.

    Attributes:
        max_prompt_tokens: a longer prompt (after the chat template and the sources) is refused (400).
        max_output_tokens: the most tokens one answer may have; ``max_tokens`` above it is refused (422).
        max_concurrent: generations that run at the same time.
        max_queued: requests that may wait for a turn; more are refused with 429.
        timeout_s: the longest a request may take, its wait included.
    """

    max_prompt_tokens: int = 2048
    max_output_tokens: int = 512
    max_concurrent: int = 1
    max_queued: int = 8
    timeout_s: float = 120.0


class QueueFullError(Exception):
    """Every generation slot is taken and the queue is full: answer 429."""


class GenerationTimeoutError(Exception):
    """The request waited or generated past its time limit: answer 504."""


class GenerationQueue:
    """Admits at most ``max_concurrent + max_queued`` requests; runs ``max_concurrent`` at a time.

    Use ``await queue.acquire(timeout_s)`` then ``queue.release()`` (a stream releases when it
    ends, after the HTTP response has started, so there is no ``async with`` around it).
    """

    def __init__(self, max_concurrent: int = 1, max_queued: int = 8) -> None:
        self.max_concurrent = max_concurrent
        self.max_queued = max_queued
        self.admitted = 0  # running + waiting
        self._slots: asyncio.Semaphore | None = None  # made in the event loop

    @property
    def running(self) -> int:
        return 0 if self._slots is None else self.max_concurrent - self._slots._value

    async def acquire(self, timeout_s: float) -> None:
        """Wait for a slot.

        Raises:
            QueueFullError: the queue is full (nothing was taken).
            GenerationTimeoutError: no slot came within `timeout_s` (nothing was taken).
        """
        if self.admitted >= self.max_concurrent + self.max_queued:
            raise QueueFullError(
                f"{self.max_concurrent} generation(s) running and {self.max_queued} waiting; retry later"
            )
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_concurrent)
        self.admitted += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout_s)
        except TimeoutError:
            self.admitted -= 1
            raise GenerationTimeoutError(f"no generation slot within {timeout_s:g} s") from None
        except BaseException:
            self.admitted -= 1
            raise

    def release(self) -> None:
        """Give back a slot taken by `acquire`."""
        assert self._slots is not None
        self._slots.release()
        self.admitted -= 1
