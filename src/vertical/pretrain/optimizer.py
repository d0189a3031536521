"""Parameter groups for continued pretraining: the vocabulary learns faster than the encoder.

Continued pretraining has two kinds of weights. The encoder's layers already know language and
must move slowly, or the model forgets how to read context: with a single high learning rate a
MiniLM trained on a templated domain corpus predicted a sector word by its slot alone, whatever the
sentence said. The word embeddings (where the tokenizer stage's new tokens start from a rough
mean of their pieces) and the masked-LM head (untrained in sentence-embedding checkpoints such as
all-MiniLM) have to learn a lot, fast. So they get their own learning rate.

Weight decay follows the usual convention: none on biases and normalisation weights.
"""

from __future__ import annotations

from torch import nn


def parameter_groups(
    model: nn.Module, learning_rate: float, vocabulary_learning_rate: float, weight_decay: float
) -> list[dict]:
    """AdamW parameter groups: encoder and vocabulary (word embeddings + masked-LM head).

    Args:
        model: the module the Trainer trains; its word embeddings are found by
            ``get_input_embeddings`` on the first submodule that has it.
        learning_rate: for the encoder layers.
        vocabulary_learning_rate: for the word embeddings (tied with the output projection) and
            the masked-LM head.
        weight_decay: applied to weight matrices, not to biases and normalisation weights.
    """
    embedding_weights = {
        id(module.get_input_embeddings().weight)
        for module in model.modules()
        if hasattr(module, "get_input_embeddings") and module.get_input_embeddings() is not None
    }
    groups: dict[tuple[bool, bool], list[nn.Parameter]] = {}
    seen: set[int] = set()
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad or id(parameter) in seen:
            continue
        seen.add(id(parameter))
        is_vocabulary = (
            id(parameter) in embedding_weights or ".cls." in f".{name}" or ".lm_head." in f".{name}"
        )
        decays = parameter.ndim >= 2 and "norm" not in name.lower()
        groups.setdefault((is_vocabulary, decays), []).append(parameter)
    return [
        {
            "params": parameters,
            "lr": vocabulary_learning_rate if is_vocabulary else learning_rate,
            "weight_decay": weight_decay if decays else 0.0,
        }
        for (is_vocabulary, decays), parameters in sorted(groups.items())
    ]
