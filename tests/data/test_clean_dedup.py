import random

import xxhash
from datatrove.data import Document

from vertical.data.clean import CleanText, clean_lines, html_to_text, looks_like_html, normalize_text
from vertical.data.dedup import ExactDedupFilter, ExactDeduplicator, dedup_key


def test_normalize_nfkc_controls_and_spaces():
    assert normalize_text("  Ｆｕｌｌ\u3000width\x07 ﬁle \n\n text ") == "Full width file text"


def test_clean_lines_keeps_lines_and_normalises_chinese_full_width():
    assert clean_lines("  招商银行\u3000 股价\r\n\r\n\x07 上涨ＡＢＣ１２３ \n") == "招商银行 股价\n上涨ABC123"


def test_html_to_visible_text():
    page = "<html><head><style>p{}</style></head><body><p>Rates &amp; fees</p><div>利率<b>上调</b></div>"
    page += "<script>track()</script><!-- hidden --></body></html>"
    assert looks_like_html(page) and not looks_like_html("a < b and c > d")
    assert clean_lines(html_to_text(page)) == "Rates & fees\n利率 上调"


def test_clean_step_strips_html_only_when_it_looks_like_html():
    documents = [Document(text="<p>Hello <i>world</i></p>", id="1"), Document(text="x < y > z", id="2")]
    assert [d.text for d in CleanText()(documents)] == ["Hello world", "x < y > z"]


def test_exact_duplicates_ignore_case_and_spacing():
    dedup = ExactDeduplicator()
    assert not dedup.is_duplicate("Rates rose today.")
    assert dedup.is_duplicate("rates  rose\ttoday.")
    assert not dedup.is_duplicate("Rates fell today.")
    assert not dedup.is_duplicate("利率 上调")
    assert dedup.is_duplicate("利率上调")


def test_exact_dedup_step_keeps_the_first():
    documents = [Document(text=t, id=str(i)) for i, t in enumerate(["A b", "a  B", "c"])]
    assert [d.id for d in ExactDedupFilter()(documents)] == ["0", "2"]


def test_the_exact_key_of_ascii_text_is_that_of_the_general_path():
    rng = random.Random(0)
    for _ in range(2000):
        text = "".join(chr(rng.randrange(128)) for _ in range(rng.randint(0, 30)))
        folded = "".join(text.lower().split()).encode("utf-8")
        assert dedup_key(text) == xxhash.xxh3_64_intdigest(folded)


def test_the_exact_key_is_the_same_in_every_process():
    # xxh3 with seed 0, not Python's per-process salted hash(): keys may be compared across tasks
    assert dedup_key("Rates rose today.") == dedup_key("rates rose today.") == 0x8B639EF357CA5F29
