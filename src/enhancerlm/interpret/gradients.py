"""Integrated gradients on the input embeddings (or one-hot input) of neural classifiers (captum), projected onto bases."""

from __future__ import annotations

import logging
from typing import NamedTuple, Sequence

import numpy as np
import torch

from enhancerlm.errors import ConfigError
from enhancerlm.interpret.ism import target_index
from enhancerlm.interpret.progress import CancelFlag, ProgressFn, Steps
from enhancerlm.interpret.seqlets import shuffle_sequences
from enhancerlm.interpret.tokens import token_layout, tokens_to_bases
from enhancerlm.models.hf import TransformerClassifier, length_sorted_batches, pad_batch, preserved_model_state

log = logging.getLogger(__name__)

BASELINES = ("pad", "shuffle")


class IGResult(NamedTuple):
    """Integrated gradients of a batch of sequences.

    Attributes
    ----------
    attribution : list of np.ndarray, each shape=(L_i,)
        Per-base attribution to the target log-odds (token attributions projected onto bases).
    token_attribution : list of np.ndarray, each shape=(n_tokens_i,)
        Per-token attribution, summed over the embedding dimension; special tokens included.
    convergence_delta : np.ndarray, shape=(n_seqs,)
        Sum of token attributions minus (f(input) - f(baseline)); near 0 when ``n_steps`` suffices.
    """

    attribution: list[np.ndarray]
    token_attribution: list[np.ndarray]
    convergence_delta: np.ndarray


def require_hf(classifier, method: str):
    """The classifier's transformers model; a ConfigError for models without one (k-mer LR, GC)."""
    if not isinstance(classifier, TransformerClassifier):
        raise ConfigError(
            f"--method {method} needs a neural model with token embeddings; backbone "
            f"{getattr(classifier, 'backbone', '?')!r} has none (use --method ism, which works for every model)"
        )
    return classifier.model


def _captum(name: str = "LayerIntegratedGradients"):
    try:
        import captum.attr
    except ImportError as err:  # optional dependency: the `interpret` extra
        raise ConfigError("gradient attributions need captum: pip install 'enhancerlm[interpret]'") from err
    return getattr(captum.attr, name)


def _baseline_ids(encoder, seqs: Sequence[str], ids: list[np.ndarray], how: str, seed: int) -> list[np.ndarray]:
    """Reference token ids: body tokens -> [PAD] (special tokens kept), or the ids of a shuffled sequence."""
    if how == "shuffle":
        return encoder.encode_batch(shuffle_sequences(seqs, seed))
    out = []
    for seq, x in zip(seqs, ids):
        k, offset = token_layout(encoder, len(seq), x)
        base = x.copy()
        base[offset : offset + max(len(seq) - k + 1, 0)] = encoder.pad_id
        out.append(base)
    return out


def input_layer(model) -> tuple[torch.nn.Module, bool, int]:
    """The layer whose output (or input) represents each token: (layer, use_its_input, feature_dim).

    Transformers expose ``get_input_embeddings()``. One-hot CNNs have no embedding module; for them
    the input of the first ``Conv1d`` is the one-hot matrix, shape=(batch, 4, width), which is
    attributed instead (a zero baseline there is the [PAD] one-hot).
    """
    try:
        layer = model.get_input_embeddings()
    except (NotImplementedError, AttributeError):
        layer = None
    if isinstance(layer, torch.nn.Module):
        return layer, False, -1
    conv = next((m for m in model.modules() if isinstance(m, torch.nn.Conv1d)), None)
    if conv is None:
        raise ConfigError(f"--method ig: {type(model).__name__} has neither input embeddings nor a Conv1d input layer")
    return conv, True, 1


def _log_odds_forward(model, target: int, single_label: bool = True, scale=None):
    """forward(input_ids, attention_mask) -> the quantity ISM reports (:meth:`Task.explained`), shape=(batch,).

    Single-label: the class's log-odds against the other classes (its logit minus the log-sum-exp of
    theirs). Multi-label and regression: the output's own logit, which is the label's log-odds (its
    probability is a sigmoid of that logit alone) or the predicted value (identity activation; a
    regression head learns standardised targets, so ``scale``, its ``TargetScale``, puts it back in
    the user's units, as ``predict`` and ISM report it).
    """

    def forward(input_ids, attention_mask):
        logits = model(input_ids=input_ids, attention_mask=attention_mask).logits.float()
        if not single_label:
            value = logits[:, target]
            return value if scale is None else value * float(scale.scale[target]) + float(scale.mean[target])
        others = torch.cat([logits[:, :target], logits[:, target + 1 :]], dim=1)
        return logits[:, target] - torch.logsumexp(others, dim=1)

    return forward


def integrated_gradients(
    classifier,
    seqs: Sequence[str],
    *,
    target: str | None = None,
    n_steps: int = 32,
    baseline: str = "pad",
    batch_size: int = 16,
    seed: int = 0,
    progress: ProgressFn | None = None,
    cancel: CancelFlag | None = None,
) -> IGResult:
    """Integrated gradients of the target log-odds w.r.t. the word embeddings (``model.get_input_embeddings()``).

    The path runs from the baseline's word embeddings to the input's; position and token-type
    embeddings are the same at both ends. For one-hot CNNs the one-hot input is attributed (see
    `input_layer`). Baseline ``"pad"`` replaces every k-mer token by [PAD]
    (whose embedding is zero in BERT) and keeps [CLS]/[SEP]; ``"shuffle"`` uses the tokens of the
    sequence with its bases shuffled (``seed``). Sequences must fit in ``classifier.max_bp``.

    Parameters
    ----------
    classifier : TransformerClassifier
    seqs : sequence of str
    target : str or None
        Class, label or target explained; None: as :meth:`Task.output_index` (the positive class, or
        the first label or target).
    n_steps : int
        Riemann steps along the path.
    baseline : {"pad", "shuffle"}
    batch_size : int
        Sequences per attribution call (each expands to ``n_steps`` model rows).
    seed : int
    progress : callable (done, total) -> None, optional
        Called after every attribution call with the sequences done so far and in all.
    cancel : object with ``is_set()`` (a ``threading.Event``), optional
        Checked between attribution calls; when set, :class:`~enhancerlm.errors.Cancelled` is raised.

    Returns
    -------
    IGResult
    """
    model = require_hf(classifier, "ig")
    if baseline not in BASELINES:
        raise ConfigError(f"ig baseline={baseline!r}: use one of {BASELINES}")
    encoder, t = classifier.encoder, target_index(classifier, target)
    if len(seqs) == 0:
        return IGResult([], [], np.zeros(0))
    ids = encoder.encode_batch(seqs)
    base_ids = _baseline_ids(encoder, seqs, ids, baseline, seed)
    layer, use_input, feature_dim = input_layer(model)
    scale = getattr(classifier, "target_scale", None)
    lig = _captum()(_log_odds_forward(model, t, classifier.task.single_label, scale), layer)
    token_attr: list[np.ndarray] = [np.empty(0)] * len(seqs)
    delta = np.zeros(len(seqs))
    steps = Steps(len(seqs), "integrated gradients", "sequence", progress, cancel)
    with steps, preserved_model_state(classifier, eval_mode=True):
        for rows in length_sorted_batches(ids, batch_size):
            steps.check()
            attr, d = _attribute_batch(
                lig, classifier, [ids[i] for i in rows], [base_ids[i] for i in rows], n_steps, use_input, feature_dim
            )
            for row, a in zip(rows, attr):
                token_attr[row] = a
            delta[rows] = d
            steps.advance(len(rows))
    log.debug("integrated gradients, %d steps: max |convergence delta| %.3g", n_steps, np.abs(delta).max())
    bases = [tokens_to_bases(a, len(s), *token_layout(encoder, len(s), x)) for a, s, x in zip(token_attr, seqs, ids)]
    return IGResult(bases, token_attr, delta)


def _attribute_batch(lig, classifier, ids, base_ids, n_steps: int, use_input: bool, feature_dim: int):
    """One padded batch -> per-sequence token attributions (padding dropped) and convergence deltas."""
    device = classifier.device
    input_ids, mask = pad_batch(ids, classifier.encoder.pad_id)
    baseline_ids, _ = pad_batch(base_ids, classifier.encoder.pad_id)
    with torch.enable_grad():
        attr, delta = lig.attribute(
            input_ids.to(device),
            baselines=baseline_ids.to(device),
            additional_forward_args=(mask.to(device),),
            n_steps=n_steps,
            internal_batch_size=max(n_steps, 64),
            return_convergence_delta=True,
            attribute_to_layer_input=use_input,
        )
    per_token = attr.sum(dim=feature_dim).detach().float().cpu().numpy()
    return [per_token[r, : len(x)] for r, x in enumerate(ids)], delta.detach().float().cpu().numpy()


def gradient_times_input(classifier, seqs: Sequence[str], *, target: str | None = None, batch_size: int = 16):
    """Gradient of the target log-odds times the input's word embeddings (a CNN: its one-hot input), per base.

    One forward and one backward pass per sequence (captum's ``LayerGradientXActivation``), where
    integrated gradients take ``n_steps`` and ISM 3 model inputs per base: coarser than either, for
    pictures whose cost must stay a small part of a job (the variants' top-variant plot). The [PAD]
    embedding of BERT and the CNN's [PAD] one-hot are zero, so this is also one-step integrated gradients
    from the ``"pad"`` baseline, taken at the input's end of the path.

    Returns
    -------
    IGResult
        ``convergence_delta`` is NaN: a single gradient makes no claim of completeness.
    """
    model = require_hf(classifier, "gradient x input")
    encoder, t = classifier.encoder, target_index(classifier, target)
    ids = encoder.encode_batch(seqs)
    layer, use_input, feature_dim = input_layer(model)
    scale = getattr(classifier, "target_scale", None)
    gxa = _captum("LayerGradientXActivation")(_log_odds_forward(model, t, classifier.task.single_label, scale), layer)
    token_attr: list[np.ndarray] = [np.empty(0)] * len(seqs)
    with preserved_model_state(classifier, eval_mode=True), torch.enable_grad():
        for rows in length_sorted_batches(ids, batch_size):
            input_ids, mask = pad_batch([ids[i] for i in rows], encoder.pad_id)
            attr = gxa.attribute(
                input_ids.to(classifier.device),
                additional_forward_args=(mask.to(classifier.device),),
                attribute_to_layer_input=use_input,
            )
            per_token = attr.sum(dim=feature_dim).detach().float().cpu().numpy()
            for r, row in enumerate(rows):
                token_attr[row] = per_token[r, : len(ids[row])]
    bases = [tokens_to_bases(a, len(s), *token_layout(encoder, len(s), x)) for a, s, x in zip(token_attr, seqs, ids)]
    return IGResult(bases, token_attr, np.full(len(seqs), np.nan))
