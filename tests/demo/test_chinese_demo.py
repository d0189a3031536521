import csv
import json

from transformers import AutoTokenizer

from vertical.demo import QUICK_ZH, write_chinese_finance_demo
from vertical.demo.tasks_zh import sector_task_zh
from vertical.demo.world_zh import build_world_zh
from vertical.recipe import load_recipe
from vertical.tokenizer.extend import extend_tokenizer
from vertical.tokenizer.mine import mine_terms
from vertical.tokenizer.stats import tokenization_stats


def test_the_chinese_world_is_seeded_and_its_sector_test_set_is_unseen():
    world = build_world_zh(0)
    assert [c.name for c in world.companies] == [c.name for c in build_world_zh(0).companies]
    assert len({c.name for c in world.companies}) == len(world.companies) == 96
    train, test = sector_task_zh(world)
    train_text = "".join(e.text for e in train)
    test_companies = [c.name for c in world.companies if c.name in "".join(e.text for e in test)]
    assert test_companies and not any(name in train_text for name in test_companies)
    assert len({e.label for e in test}) == 8


def test_the_chinese_demo_writes_a_loadable_recipe_and_extension_removes_every_unk(tmp_path, tiny_model_dir):
    recipe_path = write_chinese_finance_demo(tmp_path / "zh", QUICK_ZH)
    recipe = load_recipe(recipe_path)
    assert recipe.language == "zh" and recipe.tokenizer.extend
    assert recipe.pretrain.vocabulary_learning_rate == 3.0e-3 and recipe.pretrain.learning_rate == 3.0e-4
    with open(tmp_path / "zh" / "tasks" / "sentiment_test.csv", encoding="utf-8") as handle:
        assert {row["label"] for row in csv.DictReader(handle)} == {"positive", "negative", "neutral"}
    texts = [
        json.loads(line)["text"]
        for line in (tmp_path / "zh" / "corpus" / "news.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    held_out, train = texts[:200], texts[200:]
    assert tokenization_stats(tokenizer, held_out)["unk_rate"] > 0.05
    extend_tokenizer(tokenizer, mine_terms(train, tokenizer, 2000, min_frequency=10))
    assert tokenization_stats(tokenizer, held_out)["unk_rate"] == 0
