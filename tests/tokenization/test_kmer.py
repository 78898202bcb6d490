"""The k-mer tokenizer gives exactly DNABERT's ids (golden tests against the published vocab files)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import BertTokenizer

from enhancerlm.errors import InputError
from enhancerlm.tokenization.kmer import CLS_ID, SEP_ID, UNK_ID, KmerTokenizer, kmer_vocab

KS = (3, 4, 5, 6)


@pytest.fixture(scope="module")
def reference(shared_data):
    """DNABERT's own tokenizers, loaded from the published config folders with do_lower_case=False."""
    refs = {
        k: BertTokenizer.from_pretrained(shared_data / "dnabert-vocab" / f"bert-config-{k}", do_lower_case=False)
        for k in KS
    }
    for k, ref in refs.items():
        # A reference that maps everything to [UNK] proves nothing (transformers 5 trap).
        assert ref.convert_tokens_to_ids("A" * k) == 5
    return refs


def reference_ids(ref, tok: KmerTokenizer, seq: str) -> list[int]:
    return ref(" ".join(tok.decode_kmers(seq)))["input_ids"]


@pytest.mark.parametrize("k", KS)
def test_generated_vocab_equals_published_file(shared_data, k):
    published = (shared_data / "dnabert-vocab" / f"bert-config-{k}" / "vocab.txt").read_text().split()
    assert kmer_vocab(k) == published
    assert len(published) == 4**k + 5


@pytest.mark.parametrize("k", KS)
def test_random_sequences_match_reference(reference, k):
    tok, rng = KmerTokenizer(k), random.Random(k)
    seqs = ["".join(rng.choice("ACGTNacgtn") for _ in range(rng.randint(0, 60))) for _ in range(300)]
    seqs += ["", "A" * (k - 1), "A" * k, "N" * k, "acgt" * 5]
    ours = tok.encode_batch(seqs)
    for seq, ids in zip(seqs, ours):
        assert ids.tolist() == reference_ids(reference[k], tok, seq), seq


def test_known_ids_by_hand():
    tok = KmerTokenizer(3)
    # AAA=5, AAT=6, ATC = 5 + 0*16 + 1*4 + 2 = 11; NAA -> [UNK]
    assert tok.encode("AAATC").tolist() == [CLS_ID, 5, 6, 11, SEP_ID]
    assert tok.encode("NAAT").tolist() == [CLS_ID, UNK_ID, 6, SEP_ID]
    assert tok.tokens("AAAT") == ["[CLS]", "AAA", "AAT", "[SEP]"]


def test_overlapping_stride_one_token_count():
    tok = KmerTokenizer(6)
    assert len(tok.encode("ACGT" * 50)) == 200 - 6 + 1 + 2 == tok.n_tokens(200)
    assert tok.max_bp(512) == 515


def test_lower_case_is_upper_cased_not_unk():
    tok = KmerTokenizer(4)
    assert tok.encode("acgtac").tolist() == tok.encode("ACGTAC").tolist()
    assert UNK_ID not in tok.encode("acgtac")[1:-1]


def test_batch_equals_single():
    tok = KmerTokenizer(5)
    seqs = ["ACGTACGTAC", "", "GG", "TTTTTTTTTTTT", "ACNNGTAC"]
    for seq, ids in zip(seqs, tok.encode_batch(seqs)):
        assert ids.tolist() == tok.encode(seq).tolist()


def test_unsupported_k():
    with pytest.raises(InputError, match="k=7"):
        KmerTokenizer(7)


@pytest.mark.parametrize("k", KS)
def test_save_load_round_trip_in_plain_transformers(tmp_path, k):
    tok = KmerTokenizer(k)
    tok.save_pretrained(tmp_path)
    assert KmerTokenizer.from_pretrained(tmp_path).k == k
    plain = BertTokenizer.from_pretrained(tmp_path)  # no do_lower_case argument: the saved config says false
    seq = "ACGTTGCAACGTNACG"
    assert plain(" ".join(tok.decode_kmers(seq)))["input_ids"] == tok.encode(seq).tolist()


def test_from_pretrained_rejects_wrong_vocab(tmp_path):
    (tmp_path / "vocab.txt").write_text("[PAD]\n[UNK]\nfoo\n")
    with pytest.raises(InputError, match="not a DNABERT k-mer vocabulary"):
        KmerTokenizer.from_pretrained(tmp_path)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ACGTNacgtnRYKM", max_size=80), st.sampled_from(KS))
def test_property_matches_reference(reference, seq, k):
    tok = KmerTokenizer(k)
    ids = tok.encode(seq)
    assert ids.tolist() == reference_ids(reference[k], tok, seq)
    assert ids.dtype == np.int64


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=50))
def test_property_any_text_gives_valid_ids(seq):
    ids = KmerTokenizer(6).encode(seq)
    assert len(ids) == max(len(seq) - 5, 0) + 2
    assert ids.min() >= 0 and ids.max() < 4101
    clean = all(c in "ACGTacgt" for c in seq)
    assert clean or len(seq) < 6 or UNK_ID in ids
