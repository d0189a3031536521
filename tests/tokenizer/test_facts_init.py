import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer

from vertical.tokenizer.descriptions import term_descriptions
from vertical.tokenizer.extend import EmbeddingInit, extend_tokenizer, init_new_embeddings
from vertical.tokenizer.mine import Term

FACTS = [
    "Zorbel is a trade term of the banking sector. Voman Group is a company in the banking sector.",
    "Quispe is a trade term of the insurance sector.",
]


def _terms(tokenizer) -> list[Term]:
    return [Term(text, 10, tuple(tokenizer.tokenize(text)), "word") for text in ("zorbel", "voman", "quispe")]


def test_a_term_is_described_by_the_known_words_of_its_facts_weighted_by_rarity(tiny_model_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    descriptions = term_descriptions(_terms(tokenizer), FACTS, tokenizer)
    banking, insurance, sector = tokenizer.convert_tokens_to_ids(["banking", "insurance", "sector"])
    assert set(descriptions) == {"zorbel", "voman", "quispe"}
    # each sentence is read on its own: zorbel's first sentence does not describe voman
    assert insurance in descriptions["quispe"] and banking not in descriptions["quispe"]
    assert banking in descriptions["zorbel"] and banking in descriptions["voman"]
    assert sector not in descriptions["zorbel"]  # every description has it: weight 0, left out
    assert all(abs(sum(weights.values()) - 1) < 1e-9 for weights in descriptions.values())
    invented = set(tokenizer.convert_tokens_to_ids(tokenizer.tokenize("Voman")))
    assert not invented & set(descriptions["zorbel"])  # a name the base splits into pieces says nothing


def test_facts_init_puts_a_described_term_halfway_to_its_description(tiny_model_dir):
    base_tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    terms = _terms(base_tokenizer)
    descriptions = term_descriptions(terms, FACTS, base_tokenizer)
    del descriptions["voman"]  # a term without facts starts as the mean of its pieces
    extend_tokenizer(tokenizer, terms)
    model = AutoModelForMaskedLM.from_pretrained(tiny_model_dir)
    old = model.get_input_embeddings().weight.detach().clone()
    init_new_embeddings(model, base_tokenizer, tokenizer, terms, EmbeddingInit("facts", descriptions))
    rows = model.get_input_embeddings().weight
    for term in terms:
        pieces = old[base_tokenizer.convert_tokens_to_ids(list(term.pieces))].mean(0)
        weights = descriptions.get(term.text)
        expected = pieces
        if weights:
            described = sum(weight * old[token] for token, weight in weights.items())
            expected = (pieces + described) / 2
        torch.testing.assert_close(rows[tokenizer.convert_tokens_to_ids(term.text)], expected)


def test_the_other_words_of_a_terms_own_name_are_left_out(tiny_model_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    group = tokenizer.convert_tokens_to_ids("group")
    facts = FACTS + ["Voman Group is headquartered in Paris."]
    assert group in term_descriptions(_terms(tokenizer), facts, tokenizer)["voman"]
    described = term_descriptions(_terms(tokenizer), facts, tokenizer, labels=["Voman Group"])
    assert group not in described["voman"]
