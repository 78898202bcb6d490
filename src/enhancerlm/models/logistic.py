"""L2 logistic regression on standardised features given as any linear operator, C chosen along a warm-started path.

The objective, solver and stopping rule are scikit-learn's ``LogisticRegression(solver="lbfgs")``
(mean log loss + ||w||^2 / (2 C n), intercept unpenalised, L-BFGS-B with gtol 1e-4), and C is chosen as
its ``LogisticRegressionCV`` chooses it (stratified seeded folds, each fold fitted along the C grid in
ascending order, every fit warm-started from the previous one, neg log loss summed over folds; the
final fit on all rows starts from the folds' mean at the chosen C). What scikit-learn cannot do is
take the features as a product it never evaluates (:class:`enhancerlm.models.word_features.WordFeatures`):
its solvers materialise X (float64 for lbfgs: 10 GB for 124k x 10,240 gapped k-mers) and copy it
per fold. Here the standardisation is applied inside the products and a fold is a 0/1 weight on
the rows, so memory stays that of the features alone, whatever the folds and the grid.

The rule for C (``choose_c``):

- up to ``CV_MAX_N`` (20,000) training sequences: ``N_FOLDS``-fold cross-validation over the whole
  grid, as ``LogisticRegressionCV`` (same folds, same choice);
- above: only the first of those folds is held out (20% of the rows, stratified) and the path stops
  at the first grid point whose held-out log loss is worse than the best so far (``PATIENCE``): 4,000+
  held-out sequences measure the loss well enough to pick among grid points a factor ~3 apart (the
  loss of a logistic regression along C is one valley), and the fits at large C (weak regularisation,
  the slowest to converge) past the optimum are skipped.

Cost: each L-BFGS iteration is one ``X @ W`` and one ``X.T @ R`` over all rows (held-out rows are
scored by the same product); typically 10-40 iterations per grid point when warm-started.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

import numpy as np
from scipy import optimize
from scipy.special import expit, log_softmax, softmax

log = logging.getLogger(__name__)

CV_MAX_N = 20_000  # above this many training sequences C is chosen on one held-out fold
N_FOLDS = 5
PATIENCE = 1  # held-out regime: grid points past the best before the path stops
TOL, MAX_ITER = 1e-4, 2000  # scikit-learn's LogisticRegression tol; the cap the k-mer baselines always used


class Standardised(NamedTuple):
    """Features ``X`` (ndarray, sparse matrix or LinearOperator, shape=(n, d)) read as ``(X - mean) / scale``.

    The centring and scaling are applied inside each product, so ``X`` is never copied.
    """

    X: Any
    mean: np.ndarray
    scale: np.ndarray

    def dot(self, W: np.ndarray) -> np.ndarray:
        """Standardised X @ W.T for coefficients W, shape=(K, d) -> shape=(n, K)."""
        V = (W / self.scale).T
        return np.asarray(self.X @ V) - self.mean @ V

    def tdot(self, R: np.ndarray) -> np.ndarray:
        """Standardised X.T @ R for R, shape=(n, K) -> shape=(K, d)."""
        return (np.asarray(self.X.T @ R).T - np.outer(R.sum(axis=0), self.mean)) / self.scale


class Problem(NamedTuple):
    """One logistic regression: standardised features, class ids and row weights (a fold: 0 or 1)."""

    features: Standardised
    y: np.ndarray
    n_classes: int
    weights: np.ndarray

    def logits(self, coef: np.ndarray) -> np.ndarray:
        """Logits, shape=(n, K); coef shape=(K, d + 1), the intercept last (K = 1 for two classes)."""
        return self.features.dot(coef[:, :-1]) + coef[:, -1]

    def loss_gradient(self, flat: np.ndarray, l2: float) -> tuple[float, np.ndarray]:
        """Weighted mean log loss + l2 / 2 ||w||^2 and its gradient, as scikit-learn's ``LinearModelLoss``."""
        coef = flat.reshape(-1, self.features.mean.size + 1)
        z = self.logits(coef)
        weights = self.weights / self.weights.sum()
        if self.n_classes == 2:
            z = z[:, 0]
            loss = np.logaddexp(0.0, z) - self.y * z
            residual = ((expit(z) - self.y) * weights)[:, None]
        else:
            loss = -log_softmax(z, axis=1)[np.arange(len(z)), self.y]
            residual = (softmax(z, axis=1) - np.eye(self.n_classes)[self.y]) * weights[:, None]
        grad = np.empty_like(coef)
        grad[:, :-1] = self.features.tdot(residual) + l2 * coef[:, :-1]
        grad[:, -1] = residual.sum(axis=0)
        return float(loss @ weights) + 0.5 * l2 * float((coef[:, :-1] ** 2).sum()), grad.ravel()

    def proba(self, coef: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Class probabilities of ``rows``, shape=(len(rows), n_classes), as ``predict_proba`` gives them."""
        z = self.logits(coef)[rows]
        if self.n_classes == 2:
            p = expit(z[:, 0])
            return np.stack([1.0 - p, p], axis=1)
        return softmax(z, axis=1)


def fit(problem: Problem, C: float, coef0: np.ndarray) -> np.ndarray:
    """L-BFGS-B from ``coef0`` (shape=(K, d + 1)) at inverse regularisation C; returns the coefficients."""
    l2 = 1.0 / (C * problem.weights.sum())
    result = optimize.minimize(
        problem.loss_gradient,
        coef0.ravel(),
        args=(l2,),
        method="L-BFGS-B",
        jac=True,
        options={"maxiter": MAX_ITER, "maxls": 50, "gtol": TOL, "ftol": 64 * np.finfo(float).eps},
    )
    if result.status == 1:
        log.warning("logistic regression at C=%g: no convergence in %d iterations", C, MAX_ITER)
    log.debug("logistic regression at C=%g: %d iterations", C, result.nit)
    return result.x.reshape(coef0.shape)


class Choice(NamedTuple):
    """What ``choose_c`` found: the chosen C, its index in the grid, the held-out scores and the fits' mean there."""

    C: float
    best: int
    scores: np.ndarray  # (n_folds, n_Cs) neg log loss; -inf where the path stopped early
    coef: np.ndarray  # (K, d + 1): mean over folds of the fits at the chosen C


def choose_c(features: Standardised, y: np.ndarray, Cs, seed: int) -> Choice:
    """C of the grid ``Cs`` (ascending) with the best held-out log loss, by the module's rule.

    Parameters
    ----------
    features : Standardised
    y : np.ndarray, shape=(n,)
        Class ids 0..n_classes-1, each at least twice.
    Cs : sequence of float
    seed : int
        Seeds the stratified folds.
    """
    from sklearn.metrics import log_loss
    from sklearn.model_selection import StratifiedKFold

    n_classes = int(y.max()) + 1
    folds = int(min(N_FOLDS, np.bincount(y).min()))
    splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
    patience = None if len(y) <= CV_MAX_N else PATIENCE
    splits = splits if patience is None else splits[:1]
    scores = np.full((len(splits), len(Cs)), -np.inf)
    coefs = np.zeros((len(splits), len(Cs), 1 if n_classes == 2 else n_classes, features.mean.size + 1))
    for f, (train, test) in enumerate(splits):
        weights = np.zeros(len(y))
        weights[train] = 1.0
        problem = Problem(features, y, n_classes, weights)
        coef = coefs[f, 0]
        for i, C in enumerate(Cs):  # each fit starts where the previous C's stopped
            coef = coefs[f, i] = fit(problem, C, coef)
            scores[f, i] = -log_loss(y[test], problem.proba(coef, test), labels=np.arange(n_classes))
            if patience is not None and i - int(np.argmax(scores[f])) >= patience:
                break
    best = int(np.argmax(scores.sum(axis=0)))
    log.info(
        "C=%g chosen by %s (held-out neg log loss %.4f)",
        Cs[best],
        f"{folds}-fold cross-validation" if patience is None else "one held-out fold of 20%",
        scores[:, best].mean(),
    )
    return Choice(float(Cs[best]), best, scores, coefs[:, best].mean(axis=0))


def fit_cv(features: Standardised, y: np.ndarray, Cs, seed: int) -> tuple[np.ndarray, float]:
    """Choose C (``choose_c``), then fit on all rows from the folds' mean there: (coef (K, d + 1), C)."""
    from threadpoolctl import threadpool_limits

    # One BLAS thread: the solver's vector operations are tiny, and waking BLAS threads for each made
    # L-BFGS-B steps 40x slower on a busy 2-core machine (the sparse products are single-threaded anyway).
    with threadpool_limits(limits=1, user_api="blas"):
        choice = choose_c(features, y, Cs, seed)
        problem = Problem(features, y, int(y.max()) + 1, np.ones(len(y)))
        return fit(problem, choice.C, choice.coef), choice.C
