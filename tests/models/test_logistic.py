"""The logistic regression behind the linear baselines: scikit-learn's fit and choice of C, on any feature form."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from enhancerlm.models import logistic
from enhancerlm.models.kmer_lr import C_GRID, fit_linear_head, kmer_table
from enhancerlm.models.word_features import WordFeatures


def sklearn_cv(x: np.ndarray, y: np.ndarray, seed: int = 0) -> LogisticRegressionCV:
    """What fit_linear_head did before: StandardScaler, then LogisticRegressionCV over the grid."""
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    model = LogisticRegressionCV(
        Cs=list(C_GRID), cv=cv, l1_ratios=(0.0,), scoring="neg_log_loss", max_iter=2000, use_legacy_attributes=False
    )
    return model.fit(StandardScaler().fit_transform(x), y)


def toy(n: int, n_classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    x = rng.normal(size=(n, 12)) * rng.uniform(0.1, 5, size=12) + 0.4 * y[:, None] * (np.arange(12) < 4)
    return x, y


@pytest.mark.parametrize("n_classes", [2, 3])
def test_dense_features_get_sklearns_choice_and_fit(n_classes):
    x, y = toy(300, n_classes)
    head, reference = fit_linear_head(x, y, seed=3), sklearn_cv(x, y, seed=3)
    assert head.C == reference.C_
    np.testing.assert_allclose(head.coef, reference.coef_, atol=2e-4)
    z = StandardScaler().fit_transform(x)
    np.testing.assert_allclose(head.predict_proba(x), reference.predict_proba(z), atol=1e-5)


def test_word_features_fit_as_sklearn_fits_their_explicit_matrix():
    rng = np.random.default_rng(4)
    seqs = ["".join(rng.choice(list("ACGT"), 60, p=[0.3 - g, 0.2 + g, 0.2 + g, 0.3 - g])) for g in [0.0, 0.06] * 100]
    y = np.arange(200) % 2
    features = WordFeatures(seqs, kmer_table((3, 4)))
    head = fit_linear_head(features, y)
    explicit = features.tocsr(np.float64).toarray()
    reference = sklearn_cv(explicit, y)
    assert head.C == reference.C_
    np.testing.assert_allclose(head.mean, explicit.mean(axis=0), atol=1e-15)
    np.testing.assert_allclose(
        head.predict_proba(features), reference.predict_proba(StandardScaler().fit_transform(explicit)), atol=1e-5
    )
    np.testing.assert_allclose(head.predict_proba(features), head.predict_proba(explicit), atol=1e-12)


def test_above_the_cv_size_one_held_out_fold_picks_c_and_the_path_stops_past_it(monkeypatch):
    monkeypatch.setattr(logistic, "CV_MAX_N", 100)
    x, y = toy(400, 2, seed=1)
    features = logistic.Standardised(StandardScaler().fit_transform(x), np.zeros(12), np.ones(12))
    choice = logistic.choose_c(features, y, C_GRID, seed=0)
    assert choice.scores.shape == (1, len(C_GRID))
    fitted = np.isfinite(choice.scores[0])
    # The path ran up to PATIENCE grid points past the best and no further.
    assert fitted.sum() == choice.best + 1 + logistic.PATIENCE < len(C_GRID)
    assert choice.best == int(np.argmax(choice.scores[0]))
    # The held-out fold is the first fold of the same 5-fold split; its score is sklearn's fit there.
    train, test = next(StratifiedKFold(5, shuffle=True, random_state=0).split(x, y))
    z = features.X
    at_best = LogisticRegression(C=choice.C, max_iter=2000).fit(z[train], y[train])
    held_out = -np.mean(np.log(at_best.predict_proba(z[test])[np.arange(len(test)), y[test]]))
    assert choice.scores[0, choice.best] == pytest.approx(-held_out, abs=1e-4)  # both stop at gtol 1e-4
    coef, C = logistic.fit_cv(features, y, C_GRID, seed=0)
    full = LogisticRegression(C=C, max_iter=2000).fit(z, y)
    np.testing.assert_allclose(coef[:, :-1], full.coef_, atol=2e-3)  # warm vs cold start, both to gtol 1e-4
