import random

from datatrove.data import Document

from vertical.data.boilerplate import RemoveBoilerplateLines, boilerplate_keys, key_lengths, strip_lines

FOOTER = "This e-mail is confidential."
FOOTER_ZH = "本邮件内容保密，请勿转发。"


def documents(count):
    return [
        Document(text=f"Report {i} on deposits.\n{FOOTER}\n报告{i}。\n{FOOTER_ZH}", id=str(i))
        for i in range(count)
    ]


def test_lines_in_many_documents_are_boilerplate():
    texts = [d.text for d in documents(50)]
    keys = boilerplate_keys(texts, min_share=0.1, min_documents=5)
    assert strip_lines(texts[3], keys) == "Report 3 on deposits.\n报告3。"


def test_rare_lines_are_not_boilerplate():
    texts = [d.text for d in documents(4)]  # fewer documents than min_documents
    assert boilerplate_keys(texts, min_share=0.01, min_documents=5) == set()


def test_step_strips_every_document_and_drops_those_that_were_all_boilerplate():
    stream = documents(30) + [
        Document(text=f"{FOOTER}\n{FOOTER_ZH}", id="only-footer"),
        Document(text=FOOTER, id="one"),
    ]
    step = RemoveBoilerplateLines(sample_documents=20, min_share=0.1, min_documents=5)
    kept = list(step(stream))
    assert [d.id for d in kept][-1] == "one"  # a one-line document is left alone
    assert "only-footer" not in {d.id for d in kept}
    assert all(FOOTER_ZH not in d.text for d in kept)
    assert len(kept) == 31


def test_the_lengths_of_the_keys_lines_change_no_stripped_text():
    rng = random.Random(0)
    lines = [FOOTER, FOOTER.upper(), FOOTER_ZH, "Straße", "STRASSE", "strasse", "Report", "x" * len(FOOTER)]
    texts = ["\n".join(rng.choice(lines) for _ in range(rng.randint(1, 6))) for _ in range(400)]
    keys = boilerplate_keys(texts, min_share=0.2, min_documents=5)
    lengths = key_lengths(texts, keys)
    assert keys and lengths
    assert [strip_lines(t, keys, lengths) for t in texts] == [strip_lines(t, keys) for t in texts]
