"""Chat prompts: the model's chat template, or a plain transcript for a model without one."""

from __future__ import annotations

from vertical.generate import load_generator
from vertical.serve.chat import TRANSCRIPT_STOP, ChatService, plain_messages, transcript

MESSAGES = [
    {"role": "developer", "content": "Be brief."},
    {
        "role": "user",
        "content": [{"type": "text", "text": "Which sector"}, {"type": "text", "text": " is it?"}],
    },
]


def test_messages_become_text_and_the_developer_role_is_the_system_one():
    assert plain_messages(MESSAGES) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Which sector is it?"},
    ]
    assert transcript(plain_messages(MESSAGES)) == "System: Be brief.\nUser: Which sector is it?\nAssistant:"


def test_the_chat_template_builds_the_prompt_and_without_one_a_transcript_with_its_stop(tiny_llama_dir):  # noqa: F811
    generator = load_generator(tiny_llama_dir, "chat")
    service = ChatService({"chat": generator})
    tokenizer = generator.tokenizer
    expected = tokenizer.apply_chat_template(
        plain_messages(MESSAGES), tokenize=False, add_generation_prompt=True
    )
    assert (
        service.chat_prompt_ids("chat", MESSAGES)
        == tokenizer(expected, add_special_tokens=False)["input_ids"]
    )
    assert (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhich sector is it?<|im_end|>\n"
        in expected
    )
    assert expected.endswith("<|im_start|>assistant\n") and service.default_stops("chat") == []
    tokenizer.chat_template = None
    try:
        ids = service.chat_prompt_ids("chat", MESSAGES)
        assert tokenizer.decode(ids).strip() == transcript(plain_messages(MESSAGES))  # BPE: a prefix space
        assert service.default_stops("chat") == [TRANSCRIPT_STOP]
    finally:
        del tokenizer.chat_template
