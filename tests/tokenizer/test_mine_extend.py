import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer

from vertical.tokenizer.extend import extend_tokenizer, init_new_embeddings
from vertical.tokenizer.mine import mine_terms

CORPUS = ["Tulkre Partners reported EBITDA growth; Tulkre's EBITDA margin rose."] * 30 + ["rare Quorvane"]


def test_mining_keeps_frequent_split_words_scored_by_tokens_saved(tiny_model_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    terms = mine_terms(CORPUS, tokenizer, max_new_tokens=10, min_frequency=20)
    texts = [t.text for t in terms]
    assert "tulkre" in texts and "ebitda" in texts
    assert "quorvane" not in texts  # too rare
    assert "partners" not in texts  # already one token
    assert all(t.tokens_saved == (len(t.pieces) - 1) * t.frequency for t in terms)
    assert [t.tokens_saved for t in terms] == sorted((t.tokens_saved for t in terms), reverse=True)


def test_extended_tokenizer_makes_terms_single_tokens_and_round_trips(tiny_model_dir, tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    terms = mine_terms(CORPUS, tokenizer, max_new_tokens=10, min_frequency=20)
    assert extend_tokenizer(tokenizer, terms) == len(terms)
    assert tokenizer.tokenize("TULKRE reported Ebitda") == ["tulkre", "reported", "ebitda"]
    assert "tulkre" not in tokenizer.tokenize("untulkred")  # whole words only
    tokenizer.save_pretrained(tmp_path)
    assert AutoTokenizer.from_pretrained(tmp_path).tokenize("Tulkre") == ["tulkre"]


def test_new_rows_start_as_the_mean_of_their_pieces_and_the_model_loads_plainly(tiny_model_dir, tmp_path):
    base_tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    terms = mine_terms(CORPUS, base_tokenizer, max_new_tokens=10, min_frequency=20)
    extend_tokenizer(tokenizer, terms)
    model = AutoModelForMaskedLM.from_pretrained(tiny_model_dir)
    old_embeddings = model.get_input_embeddings().weight.detach().clone()
    old_bias = model.cls.predictions.bias.detach().clone()
    init_new_embeddings(model, base_tokenizer, tokenizer, terms)
    term = next(t for t in terms if t.text == "tulkre")
    new_id = tokenizer.convert_tokens_to_ids("tulkre")
    piece_ids = base_tokenizer.convert_tokens_to_ids(list(term.pieces))
    embeddings = model.get_input_embeddings().weight
    torch.testing.assert_close(embeddings[new_id], old_embeddings[piece_ids].mean(0))
    torch.testing.assert_close(model.cls.predictions.bias[new_id], old_bias[piece_ids].mean())
    assert model.get_output_embeddings().weight.data_ptr() == embeddings.data_ptr()  # still tied
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    reloaded = AutoModelForMaskedLM.from_pretrained(tmp_path)
    assert reloaded.get_input_embeddings().weight.shape[0] == len(tokenizer)
