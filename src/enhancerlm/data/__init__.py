"""Data sets, in three parts and the pre-training corpus:

- ``leakage``: what a test set shares with its training set (audit) and splits free of it (prepare).
- ``peaks``: labelled sets built from peak files and a genome, with matched negatives (build).
- ``generate``: synthetic sets whose truth is known (motif enhancers, cell types, ensembl-like).
- ``pretrain_corpus``: FASTA records cut into pre-training crops.
"""
