import pytest
from transformers import AutoTokenizer

from vertical.tokenizer.scratch import train_tokenizer

CORPUS = [f"Tulkre Partners reported EBITDA growth of {n} percent; 营收增长{n}。" for n in range(200)]


@pytest.mark.parametrize("kind", ["wordpiece", "bpe"])
def test_a_tokenizer_trained_from_scratch_loads_and_knows_the_domain(kind, tmp_path):
    size = train_tokenizer(CORPUS, kind, 600, tmp_path)
    assert size <= 600
    tokenizer = AutoTokenizer.from_pretrained(tmp_path)
    pieces = tokenizer.tokenize("Tulkre reported EBITDA 营收")
    assert tokenizer.unk_token not in pieces
    assert len(pieces) <= 10  # domain words are whole or nearly so
    assert tokenizer.mask_token is not None
    encoded = tokenizer("EBITDA")["input_ids"]
    assert encoded[0] == tokenizer.convert_tokens_to_ids(tokenizer.cls_token or tokenizer.bos_token)
