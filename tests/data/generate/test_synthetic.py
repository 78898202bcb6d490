import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from enhancerlm.data.generate.motifs import DEFAULT_MATRIX_IDS, load_motifs
from enhancerlm.data.generate.synthetic import MarkovBackground, make_synthetic, write_synthetic
from enhancerlm.data.leakage.audit import gc_auroc
from enhancerlm.errors import ConfigError, InputError
from enhancerlm.sequences.dna import gc_fraction, reverse_complement


def _site(table, row):
    seq = table.set_index("id").loc[row.id, "sequence"][row.start : row.end]
    return reverse_complement(seq) if row.strand == "-" else seq


def test_same_seed_same_data_other_seed_other_data():
    first = make_synthetic(20, 120, seed=3)
    again = make_synthetic(20, 120, seed=3)
    assert first.table.equals(again.table) and first.planted.equals(again.planted)
    assert not first.table["sequence"].equals(make_synthetic(20, 120, seed=4).table["sequence"])


def test_table_shape_and_labels():
    data = make_synthetic(15, 100, seed=0)
    assert data.table["label"].value_counts().to_dict() == {"enhancer": 15, "not_enhancer": 15}
    assert (data.table["sequence"].str.len() == 100).all()
    assert set("".join(data.table["sequence"])) <= set("ACGT")


def test_planted_sites_hold_the_consensus():
    data = make_synthetic(30, 150, seed=1, site_sampling="consensus", decoy_rate=0.5)
    consensus = {m.matrix_id: m.consensus for m in data.motifs}
    for row in data.planted.itertuples():
        site = _site(data.table, row)
        if row.kind == "shuffled":  # same bases as the consensus, scrambled
            assert sorted(site) == sorted(consensus[row.matrix_id])
        else:
            assert site == consensus[row.matrix_id]
    assert set(data.planted["kind"]) == {"motif", "decoy", "shuffled"}


def test_pwm_sampled_sites_score_far_above_background():
    data = make_synthetic(40, 150, seed=2)
    motifs = {m.matrix_id: m for m in data.motifs}
    real = data.planted[data.planted["kind"] != "shuffled"]
    scores = np.array([motifs[r.matrix_id].log_odds(_site(data.table, r)) for r in real.itertuples()])
    rng = np.random.default_rng(0)
    background = np.array(
        [motifs[r.matrix_id].log_odds("".join(rng.choice(list("ACGT"), r.end - r.start))) for r in real.itertuples()]
    )
    assert np.median(scores) > 8 and np.median(background) < 0


def test_grammar_site_counts_and_spacing():
    data = make_synthetic(50, 120, seed=5, min_gap_bp=6)
    planted = data.planted
    per_enhancer = planted[planted["id"].str.startswith("enh")].groupby("id").size()
    assert len(per_enhancer) == 50 and per_enhancer.between(2, 4).all()
    decoys = planted[planted["kind"] == "decoy"].groupby("id").size()
    assert (decoys == 1).all() and decoys.index.str.startswith("bg").all()
    for _, sites in planted.groupby("id"):
        assert (sites["start"].to_numpy()[1:] - sites["end"].to_numpy()[:-1] >= 6).all()
        assert sites["start"].min() >= 0 and sites["end"].max() <= 120


def test_default_task_is_learnable_but_not_by_gc():
    data = make_synthetic(300, 200, seed=0)
    y = (data.table["label"] == "enhancer").to_numpy()
    assert abs(gc_auroc(data.table["label"], gc_fraction(data.table["sequence"].tolist())) - 0.5) < 0.08
    kmers = CountVectorizer(analyzer="char", ngram_range=(6, 6), lowercase=False)
    counts = kmers.fit_transform(data.table["sequence"])
    x_train, x_test, y_train, y_test = train_test_split(counts, y, test_size=0.3, random_state=0, stratify=y)
    model = LogisticRegression(C=0.1, max_iter=2000).fit(x_train, y_train)
    assert roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]) > 0.75


def test_markov_fit_counts_transitions():
    model = MarkovBackground.fit(["AAAC"], order=1, pseudocount=1.0)
    np.testing.assert_allclose(model.transitions[0], np.array([3, 2, 1, 1]) / 7)  # after A: AA twice, AC once
    assert model.order == 1
    sampled = MarkovBackground.fit(["ACGT" * 50], order=3, pseudocount=1e-9).sample(2, 12, np.random.default_rng(0))
    rows = ["".join("ACGT"[c] for c in row) for row in sampled]
    assert all(row in ("ACGT" * 4) for row in rows)  # a 3rd-order chain of ACGT repeats stays in phase


def test_default_background_is_human_like():
    gc = gc_fraction(make_synthetic(200, 300, seed=0, n_sites=(1, 1), gc_matched=False).table["sequence"].tolist())
    assert 0.45 < gc.mean() < 0.52  # chrY PAR1: 48.6% GC


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"length_bp": 40}, "need at least"),
        ({"n_sites": (2, 9)}, "n_sites"),
        ({"orientation": "both"}, "orientation"),
        ({"decoy_rate": 2}, "decoy_rate"),
    ],
)
def test_bad_grammar_is_a_config_error(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        make_synthetic(**{"n_per_class": 5, **kwargs})


def test_builtin_motifs_equal_pyjaspar():
    pytest.importorskip("pyjaspar")
    from enhancerlm.data.generate import motifs as motif_module

    for motif in load_motifs():
        name, counts = motif_module._BUILTIN_COUNTS[motif.matrix_id]
        copy = motif_module._from_counts(name, motif.matrix_id, counts, "copy")
        assert motif.source.endswith("via pyjaspar") and motif.name == name
        np.testing.assert_allclose(motif.probs, copy.probs)
    assert [m.matrix_id for m in load_motifs()] == list(DEFAULT_MATRIX_IDS)


def test_unknown_motif_is_an_input_error():
    with pytest.raises(InputError, match="MA9999.9"):
        load_motifs(["MA9999.9"])


def test_write_synthetic_files(tmp_path):
    data = make_synthetic(5, 100, seed=0)
    write_synthetic(data, tmp_path / "syn")
    out = tmp_path / "syn"
    assert sorted(p.name for p in out.iterdir()) == ["background.fa", "enhancers.fa", "motifs.json", "planted.tsv"]
    assert (out / "enhancers.fa").read_text().startswith(">enh_0\n")
    assert (out / "enhancers.fa").read_text().count(">") == 5
    motifs = json.loads((out / "motifs.json").read_text())
    assert [m["matrix_id"] for m in motifs["motifs"]] == list(DEFAULT_MATRIX_IDS)
    assert motifs["params"]["seed"] == 0


def test_motifs_fall_back_to_the_builtin_copy_without_pyjaspar(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "pyjaspar", None)  # import pyjaspar -> ImportError
    motifs = load_motifs()
    assert [m.source for m in motifs] == ["JASPAR2024 (built-in copy)"] * len(DEFAULT_MATRIX_IDS)
    assert motifs[-1].consensus == "GCCACCAGGGGGCGC"  # CTCF MA0139.2
