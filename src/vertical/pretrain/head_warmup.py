"""Masked-LM head warm-up: the encoder stays frozen for the first steps while the head learns.

Sentence-embedding checkpoints such as all-MiniLM-L6-v2 ship no trained masked-LM head, so the
first masked-LM gradients that reach the encoder come from a random head (domain MLM loss 10.9
at the start on BANKING77) and pull a sentence encoder towards whatever that head needs. With
``pretrain.head_warmup_steps`` N, the encoder layers (every weight of the base model except the
word embeddings) get no gradient for the first N optimizer steps: the head and the word
embeddings (the tokenizer stage's new rows among them) learn on their own, and from step N the
encoder trains at ``pretrain.learning_rate``. A frozen weight has no gradient, so AdamW neither
updates nor decays it and its moments start when it is unfrozen.

The switch reads the Trainer's step counter at every step, so a run resumed from a checkpoint
inside or after the warm-up freezes or trains the encoder as the uninterrupted run would.
"""

from __future__ import annotations

from torch import nn
from transformers import TrainerCallback


def encoder_weights(masked_lm: nn.Module) -> list[nn.Parameter]:
    """The weights of `masked_lm`'s base model (``base_model``) except its word embeddings."""
    word_embeddings = masked_lm.get_input_embeddings().weight
    return [p for p in masked_lm.base_model.parameters() if p is not word_embeddings]


class EncoderFreeze(TrainerCallback):
    """Freezes `weights` while the Trainer's step is below `steps`, then lets them train.

    Build the optimizer's parameter groups before training starts (they skip frozen weights).
    """

    def __init__(self, weights: list[nn.Parameter], steps: int) -> None:
        self.weights = weights
        self.steps = steps

    def _set(self, step: int) -> None:
        trains = step >= self.steps
        for weight in self.weights:
            weight.requires_grad_(trains)

    def on_train_begin(self, args, state, control, **kwargs):
        self._set(state.global_step)

    def on_step_begin(self, args, state, control, **kwargs):
        self._set(state.global_step)

    def on_train_end(self, args, state, control, **kwargs):
        self._set(self.steps)  # whatever happened, the saved model's weights are trainable again
