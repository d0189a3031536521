"""The optuna search: trials scored on the validation split, the best values train the final model,
and the general and vertical bases get the same trials."""

import json

from vertical.evaluate.compare import compare_variants
from vertical.finetune import finetune_tasks
from vertical.recipe import EvaluateConfig, TaskConfig


def test_two_trials_pick_the_final_hyperparameters_for_both_bases(tmp_path, tiny_model_dir):
    def write(name, numbers):
        rows = [f"card number {n} not arrived,card" for n in numbers]
        rows += [f"exchange rate {n} for euros,fx" for n in numbers]
        (tmp_path / name).write_text("text,label\n" + "\n".join(rows) + "\n")
        return str(tmp_path / name)

    # 14 validation and 10 test examples: a trial's accuracy is k/14, a test accuracy k/10
    task = TaskConfig(
        name="intent",
        data=write("train.csv", range(16)),
        validation=write("validation.csv", range(100, 107)),
        test=write("test.csv", range(200, 205)),
        max_length=32,
        trials=2,
        search={"learning_rate": [1e-3, 5e-3], "epochs": [1, 2], "batch_size": [8, 16]},
        on_collapse="warn",  # the tiny model may answer one class in 2 epochs; a retry would double them
    )
    out = tmp_path / "finetune"
    stage = finetune_tasks([task], tiny_model_dir, tiny_model_dir, out, tmp_path / "work", 0, "fp32", "tiny")
    sizes = stage.metrics["tasks"]["intent"]
    searches = {
        variant: json.loads((out / "intent" / variant / "search.json").read_text())
        for variant in ("general", "vertical")
    }
    general = searches["general"]
    assert general["metric"] == "accuracy" and len(general["trials"]) == 2
    # the same budget, the same candidates for both bases
    assert [t["params"] for t in general["trials"]] == [t["params"] for t in searches["vertical"]["trials"]]
    for trial in general["trials"]:
        assert 1e-3 <= trial["params"]["learning_rate"] <= 5e-3
        assert trial["params"]["epochs"] in (1, 2) and trial["params"]["batch_size"] in (8, 16)
        # an accuracy over the validation examples, not over the test ones
        assert sizes["validation_examples"] == 14
        assert abs(trial["value"] * 14 - round(trial["value"] * 14)) < 1e-3
    assert general["best_value"] == max(t["value"] for t in general["trials"])
    training = json.loads((out / "intent" / "general" / "training.json").read_text())
    assert training["hyperparameters"]["learning_rate"] == general["best_params"]["learning_rate"]
    assert training["hyperparameters"]["epochs"] == general["best_params"]["epochs"]
    assert training["validation_loss"]  # the final model is validated every epoch
    assert "2-trial optuna search" in (out / "intent" / "general" / "model" / "README.md").read_text()

    evaluate_dir = tmp_path / "evaluate"
    compare_variants(EvaluateConfig(bootstrap_samples=100), ["intent"], out, evaluate_dir, "t")
    metrics = json.loads((evaluate_dir / "metrics.json").read_text())
    assert metrics["tasks"]["intent"]["search"]["general"]["best_params"] == general["best_params"]
    page = (evaluate_dir / "report.html").read_text()
    assert "Hyper-parameter search" in page  # the trials table
