import numpy as np
import torch

from vertical.finetune.classification import predict_logits
from vertical.models import load_sequence_classifier, load_tokenizer


def test_batched_predictions_come_back_in_input_order(tiny_model_dir):
    model = load_sequence_classifier(tiny_model_dir, ["a", "b", "c"]).eval()
    tokenizer = load_tokenizer(tiny_model_dir)
    texts = ["a much longer sentence about deposits and loans", "short", "medium length text", "x y"] * 5
    batched = predict_logits(model, tokenizer, texts, max_length=32, batch_size=3)
    with torch.no_grad():
        one_by_one = np.stack([model(**tokenizer(t, return_tensors="pt")).logits[0].numpy() for t in texts])
    np.testing.assert_allclose(batched, one_by_one, rtol=1e-4, atol=1e-5)
