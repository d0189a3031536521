import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer

from vertical.pretrain.model import PretrainingModel
from vertical.pretrain.objectives.knowledge import (
    EntityTriples,
    TripleBatcher,
    transe_distance,
    transe_margin_loss,
)


def test_transe_margin_loss_by_hand():
    head = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    relation = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    tail = torch.tensor([[1.0, 0.0], [1.0, 2.0]])  # h + r = t exactly: distance 0 for both
    negative = torch.tensor([[1.0, 3.0], [1.0, 2.5]])  # distances 3 and 0.5
    assert torch.equal(transe_distance(head, relation, negative), torch.tensor([3.0, 0.5]))
    # margin 1: max(0, 1 + 0 - 3) = 0 and max(0, 1 + 0 - 0.5) = 0.5; the mean is 0.25
    assert float(transe_margin_loss(head, relation, tail, negative, margin=1.0)) == 0.25
    # a wrong true tail costs: triple 0 at distance 1 -> max(0, 1 + 1 - 3) = 0; triple 1 unchanged
    assert (
        float(
            transe_margin_loss(head, relation, tail + torch.tensor([[0.0, 1.0], [0.0, 0.0]]), negative, 1.0)
        )
        == 0.25
    )
    assert float(transe_margin_loss(head, relation, tail, negative, margin=4.0)) == (1.0 + 3.5) / 2


def test_knowledge_objective_draws_triples_and_trains_the_shared_encoder(tiny_model_dir):
    graph = EntityTriples(
        texts=["Voman Group, a lender", "banking", "Moda, a city", "Quorvane, a chipmaker", "semiconductors"],
        relations=["sector", "headquarters"],
        triples=[(0, 0, 1), (0, 1, 2), (3, 0, 4)],
    )
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    batch = TripleBatcher(graph, tokenizer, size=6, max_length=16)(torch.Generator().manual_seed(0))
    assert batch["kg_relation"].shape == (6,) and batch["kg_head_input_ids"].shape[0] == 6
    assert not torch.equal(batch["kg_tail_input_ids"], batch["kg_negative_input_ids"])
    masked_lm = AutoModelForMaskedLM.from_pretrained(tiny_model_dir)
    model = PretrainingModel(masked_lm, mlm_weight=0.0, knowledge_weight=1.0, relations=2, margin=1.0)
    ids = torch.tensor([[101, 2000, 102]])
    output = model(
        input_ids=ids, attention_mask=torch.ones_like(ids), labels=torch.full_like(ids, -100), **batch
    )
    assert set(output) == {"loss", "knowledge_loss"}
    output["loss"].backward()
    assert model.knowledge.relations.weight.grad is not None
    assert masked_lm.base_model.encoder.layer[0].attention.self.query.weight.grad is not None
