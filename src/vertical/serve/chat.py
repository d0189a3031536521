"""Chat with the decoder models of a run: prompts from messages, grounded by retrieval, one bounded queue.

`ChatService` is what the OpenAI-compatible routes (`vertical.serve.openai_api`) call. A chat
prompt is the model's own chat template (``tokenizer.apply_chat_template``); a model without one
(a GPT-2 trained from scratch) gets a plain transcript (``User: ...`` / ``Assistant:``) and stops
at the next ``User:``. With a retriever and retrieval on, the last user message gets the
numbered sources of its question (`vertical.retrieve.grounding`), and the answer's citations
are read back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

from vertical.generate import TextGenerator
from vertical.retrieve.encoder import TextEncoder
from vertical.retrieve.grounding import grounded_messages
from vertical.retrieve.retriever import Retriever, Source
from vertical.serve.generation_limits import GenerationLimits, GenerationQueue
from vertical.serve.redaction import Redactor

ENCODER = "encoder"  # the name /v1/embeddings and /v1/models give the run's encoder
TRANSCRIPT_STOP = "\nUser:"


def message_text(content) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content or [] if isinstance(part, dict))


def plain_messages(messages: Sequence[dict]) -> list[dict]:
    """Messages as chat templates take them: text content; OpenAI's newer ``developer`` role as ``system``."""
    return [
        {
            "role": "system" if m["role"] == "developer" else m["role"],
            "content": message_text(m.get("content")),
        }
        for m in messages
    ]


def transcript(messages: Sequence[dict]) -> str:
    """The fallback chat prompt of a model without a chat template."""
    lines = [f"{m['role'].capitalize()}: {message_text(m.get('content'))}" for m in messages]
    return "\n".join(lines) + "\nAssistant:"


@dataclass
class ChatService:
    """The chat models, the encoder and the retriever a server offers, behind one generation queue.

    Attributes:
        generators: decoder name -> model (``pretrain``, each generation task, chat models).
        encoder: the encoder of /v1/embeddings (None: not served).
        retriever: the run's passage index and graph facts (None: answers are closed-book).
        limits: tokens, queue and time limits of generation.
        redactor: personal data in generated text and sources is replaced when enabled.
    """

    generators: dict[str, TextGenerator]
    encoder: TextEncoder | None = None
    retriever: Retriever | None = None
    limits: GenerationLimits = GenerationLimits()
    redactor: Redactor = Redactor()
    queue: GenerationQueue = field(init=False)

    def __post_init__(self) -> None:
        self.queue = GenerationQueue(self.limits.max_concurrent, self.limits.max_queued)

    def has_template(self, name: str) -> bool:
        return bool(getattr(self.generators[name].tokenizer, "chat_template", None))

    def chat_prompt_ids(self, name: str, messages: Sequence[dict]) -> list[int]:
        """The token ids of the chat prompt of `messages` for model `name`, ready for the answer."""
        tokenizer = self.generators[name].tokenizer
        plain = plain_messages(messages)
        if self.has_template(name):
            text = tokenizer.apply_chat_template(plain, tokenize=False, add_generation_prompt=True)
            return tokenizer(text, add_special_tokens=False)["input_ids"]
        return tokenizer(transcript(plain), add_special_tokens=False)["input_ids"]

    def completion_prompt_ids(self, name: str, prompt: str) -> list[int]:
        """The token ids of a plain completion prompt, after the beginning token where the tokenizer adds one
        (Llama's ``add_bos_token``; never an end token, which some tokenizers' templates append)."""
        tokenizer = self.generators[name].tokenizer
        ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        if getattr(tokenizer, "add_bos_token", False) and tokenizer.bos_token_id is not None:
            ids = [tokenizer.bos_token_id, *ids]
        return ids

    def default_stops(self, name: str) -> list[str]:
        return [] if self.has_template(name) else [TRANSCRIPT_STOP]

    async def sources(self, messages: Sequence[dict], k: int | None, with_facts: bool = True) -> list[Source]:
        """The sources of the last user message's question (none without a retriever)."""
        question = next(
            (message_text(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), ""
        )
        if self.retriever is None or not question.strip():
            return []
        return await run_in_threadpool(self.retriever.retrieve, question, k, with_facts)

    @staticmethod
    def ground(messages: Sequence[dict], sources: Sequence[Source]) -> list[dict]:
        plain = plain_messages(messages)
        return grounded_messages(plain, sources)


def load_run_encoder(run_dir) -> TextEncoder | None:
    """The run's encoder for /v1/embeddings when the run has no index: its pretrained encoder, if any."""
    from pathlib import Path

    from vertical.models import is_decoder
    from vertical.retrieve.encoder import load_encoder

    model_dir = Path(run_dir) / "pretrain" / "model"
    if not (model_dir / "config.json").is_file() or is_decoder(model_dir):
        return None
    return load_encoder(model_dir)
