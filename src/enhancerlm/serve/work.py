"""What the server's worker does: score a request's table, explain one of its records, draw the SVGs.

Every number comes from the library's own primitives: :func:`enhancerlm.predict.predict_proba` and
:func:`~enhancerlm.predict.prediction_table` (so the page shows what ``enhancerlm predict`` writes),
:func:`enhancerlm.interpret.attribution.attribute`, the seqlet and JASPAR code of ``explain``.
"""

from __future__ import annotations

import io
import logging
import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from enhancerlm.errors import ConfigError
from enhancerlm.interpret.attribution import attribute
from enhancerlm.interpret.config import ExplainConfig
from enhancerlm.predict import predict_proba, prediction_table
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
SHORT_NAMES = {"ism": "ISM", "ig": "IG"}  # y labels: a rotated label longer than the panel is cut
ATTRIBUTION_UNIT = "log-odds"  # of the positive (or last) class, as `enhancerlm explain` reports it
# Both pictures of an explanation share width and side margins, so base i sits at the same x in each.
FIGURE_WIDTH_IN = 12.0
SIDE_MARGINS = {"left": 0.075, "right": 0.97}


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
        (``probability_shown``, the table's) and as floats (for sorting)."""
        classes = [c.removeprefix("p_") for c in self.predictions.columns if c.startswith("p_")]
        rows = []
        for i, row in enumerate(self.predictions.itertuples(index=False)):
            rows.append(
                {
                    "row": i,
                    "id": row.id,
                    "length_bp": int(row.length_bp),
                    "probability": float(row.probability),
                    "probability_text": FLOAT_FORMAT % row.probability,
                    "probability_shown": SHOWN_FORMAT % row.probability,
                    "prediction": row.prediction,
                    "call": row.call,
                    "training": row.training,
                }
            )
        return {
            "n": len(rows),
            "threshold": self.threshold,
            "both_strands": self.both_strands,
            "classes": classes,
            "notes": self.notes,
            "rows": rows,
        }


def calls(probability: np.ndarray, prediction: pd.Series, names: list[str], threshold: float) -> list[str]:
    """The call at ``threshold``: binary, the positive class when its probability reaches it, else the other;
    more classes, the top class when its probability reaches it, else ``none``."""
    if len(names) == 2:
        return [names[1] if p >= threshold else names[0] for p in probability]
    return [c if p >= threshold else NO_CALL for p, c in zip(probability, prediction)]


def score(served: ServedModel, table: pd.DataFrame, threshold: float, both_strands: bool, notes: list[str]) -> Scored:
    """Score every record of ``table`` as ``enhancerlm predict`` would, then add calls and training overlap."""
    classifier = served.classifier
    seqs = table["sequence"].tolist()
    proba = predict_proba(classifier, seqs, both_strands=both_strands)
    predictions = prediction_table(classifier, table["id"], proba)
    predictions["length_bp"] = [len(s) for s in seqs]
    names = list(classifier.label_map.names)
    predictions["call"] = calls(predictions["probability"].to_numpy(), predictions["prediction"], names, threshold)
    training = training_overlap(seqs, served.training) if served.training is not None else UNKNOWN
    predictions["training"] = training
    scored = Scored(table, predictions, threshold, both_strands, notes)
    scored.histogram_svg = histogram_svg(predictions["probability"].to_numpy(), threshold, _score_label(served))
    return scored


def _score_label(served: ServedModel) -> str:
    label_map = served.classifier.label_map
    return f"P({label_map.positive})" if label_map.positive else "top class probability"


@dataclass
class Explained:
    """An explain job's result: one record's attribution, top motif matches and window scores.

    Attributes
    ----------
    id : str
    sequence : str
    method : str
    attribution : np.ndarray, shape=(L,)
        Per-base attribution (log-odds units) toward the positive (or last) class.
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
    attribution_svg: bytes = field(repr=False, default=b"")
    windows_svg: bytes = field(repr=False, default=b"")

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "length_bp": len(self.sequence),
            "method": self.method,
            "unit": ATTRIBUTION_UNIT,
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
) -> Explained:
    """Attribution (``"ism"`` or ``"ig"``) of one sequence, its best JASPAR matches, its window scores.

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

    with gate.attribution():
        progress.start(METHOD_NAMES[method], "model input" if method == "ism" else "window")
        tracks = attribute(served.classifier, [seq], method, progress=report, cancel=progress.cancel)
        progress.start("window scores")
        windows = window_scores(served, seq)
    track = np.asarray(tracks[0], dtype=np.float64)
    progress.start("JASPAR matches")  # no model here: scoring jobs run meanwhile
    motifs, note = top_motif_matches(seq, track, config)
    return _explained(served, seq_id, seq, method, track, motifs, note, windows)


def _explained(served, seq_id, seq, method, track, motifs, note, windows) -> Explained:
    """The result with its pictures: the track, and the windows' scores aligned under it."""
    window_bp = served.classifier.max_bp
    stride_bp = default_stride_bp(window_bp) if window_bp is not None else None  # as window_scores cut them
    score = float(windows["probability"].mean())
    result = Explained(seq_id, seq, method, track, motifs, note, windows, score, window_bp, stride_bp)
    result.attribution_svg = attribution_svg(seq, track, method, seq_id)
    if len(windows) > 1:
        result.windows_svg = windows_svg(windows, len(seq), _score_label(served), score)
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


def window_scores(served: ServedModel, seq: str) -> pd.DataFrame:
    """start, end (0-based bp, half-open) and score of each window the model sees of ``seq``."""
    classifier = served.classifier
    windows = split_windows([seq], classifier.max_bp)
    proba = predict_proba(classifier, windows.seqs)
    scores = prediction_table(classifier, [str(s) for s in windows.starts], proba)["probability"]
    ends = windows.starts + np.array([len(w) for w in windows.seqs])
    return pd.DataFrame(
        {"start": windows.starts.astype(int), "end": ends.astype(int), "probability": scores.astype(float)}
    )


def _svg(fig) -> bytes:
    """SVG bytes of a figure, then the figure closed (a pyplot one is also forgotten by pyplot)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="svg")
    finally:
        plt.close(fig)
    return buffer.getvalue()


def _figure(width: float, height: float):
    """A figure outside pyplot's global state (the worker draws while requests are served)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


def histogram_svg(probability: np.ndarray, threshold: float, label: str) -> bytes:
    return _svg(histogram_figure(probability, threshold, label))


def histogram_figure(probability: np.ndarray, threshold: float, label: str):
    """Histogram of the scores in 20 bins over [0, 1], the threshold as a dashed line; counts are whole numbers."""
    from matplotlib.ticker import MaxNLocator

    fig, ax = _figure(5, 2.4)
    ax.hist(probability, bins=20, range=(0, 1), color="#255C99")
    ax.axvline(threshold, color="#D62839", ls="--", lw=1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(label)
    ax.set_ylabel("sequences")
    fig.tight_layout()
    return fig


def attribution_svg(seq: str, track: np.ndarray, method: str, title: str) -> bytes:
    return _svg(attribution_figure(seq, track, method, title))


def attribution_figure(seq: str, track: np.ndarray, method: str, title: str):
    """``explain``'s attribution logo (bars past 400 bp), drawn to the page's width, bases numbered from 1."""
    from enhancerlm.interpret.plots import plot_attribution

    label = f"{SHORT_NAMES.get(method, method)} ({ATTRIBUTION_UNIT})"
    fig = plot_attribution(seq, {method: track}, title=title, one_based=True, ylabel=label)
    # The page is about 12 inches wide; the file-sized figure (0.1 inch a base) would shrink its labels to dust.
    fig.set_size_inches(FIGURE_WIDTH_IN, 2.6)
    fig.subplots_adjust(bottom=0.2, top=0.88, **SIDE_MARGINS)
    return fig


def windows_svg(windows: pd.DataFrame, length_bp: int, label: str, score: float) -> bytes:
    return _svg(windows_figure(windows, length_bp, label, score))


def windows_figure(windows: pd.DataFrame, length_bp: int, label: str, score: float):
    """Each window's score as a segment over the bases it covers, x aligned with `attribution_figure`.

    The sequence's score, the mean of the windows', is the dashed line. The y range leaves room
    above 1 and below 0, so that a score of 1 is not drawn on the frame.
    """
    fig, ax = _figure(FIGURE_WIDTH_IN, 2.2)
    # Base i (1-based) spans x = i - 0.5 .. i + 0.5, as in the attribution track. Neighbouring windows
    # overlap: two shades and end ticks keep them apart where their scores are alike.
    for i, window in enumerate(windows.itertuples(index=False)):
        x, y = [window.start + 0.5, window.end + 0.5], [window.probability] * 2
        ax.plot(x, y, color=("#255C99", "#6FA8DC")[i % 2], lw=3, marker="|", markersize=12, solid_capstyle="butt")
    ax.axhline(score, color="#D62839", ls="--", lw=1, label=f"the sequence's score: mean of {len(windows)} windows")
    ax.set_xlim(0.5, length_bp + 0.5)
    ax.set_ylim(-0.08, 1.08)
    ax.set_yticks([0, 0.5, 1])
    ax.set_xlabel("position (bp, 1-based)")
    ax.set_ylabel(f"window\n{label}")
    ax.legend(loc="best", fontsize=8, frameon=False)
    fig.subplots_adjust(bottom=0.25, top=0.95, **SIDE_MARGINS)
    return fig
