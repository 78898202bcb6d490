"""Small builders shared by the tests (import as ``from tests.helpers import ...``): DNA, FASTA files, a tiny
BERT, fast `run` flags. Fixtures live in conftest.py files; plain functions that module-level constants
also need live here."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from enhancerlm.models.base import SequenceClassifier
from enhancerlm.sequences.records import LabelMap


def random_dna(n: int, seed: int) -> str:
    """``n`` uniform random bases (A/C/G/T) from a generator seeded by ``seed``."""
    return "".join(np.random.default_rng(seed).choice(list("ACGT"), n))


def fasta(records: dict[str, str], width: int | None = None, description: str = "") -> str:
    """FASTA text of ``records`` (name -> sequence): lines of ``width`` characters (None: one line a record).

    ``description`` follows each name on the header line (``>chr1 test record``).
    """
    lines = []
    for name, seq in records.items():
        lines.append(f">{name} {description}".rstrip())
        step = width or max(len(seq), 1)
        lines += [seq[i : i + step] for i in range(0, len(seq), step)]
    return "\n".join(lines) + "\n"


def write_fasta(path: Path, records: dict[str, str], width: int | None = 60, description: str = "") -> Path:
    """Write ``records`` (name -> sequence) as a FASTA with ``width``-character lines; returns ``path``."""
    path.write_text(fasta(records, width, description))
    return path


def split_with_copies(table, n_test_per_class: int, n_copies_per_class: int = 0):
    """(train, test) of a labelled table, class by class in its order: the first ``n_test_per_class`` records
    of each class are the test set, plus ``n_copies_per_class`` training records of each class copied into it
    (ids ``copy_ID``, what a leakage audit must find)."""
    import pandas as pd

    test = pd.concat([part.iloc[:n_test_per_class] for _, part in table.groupby("label", sort=False)])
    train = table.drop(index=test.index)
    copies = train.groupby("label", sort=False).head(n_copies_per_class).assign(id=lambda t: "copy_" + t["id"])
    return train, pd.concat([test, copies])


def write_by_label(folder: Path, table) -> list[str]:
    """One FASTA per class, ``folder/LABEL.fa``; returns their SPECs (``PATH:LABEL``)."""
    specs = []
    for label, part in table.groupby("label"):
        write_fasta(folder / f"{label}.fa", dict(zip(part["id"], part["sequence"])), width=None)
        specs.append(f"{folder}/{label}.fa:{label}")
    return specs


def tiny_bert_config(vocab_size: int, **overrides):
    """A 2-layer, 32-wide BERT config (64 positions): a step takes milliseconds on a busy CPU."""
    from transformers import BertConfig

    sizes = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
    return BertConfig(vocab_size=vocab_size, **{**sizes, "max_position_embeddings": 64, **overrides})


def fast_training(lr: str = "1e-3", batch_size: int | None = 8, epochs: int = 1) -> list[str]:
    """`enhancerlm run` flags that fine-tune briefly at a fixed setting: no search, ``epochs`` epoch(s).

    ``batch_size`` None leaves the batch size to the backbone's registry entry.
    """
    batch = [] if batch_size is None else ["--batch-size", str(batch_size)]
    return ["--no-search", "--epochs", str(epochs), "--lr", lr, *batch]


class FractionModel(SequenceClassifier):
    """Hand-set binary model: P(enhancer) of a window is its fraction of ``letters``; ``seen`` records the
    windows it was asked to score (to check what a caller sends, and that scores pass through unchanged)."""

    backbone = family = "fraction"

    def __init__(self, letters: str = "C", max_bp: int | None = None):
        self.label_map = LabelMap.from_labels(["enhancer", "not_enhancer"])
        self.letters, self.max_bp = letters, max_bp
        self.seen: list[str] = []

    def _predict_windows(self, seqs, batch_size=None):
        self.seen += list(seqs)
        p = np.array([sum(s.count(x) for x in self.letters) / len(s) for s in seqs], dtype=np.float32)
        return np.stack([1 - p, p], axis=1)

    def save(self, directory):
        raise NotImplementedError

    @classmethod
    def load(cls, directory):
        raise NotImplementedError
