import torch
from transformers import AutoModelForMaskedLM

from vertical.pretrain.model import PretrainingModel
from vertical.pretrain.objectives.mlm import SparseMaskedLM


def test_sparse_loss_and_gradients_equal_the_dense_hugging_face_loss(tiny_model_dir):
    model = AutoModelForMaskedLM.from_pretrained(tiny_model_dir)
    model.eval()  # no dropout, so both paths see the same network
    torch.manual_seed(0)
    input_ids = torch.randint(1000, 2000, (3, 12))
    attention_mask = torch.ones_like(input_ids)
    labels = torch.full_like(input_ids, -100)
    labels[:, [2, 5, 9]] = input_ids[:, [2, 5, 9]]
    dense = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels).loss
    dense.backward()
    dense_grad = model.bert.embeddings.word_embeddings.weight.grad.clone()
    model.zero_grad()
    sparse = SparseMaskedLM(model)(input_ids, attention_mask, labels)
    sparse.backward()
    torch.testing.assert_close(sparse, dense, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(
        model.bert.embeddings.word_embeddings.weight.grad, dense_grad, rtol=1e-4, atol=1e-7
    )


def test_checkpoint_state_dict_holds_each_tensor_once_and_loads_back(tiny_model_dir):
    model = PretrainingModel(AutoModelForMaskedLM.from_pretrained(tiny_model_dir))
    state = model.state_dict()
    pointers = [t.untyped_storage().data_ptr() for t in state.values()]
    assert len(pointers) == len(set(pointers))
    assert not any(key.startswith("mlm.model.") for key in state)
    fresh = PretrainingModel(AutoModelForMaskedLM.from_pretrained(tiny_model_dir))
    with torch.no_grad():
        for parameter in fresh.parameters():
            parameter.zero_()
    fresh.load_state_dict(state, strict=False)
    assert torch.equal(
        fresh.masked_lm.bert.embeddings.word_embeddings.weight,
        model.masked_lm.bert.embeddings.word_embeddings.weight,
    )
    assert (
        fresh.masked_lm.cls.predictions.decoder.weight
        is fresh.masked_lm.bert.embeddings.word_embeddings.weight
    )
