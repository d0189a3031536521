"""DDP pretraining with two CPU processes on the gloo backend, started through torchrun."""

from transformers import AutoModelForMaskedLM

from tests.pretrain.test_train import make_corpus
from vertical.models import resolve_base_model
from vertical.pretrain.distributed import pretrain_in_processes
from vertical.recipe import PretrainConfig


def test_two_processes_train_one_model_and_report_metrics(tiny_model_dir, tmp_path):
    data_dir = make_corpus(tmp_path)
    names = tmp_path / "names.txt"
    names.write_text("lender\n")
    cfg = PretrainConfig(
        steps=6,
        batch_size=4,
        max_length=24,
        save_steps=3,
        learning_rate=1e-3,
        precision="fp32",
        entity_probability=0.5,
        entities=str(names),
    )
    output, work = tmp_path / "out", tmp_path / "work"
    result = pretrain_in_processes(
        2, cfg, resolve_base_model(str(tiny_model_dir)), data_dir, output, work, seed=0
    )
    assert result.metrics["processes"] == 2
    assert result.metrics["parallel_mode"] == "distributed"  # DDP, not two independent runs
    assert result.metrics["domain_mlm_loss_after"] < result.metrics["domain_mlm_loss_before"]
    assert (work / "checkpoints" / "checkpoint-6").is_dir()
    assert AutoModelForMaskedLM.from_pretrained(output / "model").config.hidden_size == 32
