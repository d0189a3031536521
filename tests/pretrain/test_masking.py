import torch

from vertical.pretrain.masking import IGNORE_INDEX, WholeWordMaskingCollator, whole_word_mask


def test_all_pieces_of_a_word_share_their_fate():
    word_ids = torch.tensor([[-1, 0, 0, 0, 1, 2, 2, -1, -1]] * 200)
    mask = whole_word_mask(word_ids, 0.3, torch.Generator().manual_seed(0))
    assert not mask[:, [0, 7, 8]].any()  # special and padding tokens are never masked
    assert torch.equal(mask[:, 1], mask[:, 2]) and torch.equal(mask[:, 1], mask[:, 3])
    assert torch.equal(mask[:, 5], mask[:, 6])
    assert 0.2 < mask[:, 4].float().mean() < 0.4  # each word chosen with the given probability


def test_collator_pads_masks_and_labels():
    collator = WholeWordMaskingCollator(
        mask_token_id=103, pad_token_id=0, vocab_size=1000, mlm_probability=0.5, seed=1
    )
    examples = [
        {"input_ids": [101, 11, 12, 13, 102], "word_ids": [-1, 0, 0, 1, -1]},
        {"input_ids": [101, 21, 102], "word_ids": [-1, 0, -1]},
    ] * 50
    batch = collator(examples)
    assert batch["input_ids"].shape == (100, 5)
    assert batch["attention_mask"][1].tolist() == [1, 1, 1, 0, 0]
    masked = batch["labels"] != IGNORE_INDEX
    original = torch.tensor([[101, 11, 12, 13, 102], [101, 21, 102, 0, 0]] * 50)
    assert torch.equal(batch["labels"][masked], original[masked])  # labels hold the original tokens
    replaced = batch["input_ids"][masked]
    assert (replaced == 103).float().mean() > 0.6  # mostly [MASK], some random, some unchanged
    assert torch.equal(batch["input_ids"][~masked], original[~masked])
