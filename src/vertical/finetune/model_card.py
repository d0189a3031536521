"""A model card (`README.md` with Hugging Face metadata) for each fine-tuned model folder.

The YAML front matter follows the hub's model-card metadata (``library_name``, ``pipeline_tag``,
``base_model``, ``tags``, ``model-index`` with the test scores), so the folder can be pushed to
a hub as it is. The body says how it was trained and how to load it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from vertical.finetune.config import TaskConfig
from vertical.io import atomic_write_text

_PIPELINE = {
    "classification": ("text-classification", "AutoModelForSequenceClassification"),
    "multilabel": ("text-classification", "AutoModelForSequenceClassification"),
    "relation": ("text-classification", "AutoModelForSequenceClassification"),
    "ner": ("token-classification", "AutoModelForTokenClassification"),
    "generation": ("text-generation", "AutoModelForCausalLM"),
}
_CARD_METRICS = (
    "perplexity",
    "token_accuracy",
    "accuracy",
    "entity_f1",
    "relation_f1",
    "micro_f1",
    "macro_f1",
    "weighted_f1",
    "ece",
)


def model_card(
    task: TaskConfig,
    variant: str,
    base_model: str,
    scores: dict[str, Any],
    train_examples: int,
    test_examples: int,
    history: dict | None = None,
) -> str:
    """The README.md text of a task model; `scores` are its test metrics (evaluate.scoring), `history`
    its training record (training.py), which tells of early stopping."""
    pipeline_tag, auto_class = _PIPELINE[task.type]
    reported = {metric: scores[metric] for metric in _CARD_METRICS if metric in scores}
    metadata = {
        "library_name": "transformers",
        "pipeline_tag": pipeline_tag,
        "base_model": base_model,
        "tags": ["vertical", task.type, f"{variant}-base"] + (["lora"] if task.lora else []),
        "model-index": [
            {
                "name": f"{task.name}-{variant}",
                "results": [
                    {
                        "task": {"type": pipeline_tag, "name": task.type},
                        "dataset": {"name": task.name, "type": task.name, "split": "test"},
                        "metrics": [{"type": metric, "value": value} for metric, value in reported.items()],
                    }
                ],
            }
        ],
    }
    rows = "\n".join(f"| {metric} | {value:.4f} |" for metric, value in reported.items())
    training = (
        f"{task.epochs:g} epochs, batch size {task.batch_size}, learning rate {task.learning_rate:g}, "
        f"at most {task.max_length} tokens"
        + (
            f", LoRA rank {task.lora.rank} (merged into the weights)"
            if task.lora
            else ", all weights trained"
        )
        + (f", class weights {task.class_weights}" if task.class_weights != "none" else "")
    )
    if task.trials:
        training += (
            f"; learning rate, epochs and batch size chosen by a {task.trials}-trial optuna search "
            "scored on the validation split"
        )
    if history and history.get("stopped_early"):
        training += (
            f"; stopped early after {history['epochs_trained']:g} epochs (validation loss), "
            f"weights of step {history.get('best_step')} restored"
        )
    return f"""---
{yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True).strip()}
---

# {task.name} ({variant} base)

A {task.type} model fine-tuned by [vertical](https://github.com/) from the {variant} base
`{base_model}` on {train_examples} examples; scored on {test_examples} held-out test examples.

Training: {training}.

| metric | test |
| --- | ---: |
{rows}

```python
from transformers import {auto_class}, AutoTokenizer
model = {auto_class}.from_pretrained("path/to/this/folder")
tokenizer = AutoTokenizer.from_pretrained("path/to/this/folder")
```
"""


def write_model_card(folder: Path, *args, **kwargs) -> None:
    """Write `model_card(*args, **kwargs)` to ``folder/README.md``."""
    atomic_write_text(Path(folder) / "README.md", model_card(*args, **kwargs))
