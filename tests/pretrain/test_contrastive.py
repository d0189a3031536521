import math

import torch
import torch.nn.functional as F
from transformers import AutoModelForMaskedLM

from vertical.pretrain.masking import WholeWordMaskingCollator
from vertical.pretrain.model import PretrainingModel
from vertical.pretrain.objectives.contrastive import ContrastiveSentences, mean_pooled, nt_xent


def reference_nt_xent(views: torch.Tensor, pairs: list[tuple[int, int]], temperature: float) -> float:
    """The formula of the pretraining issue, anchor by anchor, in plain Python arithmetic."""
    count = views.shape[0]

    def sim(a: int, b: int) -> float:
        return float(F.cosine_similarity(views[a], views[b], dim=0))

    partner = {}
    for a, b in pairs:
        partner[a], partner[b] = b, a
    losses = []
    for i in range(count):
        numerator = math.exp(sim(i, partner[i]) / temperature)
        denominator = sum(math.exp(sim(i, k) / temperature) for k in range(count) if k != i)
        losses.append(-math.log(numerator / denominator))
    return sum(losses) / count


def test_nt_xent_equals_the_formula():
    torch.manual_seed(0)
    first, second = torch.randn(4, 8), torch.randn(4, 8)
    views = torch.cat([first, second])
    expected = reference_nt_xent(views, [(n, n + 4) for n in range(4)], temperature=0.5)
    assert abs(float(nt_xent(first, second, 0.5)) - expected) < 1e-5


def test_nt_xent_is_low_for_matching_views_and_high_for_swapped_ones():
    torch.manual_seed(1)
    first = torch.randn(6, 16)
    matching = nt_xent(first, first + 0.01 * torch.randn(6, 16), 0.1)
    swapped = nt_xent(first, first.roll(1, dims=0), 0.1)
    assert float(matching) < 0.1 < float(swapped)


def test_mean_pooling_ignores_padding():
    hidden = torch.tensor([[[1.0], [3.0], [100.0]]])
    assert float(mean_pooled(hidden, torch.tensor([[1, 1, 0]]))) == 2.0


def test_contrastive_objective_trains_with_the_masked_lm(tiny_model_dir):
    masked_lm = AutoModelForMaskedLM.from_pretrained(tiny_model_dir)
    model = PretrainingModel(masked_lm, mlm_weight=1.0, contrastive_weight=0.5, temperature=0.05)
    assert isinstance(model.contrastive, ContrastiveSentences)
    collator = WholeWordMaskingCollator(
        mask_token_id=103, pad_token_id=0, vocab_size=1000, mlm_probability=0.3, keep_original=True, seed=0
    )
    examples = [
        {"input_ids": [101, 2000 + n, 2100 + n, 2200, 102], "word_ids": [-1, 0, 1, 2, -1]} for n in range(8)
    ]
    batch = collator(examples)
    assert torch.equal(batch["original_input_ids"][:, 1], torch.arange(2000, 2008))
    model.train()
    output = model(**batch)
    expected = output["mlm_loss"] + 0.5 * output["contrastive_loss"]
    torch.testing.assert_close(output["loss"], expected)
    output["loss"].backward()
    assert masked_lm.base_model.encoder.layer[0].attention.self.query.weight.grad is not None
    means = model.objective_means()
    assert set(means) == {"mlm_loss", "contrastive_loss"} and model.objective_means() == {}
