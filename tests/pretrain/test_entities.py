import torch

from vertical.pretrain.entities import NameMentions, token_entity_ids
from vertical.pretrain.masking import IGNORE_INDEX, WholeWordMaskingCollator, entity_span_mask


def test_mentions_are_found_case_insensitively_on_word_boundaries_longest_first():
    # the knowledge stage's EntityLinker does the matching, so the two ways of masking entities agree
    finder = NameMentions(["Voman Group", "Voman", "zorbel", ""])
    text = "Voman Group said VOMAN grew its zorbel book; Vomanx is not a mention, zorbels is (a plural)."
    found = [text[start:end] for start, end in finder.spans(text)]
    assert found == ["Voman Group", "VOMAN", "zorbel", "zorbels"]
    assert NameMentions([]).spans(text) == []


def test_chinese_names_are_found_inside_running_text_and_latin_ones_only_as_words():
    finder = NameMentions(["瀚璟集团", "Voman"])
    text = "瀚璟集团发布年报，Voman与Vomans不同"
    assert [text[s:e] for s, e in finder.spans(text)] == ["瀚璟集团", "Voman"]


def test_tokens_inside_a_mention_get_its_index():
    # "[CLS] Voman Group said zorbel [SEP]" with character offsets of each token
    offsets = [(0, 0), (0, 3), (3, 5), (6, 11), (12, 16), (17, 20), (20, 23), (0, 0)]
    spans = [(0, 11), (17, 23)]
    assert token_entity_ids(offsets, spans) == [-1, 0, 0, 0, -1, 1, 1, -1]
    assert token_entity_ids(offsets, []) == [-1] * len(offsets)


def test_entity_mentions_are_masked_as_wholes():
    entity_ids = torch.tensor([[-1, 0, 0, 0, -1, 1, 1, -1]] * 300)
    mask = entity_span_mask(entity_ids, 0.5, torch.Generator().manual_seed(0))
    assert torch.equal(mask[:, 1], mask[:, 2]) and torch.equal(mask[:, 1], mask[:, 3])
    assert torch.equal(mask[:, 5], mask[:, 6])
    assert not mask[:, [0, 4, 7]].any()
    assert 0.4 < mask[:, 1].float().mean() < 0.6


def test_collator_masks_entities_more_often_than_words_when_asked():
    example = {
        "input_ids": [101, 11, 12, 13, 14, 102],
        "word_ids": [-1, 0, 0, 1, 2, -1],
        "entity_ids": [-1, 0, 0, -1, -1, -1],
    }
    collator = WholeWordMaskingCollator(
        mask_token_id=103,
        pad_token_id=0,
        vocab_size=1000,
        mlm_probability=0.1,
        entity_probability=0.9,
        seed=0,
    )
    masked = collator([example] * 500)["labels"] != IGNORE_INDEX
    assert torch.equal(masked[:, 1], masked[:, 2])
    assert masked[:, 1].float().mean() > 0.85  # the entity: 1 - (1 - 0.1)(1 - 0.9) = 0.91
    assert masked[:, 4].float().mean() < 0.2  # an ordinary word: 0.1
    plain = WholeWordMaskingCollator(
        mask_token_id=103, pad_token_id=0, vocab_size=1000, mlm_probability=0.1, seed=0
    )
    assert (plain([example] * 500)["labels"][:, 1] != IGNORE_INDEX).float().mean() < 0.2


def test_linked_mentions_are_read_by_document_and_overlaps_dropped(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vertical.pretrain.entities import LinkedMentions

    spans = tmp_path / "spans.parquet"
    pq.write_table(
        pa.table({"document_id": ["a", "a", "a", "b"], "start": [10, 0, 2, 3], "end": [14, 6, 5, 8]}), spans
    )
    linked = LinkedMentions(spans)
    assert linked.spans("whatever the text", "a") == [(0, 6), (10, 14)]  # (2, 5) lies inside (0, 6)
    assert linked.spans("", "b") == [(3, 8)] and linked.spans("", "c") == []
