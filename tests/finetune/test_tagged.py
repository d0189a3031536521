import json

import pytest

from vertical.errors import DataError
from vertical.finetune.tagged import read_conll, read_span_jsonl, read_tagged, split_words, tag_set


def test_conll_sentences_with_tabs_spaces_and_docstart(tmp_path):
    path = tmp_path / "train.conll"
    path.write_text("-DOCSTART- O\n\nAspirin\tB-Drug\ncures\tO\n\nhead NN I-Part\nache NN O\n")
    sentences = read_conll(path)
    assert [s.words for s in sentences] == [("Aspirin", "cures"), ("head", "ache")]
    assert sentences[1].tags == ("I-Part", "O")


def test_misaligned_conll_line_names_file_and_line(tmp_path):
    path = tmp_path / "train.tsv"
    path.write_text("Aspirin\tB-Drug\ncures\n")
    with pytest.raises(DataError, match=rf"^{path}:2: expected 'token<TAB>tag'"):
        read_conll(path)
    path.write_text("Aspirin\tB-Drug\ncures\tDrug\n")
    with pytest.raises(DataError, match=rf"^{path}:2: tag 'Drug' is not O, B-<type> or I-<type>"):
        read_conll(path)


def test_span_jsonl_is_tagged_word_by_word(tmp_path):
    path = tmp_path / "ner.jsonl"
    text = "Breast cancer (BRCA1) is common."
    entities = [{"start": 0, "end": 13, "label": "Disease"}, {"start": 15, "end": 20, "label": "Gene"}]
    path.write_text(json.dumps({"text": text, "entities": entities}) + "\n")
    (sentence,) = read_span_jsonl(path, "text", "entities")
    assert sentence.words == ("Breast", "cancer", "(", "BRCA1", ")", "is", "common", ".")
    assert sentence.tags == ("B-Disease", "I-Disease", "O", "B-Gene", "O", "O", "O", "O")


def test_chinese_is_tagged_character_by_character(tmp_path):
    path = tmp_path / "zh.jsonl"
    path.write_text('{"text": "招商银行发布年报", "entities": [{"start": 0, "end": 4, "label": "ORG"}]}\n')
    (sentence,) = read_tagged(path)
    assert sentence.words == tuple("招商银行发布年报")
    assert sentence.tags == ("B-ORG", "I-ORG", "I-ORG", "I-ORG", "O", "O", "O", "O")
    assert [w for w, _, _ in split_words("iPhone 15发布")] == ["iPhone", "15", "发", "布"]


def test_span_outside_the_text_names_line_and_field(tmp_path):
    path = tmp_path / "ner.jsonl"
    first = {"text": "ok", "entities": []}
    second = {"text": "flu", "entities": [{"start": 1, "end": 9, "label": "D"}]}
    path.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    with pytest.raises(DataError, match=rf"^{path}:2: entities\[0\]: span \[1, 9\) is outside the text"):
        read_span_jsonl(path, "text", "entities")


def test_entity_type_unseen_in_training_is_an_error(tmp_path):
    path = tmp_path / "a.conll"
    path.write_text("x\tB-Drug\n")
    train = read_conll(path)
    path.write_text("y\tB-Gene\n")
    with pytest.raises(DataError, match="'Gene' in the test set never appear"):
        tag_set(train, read_conll(path), "test.conll")
    assert tag_set(train, train, "t") == ["O", "B-Drug", "I-Drug"]
