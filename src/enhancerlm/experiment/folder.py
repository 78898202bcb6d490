"""What the ``enhancerlm run`` folder around a saved model says about how that model was trained."""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)

MODEL_DIRS = ("model", "probe")  # a run's saved models: fine-tuned (or fitted), then the probe of --mode probe


def run_folder(model_dir: str | Path) -> Path | None:
    """The ``enhancerlm run`` output folder holding ``model_dir`` (its ``model/``), if it is one."""
    parent = Path(model_dir).resolve().parent
    return parent if (parent / "metrics.json").is_file() else None


def model_folder(path: str | Path) -> Path:
    """The saved model a path names: ``path`` itself, or, for an ``enhancerlm run`` folder, its ``model/``
    (``probe/`` when the run only probed).

    A run of ``--mode both`` holds both; the fine-tuned ``model/`` is taken and the log says how to
    take the other. Any other path is returned as it is (loading it then says what is wrong).
    """
    path = Path(path)
    if not (path / "metrics.json").is_file():
        return path
    found = [path / name for name in MODEL_DIRS if (path / name).is_dir()]
    if len(found) > 1:
        log.info("%s holds %s; using %s (name the other folder to load it)", path, " and ".join(MODEL_DIRS), found[0])
    return found[0] if found else path


def training_length_bp(model_dir: str | Path) -> int | None:
    """Mean length, bp, of the records the model was trained on (the run's audit), or None where unknown.

    The run's audit keeps per-class length statistics of train as given; their count-weighted mean is the
    length a model without a window of its own (the k-mer and GC baselines) saw.
    """
    run = run_folder(model_dir)
    audit_path = None if run is None else run / "audit" / "audit.json"
    if audit_path is None or not audit_path.is_file():
        return None
    stats = json.loads(audit_path.read_text()).get("length_stats", {}).get("train", {}).values()
    count = sum(s.get("count", 0) for s in stats)
    return round(sum(s["mean"] * s["count"] for s in stats) / count) if count else None
