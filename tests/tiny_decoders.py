"""Tiny Llama and Gemma 3 decoders the tests build: a byte-level BPE tokenizer trained on a few
sentences, the family's chat template and special tokens, a 2-layer model randomly initialised
(seeded), saved with save_pretrained."""

from __future__ import annotations

from pathlib import Path

CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
TEXTS = [
    "Quorvane Holdings is a bank in Zelmar.",
    "Which sector is Voman Group in? banking",
    "The weather was mild and the roads were quiet.",
    "A student asks a question and the teacher answers it.",
    "贵州茅台是一家酒类公司。",
]


def build_tiny_decoder(folder: Path, family: str = "llama", seed: int = 0) -> Path:
    """Save a tiny `family` ("llama" or "gemma") decoder with a chat template into `folder`."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import (
        Gemma3ForCausalLM,
        Gemma3TextConfig,
        LlamaConfig,
        LlamaForCausalLM,
        PreTrainedTokenizerFast,
    )

    from vertical.models_builtin import GEMMA_CHAT_TEMPLATE

    if family == "gemma":
        special = {"pad_token": "<pad>", "eos_token": "<eos>", "bos_token": "<bos>"}
        extra, template = ["<start_of_turn>", "<end_of_turn>"], GEMMA_CHAT_TEMPLATE
    else:
        special = {"pad_token": "<|endoftext|>", "eos_token": "<|im_end|>", "bos_token": "<|endoftext|>"}
        extra, template = ["<|im_start|>"], CHATML
    names = list(dict.fromkeys([*special.values(), *extra]))
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=names, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tokenizer.train_from_iterator([t for t in TEXTS for _ in range(3)], trainer)
    wrapped = PreTrainedTokenizerFast(tokenizer_object=tokenizer, **special, additional_special_tokens=extra)
    wrapped.chat_template = template
    torch.manual_seed(seed)
    ids = {f"{k.split('_')[0]}_token_id": wrapped.convert_tokens_to_ids(v) for k, v in special.items()}
    common = dict(
        vocab_size=len(wrapped),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=1024,  # room for a grounded prompt with its sources (the chat page)
        **ids,
    )
    if family == "gemma":
        model = Gemma3ForCausalLM(Gemma3TextConfig(head_dim=16, sliding_window=64, **common))
    else:
        model = LlamaForCausalLM(LlamaConfig(tie_word_embeddings=True, **common))
    model.generation_config.eos_token_id = ids["eos_token_id"]
    model.generation_config.pad_token_id = ids["pad_token_id"]
    model.save_pretrained(folder)
    wrapped.save_pretrained(folder)
    return folder
