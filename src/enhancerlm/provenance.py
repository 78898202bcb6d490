"""What an output folder records about how it was made: one versions record, one "same settings or refuse" rule."""

from __future__ import annotations

import json
import platform
from typing import Iterable, Mapping


def versions() -> dict:
    """Versions that decide a run's numbers, written beside its outputs (``config.yaml``, ``train_run.json`` ...).

    Returns
    -------
    dict
        ``enhancerlm``, ``python``, ``torch``, ``transformers``, ``numpy``, ``scikit-learn`` (str each) and
        ``cuda`` (bool: whether torch saw a GPU).
    """
    import numpy
    import sklearn
    import torch
    import transformers

    import enhancerlm

    return {
        "enhancerlm": enhancerlm.__version__,
        "python": platform.python_version(),
        "torch": str(torch.__version__),
        "transformers": transformers.__version__,
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
        "cuda": torch.cuda.is_available(),
    }


def changed_settings(
    before: Mapping, now: Mapping, *, ignore: Iterable[str] = (), tolerate_new: bool = False, both_ways: bool = False
) -> list[str]:
    """The settings a resumed run would change: keys whose value differs from the recorded one, sorted.

    Values are compared as JSON reads them back (a tuple equals the list it was written as).

    Parameters
    ----------
    before : mapping
        The settings recorded by the run being resumed (read from its JSON file).
    now : mapping
        The settings of the run that wants to resume it.
    ignore : iterable of str
        Keys a resume may change (e.g. the number of epochs to train up to).
    tolerate_new : bool
        A key missing from ``before`` is unchanged (a setting added since that run was recorded);
        otherwise it counts as changed unless its value is None.
    both_ways : bool
        Also count keys recorded in ``before`` that ``now`` lacks.
    """
    now = json.loads(json.dumps(dict(now)))
    keys = set(now) | (set(before) if both_ways else set())
    return sorted(
        k for k in keys - set(ignore) if not (tolerate_new and k not in before) and before.get(k) != now.get(k)
    )
