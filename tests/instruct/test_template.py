"""Chat-template rendering: loss on the assistant's tokens only, the end of turn included and stopped at."""

from __future__ import annotations

from transformers import AutoModelForCausalLM, AutoTokenizer

from vertical.instruct.template import (
    align_stop_tokens,
    end_of_turn_token,
    prompt_ids,
    render_conversation,
    stop_token_ids,
)

CONVERSATION = [
    {"role": "user", "content": "Which sector is Voman Group in?"},
    {"role": "assistant", "content": "banking"},
    {"role": "user", "content": "And where is it based?"},
    {"role": "assistant", "content": "Zelmar"},
]


def _masked_text(tokenizer, rendered: dict, keep: int) -> str:
    ids = [t for t, m in zip(rendered["input_ids"], rendered["assistant_masks"], strict=True) if m == keep]
    return tokenizer.decode(ids)


def test_only_assistant_tokens_carry_loss(tiny_chat_decoder):
    tokenizer = AutoTokenizer.from_pretrained(tiny_chat_decoder)
    rendered = render_conversation(tokenizer, CONVERSATION, 512)
    whole = tokenizer.apply_chat_template(CONVERSATION, tokenize=False)
    assert tokenizer.decode(rendered["input_ids"]) == whole
    learned = _masked_text(tokenizer, rendered, 1)
    ignored = _masked_text(tokenizer, rendered, 0)
    assert "banking" in learned and "Zelmar" in learned
    assert "Voman" not in learned and "based" not in learned  # no loss on user tokens
    assert "Voman" in ignored and "based" in ignored
    turn_end = tokenizer.convert_ids_to_tokens(end_of_turn_token(tokenizer))
    assert learned.count(turn_end) == 2  # the model learns to close each of its turns


def test_prompt_is_a_prefix_of_the_rendered_conversation(tiny_chat_decoder):
    tokenizer = AutoTokenizer.from_pretrained(tiny_chat_decoder)
    prompt = prompt_ids(tokenizer, CONVERSATION[:1])
    rendered = render_conversation(tokenizer, CONVERSATION[:2], 512)
    assert rendered["input_ids"][: len(prompt)] == prompt
    assert rendered["assistant_masks"][: len(prompt)] == [0] * len(prompt)
    assert all(rendered["assistant_masks"][len(prompt) :])


def test_truncation_keeps_ids_and_mask_aligned(tiny_chat_decoder):
    tokenizer = AutoTokenizer.from_pretrained(tiny_chat_decoder)
    rendered = render_conversation(tokenizer, CONVERSATION, 12)
    assert len(rendered["input_ids"]) == len(rendered["assistant_masks"]) == 12


def test_end_of_turn_becomes_a_stop_token(tiny_chat_decoder):
    tokenizer = AutoTokenizer.from_pretrained(tiny_chat_decoder)
    model = AutoModelForCausalLM.from_pretrained(tiny_chat_decoder)
    turn_end = end_of_turn_token(tokenizer)
    stops = align_stop_tokens(model, tokenizer)
    assert turn_end in stops and model.config.eos_token_id in stops
    configured = model.generation_config.eos_token_id
    assert turn_end in (configured if isinstance(configured, list) else [configured])
    assert stop_token_ids(tokenizer, model.generation_config)[0] == turn_end
