"""`vertical chat`: the model folder of a run is found, replies stream and the conversation grows."""

from __future__ import annotations

import shutil

import pytest

from vertical.chat import chat_loop, chat_model_folder, stream_reply
from vertical.errors import ModelError


def test_finds_the_vertical_instruct_model_of_a_run(tiny_llama_dir, tmp_path):
    model = tmp_path / "run" / "finetune" / "facts" / "vertical" / "model"
    shutil.copytree(tiny_llama_dir, model)
    assert chat_model_folder(tmp_path / "run") == model
    assert chat_model_folder(tiny_llama_dir) == tiny_llama_dir
    with pytest.raises(ModelError, match="no chat model found"):
        chat_model_folder(tmp_path / "run", variant="general")


def test_chat_loop_streams_replies_and_keeps_the_history(tiny_llama_dir, monkeypatch):
    turns = iter(["Which sector is Voman Group in?", "/reset", "And Quorvane?", ""])
    written: list[str] = []
    seen: list[int] = []
    original = stream_reply

    def counting(model, tokenizer, messages, *args):
        seen.append(len(messages))
        yield from original(model, tokenizer, messages, *args)

    monkeypatch.setattr("vertical.chat.stream_reply", counting)
    chat_loop(tiny_llama_dir, lambda prompt: next(turns), written.append, max_new_tokens=5)
    assert written.count("model> ") == 2 and len(written) > 4  # pieces streamed between the prompts
    assert seen == [1, 1]  # /reset started the second conversation afresh
