import numpy as np
import pytest

from vertical.records import Document
from vertical.retrieve.build import encoder_identity
from vertical.retrieve.index import PassageIndex, load_index

DOCUMENTS = [
    Document("a", "The lender Acme raised deposits and cut mortgage rates for savers."),
    Document("b", "The chipmaker Zorvex shipped new processors from its wafer fab."),
    Document("c", "Farmers in the valley sold their wheat harvest early this year."),
]


def test_embeddings_are_unit_vectors_and_mean_pooling_matches_the_formula(tiny_encoder):
    import torch

    vectors = tiny_encoder.embed(["short text", "a somewhat longer text than the first"])
    assert vectors.shape == (2, tiny_encoder.dimension)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    batch = tiny_encoder.tokenizer(["short text"], return_tensors="pt")
    with torch.no_grad():
        states = tiny_encoder.model(**batch).last_hidden_state[0]  # (T, D)
    expected = states.mean(0) / states.mean(0).norm()
    np.testing.assert_allclose(vectors[0], expected.numpy(), atol=1e-5)


def test_a_passage_finds_itself_first_and_the_index_reloads_from_disk(tiny_encoder, tmp_path):
    index = PassageIndex(encoder_identity(tiny_encoder), passage_words=50, passage_overlap=5)
    assert index.add_documents(DOCUMENTS, tiny_encoder) == 3
    index.save(tmp_path / "index")
    loaded = load_index(tmp_path / "index")
    for document in DOCUMENTS:
        best = loaded.search(tiny_encoder.embed([document.text]), 2)[0][0]
        assert best.passage.document_id == document.id and best.score == pytest.approx(1.0, abs=1e-4)
        assert document.text[best.passage.start : best.passage.end] == best.passage.text


def test_new_documents_are_added_without_re_embedding_the_rest(tiny_encoder, tmp_path):
    index = PassageIndex(encoder_identity(tiny_encoder), passage_words=50, passage_overlap=5)
    index.add_documents(DOCUMENTS[:2], tiny_encoder)
    index.save(tmp_path / "index")
    index = load_index(tmp_path / "index")
    calls = []
    original = tiny_encoder.embed
    tiny_encoder.embed = lambda texts, batch_size=32: calls.append(list(texts)) or original(texts, batch_size)
    try:
        assert index.add_documents(DOCUMENTS, tiny_encoder) == 1  # only c is new
        changed = Document("b", "The chipmaker Zorvex closed its wafer fab.")
        assert index.add_documents([DOCUMENTS[0], changed], tiny_encoder) == 1  # b changed, a did not
    finally:
        del tiny_encoder.embed
    assert calls == [[DOCUMENTS[2].text], [changed.text]]
    assert index.remove_missing({"a", "b"}) == 1 and len(index) == 2
    hits = index.search(tiny_encoder.embed([changed.text]), 5)[0]
    assert [h.passage.document_id for h in hits][0] == "b" and len(hits) == 2
