"""Data sets: leakage audit (``audit``), leakage-free splits (``prepare``), sets built from peaks and a
genome (``build``), synthetic enhancers (``synthetic``).

Modules: ``near_duplicates`` (MinHash + LSH, and the best-match join), ``audit`` and
``audit_report`` (what leaks, written as JSON/Markdown/PNG), ``plots``, ``prepare``, ``splits`` (the one
duplicate-aware validation split), ``motifs`` (JASPAR matrices), ``synthetic`` and ``ensembl_like``
(sets with the structure of Genomic Benchmarks ``human_enhancers_ensembl``); ``build``, ``build_config``,
``build_outputs``, ``windows`` (peaks -> windows), ``background`` (matched genomic negatives) and
``shuffle`` (k-mer-preserving shuffles) for ``data build``.
"""
