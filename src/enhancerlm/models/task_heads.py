"""Linear heads of the baselines (k-mer, gapped k-mer, GC, probe) for every task kind, on their own features.

- binary / multi-class: the softmax ``LinearHead`` of :func:`enhancerlm.models.kmer_lr.fit_linear_head`;
- multi-label: one-vs-rest, one such binary head per label, each with its own C chosen by
  stratified cross-validation on that label (:class:`OneVsRestHead`); a label's probability is its
  own head's, so labels never compete as softmax classes would;
- regression: ridge regression per target on standardised features and standardised targets, alpha
  chosen by scikit-learn's efficient leave-one-out (GCV) over ``ALPHA_GRID`` (:class:`RidgeHead`).

Missing truth (NaN, kept only when the caller masks missing values) leaves a row out of that
label's or target's fit alone. Every head is plain numbers in JSON (``to_dict`` / :func:`head_from_dict`),
so loading a baseline never unpickles anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Union

import numpy as np

from enhancerlm.errors import InputError
from enhancerlm.models.kmer_lr import LinearHead, fit_linear_head
from enhancerlm.models.targets import TargetScale
from enhancerlm.sequences.task import Task

log = logging.getLogger(__name__)

# Ridge penalties tried per target; on standardised features scikit-learn's alpha weighs against the sum
# (not mean) of squared errors, so useful values grow with the number of rows: hence the wide span.
ALPHA_GRID = tuple(float(a) for a in np.logspace(-3, 7, 21))


@dataclass
class OneVsRestHead:
    """One binary logistic ``LinearHead`` per label (multi-label tasks), in label order."""

    heads: list[LinearHead]

    def outputs(self, features) -> np.ndarray:
        """Features, shape=(n, n_features) -> probability of each label, shape=(n, n_labels), float64."""
        return np.column_stack([head.predict_proba(features)[:, 1] for head in self.heads])

    def settings(self) -> dict:
        """The regularisation chosen per label and the width of the features, for summaries."""
        return {"C": [head.C for head in self.heads], "n_features": int(self.heads[0].mean.size)}

    def to_dict(self) -> dict:
        return {"kind": "one_vs_rest", "heads": [head.to_dict() for head in self.heads]}

    @classmethod
    def from_dict(cls, data: dict) -> "OneVsRestHead":
        return cls([LinearHead.from_dict(h) for h in data["heads"]])


@dataclass
class RidgeHead:
    """Ridge regression per target: ``(((X - mean) / scale) @ coef.T + intercept) * target sd + target mean``.

    Attributes
    ----------
    mean, scale : np.ndarray, shape=(n_features,)
        Feature standardisation.
    coef : np.ndarray, shape=(n_targets, n_features)
        On standardised features and standardised targets.
    intercept, alpha : np.ndarray, shape=(n_targets,)
        Intercepts and the penalties chosen by leave-one-out.
    target_scale : TargetScale
        The training targets' mean and sd, undone in ``outputs``.
    """

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    alpha: np.ndarray
    target_scale: TargetScale

    def outputs(self, features) -> np.ndarray:
        """Features (an array, or any matrix-like with ``@``), shape=(n, n_features) -> values, shape=(n, n_targets).

        The standardisation is folded into the coefficients, so sparse features stay sparse.
        """
        weights = (self.coef / self.scale).T
        standardised = np.asarray(features @ weights) - self.mean @ weights + self.intercept
        return self.target_scale.restore(standardised).astype(np.float64)

    def settings(self) -> dict:
        return {"alpha": self.alpha.tolist(), "n_features": int(self.mean.size)}

    def to_dict(self) -> dict:
        arrays = {k: getattr(self, k).tolist() for k in ("mean", "scale", "coef", "intercept", "alpha")}
        return {"kind": "ridge", **arrays, "target_scale": self.target_scale.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> "RidgeHead":
        arrays = {k: np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef", "intercept", "alpha")}
        return cls(**arrays, target_scale=TargetScale.from_dict(data["target_scale"]))


TaskHead = Union[LinearHead, OneVsRestHead, RidgeHead]


def fit_task_head(features, y: np.ndarray, task: Task, seed: int = 0) -> TaskHead:
    """The head of ``task`` fitted on ``features``, shape=(n, n_features), and truth ``y`` (``Task.encode``'s).

    ``seed`` seeds the cross-validation folds of the logistic heads (ridge's leave-one-out has none).
    """
    if task.single_label:
        return fit_linear_head(features, y, seed)
    if task.kind == "multilabel":
        return fit_one_vs_rest(features, y, task.names, seed)
    return fit_ridge(features, y, task.names)


def fit_one_vs_rest(features, y: np.ndarray, names, seed: int = 0) -> OneVsRestHead:
    """One L2 logistic regression per label (C by stratified CV on that label); y shape=(n, n_labels), 0/1/NaN.

    Cost: n_labels binary fits of :func:`enhancerlm.models.kmer_lr.fit_linear_head`, each its own
    C grid and folds; prediction reads the features once per label.
    """
    heads = []
    for j, name in enumerate(names):
        known = ~np.isnan(y[:, j])
        try:
            heads.append(fit_linear_head(_rows(features, known), y[known, j].astype(np.int64), seed))
        except InputError as err:
            raise InputError(f"label {name!r}: {err}") from None
    return OneVsRestHead(heads)


def fit_ridge(features, y: np.ndarray, names) -> RidgeHead:
    """Ridge regression per target on standardised features and targets; alpha by leave-one-out over ``ALPHA_GRID``.

    Cost: scikit-learn's ``RidgeCV`` (GCV) decomposes the dense (n, n_features) matrix once per target;
    sparse or product-form features are made dense here (n x n_features float64).
    """
    from sklearn.linear_model import RidgeCV
    from sklearn.preprocessing import StandardScaler

    dense = _dense(features)
    scaler = StandardScaler().fit(dense)
    standardised = scaler.transform(dense)
    target_scale = TargetScale.fit(y)
    targets = target_scale.standardise(y)
    coef, intercept, alpha = np.zeros((len(names), dense.shape[1])), np.zeros(len(names)), np.zeros(len(names))
    for j, name in enumerate(names):
        known = ~np.isnan(targets[:, j])
        if known.sum() < 3:
            raise InputError(f"target {name!r}: {int(known.sum())} known values; a regression needs at least 3")
        model = RidgeCV(alphas=ALPHA_GRID).fit(standardised[known], targets[known, j])
        coef[j], intercept[j], alpha[j] = model.coef_, model.intercept_, model.alpha_
        if model.alpha_ in (ALPHA_GRID[0], ALPHA_GRID[-1]):
            log.warning("target %r: ridge alpha %g is at the edge of the grid", name, model.alpha_)
    return RidgeHead(scaler.mean_, scaler.scale_, coef, intercept, alpha, target_scale)


def head_outputs(head: TaskHead, features) -> np.ndarray:
    """The task's outputs of ``head`` on ``features``: class or label probabilities, or values; shape=(n, n_outputs)."""
    return head.predict_proba(features) if isinstance(head, LinearHead) else head.outputs(features)


def head_settings(head: TaskHead) -> dict:
    """What cross-validation chose (``C``, per label for one-vs-rest; ``alpha`` per target) and the feature width."""
    if isinstance(head, LinearHead):
        return {"C": head.C, "n_features": int(head.mean.size)}
    return head.settings()


def head_from_dict(data: dict) -> TaskHead:
    """A head from its ``to_dict`` form (a dict without ``kind`` is a single-label ``LinearHead``)."""
    readers: dict[str, Callable[[dict], TaskHead]] = {
        "one_vs_rest": OneVsRestHead.from_dict,
        "ridge": RidgeHead.from_dict,
    }
    return readers[data["kind"]](data) if "kind" in data else LinearHead.from_dict(data)


def _rows(features, keep: np.ndarray):
    """The rows of ``features`` where ``keep`` (all of it, uncopied, when every row is kept)."""
    return features if keep.all() else features[keep]


def _dense(features) -> np.ndarray:
    """Features as a dense float64 array (a sparse matrix via ``toarray``, a product form via ``tocsr``)."""
    if isinstance(features, np.ndarray):
        return features.astype(np.float64, copy=False)
    matrix = features.tocsr() if not hasattr(features, "toarray") else features
    return np.asarray(matrix.toarray(), dtype=np.float64)
