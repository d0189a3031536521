"""Conversations to token ids with the base model's own chat template; the loss on assistant tokens only.

`render_conversation` renders the growing prefixes of a conversation with
``tokenizer.apply_chat_template`` and marks as the assistant's the tokens each assistant turn
adds after its generation prompt (``add_generation_prompt=True``): the answer and the template's
end-of-turn marker, so the model learns to stop. This works with any template, where
transformers' ``return_assistant_tokens_mask`` needs ``{% generation %}`` tags that few
templates carry. Returns ``input_ids`` and ``assistant_masks``, the columns TRL's `SFTTrainer`
turns into labels (-100 where the mask is 0).

`stop_token_ids` reads the end-of-turn token from the rendered template and checks it against
the model's end-of-sequence ids: a template that ends turns with ``<end_of_turn>`` while
``generation_config.eos_token_id`` says ``<eos>`` makes a tuned model run on forever;
`align_stop_tokens` adds the turn's end to the generation config.
"""

from __future__ import annotations

from collections.abc import Sequence

from vertical.errors import ModelError


def _ids(tokenizer, messages: Sequence[dict[str, str]], generation_prompt: bool) -> list[int]:
    rendered = tokenizer.apply_chat_template(
        list(messages), tokenize=False, add_generation_prompt=generation_prompt
    )
    return tokenizer(rendered, add_special_tokens=False)["input_ids"]


def check_chat_template(tokenizer, where: str) -> None:
    """Raise a `ModelError` naming `where` when the tokenizer has no chat template."""
    if not getattr(tokenizer, "chat_template", None):
        raise ModelError(
            f"{where}: the tokenizer has no chat template; instruction tuning renders conversations with "
            "it (builtin:smollm2 and builtin:gemma3 carry one; set tokenizer.chat_template and save)"
        )


def render_conversation(
    tokenizer, messages: Sequence[dict[str, str]], max_length: int
) -> dict[str, list[int]]:
    """``{"input_ids": [...], "assistant_masks": [...]}`` of `messages` (see the module docstring).

    The sequence is cut at `max_length` tokens; a conversation whose first answer token lies past
    the cut gets an all-zero mask (TRL drops nothing: it scores nothing).
    """
    input_ids: list[int] = []
    mask: list[int] = []
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prompt = _ids(tokenizer, messages[:index], generation_prompt=True)
        full = _ids(tokenizer, messages[: index + 1], generation_prompt=False)
        if full[: len(input_ids)] != input_ids or full[: len(prompt)] != prompt:
            # a template that rewrites earlier turns (e.g. drops reasoning): fall back to token diffs
            common = next(
                (i for i, (a, b) in enumerate(zip(prompt, full, strict=False)) if a != b), len(prompt)
            )
            prompt = full[:common]
        mask = mask + [0] * (len(prompt) - len(mask))
        mask = mask[: len(prompt)] + [1] * (len(full) - len(prompt))
        input_ids = full
    if not input_ids:  # no assistant turn: nothing to learn from
        input_ids = _ids(tokenizer, messages, generation_prompt=False)
        mask = [0] * len(input_ids)
    return {"input_ids": input_ids[:max_length], "assistant_masks": mask[:max_length]}


def prompt_ids(tokenizer, messages: Sequence[dict[str, str]]) -> list[int]:
    """Token ids of `messages` followed by the template's generation prompt: what `generate` continues."""
    return _ids(tokenizer, messages, generation_prompt=True)


def end_of_turn_token(tokenizer) -> int | None:
    """The id of the special token that closes an assistant turn in the chat template, if any."""
    probe = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    prompt = _ids(tokenizer, probe[:1], generation_prompt=True)
    turn = _ids(tokenizer, probe, generation_prompt=False)[len(prompt) :]
    special = set(tokenizer.all_special_ids)
    added = set(getattr(tokenizer, "added_tokens_decoder", {}) or {})
    return next((token for token in turn if token in special or token in added), None)


def stop_token_ids(tokenizer, generation_config=None) -> list[int]:
    """The ids that end generation: the end-of-turn token of the template and the model's EOS ids."""
    stops: list[int] = []
    turn_end = end_of_turn_token(tokenizer)
    if turn_end is not None:
        stops.append(turn_end)
    configured = getattr(generation_config, "eos_token_id", None) if generation_config is not None else None
    for token in [configured] if isinstance(configured, int) else list(configured or []):
        if token not in stops:
            stops.append(token)
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in stops:
        stops.append(tokenizer.eos_token_id)
    return stops


def align_stop_tokens(model, tokenizer) -> list[int]:
    """Make `model.generation_config.eos_token_id` include the template's end of turn; returns the ids."""
    stops = stop_token_ids(tokenizer, model.generation_config)
    model.generation_config.eos_token_id = stops if len(stops) > 1 else stops[0]
    if model.generation_config.pad_token_id is None:
        model.generation_config.pad_token_id = tokenizer.pad_token_id
    return stops
