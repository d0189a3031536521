"""Not speed: recall@k of the run's vertical encoder against the general one, on the demo world's questions.

For a finance demo run built with ``retrieve: {}`` (``retrieve/index`` by the domain-pretrained
encoder, ``retrieve/general-index`` by the base all-MiniLM-L6-v2), asks one question per company
of the demo world ("What does <company> do?", "Who runs <company>?") and per trade term ("What
is <term>?") and counts a question answered at k when one of its k passages names the company
(or the term) as whole words: retrieval has to find the passages about the entity it is asked
about, among hundreds about look-alike invented names. Prints recall@1, @5 and @10 of both.

For a run whose recipe has a QA task (the LLM demo, ``retrieve: {adapt: ...}``), asks the task's
held-out questions instead, and counts a passage relevant as the evaluate stage does: it holds the
reference answer and names each entity the knowledge stage's linker finds in the question, by any
of its names. Prints recall@1, @3, @5 and @10 of both encoders, for all questions and for those
asking by another name than the entity's label (the demo's tickers).

    python bench/retrieval_recall.py RUN_DIR [--seed 0]
    python bench/retrieval_recall.py RUN_DIR --recipe DEMO/recipe.yaml
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vertical.demo.world import build_world
from vertical.evaluate.grounding import contains_answer, recall_at_k
from vertical.retrieve.retriever import load_retriever


def questions(seed: int) -> list[tuple[str, str]]:
    """(question, the name a relevant passage must mention)."""
    world = build_world(seed)
    asked = []
    for company in world.companies:
        asked += [
            (f"What does {company.name} do?", company.name),
            (f"Who runs {company.name}?", company.name),
        ]
    for terms in world.jargon.values():
        asked += [(f"What is {term}?", term) for term in terms]
    return asked


def held_out_recall(run_dir: Path, recipe_file: Path) -> None:
    """recall@k of both encoders on the held-out questions of the run's QA task (see the docstring)."""
    from vertical.evaluate.declaration import grounded_tasks
    from vertical.evaluate.grounded_qa import held_out_questions, question_entities
    from vertical.recipe import load_recipe
    from vertical.retrieve.run_index import load_run_linker, load_run_retriever

    task = grounded_tasks(load_recipe(recipe_file))[0]
    examples = held_out_questions(task, 1000)
    linker = load_run_linker(run_dir)
    anchors = [question_entities(linker, e.prompt) for e in examples]
    renamed = [i for i, a in enumerate(anchors) if a and a[0][0] not in examples[i].prompt]
    print(f"{len(examples)} held-out questions, {len(renamed)} asking by another name than the label")
    print("| encoder | questions | recall@1 | recall@3 | recall@5 | recall@10 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in ("index", "general-index"):
        retriever = load_run_retriever(run_dir, index=name)
        ranked = retriever.passages([e.prompt for e in examples], 10)
        relevant = [
            [contains_answer(p.text, e.response, a) for p in row]
            for row, e, a in zip(ranked, examples, anchors, strict=True)
        ]
        label = "vertical" if name == "index" else "general"
        for subset, rows in (("all", relevant), ("by another name", [relevant[i] for i in renamed])):
            cells = " | ".join(f"{recall_at_k(rows, k):.3f}" for k in (1, 3, 5, 10))
            print(f"| {label} ({Path(retriever.encoder.model_dir).name}) | {subset} | {cells} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--seed", type=int, default=0, help="the demo world's seed")
    parser.add_argument("--recipe", type=Path, help="the run's recipe: ask its QA task's held-out questions")
    args = parser.parse_args()
    if args.recipe is not None:
        held_out_recall(args.run_dir, args.recipe)
        return
    asked = questions(args.seed)
    print(f"{len(asked)} questions")
    print("| encoder | recall@1 | recall@5 | recall@10 |")
    print("| --- | --- | --- | --- |")
    for name in ("index", "general-index"):
        retriever = load_retriever(args.run_dir / "retrieve" / name)
        ranked = retriever.passages([q for q, _ in asked], 10)
        relevant = [
            [contains_answer(p.text, anchor) for p in row]
            for row, (_, anchor) in zip(ranked, asked, strict=True)
        ]
        label = "vertical" if name == "index" else "general"
        cells = " | ".join(f"{recall_at_k(relevant, k):.3f}" for k in (1, 5, 10))
        print(f"| {label} ({Path(retriever.encoder.model_dir).name}) | {cells} |", flush=True)


if __name__ == "__main__":
    main()
