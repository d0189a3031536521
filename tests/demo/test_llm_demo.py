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

TINY = LLMDemoSize("tiny-llm", 1, 3, 4, 1, 3, ("sector",), adapt_steps=2)


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


def test_grounded_training_conversations_cite_a_source_holding_the_answer(tmp_path):
    from vertical.evaluate.grounding import contains_answer, exact_match
    from vertical.retrieve.grounding import cited_numbers

    write_llm_demo(tmp_path / "demo", TINY, "en", None, base="builtin:smollm2")
    train = read_conversations(tmp_path / "demo" / "tasks" / "qa_train.jsonl")
    test_entities = {e.entity for e in read_conversations(tmp_path / "demo" / "tasks" / "qa_test.jsonl")}
    grounded = [e for e in train if e.kind == "grounded"]
    assert grounded and len(grounded) == len({e.entity for e in train})  # one per training company
    for example in grounded:
        prompt = example.prompt[-1]["content"]
        sources = dict(line.split("] ", 1) for line in prompt.splitlines() if line.startswith("["))
        assert len(sources) == TINY.sources and not any(t in prompt for t in test_entities)
        (number,) = cited_numbers(example.answer)
        assert contains_answer(sources[f"[{number}"], example.answer.split(" [")[0], [example.entity])
        assert exact_match(example.answer, example.answer.split(" [")[0])


def test_the_corpus_states_facts_as_statements_and_as_questions():
    from vertical.demo.llm import company_documents
    from vertical.demo.world import build_world

    documents = company_documents(build_world(0, companies_per_sector=1), "en", 20, 0, ("sector",), 0.5, 3)
    texts = [t for ts in documents.values() for t in ts]
    assert all(len(ts) == 20 for ts in documents.values())
    assert any("?" in t for t in texts) and any("?" not in t for t in texts)
    for company, ts in documents.items():
        assert all(company in t for t in ts)


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
    grounding = summary["grounding"]  # the recipe's retrieve stage: the four ways to answer
    assert set(grounding["exact_match"]) == {
        "general_closed_book",
        "vertical_closed_book",
        "general_retrieval",
        "vertical_retrieval",
    }
    assert grounding["k"] == TINY.sources and any("with retrieval" in line for line in said)
    assert set(grounding["recall_at"]) == {"vertical_encoder", "general_encoder"}  # adapted against general
    assert any("retrieval recall@5" in line for line in said)
    run_dir = tmp_path / "runs" / "tiny-llm"
    metrics = json.loads((run_dir / "evaluate" / "metrics.json").read_text())["tasks"]["facts"]
    assert metrics["task_type"] == "instruct" and "exact_match" in metrics["significance"]
    assert metrics["general"]["samples"] and "token_f1" in metrics["vertical"]
    for variant in ("general", "vertical"):  # grounding reuses the finetune stage's closed-book answers
        assert grounding["exact_match"][f"{variant}_closed_book"] == metrics[variant]["exact_match"]
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


def test_some_companies_are_asked_by_ticker_and_market_news_names_ticker_and_company(tmp_path):
    from vertical.demo.llm import QUICK_LLM
    from vertical.demo.world import build_world

    write_llm_demo(tmp_path / "demo", QUICK_LLM, "en", None)
    tickers = {
        c.name: c.ticker
        for c in build_world(0, companies_per_sector=QUICK_LLM.companies_per_sector).companies
    }
    test = read_conversations(tmp_path / "demo" / "tasks" / "qa_test.jsonl")
    by_ticker = [e for e in test if tickers[e.entity] in e.prompt[-1]["content"]]
    assert len(by_ticker) == round(QUICK_LLM.ticker_share * len(test))
    assert all(e.entity not in e.prompt[-1]["content"] for e in by_ticker)
    corpus = [json.loads(line)["text"] for line in open(tmp_path / "demo" / "corpus" / "facts.jsonl")]
    for example in by_ticker:  # its ticker is written beside its name, never beside its sector
        ticker = tickers[example.entity]
        with_ticker = [t for t in corpus if f" {ticker} " in f" {t} ".replace("(", " ").replace(")", " ")]
        assert with_ticker and all(example.entity in t for t in with_ticker)
        assert not any(example.answer in t for t in with_ticker)
    graph = (tmp_path / "demo" / "kg" / "triples.csv").read_text(encoding="utf-8")
    assert all(f"{e.entity},ticker,{tickers[e.entity]}" in graph for e in test)
    train = read_conversations(tmp_path / "demo" / "tasks" / "qa_train.jsonl")
    grounded = [e for e in train if e.kind == "grounded" and tickers[e.entity] in e.prompt[-1]["content"]]
    assert grounded and all(
        f"{e.entity} ({tickers[e.entity]})" in e.prompt[-1]["content"]
        or f"ticker {tickers[e.entity]}" in e.prompt[-1]["content"]
        for e in grounded
    )


def test_replay_text_is_a_data_file_not_the_folder_description(tmp_path):
    from vertical.demo.llm import _general_files

    zh, en, evaluation = tmp_path / "general_zh", tmp_path / "general_en", tmp_path / "general_eval"
    for folder in (zh, en, evaluation):
        folder.mkdir()
    (zh / "SOURCE.txt").write_text("where the data comes from\n")
    (zh / "headlines.txt").write_text("短标题\n" * 10)
    (zh / "wiki_paragraphs.jsonl").write_text('{"text": "一段很长的百科文字。"}\n' * 100)
    (en / "SOURCE.txt").write_text("where the data comes from\n")
    (en / "sample.jsonl").write_text('{"text": "a long paragraph"}\n' * 100)
    (en / "wikitext2_valid.txt").write_text("a line\n")
    (evaluation / "piqa_dev.jsonl").write_text("{}\n")
    assert _general_files(tmp_path, "zh") == (zh / "wiki_paragraphs.jsonl", [evaluation / "piqa_dev.jsonl"])
    assert _general_files(tmp_path, "en")[0] == en / "wikitext2_valid.txt"
