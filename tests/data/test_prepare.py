import json
import logging
import random
import re
import shutil

import pyarrow.parquet as pq
import pytest

from vertical.data import corpus_shards, prepare_corpus
from vertical.data.leakage import EvaluationExample
from vertical.errors import DataError
from vertical.recipe import DataConfig


def test_prepare_cleans_dedups_splits_and_logs_drops(tmp_path):
    corpus = tmp_path / "c.jsonl"
    lines = [{"id": f"d{i}", "text": f"Document number {i} about deposits and loans."} for i in range(200)]
    lines += [
        {"id": "dup", "text": "document number 0 about deposits and loans."},
        {"id": "short", "text": "hi"},
    ]
    corpus.write_text("".join(json.dumps(line) + "\n" for line in lines))
    output = tmp_path / "out"
    output.mkdir()
    cfg = DataConfig(sources=[{"path": str(corpus)}], min_chars=10, validation_fraction=0.1)
    result = prepare_corpus(cfg, output)
    metrics = result.metrics
    assert metrics["documents_read"] == 202
    assert metrics["documents_dropped"] == {"exact_duplicate": 1, "too_short": 1}
    assert metrics["documents_train"] + metrics["documents_validation"] == 200
    assert 5 <= metrics["documents_validation"] <= 40
    drops = [json.loads(line) for line in (output / "drops.jsonl").read_text().splitlines()]
    assert {(d["id"], d["reason"]) for d in drops} == {("dup", "exact_duplicate"), ("short", "too_short")}
    train_ids = {
        row for shard in corpus_shards(output, "train") for row in pq.read_table(shard)["id"].to_pylist()
    }
    validation_ids = {
        row for shard in corpus_shards(output, "validation") for row in pq.read_table(shard)["id"].to_pylist()
    }
    assert not train_ids & validation_ids
    # the split depends on ids only: a second run puts every document on the same side
    again = tmp_path / "again"
    again.mkdir()
    prepare_corpus(cfg, again)
    assert {
        r for s in corpus_shards(again, "validation") for r in pq.read_table(s)["id"].to_pylist()
    } == validation_ids


def _write_jsonl(path, records):
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records)
    )


def _rows(output, split="train"):
    return [row for shard in corpus_shards(output, split) for row in pq.read_table(shard).to_pylist()]


def _drops(output):
    return [json.loads(line) for line in (output / "drops.jsonl").read_text().splitlines()]


NEWS = [
    "The central bank of Freedonia raised its policy rate by a quarter point to fight inflation in services.",
    "Shares of Acme Lending fell after the company reported higher loan losses in its consumer segment.",
    "央行宣布下调存款准备金率零点五个百分点，释放长期资金约一万亿元，以支持实体经济发展。",
    "招商银行公布三季度业绩，净利润同比增长百分之八，零售贷款不良率保持稳定。",
]


LONG_NEWS = [
    "The central bank of Freedonia raised its policy rate by a quarter point on Tuesday, the third "
    "increase this year, saying that prices in services were still rising faster than wages. Governor "
    "Alma Reyes told reporters that the board would watch rents, insurance premiums and energy bills "
    "before deciding on another move, and that the bank was ready to sell bonds from its balance sheet "
    "if long-term yields fell too far. Economists at three large lenders had expected the decision, "
    "although one had forecast a pause until the spring.",
    "Shares of Acme Lending fell eleven percent in early trading after the company reported higher loan"
    " losses in its consumer segment and cut its forecast for the full year. Chief executive Tom Hale "
    "blamed late payments on car loans in the southern states and said the firm had tightened its "
    "approval rules in August. Analysts asked whether the reserve build was large enough, and two "
    "brokers lowered their price targets after the call.",
    "央行周五宣布下调金融机构存款准备金率零点五个百分点，预计释放长期资金约一万亿元。央行有关负"
    "责人表示，此次降准旨在保持流动性合理充裕，支持实体经济特别是小微企业和制造业的融资需求，同"
    "时不会搞大水漫灌。市场人士认为，下半年货币政策仍将保持稳健偏宽松的基调。",
    "招商银行周三公布三季度业绩，前三季度实现净利润一千一百亿元，同比增长百分之八。该行零售贷款"
    "不良率保持稳定，信用卡业务风险有所上升，管理层表示将继续加强贷后管理，并加大对财富管理和私"
    "人银行业务的投入，以提升非利息收入占比。",
]


def test_near_duplicates_in_english_and_chinese_are_removed(tmp_path):
    # one changed word near the end of about 90 words or 120 characters: Jaccard similarity about 0.95
    records = [{"id": f"n{i}", "text": text} for i, text in enumerate(LONG_NEWS)]
    records += [
        {"id": "near-en", "text": LONG_NEWS[0].replace("until the spring", "until the summer")},
        {"id": "near-zh", "text": LONG_NEWS[2].replace("稳健偏宽松", "稳健中性")},
    ]
    _write_jsonl(tmp_path / "c.jsonl", records)
    cfg = DataConfig(sources=[{"path": str(tmp_path / "c.jsonl")}], dedup="near", validation_fraction=0.0)
    metrics = prepare_corpus(cfg, tmp_path / "out").metrics
    assert metrics["documents_dropped"] == {"near_duplicate": 2}
    dropped = {d["id"] for d in _drops(tmp_path / "out")}
    assert len(dropped) == 2 and {"near-en", "n0"} & dropped and {"near-zh", "n2"} & dropped
    assert metrics["documents_train"] == 4


def test_bad_records_are_skipped_and_logged_with_file_and_line(tmp_path, caplog):
    good = [{"text": text} for text in NEWS] * 10
    corpus = tmp_path / "c.jsonl"
    _write_jsonl(corpus, [*good[:5], "{broken", {"body": "no text"}, *good[5:]])
    with open(corpus, "ab") as handle:
        handle.write(b'{"text": "caf\xe9 au lait"}\n')
    (tmp_path / "empty.txt").write_text("")
    sources = [{"path": str(corpus)}, {"path": str(tmp_path / "empty.txt")}]
    cfg = DataConfig(sources=sources, dedup="none", max_bad_fraction=0.2)
    with caplog.at_level(logging.WARNING, logger="vertical.data.prepare"):
        metrics = prepare_corpus(cfg, tmp_path / "out").metrics
    assert metrics["documents_dropped"]["bad_record"] == 4
    assert re.search(
        r"4 of 44 records are unreadable .*skipped.* first: .*c\.jsonl:6: invalid JSON", caplog.text
    )
    bad = sorted((d["line"] or 0, d["detail"].split(":")[0]) for d in _drops(tmp_path / "out"))
    assert bad == [
        (0, "empty file"),
        (6, "invalid JSON"),
        (7, "field 'text' missing; fields found"),
        (43, "not UTF-8 text (byte 13); convert it to UTF-8"),
    ]
    strict = DataConfig(sources=sources, max_bad_fraction=0.05)
    with pytest.raises(
        DataError, match=r"4 of 44 records are unreadable .* first: .*c\.jsonl:6: invalid JSON"
    ):
        prepare_corpus(strict, tmp_path / "strict")


def test_personal_data_modes(tmp_path):
    texts = [
        "Please call our adviser at (415) 555-2671 about the mortgage renewal this week.",
        "客户手机号13812345678，身份证号11010519491231002X，已完成开户。",
        "The bond auction on 2024-05-01 raised $1,250,000 at 4.25% for order #555-123-4567.",
    ]
    _write_jsonl(tmp_path / "c.jsonl", [{"id": str(i), "text": t} for i, t in enumerate(texts)])
    source = [{"path": str(tmp_path / "c.jsonl")}]
    redacted = prepare_corpus(DataConfig(sources=source, validation_fraction=0.0), tmp_path / "redact")
    assert [r["text"] for r in _rows(tmp_path / "redact")] == [
        "Please call our adviser at <PHONE> about the mortgage renewal this week.",
        "客户手机号<PHONE>,身份证号<ID_CN>,已完成开户。",
        texts[2],
    ]
    assert redacted.metrics["personal_data_found"] == {
        "ID_CN": 1,
        "PHONE": 2,
        "documents_with_personal_data": 2,
    }
    prepare_corpus(DataConfig(sources=source, validation_fraction=0.0, pii="drop"), tmp_path / "drop")
    assert [r["id"] for r in _rows(tmp_path / "drop")] == ["2"]
    assert {d["reason"] for d in _drops(tmp_path / "drop")} == {"personal_data"}
    reported = prepare_corpus(
        DataConfig(sources=source, validation_fraction=0.0, pii="report"), tmp_path / "report"
    )
    assert [r["text"] for r in _rows(tmp_path / "report")][0] == texts[0]
    assert reported.metrics["personal_data_found"]["PHONE"] == 2


def test_leaked_test_examples_are_removed_and_reported(tmp_path):
    _write_jsonl(tmp_path / "c.jsonl", [{"id": str(i), "text": t} for i, t in enumerate(NEWS)])
    example = EvaluationExample("sector", 7, "净利润同比增长百分之八，零售贷款不良率保持稳定")
    cfg = DataConfig(sources=[{"path": str(tmp_path / "c.jsonl")}], validation_fraction=0.0)
    metrics = prepare_corpus(cfg, tmp_path / "out", evaluation_examples=[example]).metrics
    assert metrics["leakage_documents_removed"] == 1
    assert _drops(tmp_path / "out") == [
        {"id": "3", "source": str(tmp_path / "c.jsonl"), "line": 4, "reason": "leakage",
         "detail": "task sector, example 7, containment 1.00"}
    ]  # fmt: skip


def test_a_rerun_resumes_from_the_tasks_that_finished(tmp_path):
    _write_jsonl(tmp_path / "c.jsonl", [{"text": f"{text} ({i})"} for i, text in enumerate(NEWS * 5)])
    cfg = DataConfig(sources=[{"path": str(tmp_path / "c.jsonl")}], dedup="near", tasks=2)
    work = tmp_path / "work"
    first = prepare_corpus(cfg, tmp_path / "first", work).metrics
    curate_log = work / "logs" / "curate" / "logs" / "task_00000.log"
    written = curate_log.stat().st_mtime_ns
    # as if killed during the last pipeline: its completion marks are gone
    shutil.rmtree(work / "logs" / "finish" / "completions")
    second = prepare_corpus(cfg, tmp_path / "second", work).metrics
    assert curate_log.stat().st_mtime_ns == written  # the finished curation was not redone
    assert second == first
    # different settings start afresh
    prepare_corpus(cfg.model_copy(update={"min_chars": 30}), tmp_path / "third", work)
    assert curate_log.stat().st_mtime_ns != written


def test_copies_in_different_tasks_are_removed_by_near_dedup(tmp_path):
    rng = random.Random(0)
    vocabulary = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) for _ in range(3000)]
    texts = [" ".join(rng.choice(vocabulary) for _ in range(80)) for _ in range(20)]
    sources = tmp_path / "sources"
    sources.mkdir()
    for name in ("a.jsonl", "b.jsonl"):  # the same documents twice; with two tasks each task reads one file
        _write_jsonl(sources / name, [{"id": f"{name}{i}", "text": t} for i, t in enumerate(texts)])
    cfg = DataConfig(sources=[{"path": str(sources)}], dedup="near", tasks=2, validation_fraction=0.0)
    metrics = prepare_corpus(cfg, tmp_path / "out").metrics
    assert metrics["documents_train"] == 20
    assert metrics["documents_dropped"] == {"near_duplicate": 20}
