"""Chinese whole-word masking: the tokens of a segmented Chinese word share one word id."""

from transformers import AutoTokenizer

from vertical.models import resolve_base_model
from vertical.pretrain.chinese_words import chinese_word_ids
from vertical.pretrain.masking import whole_word_mask


def _encode(text):
    tokenizer = AutoTokenizer.from_pretrained(str(resolve_base_model("builtin:minilm").path))
    encoded = tokenizer(text, return_offsets_mapping=True)
    word_ids = [-1 if w is None else w for w in encoded.word_ids()]
    return tokenizer.convert_ids_to_tokens(encoded["input_ids"]), encoded["offset_mapping"], word_ids


def test_characters_of_a_chinese_word_share_an_id_and_english_words_keep_theirs():
    text = "中国银行发布了年度报告 with EBITDA"
    tokens, offsets, word_ids = _encode(text)
    regrouped = chinese_word_ids(text, offsets, word_ids)
    by_char = {text[s:e]: w for (s, e), w in zip(offsets, regrouped, strict=True) if e > s}
    # jieba: 中国银行 / 发布 / 了 / 年度报告
    assert by_char["中"] == by_char["国"] == by_char["银"] == by_char["行"]
    assert by_char["年"] == by_char["度"] == by_char["报"] == by_char["告"]
    assert by_char["发"] == by_char["布"]
    assert len({by_char["中"], by_char["发"], by_char["了"], by_char["年"]}) == 4  # 了 stays a word alone
    # the pieces of an English word still share their id, special tokens keep -1
    pieces = [w for t, w in zip(tokens, regrouped, strict=True) if t.startswith("##") or t == "e"]
    assert len(set(pieces)) == 1
    assert regrouped[0] == regrouped[-1] == -1
    assert sorted(set(regrouped) - {-1}) == list(range(len(set(regrouped) - {-1})))  # numbered 0, 1, 2 ...


def test_text_without_chinese_is_left_as_it_was():
    text = "The lender raised deposits."
    _, offsets, word_ids = _encode(text)
    assert chinese_word_ids(text, offsets, word_ids) == word_ids


def test_whole_word_mask_masks_a_chinese_word_as_a_whole():
    import torch

    text = "银行发布报告银行发布报告"
    _, offsets, word_ids = _encode(text)
    regrouped = torch.tensor([chinese_word_ids(text, offsets, word_ids)])
    token_at = {start: i for i, (start, end) in enumerate(offsets) if end > start}  # character -> token
    words = [(0, 2), (2, 4), (4, 6), (6, 8), (8, 10), (10, 12)]  # jieba: 银行 / 发布 / 报告, twice
    masked_words = 0
    for seed in range(20):
        masked = whole_word_mask(regrouped, 0.3, torch.Generator().manual_seed(seed))[0]
        for start, end in words:
            flags = {bool(masked[token_at[c]]) for c in range(start, end)}
            assert len(flags) == 1, f"seed {seed}: {text[start:end]} was masked in part"
            masked_words += flags == {True}
    assert masked_words > 0  # not vacuous: words were masked, each as a whole
