"""Instruction tuning with TRL on tiny Llama and Gemma decoders: masking, saving, stopping, scoring."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from vertical.finetune.config import TaskConfig
from vertical.finetune.sft import length_batched_order, sft_dataset, train_instruct
from vertical.instruct.template import end_of_turn_token
from vertical.records import ChatExample


def _chat(question: str, answer: str, entity: str) -> ChatExample:
    turns = ({"role": "user", "content": question}, {"role": "assistant", "content": answer})
    return ChatExample(turns, entity=entity, kind="one_hop", language="en")


TRAIN = [
    _chat(f"Which sector is Zorvex{n} in?", ["banking", "mining"][n % 2], f"Zorvex{n}") for n in range(8)
]
TEST = [_chat("Which sector is Zorvex9 in?", "mining", "Zorvex9")]


def _task(**changes) -> TaskConfig:
    values = {
        "name": "facts",
        "type": "instruct",
        "data": __file__,
        "epochs": 2,
        "batch_size": 4,
        "learning_rate": 1e-3,
        "max_length": 64,
    }
    return TaskConfig.model_validate({**values, **changes})


def test_trl_labels_cover_only_the_answer(tiny_llama_dir, tmp_path):
    from trl import SFTConfig, SFTTrainer

    tokenizer = AutoTokenizer.from_pretrained(tiny_llama_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir)
    dataset = sft_dataset(tokenizer, TRAIN[:2], 64)
    trainer = SFTTrainer(
        model=model,
        args=SFTConfig(output_dir=str(tmp_path), report_to="none", max_length=64, use_cpu=True),
        train_dataset=dataset,
        processing_class=tokenizer,
    )
    row = trainer.train_dataset[0]
    learned = [t for t, label in zip(row["input_ids"], row["labels"], strict=True) if label != -100]
    assert tokenizer.decode(learned) == "banking<|im_end|>\n"


def test_train_instruct_saves_a_plain_chat_model(tiny_chat_decoder, tmp_path):
    predictions, history = train_instruct(
        _task(lora={"rank": 4, "alpha": 8}),
        tiny_chat_decoder,
        TRAIN,
        TEST,
        [],
        tmp_path / "model",
        tmp_path / "work",
        seed=0,
        precision="fp32",
    )
    assert history["loss"] and history["resumed_from"] is None
    assert predictions.task_type == "instruct" and predictions.gold == ["mining"]
    assert len(predictions.predicted) == 1 and predictions.samples[0]["reference"] == "mining"
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "model")
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "model")  # merged LoRA: no peft needed
    assert not any("lora" in name for name in model.state_dict())
    stops = model.generation_config.eos_token_id
    assert end_of_turn_token(tokenizer) in (stops if isinstance(stops, list) else [stops])
    ids = tokenizer.apply_chat_template(
        TEST[0].prompt, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    output = model.generate(**ids, max_new_tokens=8, do_sample=False)
    assert output.shape[1] <= ids["input_ids"].shape[1] + 8
    if model.config.tie_word_embeddings:  # the merge kept the tied head
        torch.testing.assert_close(model.lm_head.weight, model.get_input_embeddings().weight)


KILLED_SFT = """
import os, signal, sys
from pathlib import Path
from transformers import TrainerCallback, trainer as trainer_module
from tests.finetune.test_sft import TEST, TRAIN, _task
from vertical.finetune.sft import train_instruct

class KillAfterCheckpoint(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        if state.global_step == 4:
            os.kill(os.getpid(), signal.SIGKILL)

original = trainer_module.Trainer.__init__
def with_kill(self, *args, **kwargs):
    kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), KillAfterCheckpoint()]
    original(self, *args, **kwargs)
trainer_module.Trainer.__init__ = with_kill
model_dir, out, work = sys.argv[1:4]
task = _task(lora={"rank": 4, "alpha": 8}, epochs=2, batch_size=2)
train_instruct(task, Path(model_dir), TRAIN, TEST, [], Path(out), Path(work), 0, "fp32")
"""


@pytest.mark.slow  # a second Python process that trains and is killed
def test_a_killed_lora_sft_run_resumes_exactly(tiny_llama_dir, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    task = _task(
        lora={"rank": 4, "alpha": 8}, epochs=2, batch_size=2
    )  # 4 steps per epoch: checkpoints at 4, 8
    straight, _ = train_instruct(
        task, tiny_llama_dir, TRAIN, TEST, [], tmp_path / "a", tmp_path / "wa", 0, "fp32"
    )
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_SFT, str(tiny_llama_dir), str(tmp_path / "b"), str(tmp_path / "wb")],
        check=False,
        cwd=Path(__file__).parents[2],
        env=environment,
    )
    assert killed.returncode == -9 and not (tmp_path / "b").exists()
    resumed, history = train_instruct(
        task, tiny_llama_dir, TRAIN, TEST, [], tmp_path / "b", tmp_path / "wb", 0, "fp32"
    )
    assert history["resumed_from"] == "checkpoint-4"
    a = AutoModelForCausalLM.from_pretrained(tmp_path / "a").state_dict()
    b = AutoModelForCausalLM.from_pretrained(tmp_path / "b").state_dict()
    assert all(torch.allclose(a[key], b[key], atol=1e-5) for key in a)


def test_length_batched_order_pads_least_and_shuffles_the_batches():
    lengths = [40 + n % 5 for n in range(64)] + [230 + n for n in range(16)]  # closed-book, grounded
    order = length_batched_order(lengths, 8, seed=0)
    assert sorted(order) == list(range(80)) and order == length_batched_order(lengths, 8, seed=0)
    batches = [order[start : start + 8] for start in range(0, 80, 8)]
    long = [batch for batch in batches if max(lengths[i] for i in batch) > 100]
    assert len(long) == 2 and all(min(lengths[i] for i in batch) >= 230 for batch in long)
    assert order != sorted(order, key=lambda i: (lengths[i], i))  # not short to long
    places = [batches.index(batch) for batch in long]
    assert abs(places[0] - places[1]) >= 3  # the long batches spread over the epoch, not side by side
