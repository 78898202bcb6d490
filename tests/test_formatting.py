"""Numbers as logs show them: metrics to 3 decimals, durations in a unit that reads."""

from __future__ import annotations

import pytest

from enhancerlm.formatting import duration, metric


@pytest.mark.parametrize(
    "value, shown",
    [(0.8289110942163495, "0.829"), (1.0, "1.000"), (0.0, "0.000"), (8.31, "8.310"), (1.2e-5, "1.2e-05"),
     (-0.25, "-0.250"), (None, "n/a"), (float("nan"), "n/a")],
)  # fmt: skip
def test_metric_has_three_decimals(value, shown):
    assert metric(value) == shown


@pytest.mark.parametrize(
    "seconds, shown",
    [
        (0.25, "250 ms"),
        (2.0, "2 s"),
        (17.5, "17.5 s"),
        (70, "1.17 min"),
        (2.19 * 3600, "2.19 h"),
        (3 * 86400, "3 days"),
    ],
)
def test_duration_picks_the_unit(seconds, shown):
    assert duration(seconds) == shown
