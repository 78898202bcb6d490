"""Data sets: leakage audit (``audit``), leakage-free splits (``prepare``), synthetic enhancers (``synthetic``).

Modules: ``composition`` (GC, strands, k-mer ids), ``near_duplicates`` (MinHash + LSH), ``audit`` and
``audit_report`` (what leaks, written as JSON/Markdown/PNG), ``plots``, ``prepare``, ``motifs`` (JASPAR
matrices) and ``synthetic``.
"""
