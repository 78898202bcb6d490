"""Leakage between train and test, and splits free of it: ``audit`` (exact, reverse-complement and near
duplicates, GC-only AUROC, interval overlaps) with ``audit_report`` and ``plots`` (what leaks, as JSON,
Markdown and PNG), ``near_duplicates`` (MinHash + LSH and the best-match join) with its
``near_duplicate_defaults``, ``splits`` (the one duplicate-aware validation split) and ``prepare``
(leakage-free train/val/test, ``enhancerlm data prepare``)."""
