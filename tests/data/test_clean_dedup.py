from vertical.data.clean import normalize_text
from vertical.data.dedup import ExactDeduplicator


def test_normalize_nfkc_controls_and_spaces():
    assert normalize_text("  Ｆｕｌｌ\u3000width\x07 ﬁle \n\n text ") == "Full width file text"


def test_exact_duplicates_ignore_case_and_spacing():
    dedup = ExactDeduplicator()
    assert not dedup.is_duplicate("Rates rose today.")
    assert dedup.is_duplicate("rates  rose\ttoday.")
    assert not dedup.is_duplicate("Rates fell today.")
