"""A small, seeded, messy corpus for comparing the data stage's decisions before and after a change.

English and Chinese documents with what the stage must catch: HTML fragments, repeated footers
(boilerplate), personal data, exact copies, near copies (one word or only figures changed),
repeated lines and n-grams (Gopher rules), too-short and symbol-heavy documents, broken JSON lines.
`tests/assets/data/make_stage_reference.py` ran the stage of before the batched steps on it and
saved what it kept and dropped; `test_stage_reference.py` requires the same of today's stage.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

_EN = (
    "bank loan deposit rate yield bond equity credit risk market price share dividend inflation policy "
    "growth revenue profit margin capital liquidity reserve asset fund investor trader broker insurer "
    "mortgage savings account payment transfer customer branch quarter forecast guidance outlook demand "
    "rose fell climbed dropped steady sharply after before while because although amid despite don't "
    "the a of in on for with by from to at as and or but said reported expects announced raised cut U.S."
).split()
_ZH = (
    "银行贷款存款利率收益债券股票信用风险市场价格分红通胀政策"
    "增长收入利润资本流动性准备金资产基金投资者季度预测"
)
_FOOTERS = [
    "This message is confidential and intended only for the named recipient.",
    "Unsubscribe from these alerts in your account settings.",
    "本邮件内容保密，仅供指定收件人使用。",
]
_PERSONAL = [
    "Contact ann{n}@example.com for details.",
    "Call (415) 555-{n:04d} today.",
    "客户手机138{n:08d}。",
    "Server 10.0.{m}.{k} failed at 09:{m:02d}.",
    "Card 4111 1111 1111 1111 was declined.",
]


def _english(rng: random.Random, words: int) -> str:
    text, sentence = [], []
    for _ in range(words):
        sentence.append(rng.choice(_EN))
        if rng.random() < 0.08:
            sentence.append(str(rng.randint(1, 2030)))
        if len(sentence) > rng.randint(6, 18):
            text.append(" ".join(sentence).capitalize() + ".")
            sentence = []
    return " ".join(text + ([" ".join(sentence) + "."] if sentence else []))


def _chinese(rng: random.Random, characters: int) -> str:
    text = []
    for i in range(1, characters + 1):
        text.append(rng.choice(_ZH))
        if i % rng.randint(10, 25) == 0:
            text.append(rng.choice("，。"))
    return "".join(text) + "。"


def _document(rng: random.Random) -> str:
    roll = rng.random()
    chinese = rng.random() < 0.3
    if roll < 0.03:
        return rng.choice(["ok", "thanks!", "见附件"])  # too short
    if roll < 0.05:
        return "$$$ %%% ### @@@ " * rng.randint(3, 8) + "deal"  # symbols
    paragraphs = [
        _chinese(rng, rng.randint(40, 300)) if chinese else _english(rng, rng.randint(15, 120))
        for _ in range(rng.randint(1, 4))
    ]
    if roll < 0.09:
        paragraphs = paragraphs[:1] * rng.randint(3, 6)  # duplicated lines
    elif roll < 0.12:
        phrase = _english(rng, 6)
        paragraphs.append(" ".join([phrase] * rng.randint(4, 12)))  # repeated n-grams
    if rng.random() < 0.15:
        n = rng.randint(0, 9999)
        paragraphs.insert(1, rng.choice(_PERSONAL).format(n=n, m=n % 60, k=n % 250 + 1))
    if rng.random() < 0.3:
        paragraphs.append(rng.choice(_FOOTERS))
    text = "\n".join(paragraphs)
    if rng.random() < 0.06:
        text = "<div><p>" + text.replace("\n", "</p><p>") + "</p><script>x=1</script></div>"
    if rng.random() < 0.05:
        text = text.replace(" ", "  ").replace("a", "ａ", 2) + "\u200b"
    return text


def write_stage_corpus(folder: Path, documents: int = 900, files: int = 3, seed: int = 17) -> list[Path]:
    """Writes the corpus as JSON Lines into `files` files in `folder`; returns their paths."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"part-{i}.jsonl" for i in range(files)]
    lines: list[list[str]] = [[] for _ in paths]
    recent: list[str] = []
    for index in range(documents):
        roll = rng.random()
        if roll < 0.04 and recent:
            text = rng.choice(recent)  # exact copy
        elif roll < 0.06 and recent:
            text = rng.choice(recent).upper()  # exact copy but for case
        elif roll < 0.11 and recent:
            parts = rng.choice(recent).split(" ")  # near copy: one word changed
            parts[rng.randrange(len(parts))] = rng.choice(_EN)
            text = " ".join(parts)
        elif roll < 0.13 and recent:
            text = "".join(str((int(c) + 1) % 10) if c.isdigit() else c for c in rng.choice(recent))
        else:
            text = _document(rng)
            recent = (recent + [text])[-50:]
        line = json.dumps({"id": f"doc{index}", "text": text}, ensure_ascii=False)
        if rng.random() < 0.004:
            line = '{"id": "broken", "text": "unterminated'
        lines[index % files].append(line + "\n")
    for path, part in zip(paths, lines, strict=True):
        path.write_text("".join(part), encoding="utf-8")
    return paths
