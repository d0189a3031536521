"""The data stage on datatrove: corpus files in, a clean, deduplicated, redacted, split corpus out.

Two datatrove pipelines (four with near deduplication), each run by an executor over `tasks`:

    curate:   read -> count in -> clean (NFKC, HTML, whitespace) -> boilerplate lines -> quality
              -> repetition -> personal data -> exact dedup -> MinHash signatures -> write curated
    buckets:  MinHash LSH buckets (one task per band)              } only with dedup: near
    clusters: MinHash clusters (one task)                          }
    finish:   read curated -> MinHash filter -> leakage -> split -> count out -> write shards
              (without a leakage check: all of it as one step over record batches, `shard_table`)

Writes into its output folder::

    corpus/train-00000.parquet ...        documents kept for training (id, text, source)
    corpus/validation-00000.parquet ...   documents held out, chosen by a hash of their id
    drops.jsonl                           one line per dropped document or bad record: id, source,
                                          line, reason, detail

and returns its counts (documents, characters, tokens in and out, drops by reason, personal data
by type) as its metrics. Everything in between lives in the stage's work folder, with datatrove's
completion marks: a killed run re-runs only the tasks that had not finished.
`build_pipelines` returns the same steps for datatrove's Slurm or Ray executors and
`collect_results` gathers what they wrote (docs/data.md).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from datatrove.executor.local import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep

from vertical.data import near_dedup
from vertical.data.boilerplate import RemoveBoilerplateLines
from vertical.data.clean import CleanText
from vertical.data.config import DataConfig
from vertical.data.corpus_reader import CorpusReader, list_corpus_files
from vertical.data.counts import CountDocuments, sum_counts
from vertical.data.curated import CuratedReader, curated_writer
from vertical.data.dedup import ExactDedupFilter
from vertical.data.droplog import drop_log_writer, merge_drop_logs
from vertical.data.leakage import EvaluationExample, LeakageFilter
from vertical.data.pii.step import PersonalDataStep
from vertical.data.quality import QualityFilter
from vertical.data.repetition import RepetitionFilter
from vertical.data.shard_table import CuratedToShards
from vertical.data.split import AssignSplit, corpus_writer
from vertical.errors import DataError, located
from vertical.hashing import hash_config
from vertical.io import atomic_write_text
from vertical.run import StageOutput

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataPipelines:
    """The steps of each datatrove pipeline of the stage (`buckets`, `clusters` empty without near dedup)."""

    curate: list[PipelineStep]
    buckets: list[PipelineStep]
    clusters: list[PipelineStep]
    finish: list[PipelineStep]
    bucket_tasks: int


def build_pipelines(
    cfg: DataConfig,
    work_dir: Path,
    evaluation_examples: Sequence[EvaluationExample] = (),
    document_finish: bool = False,
) -> DataPipelines:
    """The datatrove pipelines of the data stage, writing under `work_dir`; see the module docstring.

    Without a leakage check the finish pipeline is one step over record batches
    (`vertical.data.shard_table`), unless `document_finish` asks for the document steps.
    """
    work_dir = Path(work_dir)
    drops, counts = work_dir / "drops", work_dir / "counts"
    curate: list[PipelineStep] = [
        CorpusReader(list_corpus_files(cfg.sources), drops),
        CountDocuments(counts, "in"),
        CleanText(strip_html=cfg.html),
    ]
    if cfg.boilerplate:
        curate.append(
            RemoveBoilerplateLines(
                cfg.boilerplate_sample,
                cfg.boilerplate_min_share,
                cfg.boilerplate_min_documents,
                exclusion_writer=drop_log_writer(drops, "boilerplate"),
            )
        )
    curate.append(
        QualityFilter(
            cfg.min_chars,
            cfg.max_chars,
            cfg.max_symbol_share,
            cfg.language,
            exclusion_writer=drop_log_writer(drops, "quality"),
        )
    )
    if cfg.repetition:
        curate.append(RepetitionFilter(exclusion_writer=drop_log_writer(drops, "repetition")))
    if cfg.pii != "off":
        curate.append(
            PersonalDataStep(
                cfg.pii, counts, cfg.pii_language, exclusion_writer=drop_log_writer(drops, "personal_data")
            )
        )
    if cfg.dedup != "none":
        curate.append(ExactDedupFilter(exclusion_writer=drop_log_writer(drops, "exact")))

    finish: list[PipelineStep] = [CuratedReader(work_dir / "curated")]
    buckets: list[PipelineStep] = []
    clusters: list[PipelineStep] = []
    bucket_tasks = 0
    if cfg.dedup == "near":
        minhash = near_dedup.minhash_config(cfg.near_dedup_threshold, cfg.near_dedup_ngram)
        folder = work_dir / "minhash"
        # before the writer, which counts the words that the signature step has just split
        curate.append(near_dedup.signature_step(folder, minhash))
        buckets = [near_dedup.bucket_step(folder, minhash)]
        clusters = [near_dedup.cluster_step(folder, minhash)]
        bucket_tasks = minhash.num_buckets
        finish.append(near_dedup.filter_step(folder, drop_log_writer(drops, "near", "near_duplicate")))
    curate.append(curated_writer(work_dir / "curated"))
    leakage = cfg.leakage and bool(evaluation_examples)
    if not leakage and not document_finish:
        near = cfg.dedup == "near"
        finish = [
            CuratedToShards(
                work_dir / "curated",
                work_dir / "corpus",
                counts,
                cfg.validation_fraction,
                removals=work_dir / "minhash" / "remove" if near else None,
                exclusion_writer=drop_log_writer(drops, "near", "near_duplicate") if near else None,
            )
        ]
        return DataPipelines(curate, buckets, clusters, finish, bucket_tasks)
    if leakage:
        finish.append(
            LeakageFilter(
                list(evaluation_examples),
                cfg.near_dedup_ngram,
                cfg.leakage_threshold,
                exclusion_writer=drop_log_writer(drops, "leakage"),
            )
        )
    finish += [
        AssignSplit(cfg.validation_fraction),
        CountDocuments(counts, "out", by="split"),
        corpus_writer(work_dir / "corpus"),
    ]
    return DataPipelines(curate, buckets, clusters, finish, bucket_tasks)


@contextlib.contextmanager
def _quiet_datatrove(log_file: Path):
    """datatrove logs every task to stderr (loguru); send that to a file in the work folder instead."""
    from loguru import logger

    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "a", encoding="utf-8") as handle, contextlib.redirect_stderr(handle):
        try:
            yield
        finally:
            logger.remove()
    logger.add(sys.stderr, level="WARNING")


def _execute(pipeline: list[PipelineStep], tasks: int, workers: int, logs: Path) -> None:
    LocalPipelineExecutor(
        pipeline, tasks=tasks, workers=min(workers, tasks), logging_dir=str(logs), skip_completed=True
    ).run()


def _fresh_work_dir(work_dir: Path, fingerprint: str) -> None:
    """Keep the work folder of an interrupted run with the same settings; clear it otherwise."""
    mark = work_dir / "settings.sha256"
    if mark.is_file() and mark.read_text(encoding="utf-8") == fingerprint:
        return
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    atomic_write_text(mark, fingerprint)


def _check_bad_records(cfg: DataConfig, work_dir: Path, read: int) -> None:
    """Fail, in one line, when the share of unreadable records passes `max_bad_fraction`."""
    bad_lines = []
    for part in sorted((work_dir / "drops").glob("read-*.jsonl")):
        bad_lines += part.read_text(encoding="utf-8").splitlines()
    total = read + len(bad_lines)
    if not bad_lines:
        return
    first = json.loads(bad_lines[0])
    summary = f"data: {len(bad_lines)} of {total} records are unreadable ({len(bad_lines) / total:.1%}"
    where = f"first: {located(first['source'], first['line'], first['detail'])}"
    if len(bad_lines) / total > cfg.max_bad_fraction:
        raise DataError(f"{summary}, more than max_bad_fraction {cfg.max_bad_fraction:.1%}); {where}")
    log.warning(
        "%s, skipped: at most max_bad_fraction %.1f%%); %s; all in drops.jsonl",
        summary,
        100 * cfg.max_bad_fraction,
        where,
    )


def prepare_corpus(
    cfg: DataConfig,
    output_dir: Path,
    work_dir: Path | None = None,
    evaluation_examples: Sequence[EvaluationExample] = (),
) -> StageOutput:
    """Read every source, clean, filter, redact, deduplicate and split; see the module docstring.

    Args:
        cfg: the recipe's data section.
        output_dir: where the corpus shards and the drop log go.
        work_dir: scratch that survives a kill, so that a re-run resumes; defaults to a folder
            inside `output_dir` (removed at the end).
        evaluation_examples: test texts of the recipe's tasks, for the leakage check.
    """
    output_dir = Path(output_dir)
    scratch = work_dir is None
    work_dir = Path(work_dir) if work_dir is not None else output_dir / ".work"
    examples = list(evaluation_examples)
    _fresh_work_dir(work_dir, hash_config({"data": cfg.model_dump(), "examples": [e.text for e in examples]}))
    pipelines = build_pipelines(cfg, work_dir, examples)
    logs = work_dir / "logs"
    with _quiet_datatrove(logs / "datatrove.log"):
        _execute(pipelines.curate, cfg.tasks, cfg.workers, logs / "curate")
        counts_in = sum_counts(work_dir / "counts", "in")
        _check_bad_records(cfg, work_dir, counts_in["documents"])
        if pipelines.buckets:
            _execute(pipelines.buckets, pipelines.bucket_tasks, cfg.workers, logs / "buckets")
            _execute(pipelines.clusters, 1, 1, logs / "clusters")
        _execute(pipelines.finish, cfg.tasks, cfg.workers, logs / "finish")
    try:
        return collect_results(work_dir, output_dir)
    finally:
        if scratch:
            shutil.rmtree(work_dir, ignore_errors=True)


def collect_results(work_dir: Path, output_dir: Path) -> StageOutput:
    """Copy the corpus shards and the merged drop log of a finished run from `work_dir` into
    `output_dir`, and add up its counts (also for a run on Slurm or Ray, see docs/data.md).

    Raises:
        DataError: when no document is left for training.
    """
    work_dir, output_dir = Path(work_dir), Path(output_dir)
    counts_in = sum_counts(work_dir / "counts", "in")
    corpus_dir = output_dir / "corpus"
    corpus_dir.mkdir(parents=True, exist_ok=True)
    for shard in sorted((work_dir / "corpus").glob("*.parquet")):
        shutil.copy2(shard, corpus_dir / shard.name)
    drops = merge_drop_logs(work_dir / "drops", output_dir / "drops.jsonl")
    counts_out = sum_counts(work_dir / "counts", "out")
    personal_data = sum_counts(work_dir / "counts", "pii")
    if counts_out["train_documents"] == 0:
        raise DataError(
            f"data: no document left for training out of {counts_in['documents']} read "
            f"(dropped: {dict(drops) or 'none'}); check the sources, min_chars and language"
        )
    leaked = drops.get("leakage", 0)
    return StageOutput(
        metrics={
            "documents_read": counts_in["documents"],
            "documents_train": counts_out["train_documents"],
            "documents_validation": counts_out["validation_documents"],
            "documents_dropped": dict(sorted(drops.items())),
            "characters_in": counts_in["characters"],
            "characters_out": counts_out["train_characters"] + counts_out["validation_characters"],
            "tokens_in": counts_in["tokens"],
            "tokens_out": counts_out["train_tokens"] + counts_out["validation_tokens"],
            "personal_data_found": dict(sorted(personal_data.items())),
            "leakage_documents_removed": leaked,
        }
    )
