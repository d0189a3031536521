"""The LLM demo's path end to end on a tiny Llama the test builds: data, causal pretraining with
replay and the forgetting checks, instruct SFT of both bases, EM/F1 with the bootstrap."""

from __future__ import annotations

import json

import pytest
from transformers import AutoModelForCausalLM, AutoTokenizer

from vertical.demo.llm import LLMDemoSize, write_llm_demo
from vertical.demo.llm_run import run_llm_demo
from vertical.instruct.readers import read_conversations
from vertical.pipeline import run_recipe
from vertical.recipe import load_recipe

TINY = LLMDemoSize("tiny-llm", 1, 3, 4, 1, 3, ("sector",))


def _general_folder(tmp_path):
    shared = tmp_path / "shared" / "datasets"
    (shared / "general_en").mkdir(parents=True)
    (shared / "general_eval").mkdir()
    lines = [f"The weather on day {n} was mild and the roads were quiet all afternoon." for n in range(60)]
    (shared / "general_en" / "wiki_valid.txt").write_text("\n".join(lines), encoding="utf-8")
    rows = [
        {"question": f"Day {n}: the weather was", "choices": ["mild", "a bank"], "answer": 0}
        for n in range(5)
    ]
    for name in ("arc_easy_dev", "piqa_dev", "hellaswag_val"):
        text = "".join(json.dumps(r) + "\n" for r in rows)
        (shared / "general_eval" / f"{name}.jsonl").write_text(text, encoding="utf-8")
    return shared


def test_demo_files_split_companies(tmp_path):
    recipe = write_llm_demo(tmp_path / "demo", TINY, "en", None, base="builtin:smollm2")
    train = read_conversations(tmp_path / "demo" / "tasks" / "qa_train.jsonl")
    test = read_conversations(tmp_path / "demo" / "tasks" / "qa_test.jsonl")
    assert train and test and not {e.entity for e in train} & {e.entity for e in test}
    corpus = (tmp_path / "demo" / "corpus" / "facts.jsonl").read_text(encoding="utf-8")
    assert all(e.entity in corpus for e in test)  # a test company's facts are in the pretraining corpus
    assert "general_data" not in recipe.read_text()  # no general text: no replay, said on the terminal


@pytest.mark.slow  # two minutes on the loaded 2-core machine: every stage, both bases
def test_llm_demo_end_to_end_on_a_tiny_llama(tiny_llama_dir, tmp_path):
    said: list[str] = []

    def run(recipe):
        return run_recipe(load_recipe(recipe), tmp_path / "runs").run_dir

    summary = run_llm_demo(
        tmp_path,
        True,
        "en",
        run,
        said.append,
        general=_general_folder(tmp_path),
        size=TINY,
        base=str(tiny_llama_dir),
    )
    assert set(summary["exact_match"]) == {"general", "vertical"}
    assert summary["exact_match_ci"][0] <= summary["exact_match_difference"] <= summary["exact_match_ci"][1]
    forgetting = summary["forgetting"]["with_replay"]
    assert forgetting["replay_ratio"] == 0.2 and "general_perplexity_after" in forgetting
    assert {"arc_easy_dev", "piqa_dev", "hellaswag_val"} <= set(forgetting)
    assert any("closed-book exact match" in line for line in said)
    run_dir = tmp_path / "runs" / "tiny-llm"
    metrics = json.loads((run_dir / "evaluate" / "metrics.json").read_text())["tasks"]["facts"]
    assert metrics["task_type"] == "instruct" and "exact_match" in metrics["significance"]
    assert metrics["general"]["samples"] and "token_f1" in metrics["vertical"]
    for folder in (run_dir / "pretrain" / "model", run_dir / "finetune" / "facts" / "vertical" / "model"):
        model = AutoModelForCausalLM.from_pretrained(folder)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        ids = tokenizer.apply_chat_template(
            [{"role": "user", "content": "Hi"}],
            add_generation_prompt=True,
            return_tensors="pt",
            return_dict=True,
        )
        assert (
            model.generate(**ids, max_new_tokens=4, do_sample=False).shape[1] <= ids["input_ids"].shape[1] + 4
        )
    assert (run_dir / "llm_demo.json").is_file()
