import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from enhancerlm.data.leakage.audit import composition
from enhancerlm.data.leakage.plots import histogram_bins, plot_distribution, save_distribution_plots


def test_one_histogram_per_split_and_class(train, test):
    table = composition(train, test)
    ax = Figure().subplots()
    assert plot_distribution(table, "gc", ax=ax) is ax
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == [
        "train / enhancer (n=3)",
        "train / not_enhancer (n=2)",
        "test / enhancer (n=3)",
        "test / not_enhancer (n=3)",
    ]
    assert ax.get_xlabel().startswith("GC content")


def test_bins_are_centred_on_possible_values():
    edges = histogram_bins(np.array([0.40, 0.45, 0.60]), n_bins=4, quantum=0.05)
    np.testing.assert_allclose(edges, [0.375, 0.425, 0.475, 0.525, 0.575, 0.625])
    np.testing.assert_allclose(histogram_bins(np.array([1.0, 3.0]), n_bins=2), [1.0, 2.0, 3.0])


def test_save_writes_pngs(tmp_path):
    table = pd.DataFrame({"split": ["train", "test"], "label": ["x", "y"], "gc": [0.4, np.nan], "length_bp": [10, 12]})
    paths = save_distribution_plots(table, tmp_path)
    assert [p.name for p in paths] == ["gc_histogram.png", "length_histogram.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)
