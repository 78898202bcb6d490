import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from enhancerlm.data.generate.synthetic_celltypes import (
    NO_MOTIF,
    make_celltype_synthetic,
    noise_ceiling,
    write_celltype_synthetic,
)
from enhancerlm.errors import ConfigError
from enhancerlm.sequences.dna import padded_codes, reverse_complement
from enhancerlm.sequences.spec import read_specs
from enhancerlm.sequences.task import infer_task


@pytest.fixture(scope="module")
def small():
    return make_celltype_synthetic(60, 200, seed=1, site_sampling="consensus")


def test_grammar_splits_the_default_motifs_and_shares_ap1(small):
    grammar = small.grammar.to_dict(small.motifs)
    assert list(grammar["cell_types"]) == ["ct1", "ct2", NO_MOTIF]
    assert grammar["cell_types"]["ct1"]["motifs"] == ["GATA1", "GATA1::TAL1"]  # CTCF left over: fillers only
    assert grammar["cell_types"]["ct2"]["motifs"] == ["Spi1", "CEBPB"]
    assert grammar["cell_types"][NO_MOTIF] == {"motifs": [], "shared_weight": 0.0}
    assert grammar["shared_motif"] == "FOS::JUN"


def test_labels_follow_the_planted_sites_exactly(small):
    table, planted = small.table.set_index("id"), small.planted
    real = planted[planted["kind"] == "motif"]
    for cell_type in ("ct1", "ct2"):
        holders = set(real.loc[real["program"].isin([cell_type, "shared"]), "id"])
        assert set(table.index[table[f"label:{cell_type}"] == 1]) == holders
    owned = {"ct1": {"GATA1", "GATA1::TAL1"}, "ct2": {"Spi1", "CEBPB"}, "shared": {"FOS::JUN"}}
    for row in real.itertuples():
        assert row.motif_name in owned[row.program]


def test_sites_hold_the_consensus_and_every_sequence_the_same_number_of_sites(small):
    consensus = {m.matrix_id: m.consensus for m in small.motifs}
    table = small.table.set_index("id")
    for row in small.planted.itertuples():
        site = table.loc[row.id, "sequence"][row.start : row.end]
        site = reverse_complement(site) if row.strand == "-" else site
        if row.kind == "shuffled":
            assert sorted(site) == sorted(consensus[row.matrix_id])
        else:
            assert site == consensus[row.matrix_id]
    assert (small.planted.groupby("id").size() == 3 * 2).all()  # 3 programs x at most 2 sites


def test_activity_is_the_sum_of_site_effects_plus_noise(small):
    weights = small.grammar.weights()  # (cell types, motifs)
    index = {m.name: i for i, m in enumerate(small.motifs)}
    real = small.planted[small.planted["kind"] == "motif"]
    for c, cell_type in enumerate(("ct1", "ct2")):
        expected = real.groupby("id")["motif_name"].agg(lambda names: sum(weights[c, index[n]] for n in names))
        truth = small.table.set_index("id")[f"true:{cell_type}"]
        np.testing.assert_allclose(truth.reindex(expected.index), expected, rtol=0, atol=1e-12)
        assert (truth.drop(expected.index) == 0).all()
    big = make_celltype_synthetic(3000, 200, seed=2, activity_sigma=0.3)
    residual = big.table["target:ct1"] - big.table["true:ct1"]
    assert abs(residual.std() - 0.3) < 0.015 and abs(residual.mean()) < 0.015


def test_no_motif_label_is_independent_of_the_sequence():
    data = make_celltype_synthetic(2000, 200, seed=3)
    label = data.table[f"label:{NO_MOTIF}"]
    assert 0.35 < label.mean() < 0.46  # 1 - 0.7 * 0.85 = 0.405
    for cell_type in ("ct1", "ct2"):
        assert abs(np.corrcoef(label, data.table[f"label:{cell_type}"])[0, 1]) < 0.06


def test_same_seed_same_data():
    first, again = make_celltype_synthetic(40, seed=5), make_celltype_synthetic(40, seed=5)
    assert first.table.equals(again.table) and first.planted.equals(again.planted)
    assert first.noise_ceiling == again.noise_ceiling
    assert not first.table["sequence"].equals(make_celltype_synthetic(40, seed=6).table["sequence"])


def test_noise_ceiling():
    rng = np.random.default_rng(0)
    truth = rng.normal(0, 1, 2000)
    ceiling = noise_ceiling(truth, 1.0, np.random.default_rng(1), n_draws=50)
    assert abs(ceiling["pearson"] - 1 / np.sqrt(2)) < 0.01  # sd / sqrt(sd^2 + sigma^2)
    assert abs(ceiling["spearman"] - 6 / np.pi * np.arcsin(1 / (2 * np.sqrt(2)))) < 0.01  # bivariate normal
    assert noise_ceiling(np.zeros(10), 1.0, rng) == {"pearson": None, "spearman": None}


def _best_site_score(motif, seqs) -> np.ndarray:
    """Best log2-odds of ``motif`` over every position and both strands of each sequence, shape=(n,)."""
    log_odds = np.log2(motif.probs / 0.25)
    best = []
    for strand in (seqs, [reverse_complement(s) for s in seqs]):
        codes, _ = padded_codes(strand)  # (n, length_bp), A=0 C=1 G=2 T=3
        windows = np.lib.stride_tricks.sliding_window_view(codes, motif.length_bp, axis=1)
        best.append(log_odds[np.arange(motif.length_bp), windows].sum(axis=-1).max(axis=1))
    return np.maximum(*best)


def test_labels_are_recoverable_from_sequence_and_no_motif_is_not():
    data = make_celltype_synthetic(1200, 200, seed=0)
    table, motifs = data.table, {m.name: m for m in data.motifs}
    score = {name: _best_site_score(m, table["sequence"].tolist()) for name, m in motifs.items()}
    z = {name: (s - s.mean()) / s.std() for name, s in score.items()}
    scan = {
        "ct1": np.max([z["GATA1"], z["GATA1::TAL1"], z["FOS::JUN"]], axis=0),
        "ct2": np.max([z["Spi1"], z["CEBPB"], z["FOS::JUN"]], axis=0),
    }
    scan[NO_MOTIF] = np.max(list(z.values()), axis=0)
    auroc = {c: roc_auc_score(table[f"label:{c}"], s) for c, s in scan.items()}
    # a motif scanner that knows the grammar separates the cell types; nothing separates no_motif
    assert auroc["ct1"] > 0.9 and auroc["ct2"] > 0.9 and abs(auroc[NO_MOTIF] - 0.5) < 0.05, auroc
    train, test = table[table["split"] == "train"], table[table["split"] == "test"]
    kmers = CountVectorizer(analyzer="char", ngram_range=(6, 6), lowercase=False)
    x_train, x_test = kmers.fit_transform(train["sequence"]), kmers.transform(test["sequence"])
    learnt = {}
    for cell_type in ("ct1", "ct2", NO_MOTIF):
        model = LogisticRegression(C=0.03, max_iter=2000).fit(x_train, train[f"label:{cell_type}"])
        learnt[cell_type] = roc_auc_score(test[f"label:{cell_type}"], model.predict_proba(x_test)[:, 1])
    assert learnt["ct1"] > 0.7 and learnt["ct2"] > 0.7 and abs(learnt[NO_MOTIF] - 0.5) < 0.1, learnt


def test_written_tables_read_as_multilabel_and_regression_tasks(tmp_path):
    data = make_celltype_synthetic(50, seed=0, test_fraction=0.2)
    write_celltype_synthetic(data, tmp_path / "syn")
    out = tmp_path / "syn"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["celltypes_train.tsv", "celltypes_test.tsv", "activity_train.tsv", "activity_test.tsv"]
        + ["truth.tsv", "planted.tsv", "motifs.json"]
    )
    labels = read_specs([str(out / "celltypes_train.tsv")], "train")
    task = infer_task(labels)
    assert (task.kind, task.names) == ("multilabel", ("ct1", "ct2", NO_MOTIF)) and len(labels) == 40
    np.testing.assert_array_equal(
        task.encode(labels), data.table.loc[data.table["split"] == "train", task.truth_columns()].to_numpy()
    )
    activity = read_specs([str(out / "activity_test.tsv")], "test")
    task = infer_task(activity)
    assert (task.kind, task.names) == ("regression", ("ct1", "ct2")) and len(activity) == 10
    expected = data.table.loc[data.table["split"] == "test", task.truth_columns()].to_numpy()
    np.testing.assert_allclose(task.encode(activity), expected, atol=5e-5)  # 4 decimals
    manifest = json.loads((out / "motifs.json").read_text())
    assert set(manifest["noise_ceiling"]["test"]) == {"ct1", "ct2"}
    assert manifest["params"]["n_cell_types"] == 3 and manifest["params"]["seed"] == 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_cell_types": 7}, "need at least"),
        ({"n_cell_types": 7, "length_bp": 400}, "--cell-types 7"),
        ({"n_cell_types": 1}, "--cell-types 1"),
        ({"activity_sigma": 0}, "activity_sigma"),
        ({"p_active": 1.0}, "p_active"),
    ],
)
def test_bad_grammar_is_a_config_error(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        make_celltype_synthetic(**{"n_sequences": 20, **kwargs})
