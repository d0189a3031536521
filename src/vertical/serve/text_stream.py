"""One generation as an async stream of text pieces: transformers' ``generate`` in a worker thread.

``generate`` runs in a thread with a streamer that hands each new token to the event loop; the
loop decodes the tokens so far and yields what is new (a piece that ends inside a multi-byte
character waits for the rest). Stop strings are cut off with everything after them and end the
generation, as does a cancelled request (a client gone, a timeout): a stopping criterion checks a
flag before each token, so the thread stops within one step and frees its slot.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import torch
from transformers import StoppingCriteria, StoppingCriteriaList
from transformers.generation.streamers import BaseStreamer

from vertical.serve.generation_limits import GenerationTimeoutError


@dataclass
class StreamState:
    """What a finished (or stopped) stream did."""

    prompt_tokens: int
    completion_tokens: int = 0
    finish_reason: str = "length"  # stop: end of text or a stop string; length: max_tokens reached
    text: str = ""
    first_token_s: float | None = None  # seconds from the start to the first piece
    cancel: threading.Event = field(default_factory=threading.Event)


class _LoopStreamer(BaseStreamer):
    """Hands generated token ids (not the prompt) to an asyncio queue; None marks the end."""

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> None:
        self.loop, self.queue, self.prompt_seen = loop, queue, False

    def put(self, value) -> None:
        if not self.prompt_seen:  # generate() first pushes the prompt
            self.prompt_seen = True
            return
        self.loop.call_soon_threadsafe(self.queue.put_nowait, value.reshape(-1).tolist())

    def end(self) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, None)


class _Cancelled(StoppingCriteria):
    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, input_ids, scores, **kwargs) -> torch.BoolTensor:
        return torch.full(
            (input_ids.shape[0],), self.event.is_set(), dtype=torch.bool, device=input_ids.device
        )


def _held_back(text: str, stops: Sequence[str]) -> int:
    """How many characters at the end of `text` could be the start of a stop string."""
    longest = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, len(text)), longest, -1):
            if text.endswith(stop[:size]):
                longest = size
                break
    return longest


async def stream_text(
    model,
    tokenizer,
    input_ids: list[int],
    max_tokens: int,
    temperature: float,
    top_p: float,
    stop: Sequence[str],
    deadline: float,
    state: StreamState,
    seed: int | None = None,
) -> AsyncIterator[str]:
    """The pieces of text the model writes after `input_ids`, stop strings cut; fills `state`.

    Args:
        deadline: ``time.monotonic()`` past which the generation is stopped.

    Raises:
        GenerationTimeoutError: the deadline passed before the end (the generation is stopped).
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    ids = torch.tensor([input_ids])  # (1, T)
    options = {"do_sample": temperature > 0, "max_new_tokens": max_tokens}
    if temperature > 0:
        options.update(temperature=temperature, top_p=top_p, top_k=0)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    def run():
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            try:
                return model.generate(
                    input_ids=ids,
                    attention_mask=torch.ones_like(ids),
                    pad_token_id=pad,
                    streamer=_LoopStreamer(loop, queue),
                    stopping_criteria=StoppingCriteriaList([_Cancelled(state.cancel)]),
                    **options,
                )
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, None)  # an error in generate ends the stream too

    started = time.monotonic()
    worker = loop.run_in_executor(None, run)
    tokens: list[int] = []
    sent = 0  # characters of the decoded text already yielded
    cut = -1  # where a stop string began, once one did
    eos = set(_as_list(getattr(model.generation_config, "eos_token_id", None))) | {tokenizer.eos_token_id}
    try:
        while cut < 0:
            remaining = deadline - time.monotonic()
            try:
                new = await asyncio.wait_for(queue.get(), max(remaining, 0.0))
            except TimeoutError:
                raise GenerationTimeoutError("the generation ran past its time limit") from None
            if new is None:
                break
            tokens += new
            state.completion_tokens = len(tokens)
            if tokens[-1] in eos:
                state.finish_reason = "stop"
            text = tokenizer.decode(tokens, skip_special_tokens=True)
            if text.endswith("\ufffd"):
                continue  # the rest of a character comes with the next token
            cut = min((text.find(s) for s in stop if s and s in text), default=-1)
            if cut >= 0:
                text, state.finish_reason = text[:cut], "stop"
                state.cancel.set()
            end = len(text) if cut >= 0 else len(text) - _held_back(text, stop)
            if end > sent:
                if state.first_token_s is None:
                    state.first_token_s = time.monotonic() - started
                yield text[sent:end]
                sent = end
            state.text = text[:end]
        output = await worker
        if cut < 0:
            if output.shape[1] - len(input_ids) < max_tokens:
                state.finish_reason = "stop"  # ended before its budget: an end-of-text token
            text = tokenizer.decode(tokens, skip_special_tokens=True)
            if len(text) > sent:  # what was held back for a stop string that never came
                if state.first_token_s is None:
                    state.first_token_s = time.monotonic() - started
                yield text[sent:]
            state.text = text
    finally:
        state.cancel.set()  # a client gone or a timeout: stop the thread at its next token


def _as_list(value) -> list[int]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [int(value)]
