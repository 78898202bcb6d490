"""Why a sequence is called an enhancer: per-base attribution, attention maps, motifs matched to JASPAR."""

from enhancerlm.interpret.attribution import METHODS, attribute, planted_auroc, rc_consistency
from enhancerlm.interpret.config import ExplainConfig
from enhancerlm.interpret.explain import ExplainResult, explain
from enhancerlm.interpret.ism import ISMResult, saturation_mutagenesis, top_mutations

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
