"""`--set key.path=value` overrides: laid over the recipe file, validated like it, errors naming them."""

import pytest

from tests.conftest import write_tiny_project
from vertical.errors import RecipeError
from vertical.overrides import apply_overrides, parse_override
from vertical.recipe import load_recipe


def test_values_are_read_as_yaml_and_numbers_index_lists():
    assert parse_override("pretrain.steps=50") == (("pretrain", "steps"), 50)
    assert parse_override("tasks.0.epochs=0.5") == (("tasks", 0, "epochs"), 0.5)
    assert parse_override("tracking.backends=[tensorboard, mlflow]")[1] == ["tensorboard", "mlflow"]
    assert parse_override("name=bank-demo") == (("name",), "bank-demo")
    data, applied = apply_overrides({"tasks": [{"name": "a"}]}, ["tasks.0.epochs=1", "pretrain.steps=3"])
    assert data == {"tasks": [{"name": "a", "epochs": 1}], "pretrain": {"steps": 3}}
    assert applied == {("tasks", 0, "epochs"): "tasks.0.epochs=1", ("pretrain", "steps"): "pretrain.steps=3"}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("pretrain.steps", "--set pretrain.steps: expected key.path=value"),
        ("tasks.3.epochs=1", "--set tasks.3.epochs=1: tasks.3: the list has 1 items"),
        ("name.first=x", "--set name.first=x: name.first: name is not a mapping or a list"),
    ],
)
def test_malformed_overrides_are_named(override, message):
    with pytest.raises(RecipeError) as caught:
        apply_overrides({"name": "tiny", "tasks": [{"name": "a"}]}, [override])
    assert message in str(caught.value)


def test_overrides_change_the_recipe_and_bad_values_name_the_override(tiny_model_dir, tmp_path):
    recipe_file = write_tiny_project(tmp_path, tiny_model_dir)
    recipe = load_recipe(recipe_file, ["pretrain.steps=50", "tasks.0.epochs=2", "tracking.backends=[mlflow]"])
    assert recipe.pretrain.steps == 50 and recipe.tasks[0].epochs == 2
    assert recipe.tracking.backends == ["mlflow"]
    assert load_recipe(recipe_file).pretrain.steps == 4  # the file is untouched
    for override, message in (
        ("pretrain.steps=many", "--set pretrain.steps=many: pretrain.steps: Input should be a valid integer"),
        ("pretrain.stepz=3", "--set pretrain.stepz=3: pretrain.stepz: unknown key"),
        ("tracking.backends=[comet]", "--set tracking.backends=[comet]: tracking.backends[0]: Input"),
    ):
        with pytest.raises(RecipeError) as caught:
            load_recipe(recipe_file, [override])
        assert str(caught.value).startswith(message), caught.value
