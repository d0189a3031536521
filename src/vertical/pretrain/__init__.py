"""Pretrain stage: domain-adaptive continued pretraining of the base model."""

from vertical.pretrain.train import continue_pretraining

__all__ = ["continue_pretraining"]
