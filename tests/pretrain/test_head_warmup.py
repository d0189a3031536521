from types import SimpleNamespace

import torch
from transformers import AutoModelForMaskedLM

from vertical.models import resolve_base_model
from vertical.pretrain import continue_pretraining
from vertical.pretrain.declaration import DECLARATION
from vertical.recipe import PretrainConfig

from .test_train import make_corpus


def _trained(tiny_model_dir, tmp_path, steps: int, head_warmup_steps: int):
    cfg = PretrainConfig(
        steps=steps,
        head_warmup_steps=head_warmup_steps,
        batch_size=8,
        max_length=24,
        learning_rate=1e-2,
        warmup_ratio=0.0,
        precision="fp32",
    )
    output = tmp_path / f"out-{steps}"
    corpus_dir = tmp_path / f"corpus-{steps}"
    corpus_dir.mkdir()
    data_dir = make_corpus(corpus_dir)
    base = resolve_base_model(str(tiny_model_dir))
    continue_pretraining(cfg, base, data_dir, output, output / "work", seed=0)
    return AutoModelForMaskedLM.from_pretrained(output / "model")


def _moved(before, after, prefix: str) -> set[str]:
    old = dict(before.named_parameters())
    return {
        name
        for name, weight in after.named_parameters()
        if name.startswith(prefix) and not torch.equal(weight, old[name])
    }


def test_the_encoder_stays_frozen_during_head_warmup_and_trains_after(tiny_model_dir, tmp_path):
    base = AutoModelForMaskedLM.from_pretrained(tiny_model_dir)
    warm = _trained(tiny_model_dir, tmp_path, steps=3, head_warmup_steps=3)
    assert not _moved(base, warm, "bert.encoder.")  # every encoder layer as it was
    assert not _moved(base, warm, "bert.embeddings.position")
    assert _moved(base, warm, "cls.")  # the head learned
    assert _moved(base, warm, "bert.embeddings.word_embeddings")

    after = _trained(tiny_model_dir, tmp_path, steps=6, head_warmup_steps=3)
    layers = {name for name, _ in base.named_parameters() if name.startswith("bert.encoder.")}
    assert _moved(base, after, "bert.encoder.") == layers  # unfrozen: every encoder weight trains


def test_head_warmup_is_part_of_the_pretrain_fingerprint(tiny_model_dir):
    def config(steps: int) -> dict:
        recipe = SimpleNamespace(
            pretrain=PretrainConfig(head_warmup_steps=steps), base_model=str(tiny_model_dir), seed=0
        )
        return DECLARATION.config(SimpleNamespace(recipe=recipe, processes=1))

    assert config(0) != config(100)
