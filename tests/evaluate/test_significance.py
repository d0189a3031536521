import numpy as np
import pytest
from sklearn.metrics import f1_score

from vertical.evaluate.scoring import compare_predictions, headline_counts
from vertical.evaluate.significance import macro_f1, mean_of_first, paired_bootstrap


def _accuracy_counts(correct: np.ndarray) -> np.ndarray:
    return np.stack([correct.astype(float), np.ones(len(correct))], axis=1)


def test_interval_covers_the_true_difference_about_95_percent_of_the_time():
    # A population where the general model is right 70% and the vertical one 78% of the time,
    # correlated (both right on easy examples): the true accuracy difference is 0.08.
    rng = np.random.default_rng(42)
    covered, trials, n = 0, 200, 400
    for trial in range(trials):
        difficulty = rng.random(n)
        general = difficulty < 0.70
        vertical = difficulty < 0.78
        # some noise so the two models do not agree on every example
        flip = rng.random(n) < 0.1
        vertical = np.where(flip, rng.random(n) < 0.78, vertical)
        general = np.where(flip, rng.random(n) < 0.70, general)
        paired = paired_bootstrap(
            "accuracy", _accuracy_counts(general), _accuracy_counts(vertical), mean_of_first, 500, 0.95, trial
        )
        covered += paired.low <= 0.08 <= paired.high
    assert 0.90 <= covered / trials <= 0.99


def test_no_difference_gives_p_value_one_and_a_zero_interval():
    correct = _accuracy_counts(np.array([1, 0, 1, 1, 0, 1] * 20))
    paired = paired_bootstrap("accuracy", correct, correct, mean_of_first)
    assert (paired.difference, paired.low, paired.high, paired.p_value) == (0.0, 0.0, 0.0, 1.0)


def test_a_clear_difference_is_significant():
    rng = np.random.default_rng(0)
    general = _accuracy_counts(rng.random(500) < 0.6)
    vertical = _accuracy_counts(rng.random(500) < 0.9)
    paired = paired_bootstrap("accuracy", general, vertical, mean_of_first)
    assert paired.p_value < 0.01 and paired.low > 0.15


def test_macro_f1_statistic_matches_scikit_learn_on_the_full_sample():
    rng = np.random.default_rng(3)
    gold = rng.integers(0, 4, 300)
    predicted = np.where(rng.random(300) < 0.7, gold, rng.integers(0, 4, 300))
    record = {
        "task_type": "classification",
        "labels": ["a", "b", "c", "d"],
        "gold": gold.tolist(),
        "predicted": predicted.tolist(),
    }
    counts, statistic = headline_counts(record)["macro_f1"]
    assert statistic is macro_f1
    assert statistic(counts.sum(axis=0, keepdims=True))[0] == pytest.approx(
        f1_score(gold, predicted, average="macro")
    )


def test_compare_predictions_refuses_different_test_sets():
    general = {"labels": ["a", "b"], "gold": [0, 1], "predicted": [0, 1]}
    vertical = {"labels": ["a", "b"], "gold": [1, 1], "predicted": [0, 1]}
    with pytest.raises(ValueError, match="same test examples"):
        compare_predictions(general, vertical)


def test_over_one_seed_the_seed_bootstrap_is_the_paired_bootstrap_and_over_seeds_it_averages():
    from vertical.evaluate.significance import paired_bootstrap, paired_bootstrap_over_seeds

    rng = np.random.default_rng(3)
    general = [np.stack([rng.random(200) < p, np.ones(200)], axis=1).astype(float) for p in (0.6, 0.62)]
    vertical = [np.stack([rng.random(200) < p, np.ones(200)], axis=1).astype(float) for p in (0.7, 0.66)]
    one = paired_bootstrap("accuracy", general[0], vertical[0], mean_of_first, samples=500, seed=1)
    assert (
        paired_bootstrap_over_seeds("accuracy", general[:1], vertical[:1], mean_of_first, samples=500, seed=1)
        == one
    )
    both = paired_bootstrap_over_seeds("accuracy", general, vertical, mean_of_first, samples=500, seed=1)
    by_hand = np.mean([v[:, 0].mean() - g[:, 0].mean() for g, v in zip(general, vertical, strict=True)])
    assert both.difference == pytest.approx(by_hand, abs=1e-4)
    assert both.low < both.difference < both.high
