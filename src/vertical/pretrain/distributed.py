"""Pretraining on several processes: DDP through `torchrun`, from `vertical run --nproc N`.

The pipeline itself stays one process. Only the pretrain stage fans out: it writes its arguments
to a job file in its work folder and starts ``python -m torch.distributed.run --standalone
--nproc_per_node N -m vertical.pretrain.distributed JOB``. Each of the N processes runs
`continue_pretraining`; the Hugging Face `Trainer` sees torchrun's environment and trains with
DistributedDataParallel (NCCL on GPUs, gloo on CPUs), each process on its own share of every
batch. Process 0 saves the model and writes the metrics back for the stage's manifest.

The same job runs under `accelerate launch` or a cluster's own torchrun (several nodes): point
it at ``python -m vertical.pretrain.distributed JOB`` with the job file this module writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch

from vertical import progress
from vertical.errors import ModelError
from vertical.io import atomic_write_json
from vertical.models import BaseModel
from vertical.pretrain.config import PretrainConfig
from vertical.run import StageOutput

RESULT_FILE = "distributed-result.json"


def pretrain_in_processes(
    processes: int,
    cfg: PretrainConfig,
    base: BaseModel,
    data_dir: Path,
    output_dir: Path,
    work_dir: Path,
    seed: int,
    tokenizer_dir: Path | None = None,
    knowledge_dir: Path | None = None,
) -> StageOutput:
    """Run `continue_pretraining` on `processes` local processes with torchrun; see the module docstring.

    Raises:
        ModelError: when a process fails; its own error is in the log above the message.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    job = work_dir / "distributed-job.json"
    result = work_dir / RESULT_FILE
    result.unlink(missing_ok=True)
    atomic_write_json(
        job,
        {
            "config": cfg.model_dump(),
            "base": {"spec": base.spec, "path": str(base.path)},
            "data_dir": str(data_dir),
            "output_dir": str(output_dir),
            "work_dir": str(work_dir),
            "seed": seed,
            "tokenizer_dir": str(tokenizer_dir) if tokenizer_dir else None,
            "knowledge_dir": str(knowledge_dir) if knowledge_dir else None,
        },
    )
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={processes}",
        "-m",
        "vertical.pretrain.distributed",
        str(job),
    ]
    report = work_dir / "progress.json"  # process 0's steps, for the parent's live line
    report.unlink(missing_ok=True)
    environment = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    environment[progress.PROGRESS_FILE] = str(report)
    if not torch.cuda.is_available():  # processes on CPUs: DDP over gloo
        environment["ACCELERATE_USE_CPU"] = "true"
    job_processes = subprocess.Popen(command, env=environment)
    try:
        progress.follow_progress_file(report, lambda: job_processes.poll() is None)
    finally:
        if job_processes.poll() is None:  # the parent was interrupted: take the processes down with it
            job_processes.terminate()
        returncode = job_processes.wait()
    if returncode != 0 or not result.is_file():
        raise ModelError(
            f"pretraining on {processes} processes failed (exit status {returncode}); "
            "the failing process's error is printed above"
        )
    return StageOutput(metrics=json.loads(result.read_text(encoding="utf-8")))


def main(job_file: str) -> None:
    """One process of a distributed pretraining job (what torchrun starts)."""
    from vertical.pretrain.train import continue_pretraining

    job = json.loads(Path(job_file).read_text(encoding="utf-8"))
    output = continue_pretraining(
        PretrainConfig(**job["config"]),
        BaseModel(job["base"]["spec"], Path(job["base"]["path"])),
        Path(job["data_dir"]),
        Path(job["output_dir"]),
        Path(job["work_dir"]),
        job["seed"],
        Path(job["tokenizer_dir"]) if job["tokenizer_dir"] else None,
        Path(job["knowledge_dir"]) if job.get("knowledge_dir") else None,
    )
    if int(os.environ.get("RANK", "0")) == 0:
        metrics = {**output.metrics, "processes": int(os.environ.get("WORLD_SIZE", "1"))}
        atomic_write_json(Path(job["work_dir"]) / RESULT_FILE, metrics)


if __name__ == "__main__":
    main(sys.argv[1])
