"""Small synthetic multi-label and regression tables whose truth is a known function of the sequence, and tiny models.

Two kinds of signal, so that every family meets one it can see:

- motifs (k-mer, gapped k-mer, CNN): label ``alpha`` = a GATAAG site planted, ``beta`` = a CCGCGG
  site planted (independently), ``noise`` = a coin flip no sequence feature explains; the regression
  target ``activity`` = the number of GATAAG sites (0-3) + N(0, 0.3);
- composition (GC baseline, probe, tiny BERT): ``gc_rich`` = drawn at 65% G/C, ``a_rich`` = drawn at
  55% A (independently), ``noise`` = a coin flip; ``activity`` = 10 x GC fraction + N(0, 0.2) + 100,
  so that predictions in the user's units are far from standardised ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score
from transformers import BertForSequenceClassification

from enhancerlm.models.cnn import CnnClassifier, CnnConfig, CnnForSequenceClassification
from enhancerlm.models.dnabert import DnabertClassifier
from enhancerlm.models.hf import label_kwargs
from enhancerlm.sequences.records import make_table
from enhancerlm.sequences.task import Task
from enhancerlm.tokenization.char import CharTokenizer
from enhancerlm.tokenization.kmer import KmerTokenizer
from tests.helpers import tiny_bert_config

MOTIFS = {"alpha": "GATAAG", "beta": "CCGCGG"}
MULTILABEL = Task("multilabel", ("alpha", "beta", "noise"))
COMPOSITION_LABELS = Task("multilabel", ("gc_rich", "a_rich", "noise"))
REGRESSION = Task("regression", ("activity",))


def motif_table(n: int, seed: int, kind: str = "multilabel", length: int = 60) -> pd.DataFrame:
    """``n`` random sequences of ``length`` bp with planted motifs; truth columns ``label:*`` or ``target:activity``."""
    rng = np.random.default_rng(seed)
    seqs, truth = [], {"alpha": [], "beta": [], "noise": [], "activity": []}
    for _ in range(n):
        seq = list(rng.choice(list("ACGT"), length))
        n_alpha = int(rng.integers(0, 4)) if kind == "regression" else int(rng.random() < 0.5)
        has_beta = rng.random() < 0.5
        sites = [MOTIFS["alpha"]] * n_alpha + [MOTIFS["beta"]] * has_beta
        for i, site in enumerate(sites):  # non-overlapping slots of 12 bp
            start = 2 + 14 * i + int(rng.integers(0, 6))
            seq[start : start + 6] = site
        seqs.append("".join(seq))
        truth["alpha"].append(int(n_alpha > 0))
        truth["beta"].append(int(has_beta))
        truth["noise"].append(int(rng.random() < 0.5))
        truth["activity"].append(n_alpha + rng.normal(0, 0.3))
    return _with_truth(seqs, truth, kind, MULTILABEL)


def composition_table(n: int, seed: int, kind: str = "multilabel", length: int = 60) -> pd.DataFrame:
    """``n`` sequences whose G/C and A content set their labels (or activity); truth columns as in :func:`motif_table`."""
    rng = np.random.default_rng(seed)
    seqs, truth = [], {"gc_rich": [], "a_rich": [], "noise": [], "activity": []}
    for _ in range(n):
        gc = rng.uniform(0.3, 0.7) if kind == "regression" else (0.65 if rng.random() < 0.5 else 0.35)
        a_share = 0.55 if rng.random() < 0.5 else 0.2  # of the A/T bases... as a share of all bases below
        at = 1 - gc
        p = np.array([at * a_share / 0.75, gc / 2, gc / 2, 0.0])
        p[3] = max(at - p[0], 0.0)
        seq = "".join(rng.choice(list("ACGT"), length, p=p / p.sum()))
        seqs.append(seq)
        truth["gc_rich"].append(int(gc > 0.5))
        truth["a_rich"].append(int(a_share > 0.5))
        truth["noise"].append(int(rng.random() < 0.5))
        truth["activity"].append(10 * (seq.count("G") + seq.count("C")) / length + rng.normal(0, 0.2) + 100)
    return _with_truth(seqs, truth, kind, COMPOSITION_LABELS)


def _with_truth(seqs: list[str], truth: dict, kind: str, labels: Task) -> pd.DataFrame:
    table = make_table([f"s{i}" for i in range(len(seqs))], seqs)
    task = labels if kind == "multilabel" else REGRESSION
    for column, name in zip(task.truth_columns(), task.names):
        table[column] = [str(round(v, 4)) if kind == "regression" else str(v) for v in truth[name]]
    return table


def per_label_auroc(task: Task, table: pd.DataFrame, outputs: np.ndarray) -> dict[str, float]:
    """Held-out AUROC of each label (scikit-learn's)."""
    y = task.encode(table)
    return {name: float(roc_auc_score(y[:, j], outputs[:, j])) for j, name in enumerate(task.names)}


def spearman(task: Task, table: pd.DataFrame, outputs: np.ndarray) -> float:
    """Spearman correlation of the first target with its prediction."""
    return float(spearmanr(task.encode(table)[:, 0], outputs[:, 0])[0])


def small_cnn(task, seed: int = 0) -> CnnClassifier:
    """A two-block, 16-channel CNN (a few thousand weights) with the task's head."""
    torch.manual_seed(seed)
    config = CnnConfig(channels=(16, 16), kernel_sizes=(7, 5), hidden_size=16, dropout=0.0, **label_kwargs(task))
    return CnnClassifier(CnnForSequenceClassification(config), CharTokenizer(), task, "cnn", 4096)


def tiny_bert(task, seed: int = 0) -> DnabertClassifier:
    """The 2-layer, 32-wide BERT of the training tests with the task's head."""
    torch.manual_seed(seed)
    tokenizer = KmerTokenizer(6)
    config = tiny_bert_config(tokenizer.vocab_size, max_position_embeddings=128, **label_kwargs(task))
    return DnabertClassifier(BertForSequenceClassification(config), tokenizer, task, "tiny", tokenizer.max_bp(128))
