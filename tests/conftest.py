"""Shared test fixtures: the read-only data beside the checkout, and quiet matplotlib."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import torch
from transformers import BertForSequenceClassification

from enhancerlm.models.dnabert import DnabertClassifier
from enhancerlm.sequences.records import LabelMap, make_table
from enhancerlm.tokenization.kmer import KmerTokenizer
from tests.helpers import tiny_bert_config

matplotlib.use("Agg")

TOY_LABELS = LabelMap.from_labels(["enhancer", "not_enhancer"])
TOY_MAX_TOKENS = 64  # -> max_bp = 67: long enough for the toy sequences, short enough to test windows
REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout, read in place; tests that need it skip when it is absent.

    The folder is read-only in CI but may be writable on a developer's machine (or to root): genome
    indexes must then still go to the test's own folders, never beside the shared FASTA.
    """
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (it lives beside the checkout, not in the repo)")
    from enhancerlm.sequences import genome

    writable = genome._is_writable
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            genome,
            "_is_writable",
            lambda folder: not Path(folder).resolve().is_relative_to(SHARED_DATA.resolve()) and writable(folder),
        )
        yield SHARED_DATA


def _listing(folder: Path) -> dict:
    return {str(p): p.stat().st_mtime_ns for p in sorted(folder.rglob("*"))} if folder.is_dir() else {}


@pytest.fixture(scope="session", autouse=True)
def shared_data_untouched():
    """Fail the session if any test wrote, changed or removed a file under ``../shared``."""
    before = _listing(SHARED_DATA.parent)
    yield
    after = _listing(SHARED_DATA.parent)
    assert after == before, f"tests changed ../shared: {sorted(set(after.items()) ^ set(before.items()))[:5]}"


# Counts images the browser decoded once the page has loaded, and writes the count into the DOM.
_PROBE = (
    '<script>window.addEventListener("load", function () {'
    "var imgs = Array.from(document.images);"
    "var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;"
    'var out = document.createElement("div"); out.id = "img-check";'
    'out.textContent = ok + "/" + imgs.length; document.body.appendChild(out); });</script>'
)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    pytest.skip("no chromium binary on PATH (Debian: apt-get install -y chromium); headless image check skipped")


def _loaded_images(page: Path, tmp_path: Path) -> str:
    """``"k/n"``: images the browser decoded out of those on the page (skips without chromium)."""
    probe = tmp_path / f"probe-{page.name}"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    cmd = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'ud'}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        probe.as_uri(),
    ]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    found = re.search(r'<div id="img-check">(\d+/\d+)</div>', dom)
    assert found, f"probe did not run; chromium printed: {dom[:300]!r}"
    return found.group(1)


@pytest.fixture
def loaded_images():
    """Open an HTML page in headless Chromium and count the images that loaded."""
    return _loaded_images


# Tiny training fixtures shared by tests/train and tests/search.
def tiny_classifier(seed: int = 0) -> DnabertClassifier:
    """A 2-layer, 32-wide BERT (about 150k parameters, mostly the 4101-token embedding) with a k=6 tokenizer."""
    torch.manual_seed(seed)
    tokenizer = KmerTokenizer(6)
    config = tiny_bert_config(
        tokenizer.vocab_size,
        max_position_embeddings=TOY_MAX_TOKENS,
        num_labels=2,
        id2label=dict(enumerate(TOY_LABELS.names)),
        label2id={n: i for i, n in enumerate(TOY_LABELS.names)},
    )
    model = BertForSequenceClassification(config)
    return DnabertClassifier(model, tokenizer, TOY_LABELS, "tiny-test", tokenizer.max_bp(TOY_MAX_TOKENS))


def toy_table(n_per_class: int = 32, seed: int = 0, min_bp: int = 20, max_bp: int = 60):
    """Enhancers are A-rich (70% A), the rest G-rich (70% G); lengths uniform in [min_bp, max_bp)."""
    rng = np.random.default_rng(seed)
    seqs, labels = [], []
    for label, rich in (("enhancer", "A"), ("not_enhancer", "G")):
        p = np.full(4, 0.1)
        p["ACGT".index(rich)] = 0.7
        for _ in range(n_per_class):
            seqs.append("".join(rng.choice(list("ACGT"), size=int(rng.integers(min_bp, max_bp)), p=p)))
            labels.append(label)
    return make_table([f"{labels[i]}_{i}" for i in range(len(seqs))], seqs, labels)


@pytest.fixture
def one_torch_thread():
    """Tiny matmuls gain nothing from threads, and on shared busy cores 2 spinning threads run ~10x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def make_tiny():
    """Factory: ``make_tiny(seed)`` -> a fresh tiny classifier."""
    return tiny_classifier


@pytest.fixture
def make_toy():
    """Factory: ``make_toy(n_per_class, seed, min_bp, max_bp)`` -> a labelled canonical table."""
    return toy_table


class HubCache:
    """A Hugging Face hub cache laid out as ``huggingface_hub`` writes it (its file_download.py).

    ``HF_HUB_CACHE/<type>s--OWNER--NAME/`` holds ``refs/main`` (the commit), ``blobs/<etag>`` (the
    bytes; the etag is the sha256 for files the hub keeps in LFS, else git's blob sha1) and
    ``snapshots/<commit>/<path>``, relative symlinks into ``blobs/``. Offline, a hub id resolves
    through ``refs/main`` to its snapshot.
    """

    LFS_SUFFIXES = (".bin", ".safetensors", ".parquet", ".arrow")

    def __init__(self, home: Path):
        self.home = home
        self.hub = home / "hub"

    def add(self, repo_id: str, files: dict, repo_type: str = "model", commit: str | None = None) -> Path:
        """Cache ``files`` (repository path -> bytes or str) as ``repo_id`` at main; returns the snapshot folder."""
        import hashlib
        import os

        repo = self.hub / "--".join([f"{repo_type}s", *repo_id.split("/")])
        commit = commit or hashlib.sha1(repo_id.encode()).hexdigest()
        (repo / "refs").mkdir(parents=True, exist_ok=True)
        (repo / "refs" / "main").write_text(commit)  # no newline, as huggingface_hub writes it
        (repo / "blobs").mkdir(exist_ok=True)
        snapshot = repo / "snapshots" / commit
        for name, data in files.items():
            data = data.encode() if isinstance(data, str) else data
            etag = (
                hashlib.sha256(data).hexdigest()
                if name.endswith(self.LFS_SUFFIXES)
                else hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            )
            (repo / "blobs" / etag).write_bytes(data)
            pointer = snapshot / name
            pointer.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.path.relpath(repo / "blobs" / etag, pointer.parent), pointer)
        return snapshot


@pytest.fixture
def hub_cache(tmp_path, monkeypatch) -> HubCache:
    """Offline mode and an empty Hugging Face cache in tmp_path (HF_HOME); ``hub_cache.add(...)`` fills it."""
    import huggingface_hub.constants

    cache = HubCache(tmp_path / "hf-home")
    cache.hub.mkdir(parents=True)
    for name, value in (("HF_HOME", cache.home), ("HF_HUB_CACHE", cache.hub), ("HF_HUB_OFFLINE", "1")):
        monkeypatch.setenv(name, str(value))
    # huggingface_hub reads the variables at import; transformers and it look the constants up per call.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache.hub))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    return cache


@pytest.fixture
def corpus(tmp_path):
    """A pre-training corpus of three random 1,000 bp records, the last tenth of each held out."""
    from enhancerlm.data.pretrain_corpus import build_corpus

    rng = np.random.default_rng(0)
    path = tmp_path / "random.fa"
    path.write_text("".join(f">s{i}\n{''.join(rng.choice(list('ACGT'), 1000))}\n" for i in range(3)))
    return build_corpus([path], tmp_path / "bases", eval_fraction=0.1)
