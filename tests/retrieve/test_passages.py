from vertical.records import Document
from vertical.retrieve.passages import split_passages


def test_passages_are_spans_of_the_document_with_the_overlap_asked_for():
    text = " ".join(f"w{i}" for i in range(25))
    document = Document("d1", "  " + text + "\n")
    passages = split_passages(document, words=10, overlap=3)
    assert [p.text.split()[0] for p in passages] == ["w0", "w7", "w14", "w21"]
    assert all(document.text[p.start : p.end] == p.text for p in passages)
    assert passages[-1].text.split()[-1] == "w24" and len(passages[0].text.split()) == 10


def test_chinese_counts_each_ideograph_as_a_word_and_a_short_document_is_one_passage():
    document = Document("zh", "贵州茅台是一家酒类公司。")
    passages = split_passages(document, words=4, overlap=0)
    assert [p.text for p in passages] == ["贵州茅台", "是一家酒", "类公司。"]
    assert split_passages(Document("s", "one two"), words=10, overlap=2)[0].text == "one two"
    assert split_passages(Document("e", "   "), words=10, overlap=2) == []
