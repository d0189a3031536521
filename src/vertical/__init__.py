"""vertical: turn a general pretrained language model into an industry-vertical one, and prove it."""

__version__ = "0.1.0"
