from pathlib import Path

import pytest

from vertical.errors import RecipeError
from vertical.recipe import load_recipe

MINIMAL = """name: bank
data:
  sources: [corpus.jsonl]
tasks:
  - {name: intent, data: train.csv}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "corpus.jsonl").write_text('{"text": "hello"}\n')
    (tmp_path / "train.csv").write_text("text,label\na,b\n")
    return tmp_path


def write(folder: Path, text: str) -> Path:
    path = folder / "recipe.yaml"
    path.write_text(text)
    return path


def test_minimal_recipe_gets_defaults_and_absolute_paths(project):
    recipe = load_recipe(write(project, MINIMAL))
    assert recipe.base_model == "builtin:minilm"
    assert recipe.pretrain.steps == 500 and recipe.pretrain.mlm_probability == 0.15
    assert Path(recipe.data.sources[0].path) == (project / "corpus.jsonl").resolve()
    assert Path(recipe.tasks[0].data).is_absolute()


def test_unknown_key_names_file_line_and_key(project):
    path = write(project, MINIMAL + "pretrain:\n  steps: 10\n  learning_rat: 0.1\n")
    with pytest.raises(RecipeError) as error:
        load_recipe(path)
    assert str(error.value).startswith(f"{path}:8: pretrain.learning_rat: unknown key")


def test_wrong_type_names_line(project):
    path = write(project, MINIMAL + "pretrain:\n  steps: many\n")
    with pytest.raises(RecipeError) as error:
        load_recipe(path)
    message = str(error.value)
    assert message.startswith(f"{path}:7: pretrain.steps:") and "integer" in message
    assert "\n" not in message


def test_missing_data_file_names_line_and_key(project):
    path = write(project, MINIMAL.replace("train.csv", "nowhere.csv"))
    with pytest.raises(RecipeError) as error:
        load_recipe(path)
    assert str(error.value).startswith(f"{path}:5: tasks[0].data: file not found: nowhere.csv")


def test_missing_required_section(project):
    path = write(project, "name: x\n")
    with pytest.raises(RecipeError, match=r"recipe.yaml:1: data: required key is missing"):
        load_recipe(path)


def test_invalid_yaml_names_line(project):
    path = write(project, "name: x\ndata: [\n")
    with pytest.raises(RecipeError, match=r"recipe.yaml:3: invalid YAML"):
        load_recipe(path)


def test_duplicate_task_names_are_refused(project):
    path = write(project, MINIMAL + "  - {name: intent, data: train.csv}\n")
    with pytest.raises(RecipeError, match="repeated: intent"):
        load_recipe(path)


def test_missing_recipe_file(tmp_path):
    with pytest.raises(RecipeError, match="recipe file not found"):
        load_recipe(tmp_path / "absent.yaml")


def test_entity_masking_needs_a_file_of_names(project):
    path = write(project, MINIMAL + "pretrain:\n  entity_probability: 0.5\n")
    with pytest.raises(RecipeError) as error:
        load_recipe(path)
    assert str(error.value).startswith(f"{path}:6: pretrain: entity_probability needs `entities`")
    path = write(project, MINIMAL + "pretrain:\n  entity_probability: 0.5\n  entities: names.txt\n")
    with pytest.raises(RecipeError) as error:
        load_recipe(path)
    assert str(error.value).startswith(f"{path}:8: pretrain.entities: file not found: names.txt")
    (project / "names.txt").write_text("Voman Group\n")
    recipe = load_recipe(path)
    assert recipe.pretrain.entities == str((project / "names.txt").resolve())
    assert recipe.pretrain.vocabulary_learning_rate is None


def test_entity_masking_can_use_the_knowledge_stage_instead_of_a_file(project):
    (project / "triples.csv").write_text("subject,predicate,object\nVoman Group,sector,banking\n")
    recipe = load_recipe(
        write(
            project, MINIMAL + "knowledge:\n  sources: [triples.csv]\npretrain:\n  entity_probability: 0.5\n"
        )
    )
    assert recipe.pretrain.entity_probability == 0.5 and recipe.pretrain.entities is None


def test_task_types_lora_shorthand_and_evaluate_settings(project):
    path = write(
        project,
        MINIMAL
        + "  - {name: ents, type: ner, data: train.csv, lora: true}\n"
        + "  - {name: rel, type: relation, data: train.csv, negative_label: none, lora: {rank: 4}}\n"
        + "evaluate: {bootstrap_samples: 200, confidence: 0.9}\n",
    )
    recipe = load_recipe(path)
    assert [t.type for t in recipe.tasks] == ["classification", "ner", "relation"]
    assert recipe.tasks[0].lora is None
    assert recipe.tasks[1].lora.rank == 8 and recipe.tasks[2].lora.rank == 4
    assert recipe.evaluate.bootstrap_samples == 200 and recipe.evaluate.confidence == 0.9


def test_unknown_task_type_names_line(project):
    path = write(project, MINIMAL.replace("data: train.csv}", "data: train.csv, type: summarise}"))
    with pytest.raises(
        RecipeError, match=r"recipe.yaml:5: tasks\[0\].type: Input should be 'classification'"
    ):
        load_recipe(path)


SCRATCH = """name: gpt
data:
  sources: [corpus.jsonl]
tokenizer: {from_scratch: bpe}
pretrain:
  from_scratch: {layers: 2, heads: 2, hidden: 32, context: 128}
  max_length: 64
tasks:
  - {name: answer, type: generation, data: train.csv, prompt_column: text, response_column: label}
"""


def test_from_scratch_decoder_recipe_is_valid(project):
    recipe = load_recipe(write(project, SCRATCH))
    assert recipe.pretrain.from_scratch.hidden == 32 and recipe.tasks[0].type == "generation"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "tokenizer: {from_scratch: bpe}",
            "tokenizer: {extend: true}",
            "pretrain: from_scratch needs a from-scratch BPE",
        ),
        ("hidden: 32", "hidden: 33", "hidden (33) must be a multiple of heads (2)"),
        ("max_length: 64", "max_length: 256", "max_length (256) is longer than from_scratch.context (128)"),
        (
            "max_length: 64",
            "max_length: 64\n  objectives: {contrastive: 0.5}",
            "cannot use objectives.contrastive",
        ),
        (
            "max_length: 64",
            "max_length: 64\n  entity_probability: 0.5\n  entities: corpus.jsonl",
            "entity_probability",
        ),
    ],
)
def test_bad_from_scratch_settings_are_one_line_errors(project, old, new, expected):
    with pytest.raises(RecipeError, match=expected.replace("(", r"\(").replace(")", r"\)")) as error:
        load_recipe(write(project, SCRATCH.replace(old, new)))
    assert "recipe.yaml:" in str(error.value) and "\n" not in str(error.value)


def test_cross_section_checks_hold_for_recipe_model_validate_too(tmp_path):
    from vertical.recipe import Recipe

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("some text\n")
    base = {"name": "x", "data": {"sources": [str(corpus)]}}
    for pretrain, expected in [
        ({"entity_probability": 0.5}, "entity_probability needs `entities`"),
        ({"objectives": {"knowledge": 0.5}}, "needs a `knowledge` section"),
        ({"facts_ratio": 0.2}, "facts_ratio needs a `knowledge` section"),
    ]:
        with pytest.raises(ValueError, match=expected):
            Recipe.model_validate({**base, "pretrain": pretrain})  # no context, as a Python caller does
    Recipe.model_validate({**base, "pretrain": {"entity_probability": 0.5, "entities": str(corpus)}})
    with pytest.raises(ValueError, match="init: facts needs a `knowledge` section"):
        Recipe.model_validate({**base, "tokenizer": {"extend": True, "init": "facts"}})


@pytest.mark.parametrize("name", ["..", ".", ".hidden", "a/b", "a\\\\b", ""])
def test_run_and_task_names_must_be_plain_names(tmp_path, name):
    from vertical.recipe import Recipe, TaskConfig

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("some text\n")
    with pytest.raises(ValueError, match="plain name|should match|at least"):
        Recipe.model_validate({"name": name, "data": {"sources": [str(corpus)]}})
    with pytest.raises(ValueError):
        TaskConfig.model_validate({"name": name, "data": str(corpus)})
