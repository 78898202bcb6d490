"""Variant effects: REF vs ALT windows from a VCF scored by a saved classifier; saturation mutagenesis of regions."""

from enhancerlm.variants.config import VariantConfig

__all__ = ["VariantConfig", "VariantResult", "score_variants"]


def __getattr__(name: str):
    # variants.run imports torch and pandas; loaded on first use so that the CLI's flags (from VariantConfig)
    # start fast.
    if name in ("VariantResult", "score_variants"):
        from enhancerlm.variants import run

        return getattr(run, name)
    raise AttributeError(f"module 'enhancerlm.variants' has no attribute {name!r}")
