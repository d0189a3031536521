"""Not speed: recall@k of the run's vertical encoder against the general one, on the demo world's questions.

For a finance demo run built with ``retrieve: {}`` (``retrieve/index`` by the domain-pretrained
encoder, ``retrieve/general-index`` by the base all-MiniLM-L6-v2), asks one question per company
of the demo world ("What does <company> do?", "Who runs <company>?") and per trade term ("What
is <term>?") and counts a question answered at k when one of its k passages names the company
(or the term) as whole words: retrieval has to find the passages about the entity it is asked
about, among hundreds about look-alike invented names. Prints recall@1, @5 and @10 of both.

    python bench/retrieval_recall.py RUN_DIR [--seed 0]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--seed", type=int, default=0, help="the demo world's seed")
    args = parser.parse_args()
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
