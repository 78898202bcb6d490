"""What the server's worker does: score a request's table, explain one of its records, draw the SVGs.

Every number comes from the library's own primitives: :func:`enhancerlm.predict.predict_proba` and
:func:`~enhancerlm.predict.prediction_table` (so the page shows what ``enhancerlm predict`` writes),
:func:`enhancerlm.interpret.attribution.attribute`, the seqlet and JASPAR code of ``explain``.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from enhancerlm.errors import ConfigError
from enhancerlm.interpret.attribution import attribute
from enhancerlm.interpret.config import ExplainConfig
from enhancerlm.predict import predict_proba, prediction_table
from enhancerlm.serve.figures import (  # noqa: F401  (the figures: here since the page's first version)
    ATTRIBUTION_UNIT,
    attribution_figure,
    attribution_svg,
    histogram_figure,
    histogram_svg,
    windows_figure,
    windows_svg,
)
from enhancerlm.serve.gate import ModelGate
from enhancerlm.serve.jobs import Progress
from enhancerlm.serve.limits import LimitError
from enhancerlm.serve.served import ServedModel, training_overlap
from enhancerlm.tokenization.windows import default_stride_bp, split_windows

log = logging.getLogger(__name__)

FLOAT_FORMAT = "%.6g"  # as `enhancerlm predict` writes its TSV
SHOWN_FORMAT = "%.4f"  # the page's table: one width for every row; 4 decimals part scores close to a threshold
NO_CALL = "none"  # more than two classes and the top probability below the threshold
UNKNOWN = "unknown"  # no training set to compare with
N_MOTIF_WINDOWS = 3
# Shuffled-query nulls per JASPAR match: explain's 50 cost about 0.8 s per window on a CPU; the null is
# pooled over all ~900 motifs, so 20 still resolve p-values to about 1e-4, in a third of the time.
MOTIF_SHUFFLES = 20
METHOD_NAMES = {"ism": "ISM", "ig": "integrated gradients"}


@dataclass
class Scored:
    """A predict job's result.

    Attributes
    ----------
    table : pandas.DataFrame
        The request's canonical table (id, sequence, ...), kept so that rows can be explained.
    predictions : pandas.DataFrame
        ``prediction_table`` columns (id, probability, prediction, p_<class>), then length_bp, call,
        training (``exact``/``revcomp``/``near``/``novel``, or ``unknown``).
    threshold : float
    both_strands : bool
    notes : list of str
        The readers' warnings.
    histogram_svg : bytes
    """

    table: pd.DataFrame
    predictions: pd.DataFrame
    threshold: float
    both_strands: bool
    notes: list[str]
    histogram_svg: bytes = field(repr=False, default=b"")

    def tsv(self) -> str:
        return self.predictions.to_csv(sep="\t", index=False, float_format=FLOAT_FORMAT)

    def to_dict(self) -> dict:
        """The page's view: rows with numbers as the TSV writes them (``probability_text``), with 4 decimals
        (``probability_shown``, the table's) and as floats (for sorting).

        ``scores`` (and ``scores_shown``) hold every output of a row: class probabilities, a probability
        per label (cell type) of a multi-label model, the values of a regression model. A multi-output
        model's rows have no single ``probability``.
        """
        outputs = [c for c in self.predictions.columns if c.startswith(("p_", "pred_"))]
        rows = []
        for i, row in enumerate(self.predictions.to_dict(orient="records")):
            entry = {"row": i, "id": row["id"], "length_bp": int(row["length_bp"])}
            if "probability" in row:
                p = row["probability"]
                entry.update(
                    probability=float(p), probability_text=FLOAT_FORMAT % p, probability_shown=SHOWN_FORMAT % p
                )
            entry.update(prediction=row.get("prediction", ""), call=row["call"], training=row["training"])
            entry["scores"] = {c: float(row[c]) for c in outputs}
            entry["scores_shown"] = {c: SHOWN_FORMAT % row[c] for c in outputs}
            rows.append(entry)
        return {
            "n": len(rows),
            "threshold": self.threshold,
            "both_strands": self.both_strands,
            "classes": [c.removeprefix("p_") for c in outputs if c.startswith("p_")],
            "outputs": outputs,
            "notes": self.notes,
            "rows": rows,
        }


def calls(probability: np.ndarray, prediction: pd.Series, names: list[str], threshold: float) -> list[str]:
    """The call at ``threshold``: binary, the positive class when its probability reaches it, else the other;
    more classes, the top class when its probability reaches it, else ``none``."""
    if len(names) == 2:
        return [names[1] if p >= threshold else names[0] for p in probability]
    return [c if p >= threshold else NO_CALL for p, c in zip(probability, prediction)]


def label_calls(proba: np.ndarray, names: list[str], threshold: float) -> list[str]:
    """A multi-label model's call at ``threshold``: every label whose probability reaches it, joined by ``;``."""
    return [";".join(n for n, p in zip(names, row) if p >= threshold) or NO_CALL for row in proba]


def score(served: ServedModel, table: pd.DataFrame, threshold: float, both_strands: bool, notes: list[str]) -> Scored:
    """Score every record of ``table`` as ``enhancerlm predict`` would, then add calls and training overlap.

    Calls: binary and multi-class as :func:`calls`; multi-label, the labels (cell types) at or above the
    threshold (:func:`label_calls`); regression, none (its values have no threshold).
    """
    classifier, task = served.classifier, served.classifier.task
    seqs = table["sequence"].tolist()
    proba = predict_proba(classifier, seqs, both_strands=both_strands)
    predictions = prediction_table(classifier, table["id"], proba)
    predictions["length_bp"] = [len(s) for s in seqs]
    names = list(task.names)
    if task.single_label:
        predictions["call"] = calls(predictions["probability"].to_numpy(), predictions["prediction"], names, threshold)
    else:
        predictions["call"] = label_calls(proba, names, threshold) if task.probabilities else ""
    training = training_overlap(seqs, served.training) if served.training is not None else UNKNOWN
    predictions["training"] = training
    scored = Scored(table, predictions, threshold, both_strands, notes)
    shown = predictions["probability"].to_numpy() if task.single_label else np.asarray(proba, dtype=np.float64).ravel()
    scored.histogram_svg = histogram_svg(shown, threshold if task.probabilities else None, _score_label(served))
    return scored


def _score_label(served: ServedModel, target: str | None = None) -> str:
    """The axis label of a score: the positive class's probability, a label's, or a target's value."""
    task = served.classifier.task
    if task.single_label:
        label_map = task.label_map
        return f"P({label_map.positive})" if label_map.positive else "top class probability"
    if target is None:
        return "P(label), all labels" if task.probabilities else "predicted value, all targets"
    return f"P({target})" if task.probabilities else f"predicted {target}"


@dataclass
class Explained:
    """An explain job's result: one record's attribution, top motif matches and window scores.

    Attributes
    ----------
    id : str
    sequence : str
    method : str
    attribution : np.ndarray, shape=(L,)
        Per-base attribution toward ``target`` (log-odds; a regression target's value).
    motifs : list of dict
        Highest-attribution windows: start, end (0-based, half-open), score, sequence, matches
        (list of name, matrix_id, q_value).
    motif_note : str
        Why there are no matches, or how to read them.
    windows : pandas.DataFrame
        start, end, probability of each model window (one row when the sequence fits one window).
    score : float
        The sequence's score as the table shows it: the mean of its window scores.
    window_bp, stride_bp : int or None
        The model's window and the step between windows, in bp (None: no window limit).
    target : str
        The class, label (cell type) or regression target explained.
    unit : str
        ``log-odds`` or ``value`` (:attr:`Task.explained_unit`).
    """

    id: str
    sequence: str
    method: str
    attribution: np.ndarray
    motifs: list[dict]
    motif_note: str
    windows: pd.DataFrame
    score: float = float("nan")
    window_bp: int | None = None
    stride_bp: int | None = None
    target: str = ""
    unit: str = ATTRIBUTION_UNIT
    attribution_svg: bytes = field(repr=False, default=b"")
    windows_svg: bytes = field(repr=False, default=b"")

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "length_bp": len(self.sequence),
            "method": self.method,
            "unit": self.unit,
            "target": self.target,
            "attribution": [float(x) for x in self.attribution],
            "motifs": self.motifs,
            "motif_note": self.motif_note,
            "windows": self.windows.to_dict(orient="records"),
            "score": self.score,
            "window_bp": self.window_bp,
            "stride_bp": self.stride_bp,
        }


def explain_record(
    served: ServedModel,
    seq_id: str,
    seq: str,
    method: str,
    max_bp: int,
    *,
    gate: ModelGate | None = None,
    progress: Progress | None = None,
    target: str | None = None,
) -> Explained:
    """Attribution (``"ism"`` or ``"ig"``) of one sequence, its best JASPAR matches, its window scores.

    ``target``: the class, label (cell type) or regression target explained; None as ``explain``
    chooses (:meth:`Task.output_index`: the positive class, or the first label or target).

    ``gate`` is held while the model works and offered to scoring jobs between attribution batches;
    ``progress`` receives the attribution's counts, and its cancel event stops it between batches.
    """
    if len(seq) > max_bp:
        raise LimitError(
            f"record '{seq_id}' is {len(seq)} bp; per-base attribution is computed up to {max_bp} bp on this "
            "server (start it with a larger --max-explain-bp)"
        )
    gate, progress = gate or ModelGate(), progress or Progress()
    config = ExplainConfig(methods=(method,))

    def report(done: int, total: int) -> None:
        progress.report(done, total)
        gate.pause_for_scoring()

    task = served.classifier.task
    explained = task.names[task.output_index(target)]  # a name the model lacks: an InputError before any work
    with gate.attribution():
        progress.start(METHOD_NAMES[method], "model input" if method == "ism" else "window")
        tracks = attribute(served.classifier, [seq], method, target=explained, progress=report, cancel=progress.cancel)
        progress.start("window scores")
        windows = window_scores(served, seq, explained)
    track = np.asarray(tracks[0], dtype=np.float64)
    progress.start("JASPAR matches")  # no model here: scoring jobs run meanwhile
    motifs, note = top_motif_matches(seq, track, config)
    return _explained(served, seq_id, seq, method, track, motifs, note, windows, explained)


def _explained(served, seq_id, seq, method, track, motifs, note, windows, target: str) -> Explained:
    """The result with its pictures: the track, and the windows' scores aligned under it."""
    window_bp, unit = served.classifier.max_bp, served.classifier.task.explained_unit
    stride_bp = default_stride_bp(window_bp) if window_bp is not None else None  # as window_scores cut them
    score = float(windows["probability"].mean())
    result = Explained(seq_id, seq, method, track, motifs, note, windows, score, window_bp, stride_bp, target, unit)
    result.attribution_svg = attribution_svg(seq, track, method, seq_id, unit)
    if len(windows) > 1:
        label = _score_label(served, None if served.classifier.task.single_label else target)
        result.windows_svg = windows_svg(windows, len(seq), label, score)
    return result


def top_motif_matches(seq: str, track: np.ndarray, config: ExplainConfig) -> tuple[list[dict], str]:
    """The ``N_MOTIF_WINDOWS`` best-scoring seqlet windows of one sequence and their closest JASPAR motifs.

    Unlike ``explain``'s motif table no null threshold is drawn (one sequence is too few to shuffle
    into a null): these are the windows the model leans on most, and a match's q-value says whether
    it resembles a known motif more than shuffled columns would.
    """
    from enhancerlm.interpret.jaspar import load_jaspar
    from enhancerlm.interpret.seqlets import extract_seqlets

    if len(seq) < config.seqlet_width_bp:
        return [], f"the sequence is shorter than a motif window ({config.seqlet_width_bp} bp)"
    seqlets = extract_seqlets(
        [track], [seq], ["query"], threshold=0.0, width_bp=config.seqlet_width_bp, core_bp=config.core_bp
    )
    if seqlets.table.empty:
        return [], "no window adds to the score (no positive attribution)"
    try:
        db = load_jaspar(config.jaspar_release)
    except ConfigError as err:
        return [], f"no JASPAR matching: {err}"
    best = seqlets.table.sort_values("score", ascending=False, kind="stable").head(N_MOTIF_WINDOWS)
    rows = []
    for i, seqlet in best.iterrows():
        matches = db.match(seqlets.onehot[i], n_shuffles=MOTIF_SHUFFLES, seed=config.seed).head(config.n_matches)
        rows.append(
            {
                "start": int(seqlet["start"]),
                "end": int(seqlet["end"]),
                "score": float(seqlet["score"]),
                "sequence": seqlet["sequence"],
                "matches": [
                    {"name": m.name, "matrix_id": m.matrix_id, "q_value": float(m.q_value)}
                    for m in matches.itertuples()
                ],
            }
        )
    note = f"windows of {config.seqlet_width_bp} bp with the most attribution; closest motifs of {db.release}"
    return rows, note + " CORE vertebrates"


def explain_methods(classifier) -> tuple[str, ...]:
    """The attribution methods the page offers for ``classifier``: ISM always, integrated gradients where it
    has token embeddings (or a one-hot convolution) and captum is installed."""
    import importlib.util

    # A model without torch weights (k-mer LR, GC) has no gradients, and loading it imported no torch.
    if "torch" not in sys.modules or importlib.util.find_spec("captum") is None:
        return ("ism",)
    from enhancerlm.models.hf import TransformerClassifier

    return ("ism", "ig") if isinstance(classifier, TransformerClassifier) else ("ism",)


def warm_up() -> None:
    """Open JASPAR now, on the worker, so that the first explanation does not wait for it (about 1.5 s)."""
    from enhancerlm.interpret.jaspar import load_jaspar

    load_jaspar(ExplainConfig().jaspar_release)


def window_scores(served: ServedModel, seq: str, target: str | None = None) -> pd.DataFrame:
    """start, end (0-based bp, half-open) and score of each window the model sees of ``seq``.

    The score is the table's ``probability`` (binary, multi-class); for a multi-label or regression
    model the output ``target`` (the one explained).
    """
    classifier, task = served.classifier, served.classifier.task
    windows = split_windows([seq], classifier.max_bp)
    proba = predict_proba(classifier, windows.seqs)
    if task.single_label:
        scores = prediction_table(classifier, [str(s) for s in windows.starts], proba)["probability"]
    else:
        scores = pd.Series(proba[:, task.output_index(target)])
    ends = windows.starts + np.array([len(w) for w in windows.seqs])
    return pd.DataFrame(
        {"start": windows.starts.astype(int), "end": ends.astype(int), "probability": scores.astype(float)}
    )
