"""`vertical chat RUN_DIR`: talk to a run's vertical LLM in the terminal, its tokens streamed as they come.

RUN_DIR is a run folder (the model of its first ``instruct`` task's ``vertical`` variant is used,
or ``--task``/``--variant``) or any model folder with a chat template. Each turn is rendered with
the model's chat template, generated greedily (or sampled with ``--temperature``) and stopped at
the template's end of turn. ``/reset`` starts a new conversation; an empty line or ``/quit`` ends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from threading import Thread

from vertical.errors import ModelError


def chat_model_folder(run_dir: Path, task: str | None = None, variant: str = "vertical") -> Path:
    """The model folder to chat with: `run_dir` itself, or a task model of the run folder `run_dir`."""
    run_dir = Path(run_dir)
    if (run_dir / "config.json").is_file():
        return run_dir
    finetune = run_dir / "finetune"
    tasks = [task] if task else sorted(p.parent.parent.name for p in finetune.glob(f"*/{variant}/model"))
    for name in tasks:
        folder = finetune / name / variant / "model"
        has_template = (folder / "chat_template.jinja").is_file() or _has_template(folder)
        if (folder / "config.json").is_file() and has_template:
            return folder
    raise ModelError(
        f"{run_dir}: no chat model found (looked for finetune/<task>/{variant}/model with a chat template); "
        "pass a run folder with an instruct task or a model folder"
    )


def _has_template(folder: Path) -> bool:
    config = folder / "tokenizer_config.json"
    return config.is_file() and "chat_template" in json.loads(config.read_text(encoding="utf-8"))


def stream_reply(
    model, tokenizer, messages: list[dict[str, str]], max_new_tokens: int = 256, temperature: float = 0.0
) -> Iterator[str]:
    """The model's reply to `messages`, piece by piece as it is generated."""
    import torch
    from transformers import TextIteratorStreamer

    from vertical.instruct.template import prompt_ids, stop_token_ids

    ids = torch.tensor([prompt_ids(tokenizer, messages)])
    streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
    sampling = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
    arguments = dict(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        max_new_tokens=max_new_tokens,
        eos_token_id=stop_token_ids(tokenizer, model.generation_config),
        pad_token_id=tokenizer.pad_token_id,
        streamer=streamer,
        **sampling,
    )
    worker = Thread(target=model.generate, kwargs=arguments, daemon=True)
    worker.start()
    yield from streamer
    worker.join()


def chat_loop(
    folder: Path,
    read: Callable[[str], str],
    write: Callable[[str], None],
    max_new_tokens: int = 256,
    temperature: float = 0.0,
    system: str | None = None,
) -> None:
    """Read turns with `read` until an empty line or /quit, write the streamed replies with `write`."""
    from vertical.instruct.template import check_chat_template
    from vertical.models import load_causal_lm, load_tokenizer

    tokenizer = load_tokenizer(folder)
    check_chat_template(tokenizer, str(folder))
    model = load_causal_lm(folder).eval()
    start = [{"role": "system", "content": system}] if system else []
    messages = list(start)
    while True:
        try:
            text = read("you> ").strip()
        except EOFError:
            return
        if not text or text == "/quit":
            return
        if text == "/reset":
            messages = list(start)
            continue
        messages.append({"role": "user", "content": text})
        write("model> ")
        reply = "".join(
            piece
            for piece in _echo(stream_reply(model, tokenizer, messages, max_new_tokens, temperature), write)
        )
        write("\n")
        messages.append({"role": "assistant", "content": reply.strip()})


def _echo(pieces: Iterator[str], write: Callable[[str], None]) -> Iterator[str]:
    for piece in pieces:
        write(piece)
        yield piece
