"""Domain adaptation of the retrieval encoder: contrastive spans of the run's own passages.

A general sentence encoder (all-MiniLM-L6-v2) has never read the domain's names: it cannot know
that a customer's "VMQ" is the corpus's "Voman Group", while a corpus in which the two co-occur
says so. Before the retrieve stage indexes, `adapt_encoder` fine-tunes the encoder on the corpus
itself, with no labels (Contriever, Izacard et al. 2021): each step draws `batch_size` passages,
two random spans of each (`vertical.retrieve.spans`) are a positive pair and the other passages'
spans the negatives of the in-batch contrastive loss (NT-Xent, `vertical.pretrain.objectives.
contrastive.nt_xent`, over 2N views). With the knowledge stage's linker, each span may name its
entities by other names of theirs (`vertical.retrieve.renaming`), and `name_pairs` pairs of two
names of one entity (a label and a ticker) join each step as positives. Text vectors are pooled as the
index pools them (`vertical.retrieve.encoder.pool`), so what is trained is what is searched.

The result is a plain Hugging Face folder (`AutoModel.from_pretrained` loads it), with the base's
tokenizer and sentence-transformers files (its pooling) copied. A short training, it is not
checkpointed: a killed stage starts it again.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from vertical.models import load_tokenizer, quiet_transformers
from vertical.pretrain.objectives.contrastive import nt_xent
from vertical.retrieve.config import AdaptConfig
from vertical.retrieve.encoder import folder_pooling, pool
from vertical.retrieve.renaming import EntityRenamer
from vertical.retrieve.spans import two_spans

# what makes a folder a sentence-transformers model besides its weights: kept, so it loads there too
_SENTENCE_TRANSFORMERS_FILES = (
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling",
    "2_Normalize",
)


def adapt_encoder(
    cfg: AdaptConfig,
    model_dir: Path,
    passages: Sequence[str],
    output_dir: Path,
    pooling: str = "auto",
    renamer: EntityRenamer | None = None,
    seed: int = 0,
) -> dict:
    """Fine-tune the encoder in `model_dir` on `passages` (see the module docstring) into `output_dir`.

    Args:
        cfg: the ``retrieve.adapt`` section.
        pooling: how the index pools (``auto``: the folder's sentence-transformers pooling, else mean).
        renamer: renames the entities of spans (None: spans as written).

    Returns:
        The training's metrics: steps, the loss of the first and last tenth of steps, seconds.
    """
    from transformers import AutoModel

    started = time.perf_counter()
    rng = random.Random(seed)
    torch.manual_seed(seed)
    chosen = folder_pooling(model_dir) if pooling == "auto" else pooling
    tokenizer = load_tokenizer(model_dir)
    with quiet_transformers():
        model = AutoModel.from_pretrained(str(model_dir))
    model.train()  # dropout on: a second source of difference between the views, as in SimCSE
    optimiser = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate)
    texts = [p for p in passages if p.strip()]
    subjects = passage_entities(renamer.linker, texts) if renamer is not None else [None] * len(texts)

    def embed(strings: list[str]) -> torch.Tensor:
        encoded = tokenizer(
            strings, padding=True, truncation=True, max_length=cfg.span_tokens, return_tensors="pt"
        )
        states = model(**encoded).last_hidden_state  # (B, T, D)
        return pool(states, encoded["attention_mask"], chosen)  # (B, D)

    losses, name_pairs = [], 0
    for _ in range(cfg.steps):
        indices = _distinct_subjects(rng, len(texts), subjects, cfg.batch_size)
        batch = [texts[i] for i in indices]
        views = [two_spans(text, rng, cfg.span_min, cfg.span_max) for text in batch]
        first, second = [v[0] for v in views], [v[1] for v in views]
        if renamer is not None:
            first, second = renamer.rename(first, rng), renamer.rename(second, rng)
        spans = embed(first + second)  # (2N, D)
        firsts, seconds = [spans[: len(batch)]], [spans[len(batch) :]]
        if renamer is not None and cfg.name_pairs:
            taken = {subjects[i] for i in indices}
            pairs = _name_pairs(rng, renamer.names, taken, cfg.name_pairs)
            name_pairs += len(pairs)
            if pairs:
                names = embed([a for a, _ in pairs] + [b for _, b in pairs])  # (2M, D): short, padded apart
                firsts.append(names[: len(pairs)])
                seconds.append(names[len(pairs) :])
        loss = nt_xent(torch.cat(firsts), torch.cat(seconds), cfg.temperature)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
    model.eval()
    output_dir = Path(output_dir)
    model.save_pretrained(str(output_dir), safe_serialization=True)
    tokenizer.save_pretrained(str(output_dir))
    _copy_sentence_transformers_files(Path(model_dir), output_dir)
    tenth = max(1, len(losses) // 10)
    return {
        "steps": cfg.steps,
        "passages": len(texts),
        "pooling": chosen,
        "renamed_entities": len(renamer.names) if renamer is not None else 0,
        "name_pairs": name_pairs,
        "loss_first": round(sum(losses[:tenth]) / tenth, 4),
        "loss_last": round(sum(losses[-tenth:]) / tenth, 4),
        "seconds": round(time.perf_counter() - started, 2),
    }


def passage_entities(linker, texts: Sequence[str], batch: int = 4096) -> list[str | None]:
    """The entity each passage names first (its subject, as the demo's and most news passages go), or None."""
    subjects: list[str | None] = []
    for first in range(0, len(texts), batch):  # the linker scans a few thousand texts a call fastest
        spans = linker.link_batch(list(texts[first : first + batch]))
        subjects += [found[0].entity_id if found else None for found in spans]
    return subjects


def _distinct_subjects(rng: random.Random, count: int, subjects: list[str | None], size: int) -> list[int]:
    """`size` passage indices drawn at random, no two of one subject: an in-batch negative is another's."""
    chosen, seen = [], set()
    for index in rng.sample(range(count), count):  # a shuffle a step: cheap beside the step itself
        subject = subjects[index]
        if subject is not None and subject in seen:
            continue
        if subject is not None:
            seen.add(subject)
        chosen.append(index)
        if len(chosen) == size:
            break
    return chosen


def _name_pairs(
    rng: random.Random, names: dict[str, list[str]], taken: set, count: int
) -> list[tuple[str, str]]:
    """Up to `count` pairs of two names of one entity, of entities not already in the batch."""
    free = [entity for entity in names if entity not in taken]
    return [tuple(rng.sample(names[entity], 2)) for entity in rng.sample(free, min(count, len(free)))]


def _copy_sentence_transformers_files(source: Path, target: Path) -> None:
    for name in _SENTENCE_TRANSFORMERS_FILES:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, target / name, dirs_exist_ok=True)
        elif path.is_file():
            shutil.copy2(path, target / name)
