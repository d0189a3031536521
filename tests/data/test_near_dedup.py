import pytest

from vertical.data.near_dedup import lsh_bands


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9])
def test_lsh_bands_put_the_s_curve_at_the_threshold(threshold):
    bands, rows = lsh_bands(threshold)
    assert bands * rows <= 128
    assert abs((1 / bands) ** (1 / rows) - threshold) < 0.01
    # a pair well above the threshold is found almost surely, one well below it rarely
    assert 1 - (1 - min(threshold + 0.15, 0.99) ** rows) ** bands > 0.9
    assert 1 - (1 - (threshold - 0.2) ** rows) ** bands < 0.35
