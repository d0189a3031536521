from transformers import AutoModelForMaskedLM

from vertical.pretrain.model import PretrainingModel
from vertical.pretrain.optimizer import parameter_groups


def test_vocabulary_learns_at_its_own_rate_and_every_parameter_is_trained_once(tiny_model_dir):
    tiny_masked_lm = AutoModelForMaskedLM.from_pretrained(tiny_model_dir)
    model = PretrainingModel(tiny_masked_lm)
    groups = parameter_groups(model, learning_rate=1e-4, vocabulary_learning_rate=1e-3, weight_decay=0.01)
    grouped = [id(p) for group in groups for p in group["params"]]
    assert len(grouped) == len(set(grouped))  # the tied decoder weight is the embedding: listed once
    assert set(grouped) == {id(p) for p in model.parameters()}
    embedding = tiny_masked_lm.get_input_embeddings().weight
    rate_of = {id(p): group["lr"] for group in groups for p in group["params"]}
    decay_of = {id(p): group["weight_decay"] for group in groups for p in group["params"]}
    assert rate_of[id(embedding)] == 1e-3
    for name, parameter in tiny_masked_lm.named_parameters():
        if name.startswith("cls."):
            assert rate_of[id(parameter)] == 1e-3, name
        elif "encoder.layer" in name:
            assert rate_of[id(parameter)] == 1e-4, name
        if name.endswith("bias") or "LayerNorm" in name:
            assert decay_of[id(parameter)] == 0.0, name
    assert decay_of[id(embedding)] == 0.01
