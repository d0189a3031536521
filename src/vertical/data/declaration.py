"""The data stage's declaration: sources in (as the reader walks them), curated corpus out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vertical.hashing import hash_config
from vertical.stages import BuildContext, StageDeclaration, without

if TYPE_CHECKING:
    from vertical.data.leakage import EvaluationExample
    from vertical.finetune.config import TaskConfig
    from vertical.recipe import Recipe


def evaluation_examples(recipe: Recipe, tasks: list[TaskConfig] | None = None) -> list[EvaluationExample]:
    """The test examples of every task (its test file, or the held-out share of its data), for the
    data stage's leakage check; none when the check is off. `tasks`: these instead of the recipe's."""
    from vertical.data.leakage import EvaluationExample
    from vertical.finetune.examples import read_examples, split_examples

    if not recipe.data.leakage:
        return []
    examples = []
    for task in recipe.tasks if tasks is None else tasks:
        if task.type == "instruct":  # a question leaks with its answer
            from vertical.instruct.readers import read_conversations
            from vertical.instruct.split import conversation_text, split_conversations

            chats = read_conversations(Path(task.test or task.data))
            test = chats if task.test else split_conversations(chats, task.test_fraction)[1]
            examples += [EvaluationExample(task.name, i, conversation_text(c)) for i, c in enumerate(test)]
            continue
        if task.type == "generation":  # a prompt leaks with its response
            from vertical.finetune.task_data import read_generation_examples

            pairs = read_generation_examples(
                Path(task.test or task.data), task.prompt_column, task.response_column
            )
            test = pairs if task.test else split_examples(pairs, task.test_fraction)[1]
            examples += [
                EvaluationExample(task.name, i, f"{pair.prompt} {pair.response}")
                for i, pair in enumerate(test)
            ]
            continue
        if task.type == "ner":  # CoNLL or span JSON Lines: the sentence is what leaks
            from vertical.finetune.tagged import read_tagged

            sentences = read_tagged(Path(task.test or task.data), task.text_column, task.entities_column)
            tagged = sentences if task.test else split_examples(sentences, task.test_fraction)[1]
            examples += [
                EvaluationExample(task.name, i, " ".join(sentence.words)) for i, sentence in enumerate(tagged)
            ]
            continue
        if task.test:
            test = read_examples(Path(task.test), task.text_column, task.label_column)
        else:
            data = read_examples(Path(task.data), task.text_column, task.label_column)
            test = split_examples(data, task.test_fraction)[1]
        examples += [EvaluationExample(task.name, i, example.text) for i, example in enumerate(test)]
    return examples


def _held_out(context: BuildContext):
    return evaluation_examples(context.recipe, context.held_out_tasks)


def _config(context: BuildContext) -> dict:
    held_out = _held_out(context)
    # `workers` only says how many tasks run at once: the corpus is the same
    return {
        **without(context.recipe.data, "workers"),
        "leakage_examples": hash_config([(e.task, e.text) for e in held_out]),
    }


def _files(context: BuildContext) -> dict:
    from vertical.data.corpus_reader import list_corpus_files

    # exactly the files the reader reads (hidden sub-folders included), so an edit to any re-runs it
    return {"sources": [Path(file.path) for file in list_corpus_files(context.recipe.data.sources)]}


def _entry(context: BuildContext, output_dir: Path, work_dir: Path):
    from vertical.data import prepare_corpus

    return prepare_corpus(context.recipe.data, output_dir, work_dir, _held_out(context))


DECLARATION = StageDeclaration(
    name="data",
    may_read=(),
    wanted=lambda recipe: True,
    reads=lambda recipe: (),
    config=_config,
    files=_files,
    entry=_entry,
)
