"""`--backbone dnabert-6` as users meet it, offline: the hub cache, the GitHub release folder, pickle weights.

Both layouts hold a tiny BERT (hidden 32, 2 layers) with DNABERT-6's real vocabulary; everything
else (config keys, file names, cache layout) is as published, so the real hub loading code runs.
"""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
import torch
from safetensors.torch import save
from transformers import BertForMaskedLM, BertTokenizer
from typer.testing import CliRunner

from enhancerlm.cli.main import app
from enhancerlm.errors import ModelNotFoundError
from enhancerlm.models import CreateOptions, create_classifier
from enhancerlm.models.dnabert import DnabertClassifier
from enhancerlm.sequences.records import LabelMap
from enhancerlm.tokenization.kmer import UNK_ID, KmerTokenizer
from tests.helpers import fast_training, tiny_bert_config

BINARY = LabelMap.from_labels(["enhancer", "not_enhancer"])
HUB_ID = "zhihan1996/DNA_bert_6"
TINY = tiny_bert_config(4101, max_position_embeddings=512)
# Keys of DNABERT's config.json (its own fine-tuning code's RNN head, the k-mer split) that plain BERT ignores.
LEGACY_KEYS = dict(
    rnn="lstm",
    num_rnn_layer=1,
    rnn_hidden=768,
    rnn_dropout=0.0,
    split=10,
    num_labels=2,
    output_past=True,
    pruned_heads={},
    torchscript=False,
    bos_token_id=0,
    eos_token_ids=0,
)
# The hub copy names custom code; the module is in the cache and must never be imported.
AUTO_MAP = {
    "AutoModel": "dnabert_layer.DNABertModel",
    "AutoModelForSequenceClassification": "dnabert_layer.DNABertForSequenceClassification",
}
SPECIALS = {
    "unk_token": "[UNK]",
    "sep_token": "[SEP]",
    "pad_token": "[PAD]",
    "cls_token": "[CLS]",
    "mask_token": "[MASK]",
}
SEQ = "ACGTTGCAAGCTTAGGCATCGN"


@pytest.fixture(scope="module")
def vocab_txt(request) -> str:
    """DNABERT-6's vocab.txt as published, read in place; built from the DNABERT-exact vocabulary without it."""
    try:
        return (request.getfixturevalue("shared_data") / "dnabert-vocab" / "bert-config-6" / "vocab.txt").read_text()
    except pytest.skip.Exception:
        return "\n".join(KmerTokenizer(6).vocab) + "\n"


def pretrained_state(seed: int) -> dict[str, torch.Tensor]:
    """A tiny DNABERT checkpoint: BertForMaskedLM's tensors plus the pooler DNABERT's (transformers 2) BERT had."""
    torch.manual_seed(seed)
    model = BertForMaskedLM(TINY)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state["bert.pooler.dense.weight"] = torch.randn(32, 32)
    state["bert.pooler.dense.bias"] = torch.randn(32)
    return state


def pickle_bytes(obj, *, legacy: bool = False) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer, _use_new_zipfile_serialization=not legacy)
    return buffer.getvalue()


def config_json(**extra) -> str:
    config = {**TINY.to_dict(), "architectures": ["BertForMaskedLM"], **LEGACY_KEYS, **extra}
    config.pop("transformers_version", None)
    return json.dumps({k: v for k, v in config.items() if v is not None}, indent=2)


@pytest.fixture
def cached_dnabert6(hub_cache, vocab_txt, tmp_path):
    """`zhihan1996/DNA_bert_6` in an offline Hugging Face cache: both weight formats, an auto_map, remote code."""
    marker = tmp_path / "remote-code-ran"
    snapshot = hub_cache.add(
        HUB_ID,
        {
            "config.json": config_json(model_type="bert", auto_map=AUTO_MAP),
            "model.safetensors": save(pretrained_state(seed=1)),
            # Different tensors from the safetensors file, so that a test sees which one was read.
            "pytorch_model.bin": pickle_bytes(pretrained_state(seed=2)),
            "vocab.txt": vocab_txt,
            "special_tokens_map.json": json.dumps(SPECIALS),
            "tokenizer_config.json": json.dumps({"do_lower_case": False, "model_max_length": 512}),
            "dnabert_layer.py": f"open({str(marker)!r}, 'w').write('imported')\nraise ImportError('remote code ran')\n",
        },
    )
    return snapshot, marker


@pytest.fixture
def release_folder(tmp_path, vocab_txt):
    """DNABERT's GitHub release, unzipped: no model_type, do_lower_case true, pickle weights only (torch 1.x format)."""
    folder = tmp_path / "6-new-12w-0"
    folder.mkdir()
    (folder / "config.json").write_text(config_json())
    (folder / "pytorch_model.bin").write_bytes(pickle_bytes(pretrained_state(seed=3), legacy=True))
    (folder / "vocab.txt").write_text(vocab_txt)
    (folder / "special_tokens_map.json").write_text(json.dumps(SPECIALS))
    (folder / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True, "max_len": 512}))
    return folder


def assert_body_equals(classifier, state: dict) -> None:
    loaded = classifier.model.state_dict()
    body = [k for k in state if k.startswith("bert.")]
    assert len(body) == len([k for k in loaded if k.startswith("bert.")])
    for key in body:
        assert torch.equal(loaded[key], state[key]), key


def assert_dnabert_exact_ids(classifier, folder) -> None:
    ids = classifier.encoder.encode(SEQ).tolist()
    assert ids == KmerTokenizer(6).encode(SEQ).tolist()
    assert ids.count(UNK_ID) == 1  # only the k-mer with the N
    reference = BertTokenizer.from_pretrained(folder, do_lower_case=False)
    assert ids == reference(" ".join(classifier.encoder.decode_kmers(SEQ)))["input_ids"]


def test_hub_id_loads_from_the_cache_preferring_safetensors(cached_dnabert6):
    snapshot, marker = cached_dnabert6
    classifier = create_classifier("dnabert-6", BINARY)
    assert isinstance(classifier, DnabertClassifier) and classifier.backbone == "dnabert-6"
    assert_body_equals(classifier, pretrained_state(seed=1))
    assert_dnabert_exact_ids(classifier, snapshot)
    assert classifier.max_bp == 512 - 2 + 5
    # Plain BERT: the hub repository's code was neither imported nor kept in the config to be saved.
    assert not marker.exists() and "dnabert_layer" not in sys.modules
    assert "auto_map" not in classifier.model.config.to_dict()


def test_hub_cache_with_pickle_weights_only_loads_too(hub_cache, vocab_txt, caplog):
    """A repository (or revision) without model.safetensors: its pytorch_model.bin, weights only."""
    hub_cache.add(
        HUB_ID,
        {
            "config.json": config_json(model_type="bert"),
            "vocab.txt": vocab_txt,
            "pytorch_model.bin": pickle_bytes(pretrained_state(seed=2)),
        },
    )
    caplog.set_level(logging.INFO)
    assert_body_equals(create_classifier("dnabert-6", BINARY), pretrained_state(seed=2))
    assert (
        f"DNABERT model {HUB_ID}: weights read from pytorch_model.bin: pickle, through torch's weights-only"
        in caplog.text
    )


def test_loading_prints_no_table_and_logs_one_line(cached_dnabert6, caplog, capsys):
    seen = []
    handler = logging.Handler()
    handler.emit = seen.append  # everything transformers would hand to its own stderr handler
    logging.getLogger("transformers").addHandler(handler)
    caplog.set_level(logging.INFO)
    try:
        create_classifier("dnabert-6", BINARY)
    finally:
        logging.getLogger("transformers").removeHandler(handler)
    out, err = capsys.readouterr()
    assert "LOAD REPORT" not in out + err and "Loading weights" not in err and "MISSING" not in out + err
    assert not [r for r in seen if "LOAD REPORT" in r.getMessage()]
    lines = [r for r in caplog.records if r.name == "enhancerlm.models.weights"]
    assert [(r.levelno, r.getMessage()) for r in lines] == [
        (
            logging.INFO,
            f"DNABERT model {HUB_ID}: weights read from model.safetensors; newly initialised: classifier "
            "(2 tensors); unused from the checkpoint: cls.predictions (7 tensors)",
        )
    ]


def test_release_folder_with_pickle_weights_only_loads_weights_only(release_folder, caplog, monkeypatch):
    calls = []
    real_load = torch.load
    monkeypatch.setattr(torch, "load", lambda *args, **kwargs: calls.append(kwargs) or real_load(*args, **kwargs))
    caplog.set_level(logging.INFO)
    classifier = create_classifier(str(release_folder), BINARY)
    assert isinstance(classifier, DnabertClassifier) and classifier.backbone == "dnabert-6"  # by its vocabulary
    assert_body_equals(classifier, pretrained_state(seed=3))
    assert calls and all(kwargs.get("weights_only") is True for kwargs in calls)
    # The folder's own tokenizer config lower-cases every k-mer into [UNK]; the k-mer tokenizer does not.
    assert set(BertTokenizer.from_pretrained(release_folder)("ACGTAC CGTACG")["input_ids"][1:-1]) == {UNK_ID}
    assert_dnabert_exact_ids(classifier, release_folder)
    [line] = [r.getMessage() for r in caplog.records if r.name == "enhancerlm.models.weights"]
    assert line.startswith(
        f"DNABERT model {release_folder}: weights read from pytorch_model.bin: pickle, through "
        "torch's weights-only unpickler (tensors only; nothing in the file was run); "
    )


def test_a_checkpoint_missing_part_of_the_body_is_a_warning(release_folder, caplog):
    state = pretrained_state(seed=3)
    del state["bert.encoder.layer.1.output.dense.weight"]
    (release_folder / "pytorch_model.bin").write_bytes(pickle_bytes(state))
    create_classifier(str(release_folder), BINARY)
    [record] = [r for r in caplog.records if r.name == "enhancerlm.models.weights"]
    assert record.levelno == logging.WARNING
    assert record.getMessage().endswith(
        "newly initialised: bert.encoder, classifier (3 tensors); unused from the "
        "checkpoint: cls.predictions (7 tensors); 1 new tensor(s) in the "
        "pre-trained body, which the checkpoint should have held"
    )


def test_safetensors_only_refuses_a_pickle_only_folder(release_folder):
    with pytest.raises(ModelNotFoundError, match="only pickle .* which --no-allow-bin-weights refuses"):
        create_classifier(str(release_folder), BINARY, CreateOptions(allow_bin_weights=False))


class WritesAFile:
    """A pickled object whose unpickling would call ``open(path, "w")``: code that a full unpickler runs."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")


def test_pickle_holding_more_than_tensors_is_refused_and_not_run(release_folder, tmp_path):
    marker = tmp_path / "payload-ran"
    state = {**pretrained_state(seed=3), "payload": WritesAFile(marker)}
    (release_folder / "pytorch_model.bin").write_bytes(pickle_bytes(state))
    with pytest.raises(ModelNotFoundError) as err:
        create_classifier(str(release_folder), BINARY)
    assert str(err.value) == (
        f"could not load the DNABERT model from {release_folder}: its pytorch_model.bin holds more than tensors "
        "(it refers to io.open). Pickle weights are read only through torch's weights-only unpickler, which "
        "refused this file; nothing in it was run. Use a checkpoint with model.safetensors weights instead."
    )
    assert not marker.exists()


def test_missing_download_offline_is_a_clear_error(hub_cache):
    with pytest.raises(ModelNotFoundError) as err:
        create_classifier("dnabert-6", BINARY)
    message = str(err.value)
    assert message.startswith(f"could not load the DNABERT config {HUB_ID!r} from the Hugging Face hub (")
    assert f"HF_HUB_OFFLINE is set, so only the Hugging Face cache ({hub_cache.hub}) was searched" in message
    assert f"`hf download {HUB_ID}`" in message and "pass DIR instead of the hub id" in message


# The real `enhancerlm run`, as small as it goes: 12 + 12 training and 4 + 4 test sequences, one epoch.
runner = CliRunner()


@pytest.fixture(scope="module")
def run_inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    gen = torch.Generator().manual_seed(0)
    for split, n in (("train", 12), ("test", 4)):
        for label, bases in (("enhancer", "AAAC"), ("not_enhancer", "GGGT")):
            seqs = ["".join(bases[i] for i in torch.randint(0, 4, (60,), generator=gen)) for _ in range(n)]
            (folder / f"{split}_{label}.fa").write_text("".join(f">{label}_{i}\n{s}\n" for i, s in enumerate(seqs)))
    return folder


def run_args(inputs, out, backbone):
    return [
        "run",
        "--backbone",
        backbone,
        "--out",
        str(out),
        *[
            a
            for label in ("enhancer", "not_enhancer")
            for a in ("--train", f"{inputs}/train_{label}.fa:{label}", "--test", f"{inputs}/test_{label}.fa:{label}")
        ],
        *fast_training(),
        "--no-zero-shot",
        "--baselines",
        "gc",
        "--n-boot",
        "10",
        "--val-fraction",
        "0.2",
    ]


@pytest.mark.parametrize("layout", ["hub cache", "release folder"])
def test_run_with_either_layout_needs_no_flag(layout, request, run_inputs, tmp_path, one_torch_thread):
    if layout == "hub cache":
        request.getfixturevalue("cached_dnabert6")
        backbone, source, weights = "dnabert-6", HUB_ID, "model.safetensors"
    else:
        backbone = source = str(request.getfixturevalue("release_folder"))
        weights = "pytorch_model.bin"
    out = tmp_path / "out"
    result = runner.invoke(app, run_args(run_inputs, out, backbone))
    assert result.exit_code == 0, result.output
    assert "LOAD REPORT" not in result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert sum(map(sum, metrics["fine_tuned"]["confusion_matrix"])) == 8
    log = (out / "run.log").read_text()
    assert f"DNABERT model {source}: weights read from {weights}" in log and "LOAD REPORT" not in log


def test_run_without_the_download_exits_2_with_the_hint(hub_cache, run_inputs, tmp_path):
    result = runner.invoke(app, run_args(run_inputs, tmp_path / "out", "dnabert-6"))
    assert result.exit_code == 2
    assert f"error: could not load the DNABERT config {HUB_ID!r}" in result.output
    assert f"hf download {HUB_ID}" in result.output and "Traceback" not in result.output
