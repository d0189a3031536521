import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer

from vertical.tokenizer.extend import EmbeddingInit, extend_tokenizer, init_new_embeddings
from vertical.tokenizer.mine import mine_terms

CORPUS = ["Tulkre Partners reported EBITDA growth; Tulkre's EBITDA margin rose."] * 30


def test_mlm_head_learns_to_predict_a_new_token_and_the_model_reloads_plainly(tiny_model_dir, tmp_path):
    base_tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    terms = mine_terms(CORPUS, base_tokenizer, max_new_tokens=10, min_frequency=20)
    extend_tokenizer(tokenizer, terms)
    torch.manual_seed(0)
    model = AutoModelForMaskedLM.from_pretrained(tiny_model_dir)
    init_new_embeddings(model, base_tokenizer, tokenizer, terms)
    new_id = tokenizer.convert_tokens_to_ids("tulkre")
    sentences = ["tulkre partners reported strong growth.", "shares of tulkre partners rose."]
    batch = tokenizer(sentences, padding=True, return_tensors="pt")
    labels = torch.full_like(batch["input_ids"], -100)
    masked = batch["input_ids"] == new_id
    labels[masked] = new_id
    batch["input_ids"] = batch["input_ids"].masked_fill(masked, tokenizer.mask_token_id)

    def predicted() -> list[int]:
        model.eval()
        with torch.no_grad():
            logits = model(**batch).logits  # (B, T, V)
        return logits[masked].argmax(-1).tolist()

    assert new_id not in predicted()  # a random tiny model does not know it yet
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(40):
        loss = model(**batch, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    assert predicted() == [new_id, new_id]
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    reloaded = AutoModelForMaskedLM.from_pretrained(tmp_path)
    reloaded.eval()
    with torch.no_grad():
        logits = reloaded(**batch).logits
    assert logits[masked].argmax(-1).tolist() == [new_id, new_id]


def test_random_init_differs_from_the_mean_of_pieces(tiny_model_dir):
    base_tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    terms = mine_terms(CORPUS, base_tokenizer, max_new_tokens=10, min_frequency=20)
    extend_tokenizer(tokenizer, terms)
    mean_model = AutoModelForMaskedLM.from_pretrained(tiny_model_dir)
    random_model = AutoModelForMaskedLM.from_pretrained(tiny_model_dir)
    init_new_embeddings(mean_model, base_tokenizer, tokenizer, terms, EmbeddingInit("mean"))
    init_new_embeddings(random_model, base_tokenizer, tokenizer, terms, EmbeddingInit("random"), seed=1)
    new_id = tokenizer.convert_tokens_to_ids("tulkre")
    mean_row = mean_model.get_input_embeddings().weight[new_id]
    random_row = random_model.get_input_embeddings().weight[new_id]
    assert not torch.allclose(mean_row, random_row)
    std = random_model.config.initializer_range
    assert random_row.abs().max() < 6 * std
    old = len(base_tokenizer)
    bias = random_model.cls.predictions.bias
    torch.testing.assert_close(bias[new_id], bias[:old].mean())


def test_former_unk_characters_start_as_the_unk_row(tiny_model_dir):
    base_tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    terms = [t for t in mine_terms(["瀚璟集团"] * 3, base_tokenizer, 10) if t.kind == "unk_char"]
    assert terms
    extend_tokenizer(tokenizer, terms)
    model = AutoModelForMaskedLM.from_pretrained(tiny_model_dir)
    unk_row = model.get_input_embeddings().weight[base_tokenizer.unk_token_id].detach().clone()
    init_new_embeddings(model, base_tokenizer, tokenizer, terms)
    for term in terms:
        torch.testing.assert_close(
            model.get_input_embeddings().weight[tokenizer.convert_tokens_to_ids(term.text)], unk_row
        )
