"""Provenance: one versions record and one rule for "same settings, or refuse to resume"."""

from enhancerlm.provenance import changed_settings, versions


def test_versions_name_every_package_that_decides_the_numbers():
    record = versions()
    assert set(record) == {"enhancerlm", "python", "torch", "transformers", "numpy", "scikit-learn", "cuda"}
    assert isinstance(record["cuda"], bool) and all(isinstance(v, str) for k, v in record.items() if k != "cuda")


def test_changed_settings_compare_as_json_reads_them_back():
    before = {"lr": 1e-4, "lrs": [1, 2], "old": 3}
    assert changed_settings(before, {"lr": 1e-4, "lrs": (1, 2)}) == []
    assert changed_settings(before, {"lr": 2e-4, "lrs": (2, 1), "seed": 0}) == ["lr", "lrs", "seed"]
    assert changed_settings(before, {"lr": 2e-4}, ignore=["lr"]) == []


def test_new_keys_and_keys_only_recorded_before():
    before = {"lr": 1e-4, "old": 3}
    assert changed_settings(before, {"lr": 1e-4, "new": 1}) == ["new"]
    assert changed_settings(before, {"lr": 1e-4, "new": None}) == []  # None is what a missing key reads as
    assert changed_settings(before, {"lr": 1e-4, "new": 1}, tolerate_new=True) == []
    assert changed_settings(before, {"lr": 1e-4}, both_ways=True) == ["old"]
