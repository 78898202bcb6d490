"""int8 dynamic quantisation of a model's linear layers: the CPU inference speed-up that AVX2 machines have.

Why this and not another route (measured by ``benchmarks/quantize_speed.py``, see docs/results.md):
bf16 is several times slower on CPUs without bf16 units, and torchao's int8 configs run their eager
CPU path slower than fp32 here; ``torch.ao.quantization.quantize_dynamic`` replaces each
``nn.Linear`` by fbgemm/oneDNN int8 kernels (weights int8 per tensor, activations quantised per
batch on the fly): 1.7-3.9x measured for a BERT-base-size model here, 1.2-1.9x for the tiny one. It ships with torch,
so no new dependency; torch marks it deprecated in favour of torchao, so this is its one home.

int8 dynamic kernels exist only on CPU: a model on a GPU is refused (there bf16 autocast is the lever).
Embeddings, LayerNorm and attention's matmuls stay fp32.
"""

from __future__ import annotations

import copy
import logging
import warnings
from typing import TYPE_CHECKING, TypeVar, cast

from enhancerlm.config import check_quantize_mode
from enhancerlm.errors import ConfigError

if TYPE_CHECKING:
    from enhancerlm.models.base import SequenceClassifier
    from enhancerlm.models.hf import TransformerClassifier

log = logging.getLogger(__name__)
C = TypeVar("C", bound="SequenceClassifier")


def quantize(classifier: C, mode: str) -> C:
    """``classifier`` for inference in ``mode``: itself for ``"none"``, an int8 copy for ``"int8"``.

    The given model is left as it was (the copy has its own weights). Models without linear layers
    (k-mer LR, GC) raise a ConfigError, as does a model on a GPU.
    """
    check_quantize_mode(mode)
    if mode == "none":
        return classifier
    quantized = cast(C, classifier.quantize(mode))  # a copy of the same class
    log.info("%s: linear layers quantised to int8 (dynamic, CPU)", classifier.backbone)
    return quantized


def int8_copy(classifier: "TransformerClassifier") -> "TransformerClassifier":
    """A shallow copy of ``classifier`` whose model is an int8 dynamically quantised deep copy."""
    import torch

    if classifier.device.type != "cpu":
        raise ConfigError(
            f"--quantize int8: the model is on {classifier.device}; int8 dynamic quantisation is a CPU path "
            "(on a GPU, bf16 autocast is already on)"
        )
    if not any(isinstance(m, torch.nn.Linear) for m in classifier.model.modules()):
        raise ConfigError(f"--quantize int8: backbone {classifier.backbone!r} has no linear layers to quantise")
    with warnings.catch_warnings():
        # "torch.ao.quantization is deprecated": known, see the module docstring.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantiz.*deprecated.*")
        model = torch.ao.quantization.quantize_dynamic(
            classifier.model, {torch.nn.Linear}, dtype=torch.qint8, inplace=False
        )
    clone = copy.copy(classifier)
    clone.model = model
    return clone
