"""Closed-book against retrieval-grounded answers, for the general and the vertical model of a QA task.

For each held-out question of a generation task, four answers (greedy): the general and the
vertical model, each closed-book and with the retrieve stage's sources in the prompt
(`vertical.retrieve.grounding`). The closed-book answers of an instruct task are the finetune
stage's own (its predictions keep them), so both stages report the same closed-book figure. A
model with a chat template is asked through it; a model without one gets the prompt as text,
sources first. Scored with `vertical.evaluate.grounding`: exact match of each of the four,
citation precision and the share of correct grounded answers that cite a source holding the
answer, and recall@k of the passages the vertical encoder retrieves against those of the general
encoder (``retrieve/general-index``), a passage counting when it holds the answer and names
each entity linked in the question (by any of its names: label, alias, ticker).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vertical.evaluate.grounding import (
    citation_precision,
    contains_answer,
    exact_match,
    recall_at_k,
    supported_share,
)
from vertical.generate import load_generator
from vertical.instruct.answer import greedy_continuations
from vertical.instruct.template import prompt_ids, stop_token_ids
from vertical.predictions import VARIANTS, predictions_file, read_predictions
from vertical.records import GenerationExample
from vertical.retrieve.grounding import cited_sources, grounded_question
from vertical.retrieve.retriever import Retriever, Source


def answers(
    generator,
    questions: Sequence[str],
    sources: Sequence[Sequence[Source]],
    max_new_tokens: int,
    batch_size: int = 16,
) -> list[str]:
    """The model's greedy answer to each question, grounded in its `sources` when there are any.

    A model with a chat template is asked through it, one user turn; one without gets the text.
    Answered in left-padded batches (`vertical.instruct.answer.greedy_continuations`); a prompt
    longer than the model's context keeps its end.
    """
    tokenizer = generator.tokenizer
    templated = bool(getattr(tokenizer, "chat_template", None))
    keep = max(1, generator.context - max_new_tokens)
    rows = []
    for question, found in zip(questions, sources, strict=True):
        text = grounded_question(question, found)
        if templated:
            ids = prompt_ids(tokenizer, [{"role": "user", "content": text}])
        else:
            ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        rows.append(ids[-keep:])
    stops = _stop_ids(generator.model, tokenizer, templated)
    return greedy_continuations(generator.model, tokenizer, rows, stops, max_new_tokens, batch_size)


def _stop_ids(model, tokenizer, templated: bool) -> list[int]:
    if templated:
        return stop_token_ids(tokenizer, model.generation_config)
    configured = model.generation_config.eos_token_id
    stops = [configured] if isinstance(configured, int) else list(configured or [])
    return stops or [tokenizer.eos_token_id]


def question_entities(linker, question: str) -> list[list[str]]:
    """The entities the linker finds in `question`, each as all its names (label, aliases): the anchors a
    relevant passage must name, by any of the entity's names (`contains_answer`)."""
    if linker is None:
        return []
    from vertical.retrieve.renaming import entity_names

    by_id = {entity.id: entity for entity in linker.entities}
    found = dict.fromkeys(span.entity_id for span in linker.link(question))
    return [entity_names(by_id[entity_id]) for entity_id in found]


RECALL_KS = (1, 5, 10)  # recall is also reported at these k, beside the prompt's k


def evaluate_grounding(
    examples: Sequence[GenerationExample],
    models: dict[str, Path],
    retriever: Retriever,
    general_retriever: Retriever | None = None,
    k: int = 5,
    max_new_tokens: int = 24,
    linker=None,
    closed_book: dict[str, list[str]] | None = None,
) -> dict:
    """The grounding metrics of one QA task (see the module docstring).

    Args:
        examples: held-out prompts and reference responses.
        models: ``general`` and ``vertical`` -> decoder folder.
        retriever: the run's index (vertical encoder) with the graph facts.
        general_retriever: the general encoder's index, for the recall@k comparison.
        linker: the knowledge stage's entity linker: a relevant passage names the question's entities
            (by any of their names); None: a passage holding the answer is relevant.
        closed_book: variant -> its closed-book answers to `examples`, when the finetune stage has
            them already (answered again otherwise).
    """
    questions = [e.prompt for e in examples]
    references = [e.response for e in examples]
    sources = [retriever.retrieve(q, k) for q in questions]
    result: dict = {
        "examples": len(examples),
        "k": k,
        "exact_match": {},
        "citation_precision": {},
        "supported_correct": {},
        "samples": [],
    }
    for variant, model_dir in models.items():
        generator = load_generator(model_dir, variant)
        closed = (closed_book or {}).get(variant) or answers(
            generator, questions, [[] for _ in questions], max_new_tokens
        )
        grounded = answers(generator, questions, sources, max_new_tokens)
        correct = [exact_match(a, r) for a, r in zip(grounded, references, strict=True)]
        cited = [[c.text for c in cited_sources(a, s)] for a, s in zip(grounded, sources, strict=True)]
        result["exact_match"][f"{variant}_closed_book"] = _share(
            exact_match(a, r) for a, r in zip(closed, references, strict=True)
        )
        result["exact_match"][f"{variant}_retrieval"] = _share(correct)
        result["citation_precision"][variant] = _rounded(citation_precision(cited, references))
        result["supported_correct"][variant] = _rounded(supported_share(correct, cited, references))
        result["samples"] += [
            {"model": variant, "question": q, "reference": r, "closed_book": c, "grounded": g}
            for q, r, c, g in list(zip(questions, references, closed, grounded, strict=True))[:3]
        ]
    anchors = [question_entities(linker, q) for q in questions]
    ks = sorted({k, *RECALL_KS})
    result["recall_at_k"], result["recall_at"] = {}, {}
    for name, index in (("vertical_encoder", retriever), ("general_encoder", general_retriever)):
        if index is None:
            continue
        ranked = index.passages(questions, max(ks), rerank=False)  # the encoders themselves
        relevant = [
            [contains_answer(p.text, r, a) for p in row]
            for row, r, a in zip(ranked, references, anchors, strict=True)
        ]
        result["recall_at_k"][name] = round(recall_at_k(relevant, k), 4)
        result["recall_at"][name] = {str(n): round(recall_at_k(relevant, n), 4) for n in ks}
    prompted = [
        [contains_answer(s.text, r, a) for s in row if s.kind == "passage"]
        for row, r, a in zip(sources, references, anchors, strict=True)
    ]
    result["prompt_recall"] = round(recall_at_k(prompted, k), 4)  # what the prompts got, reranked
    return result


def _share(values) -> float:
    values = list(values)
    return round(sum(values) / len(values), 4) if values else 0.0


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def held_out_questions(task, limit: int) -> list[GenerationExample]:
    """A QA task's test examples, split as the finetune stage split them; the first `limit`.

    A generation task's are its prompt/response pairs; an instruct task's are its test
    conversations as (last user turn, answer).
    """
    if task.type == "instruct":
        from vertical.instruct.readers import read_conversations
        from vertical.instruct.split import split_conversations

        conversations = (
            read_conversations(task.test)
            if task.test
            else split_conversations(read_conversations(task.data), task.test_fraction)[1]
        )
        return [GenerationExample(_last_question(c.prompt), c.answer) for c in conversations][:limit]
    from vertical.finetune.examples import split_examples
    from vertical.finetune.task_data import read_generation_examples

    pairs = read_generation_examples(Path(task.test or task.data), task.prompt_column, task.response_column)
    return (pairs if task.test else split_examples(pairs, task.test_fraction)[1])[:limit]


def _last_question(prompt) -> str:
    return next((turn["content"] for turn in reversed(prompt) if turn["role"] == "user"), "")


def score_grounding(tasks, run_dir: Path, questions: int = 100, max_new_tokens: int = 24) -> dict:
    """``{task: metrics}`` of each generation task of a run with a retrieve stage (`evaluate_grounding`)."""
    from vertical.retrieve.run_index import load_run_retriever

    retriever = load_run_retriever(run_dir)
    if retriever is None:
        return {}
    general = load_run_retriever(run_dir, index="general-index")
    linker = retriever.linker  # the knowledge stage's, loaded with the retriever (None without one)
    results = {}
    for task in tasks:
        models = {v: Path(run_dir) / "finetune" / task.name / v / "model" for v in ("general", "vertical")}
        examples = held_out_questions(task, questions)
        closed = finetune_answers(Path(run_dir) / "finetune", task.name, [e.prompt for e in examples])
        results[task.name] = evaluate_grounding(
            examples,
            models,
            retriever,
            general,
            retriever.top_k,
            max_new_tokens,
            linker,
            closed,
        )
    return results


def finetune_answers(finetune_dir: Path, task: str, questions: list[str]) -> dict[str, list[str]]:
    """variant -> the finetune stage's closed-book answers to `questions`, where it asked exactly those.

    An instruct task's predictions keep each test question and the model's greedy answer; reusing
    them spares answering again and makes the two stages' closed-book figures the same.
    """
    found = {}
    for variant in VARIANTS:
        exists = predictions_file(finetune_dir, task, variant).is_file()
        record = read_predictions(finetune_dir, task, variant) if exists else {}
        asked, predicted = record.get("questions", []), record.get("predicted", [])
        if questions and asked[: len(questions)] == questions and len(predicted) >= len(questions):
            found[variant] = predicted[: len(questions)]
    return found


def grounding_markdown(grounding: dict) -> str:
    """The report's section: exact match of the four ways to answer, recall@k, citations."""
    lines = ["", "## Grounded answers", ""]
    for task, result in grounding.items():
        em = result["exact_match"]
        lines += [
            f"### {task} ({result['examples']} held-out questions, k = {result['k']})",
            "",
            "| model | closed-book EM | with retrieval EM | citation precision "
            "| correct answers citing the answer |",
            "| --- | --- | --- | --- | --- |",
        ]
        for variant in ("general", "vertical"):
            if f"{variant}_closed_book" not in em:
                continue
            lines.append(
                f"| {variant} | {em[f'{variant}_closed_book']:.3f} | {em[f'{variant}_retrieval']:.3f} | "
                f"{_cell(result['citation_precision'][variant])} | "
                f"{_cell(result['supported_correct'][variant])} |"
            )
        lines += ["", *_recall_lines(result), ""]
        if "prompt_recall" in result:
            lines += [
                f"Prompts holding a relevant passage (top {result['k']} after reranking): "
                f"{result['prompt_recall']:.3f}",
                "",
            ]
    return "\n".join(lines) + "\n"


def _recall_lines(result: dict) -> list[str]:
    """recall@k of each encoder, at the prompt's k and the others measured (`RECALL_KS`)."""
    by_k = result.get("recall_at") or {n: {str(result["k"]): v} for n, v in result["recall_at_k"].items()}
    if not by_k:
        return [f"recall@{result['k']}: n/a"]
    ks = list(next(iter(by_k.values())))
    lines = ["| encoder | " + " | ".join(f"recall@{k}" for k in ks) + " |", "|---" * (len(ks) + 1) + "|"]
    for name, values in by_k.items():
        lines.append(f"| {name.replace('_', ' ')} | " + " | ".join(f"{values[k]:.3f}" for k in ks) + " |")
    return lines


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def add_grounding(output, tasks, run_dir: Path, evaluate_dir: Path, cfg):
    """Score grounding for `tasks` and add it to the evaluate stage's metrics.json, report.md and output."""
    import json

    from vertical.io import atomic_write_json, atomic_write_text
    from vertical.run import StageOutput

    grounding = score_grounding(tasks, run_dir, cfg.grounding_questions, cfg.grounding_max_tokens)
    if not grounding:
        return output
    metrics_file = Path(evaluate_dir) / "metrics.json"
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    atomic_write_json(metrics_file, {**metrics, "grounding": grounding})
    report = Path(evaluate_dir) / "report.md"
    atomic_write_text(report, report.read_text(encoding="utf-8") + grounding_markdown(grounding))
    html = Path(evaluate_dir) / "report.html"
    if html.is_file():
        page = html.read_text(encoding="utf-8")
        section = grounding_html(grounding)
        page = page.replace("</body>", section + "</body>") if "</body>" in page else page + section
        atomic_write_text(html, page)
    headline = {
        task: {**result["exact_match"], **{f"recall_at_k_{n}": v for n, v in result["recall_at_k"].items()}}
        for task, result in grounding.items()
    }
    return StageOutput(metrics={**output.metrics, "grounding": headline})


def grounding_html(grounding: dict) -> str:
    """The report's grounding section as HTML (escaped)."""
    from html import escape

    parts = ["<section><h2>Grounded answers</h2>"]
    for task, result in grounding.items():
        em = result["exact_match"]
        parts.append(
            f"<h3>{escape(task)}: {result['examples']} held-out questions, k = {result['k']}</h3><table>"
            "<tr><th>model</th><th>closed-book EM</th><th>with retrieval EM</th><th>citation precision</th>"
            "<th>correct answers citing the answer</th></tr>"
        )
        for variant in ("general", "vertical"):
            if f"{variant}_closed_book" in em:
                parts.append(
                    f"<tr><td>{variant}</td><td>{em[f'{variant}_closed_book']:.3f}</td>"
                    f"<td>{em[f'{variant}_retrieval']:.3f}</td>"
                    f"<td>{_cell(result['citation_precision'][variant])}</td>"
                    f"<td>{_cell(result['supported_correct'][variant])}</td></tr>"
                )
        by_k = result.get("recall_at") or {n: {str(result["k"]): v} for n, v in result["recall_at_k"].items()}
        recall = "; ".join(
            escape(name.replace("_", " "))
            + ": "
            + ", ".join(f"recall@{k} {v:.3f}" for k, v in values.items())
            for name, values in by_k.items()
        )
        parts.append(f"</table><p>{recall or 'recall: n/a'}</p>")
    return "".join(parts) + "</section>"
