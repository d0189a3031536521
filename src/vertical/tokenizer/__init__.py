"""Tokenizer stage: domain terms added to the base vocabulary, embeddings initialised from their pieces."""

from vertical.tokenizer.build import build_tokenizer, read_embedding_init, read_terms

__all__ = ["build_tokenizer", "read_embedding_init", "read_terms"]
