"""CPU inference routes side by side in one run: fp32, int8 (``--quantize int8``), torch.compile, ONNX Runtime.

For each model (the tiny model, and with ``--dnabert-size`` a random-init 12 x 768 BERT on the DNABERT-6
vocabulary) every route scores the same sequences with the same batches (length-sorted, dynamically
padded); printed per route: sequences/s, speed relative to fp32, max |delta probability| against fp32
and the AUROC change on a labelled held-out set (``--input``; without it, random sequences with random
labels: the AUROC change then only measures agreement). ONNX Runtime and torchao are optional
(``onnxruntime`` is not a project dependency); a route that is not installed is reported as such.

    python benchmarks/quantize_speed.py --threads 2                     # tiny random-init, 256 x 200 bp
    python benchmarks/quantize_speed.py --model runs/ienhancer/model --input data/split/test.tsv --dnabert-size
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from predict_speed import make_sequences, timed
from sklearn.metrics import roc_auc_score

from enhancerlm.models import create_classifier, load_classifier
from enhancerlm.models.dnabert import DnabertClassifier
from enhancerlm.models.hf import TransformerClassifier, length_sorted_batches, pad_batch
from enhancerlm.models.quantize import quantize
from enhancerlm.predict import predict_proba
from enhancerlm.sequences.records import LabelMap
from enhancerlm.sequences.spec import read_specs
from enhancerlm.tokenization.kmer import KmerTokenizer

DNABERT_CONFIG = Path("/work/shared/data/dnabert-vocab/bert-config-6")
ROUTES = ("fp32", "int8", "compile", "onnx", "onnx-int8", "torchao-int8")
Scorer = Callable[[list[str]], np.ndarray]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="saved model folder (default: random-init tiny-dnabert-6)")
    parser.add_argument("--input", help="labelled held-out SPEC (TSV/FASTA:LABEL); default: random sequences")
    parser.add_argument("--n", type=int, default=256, help="sequences (random, or the first N of --input)")
    parser.add_argument("--bp", type=int, default=200, help="length of random sequences")
    parser.add_argument("--dnabert-size", action="store_true", help="also a random-init 12 x 768 BERT")
    parser.add_argument("--dnabert-n", type=int, default=64, help="sequences for the DNABERT-size model")
    parser.add_argument("--dnabert-config", type=Path, default=DNABERT_CONFIG, help="BERT config.json folder")
    parser.add_argument("--routes", default=",".join(ROUTES), help=f"comma-separated among {','.join(ROUTES)}")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2, help="time each route this often, keep the fastest")
    return parser.parse_args()


def dnabert_size(config_dir: Path, label_map: LabelMap) -> DnabertClassifier:
    """Random-init ``BertForSequenceClassification`` with DNABERT-6's shape (12 layers x 768, 89M parameters)."""
    from transformers import BertConfig, BertForSequenceClassification

    from enhancerlm.models.hf import label_kwargs

    torch.manual_seed(0)
    config = BertConfig.from_pretrained(str(config_dir), **label_kwargs(label_map))
    tokenizer = KmerTokenizer(6)
    model = BertForSequenceClassification(config).eval()
    return DnabertClassifier(model, tokenizer, label_map, "dnabert-6 (random init)", tokenizer.max_bp(512))


def held_out(args, classifier) -> tuple[list[str], np.ndarray | None]:
    """Sequences (each fits the model's window) and their 0/1 labels (positive class = 1), if any."""
    if args.input is None:
        seqs = make_sequences(args.n, args.bp, args.bp, seed=0)
        return seqs, np.random.default_rng(0).integers(0, 2, len(seqs))
    table = read_specs([args.input]).head(args.n)
    y = None
    if (table["label"] != "").all() and table["label"].nunique() > 1:
        y = np.asarray(classifier.label_map.encode(table["label"]))
    return [s[: classifier.max_bp] for s in table["sequence"]], y


def torch_scorer(classifier, batch_size: int) -> Scorer:
    return lambda seqs: predict_proba(classifier, seqs, batch_size=batch_size)


def compiled_scorer(classifier: TransformerClassifier, batch_size: int) -> Scorer:
    clone = copy.copy(classifier)
    clone.model = torch.compile(classifier.model, dynamic=True)
    return torch_scorer(clone, batch_size)


def torchao_scorer(classifier: TransformerClassifier, batch_size: int) -> Scorer:
    logging.getLogger("torchao").setLevel(logging.ERROR)  # it lists its CUDA kernels it cannot load
    from torchao.quantization import Int8DynamicActivationInt8WeightConfig, quantize_

    clone = copy.copy(classifier)
    clone.model = copy.deepcopy(classifier.model)
    quantize_(clone.model, Int8DynamicActivationInt8WeightConfig())
    return torch_scorer(clone, batch_size)


class _Logits(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask).logits


def onnx_scorer(classifier: TransformerClassifier, batch_size: int, threads: int, folder: Path, int8: bool) -> Scorer:
    """ONNX Runtime (CPU) on the exported model, fed the same length-sorted padded batches as predict."""
    import onnxruntime as ort

    path = folder / "model.onnx"
    if not path.exists():
        ids = torch.randint(5, 100, (2, 16))
        mask = torch.ones_like(ids)
        mask[1, 10:] = 0  # a padded example, so the export keeps the masking path
        axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Logits(classifier.model).eval(),
                (ids, mask),
                str(path),
                input_names=["input_ids", "attention_mask"],
                output_names=["logits"],
                dynamic_axes={**axes, "logits": {0: "batch"}},
                dynamo=False,
                opset_version=17,
            )
        classifier.model.eval()
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(path), str(folder / "model-int8.onnx"), weight_type=QuantType.QInt8)
        path = folder / "model-int8.onnx"
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def score(seqs: list[str]) -> np.ndarray:
        ids = classifier.encoder.encode_batch(seqs)
        logits = np.empty((len(seqs), classifier.label_map.n_classes), dtype=np.float32)
        for rows in length_sorted_batches(ids, batch_size):
            input_ids, mask = pad_batch([ids[i] for i in rows], classifier.encoder.pad_id)
            logits[rows] = session.run(None, {"input_ids": input_ids.numpy(), "attention_mask": mask.numpy()})[0]
        return torch.softmax(torch.from_numpy(logits), dim=-1).numpy()

    return score


def make_scorer(route: str, classifier, args, folder: Path) -> Scorer:
    if route == "fp32":
        return torch_scorer(classifier, args.batch_size)
    if route == "int8":
        return torch_scorer(quantize(classifier, "int8"), args.batch_size)
    if route == "compile":
        return compiled_scorer(classifier, args.batch_size)
    if route == "torchao-int8":
        return torchao_scorer(classifier, args.batch_size)
    return onnx_scorer(classifier, args.batch_size, args.threads, folder, int8=route == "onnx-int8")


def compare(name: str, classifier, seqs: list[str], y, args) -> None:
    """Time every route on ``seqs``; print speed and agreement with fp32."""
    pos = classifier.label_map.score_index()
    print(f"\n{name}: {len(seqs)} sequences, {np.mean([len(s) for s in seqs]):.0f} bp mean, batch {args.batch_size}")
    print(f"{'route':14s} {'seq/s':>8s} {'vs fp32':>8s} {'max|dp|':>9s} {'AUROC':>7s} {'dAUROC':>8s} {'setup s':>8s}")
    reference, fp32_time = None, None
    with tempfile.TemporaryDirectory() as folder:
        for route in args.routes.split(","):
            try:
                start = time.perf_counter()
                scorer = make_scorer(route, classifier, args, Path(folder))
                scorer(seqs[: args.batch_size])  # warm-up: allocation, compilation for this batch shape
                setup = time.perf_counter() - start
                proba, seconds = timed(lambda: scorer(seqs), args.repeats)
            except ImportError as err:
                print(f"{route:14s} not installed ({err.name})")
                continue
            if reference is None:
                reference, fp32_time = proba, seconds
            auroc = roc_auc_score(y, proba[:, pos]) if y is not None else float("nan")
            ref_auroc = roc_auc_score(y, reference[:, pos]) if y is not None else float("nan")
            print(
                f"{route:14s} {len(seqs) / seconds:8.1f} {fp32_time / seconds:7.2f}x "
                f"{np.abs(proba - reference).max():9.2e} {auroc:7.4f} {auroc - ref_auroc:+8.4f} {setup:8.1f}"
            )


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    label_map = LabelMap.from_labels(["enhancer", "not_enhancer"])
    tiny = load_classifier(args.model) if args.model else create_classifier("tiny-dnabert-6", label_map)
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, quantized engine {torch.backends.quantized.engine}"
    )
    seqs, y = held_out(args, tiny)
    compare(f"{tiny.backbone} ({args.model or 'random init'})", tiny, seqs, y, args)
    if args.dnabert_size:
        big = dnabert_size(args.dnabert_config, tiny.label_map)
        n_params = sum(p.numel() for p in big.model.parameters())
        compare(
            f"DNABERT-size BERT, {n_params / 1e6:.0f}M parameters",
            big,
            seqs[: args.dnabert_n],
            None if y is None else y[: args.dnabert_n],
            args,
        )


if __name__ == "__main__":
    main()
