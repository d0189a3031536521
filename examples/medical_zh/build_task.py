"""Build the Chinese medical answer-matching task from Huatuo (BenTsao) QA, for medical_zh/recipe.yaml.

Each question gives two examples: its own answer (``match``) and the answer of the most similar
other question of its side (``mismatch``; character-bigram TF-IDF cosine), so the words of the question do not
give the label away: telling a treatment of one disease from a treatment of a similar one takes
medical knowledge. Questions are split 80/20 by a hash of their text (both examples of a question
on one side); the domain corpus is the training questions and answers only, so that pretraining
never reads a test answer. Writes tasks/train.csv, tasks/test.csv (``text,label``; the text is
``问：<question> 答：<answer>``, each cut to `--max-chars`) and tasks/corpus.jsonl.

    python medical_zh/build_task.py [--data ../../shared/datasets/medical_zh/huatuo_llama_data.jsonl]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "shared" / "datasets" / "medical_zh" / "huatuo_llama_data.jsonl"


def most_similar_other(questions: list[str], chunk: int = 1000) -> np.ndarray:
    """(N,) index of each question's most similar other question (character bigrams, TF-IDF cosine)."""
    vectors = TfidfVectorizer(analyzer="char", ngram_range=(2, 2)).fit_transform(questions)  # (N, V)
    nearest = np.zeros(len(questions), dtype=int)
    for start in range(0, len(questions), chunk):
        similarity = (vectors[start : start + chunk] @ vectors.T).toarray()  # (chunk, N)
        similarity[np.arange(len(similarity)), np.arange(start, start + len(similarity))] = -1.0
        nearest[start : start + chunk] = similarity.argmax(axis=1)
    return nearest


def in_test(question: str, share: float = 0.2) -> bool:
    digest = hashlib.sha256(question.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=HERE / "tasks")
    parser.add_argument("--max-chars", type=int, default=60, help="each of question and answer cut to this")
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"{args.data} not found: it lives in ../shared/datasets/medical_zh", file=sys.stderr)
        return 2
    pairs = []
    for line in args.data.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        question = (record["instruction"] + record.get("input", "")).strip()
        answer = record["output"].strip()
        if question and answer:
            pairs.append((question, answer))
    args.out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[tuple[str, str]]] = {"train": [], "test": []}
    cut = args.max_chars
    for side in rows:  # the wrong answer comes from the same side: no test answer in training
        chosen = [pair for pair in pairs if in_test(pair[0]) == (side == "test")]
        nearest = most_similar_other([q for q, _ in chosen])
        for i, (question, answer) in enumerate(chosen):
            wrong = chosen[nearest[i]][1]
            if wrong[:cut] == answer[:cut]:
                continue  # a repeated question with the same answer: no wrong answer to give
            rows[side].append((f"问：{question[:cut]} 答：{answer[:cut]}", "match"))
            rows[side].append((f"问：{question[:cut]} 答：{wrong[:cut]}", "mismatch"))
    for side, examples in rows.items():
        with (args.out / f"{side}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "label"])
            writer.writerows(examples)
    with (args.out / "corpus.jsonl").open("w", encoding="utf-8") as handle:
        for question, answer in pairs:
            if not in_test(question):
                handle.write(json.dumps({"text": f"{question}\n{answer}"}, ensure_ascii=False) + "\n")
    counts = {side: len(examples) for side, examples in rows.items()}
    print(
        f"wrote {args.out}: train {counts['train']}, test {counts['test']} examples, corpus of the train side"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
