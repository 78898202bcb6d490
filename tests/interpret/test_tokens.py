"""Token layout and the token -> base projection for overlapping k-mers and characters."""

from __future__ import annotations

import numpy as np
import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.interpret.tokens import token_layout, tokens_to_bases
from enhancerlm.tokenization.char import CharTokenizer
from enhancerlm.tokenization.kmer import KmerTokenizer


def test_layout_of_kmer_and_character_tokenizers():
    kmer = KmerTokenizer(6)
    assert token_layout(kmer, 10, kmer.encode("ACGTACGTAC")) == (6, 1)
    char = CharTokenizer()
    assert token_layout(char, 10, char.encode("ACGTACGTAC")) == (1, 0)


def test_non_overlapping_tokens_are_refused():
    class Chunker:
        k = 3

        def __repr__(self):
            return "Chunker()"

    with pytest.raises(ConfigError, match="12 bp"):
        token_layout(Chunker(), 12, np.arange(4))


def test_base_score_is_the_mean_of_covering_kmers():
    # [CLS]=100, three 3-mer tokens 1, 2, 3, [SEP]=200 for a 5 bp sequence.
    scores = tokens_to_bases(np.array([100.0, 1, 2, 3, 200]), length_bp=5, k=3, offset=1)
    assert scores.tolist() == [1.0, 1.5, 2.0, 2.5, 3.0]


def test_character_tokens_map_one_to_one():
    values = np.array([0.5, -1.0, 2.0])
    assert tokens_to_bases(values, 3, k=1, offset=0).tolist() == values.tolist()
