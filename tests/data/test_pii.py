import random
import re
from pathlib import Path

import pytest

from vertical.data.pii import find_personal_data, redact_text
from vertical.data.pii.card import is_card_number, luhn_valid
from vertical.data.pii.evaluate import read_labelled, score_detections
from vertical.data.pii.iban import is_valid_iban
from vertical.data.pii.id_cn import id_cn_check_character, is_valid_id_cn

LABELLED = Path(__file__).parents[1] / "assets" / "pii" / "labelled.jsonl"


def test_labelled_set_is_large_bilingual_and_has_hard_negatives():
    rows = read_labelled(LABELLED)
    english = sum(row["lang"] == "en" for row in rows)
    assert len(rows) >= 300
    assert 0.45 <= english / len(rows) <= 0.55
    assert sum(not row["pii"] for row in rows) >= 100


@pytest.mark.parametrize("language", ["en", "zh"])
def test_precision_and_recall_per_type_at_least_095(language):
    rows = [row for row in read_labelled(LABELLED) if row["lang"] == language]
    scores = score_detections(rows)
    assert set(scores) == {"EMAIL", "PHONE", "ID_CN", "CARD", "IBAN", "IP", "SSN", "URL_CREDENTIALS"}
    for kind, score in scores.items():
        assert score.true_positives >= 6, kind
        assert score.precision >= 0.95, (kind, score)
        assert score.recall >= 0.95, (kind, score)


def test_validators_against_published_examples():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert is_card_number("378282246310005")  # Amex test number
    assert not is_card_number("378282246310005" + "0")  # Amex has 15 digits
    assert id_cn_check_character("11010519491231002") == "X"
    assert is_valid_id_cn("11010519491231002X") and not is_valid_id_cn("110105194912310021")
    assert not is_valid_id_cn("110105194913310028")  # month 13
    assert is_valid_iban("GB82WEST12345698765432") and not is_valid_iban("GB83WEST12345698765432")
    assert not is_valid_iban("DE8937040044053201300")  # one digit short for Germany


def test_redaction_is_typed_and_keeps_the_rest():
    text = (
        "Mail ann@example.com, 手机13812345678, card 4111 1111 1111 1111, order #555-123-4567 on 2024-05-01"
    )
    assert redact_text(text) == "Mail <EMAIL>, 手机<PHONE>, card <CARD>, order #555-123-4567 on 2024-05-01"


def test_url_credentials_win_over_the_email_inside():
    found = find_personal_data("db at postgres://etl:pa55word@db.example.com/prod now")
    assert [(f.kind, f.value) for f in found] == [
        ("URL_CREDENTIALS", "postgres://etl:pa55word@db.example.com/prod")
    ]


def test_chinese_id_is_not_taken_for_a_card():
    assert [f.kind for f in find_personal_data("身份证11010519491231002X")] == ["ID_CN"]


def test_language_chooses_phone_formats_only():
    text = "call (415) 555-2671 or 13812345678, SSN 123-45-6789"
    assert [f.kind for f in find_personal_data(text, "en")] == ["PHONE", "SSN"]
    assert [f.kind for f in find_personal_data(text, "zh")] == ["PHONE", "SSN"]
    assert [f.kind for f in find_personal_data(text, "auto")] == ["PHONE", "PHONE", "SSN"]


def _digit_heavy_texts():
    rng = random.Random(7)
    pieces = ["(555) 123-4567", "+1 415 555 0100", "13812345678", "+86 138 1234 5678", "010-12345678",
              "4111 1111 1111 1111", "5500-0000-0000-0004", "123-45-6789", "11010519491231002X", "10.0.0.1",
              "v1.2.3.4", "fe80::1", "GB82 WEST 1234 5698 7654 32", "FY2023", "2021-2022", "$3.5", "12,345",
              "order no. 4111111111111111", "电话", "a@b.co", " ", " ", "-", "(", ")", ".", "7", "00",
              "+"]  # fmt: skip
    for _ in range(3000):
        yield "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))


def test_the_cheap_checks_before_the_detectors_change_nothing(monkeypatch):
    from vertical.data.pii import detect, ip

    texts = list(_digit_heavy_texts())
    fast = [find_personal_data(text) for text in texts]

    def whole(entry):  # a detector over the whole text, without its check or windows
        if isinstance(entry, tuple):
            return entry[0], None
        return (lambda text: entry(text, 0, len(text))), None

    ungated = {language: [whole(e) for e in ds] for language, ds in detect._BY_LANGUAGE.items()}
    monkeypatch.setattr(detect, "_BY_LANGUAGE", ungated)
    monkeypatch.setattr(ip, "_DOTTED_QUAD", re.compile(r"\."))  # the check there was before
    assert fast == [find_personal_data(text) for text in texts]
    assert sum(map(len, fast)) > 1000  # the detectors do find things


def test_the_digit_or_at_check_of_ascii_text_agrees_with_the_regular_expression():
    from vertical.data.pii.detect import _DIGIT_OR_AT, _has_digit_or_at

    rng = random.Random(2)
    for _ in range(2000):
        text = "".join(chr(rng.randrange(128)) for _ in range(rng.randint(0, 8)))
        assert _has_digit_or_at(text) == (_DIGIT_OR_AT.search(text) is not None)
    assert _has_digit_or_at("٣ 价") and not _has_digit_or_at("价格")  # other scripts' digits count too
    assert _has_digit_or_at("价格，。１") and not _has_digit_or_at("价格，。")


def test_every_digit_of_unicode_is_a_candidate_of_the_digit_or_at_check():
    from vertical.data.pii.detect import _DIGIT_OR_AT, _MAY_BE_DIGIT_OR_AT

    every = "".join(chr(point) for point in range(0x110000) if not 0xD800 <= point < 0xE000)
    digits = {match.group() for match in _DIGIT_OR_AT.finditer(every)}
    assert len(digits) > 600 and all(_MAY_BE_DIGIT_OR_AT.match(digit) for digit in digits)


def test_the_shape_checks_of_ascii_text_answer_as_the_regular_expressions():
    from vertical.data.pii import detect, ip, shapes

    rng = random.Random(3)
    alphabet = "0123456789" * 3 + " ()+-.:" * 2 + "AZaz,x/"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(20000)]
    texts += list(_digit_heavy_texts())
    texts += [text.replace("x", "é").replace("/", "利率") for text in texts[:3000]]  # no digit past ASCII
    for text in texts:
        if not text.isascii():
            assert shapes.ascii_shape(text) is None
        shape = shapes.text_shape(text)
        runs = [match.span() for match in detect._SEVEN_DIGITS.finditer(text)]
        assert shapes.seven_digit_runs(shape) == runs, text
        assert shapes.has_iban_start(shape) == (detect._IBAN_START.search(text) is not None), text
        two_colons = re.search(r":[^.: ()+\-]{0,4}:", text) is not None  # an IPv6 address's first groups
        ip_check = ip._DOTTED_QUAD.search(text) is not None or two_colons
        assert shapes.may_have_ip(shape) == ip_check, text


def test_the_windows_around_digit_runs_find_what_whole_text_scans_find():
    from vertical.data.pii import detect

    texts = list(_digit_heavy_texts())
    rng = random.Random(11)  # runs far apart, near the ends, and in Chinese text (the non-ASCII path)
    for text in texts[:1500]:
        filler = "".join(rng.choice(["word ", "利率", "x", "-", " "]) for _ in range(rng.randint(0, 30)))
        texts.append(filler + text + filler[::-1] + text)
    for text in texts:
        for windows in (detect.digit_run_windows(text), detect.digit_run_windows(text, None)):
            assert all(a[1] < b[0] for a, b in zip(windows, windows[1:], strict=False)), text
        for entry in detect._BY_LANGUAGE["auto"]:
            if isinstance(entry, tuple):
                continue
            whole = list(entry(text, 0, len(text)))
            windowed = [f for pos, endpos in detect.digit_run_windows(text) for f in entry(text, pos, endpos)]
            assert sorted(windowed, key=_position) == sorted(whole, key=_position), text


def _position(found):
    return found.start, found.end, found.kind


def test_every_digit_outside_ascii_is_a_candidate_of_the_text_shape():
    from vertical.data.pii import shapes

    every = "".join(chr(point) for point in range(0x80, 0x110000) if not 0xD800 <= point < 0xE000)
    digits = shapes._DIGIT.findall(every)
    assert len(digits) > 600 and all(shapes._MAY_BE_OTHER_DIGIT.match(digit) for digit in digits)
    assert shapes.text_shape("电话 ١٢٣٤٥٦٧") is None and shapes.text_shape("电话 1234567") == b"xxs0000000"
