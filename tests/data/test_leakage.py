from datatrove.data import Document

from vertical.data.leakage import EvaluationExample, LeakageFilter, LeakageIndex

EXAMPLES = [
    EvaluationExample("sentiment", 0, "The bank cut its dividend after a weak quarter in lending"),
    EvaluationExample("sector", 3, "招商银行第三季度净利润同比增长百分之八"),
]


def test_example_contained_in_a_longer_document_is_found():
    index = LeakageIndex(EXAMPLES, ngram=5, threshold=0.8)
    document = (
        "Market wrap. The bank cut its dividend after a weak quarter in lending, analysts said on Monday."
    )
    assert [(e.task, round(c, 2)) for e, c in index.contained(document)] == [("sentiment", 1.0)]
    assert index.contained("The bank raised its dividend after a strong quarter in trading.") == []
    assert [
        e.task for e, _ in index.contained("新闻：招商银行第三季度净利润同比增长百分之八，超出预期。")
    ] == ["sector"]


def test_leakage_step_drops_with_task_and_example_in_the_detail():
    step = LeakageFilter(EXAMPLES, ngram=5, threshold=0.8)
    documents = [
        Document(text="Breaking: the bank cut its dividend after a weak quarter in lending.", id="leak"),
        Document(text="An unrelated note about mortgage rates.", id="ok"),
    ]
    kept = list(step(documents))
    assert [d.id for d in kept] == ["ok"]
    assert documents[0].metadata["drop_detail"] == "task sentiment, example 0, containment 1.00"


def test_an_ner_task_with_a_conll_test_file_gives_its_sentences_to_the_leakage_check(tmp_path):
    # issue 18: a recipe with an NER task (NCBI-disease .tsv) failed in the data stage, which read
    # every test file as labelled texts (.csv, .jsonl, .parquet)
    from vertical.data.declaration import evaluation_examples
    from vertical.recipe import load_recipe

    (tmp_path / "corpus.txt").write_text("the patient has breast cancer and asthma today\n")
    (tmp_path / "train.tsv").write_text("asthma\tB-Disease\nseen\tO\n\nward\tO\n")
    (tmp_path / "test.tsv").write_text("breast\tB-Disease\ncancer\tI-Disease\nfound\tO\n\nno\tO\nsigns\tO\n")
    (tmp_path / "recipe.yaml").write_text(
        "name: t\ndata: {sources: [corpus.txt]}\n"
        "tasks: [{name: disease, type: ner, data: train.tsv, test: test.tsv}]\n"
    )
    examples = evaluation_examples(load_recipe(tmp_path / "recipe.yaml"))
    assert [(e.task, e.index, e.text) for e in examples] == [
        ("disease", 0, "breast cancer found"),
        ("disease", 1, "no signs"),
    ]
