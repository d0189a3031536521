"""Texts to unit vectors with an encoder of the run (a plain `AutoModel` folder), for the passage index.

The vector of a text is its token states pooled (mean over the real tokens, or the first token's
state) and scaled to length 1, so that an inner product is a cosine. ``pooling="auto"`` takes the
folder's sentence-transformers pooling (``1_Pooling/config.json``, which all-MiniLM-L6-v2 carries)
when there is one, else the mean: a domain-pretrained masked LM has no pooling of its own, and the
mean of its states is what it was trained closest to. We pool ourselves rather than load the
folder with sentence-transformers so that the run's own masked-LM folders, which have no
sentence-transformers modules, embed the same way as the base.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from vertical.models import load_tokenizer, quiet_transformers


def folder_pooling(model_dir: Path) -> str:
    """``cls`` or ``mean``: the sentence-transformers pooling saved in `model_dir`, else mean."""
    config_file = Path(model_dir) / "1_Pooling" / "config.json"
    if config_file.is_file():
        config = json.loads(config_file.read_text(encoding="utf-8"))
        if config.get("pooling_mode_cls_token") and not config.get("pooling_mode_mean_tokens"):
            return "cls"
    return "mean"


def pool(states: torch.Tensor, attention_mask: torch.Tensor, pooling: str) -> torch.Tensor:
    """(B, T, D) token states to (B, D) text vectors, not yet normalised: the first token's or the mean."""
    if pooling == "cls":
        return states[:, 0]
    mask = attention_mask.unsqueeze(-1).to(states.dtype)  # (B, T, 1)
    return (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)


@dataclass
class TextEncoder:
    """An encoder model and its tokenizer that embed texts as unit vectors.

    Attributes:
        name: what the API calls it (``encoder``).
        model_dir: the folder it was loaded from.
        model: a transformers encoder (`AutoModel`) in eval mode.
        tokenizer: its tokenizer.
        pooling: ``mean`` or ``cls``.
        max_length: tokens read of each text; longer texts are cut.
    """

    name: str
    model_dir: Path
    model: object
    tokenizer: object
    pooling: str = "mean"
    max_length: int = 256
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def dimension(self) -> int:
        return int(self.model.config.hidden_size)

    def count_tokens(self, texts: list[str]) -> int:
        """Tokens the encoder reads of `texts` (after truncation), special tokens included."""
        encoded = self.tokenizer(texts, truncation=True, max_length=self.max_length)
        return sum(len(ids) for ids in encoded["input_ids"])

    @torch.no_grad()
    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """The unit vectors of `texts`, float32, shape (N, D), in the order given."""
        vectors = []
        with self._lock:
            for first in range(0, len(texts), batch_size):
                batch = self.tokenizer(
                    texts[first : first + batch_size],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                states = self.model(**batch).last_hidden_state  # (B, T, D)
                pooled = pool(states, batch["attention_mask"], self.pooling)  # (B, D)
                vectors.append(torch.nn.functional.normalize(pooled.float(), dim=-1).numpy())
        if not vectors:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.concatenate(vectors).astype(np.float32, copy=False)


def load_encoder(
    model_dir: Path, pooling: str = "auto", max_length: int = 256, name: str = "encoder"
) -> TextEncoder:
    """The encoder saved in `model_dir` (any head is dropped: only the encoder's states are used)."""
    from transformers import AutoModel

    model_dir = Path(model_dir)
    with quiet_transformers():
        model = AutoModel.from_pretrained(str(model_dir)).eval()
    chosen = folder_pooling(model_dir) if pooling == "auto" else pooling
    limit = min(max_length, int(getattr(model.config, "max_position_embeddings", max_length) or max_length))
    return TextEncoder(name, model_dir, model, load_tokenizer(model_dir), chosen, limit)
