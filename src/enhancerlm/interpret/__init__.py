"""Why a sequence is called an enhancer: per-base attribution, attention maps, motifs matched to JASPAR."""

from typing import TYPE_CHECKING

from enhancerlm.interpret.config import METHODS, ExplainConfig

if TYPE_CHECKING:  # what the names below are, for type checkers; at run time they load on first use
    from enhancerlm.interpret.attribution import attribute, planted_auroc, rc_consistency
    from enhancerlm.interpret.explain import ExplainResult, explain
    from enhancerlm.interpret.ism import ISMResult, saturation_mutagenesis, top_mutations

# The rest imports pandas and torch; loaded on first use so that the CLI's flags (ExplainConfig) start fast.
_LAZY = {
    "attribute": "attribution",
    "planted_auroc": "attribution",
    "rc_consistency": "attribution",
    "ExplainResult": "explain",
    "explain": "explain",
    "ISMResult": "ism",
    "saturation_mutagenesis": "ism",
    "top_mutations": "ism",
}

__all__ = [
    "METHODS",
    "ExplainConfig",
    "ExplainResult",
    "ISMResult",
    "attribute",
    "explain",
    "planted_auroc",
    "rc_consistency",
    "saturation_mutagenesis",
    "top_mutations",
]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"enhancerlm.interpret.{_LAZY[name]}"), name)
        # Importing the submodule `explain` binds that name to the module; the function must win, as before.
        globals()[name] = value
        return value
    raise AttributeError(f"module 'enhancerlm.interpret' has no attribute {name!r}")
