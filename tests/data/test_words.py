from vertical.data.words import MixedScriptTokenizer, count_words, words


def test_english_words_and_chinese_characters():
    assert words("The bank's 3.5% rate 招商银行 AAPL") == [
        "The",
        "bank's",
        "3.5",
        "rate",
        "招",
        "商",
        "银",
        "行",
        "AAPL",
    ]
    assert count_words("股价上涨 sharply") == 5


def test_sentences_in_both_languages():
    assert MixedScriptTokenizer().sent_tokenize("Rates rose. 股价上涨。好！ok") == [
        "Rates rose.",
        "股价上涨。",
        "好！",
        "ok",
    ]
