"""`vertical ablate`: variants of a recipe, each built once per seed, summarised and shown in the report."""

from __future__ import annotations

import json
import statistics

import pytest
from typer.testing import CliRunner

from tests.conftest import write_tiny_project
from vertical.cli import app
from vertical.errors import RecipeError
from vertical.recipe import _merged, load_ablation, load_recipe

ABLATION = """ablation:
  seeds: [0, 1]
  tasks: [topic]
  variants:
    plain: {pretrain: {entity_probability: 0.0}}
    recipe: {}
"""


@pytest.fixture(scope="module")
def ablated(tiny_model_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ablation")
    recipe = write_tiny_project(folder, tiny_model_dir, steps=2)
    with open(recipe, "a", encoding="utf-8") as handle:
        handle.write(ABLATION)
    runner = CliRunner()
    result = runner.invoke(app, ["run", str(recipe), "--runs-dir", str(folder / "runs")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["ablate", str(recipe), "--runs-dir", str(folder / "runs")])
    assert result.exit_code == 0, result.output
    return recipe, folder / "runs" / "tiny", result.output


def test_every_variant_is_built_once_per_seed_with_its_changes(ablated):
    _, run_dir, _ = ablated
    for variant, entity_probability in (("plain", 0.0), ("recipe", 0.5)):
        for seed in (0, 1):
            build = run_dir / "ablation" / variant / f"seed-{seed}"
            pretrain = json.loads((build / "pretrain" / "manifest.json").read_text())
            assert pretrain["config"]["seed"] == seed
            assert pretrain["config"]["pretrain"]["entity_probability"] == entity_probability
            assert (build / "evaluate" / "metrics.json").is_file()


def test_seed_independent_stages_are_reused_not_rebuilt(ablated):
    _, run_dir, _ = ablated
    started = {
        json.loads((build / "data" / "manifest.json").read_text())["started_at"]
        for build in [run_dir, *(run_dir / "ablation").glob("*/seed-*")]
    }
    assert len(started) == 1  # the main run's data stage, copied into every build and found up to date


def test_summary_holds_each_seed_and_its_mean_and_spread(ablated):
    _, run_dir, output = ablated
    summary = json.loads((run_dir / "ablation" / "summary.json").read_text())
    assert summary["missing"] == [] and summary["seeds"] == [0, 1]
    assert set(summary["variants"]) == {"plain", "recipe"}
    for variant, entry in summary["variants"].items():
        assert entry["seeds"] == [0, 1]
        assert set(entry["tasks"]) == {"topic"}  # the ablation's task list
        scores = entry["tasks"]["topic"]["accuracy"]
        files = [run_dir / "ablation" / variant / f"seed-{s}" / "evaluate" / "metrics.json" for s in (0, 1)]
        measured = [json.loads(f.read_text())["tasks"]["topic"]["vertical"]["accuracy"] for f in files]
        assert scores["vertical"] == measured
        assert scores["summary"]["vertical"]["mean"] == pytest.approx(statistics.fmean(measured), abs=1e-4)
        assert scores["summary"]["vertical"]["std"] == pytest.approx(statistics.stdev(measured), abs=1e-4)
    assert "plain" in output and "recipe" in output
    assert "| plain |" in (run_dir / "ablation" / "summary.md").read_text()


def test_main_report_gains_an_ablation_section(ablated):
    _, run_dir, _ = ablated
    html = (run_dir / "report.html").read_text()
    assert "<h2>Ablation</h2>" in html and 'id="ablation"' in html


def test_second_ablate_skips_every_build(ablated):
    recipe, run_dir, _ = ablated
    before = (run_dir / "ablation" / "plain" / "seed-1" / "pretrain" / "manifest.json").read_text()
    result = CliRunner().invoke(app, ["ablate", str(recipe), "--runs-dir", str(run_dir.parent)])
    assert result.exit_code == 0, result.output
    assert (run_dir / "ablation" / "plain" / "seed-1" / "pretrain" / "manifest.json").read_text() == before


def test_changes_are_laid_over_the_recipe_mapping_by_mapping():
    base = {"pretrain": {"steps": 5, "objectives": {"mlm": 1.0}}, "seed": 0}
    merged = _merged(base, {"pretrain": {"objectives": {"sop": 0.2}}})
    assert merged == {"pretrain": {"steps": 5, "objectives": {"mlm": 1.0, "sop": 0.2}}, "seed": 0}
    assert base["pretrain"]["objectives"] == {"mlm": 1.0}  # the recipe itself is untouched


@pytest.mark.parametrize(
    "ablation, expected",
    [
        (
            "ablation: {variants: {bad: {pretrain: {entity_probability: 2.0}}}}",
            "ablation.variants.bad: pretrain.entity_probability",
        ),
        ("ablation: {variants: {bad: {tasks: []}}}", "a variant may change"),
        ("ablation: {variants: {ok: {}}, tasks: [nope]}", "no task named nope"),
        ("ablation: {variants: {ok: {}}, seeds: [1, 1]}", "seeds must be distinct"),
        ("ablation: {variants: {}}", "ablation.variants"),
    ],
)
def test_bad_ablation_names_the_line_and_key(tiny_model_dir, tmp_path, ablation, expected):
    recipe = write_tiny_project(tmp_path, tiny_model_dir)
    line = len(recipe.read_text().splitlines()) + 1
    with open(recipe, "a", encoding="utf-8") as handle:
        handle.write(ablation + "\n")
    with pytest.raises(RecipeError) as error:
        load_recipe(recipe)
    assert expected in str(error.value) and f"recipe.yaml:{line}:" in str(error.value)


def test_ablate_without_an_ablation_section_exits_2(tiny_model_dir, tmp_path):
    recipe = write_tiny_project(tmp_path, tiny_model_dir)
    with pytest.raises(RecipeError, match="no `ablation` section"):
        load_ablation(recipe)
    result = CliRunner().invoke(app, ["ablate", str(recipe), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 2 and "no `ablation` section" in result.output
