import json

from transformers import AutoModelForMaskedLM

from vertical.data import prepare_corpus
from vertical.models import resolve_base_model
from vertical.pretrain import continue_pretraining
from vertical.recipe import DataConfig, PretrainConfig


def make_corpus(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"text": f"The lender number {i} raised deposits at its branches."}) + "\n"
            for i in range(64)
        )
    )
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    prepare_corpus(DataConfig(sources=[{"path": str(corpus)}], validation_fraction=0.1), data_dir)
    return data_dir


def test_pretraining_lowers_domain_loss_saves_a_plain_model_and_resumes(tiny_model_dir, tmp_path):
    data_dir = make_corpus(tmp_path)
    base = resolve_base_model(str(tiny_model_dir))
    work = tmp_path / "work"
    first = tmp_path / "first"
    cfg = PretrainConfig(
        steps=2, batch_size=8, max_length=24, save_steps=2, learning_rate=1e-3, precision="fp32"
    )
    continue_pretraining(cfg, base, data_dir, first, work, seed=0)
    assert (work / "checkpoints" / "checkpoint-2").is_dir()

    # as if the run had been killed after step 2: the longer run resumes from that checkpoint
    longer = cfg.model_copy(update={"steps": 30})
    output = tmp_path / "out"
    result = continue_pretraining(longer, base, data_dir, output, work, seed=0)
    assert result.metrics["resumed_from"] == "checkpoint-2"
    assert result.metrics["domain_mlm_loss_after"] < result.metrics["domain_mlm_loss_before"]
    reloaded = AutoModelForMaskedLM.from_pretrained(output / "model")
    assert reloaded.config.hidden_size == 32

    # TensorBoard: one curve over the first run and the resumed one, each objective's loss included
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    steps = set()
    for events in (output / "tensorboard").glob("events.out.tfevents.*"):
        board = EventAccumulator(str(events))
        board.Reload()
        assert {"train/loss", "train/mlm_loss", "train/learning_rate"} <= set(board.Tags()["scalars"])
        steps |= {event.step for event in board.Scalars("train/loss")}
    assert min(steps) <= 2 and max(steps) == 30


def test_saved_vertical_model_keeps_the_base_pooler(tmp_path):
    """A classifier built on the vertical model must start from the same pooler as the general one."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, BertConfig, BertModel

    base_dir = tmp_path / "base"
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(
        base_dir
    )  # like all-MiniLM-L6-v2: an encoder with a pooler, no MLM head
    AutoTokenizer.from_pretrained(str(resolve_base_model("builtin:minilm").path)).save_pretrained(base_dir)
    data_dir = make_corpus(tmp_path)
    output = tmp_path / "out"
    cfg = PretrainConfig(steps=1, batch_size=8, max_length=24, precision="fp32")
    continue_pretraining(cfg, resolve_base_model(str(base_dir)), data_dir, output, tmp_path / "work", seed=0)
    classifier, info = AutoModelForSequenceClassification.from_pretrained(
        output / "model", num_labels=2, output_loading_info=True
    )
    assert sorted(info["missing_keys"]) == ["classifier.bias", "classifier.weight"]
    general = BertModel.from_pretrained(base_dir)
    assert torch.equal(classifier.bert.pooler.dense.weight, general.pooler.dense.weight)


def test_replay_mixes_general_text_in_and_the_forgetting_check_is_reported(tiny_model_dir, tmp_path):
    import pytest

    from vertical.errors import DataError

    data_dir = make_corpus(tmp_path)
    general = tmp_path / "general.txt"
    general.write_text(
        "".join(f"The weather in town number {i} was mild and dry today.\n" for i in range(60))
    )
    cfg = PretrainConfig(
        steps=3,
        batch_size=8,
        max_length=24,
        precision="fp32",
        general_data=str(general),
        replay_ratio=0.3,
        general_holdout=20,
    )
    base = resolve_base_model(str(tiny_model_dir))
    metrics = continue_pretraining(cfg, base, data_dir, tmp_path / "out", tmp_path / "work", seed=0).metrics
    assert metrics["train_documents"] > 60  # the domain documents and the replayed general ones
    assert metrics["forgetting"] == round(
        metrics["general_mlm_loss_after"] - metrics["general_mlm_loss_before"], 4
    )
    assert metrics["replay_ratio"] == 0.3 and metrics["base_has_trained_mlm_head"] is True

    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"body": "no text field"}\n')
    with pytest.raises(DataError, match="needs a 'text' field; fields found: body"):
        continue_pretraining(
            cfg.model_copy(update={"general_data": str(empty)}),
            base,
            data_dir,
            tmp_path / "o2",
            tmp_path / "w2",
            0,
        )


KILLED_RUN = """
import os, signal, sys
from pathlib import Path
from transformers import TrainerCallback, trainer as trainer_module
from vertical.models import resolve_base_model
from vertical.pretrain import continue_pretraining
from vertical.recipe import PretrainConfig

class KillAfterCheckpoint(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        if state.global_step == 3:
            os.kill(os.getpid(), signal.SIGKILL)  # as a power cut or an out-of-memory kill would

original = trainer_module.Trainer.__init__
def with_kill(self, *args, **kwargs):
    kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), KillAfterCheckpoint()]
    original(self, *args, **kwargs)
trainer_module.Trainer.__init__ = with_kill
model_dir, data_dir, out, work = sys.argv[1:5]
cfg = PretrainConfig.model_validate_json(sys.argv[5])
continue_pretraining(cfg, resolve_base_model(model_dir), Path(data_dir), Path(out), Path(work), seed=0)
"""


def test_a_killed_run_resumes_to_where_an_uninterrupted_run_ends(tiny_model_dir, tmp_path):
    import subprocess
    import sys

    import torch

    data_dir = make_corpus(tmp_path)
    base = resolve_base_model(str(tiny_model_dir))
    cfg = PretrainConfig(
        steps=6, batch_size=8, max_length=24, save_steps=3, learning_rate=1e-3, precision="fp32"
    )
    straight = continue_pretraining(cfg, base, data_dir, tmp_path / "a", tmp_path / "work-a", seed=0)

    arguments = [str(tiny_model_dir), str(data_dir), str(tmp_path / "b"), str(tmp_path / "work-b")]
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, *arguments, cfg.model_dump_json()], check=False
    )
    assert killed.returncode == -9 and not (tmp_path / "b").exists()
    resumed = continue_pretraining(cfg, base, data_dir, tmp_path / "b", tmp_path / "work-b", seed=0)
    assert resumed.metrics["resumed_from"] == "checkpoint-3" and resumed.metrics["steps"] == 6
    assert abs(resumed.metrics["domain_mlm_loss_after"] - straight.metrics["domain_mlm_loss_after"]) < 1e-3
    a = AutoModelForMaskedLM.from_pretrained(tmp_path / "a" / "model").state_dict()
    b = AutoModelForMaskedLM.from_pretrained(tmp_path / "b" / "model").state_dict()
    assert all(torch.allclose(a[key], b[key], atol=1e-5) for key in a)


def test_facts_ratio_mixes_the_knowledge_stage_facts_into_training(tiny_model_dir, tmp_path):
    import pytest

    from vertical.errors import DataError
    from vertical.knowledge.shard_writer import ShardWriter
    from vertical.records import Document

    data_dir = make_corpus(tmp_path)
    knowledge_dir = tmp_path / "knowledge"
    writer = ShardWriter(knowledge_dir / "corpus", "train")
    for i in range(3):
        writer.write(
            Document(id=f"kg:en:e{i}", text=f"Lender {i} is a company in the banking sector.", source="kg")
        )
    writer.close()
    base = resolve_base_model(str(tiny_model_dir))
    plain = PretrainConfig(steps=2, batch_size=8, max_length=24, save_steps=2, precision="fp32")
    alone = continue_pretraining(plain, base, data_dir, tmp_path / "a", tmp_path / "wa", seed=0).metrics
    mixed_cfg = plain.model_copy(update={"facts_ratio": 0.5})
    mixed = continue_pretraining(
        mixed_cfg, base, data_dir, tmp_path / "b", tmp_path / "wb", seed=0, knowledge_dir=knowledge_dir
    ).metrics
    # half the sequences are facts, repeated until the corpus is used up: about twice the sequences
    assert 1.6 * alone["train_documents"] < mixed["train_documents"] < 2.4 * alone["train_documents"]

    with pytest.raises(DataError, match="no facts as sentences"):
        continue_pretraining(mixed_cfg, base, data_dir, tmp_path / "c", tmp_path / "wc", seed=0)
