import math

from vertical.knowledge.linker import EntityLinker
from vertical.records import Document, Entity, Label
from vertical.retrieve.build import encoder_identity
from vertical.retrieve.index import PassageIndex
from vertical.retrieve.rerank import TermStatistics, rerank_order, terms
from vertical.retrieve.retriever import Retriever

ENTITIES = [
    Entity("urn:x:voman", "Voman Group", aliases=(Label("VMQ"),)),
    Entity("urn:x:zorvex", "Zorvex"),
]
PASSAGES = [
    "Zorvex is in the semiconductor sector and is headquartered in Lyon.",  # other entity
    "Shares of VMQ rose two percent on heavy volume.",  # the entity by its ticker, not the relation
    "Voman Group was founded in 1990 and is headquartered in Oslo.",  # the entity, another relation
    "VMQ is in the shipping sector.",  # the entity by its ticker and the relation asked
]


def test_terms_are_lower_cased_words_and_single_ideographs():
    assert terms("Voman's sector, 2024: 银行业") == ["voman", "s", "sector", "2024", "银", "行", "业"]


def test_bm25_matches_the_formula_for_a_one_term_query():
    statistics = TermStatistics.of(["a b", "b c c", "d"])
    assert statistics.passages == 3 and statistics.frequency["b"] == 2 and statistics.mean_length == 2.0
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    norm = 1.2 * (1 - 0.75 + 0.75 * 3 / 2.0)
    assert math.isclose(statistics.bm25(["b"], "b c c"), idf * 1 * 2.2 / (1 + norm))
    assert statistics.bm25(["z"], "b c c") == 0.0


def test_passages_naming_the_entity_come_first_and_the_relation_decides_among_them():
    linker = EntityLinker(ENTITIES, language=None)
    statistics = TermStatistics.of(PASSAGES)
    order = rerank_order("What sector is Voman Group in?", PASSAGES, statistics, linker)
    assert order[0] == 3  # names Voman (by its ticker) and says "sector"
    assert set(order[:3]) == {1, 2, 3} and order[3] == 0  # the other company's sector comes last
    # without the linker, words alone: the other company's "sector ... is ... in" passage leads
    assert rerank_order("What sector is Voman Group in?", PASSAGES, statistics)[0] == 0


def test_a_question_without_entities_keeps_dense_order_among_equal_word_scores():
    statistics = TermStatistics.of(PASSAGES)
    assert rerank_order("nothing here matches", PASSAGES, statistics) == [0, 1, 2, 3]


def test_the_retriever_reranks_its_dense_candidates_and_counts_added_passages(tiny_encoder):
    index = PassageIndex(encoder_identity(tiny_encoder), passage_words=50, passage_overlap=5)
    index.add_documents([Document(f"d{i}", text) for i, text in enumerate(PASSAGES)], tiny_encoder)
    linker = EntityLinker(ENTITIES, language=None)
    dense = Retriever(index, tiny_encoder, top_k=2)
    reranking = Retriever(index, tiny_encoder, top_k=2, rerank_candidates=4, linker=linker)
    question = "What sector is Voman Group in?"
    nearest = [s.text for s in dense.passages([question], 4)[0]]
    assert [s.text for s in reranking.passages([question], 4, rerank=False)[0]] == nearest
    best = reranking.passages([question])[0]
    assert [s.number for s in best] == [1, 2] and best[0].text == PASSAGES[3]
    assert all(s.text in nearest for s in best)
    index.add_documents([Document("d9", "VMQ sector sector sector.")], tiny_encoder)
    reranking.passages([question])
    assert reranking._statistics.passages == len(index) == 5


def test_passages_naming_the_entity_join_candidates_the_dense_search_missed(tiny_encoder):
    distractors = [f"Zorvex reported quarter {i} results in Lyon." for i in range(30)]
    texts = distractors + PASSAGES[1:]
    index = PassageIndex(encoder_identity(tiny_encoder), passage_words=50, passage_overlap=5)
    index.add_documents([Document(f"d{i}", text) for i, text in enumerate(texts)], tiny_encoder)
    linker = EntityLinker(ENTITIES, language=None)
    question = "What sector is Voman Group in?"
    settings = {"top_k": 1, "rerank_candidates": 2, "linker": linker}
    dense_two = {s.text for s in Retriever(index, tiny_encoder, top_k=2).passages([question])[0]}
    without = Retriever(index, tiny_encoder, entity_candidates=False, **settings).passages([question])[0]
    assert without[0].text in dense_two  # the reranker alone only reorders the dense candidates
    assert PASSAGES[3] not in dense_two  # (the tiny encoder's dense search misses it)
    with_entities = Retriever(index, tiny_encoder, **settings)
    best = with_entities.passages([question])[0]
    assert best[0].text == PASSAGES[3]  # names Voman (its ticker) and the relation, wherever it ranked
    query = tiny_encoder.embed([question])[0]
    assert math.isclose(best[0].score, float(tiny_encoder.embed([PASSAGES[3]])[0] @ query), abs_tol=1e-4)
    postings = with_entities._postings
    assert postings.passages == len(index) and postings.naming_all({"urn:x:voman"}) == [30, 31, 32]
    assert postings.naming_all({"urn:x:voman", "urn:x:zorvex"}) == [] and postings.naming_all(set()) == []
