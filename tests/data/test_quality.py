import random

from datatrove.data import Document
from datatrove.pipeline.filters.gopher_repetition_filter import GopherRepetitionFilter

from vertical.data.quality import QualityFilter, script_language, symbol_share
from vertical.data.repetition import RepetitionFilter
from vertical.data.words import MixedScriptTokenizer


def reasons(step, texts):
    out = []
    for text in texts:
        result = step.filter(Document(text=text, id="x"))
        out.append("kept" if result is True else result[1])
    return out


def test_script_language():
    assert script_language("The central bank raised rates.") == "en"
    assert script_language("央行宣布上调利率 0.25 个百分点，AAPL 下跌。") == "zh"
    assert script_language("Центральный банк") == "other"
    assert script_language("12345 !!!") == "other"


def test_symbol_share_counts_neither_chinese_nor_english_punctuation():
    assert symbol_share("利率上调，股价下跌。") == 0.0
    assert symbol_share("Rates (up) 5%, fees: $3.") == 0.0
    assert symbol_share("#### ~~~ |||| ^^^") > 0.5


def test_every_symbol_of_unicode_is_a_candidate_and_the_share_is_the_regular_expression_s():
    from vertical.data.quality import _MAY_BE_SYMBOL, _SYMBOL

    every = "".join(chr(point) for point in range(0x110000) if not 0xD800 <= point < 0xE000)
    symbols = _SYMBOL.findall(every)
    assert len(symbols) > 900_000 and len(_MAY_BE_SYMBOL.findall("".join(symbols))) == len(symbols)
    for text in ("利率上调，股价下跌。★★", "Zürich ☃ café ~ 123 — ok", "Ελλάδα § ¶ 中文"):
        assert symbol_share(text) == len(_SYMBOL.findall(text)) / len(text)


def test_quality_filter_reasons():
    step = QualityFilter(min_chars=10, max_chars=60, max_symbol_share=0.3, language="en")
    texts = [
        "short",
        "x" * 61,
        "#### ~~~~ |||| ^^^^ @@@@",
        "央行宣布上调存款准备金率以稳定市场。",
        "The bank raised its rates.",
    ]
    assert reasons(step, texts) == ["too_short", "too_long", "symbols", "language", "kept"]
    chinese = QualityFilter(min_chars=5, language="zh")
    assert reasons(chinese, ["央行宣布上调存款准备金率。", "The bank raised rates."]) == ["kept", "language"]


def test_repetition_filter_on_long_documents_only():
    step = RepetitionFilter(min_words=50)
    spam = "\n".join(["Buy now and save big today!"] * 20)
    prose = " ".join(f"word{i}" for i in range(80))
    spam_zh = "\n".join(["立即购买享受优惠！"] * 20)
    assert reasons(step, [spam, prose, "Buy now! Buy now!", spam_zh]) == [
        "repetition_duplicate_lines",
        "kept",
        "kept",
        "repetition_duplicate_lines",
    ]


def _texts():
    rng = random.Random(0)
    vocabulary = "rates rose fell bank loan deposit the a of in market price 利 率 上 调 银 行".split()
    for length in (60, 120, 400):
        for repeat in (1, 2, 4, 8):
            unit = " ".join(rng.choice(vocabulary) for _ in range(length // repeat))
            yield " ".join([unit] * repeat)
    yield "promo code SAVE20 " * 40
    yield "The index " + "went up and then it went down again " * 12 + "before the close."


def test_repetition_rules_agree_with_datatrove_gopher_filter():
    reference = GopherRepetitionFilter(language=MixedScriptTokenizer())
    ours = RepetitionFilter(min_words=0)
    documents = [Document(text=text, id="x") for text in _texts()]
    decisions = [(reference.filter(d) is True, ours.filter(d) is True) for d in documents]
    assert all(theirs == mine for theirs, mine in decisions)
    assert {mine for _, mine in decisions} == {True, False}  # both outcomes are exercised


def test_repetition_rules_on_a_batch_decide_as_one_document_at_a_time():
    from vertical.data.repetition import repetition_problem, repetition_problems
    from vertical.data.words import words

    texts = [*_texts(), "", "one", "Buy now! " * 30, "\n".join(["a b c"] * 3)]
    batch = repetition_problems(texts, [words(t) for t in texts], 0)
    assert batch == [repetition_problem(t, 0) for t in texts]
    assert len(set(batch)) > 3  # several rules are exercised


def test_symbol_share_of_ascii_text_counts_as_the_regular_expression():
    from vertical.data.quality import _SYMBOL

    rng = random.Random(1)
    for _ in range(200):
        text = "".join(chr(rng.randrange(128)) for _ in range(rng.randint(1, 60)))
        assert symbol_share(text) == len(_SYMBOL.findall(text)) / len(text)


def test_line_and_paragraph_rules_as_before_the_shortcuts():
    import random

    from vertical.data.repetition import _PARAGRAPHS, _line_problem

    def reference(text):  # the rules without the shortcuts: the "\n\n" test, every part hashed
        paragraphs = _PARAGRAPHS.split(text.strip()) if "\n\n" in text else []
        for name, parts in (("paragraph", paragraphs), ("line", text.split("\n"))):
            if not parts:
                continue
            seen, count, characters = set(), 0, 0
            for part in parts:
                if part in seen:
                    count, characters = count + 1, characters + len(part)
                seen.add(part)
            if count / len(parts) > 0.30:
                return f"duplicate_{name}s"
            if characters / len(text) > 0.20:
                return f"duplicate_{name}_characters"
        return None

    rng = random.Random(3)
    pieces = ["rates rose", "bank", "\n", "\n", "利率", " ", "rates rose"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))) for _ in range(5000)]
    assert [_line_problem(t) for t in texts] == [reference(t) for t in texts]
    assert {reference(t) for t in texts} >= {None, "duplicate_lines", "duplicate_paragraphs"}
