import torch
import torch.nn.functional as F
from transformers import AutoModelForMaskedLM

from vertical.pretrain.masking import WholeWordMaskingCollator
from vertical.pretrain.model import PretrainingModel
from vertical.pretrain.objectives.sentence_order import sentence_order_pairs

CLS, SEP, PAD = 101, 102, 0


def test_pairs_cut_documents_at_a_word_boundary_and_swap_about_half():
    # words: 0 = [11, 12], 1 = [13], 2 = [14], 3 = [15, 16]
    example = {"input_ids": [CLS, 11, 12, 13, 14, 15, 16, SEP], "word_ids": [-1, 0, 0, 1, 2, 3, 3, -1]}
    pairs = sentence_order_pairs([example] * 200, CLS, SEP, PAD, torch.Generator().manual_seed(0))
    in_order = [CLS, 11, 12, 13, SEP, 14, 15, 16, SEP]
    swapped = [CLS, 14, 15, 16, SEP, 11, 12, 13, SEP]
    for row, types, label in zip(
        pairs["sop_input_ids"], pairs["sop_token_type_ids"], pairs["sop_labels"], strict=True
    ):
        assert row.tolist() == (swapped if label else in_order)
        assert types.tolist() == [0] * 5 + [1] * 4
    assert 0.35 < pairs["sop_labels"].float().mean() < 0.65


def test_a_one_word_document_is_never_swapped_and_padding_is_masked():
    short = {"input_ids": [CLS, 11, 12, SEP], "word_ids": [-1, 0, 0, -1]}
    longer = {"input_ids": [CLS, 11, 13, 14, SEP], "word_ids": [-1, 0, 1, 2, -1]}
    pairs = sentence_order_pairs([short] * 20 + [longer], CLS, SEP, PAD, torch.Generator().manual_seed(0))
    assert pairs["sop_labels"][:20].sum() == 0
    assert pairs["sop_input_ids"][0].tolist() == [CLS, 11, 12, SEP, SEP, PAD]
    assert pairs["sop_attention_mask"][0].tolist() == [1, 1, 1, 1, 1, 0]


def test_sentence_order_loss_is_the_cross_entropy_of_its_head(tiny_model_dir):
    masked_lm = AutoModelForMaskedLM.from_pretrained(tiny_model_dir)
    model = PretrainingModel(masked_lm, mlm_weight=1.0, sop_weight=0.5).eval()
    collator = WholeWordMaskingCollator(
        mask_token_id=103,
        pad_token_id=PAD,
        vocab_size=1000,
        seed=0,
        sentence_order=True,
        cls_token_id=CLS,
        sep_token_id=SEP,
    )
    examples = [
        {"input_ids": [CLS, 2000 + n, 2100, 2200 + n, SEP], "word_ids": [-1, 0, 1, 2, -1]} for n in range(6)
    ]
    batch = collator(examples)
    output = model(**batch)
    hidden = masked_lm.base_model(
        input_ids=batch["sop_input_ids"],
        attention_mask=batch["sop_attention_mask"],
        token_type_ids=batch["sop_token_type_ids"],
    ).last_hidden_state
    expected = F.cross_entropy(model.sop.head(hidden[:, 0]), batch["sop_labels"])
    torch.testing.assert_close(output["sop_loss"], expected)
    torch.testing.assert_close(output["loss"], output["mlm_loss"] + 0.5 * output["sop_loss"])
