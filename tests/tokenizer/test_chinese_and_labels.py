from transformers import AutoTokenizer

from vertical.tokenizer.extend import extend_tokenizer
from vertical.tokenizer.mine import mine_terms
from vertical.tokenizer.stats import tokenization_stats

ZH_CORPUS = ["瀚璟集团表示营收增长，保险业务保费收入增加。"] * 25 + ["琮骐控股股价周一上涨。"]


def test_unk_characters_are_mined_first_and_become_known(tiny_model_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    unknown = {ch for text in ZH_CORPUS for ch in text if tokenizer.tokenize(ch) == [tokenizer.unk_token]}
    assert unknown, "the test needs characters the base maps to [UNK]"
    terms = mine_terms(ZH_CORPUS, tokenizer, max_new_tokens=100, min_frequency=20)
    unk_terms = [t for t in terms if t.kind == "unk_char"]
    assert {t.text for t in unk_terms} == unknown  # even the rare ones (min_unk_frequency=1)
    assert terms[: len(unk_terms)] == unk_terms
    assert tokenization_stats(tokenizer, ZH_CORPUS)["unk_rate"] > 0
    extend_tokenizer(tokenizer, terms)
    assert tokenization_stats(tokenizer, ZH_CORPUS)["unk_rate"] == 0
    assert tokenizer.unk_token not in tokenizer.tokenize("琮骐控股")


def test_frequent_chinese_words_become_single_tokens_inside_running_text(tiny_model_dir, tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    terms = mine_terms(ZH_CORPUS, tokenizer, max_new_tokens=100, min_frequency=20)
    words = {t.text for t in terms if t.kind == "zh_word"}
    assert "保费" in words or "收入" in words
    extend_tokenizer(tokenizer, terms)
    tokenizer.save_pretrained(tmp_path)
    reloaded = AutoTokenizer.from_pretrained(tmp_path)
    word = sorted(words)[0]
    assert word in reloaded.tokenize(f"今天{word}很好")  # no spaces needed around a Chinese word


def test_entity_labels_are_kept_even_when_rare_and_segmented_whole(tiny_model_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    without = {t.text for t in mine_terms(ZH_CORPUS, tokenizer, 100, min_frequency=20)}
    with_labels = mine_terms(ZH_CORPUS, tokenizer, 100, min_frequency=20, labels=["琮骐控股", "Nowhere"])
    assert "琮骐控股" not in without
    label = next(t for t in with_labels if t.text == "琮骐控股")
    assert label.frequency == 1 and label.kind == "zh_word"
    assert "nowhere" not in {t.text for t in with_labels}  # a label must occur in the corpus


def test_ngrams_of_three_or_more_pieces_only_when_asked(tiny_model_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    corpus = ["The net interest margin widened at Tulkre."] * 30
    assert not [t for t in mine_terms(corpus, tokenizer, 50, min_frequency=20) if t.kind == "ngram"]
    ngrams = [
        t for t in mine_terms(corpus, tokenizer, 50, min_frequency=20, ngram_max=3) if t.kind == "ngram"
    ]
    assert ngrams and all(len(t.pieces) >= 3 for t in ngrams)
    assert "net interest margin" in {t.text for t in ngrams}
    extend_tokenizer(tokenizer, ngrams)
    assert "net interest margin" in tokenizer.tokenize("Net Interest Margin widened")
