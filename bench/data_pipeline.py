"""Data stage throughput and peak memory: the full curation pipeline against the read-and-write floor.

Generates a messy English and Chinese corpus of `--size-mb` MB (JSON Lines, several files: HTML
fragments, boilerplate footers, personal data, exact and near duplicates, a few broken lines), or
with `--real` takes the real corpora ../shared/datasets/earnings_calls (earnings-call transcripts)
and general_en (Wikipedia articles), skipped with a message when they are absent; then runs, each
in a fresh process, on the same datatrove executor (`LocalPipelineExecutor`, same tasks and
workers):

* floor: read the corpus (vertical's reader step) and write it as parquet, nothing else;
* full:  the whole data stage (clean, boilerplate, quality, repetition, personal data, exact
  and MinHash near dedup, split, write), `vertical.data.prepare_corpus`.

Prints MB/s of each, the ratio full/floor in wall time and in CPU time (the fairer figure on a
shared machine), and the peak resident memory of each process (with its children). The corpus is
generated once into `--folder` and reused. The last line is
``ratio_to_floor=<CPU time full / floor> mb_per_core_s=<MB per CPU second, full> peak_rss_mb=<full>``.

    python bench/data_pipeline.py [--size-mb 200] [--tasks 2] [--workers 1] [--dedup near]
    python bench/data_pipeline.py --real [--datasets ../shared/datasets]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

EN_WORDS = (
    "bank loan deposit rate yield bond equity credit risk market price share dividend inflation policy "
    "growth revenue profit margin capital liquidity reserve asset fund investor trader broker insurer "
    "mortgage savings account payment transfer customer branch quarter forecast guidance outlook demand "
    "supply export import currency exchange index futures option swap hedge default spread rating "
    "rose fell climbed dropped steady sharply slightly after before while because although amid despite "
    "the a of in on for with by from to at as and or but said reported expects announced raised cut"
).split()
ZH_CHARS = (
    "银行贷款存款利率收益债券股票信用风险市场价格分红通胀政策增长收入利润资本流动性准备金资产基金投资者"
    "交易经纪保险按揭储蓄账户支付转账客户网点季度预测指引前景需求供给出口进口货币汇率指数期货期权对冲违约"
    "上涨下跌稳定大幅小幅之后之前同时因为尽管由于表示报告预计宣布提高降低公司集团监管央行财政部门发布数据"
)
# the real corpora of --real, inside --datasets: earnings-call transcripts and Wikipedia articles
REAL_CORPORA = ("earnings_calls/ects_transcripts.jsonl", "general_en/wikipedia_sample.jsonl")
FOOTERS = [
    "This message is confidential and intended only for the named recipient.",
    "Unsubscribe from these alerts in your account settings.",
    "本邮件内容保密，仅供指定收件人使用。",
]


def english_paragraph(rng: random.Random, words: int) -> str:
    sentences, sentence = [], []
    for _ in range(words):
        sentence.append(rng.choice(EN_WORDS))
        if len(sentence) > rng.randint(8, 20):
            sentences.append(" ".join(sentence).capitalize() + ".")
            sentence = []
    return " ".join(sentences + ([" ".join(sentence) + "."] if sentence else []))


def chinese_paragraph(rng: random.Random, characters: int) -> str:
    text = []
    for i in range(characters):
        text.append(rng.choice(ZH_CHARS))
        if i % rng.randint(12, 30) == 0 and i:
            text.append(rng.choice("，。"))
    return "".join(text) + "。"


def personal_data(rng: random.Random) -> str:
    return rng.choice(
        [
            f"Contact {rng.choice(['ann', 'bo', 'chen'])}{rng.randint(1, 999)}@example.com.",
            f"Call ({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}.",
            f"客户手机1{rng.choice('3589')}{rng.randint(100000000, 999999999)}。",
            f"Server 10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)} failed.",
        ]
    )


class DocumentMaker:
    """Documents from a pool of generated paragraphs, each copy with a tenth of its words (or
    characters) replaced, so that documents sharing a pool paragraph are far from duplicates
    (5-gram Jaccard about 0.2) while generation stays fast."""

    def __init__(self, rng: random.Random, pool: int = 3000) -> None:
        self.rng = rng
        self.english = [english_paragraph(rng, rng.randint(60, 250)).split(" ") for _ in range(pool)]
        self.chinese = [list(chinese_paragraph(rng, rng.randint(150, 600))) for _ in range(pool // 2)]

    def paragraph(self, chinese: bool) -> str:
        rng = self.rng
        parts = list(rng.choice(self.chinese if chinese else self.english))
        for _ in range(len(parts) // 10):
            parts[rng.randrange(len(parts))] = rng.choice(ZH_CHARS) if chinese else rng.choice(EN_WORDS)
        return ("" if chinese else " ").join(parts)

    def document(self) -> str:
        rng = self.rng
        chinese = rng.random() < 0.3
        paragraphs = [self.paragraph(chinese) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.1:
            paragraphs.insert(1, personal_data(rng))
        if rng.random() < 0.3:
            paragraphs.append(rng.choice(FOOTERS))
        text = "\n".join(paragraphs)
        if rng.random() < 0.05:
            text = "<div><p>" + text.replace("\n", "</p><p>") + "</p></div>"
        return text


def generate(folder: Path, size_mb: int, files: int, seed: int = 0) -> int:
    """Writes the corpus into `folder` (once); returns its size in bytes."""
    marker = folder / f".complete-{size_mb}mb"
    if marker.is_file():
        return sum(p.stat().st_size for p in folder.glob("*.jsonl"))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    maker = DocumentMaker(rng)
    target, written, index = size_mb * 1_000_000, 0, 0
    handles = [open(folder / f"part-{i:03d}.jsonl", "w", encoding="utf-8") for i in range(files)]
    recent: list[str] = []
    while written < target:
        roll = rng.random()
        if roll < 0.02 and recent:
            text = rng.choice(recent)  # exact copy
        elif roll < 0.07 and recent:
            words = rng.choice(recent).split(" ")  # near copy: one word changed
            words[rng.randrange(len(words))] = rng.choice(EN_WORDS)
            text = " ".join(words)
        else:
            text = maker.document()
            recent = (recent + [text])[-200:]
        line = json.dumps({"id": f"doc{index}", "text": text}, ensure_ascii=False) + "\n"
        if rng.random() < 0.0005:
            line = '{"id": "broken", "text": "unterminated\n'
        handles[index % files].write(line)
        written += len(line.encode("utf-8"))
        index += 1
    for handle in handles:
        handle.close()
    marker.touch()
    return written


def run_floor(corpus: list[Path], out: Path, tasks: int, workers: int) -> None:
    """Read with vertical's reader step and write parquet, on the same executor, nothing else."""
    from datatrove.executor.local import LocalPipelineExecutor
    from datatrove.pipeline.writers.parquet import ParquetWriter

    from vertical.data.corpus_reader import CorpusReader, list_corpus_files
    from vertical.data.prepare import _quiet_datatrove
    from vertical.recipe import DataConfig

    cfg = DataConfig(sources=[{"path": str(path)} for path in corpus])
    pipeline = [
        CorpusReader(list_corpus_files(cfg.sources), out / "drops"),
        ParquetWriter(str(out / "corpus"), output_filename="${rank}.parquet", max_file_size=-1),
    ]
    with _quiet_datatrove(out / "datatrove.log"):
        LocalPipelineExecutor(pipeline, tasks=tasks, workers=workers, logging_dir=str(out / "logs")).run()


def run_full(corpus: list[Path], out: Path, tasks: int, workers: int, dedup: str) -> dict:
    from vertical.data import prepare_corpus
    from vertical.recipe import DataConfig

    sources = [{"path": str(path)} for path in corpus]
    cfg = DataConfig(sources=sources, dedup=dedup, tasks=tasks, workers=workers)
    (out / "output").mkdir(parents=True)
    return prepare_corpus(cfg, out / "output", out / "work").metrics


def child(args: argparse.Namespace) -> None:
    """One measured run in this process; prints a JSON line with seconds and peak memory."""
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.perf_counter()
    metrics = {}
    corpus = [Path(path) for path in args.corpus]
    if args.child == "floor":
        run_floor(corpus, out, args.tasks, args.workers)
    else:
        metrics = run_full(corpus, out, args.tasks, args.workers, args.dedup)
    seconds = time.perf_counter() - started
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB -> MB on Linux
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    cpu = sum(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )
    print(
        json.dumps(
            {"seconds": seconds, "cpu": cpu, "peak_mb": max(peak_self, peak_children), "metrics": metrics}
        )
    )
    shutil.rmtree(out, ignore_errors=True)


def measure(kind: str, corpus: list[Path], args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--out", str(args.out / kind), "--corpus"]
    command += [str(path) for path in corpus]
    command += ["--tasks", str(args.tasks), "--workers", str(args.workers), "--dedup", args.dedup]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{kind} run failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--dedup", choices=["near", "exact", "none"], default="near")
    parser.add_argument("--folder", type=Path, default=Path("/tmp/vertical-bench-data/corpus"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/vertical-bench-data/runs"))
    parser.add_argument("--real", action="store_true", help="the real corpora of --datasets instead")
    shared = Path(__file__).resolve().parents[2] / "shared" / "datasets"
    parser.add_argument("--datasets", type=Path, default=shared, help="where the real corpora are")
    parser.add_argument("--child", choices=["floor", "full"], help=argparse.SUPPRESS)
    parser.add_argument("--corpus", nargs="*", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.real:
        corpus = [args.datasets / name for name in REAL_CORPORA]
        missing = [str(path) for path in corpus if not path.is_file()]
        if missing:
            print(f"skipped: the real corpora are not there ({', '.join(missing)})")
            return
        megabytes = sum(path.stat().st_size for path in corpus) / 1_000_000
        print(f"corpus: {megabytes:.0f} MB of real text ({', '.join(REAL_CORPORA)}); tasks {args.tasks}, "
              f"workers {args.workers}")  # fmt: skip
    else:
        corpus = [args.folder]
        megabytes = generate(args.folder, args.size_mb, args.files) / 1_000_000
        print(f"corpus: {megabytes:.0f} MB in {args.files} files; tasks {args.tasks}, workers {args.workers}")
    floor = measure("floor", corpus, args)
    full = measure("full", corpus, args)
    for name, run in (("floor (read + write parquet)", floor), (f"full pipeline (dedup {args.dedup})", full)):
        print(f"{name:32s} {megabytes / run['seconds']:6.2f} MB/s  {run['seconds']:7.1f} s wall  "
              f"{run['cpu']:7.1f} s CPU  peak {run['peak_mb']:.0f} MB")  # fmt: skip
    wall, cpu = full["seconds"] / floor["seconds"], full["cpu"] / floor["cpu"]
    print(f"full / floor: {wall:.2f}x wall time, {cpu:.2f}x CPU time")
    metrics = full["metrics"]
    kept = metrics["documents_train"] + metrics["documents_validation"]
    print(f"documents read {metrics['documents_read']:,}, kept {kept:,}")
    print(f"dropped {json.dumps(metrics['documents_dropped'])}")
    print(f"personal data {json.dumps(metrics['personal_data_found'])}")
    rate, peak = megabytes / full["cpu"], full["peak_mb"]
    print(f"ratio_to_floor={cpu:.2f} mb_per_core_s={rate:.2f} peak_rss_mb={peak:.0f}")


if __name__ == "__main__":
    main()
