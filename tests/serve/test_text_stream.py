"""One generation as a stream: the same text as plain generate, stop strings cut, redaction by sentence."""

from __future__ import annotations

import asyncio
import time

import torch

from vertical.generate import load_generator
from vertical.serve.openai_api import _Redacting
from vertical.serve.redaction import Redactor
from vertical.serve.text_stream import StreamState, _held_back, stream_text


def _stream(generator, ids, max_tokens, stop=()):
    state = StreamState(prompt_tokens=len(ids))

    async def collect():
        pieces = stream_text(
            generator.model,
            generator.tokenizer,
            ids,
            max_tokens,
            0.0,
            1.0,
            list(stop),
            time.monotonic() + 60,
            state,
        )
        return [piece async for piece in pieces]

    return asyncio.run(collect()), state


def test_the_stream_is_plain_generate_and_a_stop_string_cuts_it(tiny_llama_dir):  # noqa: F811
    generator = load_generator(tiny_llama_dir, "chat")
    ids = generator.tokenizer("Zorvex 3 is a firm in", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        output = generator.model.generate(
            torch.tensor([ids]),
            attention_mask=torch.ones(1, len(ids), dtype=torch.long),
            max_new_tokens=20,
            do_sample=False,
            pad_token_id=generator.tokenizer.pad_token_id,
        )
    reference = generator.tokenizer.decode(output[0, len(ids) :], skip_special_tokens=True)
    pieces, state = _stream(generator, ids, 20)
    assert "".join(pieces) == state.text == reference and len(pieces) > 1
    assert state.completion_tokens == output.shape[1] - len(ids) and state.finish_reason in ("stop", "length")
    stop = reference[6:9]
    cut = reference.find(stop)
    pieces, state = _stream(generator, ids, 20, stop=[stop])
    assert "".join(pieces) == reference[:cut] and state.finish_reason == "stop"
    assert state.completion_tokens < 20


def test_held_back_is_the_longest_tail_that_could_start_a_stop_string():
    assert _held_back("answer: yes\nUs", ["\nUser:"]) == 3
    assert _held_back("answer", ["\nUser:"]) == 0
    assert _held_back("a#", ["##", "#!"]) == 1


def test_a_redacted_stream_sends_whole_sentences_with_personal_data_replaced():
    redacting = _Redacting(Redactor(True))
    pieces = ["Call me on +1 415 ", "555 0132 today. Or mail ", "jane.doe@example.com", " please"]
    sent = [redacting.feed(piece) for piece in pieces] + [redacting.flush()]
    assert sent[0] == "" and "555" not in "".join(sent) and "jane.doe" not in "".join(sent)
    assert "".join(sent) == Redactor(True).text("".join(pieces))
    assert _Redacting(Redactor(False)).feed("+1 415 555 0132") == "+1 415 555 0132"
