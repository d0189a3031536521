from vertical.demo.decoder import facts_task, write_decoder_demo
from vertical.demo.world import build_world
from vertical.recipe import load_recipe


def test_test_questions_ask_about_companies_the_training_questions_never_name():
    world = build_world(0)
    train, test = facts_task(world, seed=0)
    names = {company.name for company in world.companies}
    asked = lambda examples: {n for n in names for e in examples if f" {n}?" in e.prompt}  # noqa: E731
    assert asked(train) and asked(test) and not asked(train) & asked(test)
    sectors = {company.sector.name for company in world.companies}
    assert {e.response for e in test} & sectors


def test_the_decoder_demo_recipe_is_valid(tmp_path):
    recipe = load_recipe(write_decoder_demo(tmp_path, quick=True))
    assert recipe.pretrain.from_scratch is not None and recipe.tasks[0].type == "generation"
