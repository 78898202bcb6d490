"""enhancerlm: is this DNA an enhancer, and why? DNA language models, honestly evaluated.

``import enhancerlm as elm`` gives the whole job in a few verbs (:mod:`enhancerlm.api`), each loaded on
first use so that importing the package (and starting the ``enhancerlm`` command) stays fast::

    model = elm.fit("kmer-lr", "train.tsv")          # or elm.load("runs/x")
    elm.predict(model, "new.fa")                     # id, probability, prediction, p_<class>
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from enhancerlm.api import (
        attribute,
        embed,
        explain,
        fit,
        load,
        mutagenesis,
        predict,
        read_sequences,
        run_experiment,
        scan_genome,
        score_variants,
    )

__all__ = [
    "__version__",
    "attribute",
    "embed",
    "explain",
    "fit",
    "load",
    "mutagenesis",
    "predict",
    "read_sequences",
    "run_experiment",
    "scan_genome",
    "score_variants",
]
_API = frozenset(__all__) - {"__version__"}


def __getattr__(name: str):
    if name in _API:
        from enhancerlm import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'enhancerlm' has no attribute {name!r}")


def __dir__() -> list[str]:
    # the verbs, loaded or not, and the subpackages imported so far (not this file's helpers)
    return sorted(
        set(__all__)
        | {name for name, value in globals().items() if isinstance(value, types.ModuleType)} - {"sys", "types"}
    )


class _Package(types.ModuleType):
    """The package's module type: a verb keeps its name when a submodule of that name is imported.

    ``enhancerlm.predict`` is both the verb (``elm.predict(model, X)``) and a module (``from
    enhancerlm.predict import predict_proba``). Importing a submodule binds its name on the package,
    which would replace the verb for whoever imported the module first; the verb wins instead, and
    the module stays importable by its dotted name (``sys.modules``, ``from ... import``).
    """

    def __setattr__(self, name: str, value) -> None:
        if name in _API and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
