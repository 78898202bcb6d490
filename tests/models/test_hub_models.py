"""Hub-layout folders and hub ids: DNABERT quirks, the generic "hf" family, refusals and clear errors."""

from __future__ import annotations

import huggingface_hub
import numpy as np
import pytest
import torch
from transformers import BertForMaskedLM, BertTokenizer

from enhancerlm.errors import ConfigError, ModelNotFoundError
from enhancerlm.models import CreateOptions, create_classifier
from enhancerlm.models.dnabert import DnabertClassifier
from enhancerlm.models.hub import HubClassifier, _accept_attention_mask
from enhancerlm.sequences.records import LabelMap
from enhancerlm.tokenization.hub import HubTokenEncoder, infer_max_tokens
from enhancerlm.tokenization.kmer import UNK_ID

BINARY = LabelMap.from_labels(["enhancer", "not_enhancer"])


def test_dnabert_folder_loads_like_a_hub_id_and_ignores_do_lower_case(dnabert_folder):
    classifier = create_classifier(str(dnabert_folder), BINARY)
    assert isinstance(classifier, DnabertClassifier) and classifier.backbone == "dnabert-6"
    pretrained = BertForMaskedLM.from_pretrained(dnabert_folder)
    assert torch.equal(
        classifier.model.bert.encoder.layer[1].output.dense.weight, pretrained.bert.encoder.layer[1].output.dense.weight
    )
    # The folder's own tokenizer config lower-cases k-mers into [UNK]; ours keeps every k-mer.
    assert BertTokenizer.from_pretrained(dnabert_folder)("ACGTAC CGTACG")["input_ids"][1:-1] == [UNK_ID, UNK_ID]
    assert UNK_ID not in classifier.encoder.encode("ACGTACG").tolist()
    assert classifier.max_bp == 64 - 2 + 5  # 64 positions, [CLS]/[SEP], overlapping 6-mers


def test_generic_hf_family_uses_the_hub_tokenizer(nt_folder):
    classifier = create_classifier(str(nt_folder), BINARY)
    assert isinstance(classifier, HubClassifier) and classifier.family == "hf"
    encoder = classifier.encoder
    # Non-overlapping 6-mers, then single bases for the remainder; <cls> only (no <eos>).
    assert encoder.tokens("ACGTACGTACGTAC") == ["<cls>", "ACGTAC", "GTACGT", "A", "C"]
    assert (encoder.n_prefix, encoder.n_suffix, encoder.max_tokens) == (1, 0, 100)
    # <cls>, and room for a remainder of up to 5 bases spelled one token each.
    assert classifier.max_bp == (100 - 1 - 5) * 6


def test_every_length_up_to_max_bp_fits_the_hub_model(nt_folder, make_seqs, caplog):
    classifier = create_classifier(str(nt_folder), BINARY)
    seqs = [make_seqs(1, n, n, seed=n)[0] for n in range(classifier.max_bp - 11, classifier.max_bp + 1)]
    assert 95 <= max(len(x) for x in classifier.encoder.encode_batch(seqs)) <= 100
    assert "needed more than" not in caplog.text


def test_hub_encoder_cuts_overlong_inputs_with_a_warning(nt_folder, caplog):
    encoder = create_classifier(str(nt_folder), BINARY).encoder
    ids = encoder.encode_batch(["N" * 150, "ACGTAC"])  # N is spelled one base per token
    assert [len(x) for x in ids] == [100, 2]
    assert "1 of 2 sequences needed more than 100 tokens" in caplog.text


def test_hub_encoder_finds_special_tokens_on_both_sides(dnabert_folder):
    tokenizer = BertTokenizer.from_pretrained(dnabert_folder, do_lower_case=False)
    encoder = HubTokenEncoder(tokenizer, max_tokens=4)
    assert (encoder.n_prefix, encoder.n_suffix, encoder.pad_id) == (1, 1, 0)
    [ids] = encoder.encode_batch(["ACGTAC CGTACG AAAAAA TTTTTT"])
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id and len(ids) == 4


def test_infer_max_tokens_prefers_the_tokenizer_limit():
    class Tok:
        model_max_length = int(1e30)  # transformers' "unset"

    class Cfg:
        max_position_embeddings = 1002

    assert infer_max_tokens(Tok(), Cfg()) == 1000
    Tok.model_max_length = 512
    assert infer_max_tokens(Tok(), Cfg()) == 512
    Tok.model_max_length = None
    assert infer_max_tokens(Tok(), object()) is None


@pytest.mark.parametrize("name", ["dnabert-2", "hyenadna-tiny-1k", "nucleotide-transformer-v2-50m-multi-species"])
def test_remote_code_needs_explicit_trust(name):
    with pytest.raises(ConfigError, match="--trust-remote-code"):
        create_classifier(name, BINARY)


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # huggingface_hub reads the variable at import; without this the test would wait on network retries.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)


@pytest.mark.parametrize(
    "name,hub_id",
    [
        ("someone/no-such-dna-model", "someone/no-such-dna-model"),
        ("nucleotide-transformer-500m-human-ref", "InstaDeepAI/nucleotide-transformer-500m-human-ref"),
    ],
)
def test_unreachable_hub_is_a_clear_error(offline, name, hub_id):
    with pytest.raises(ModelNotFoundError) as err:
        create_classifier(name, BINARY)
    message = str(err.value)
    assert hub_id in message and "--local-dir DIR" in message and "instead of the hub id" in message


def test_pickle_weights_load_without_a_flag_and_safetensors_only_refuses_them(nt_folder, tmp_path):
    for path in nt_folder.iterdir():
        if path.name != "model.safetensors":
            (tmp_path / path.name).write_bytes(path.read_bytes())
    model = create_classifier(str(nt_folder), BINARY).model
    torch.save(model.state_dict(), tmp_path / "pytorch_model.bin")
    loaded = create_classifier(str(tmp_path), BINARY)
    assert torch.equal(loaded.model.esm.embeddings.word_embeddings.weight, model.esm.embeddings.word_embeddings.weight)
    with pytest.raises(ModelNotFoundError, match="--no-allow-bin-weights refuses"):
        create_classifier(str(tmp_path), BINARY, CreateOptions(allow_bin_weights=False))


def test_models_without_attention_mask_accept_one():
    class CausalOnly(torch.nn.Module):
        def forward(self, input_ids, labels=None):
            return input_ids.sum(dim=1)

    model = CausalOnly()
    _accept_attention_mask(model)
    ids = torch.tensor([[1, 2, 3]])
    assert model(input_ids=ids, attention_mask=torch.ones_like(ids)).item() == 6
    np.testing.assert_array_equal(model(ids).numpy(), [6])
