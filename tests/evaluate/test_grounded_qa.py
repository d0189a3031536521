"""Grounded QA in the evaluate stage: a decoder run with a retrieve stage gets the four exact matches."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.conftest import write_decoder_project
from vertical.cli import app
from vertical.evaluate.grounding import contains_answer, exact_match, recall_at_k
from vertical.generate import load_generator


def test_a_qa_run_with_a_retrieve_stage_scores_closed_book_and_grounded_answers(tiny_model_dir, tmp_path):
    from vertical.evaluate.grounded_qa import answers, held_out_questions
    from vertical.recipe import load_recipe
    from vertical.retrieve.run_index import load_run_retriever

    recipe = write_decoder_project(tmp_path / "p", steps=10)
    with open(recipe, "a", encoding="utf-8") as handle:
        handle.write(f"retrieve: {{encoder: {tiny_model_dir}, passage_words: 12, top_k: 3}}\n")
        handle.write("evaluate: {grounding_questions: 4, grounding_max_tokens: 4}\n")
    result = CliRunner().invoke(app, ["run", str(recipe), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    run_dir = tmp_path / "runs" / "tiny-gpt"
    grounding = json.loads((run_dir / "evaluate" / "metrics.json").read_text())["grounding"]["sector"]
    assert set(grounding["exact_match"]) == {
        "general_closed_book",
        "vertical_closed_book",
        "general_retrieval",
        "vertical_retrieval",
    }
    assert grounding["examples"] == 4 and grounding["k"] == 3
    assert "## Grounded answers" in (run_dir / "evaluate" / "report.md").read_text()
    assert "Grounded answers" in (run_dir / "report.html").read_text()
    # The figures are those of the functions, recomputed here from the run folder alone.
    examples = held_out_questions(load_recipe(recipe).tasks[0], 4)
    retriever = load_run_retriever(run_dir)
    vertical = load_generator(run_dir / "finetune" / "sector" / "vertical" / "model", "vertical")
    questions = [e.prompt for e in examples]
    grounded = answers(vertical, questions, [retriever.retrieve(q, 3) for q in questions], 4)
    expected = sum(exact_match(a, e.response) for a, e in zip(grounded, examples, strict=True)) / 4
    assert grounding["exact_match"]["vertical_retrieval"] == round(expected, 4)
    ranked = retriever.passages([e.prompt for e in examples], 3)
    relevant = [
        [contains_answer(p.text, e.response) for p in row] for row, e in zip(ranked, examples, strict=True)
    ]
    assert grounding["recall_at_k"] == {"vertical_encoder": round(recall_at_k(relevant, 3), 4)}


def test_grounding_reuses_the_finetune_stage_answers_only_for_the_same_questions(tmp_path):
    from vertical.evaluate.grounded_qa import finetune_answers
    from vertical.predictions import write_predictions

    record = {"task_type": "instruct", "questions": ["q1", "q2", "q3"], "predicted": ["a", "b", "c"]}
    write_predictions(tmp_path / "facts" / "vertical", record)
    assert finetune_answers(tmp_path, "facts", ["q1", "q2"]) == {"vertical": ["a", "b"]}
    assert finetune_answers(tmp_path, "facts", ["q2", "q1"]) == {}  # another order: answered again
    assert finetune_answers(tmp_path, "other", ["q1"]) == {}
